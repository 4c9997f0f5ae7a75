-- wrk script: GET a path with a bearer token. Usage: wrk -s bench/get.lua URL -- PATH TOKEN
local path, token
function init(args)
  path = args[1]
  token = args[2]
end

function request()
  local headers = {}
  if token and token ~= "" then headers["Authorization"] = "Bearer " .. token end
  return wrk.format("GET", path, headers)
end

function done(summary, latency, requests)
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format("BENCH_JSON {\"requests\":%d,\"duration_s\":%.3f,\"errors_status\":%d,"
    .. "\"errors_socket\":%d,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    p(50), p(95), p(99)))
end
