#!/usr/bin/env bash
# Fuzz the JSON API against its committed OpenAPI document with Schemathesis, on SQLite and on
# PostgreSQL: every check (no 5xx, statuses, content types, bodies and headers conform, schema-
# invalid data refused, unsupported methods answered 405 with Allow, auth enforced...), all
# phases including the stateful one. Each run has a person, a team and a pending action of
# the seeded data (real ids, found through the API) and a municipality coordinator who is a
# physician (so every write is allowed and reaches the database). Bounded in examples per
# operation and in time; the server listens on a loopback port and is stopped at the end; the
# PostgreSQL database is a fresh one on the local server, dropped at the end. Any finding
# fails the step.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=.ci/lib.sh
source .ci/lib.sh

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"
SCHEMATHESIS_VERSION="4.32.5"
VENV="${FUZZ_VENV:-/var/tmp/sistema-aps-fuzz-venv}"
MAX_EXAMPLES="${FUZZ_MAX_EXAMPLES:-30}"
# Wall-clock bound of one Schemathesis run (seconds).
MAX_TIME="${FUZZ_MAX_TIME:-300}"
BACKENDS="${FUZZ_BACKENDS:-sqlite postgres}"
PG_ADMIN="${FUZZ_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

step "Schemathesis $SCHEMATHESIS_VERSION (PyPI, pinned)"
if [[ ! -x "$VENV/bin/schemathesis" ]] || ! "$VENV/bin/schemathesis" --version | grep -qF "$SCHEMATHESIS_VERSION"; then
  python3.11 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi
version="$("$VENV/bin/schemathesis" --version)"
[[ "$version" == *"$SCHEMATHESIS_VERSION"* ]] || fail "schemathesis is not $SCHEMATHESIS_VERSION: $version"
passed "$version"

step "build"
cargo build --locked --quiet
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"
[[ -x "$BIN" ]] || fail "no binary at $BIN"

WORK="$(mktemp -d)"
SERVER_PID=""
DROP_DB=""
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true # cleanup: killed on purpose
  fi
  if [[ -n "$DROP_DB" ]]; then
    psql -XAtq "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DROP_DB WITH (FORCE)" >/dev/null 2>&1 || true # cleanup
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

stop_server() {
  local status=0
  kill "$SERVER_PID"
  wait "$SERVER_PID" || status=$?
  SERVER_PID=""
  # 143: ended by the SIGTERM just sent.
  [[ $status == 0 || $status == 143 ]] || fail "the server exited with status $status"
}

# json_field URL PYTHON-EXPRESSION: GETs URL with the token and prints the expression of `d`.
json_field() {
  local body
  body="$(curl -fsS --max-time 10 -H "Authorization: Bearer $TOKEN" "$1")" || fail "GET $1"
  printf '%s' "$body" | python3.11 -c "import json, sys; d = json.load(sys.stdin); print($2)" ||
    fail "no $2 in GET $1: $body"
}

USER_NAME="fuzz.coordenacao"
for BACKEND in $BACKENDS; do
  step "[$BACKEND] a synthetic municipality of 300 citizens on a loopback port"
  DIR="$WORK/$BACKEND"
  mkdir -p "$DIR"
  PORT="$(python3.11 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
  WEB="http://127.0.0.1:$PORT"
  export APS_SERVER__LISTEN="127.0.0.1:$PORT"
  export APS_METRICS__ENABLED=false
  # The fuzzer is one fast client: the rate limit is tested by the integration tests.
  export APS_API__REQUESTS_PER_MINUTE=100000
  export APS_LOG__LEVEL=warn
  export RUST_LOG=warn
  if [[ $BACKEND == sqlite ]]; then
    export APS_DATABASE__URL="sqlite://$DIR/fuzz.db?mode=rwc"
    export APS_DEMO__CITIZENS=300
    "$BIN" migrate >/dev/null
  else
    pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)"
    DROP_DB="sistemaaps_fuzz_$$"
    psql -XAtq "$PG_ADMIN" -c "CREATE DATABASE $DROP_DB" >/dev/null
    export APS_DATABASE__URL="${PG_ADMIN%/*}/$DROP_DB"
    "$BIN" migrate --mirror >/dev/null
    "$BIN" seed --citizens 300 --seed 7 >/dev/null
  fi
  out="$("$BIN" user add "$USER_NAME" --name "Fuzz CI" --role coordinator 2>&1)" || fail "user add: $out"
  temp="${out##* }"
  # A physician: every write of the permission matrix reaches the database.
  if [[ $BACKEND == sqlite ]]; then
    sqlite3 "$DIR/fuzz.db" "UPDATE app_user SET profession = 'medico' WHERE username = '$USER_NAME'"
  else
    psql -XAtq "$APS_DATABASE__URL" -c "UPDATE sistemaaps.app_user SET profession = 'medico' WHERE username = '$USER_NAME'" >/dev/null
  fi

  "$BIN" serve >"$DIR/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 180); do
    "$BIN" health --url "$WEB/ready" --timeout 2 >/dev/null 2>&1 && break
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$DIR/server.log"; fail "[$BACKEND] the server exited"; }
    sleep 1
  done
  "$BIN" health --url "$WEB/ready" --timeout 2 >/dev/null || fail "[$BACKEND] /ready did not answer 200"
  passed "[$BACKEND] server ready on 127.0.0.1:$PORT"

  # The temporary password is changed through the pages, as a person would: the API refuses a
  # token whose user still has one.
  pre="$(curl -fsS --max-time 10 -D - -o /dev/null "$WEB/entrar" | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r')"
  [[ -n "$pre" ]] || fail "no sign-in CSRF cookie"
  session="$(curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" \
    --data-urlencode "csrf=$pre" --data-urlencode "usuario=$USER_NAME" --data-urlencode "senha=$temp" "$WEB/entrar" |
    sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r')"
  [[ -n "$session" ]] || fail "[$BACKEND] sign-in with the temporary password"
  csrf="$(curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$WEB/senha" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | sed -n 1p)"
  [[ -n "$csrf" ]] || fail "no CSRF token on /senha"
  password="fuzz-${temp}-9"
  code="$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" --data-urlencode "csrf=$csrf" \
    --data-urlencode "atual=$temp" --data-urlencode "nova=$password" --data-urlencode "confirmacao=$password" "$WEB/senha")"
  [[ $code == 303 ]] || fail "[$BACKEND] POST /senha answered $code, expected 303"
  TOKEN="$("$BIN" token create --user "$USER_NAME" --name "fuzz CI" --days 1 2>/dev/null | tail -n 1)"
  [[ -n "$TOKEN" ]] || fail "no API token"

  # Real ids for the fuzzer: a person of the list, a team in scope, a pending action.
  PERSON="$(json_field "$WEB/api/v1/hipertensos?per_page=1" 'd["itens"][0]["id"]')"
  TEAM="$(json_field "$WEB/api/v1/equipes" 'd[0]["ine"]')"
  today="$(python3.11 -c 'import datetime; print(datetime.date.today())')"
  created="$(curl -sS --max-time 10 -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"tipo\": \"solicitar_exames\", \"prazo\": \"$today\"}" "$WEB/api/v1/hipertensos/$PERSON/acoes")"
  ACTION="$(printf '%s' "$created" | python3.11 -c 'import json, sys; print(json.load(sys.stdin)["acao"])')" ||
    fail "[$BACKEND] could not schedule the seeded action: $created"
  passed "[$BACKEND] seeded ids: person $PERSON, team $TEAM, action $ACTION"

  cat >"$DIR/schemathesis.toml" <<EOF
# Written by .ci/api-fuzz.sh for one run.
[parameters]
"path.id" = $PERSON
"path.acao" = $ACTION
"path.ine" = "$TEAM"

[phases.stateful]
max-steps = 20

# Schema-valid requests may still break a rule of the follow-up (a date in the past, an
# action already pending): the document declares those answers as 409 and 422.
[checks.positive_data_acceptance]
expected-statuses = ["2XX", "401", "403", "404", "409", "422"]

# The list's filters take any INE / micro-area code the pattern allows; one that names no
# team or micro-area in the user's territory is refused as a bad filter (400, documented).
[[operations]]
include-name = "GET /hipertensos"
checks.positive_data_acceptance.expected-statuses = ["2XX", "400", "401", "403", "404"]

[[operations]]
include-name = "GET /diabeticos"
checks.positive_data_acceptance.expected-statuses = ["2XX", "400", "401", "403", "404"]
EOF

  step "[$BACKEND] schemathesis run: all checks, phases examples, coverage, fuzzing, stateful (max $MAX_EXAMPLES examples, ${MAX_TIME} s)"
  status=0
  timeout "$((MAX_TIME + 60))" "$VENV/bin/schemathesis" --config-file "$DIR/schemathesis.toml" run openapi/openapi.json \
    --url "$WEB/api/v1" \
    --header "Authorization: Bearer $TOKEN" \
    --checks all \
    --phases examples,coverage,fuzzing,stateful \
    --max-examples "$MAX_EXAMPLES" \
    --max-time "$MAX_TIME" \
    --seed 2026 \
    --workers 1 \
    --request-timeout 10 \
    --no-color || status=$?
  if [[ $status -ne 0 ]]; then
    echo "--- [$BACKEND] server log (last 50 lines) ---"
    tail -n 50 "$DIR/server.log"
    fail "[$BACKEND] schemathesis exited with status $status"
  fi
  # A 500 the fuzzer did not see still leaves its cause in the log.
  if grep -q 'ERROR' "$DIR/server.log"; then
    grep 'ERROR' "$DIR/server.log" | head -n 20
    fail "[$BACKEND] the server logged errors during the run"
  fi
  passed "[$BACKEND] schemathesis: no finding"
  stop_server
  if [[ -n "$DROP_DB" ]]; then
    psql -XAtq "$PG_ADMIN" -c "DROP DATABASE $DROP_DB WITH (FORCE)" >/dev/null
    DROP_DB=""
  fi
done
finish
