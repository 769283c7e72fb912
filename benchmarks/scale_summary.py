#!/usr/bin/env python3
"""Builds DIR/scale-summary.json from a scale run (benchmarks/scale.sh) and prints it as a table.

usage: scale_summary.py DIR SMALL LARGE

Latency: JMH sample-time results of ScaleBenchmark on the two stores of one run; ratio = LARGE / SMALL
(goal: <= 1.5, flat), per configuration of the other parameters (authSample, rows). Disk: the loaders' manifests. Heap: ScaleHeap's measurements.
"""
import json
import sys


def props(path):
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                k, v = line.split("=", 1)
                out[k.strip()] = v.strip().replace("\\:", ":")
    return out


def main(d, small, large):
    with open(f"{d}/jmh-scale.json", encoding="utf-8") as f:
        jmh = json.load(f)
    lat = {}
    jdk = None
    for r in jmh:
        name = r["benchmark"].rsplit(".", 1)[1]
        n = r["params"]["identities"]
        # the other parameters (authSample, rows) name the configuration compared across the two stores
        others = ", ".join(f"{k}={v}" for k, v in sorted(r["params"].items()) if k != "identities")
        name = f"{name} [{others}]" if others else name
        m = r["primaryMetric"]
        p = m["scorePercentiles"]
        lat[(name, n)] = {"mean": m["score"], "p50": p["50.0"], "p99": p["99.0"], "unit": m["scoreUnit"]}
        jdk = f'{r["jdkVersion"]} ({r["vmName"]} {r["vmVersion"]})'
    results = []
    for name in sorted({k[0] for k in lat}):
        s, l = lat.get((name, small)), lat.get((name, large))
        if not s or not l:
            continue
        for stat in ("p50", "mean", "p99"):
            results.append({"figure": f"{name} latency {stat}", "identities": int(large), "score": round(l[stat], 2),
                            "unit": l["unit"], "versus": f"{int(small):,} identities", "versus_score": round(s[stat], 2),
                            "ratio": round(l[stat] / s[stat], 3)})
    stores = {}
    for n in (small, large):
        m = props(f"{d}/identities-{n}/manifest.properties")
        h = props(f"{d}/identities-{n}/heap.properties")
        stores[n] = {k: m[k] for k in ("identities", "events", "bytes_after_events", "bytes_per_identity",
                                        "bytes_per_event", "seconds_identities", "seconds_events")}
        stores[n].update({k: h[k] for k in ("heap_before_engine", "heap_engine_open", "heap_after_callers",
                                             "callers", "engine_bytes_open", "bytes_per_caller")})
    summary = {"jdk": jdk, "results": results, "stores": stores}
    with open(f"{d}/scale-summary.json", "w", encoding="utf-8") as f:
        json.dump(summary, f, indent=1)
    print(f"== {d}/scale-summary.json ({jdk})")
    print(f"| figure | {int(large):,} identities | {int(small):,} identities | ratio |")
    for r in results:
        print(f'| {r["figure"]} | {r["score"]:,} {r["unit"]} | {r["versus_score"]:,} | {r["ratio"]} |')
    for n, s in stores.items():
        print(f"| store {int(n):,} | " + ", ".join(f"{k} {v}" for k, v in s.items()) + " |")


if __name__ == "__main__":
    main(*sys.argv[1:4])
