-- wrk: one beacon per request, each with a fresh event id; 1,000 browsers (user agents).
local token = os.getenv("BENCH_TOKEN")
local hexchars = "0123456789abcdef"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local function hex(n)
  local t = {}
  for i = 1, n do local r = math.random(1, 16); t[i] = hexchars:sub(r, r) end
  return table.concat(t)
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "text/plain"
request = function()
  wrk.headers["User-Agent"] = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/" .. math.random(1, 1000) .. ".0]"
  local e = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  return wrk.format(nil, "/t/i", nil, '{"p":"' .. token .. '","e":"' .. e .. '"}')
end
