-- wrk script for bench/files.sh: GET the URL given to wrk (no `response`
-- callback, so wrk never hands the bodies to Lua), print one RESULT line with
-- the bytes received per second (headers included, a few hundred bytes per
-- multi-megabyte answer) and the errors (sockets, non-2xx/3xx answers).
function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local errs = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT MBps=%.1f rps=%.2f p50_ms=%.1f p99_ms=%.1f errors=%d requests=%d bytes=%d\n",
    summary.bytes / seconds / 1e6, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errs, summary.requests, summary.bytes))
end
