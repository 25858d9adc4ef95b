-- wrk: one click redirect per request (fresh event id); BENCH_DELAY_MS paces each connection.
local path = os.getenv("BENCH_CLICK_PATH")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local hexchars = "0123456789abcdef"
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
local function hex(n)
  local t = {}
  for i = 1, n do local r = math.random(1, 16); t[i] = hexchars:sub(r, r) end
  return table.concat(t)
end
request = function()
  wrk.headers["User-Agent"] = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 b/" .. math.random(1, 1000)
  local e = hex(8) .. "-" .. hex(4) .. "-4" .. hex(3) .. "-a" .. hex(3) .. "-" .. hex(12)
  return wrk.format("GET", path .. "?e=" .. e)
end
if delay_ms > 0 then
  delay = function() return delay_ms end
end
