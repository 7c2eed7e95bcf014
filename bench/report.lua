-- wrk script for bench/run.sh: counts non-2xx answers per thread and, when the run ends,
-- prints ONE machine-readable line (key=value, space separated), e.g.
--
--   BENCH_RESULT rps=812.40 p50_ms=14.21 p95_ms=38.70 p99_ms=61.05 errors=0 requests=16265 non2xx=0 socket_errors=0
--
-- errors = non-2xx responses (redirects included: a 303 to a login page is not a worklist)
--        + socket errors (connect, read, write, timeout).
-- Latencies come from wrk's histogram (microseconds) and are printed in milliseconds.

local threads = {}

-- Runs in the main thread once per wrk thread: keep a handle to read its counters in done().
function setup(thread)
  table.insert(threads, thread)
end

-- Runs inside each wrk thread (own Lua state): the per-thread counter.
function init(args)
  non2xx = 0
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
  end
end

function done(summary, latency, requests)
  local non2xx_total = 0
  for _, thread in ipairs(threads) do
    non2xx_total = non2xx_total + (tonumber(thread:get("non2xx")) or 0)
  end
  local e = summary.errors
  local socket_errors = e.connect + e.read + e.write + e.timeout
  local seconds = summary.duration / 1e6
  local rps = 0
  if seconds > 0 then
    rps = summary.requests / seconds
  end
  local function ms(p)
    return latency:percentile(p) / 1000.0
  end
  io.write(string.format(
    "BENCH_RESULT rps=%.2f p50_ms=%.2f p95_ms=%.2f p99_ms=%.2f errors=%d requests=%d non2xx=%d socket_errors=%d\n",
    rps, ms(50), ms(95), ms(99), non2xx_total + socket_errors, summary.requests, non2xx_total, socket_errors))
end
