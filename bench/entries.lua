-- wrk: one entry per request, each by a different signed-in entrant (bench/entries.py
-- prepares them: "session csrf device" per line of BENCH_ENTRANTS_FILE). Each wrk thread
-- takes every BENCH_THREADS-th line, so no two threads share an entrant; a thread that
-- runs out starts again, and those repeats are refused (they show as non-2xx answers).
-- BENCH_DELAY_MS paces each connection (latency below saturation).
local path = os.getenv("BENCH_ENTER_PATH")
local file = os.getenv("BENCH_ENTRANTS_FILE")
local threads = tonumber(os.getenv("BENCH_THREADS") or "2")
local delay_ms = tonumber(os.getenv("BENCH_DELAY_MS") or "0")
local body_start = '{"name":"Bench Entrant '
local body_end = '","birth_date":"1990-05-17","country":"FR",' ..
  '"accept_rules":true,"accept_privacy":true,"accept_facebook":true}'
local counter = 0
local requests, n, size = {}, 0, 0

function setup(thread)
  thread:set("thread_index", counter)
  counter = counter + 1
end

function init(args)
  local k = 0
  for line in io.lines(file) do
    if k % threads == thread_index then
      local session, csrf, device = line:match("(%S+) (%S+) (%S+)")
      local headers = {
        ["Content-Type"] = "application/json",
        ["Accept"] = "application/json",
        ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf .. "; ph_dev=" .. device,
        ["X-CSRFToken"] = csrf,
        ["User-Agent"] = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 " ..
          "(KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36 bench/" .. k,
      }
      requests[#requests + 1] = wrk.format("POST", path, headers, body_start .. k .. body_end)
    end
    k = k + 1
  end
  size = #requests
end

function request()
  n = n % size + 1
  return requests[n]
end

if delay_ms > 0 then
  function delay() return delay_ms end
end
