-- wrk script for the bench's HTTP section (bench/wrk.py writes the request file).
--
-- wrk -s bench/wrk_driver.lua URL -- REQUESTS_FILE THREADS
-- REQUESTS_FILE has one request per line: METHOD<TAB>PATH<TAB>COOKIE (COOKIE may be
-- empty). Thread t sends lines t, t+THREADS, t+2*THREADS, ... in turn, cycling.
-- At the end one JSON line reports requests, seconds, latency p50/p99 (ms), wrk's
-- socket errors and the responses whose status was >= 300 (a redirect to the
-- sign-in page is not the page asked for).

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("tid", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local file, nthreads = args[1], tonumber(args[2])
  reqs = {}
  local i = 0
  for line in io.lines(file) do
    if i % nthreads == tid then
      local method, path, cookie = line:match("^([^\t]*)\t([^\t]*)\t?(.*)$")
      local headers = {
        ["Host"] = "127.0.0.1",
        ["X-Forwarded-Proto"] = "https",
        ["Referer"] = "https://127.0.0.1/",
        ["Accept-Language"] = "zh-hans",
      }
      local body = nil
      if cookie ~= "" then
        headers["Cookie"] = cookie
        headers["X-CSRFToken"] = string.rep("b", 32)
      end
      if method == "POST" then
        -- formatted per request: every POST carries a fresh idempotency key (required)
        headers["Content-Type"] = "application/json"
        reqs[#reqs + 1] = {method, path, headers}
      else
        reqs[#reqs + 1] = wrk.format(method, path, headers, body)
      end
    end
    i = i + 1
  end
  n = 0
  bad = 0
  seed = math.random(1, 1000000000)
end

function request()
  n = n + 1
  local r = reqs[((n - 1) % #reqs) + 1]
  if type(r) == "table" then
    local key = string.format('{"idempotency_key": "wrk-%d-%d-%d"}', tid, seed, n)
    return wrk.format(r[1], r[2], r[3], key)
  end
  return r
end

function response(status, headers, body)
  if status >= 300 then
    bad = bad + 1
  end
end

function done(summary, latency, requests)
  local total_bad = 0
  for _, t in ipairs(threads) do
    total_bad = total_bad + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "seconds": %.6f, "p50_ms": %.3f, "p99_ms": %.3f, ' ..
    '"socket_errors": %d, "bad_status": %d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.connect + e.read + e.write + e.timeout, total_bad))
end
