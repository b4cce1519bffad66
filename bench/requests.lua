-- wrk script of the benchmark: requests read from a file, one per line,
--   METHOD <tab> PATH?QUERY <tab> JSON BODY (or nothing)
-- sent with the bearer token. Arguments (after `--`): the file, the token, and `cycle` (start
-- the list again at its end, until wrk's -d duration is over) or `once` (each line is sent once,
-- then the connections wait; the thread stops when every line has its answer: no write is sent
-- twice, and no request is left for the server to finish after the run).
-- done() prints one JSON line: answers counted here with a monotonic clock (wrk's own rate
-- divides by the whole -d duration even when a thread stopped earlier), error answers (4xx and
-- 5xx), and wrk's latency percentiles in microseconds.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } bench_timespec;
int clock_gettime(int clk_id, bench_timespec *tp);
]]
local clock = ffi.new("bench_timespec")

local function now()
  ffi.C.clock_gettime(1, clock) -- CLOCK_MONOTONIC
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local file, token = args[1], args[2]
  cycle = args[3] == "cycle"
  lines = {}
  for line in io.lines(file) do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    local headers = {["Authorization"] = "Bearer " .. token}
    if body == "" then
      body = nil
    else
      headers["Content-Type"] = "application/json"
    end
    table.insert(lines, wrk.format(method, path, headers, body))
  end
  sent, answered, failed, first, last = 0, 0, 0, 0, 0
end

function delay()
  -- `once`: when every line is sent, a connection sends nothing more (an hour is longer than
  -- any run: the thread stops at the last answer, or wrk at its -d duration).
  if not cycle and sent >= #lines then return 3600000 end
  return 0
end

function request()
  if sent == 0 then first = now() end
  sent = sent + 1
  return lines[((sent - 1) % #lines) + 1]
end

function response(status, headers, body)
  answered = answered + 1
  last = now()
  if status >= 400 then failed = failed + 1 end
  if not cycle and answered >= #lines then wrk.thread:stop() end
end

function done(summary, latency, requests)
  local answers, errors, started, ended = 0, 0, math.huge, 0
  for _, thread in ipairs(threads) do
    answers = answers + thread:get("answered")
    errors = errors + thread:get("failed")
    started = math.min(started, thread:get("first"))
    ended = math.max(ended, thread:get("last"))
  end
  local e = summary.errors
  io.write(string.format(
    '{"answers": %d, "seconds": %.6f, "http_errors": %d, "socket_errors": %d, ' ..
    '"timeouts": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d, ' ..
    '"mean_us": %.1f, "bytes": %d}\n',
    answers, ended - started, errors, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    latency.mean, summary.bytes))
end
