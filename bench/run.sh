#!/usr/bin/env bash
# Load benchmark of the hypertension worklist on SQLite and PostgreSQL, and a gate.
#
#   bash bench/run.sh                      # both backends, 100 000 citizens, 20 s per scenario
#   BENCH_CITIZENS=5000 BENCH_DURATION=5s BENCH_WARMUP=1s bash bench/run.sh   # the CI size
#   bash bench/run.sh --readme bench/results/FILE.md   # README's table from a results file
#
# Gate (exit 1 when missed, after the report is written): for every worklist scenario, the
# page's req/s over the req/s of the same page's list queries run directly at the same
# concurrency (examples/bench_sql.rs) — a ratio measured in the same run, which a shared
# machine's load does not move the way it moves absolute times — at least BENCH_MIN_RATIO;
# zero errors everywhere; the team exports and "schedule an action, then load its row" under
# their targets (p95).
# Loopback only, bounded in time, cleans up after itself (server, temp dir, scratch database).
# Results: printed as Markdown and written to $BENCH_RESULTS (default bench/results/latest.md,
# git-ignored; commit a copy under another name for the README). See bench/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

# ---- knobs -------------------------------------------------------------------------------
BACKENDS=${BENCH_BACKENDS:-sqlite postgres}
CITIZENS=${BENCH_CITIZENS:-100000}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-3s}            # discarded run before each scenario; "0" to skip
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-16}
PORT=${BENCH_PORT:-3099}
READY_TIMEOUT=${BENCH_READY_TIMEOUT:-120}
SEED_TIMEOUT=${BENCH_SEED_TIMEOUT:-1800}
SKIP_BUILD=${BENCH_SKIP_BUILD:-0}
MIN_RATIO=${BENCH_MIN_RATIO:-0.10}    # page req/s ÷ its list queries' req/s, each scenario
EXPORT_MS=${BENCH_EXPORT_MS:-1000}    # p95 of a team's CSV and XLSX export
WRITE_MS=${BENCH_WRITE_MS:-200}       # p95 of "schedule an action + load its list row"
SENHA_RATE=${BENCH_SENHA_RATE:-56}    # wrong POST /senha per second offered during senha-sob-carga
SENHA_PAGE_MS=${BENCH_SENHA_PAGE_MS:-100} # p95 of the patient page under that flood
SENHA_PAGE_CONNECTIONS=${BENCH_SENHA_PAGE_CONNECTIONS:-2} # clinicians reading patient pages meanwhile
COOKIE=${BENCH_COOKIE:-}              # e.g. "sessao=…" once the worklist needs a login
INE=${BENCH_INE:-}                    # team to query; scraped from the page when empty
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_PORT=${BENCH_PG_PORT:-5432}
PG_USER=${BENCH_PG_USER:-postgres}

BIN="${CARGO_TARGET_DIR:-target}/release/sistema-aps"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
SQL_BIN="${BIN%/*}/examples/bench_sql"
BASE="http://127.0.0.1:${PORT}"
RESULTS_DIR="$ROOT/bench/results"
REPORT=${BENCH_RESULTS:-$RESULTS_DIR/latest.md}
case "$REPORT" in /*) ;; *) REPORT="$ROOT/$REPORT" ;; esac
LUA="$ROOT/bench/report.lua"

# ---- state for cleanup ---------------------------------------------------------------------
WORK=""
SERVER_PID=""
SERVER_FAILED=""
PG_DB=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stop_server() { # SIGTERM; the server must exit 0 (SIGKILL after 15 s counts as a failure)
  [ -n "$SERVER_PID" ] || return 0
  local i status=0 killed=""
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true # it may have exited meanwhile: wait tells
    for i in $(seq 1 30); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM for ${i}×0.5 s, sending SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
      killed=yes
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || status=$?
  SERVER_PID=""
  if [ -n "$killed" ] || [ "$status" != 0 ]; then
    SERVER_FAILED="exit status $status${killed:+ (killed)}"
    log "the server stopped badly: $SERVER_FAILED"
    return 1
  fi
}

psql_admin() {
  psql -X -q -v ON_ERROR_STOP=1 -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d postgres -c "$1"
}

drop_pg_db() {
  [ -n "$PG_DB" ] || return 0
  psql_admin "DROP DATABASE IF EXISTS \"$PG_DB\" WITH (FORCE)" >/dev/null 2>&1 \
    || log "could not drop database $PG_DB: drop it by hand"
  PG_DB=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_server || rc=1
  drop_pg_db
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the README's table from a committed results file ------------------------------------
if [ "${1:-}" = --readme ]; then
  FILE=${2:-}
  [ -n "$FILE" ] || die "usage: bash bench/run.sh --readme bench/results/FILE.md"
  [ -s "$FILE" ] || die "$FILE is missing or empty"
  grep -q '^| backend | scenario |' "$FILE" || die "$FILE is not a report of bench/run.sh"
  BEGIN_MARK='<!-- bench-results:begin -->'
  END_MARK='<!-- bench-results:end -->'
  if [ "$(grep -cxF "$BEGIN_MARK" README.md)" != 1 ] || [ "$(grep -cxF "$END_MARK" README.md)" != 1 ]; then
    die "README.md needs exactly one '$BEGIN_MARK' and one '$END_MARK' line"
  fi
  awk -v file="$FILE" -v begin="$BEGIN_MARK" -v end="$END_MARK" '
    $0 == begin {
      print
      print "<!-- generated by `bash bench/run.sh --readme " file "`: edit the results file, not this block -->"
      print ""
      print "From [`" file "`](" file "):"
      while ((getline line < file) > 0) {
        if (line ~ /^# /) continue
        sub(/^## /, "#### ", line)
        print line
      }
      close(file)
      skip = 1
      next
    }
    $0 == end { skip = 0 }
    !skip { print }
  ' README.md >README.md.tmp
  mv README.md.tmp README.md
  log "README.md: table rewritten from $FILE"
  exit 0
fi

# ---- tools ---------------------------------------------------------------------------------
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    die "need root to run: $*"
  fi
}

apt_install() {
  command -v apt-get >/dev/null || die "missing $*; install it with your package manager"
  log "installing $* (apt)"
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null; then
    as_root apt-get update -q >/dev/null
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
  fi
}

command -v wrk >/dev/null || apt_install wrk
command -v curl >/dev/null || apt_install curl
for backend in $BACKENDS; do
  case "$backend" in
    sqlite) ;;
    postgres)
      command -v psql >/dev/null || apt_install postgresql-client
      psql_admin 'SELECT 1' >/dev/null \
        || die "PostgreSQL not reachable as $PG_USER@$PG_HOST:$PG_PORT (or use BENCH_BACKENDS=sqlite)"
      ;;
    *) die "unknown backend '$backend' (BENCH_BACKENDS takes: sqlite postgres)" ;;
  esac
done

# ---- build ---------------------------------------------------------------------------------
if [ "$SKIP_BUILD" != 1 ]; then
  log "cargo build --release (the server and examples/bench_sql)"
  cargo build --release --locked --bin sistema-aps --example bench_sql
fi
[ -x "$BIN" ] || die "binary not found: $BIN"
[ -x "$SQL_BIN" ] || die "binary not found: $SQL_BIN (cargo build --release --example bench_sql)"

# The config file is the whole contract: APS_* variables from this shell would override it.
while IFS= read -r var; do
  case "$var" in APS_*) unset "$var" ;; esac
done < <(compgen -e)

if curl -s -o /dev/null --max-time 2 "$BASE/"; then
  die "something already listens on 127.0.0.1:$PORT; set BENCH_PORT"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aps-bench.XXXXXX")
mkdir -p "$RESULTS_DIR" "$(dirname "$REPORT")"
RAW_LOG="${REPORT%.md}.log"
: >"$RAW_LOG"

CURL_HEADERS=()
WRK_HEADERS=()
if [ -n "$COOKIE" ]; then
  CURL_HEADERS=(-H "Cookie: $COOKIE")
  WRK_HEADERS=(-H "Cookie: $COOKIE")
fi

# ---- helpers -------------------------------------------------------------------------------
# Creates a coordinator for the whole municipality and signs in through the real form;
# every later request carries its session cookie.
sign_in() { # $1 config file
  local out password pre session code
  out=$("$BIN" --config "$1" user add bench.coordenacao --name "Coordenação (benchmark)" --role coordinator 2>&1) \
    || die "cannot create the benchmark user: $out"
  password=${out##* }
  pre=$(curl -fsS --max-time 10 -D - -o /dev/null "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r')
  session=$(curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" \
    --data-urlencode "csrf=$pre" --data-urlencode "usuario=bench.coordenacao" \
    --data-urlencode "senha=$password" "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r')
  [ -n "$session" ] || die "sign-in of the benchmark user failed"
  # The user must change the temporary password at first sign-in: do it, then sign in again.
  local csrf
  curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$BASE/senha" >"$WORK/senha.html" \
    || die "GET /senha failed"
  csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/senha.html" | sed -n '1s/.*value="\([0-9a-f]*\)"/\1/p') \
    || die "no CSRF token on /senha"
  [ -n "$csrf" ] || die "no CSRF token on /senha"
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" \
    --data-urlencode "csrf=$csrf" --data-urlencode "atual=$password" \
    --data-urlencode "nova=bench-${password}-9" --data-urlencode "confirmacao=bench-${password}-9" "$BASE/senha") \
    || die "POST /senha failed"
  [ "$code" = 303 ] || die "POST /senha answered $code, expected 303"
  pre=$(curl -fsS --max-time 10 -D - -o /dev/null "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r')
  session=$(curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" \
    --data-urlencode "csrf=$pre" --data-urlencode "usuario=bench.coordenacao" \
    --data-urlencode "senha=bench-${password}-9" "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r')
  [ -n "$session" ] || die "second sign-in of the benchmark user failed"
  CURL_HEADERS=(-H "Cookie: aps_sessao=$session")
  WRK_HEADERS=(-H "Cookie: aps_sessao=$session")
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

write_config() { # $1 file, $2 database url
  cat >"$1" <<EOF
[server]
listen = "127.0.0.1:${PORT}"

[database]
url = "$2"

[demo]
seed_on_first_start = false
EOF
}

wait_ready() { # $1 server log
  local deadline=$((SECONDS + READY_TIMEOUT)) code
  while [ "$SECONDS" -lt "$deadline" ]; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      tail -n 30 "$1" >&2 || true
      die "server exited before it was ready (log above)"
    fi
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/ready" || true) # polled
    [ "$code" = 200 ] && return 0
    sleep 0.5
  done
  tail -n 30 "$1" >&2 || true
  die "GET /ready did not answer 200 within ${READY_TIMEOUT}s (log above)"
}

# First non-empty <option value> of <select id="equipe">; maud writes the page on one line.
scrape_ine() {
  curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos" >"$WORK/teams.html" \
    || die "GET /hipertensos failed"
  tr '\n' ' ' <"$WORK/teams.html" \
    | sed -e 's/.*<select[^>]*id="equipe"//' -e 's#</select>.*##' \
    | grep -o '<option[^>]*value="[0-9][^"]*"' \
    | sed -e 's/.*value="\([^"]*\)"/\1/' >"$WORK/teams.txt" \
    || die "no team option in <select id=\"equipe\"> of /hipertensos"
  sed -n 1p "$WORK/teams.txt"
}

check_url() { # $1 url: one request must answer 200 before we hammer it
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${CURL_HEADERS[@]}" "$1") \
    || die "GET $1 failed (curl)"
  [ "$code" = 200 ] || die "GET $1 answered '$code', expected 200"
}

# The gate: each miss is recorded (and the run goes on, so the report is complete).
GATE_ROWS=()
MISSES=()
gate() { # $1 label, $2 measured, $3 comparison (ge|le|eq), $4 limit
  local ok
  ok=$(awk -v m="$2" -v l="$4" -v c="$3" 'BEGIN {
    if (m == "" || m == "-") { print 0; exit }
    if (c == "ge") print (m + 0 >= l + 0); else if (c == "le") print (m + 0 <= l + 0); else print (m + 0 == l + 0) }')
  local sign
  case "$3" in ge) sign="≥" ;; le) sign="≤" ;; *) sign="=" ;; esac
  if [ "$ok" = 1 ]; then
    GATE_ROWS+=("| $1 | $2 | $sign $4 | met |")
  else
    GATE_ROWS+=("| $1 | $2 | $sign $4 | **missed** |")
    MISSES+=("$1 ($2, wanted $sign $4)")
    log "GATE MISSED: $1: $2, wanted $sign $4"
  fi
}

field() { # $1 key, $2 BENCH_RESULT line
  printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# p50 and p95 (nearest rank) of the numbers on stdin, in ms with one decimal.
percentiles() {
  sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "- -"; exit }
    i50 = int(NR * 0.50 + 0.999); i95 = int(NR * 0.95 + 0.999)
    printf "%.1f %.1f\n", v[i50] * 1000, v[i95] * 1000 }'
}

# One-at-a-time timings: exports of the team list and of the whole municipality (CSV and
# XLSX), and "complete an action, then load the list row that shows it" for 20 patients.
# Gated: the team's exports under EXPORT_MS and the write under WRITE_MS (p95).
timed_requests() { # $1 backend, $2 team INE
  local backend=$1 ine=$2 fmt scope q rows t i ids id name csrf t_post t_get code
  for scope in "equipe=$ine" ""; do
    curl -fsS --max-time 60 "${CURL_HEADERS[@]}" "$BASE/hipertensos/exportar.csv${scope:+?$scope}" \
      >"$WORK/export.csv" || die "$backend: export CSV ${scope:-municipality} failed"
    rows=$(tail -n +2 "$WORK/export.csv" | wc -l)
    for fmt in csv xlsx; do
      q="$BASE/hipertensos/exportar.$fmt${scope:+?$scope}"
      : >"$WORK/export-times"
      for i in 1 2 3 4 5; do
        curl -fsS --max-time 60 -o /dev/null -w '%{time_total}\n' "${CURL_HEADERS[@]}" "$q" \
          >>"$WORK/export-times" || die "$backend: GET $q failed"
      done
      t=$(percentiles <"$WORK/export-times")
      TIMED_ROWS+=("| $backend | export $fmt (${scope:-municipality}) | $rows rows | ${t% *} | ${t#* } |")
      if [ -n "$scope" ]; then
        gate "$backend: export $fmt of a team ($rows rows), p95 ms" "${t#* }" le "$EXPORT_MS"
      fi
    done
  done
  # "id|name" of 20 patients, from the links of the list.
  curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos?equipe=$ine&per_page=100&ordem=pontos" \
    >"$WORK/list.html" || die "$backend: GET the team's list failed"
  ids=$(grep -o 'href="/pacientes/[0-9]*"[^>]*>[^<]*' "$WORK/list.html" \
    | grep -v '&' | sed 's#href="/pacientes/\([0-9]*\)"[^>]*>\(.*\)#\1|\2#' | head -n 20 | tr ' ' '_') \
    || die "$backend: no patient link on the team's list"
  csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/list.html" | sed -n '1s/.*value="\([0-9a-f]*\)"/\1/p') \
    || die "$backend: no CSRF token on the worklist"
  [ -n "$csrf" ] || die "$backend: no CSRF token on the worklist"
  : >"$WORK/write-times"
  for id in $ids; do
    name=${id#*|}
    name=${name//_/ }
    id=${id%%|*}
    t_post=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code} %{time_total}' "${CURL_HEADERS[@]}" \
      --data-urlencode "csrf=$csrf" --data-urlencode "tipo=agendar_hiperdia" \
      --data-urlencode "data=$(date +%Y-%m-%d)" "$BASE/pacientes/$id/acoes") || die "$backend: POST /pacientes/$id/acoes failed"
    code=${t_post% *}
    t_post=${t_post#* }
    [ "$code" = 303 ] || die "$backend: POST /pacientes/$id/acoes answered $code, expected 303"
    t_get=$(curl -fsS --max-time 30 -o "$WORK/row.html" -w '%{time_total}' "${CURL_HEADERS[@]}" \
      --get --data-urlencode "equipe=$ine" --data-urlencode "busca=$name" "$BASE/hipertensos") \
      || die "$backend: GET the row of patient $id failed"
    grep -q 'Agendar Hiperdia' "$WORK/row.html" || die "$backend: the scheduled action is not on the row of patient $id"
    awk -v a="$t_post" -v b="$t_get" 'BEGIN { print a + b }' >>"$WORK/write-times"
  done
  [ -s "$WORK/write-times" ] || die "$backend: no patient to write to"
  t=$(percentiles <"$WORK/write-times")
  i=$(wc -l <"$WORK/write-times")
  TIMED_ROWS+=("| $backend | schedule an action + load its list row | $i patients | ${t% *} | ${t#* } |")
  gate "$backend: schedule an action + load its row, p95 ms" "${t#* }" le "$WRITE_MS"
}

# A coordinator's patient page while another signed-in user sends wrong current passwords to
# /senha at SENHA_RATE per second (16 connections, each pausing between requests). Argon2 runs
# off the async workers behind a small semaphore, so the page must not wait for it. Gated:
# the page's p95 under SENHA_PAGE_MS, every /senha answered 400 or 429, zero page errors.
senha_flood() { # $1 backend, $2 config file, $3 patient id
  local backend=$1 cfg=$2 patient=$3 out password pre session csrf code flood_pid line flood
  local flood_conns=16 delay_ms flood_secs
  out=$("$BIN" --config "$cfg" user add bench.senha --name "Senha errada (benchmark)" --role auditor 2>&1) \
    || die "$backend: cannot create the /senha user: $out"
  password=${out##* }
  pre=$(curl -fsS --max-time 10 -D - -o /dev/null "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r')
  session=$(curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" \
    --data-urlencode "csrf=$pre" --data-urlencode "usuario=bench.senha" \
    --data-urlencode "senha=$password" "$BASE/entrar" \
    | sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r')
  [ -n "$session" ] || die "$backend: sign-in of the /senha user failed"
  curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$BASE/senha" >"$WORK/senha-flood.html" \
    || die "$backend: GET /senha failed"
  csrf=$(grep -o 'name="csrf" value="[0-9a-f]*"' "$WORK/senha-flood.html" | sed -n '1s/.*value="\([0-9a-f]*\)"/\1/p') \
    || die "$backend: no CSRF token on /senha"
  [ -n "$csrf" ] || die "$backend: no CSRF token on /senha"
  # One wrong current password by hand: the flood's request is answered as expected.
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" \
    --data-urlencode "csrf=$csrf" --data-urlencode "atual=errada-0-bench" \
    --data-urlencode "nova=Outra-senha-bench-9" --data-urlencode "confirmacao=Outra-senha-bench-9" "$BASE/senha") \
    || die "$backend: POST /senha failed"
  [ "$code" = 400 ] || die "$backend: a wrong POST /senha answered $code, expected 400"
  delay_ms=$((1000 * flood_conns / SENHA_RATE))
  flood_secs=$((${DURATION%s} + 4))
  log "$backend/senha-sob-carga: ${SENHA_RATE}/s wrong POST /senha for ${flood_secs}s, meanwhile wrk -c$SENHA_PAGE_CONNECTIONS /pacientes/$patient"
  SENHA_COOKIE="aps_sessao=$session" SENHA_CSRF="$csrf" SENHA_DELAY_MS="$delay_ms" \
    wrk -t 1 -c "$flood_conns" -d "${flood_secs}s" --timeout 10s -s "$ROOT/bench/senha-flood.lua" \
    "$BASE/senha" >"$WORK/senha-flood.out" 2>&1 &
  flood_pid=$!
  sleep 2 # the flood reaches its rate (and spends the account's budget) first
  if ! out=$(wrk -t 1 -c "$SENHA_PAGE_CONNECTIONS" -d "$DURATION" --timeout 5s --latency \
      -s "$LUA" "${WRK_HEADERS[@]}" "$BASE/pacientes/$patient"); then
    kill "$flood_pid" 2>/dev/null || true # it may have ended: wait below tells
    wait "$flood_pid" 2>/dev/null || true # its status no longer matters: the run dies here
    die "$backend/senha-sob-carga: wrk on the patient page failed"
  fi
  wait "$flood_pid" || die "$backend/senha-sob-carga: the /senha flood (wrk) failed: $(cat "$WORK/senha-flood.out")"
  printf '### %s / senha-sob-carga: /pacientes/%s\n%s\n\n%s\n\n' "$backend" "$patient" "$out" \
    "$(cat "$WORK/senha-flood.out")" >>"$RAW_LOG"
  line=$(printf '%s\n' "$out" | grep '^BENCH_RESULT ' | tail -n 1) \
    || die "$backend/senha-sob-carga: wrk printed no BENCH_RESULT line (see $RAW_LOG)"
  flood=$(grep '^SENHA_FLOOD ' "$WORK/senha-flood.out" | tail -n 1) \
    || die "$backend/senha-sob-carga: the flood printed no SENHA_FLOOD line (see $RAW_LOG)"
  log "$line"
  log "$flood"
  SENHA_ROWS+=("| $backend | $(field rps "$flood") | $(field wrong "$flood") | $(field locked "$flood") | $(field other "$flood") | $(field p95_ms "$flood") | $(field rps "$line") | $(field p50_ms "$line") | $(field p95_ms "$line") | $(field errors "$line") |")
  gate "$backend/senha-sob-carga: patient page p95 ms" "$(field p95_ms "$line")" le "$SENHA_PAGE_MS"
  gate "$backend/senha-sob-carga: patient page errors" "$(field errors "$line")" eq 0
  gate "$backend/senha-sob-carga: /senha answers other than 400/429" \
    "$(($(field other "$flood") + $(field socket_errors "$flood")))" eq 0
}

SENHA_ROWS=()
TIMED_ROWS=()
ROWS=()
SEED_ROWS=()
LAST_INE=""

run_backend() {
  local backend=$1 cfg url t0 t1 seed_s name path out line rss_kb rss_mib i
  cfg="$WORK/$backend.toml"

  case "$backend" in
    sqlite)
      mkdir -p "$WORK/sqlite"
      url="sqlite://$WORK/sqlite/aps.db?mode=rwc"
      ;;
    postgres)
      PG_DB="aps_bench_$(date +%s)_${RANDOM}"
      psql_admin "CREATE DATABASE \"$PG_DB\"" >/dev/null \
        || die "cannot create database on $PG_USER@$PG_HOST:$PG_PORT (trust auth expected)"
      url="postgres://${PG_USER}@${PG_HOST}:${PG_PORT}/${PG_DB}"
      ;;
  esac
  write_config "$cfg" "$url"

  log "$backend: seeding $CITIZENS citizens"
  t0=$(now)
  if ! timeout "$SEED_TIMEOUT" "$BIN" --config "$cfg" seed --citizens "$CITIZENS" --seed 42 \
      >"$WORK/$backend-seed.log" 2>&1; then
    tail -n 30 "$WORK/$backend-seed.log" >&2 || true
    die "$backend: seed failed or took more than ${SEED_TIMEOUT}s (log above)"
  fi
  t1=$(now)
  seed_s=$(elapsed "$t0" "$t1")
  log "$backend: seeded in ${seed_s}s"
  tail -n 15 "$WORK/$backend-seed.log" >&2
  SEED_ROWS+=("| $backend | $CITIZENS | $seed_s |")
  if [ "$backend" = postgres ]; then
    # Steady state: millions of fresh PEC rows would otherwise have autovacuum (and the
    # checkpoints its writes trigger) working through them during the measurements. Only the
    # PEC tables (schema public): vacuuming the app's still-empty tables would record them as
    # empty, and PostgreSQL would plan the audit trail's foreign-key checks as scans of a table
    # that grows by thousands of rows during the run.
    log "$backend: VACUUM of the PEC tables, CHECKPOINT"
    psql -X -q -h "$PG_HOST" -p "$PG_PORT" -U "$PG_USER" -d "$PG_DB" -v ON_ERROR_STOP=1 >/dev/null <<'SQL' \
      || die "$backend: VACUUM or CHECKPOINT failed"
SELECT format('VACUUM public.%I', tablename) FROM pg_tables WHERE schemaname = 'public' \gexec
CHECKPOINT;
SQL
  fi

  "$BIN" --config "$cfg" serve >"$WORK/$backend-server.log" 2>&1 &
  SERVER_PID=$!
  wait_ready "$WORK/$backend-server.log"
  log "$backend: server $SERVER_PID ready"

  if [ -z "$COOKIE" ]; then
    sign_in "$cfg"
  fi

  local ine=$INE
  [ -n "$ine" ] || ine=$(scrape_ine)
  [ -n "$ine" ] || die "$backend: no team option found in <select id=\"equipe\"> of /hipertensos"
  log "$backend: team INE $ine"
  LAST_INE=$ine
  local patient
  curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos?equipe=$ine&ordem=idade" >"$WORK/oldest.html" \
    || die "$backend: GET the team's list by age failed"
  patient=$(grep -o 'href="/pacientes/[0-9]*"' "$WORK/oldest.html" | sed -n '1s/[^0-9]//gp') \
    || die "$backend: no patient link on the worklist"
  [ -n "$patient" ] || die "$backend: no patient link on the worklist"
  # name|path|query of the worklist's own statements (examples/bench_sql), or "-" (no counterpart)
  local -a scenarios=(
    "primeira-pagina|/hipertensos?equipe=$ine|equipe=$ine"
    "filtro-pagina-2|/hipertensos?equipe=$ine&situacao=nao_controlada&page=2|equipe=$ine&situacao=nao_controlada&page=2"
    "busca|/hipertensos?equipe=$ine&busca=maria|equipe=$ine&busca=maria"
    "ficha-paciente|/pacientes/$patient|-"
  )

  local scenario sql_query sql_line sql_rps ratio
  for scenario in "${scenarios[@]}"; do
    name=${scenario%%|*}
    path=${scenario#*|}
    sql_query=${path#*|}
    path=${path%%|*}
    check_url "$BASE$path"
    if [ "$WARMUP" != 0 ]; then
      wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "${WRK_HEADERS[@]}" "$BASE$path" >/dev/null \
        || die "$backend/$name: wrk warm-up failed"
    fi
    log "$backend/$name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $path"
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 5s --latency \
      -s "$LUA" "${WRK_HEADERS[@]}" "$BASE$path") || die "$backend/$name: wrk failed"
    printf '### %s / %s: %s\n%s\n\n' "$backend" "$name" "$path" "$out" >>"$RAW_LOG"
    line=$(printf '%s\n' "$out" | grep '^BENCH_RESULT ' | tail -n 1) \
      || die "$backend/$name: wrk printed no BENCH_RESULT line (see $RAW_LOG)"
    log "$line"
    gate "$backend/$name: errors" "$(field errors "$line")" eq 0
    sql_rps="-"
    ratio="-"
    if [ "$sql_query" != - ]; then
      # The same page's list queries, straight from the library, at the same concurrency.
      log "$backend/$name: bench_sql $CONNECTIONS tasks for ${DURATION%s} s: $sql_query"
      sql_line=$("$SQL_BIN" "$cfg" "$sql_query" "$CONNECTIONS" "${DURATION%s}" 2>>"$RAW_LOG") \
        || die "$backend/$name: bench_sql failed (see $RAW_LOG)"
      printf '### %s / %s: bench_sql %s\n%s\n\n' "$backend" "$name" "$sql_query" "$sql_line" >>"$RAW_LOG"
      log "$sql_line"
      sql_rps=$(field rps "$sql_line")
      ratio=$(awk -v p="$(field rps "$line")" -v q="$sql_rps" 'BEGIN { if (q > 0) printf "%.2f", p / q; else print "-" }')
      gate "$backend/$name: page req/s ÷ its SQL's req/s" "$ratio" ge "$MIN_RATIO"
    fi
    ROWS+=("$backend|$name|$(field rps "$line")|$(field p50_ms "$line")|$(field p95_ms "$line")|$(field p99_ms "$line")|$(field errors "$line")|$sql_rps|$ratio")
  done

  senha_flood "$backend" "$cfg" "$patient"
  timed_requests "$backend" "$ine"

  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status") || die "$backend: no /proc/$SERVER_PID/status"
  rss_mib=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')
  # the peak RSS belongs to every scenario row of this backend
  for i in "${!ROWS[@]}"; do
    case "${ROWS[$i]}" in "$backend|"*) ROWS[i]="${ROWS[$i]}|$rss_mib" ;; esac
  done

  {
    printf '### %s server log (last 40 lines)\n' "$backend"
    tail -n 40 "$WORK/$backend-server.log"
    printf '\n'
  } >>"$RAW_LOG"
  stop_server || die "$backend: the server did not stop cleanly on SIGTERM ($SERVER_FAILED)"
  drop_pg_db
}

# ---- run -----------------------------------------------------------------------------------
STARTED=$(date '+%Y-%m-%d %H:%M:%S %z')
for backend in $BACKENDS; do
  run_backend "$backend"
done

# ---- report --------------------------------------------------------------------------------
COMMIT=$(git rev-parse --short HEAD) || COMMIT=unknown
DIRTY=$(git status --porcelain --untracked-files=no) || DIRTY=""
if [ -n "$DIRTY" ]; then COMMIT="$COMMIT (dirty)"; fi
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
CPUS=$(nproc)
MEM_MIB=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)
WRK_VERSION=$(wrk --version 2>&1 | sed -n '1s/^\(wrk [^ ]*\).*/\1/p') || WRK_VERSION=wrk
{
  printf '# Benchmark: hypertension worklist\n\n'
  printf -- '- started: %s, commit %s\n' "$STARTED" "$COMMIT"
  printf -- "- command: \`BENCH_BACKENDS='%s' BENCH_CITIZENS=%s BENCH_DURATION=%s BENCH_WARMUP=%s BENCH_CONNECTIONS=%s bash bench/run.sh\`\n" \
    "$BACKENDS" "$CITIZENS" "$DURATION" "$WARMUP" "$CONNECTIONS"
  printf -- '- machine: %s, %s CPUs, %s MiB RAM (wrk runs on the same machine, over loopback)\n' \
    "$CPU" "$CPUS" "$MEM_MIB"
  printf -- '- load: %s, %s threads, %s connections, %s per scenario after a %s warm-up\n' \
    "$WRK_VERSION" "$THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP"
  printf -- "- data: %s synthetic citizens (\`seed --seed 42\`)\n" "$CITIZENS"
  printf -- "- scenarios (INE = team %s): primeira-pagina \`%s\`, filtro-pagina-2 \`%s\`, busca \`%s\`, ficha-paciente \`/pacientes/ID\`\n" \
    "${LAST_INE:-?}" "/hipertensos?equipe=INE" "…&situacao=nao_controlada&page=2" "…&busca=maria"
  printf -- "- SQL req/s: the page's list queries run by \`examples/bench_sql\` with %s tasks for %s (no HTTP, session, audit or HTML)\n\n" \
    "$CONNECTIONS" "$DURATION"
  printf '| backend | scenario | req/s | p50 ms | p95 ms | p99 ms | errors | SQL req/s | page ÷ SQL | peak RSS MiB |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  for row in "${ROWS[@]}"; do printf '| %s |\n' "${row//|/ | }"; done
  printf '\n| backend | wrong /senha per s | 400 | 429 | other | /senha p95 ms | patient page req/s (%s connections) | p50 ms | p95 ms | errors |\n' "$SENHA_PAGE_CONNECTIONS"
  printf '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n'
  printf '%s\n' "${SENHA_ROWS[@]}"
  printf '\n| backend | one request at a time | size | p50 ms | p95 ms |\n|---|---|---|---:|---:|\n'
  printf '%s\n' "${TIMED_ROWS[@]}"
  printf '\n| backend | citizens | seed s |\n|---|---:|---:|\n'
  printf '%s\n' "${SEED_ROWS[@]}"
  printf '\n| gate | measured | wanted | |\n|---|---:|---:|---|\n'
  printf '%s\n' "${GATE_ROWS[@]}"
  printf '\n'
  if [ "${#MISSES[@]}" -eq 0 ]; then
    printf 'Gate: **met** (%d checks).\n' "${#GATE_ROWS[@]}"
  else
    printf 'Gate: **missed** on %s.\n' "$(IFS=';'; printf '%s' "${MISSES[*]}")"
  fi
} >"$REPORT"

printf '\n'
cat "$REPORT"
log "written $REPORT (raw wrk output and server log tails: $RAW_LOG)"
if [ "${#MISSES[@]}" -ne 0 ]; then
  log "FAILED: ${#MISSES[@]} gate check(s) missed"
  exit 1
fi
log "gate met: ${#GATE_ROWS[@]} checks"
