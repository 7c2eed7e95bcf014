#!/usr/bin/env bash
# Fault test "SIGTERM under load" (issue 17): the real binary on SQLite (300 synthetic
# citizens, loopback, kernel-chosen port) serves 32 concurrent clients; after 3 s of load it
# gets SIGTERM. Every request whose bytes were sent before the listener closed must get a
# complete response below 500: a reset, an empty answer, a timeout or a 5xx counts as a failed
# in-flight request. Connections refused after the listener closed are not in flight (a proxy or
# a load balancer retries those). Also: the process exits 0 and logs "stopped".
# Prints the figures (requests served, served after the signal, failed in flight, shutdown
# time, and the connections made after the signal that were reset when the listener closed:
# reported, not failed — they were not in flight at SIGTERM). Loopback only; stops by itself
# (load ends 2 s after the first refusal, at most 20 s; about 12 s once the binary is built).
#
# Measured on 2026-12-07 (2 shared cores, debug build), four runs: 1,665-2,479 requests served,
# 0 failed in flight, 16-29 connections opened 30-95 ms after SIGTERM reset at the close,
# shutdown 113-575 ms, exit 0. Before src/drain.rs this script failed: 22 requests sent before
# SIGTERM reset, of 2,399 served (earlier runs: 21 and 23 resets in all): poem dropped the
# listener with connections still queued and closed accepted connections whose request was not
# parsed yet.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"

step() { printf '\n==> %s\n' "$*"; }

step "build the binary"
cargo build --locked --bin sistema-aps
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -KILL "$APP_PID" || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "start it on SQLite with 300 synthetic citizens"
APS_DATABASE__URL="sqlite://$WORK/aps.db?mode=rwc" \
  APS_DEMO__CITIZENS=300 \
  APS_SERVER__LISTEN=127.0.0.1:0 \
  APS_METRICS__ENABLED=false \
  APS_LOG__FORMAT=json \
  "$BIN" serve >"$WORK/stdout.log" 2>"$WORK/app.log" &
APP_PID=$!
WEB=""
for _ in $(seq 1 600); do
  WEB=$(grep '"message":"Sistema APS is listening"' "$WORK/app.log" |
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true)
  [ -n "$WEB" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; echo "FAIL: the app exited"; exit 1; }
  sleep 0.1
done
[ -n "$WEB" ] || { cat "$WORK/app.log"; echo "FAIL: the app did not start"; exit 1; }
"$BIN" health --url "${WEB}ready" >/dev/null
echo "serving $WEB (pid $APP_PID)"

step "32 clients for 3 s, then SIGTERM, load until the listener refuses"
set +e
python3 - "$WEB" "$APP_PID" >"$WORK/figures.txt" <<'PY'
import http.client, os, signal, socket, sys, threading, time
from urllib.parse import urlparse

url = urlparse(sys.argv[1]); pid = int(sys.argv[2])
host, port = url.hostname, url.port
# Fast and slower pages, none needing a session: probes, the sign-in page, an asset, a 303.
PATHS = ["/ready", "/entrar", "/health", "/hipertensos", "/nao-existe"]
CLIENTS, LOAD_S, MAX_S = 32, 3.0, 20.0
lock = threading.Lock()
stats = {"ok": 0, "ok_after_signal": 0, "refused": 0, "failed": [], "late": []}
sigterm_at = None
stop = threading.Event()
last_refusal = None

def client(n):
    global last_refusal
    i = n
    while not stop.is_set():
        path = PATHS[i % len(PATHS)]; i += 1
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.connect()
        except OSError:
            with lock:
                stats["refused"] += 1
                last_refusal = time.monotonic()
            time.sleep(0.01)
            continue
        try:
            conn.request("GET", path, headers={"Connection": "close"})
        except OSError:
            with lock:
                stats["refused"] += 1  # the request could not be sent: not in flight
            conn.close()
            continue
        sent = time.monotonic()
        try:
            resp = conn.getresponse(); resp.read(); status = resp.status
        except (OSError, http.client.HTTPException) as e:
            status = f"{type(e).__name__}: {e}"
        finally:
            conn.close()
        with lock:
            if isinstance(status, int) and status < 500:
                stats["ok"] += 1
                if sigterm_at is not None and sent >= sigterm_at:
                    stats["ok_after_signal"] += 1
            elif sigterm_at is None or sent < sigterm_at:
                stats["failed"].append((path, status, sent - (sigterm_at or sent)))
            else:
                stats["late"].append((path, status, sent - sigterm_at))

threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(CLIENTS)]
start = time.monotonic()
for t in threads: t.start()
time.sleep(LOAD_S)
with lock:
    before = stats["ok"]
sigterm_at = time.monotonic()
os.kill(pid, signal.SIGTERM)
while time.monotonic() - start < MAX_S:
    time.sleep(0.1)
    with lock:
        if last_refusal is not None and time.monotonic() - last_refusal < 0.2 \
                and time.monotonic() - sigterm_at > 2.0:
            break
stop.set()
for t in threads: t.join(timeout=12)
print(f"clients={CLIENTS}")
print(f"served_before_signal={before}")
print(f"served_total={stats['ok']}")
print(f"served_sent_after_signal={stats['ok_after_signal']}")
print(f"refused_after_close={stats['refused']}")
print(f"failed_in_flight={len(stats['failed'])}")
for path, status, dt in stats["failed"][:20]:
    print(f"  failed: GET {path} -> {status} (sent {dt:+.3f} s from SIGTERM)")
print(f"failed_sent_after_signal={len(stats['late'])}")
for path, status, dt in stats["late"][:5]:
    print(f"  late: GET {path} -> {status} (sent {dt:+.3f} s after SIGTERM)")
sys.exit(1 if stats["failed"] or before == 0 else 0)
PY
LOAD_RC=$?
set -e
cat "$WORK/figures.txt"

step "the process exits 0 and logs the stop"
set +e
wait "$APP_PID"
APP_RC=$?
set -e
APP_PID=""
python3 - "$WORK/app.log" <<'PY'
import json, sys
from datetime import datetime
t = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    m = e.get("message", "")
    if m.startswith("shutdown signal received"): t["signal"] = e["timestamp"]
    if m == "stopped": t["stopped"] = e["timestamp"]
if len(t) == 2:
    a, b = (datetime.fromisoformat(t[k].replace("Z", "+00:00")) for k in ("signal", "stopped"))
    print(f"shutdown_ms={(b - a).total_seconds() * 1000:.0f}")
else:
    print(f"log lines missing: {sorted(t)}")
PY
grep -q '"message":"stopped"' "$WORK/app.log" || { tail -20 "$WORK/app.log"; echo "FAIL: no \"stopped\" line"; exit 1; }
[ "$APP_RC" -eq 0 ] || { tail -20 "$WORK/app.log"; echo "FAIL: exit status $APP_RC"; exit 1; }
[ "$LOAD_RC" -eq 0 ] || { echo "FAIL: requests in flight failed (or no load was served)"; exit 1; }
echo "sigterm under load: 0 failed in-flight requests, exit 0"
