-- wrk: one click redirect per request (its own event id, 1,000 browsers), requests built
-- in init(); BENCH_DELAY_MS paces each connection (to measure latency below saturation).
local path = os.getenv("BENCH_CLICK_PATH")
-- The page's language, as track.js adds it to the link; BENCH_LANGUAGE="" leaves it out.
local language = os.getenv("BENCH_LANGUAGE") or "fr"
local language_param = language ~= "" and ("&lang=" .. language) or ""
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local pool_size = tonumber(os.getenv("BENCH_POOL") or "100000")
local hexchars = "0123456789abcdef"
local requests, n = {}, 0

local function hex(k)
  local t = {}
  for i = 1, k do local r = math.random(1, 16); t[i] = hexchars:sub(r, r) end
  return table.concat(t)
end

function init(args)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
  for i = 1, pool_size do
    local e = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
    local headers = {
      ["User-Agent"] = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 b/" .. math.random(1, 1000),
    }
    requests[i] = wrk.format("GET", path .. "?e=" .. e .. language_param, headers)
  end
end

function request()
  n = n % pool_size + 1
  return requests[n]
end

if delay_ms > 0 then
  function delay() return delay_ms end
end
