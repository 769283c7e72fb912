#!/usr/bin/env python3
"""Turns JMH's -rf json files into benchmarks/target/summary.json (issue 8's format).

Each entry pairs one figure with one floor or peer measured in the same JMH run:
ratio = score / versus_score, both in the same unit, so ratio > 1 means faster than the comparison.
Usage: summary.py OUT.json JMH1.json [JMH2.json ...]
"""
import json
import sys

PKG = "io.spaceduck.benchmarks."


def load(paths, per_file=None):
    rows, jdk = {}, None
    for p in paths:
        if per_file is not None:
            rows = per_file.setdefault(p, {})
        try:
            with open(p) as f:
                data = json.load(f)
        except (OSError, ValueError):
            continue
        for r in data:
            jdk = jdk or "%s (%s %s)" % (r["jdkVersion"], r.get("vmName", ""), r.get("vmVersion", ""))
            name = r["benchmark"][len(PKG):] if r["benchmark"].startswith(PKG) else r["benchmark"]
            params = r.get("params") or {}
            m = r["primaryMetric"]
            score, unit = m["score"], m["scoreUnit"]
            if r["mode"] == "ss":  # single shot over a batch: time of the whole batch -> ops/s
                per = {"s/op": 1.0, "ms/op": 1e-3, "us/op": 1e-6, "ns/op": 1e-9}[unit]
                score, unit = r.get("measurementBatchSize", 1) / (score * per), "ops/s"
            if name.startswith("AuditVerifyBenchmark."):  # one op = the whole chain -> events/s
                score, unit = score * int(params["events"]), "events/s"
            key = (name,) + tuple(sorted(params.items()))
            rows[key] = {"score": score, "unit": unit, "threads": r["threads"]}
    return rows, jdk


def get(rows, name, **params):
    """The row of benchmark NAME whose parameters include PARAMS (others, e.g. a benchmark's own defaults,
    may be there too); None when none or more than one row match."""
    want = {(k, str(v)) for k, v in params.items()}
    found = [r for key, r in rows.items() if key[0] == name and want <= set(key[1:])]
    return found[0] if len(found) == 1 else None


def main():
    out, paths = sys.argv[1], sys.argv[2:]
    rows, jdk = load(paths)
    per_file = {}
    load(paths, per_file)
    results = []

    def pair(figure, a, b, versus):
        if a and b:
            results.append({"figure": figure, "threads": a["threads"], "score": round(a["score"], 1),
                            "unit": a["unit"], "versus": versus, "versus_score": round(b["score"], 1),
                            "ratio": round(a["score"] / b["score"], 4)})

    A = "AuthenticateBenchmark."
    for store in ("memory", "mapdb", "mapdb-nocache"):
        fig = {"memory": "authenticate", "mapdb": "authenticate (MapDB store)",
               "mapdb-nocache": "authenticate (MapDB store, record cache off)"}[store]
        for t in ("1thread", "2threads"):
            e = get(rows, A + "engine_" + t, store=store)
            pair(fig, e, get(rows, A + "floorHmacLookup_" + t, store=store), "floor: HMAC-SHA256 of the key + ConcurrentHashMap lookup")
            pair(fig, e, get(rows, A + "nimbusEs256_" + t, store=store), "peer: Nimbus ES256 JWT verify")
            pair(fig, e, get(rows, A + "nimbusHs256_" + t, store=store), "peer: Nimbus HS256 JWT verify")

    for t in ("1thread", "2threads"):  # issue 19: the record cache against the B-tree reads, one run
        pair("authenticate (MapDB store)", get(rows, A + "engine_" + t, store="mapdb"),
             get(rows, A + "engine_" + t, store="mapdb-nocache"), "the same with the record cache off (cacheSize=0)")

    R = "KeyRotationBenchmark."  # issue 19: whole-engine durable governance against the store-level unit
    M = "MapDbStorageBenchmark."
    for file_rows in per_file.values():  # the unit measured in the same JMH run (file) as the rotation
        for t in ("1thread", "8threads"):
            pair("key rotation (engine, MapDB, durable)", get(file_rows, R + "rotate_" + t, store="mapdb"),
                 get(file_rows, M + "unit_" + t, cacheSize=100000), "store-level unit (same JMH run): one indexed row + one event, durable")
    for file_rows in per_file.values():  # cache on and off from the same JMH run
        for kind in ("unit", "pulse"):
            for t in ("1thread", "2threads", "8threads"):
                pair("MapDB %s (record cache on)" % kind, get(file_rows, M + kind + "_" + t, cacheSize=100000),
                     get(file_rows, M + kind + "_" + t, cacheSize=0), "the same with the record cache off (cacheSize=0)")

    S = "SessionBenchmark."
    for kind in ("warm", "cold"):
        e = get(rows, S + kind, store="memory")
        pair("verifySession " + kind, e, get(rows, S + "tinkVerify", store="memory"), "floor: raw Tink ES256 verify of the same token")
        pair("verifySession " + kind, e, get(rows, S + "nimbusEs256", store="memory"), "peer: Nimbus ES256 JWT verify")

    C = "CertificateBenchmark."
    pair("certificate issue (hatch start + complete)", get(rows, C + "hatch", store="memory"),
         get(rows, C + "tinkSign", store="memory"), "floor: raw Tink ES256 sign")
    pair("certificate offline verify", get(rows, C + "offlineVerify", store="memory"),
         get(rows, C + "tinkVerify", store="memory"), "floor: raw Tink ES256 verify")

    P = "AuditAppendBenchmark."
    for store, label in (("memory", "in-memory"), ("mapdb", "MapDB, durable")):
        floor = get(rows, P + "sha256_1thread", store=store)
        for t in ("1thread", "8threads"):
            pair("audit append (%s)" % label, get(rows, P + "append_" + t, store=store), floor,
                 "floor: SHA-256 of the event's canonical bytes (1 thread)")

    J = "JdbcStorageBenchmark."
    for t in ("1thread", "2threads", "4threads", "8threads"):
        pair("audit append (PostgreSQL, group commit, durable)", get(rows, J + "auditAppend_" + t, maxBatch=512),
             get(rows, J + "auditAppend_" + t, maxBatch=1), "one transaction per event (maxBatch=1)")

    E = "JdbcEngineBenchmark."
    for t in ("1thread", "8threads"):
        pair("authenticate (PostgreSQL, one statement)", get(rows, E + "authenticate_" + t, instances=1, authReads="one-statement"),
             get(rows, E + "authenticate_" + t, instances=1, authReads="three-reads"),
             "three keyed reads, one round trip each (before issue 19)")

    V = "AuditVerifyBenchmark."
    for ev in sorted({dict(k[1:]).get("events") for k in rows if k[0].startswith(V)} - {None}, key=int):
        floor = get(rows, V + "sha256", events=ev)
        pair("verifyAudit (%s events, in-memory)" % ev, get(rows, V + "engine", events=ev), floor,
             "floor: raw SHA-256 over the same canonical bytes")
        pair("AuditChain.verify (%s events, no store)" % ev, get(rows, V + "chainVerify", events=ev), floor,
             "floor: raw SHA-256 over the same canonical bytes")
        pair("verifyAudit (%s events, in-memory)" % ev, get(rows, V + "engine", events=ev), get(rows, V + "sha256WithTree", events=ev),
             "floor with the tree: raw SHA-256 over the canonical bytes + the RFC 9162 leaf and node hashes (1 thread)")

    with open(out, "w") as f:
        json.dump({"jdk": jdk, "results": results}, f, indent=2)
        f.write("\n")
    w = max([len(r["figure"]) for r in results] + [6])
    for r in results:
        print("%-*s %2d  %14.1f %-8s vs %-58s %14.1f  ratio %.4g" % (
            w, r["figure"], r["threads"], r["score"], r["unit"], r["versus"], r["versus_score"], r["ratio"]))


if __name__ == "__main__":
    main()
