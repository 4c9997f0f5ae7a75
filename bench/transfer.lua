-- wrk script: POST /api/v1/transfers between random seeded wallets, each request with its owner's token and
-- a fresh Idempotency-Key. Usage: wrk -s bench/transfer.lua URL -- WALLETS_FILE [HOT_COUNT [RUN_ID [DELAY_MS]]]
-- WALLETS_FILE has one "wallet_id token" per line; HOT_COUNT > 0 restricts traffic to the first N wallets;
-- RUN_ID makes keys unique across runs; DELAY_MS is used by transfer_paced.lua (the soak), which adds delay().
local wallets = {}
local counter = 0
local thread_id = 0
local run_id = "run"
pause = 0  -- global: transfer_paced.lua reads it

function setup(thread)
  thread_id = thread_id + 1
  thread:set("tid", thread_id)
end

function init(args)
  local path = args[1]
  local hot = tonumber(args[2] or "0")
  run_id = args[3] or tostring(os.time())
  pause = tonumber(args[4] or "0")
  for line in io.lines(path) do
    local id, token = line:match("^(%S+)%s+(%S+)$")
    if id then table.insert(wallets, {id = id, token = token}) end
    if hot > 0 and #wallets >= hot then break end
  end
  local seed = 0
  for i = 1, #run_id do seed = (seed * 31 + run_id:byte(i)) % 2147483647 end
  math.randomseed(seed + (tid or 0) * 7919)
end

function request()
  counter = counter + 1
  local n = #wallets
  local s = math.random(n)
  local d = math.random(n - 1)
  if d >= s then d = d + 1 end
  local body = string.format(
    '{"source_wallet_id":"%s","destination_wallet_id":"%s","amount":1,"currency":"USD"}',
    wallets[s].id, wallets[d].id)
  local headers = {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. wallets[s].token,
    ["Idempotency-Key"] = string.format("%s-%d-%d", run_id, tid or 0, counter),
  }
  return wrk.format("POST", "/api/v1/transfers", headers, body)
end

function done(summary, latency, requests)
  local p = function(q) return latency:percentile(q) / 1000.0 end
  io.write(string.format("BENCH_JSON {\"requests\":%d,\"duration_s\":%.3f,\"errors_status\":%d,"
    .. "\"errors_socket\":%d,\"p50_ms\":%.3f,\"p95_ms\":%.3f,\"p99_ms\":%.3f}\n",
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    p(50), p(95), p(99)))
end
