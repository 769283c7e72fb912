#!/usr/bin/env bash
# The HTTP benchmark of issue 17 (docs/benchmarks.md, "HTTP front end"): authenticated GET /beak/whoami
# against the benchmark-only GET /bench/bare of the same server, with wrk — 64 keep-alive connections,
# 2 threads, --latency — alternating bare and whoami for several rounds within one run, per store.
#
#   benchmarks/http/run.sh                 memory and mapdb, 5 rounds of 10 s per endpoint after a 10 s warm-up each (about 5 minutes)
#   ROUNDS=5 DURATION=20s STORES=mapdb benchmarks/http/run.sh
#
# Environment: STORES (memory mapdb), ROUNDS (5), DURATION (10s), WARMUP (10s), CONNECTIONS (64),
# THREADS (2), PORT (18080), SPACEDUCK_BENCH_DIR (where the MapDB store goes; default $TMPDIR),
# HTTP_BENCH_JAVA_OPTS (extra JVM options for the server, e.g. a JFR recording), JAVA_HOME.
# Needs wrk (Debian/Ubuntu: sudo apt-get install wrk); this script installs nothing.
# Output: the lines below, and benchmarks/target/http/summary.txt.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
if ! command -v wrk >/dev/null 2>&1; then
  echo "wrk is not installed. On Debian/Ubuntu: sudo apt-get install wrk (https://github.com/wg/wrk elsewhere)." >&2
  exit 2
fi
command -v curl >/dev/null 2>&1 || { echo "curl is needed (sudo apt-get install curl)" >&2; exit 2; }

STORES="${STORES:-memory mapdb}"
ROUNDS="${ROUNDS:-5}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
PORT="${PORT:-18080}"

source benchmarks/jar.sh
out="benchmarks/target/http"
mkdir -p "$out"
work="$(mktemp -d)"
chmod 700 "$work"
export SPACEDUCK_BENCH_KEY_FILE="$work/bench.key"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
summary="$out/summary.txt"
{
  echo "== HTTP benchmark $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "== $("$java" -version 2>&1 | head -1); $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
  echo "== wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency (warm-up $WARMUP per endpoint); $ROUNDS rounds; stores: $STORES"
} | tee "$summary"

# one wrk run: endpoint path, duration; prints "rps p99_us status_errors other_errors" on stdout, details to the log
measure() {
  local path="$1" duration="$2" log="$3"
  local before after line
  before="$(loadavg)"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$duration" --latency -s benchmarks/http/auth.lua "http://127.0.0.1:$PORT$path" > "$log" 2>&1
  after="$(loadavg)"
  line="$(grep '^RESULT' "$log")"
  echo "$line load_before=${before// /,} load_after=${after// /,}" >> "$log"
  echo "$line" | awk -v b="$before" -v a="$after" '{
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
    printf "%s %s %s %s %s|%s\n", v["rps"], v["p99_us"], v["status"], v["connect"] + v["read"] + v["write"] + v["timeout"], b, a }'
}

for store in $STORES; do
  bench_dir=()
  if [[ -n "${SPACEDUCK_BENCH_DIR:-}" ]]; then bench_dir=(--dir "$SPACEDUCK_BENCH_DIR"); fi
  # shellcheck disable=SC2086
  "$java" ${HTTP_BENCH_JAVA_OPTS:-} -cp "$jar" io.spaceduck.benchmarks.http.HttpBenchServer \
    --store "$store" --port "$PORT" --key-file "$SPACEDUCK_BENCH_KEY_FILE" "${bench_dir[@]}" > "$out/server-$store.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && [[ -s "$SPACEDUCK_BENCH_KEY_FILE" ]]; then break; fi
    kill -0 "$server_pid" 2>/dev/null || { echo "the bench server exited; see $out/server-$store.log" >&2; exit 1; }
    sleep 0.5
  done
  # a curl header file (0600, in the private work directory) so the key is never on a command line
  printf 'Authorization: Bearer %s\n' "$(cat "$SPACEDUCK_BENCH_KEY_FILE")" > "$work/header"
  who_status="$(curl -sS -o "$work/whoami.json" -w '%{http_code}' -H "@$work/header" "http://127.0.0.1:$PORT/beak/whoami")"
  bare_status="$(curl -sS -o "$work/bare.json" -w '%{http_code}' -H "@$work/header" "http://127.0.0.1:$PORT/bench/bare")"
  if [[ "$who_status" != 200 || "$bare_status" != 200 ]]; then
    echo "whoami answered $who_status, bare $bare_status: not benchmarking" >&2; exit 1
  fi
  echo "== store $store: response bodies whoami $(wc -c < "$work/whoami.json") B, bare $(wc -c < "$work/bare.json") B" | tee -a "$summary"
  measure /bench/bare "$WARMUP" "$out/wrk-$store-warmup-bare.log" > /dev/null
  measure /beak/whoami "$WARMUP" "$out/wrk-$store-warmup-whoami.log" > /dev/null
  ratios=()
  for r in $(seq 1 "$ROUNDS"); do
    read -r b_rps b_p99 b_st b_err b_load <<< "$(measure /bench/bare "$DURATION" "$out/wrk-$store-$r-bare.log")"
    read -r w_rps w_p99 w_st w_err w_load <<< "$(measure /beak/whoami "$DURATION" "$out/wrk-$store-$r-whoami.log")"
    ratio="$(awk -v w="$w_rps" -v b="$b_rps" 'BEGIN { printf "%.2f", w / b }')"
    ratios+=("$ratio")
    printf '   %-6s round %d  bare %9.0f req/s p99 %6.2f ms (non-2xx %s, socket errors %s; load %s)\n' "$store" "$r" "$b_rps" "$(awk -v u="$b_p99" 'BEGIN{print u/1000}')" "$b_st" "$b_err" "${b_load//|/ -> }" | tee -a "$summary"
    printf '   %-6s round %d  whoami %7.0f req/s p99 %6.2f ms (non-2xx %s, socket errors %s; load %s)  ratio whoami/bare %s\n' "$store" "$r" "$w_rps" "$(awk -v u="$w_p99" 'BEGIN{print u/1000}')" "$w_st" "$w_err" "${w_load//|/ -> }" "$ratio" | tee -a "$summary"
  done
  median="$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')"
  echo "== store $store: ratio whoami/bare per round ${ratios[*]}; median $median (goal >= 0.7)" | tee -a "$summary"
  kill -TERM "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
done
echo "== done; wrk logs and server logs in $out/" | tee -a "$summary"
