-- wrk script: POST one GraphQL body (file given after `--`), or with `-- FILE get`
-- GET the path and query string on the file's first line; count errors (non-200
-- answers and bodies containing "errors"), print one RESULT line.
local body_file = nil
local errors = 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  body_file = args[1]
  local f = assert(io.open(body_file, "r"))
  wrk.headers["Accept"] = "application/graphql-response+json"
  if args[2] == "get" then
    wrk.path = f:read("*l")
    wrk.method = "GET"
  else
    wrk.body = f:read("*a")
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
  end
  f:close()
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
