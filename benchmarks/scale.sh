#!/usr/bin/env bash
# Issue 8, figure 5 — the scale run (never in CI): loads, or reuses, two MapDB stores with SMALL and
# LARGE identities and EVENTS_PER_IDENTITY audit events per identity (default 10k and 1M identities,
# 100k and 10M events), then measures in one JMH run the latency of authenticate and of a durable
# governance action on both (their ratio: goal flat within 1.5x), the disk bytes per identity and per
# audit event (from the loader), and the engine's heap with default caches over each store. Writes
# $SPACEDUCK_SCALE_DIR/scale-summary.json and prints a table.
#
#   benchmarks/scale.sh                       the full scale run (the 1M store: ~11 GB of disk, see docs/benchmarks.md for the time)
#   SCALE_LARGE=100000 benchmarks/scale.sh    a smaller second store
#   SCALE_THREADS=32 benchmarks/scale.sh      more bonding threads for the loader (default 8): bigger group commits
#   SCALE_CACHE_SIZE=400000 benchmarks/scale.sh   the MapDB record cache of the measured engines (default: the store's 100,000)
#   mvn -B -ntp -Pscale verify -pl benchmarks -am -DskipTests   the same through Maven
#
# SPACEDUCK_SCALE_DIR (default benchmarks/target/scale) keeps the stores between runs: a store whose
# manifest matches the requested counts is reused. JAVA_HOME picks the JDK. Extra arguments go to JMH.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
source benchmarks/jar.sh

small="${SCALE_SMALL:-10000}"
large="${SCALE_LARGE:-1000000}"
per="${SCALE_EVENTS_PER_IDENTITY:-10}"
threads="${SCALE_THREADS:-8}"
cache=()
if [[ -n "${SCALE_CACHE_SIZE:-}" ]]; then cache=(-Dspaceduck.scale.cacheSize="$SCALE_CACHE_SIZE"); fi
dir="${SPACEDUCK_SCALE_DIR:-benchmarks/target/scale}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
start=$(date +%s)
echo "== $("$java" -version 2>&1 | head -1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); stores in $dir"

for n in "$small" "$large"; do
  "$java" -Xmx4g -cp "$jar" io.spaceduck.benchmarks.scale.ScaleLoader \
    --dir "$dir/identities-$n" --identities "$n" --events $((n * per)) --threads "$threads" 2>&1 | grep -v '^SLF4J'
done

echo "== JMH: ScaleBenchmark on $small and $large identities"
"$java" -jar "$jar" ScaleBenchmark -foe true -p identities="$small,$large" -jvmArgsAppend "-Dspaceduck.scale.dir=$dir ${cache[*]:-}" \
  -rf json -rff "$dir/jmh-scale.json" "$@" > "$dir/jmh-scale.log" 2>&1 \
  || { echo "   failed; see $dir/jmh-scale.log"; tail -20 "$dir/jmh-scale.log"; exit 1; }
sed -n '/^Benchmark /,$p' "$dir/jmh-scale.log"

for n in "$small" "$large"; do
  echo "== heap over $n identities"
  "$java" -Xmx4g "${cache[@]}" -cp "$jar" io.spaceduck.benchmarks.scale.ScaleHeap --dir "$dir/identities-$n" 2>&1 | grep -v '^SLF4J'
done

echo "== load average $(cut -d' ' -f1-3 /proc/loadavg); $(( $(date +%s) - start )) s"
python3 benchmarks/scale_summary.py "$dir" "$small" "$large"
