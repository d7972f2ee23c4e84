-- wrk script: GET one URL path (file given after `--`, holding the path and query
-- string), count errors (non-200 answers and bodies containing "errors"), print
-- one RESULT line (as post.lua does).
local errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "r"))
  wrk.path = f:read("*l")
  f:close()
  wrk.method = "GET"
  wrk.headers["Accept"] = "application/graphql-response+json"
end

function response(status, headers, body)
  if status ~= 200 or string.find(body, '"errors"', 1, true) then
    errors = errors + 1
  end
end

function done(summary, latency, requests)
  local errs = 0
  for _, t in ipairs(threads) do
    errs = errs + (t:get("errors") or 0)
  end
  errs = errs + summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d requests=%d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    errs, summary.requests))
end
