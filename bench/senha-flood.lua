-- wrk script for bench/run.sh: wrong current passwords to POST /senha, from one signed-in
-- user, each connection pausing SENHA_DELAY_MS between requests (16 connections × 285 ms ≈
-- 56 requests per second offered). Every answer must be 400 (wrong current password) or 429
-- (the account's budget is spent: locked, still one Argon2 verification each). When the run
-- ends it prints ONE line, e.g.
--
--   SENHA_FLOOD rps=55.80 wrong=5 locked=1111 other=0 socket_errors=0 p95_ms=61.20
--
-- Environment: SENHA_COOKIE ("aps_sessao=…"), SENHA_CSRF (the session's CSRF token),
-- SENHA_DELAY_MS.

local cookie = os.getenv("SENHA_COOKIE") or ""
local csrf = os.getenv("SENHA_CSRF") or ""
local delay_ms = tonumber(os.getenv("SENHA_DELAY_MS") or "285")
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  wrong = 0
  locked = 0
  other = 0
  n = 0
end

function request()
  n = n + 1
  local body = "csrf=" .. csrf .. "&atual=errada-" .. n .. "-bench"
    .. "&nova=Outra-senha-bench-9&confirmacao=Outra-senha-bench-9"
  return wrk.format("POST", nil, {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["Cookie"] = cookie,
  }, body)
end

function delay()
  return delay_ms
end

function response(status, headers, body)
  if status == 400 then
    wrong = wrong + 1
  elseif status == 429 then
    locked = locked + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local w, l, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    w = w + (tonumber(thread:get("wrong")) or 0)
    l = l + (tonumber(thread:get("locked")) or 0)
    o = o + (tonumber(thread:get("other")) or 0)
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local rps = 0
  if seconds > 0 then
    rps = summary.requests / seconds
  end
  io.write(string.format("SENHA_FLOOD rps=%.2f wrong=%d locked=%d other=%d socket_errors=%d p95_ms=%.2f\n",
    rps, w, l, o, e.connect + e.read + e.write + e.timeout, latency:percentile(95) / 1000.0))
end
