-- wrk script of benchmarks/http/run.sh: sends the bench identity's Beak Key on every request (to the
-- bare endpoint too, so both requests are the same size) and prints one parseable result line.
-- The key is read from the 0600 file named by SPACEDUCK_BENCH_KEY_FILE; it is never printed.
local f = assert(io.open(os.getenv("SPACEDUCK_BENCH_KEY_FILE"), "r"))
local key = f:read("*l")
f:close()
wrk.headers["Authorization"] = "Bearer " .. key

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
