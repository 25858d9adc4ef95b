-- wrk: one beacon per request, each with its own event id, from 1,000 browsers (user
-- agents). The requests are built in init(), so that wrk spends as little per request as
-- on the trivial view's static request.
local token = os.getenv("BENCH_TOKEN")
-- The page's language, as track.js sends it (<html lang>); BENCH_LANGUAGE="" leaves it out.
local language = os.getenv("BENCH_LANGUAGE") or "fr"
local language_field = language ~= "" and (',"l":"' .. language .. '"') or ""
local pool_size = tonumber(os.getenv("BENCH_POOL") or "150000")
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
      ["Content-Type"] = "text/plain",
      ["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/" .. math.random(1, 1000) .. ".0]",
    }
    requests[i] = wrk.format("POST", "/t/i", headers, '{"p":"' .. token .. '","e":"' .. e .. '"' .. language_field .. '}')
  end
end

function request()
  n = n % pool_size + 1
  return requests[n]
end
