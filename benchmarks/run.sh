#!/usr/bin/env bash
# Runs the benchmark suite of issue 8 (with issue 19's MapDB figures: authenticate with the record cache
# on and off, a whole-engine durable key rotation against the store-level unit, the store's writes with
# the cache on and off) and writes benchmarks/target/summary.json.
#
#   benchmarks/run.sh            quick run (under 5 minutes on 2 cores): short iterations, 100k-event chain
#   benchmarks/run.sh --full     full run (annotation defaults: 2 x 3 s warm-up, 3 x 5 s measured; 1M-event
#                                chain; authenticate on MapDB with 1 and 2 threads too) — 13-14 minutes on 2 cores
#
# JAVA_HOME chooses the JDK that builds (if needed) and runs the benchmarks. PostgreSQL figures run only
# when the database of SPACEDUCK_BENCH_JDBC (default jdbc:postgresql://127.0.0.1:5432/test?user=postgres)
# is reachable. SPACEDUCK_BENCH_DIR puts the MapDB stores on the disk you want to measure (not tmpfs).
# Extra arguments after the mode are passed to every JMH invocation.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
mode=quick
if [[ "${1:-}" == "--full" ]]; then mode=full; shift; fi
if [[ "${1:-}" == "--quick" ]]; then shift; fi

source benchmarks/jar.sh
out="benchmarks/target"

jdbc="${SPACEDUCK_BENCH_JDBC:-jdbc:postgresql://127.0.0.1:5432/test?user=postgres}"
props=(-Dspaceduck.bench.jdbc="$jdbc")
if [[ -n "${SPACEDUCK_BENCH_DIR:-}" ]]; then props+=(-Dspaceduck.bench.dir="$SPACEDUCK_BENCH_DIR"); fi

if [[ $mode == quick ]]; then
  timing=(-f 1 -wi 1 -w 2 -i 2 -r 2)
  events=100000
  auth_mapdb='AuthenticateBenchmark.(engine|floorHmacLookup)_1thread'
else
  timing=(-f 1)
  events=1000000
  auth_mapdb='AuthenticateBenchmark.(engine|floorHmacLookup)_'
fi

rm -f "$out"/jmh-*.json
n=0
jmh() { # name, JMH arguments...
  local name="$1"; shift
  n=$((n + 1))
  echo "== [$n] $name"
  "$java" "${props[@]}" -jar "$jar" "$@" "${timing[@]}" -jvmArgsAppend "${props[*]} ${jvm_more:-}" \
    -rf json -rff "$out/jmh-$name.json" "${extra[@]}" > "$out/jmh-$name.log" 2>&1 \
    || { echo "   failed; see $out/jmh-$name.log"; tail -20 "$out/jmh-$name.log"; return 1; }
  sed -n '/^Benchmark /,$p' "$out/jmh-$name.log"
}
extra=("$@")
start=$(date +%s)
echo "== $("$java" -version 2>&1 | head -1); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg); mode $mode"

jmh authenticate 'AuthenticateBenchmark' -p store=memory
jmh authenticate-mapdb "$auth_mapdb" -p store=mapdb,mapdb-nocache
# issue 19: a whole-engine durable key rotation on MapDB at 1 and 8 threads, against the store-level unit
# in the same JMH run; and the store's writes (units, pulses) with the record cache on and off
jmh rotation-mapdb 'KeyRotationBenchmark|MapDbStorageBenchmark.unit_(1thread|8threads)' -p store=mapdb -p cacheSize=100000
jmh writes-mapdb 'MapDbStorageBenchmark.(unit|pulse)_(1thread|8threads)' -p cacheSize=100000,0
jmh session-certificate '(SessionBenchmark|CertificateBenchmark)'
jmh audit-append 'AuditAppendBenchmark'
# (run.sh's -jvmArgsAppend replaces the class's own @Fork arguments: repeat its heap here)
jvm_more=-Xmx6g jmh audit-verify 'AuditVerifyBenchmark' -p events=$events

hostport="$(sed -E 's#^jdbc:[a-z]+://([^/?]+).*#\1#' <<<"$jdbc")"
if python3 - "$hostport" <<'PY'
import socket, sys
host, _, port = sys.argv[1].rpartition(":")
try:
    socket.create_connection((host or "127.0.0.1", int(port or 5432)), timeout=2).close()
except OSError:
    sys.exit(1)
PY
then
  jmh audit-append-postgresql 'JdbcStorageBenchmark.auditAppend_' -p maxBatch=1,512
  jmh authenticate-postgresql 'JdbcEngineBenchmark.authenticate_1thread' -p instances=1 -p authReads=one-statement,three-reads
else
  echo "== PostgreSQL at $hostport is not reachable: skipping the PostgreSQL figures"
fi

echo "== load average $(cut -d' ' -f1-3 /proc/loadavg); $(( $(date +%s) - start )) s"
python3 benchmarks/summary.py "$out/summary.json" "$out"/jmh-*.json
echo "== wrote $out/summary.json"
