#!/usr/bin/env bash
# Fuzz the JSON API against its committed OpenAPI document with Schemathesis: no 5xx, every
# response conforms to its schema, status code and content type. Bounded in examples per
# operation and in time; the server runs on a loopback port over a small embedded SQLite demo
# and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"
SCHEMATHESIS_VERSION="4.32.5"
VENV="${FUZZ_VENV:-/var/tmp/sistema-aps-fuzz-venv}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-50}"

step "Schemathesis $SCHEMATHESIS_VERSION (PyPI, pinned)"
if [[ ! -x "$VENV/bin/schemathesis" ]] || ! "$VENV/bin/schemathesis" --version | grep -q "$SCHEMATHESIS_VERSION"; then
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

"$VENV/bin/schemathesis" --version | grep -qF "$SCHEMATHESIS_VERSION" || fail "schemathesis is not $SCHEMATHESIS_VERSION"

step "build; serve a 300-citizen SQLite demo on a loopback port"
cargo build --locked --quiet
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

WORK="$(mktemp -d)"
SERVER_PID=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true # cleanup: killed on purpose
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3.11 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
export APS_DATABASE__URL="sqlite://$WORK/fuzz.db?mode=rwc"
export APS_SERVER__LISTEN="127.0.0.1:$PORT"
export APS_DEMO__CITIZENS=300
export APS_METRICS__ENABLED=false
# The fuzzer is one fast client: the rate limit is tested by the integration tests.
export APS_API__REQUESTS_PER_MINUTE=100000
export APS_LOG__LEVEL=warn

"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  "$BIN" health --url "http://127.0.0.1:$PORT/ready" --timeout 2 >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; fail "the server exited"; }
  sleep 1
done
"$BIN" health --url "http://127.0.0.1:$PORT/ready" --timeout 2 >/dev/null || fail "/ready did not answer 200"
passed "server ready on 127.0.0.1:$PORT"

# A token of the demo's municipality coordinator: the widest scope, so every path has data.
TOKEN="$("$BIN" token create --user coordenacao --name "fuzz CI" --days 1 | tail -n 1)"
[[ -n "$TOKEN" ]] || fail "no API token"

step "schemathesis run (max $MAX_EXAMPLES examples per operation, seed 2026)"

status=0
timeout 900 "$VENV/bin/schemathesis" run openapi/openapi.json \
  --url "http://127.0.0.1:$PORT/api/v1" \
  --header "Authorization: Bearer $TOKEN" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "$MAX_EXAMPLES" \
  --seed 2026 \
  --workers 1 \
  --request-timeout 10 \
  --generation-with-security-parameters false \
  --no-color || status=$?

if [[ $status -ne 0 ]]; then
  echo "--- server log (last 50 lines) ---"
  tail -n 50 "$WORK/server.log"
  fail "schemathesis exited with status $status"
fi
passed "schemathesis: no 5xx, statuses, content types and bodies conform to openapi/openapi.json"
finish
