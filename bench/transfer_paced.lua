-- wrk script: transfer.lua with a pause of DELAY_MS before each request on a connection (the soak holds a
-- target rate with it). Usage: wrk -s bench/transfer_paced.lua URL -- WALLETS_FILE HOT_COUNT RUN_ID DELAY_MS
local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "transfer.lua")

function delay()
  return pause
end
