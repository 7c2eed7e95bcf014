#!/usr/bin/env bash
# Load benchmark of the hypertension worklist on SQLite and PostgreSQL.
#
#   bash bench/run.sh                      # both backends, 100 000 citizens, 20 s per scenario
#   BENCH_BACKENDS=sqlite BENCH_CITIZENS=20000 BENCH_DURATION=5s bash bench/run.sh
#
# Loopback only, bounded in time, cleans up after itself (server, temp dir, scratch database).
# Results: printed as Markdown and written to bench/results/latest.md (git-ignored).
# See bench/README.md.
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
COOKIE=${BENCH_COOKIE:-}              # e.g. "sessao=…" once the worklist needs a login
INE=${BENCH_INE:-}                    # team to query; scraped from the page when empty
PG_HOST=${BENCH_PG_HOST:-127.0.0.1}
PG_PORT=${BENCH_PG_PORT:-5432}
PG_USER=${BENCH_PG_USER:-postgres}

BIN="${CARGO_TARGET_DIR:-target}/release/sistema-aps"
case "$BIN" in /*) ;; *) BIN="$ROOT/$BIN" ;; esac
BASE="http://127.0.0.1:${PORT}"
RESULTS_DIR="$ROOT/bench/results"
LUA="$ROOT/bench/report.lua"

# ---- state for cleanup ---------------------------------------------------------------------
WORK=""
SERVER_PID=""
PG_DB=""

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    local i
    for i in $(seq 1 30); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM for ${i}×0.5 s, sending SIGKILL"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
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
  stop_server
  drop_pg_db
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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
  log "cargo build --release"
  cargo build --release
fi
[ -x "$BIN" ] || die "binary not found: $BIN"

# The config file is the whole contract: APS_* variables from this shell would override it.
while IFS= read -r var; do unset "$var"; done < <(compgen -e | grep '^APS_' || true)

if curl -s -o /dev/null --max-time 2 "$BASE/"; then
  die "something already listens on 127.0.0.1:$PORT; set BENCH_PORT"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/aps-bench.XXXXXX")
mkdir -p "$RESULTS_DIR"
RAW_LOG="$RESULTS_DIR/latest.log"
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
  local out password pre session
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
  csrf=$(curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$BASE/senha" \
    | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | sed 's/.*value="\([0-9a-f]*\)"/\1/')
  curl -sS --max-time 30 -o /dev/null -H "Cookie: aps_sessao=$session" \
    --data-urlencode "csrf=$csrf" --data-urlencode "atual=$password" \
    --data-urlencode "nova=bench-${password}-9" --data-urlencode "confirmacao=bench-${password}-9" "$BASE/senha"
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
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$BASE/ready" || true)
    [ "$code" = 200 ] && return 0
    sleep 0.5
  done
  tail -n 30 "$1" >&2 || true
  die "GET /ready did not answer 200 within ${READY_TIMEOUT}s (log above)"
}

# First non-empty <option value> of <select id="equipe">; maud writes the page on one line.
scrape_ine() {
  curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos" \
    | tr '\n' ' ' \
    | sed -e 's/.*<select[^>]*id="equipe"//' -e 's#</select>.*##' \
    | grep -o '<option[^>]*value="[^"]*"' \
    | sed -e 's/.*value="\([^"]*\)"/\1/' \
    | grep -v '^$' | head -n 1 || true
}

check_url() { # $1 url: one request must answer 200 before we hammer it
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 "${CURL_HEADERS[@]}" "$1" || true)
  [ "$code" = 200 ] || die "GET $1 answered '$code', expected 200"
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
timed_requests() { # $1 backend, $2 team INE
  local backend=$1 ine=$2 fmt scope q rows t i ids id name csrf t_post t_get
  for scope in "equipe=$ine" ""; do
    for fmt in csv xlsx; do
      q="$BASE/hipertensos/exportar.$fmt${scope:+?$scope}"
      rows=$(curl -fsS --max-time 60 "${CURL_HEADERS[@]}" "$BASE/hipertensos/exportar.csv${scope:+?$scope}" | tail -n +2 | wc -l)
      t=$(for i in 1 2 3 4 5; do
            curl -fsS --max-time 60 -o /dev/null -w '%{time_total}\n' "${CURL_HEADERS[@]}" "$q"
          done | percentiles)
      TIMED_ROWS+=("| $backend | export $fmt (${scope:-municipality}) | $rows rows | ${t% *} | ${t#* } |")
    done
  done
  # "id|name" of 20 patients, from the links of the list.
  ids=$(curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos?equipe=$ine&per_page=100&ordem=pontos" \
    | grep -o 'href="/pacientes/[0-9]*"[^>]*>[^<]*' \
    | grep -v '&' | sed 's#href="/pacientes/\([0-9]*\)"[^>]*>\(.*\)#\1|\2#' | head -n 20 | tr ' ' '_')
  csrf=$(curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos?equipe=$ine" \
    | grep -o 'name="csrf" value="[0-9a-f]*"' | head -n 1 | sed 's/.*value="\([0-9a-f]*\)"/\1/')
  [ -n "$csrf" ] || die "$backend: no CSRF token on the worklist"
  : >"$WORK/write-times"
  for id in $ids; do
    name=${id#*|}
    name=${name//_/ }
    id=${id%%|*}
    t_post=$(curl -sS --max-time 30 -o /dev/null -w '%{time_total}' "${CURL_HEADERS[@]}" \
      --data-urlencode "csrf=$csrf" --data-urlencode "tipo=agendar_hiperdia" \
      --data-urlencode "data=$(date +%Y-%m-%d)" "$BASE/pacientes/$id/acoes")
    t_get=$(curl -fsS --max-time 30 -o "$WORK/row.html" -w '%{time_total}' "${CURL_HEADERS[@]}" \
      --get --data-urlencode "equipe=$ine" --data-urlencode "busca=$name" "$BASE/hipertensos")
    grep -q 'Agendar Hiperdia' "$WORK/row.html" || die "$backend: the scheduled action is not on the row of patient $id"
    awk -v a="$t_post" -v b="$t_get" 'BEGIN { print a + b }' >>"$WORK/write-times"
  done
  t=$(percentiles <"$WORK/write-times")
  TIMED_ROWS+=("| $backend | schedule an action + load its list row | $(wc -l <"$WORK/write-times") patients | ${t% *} | ${t#* } |")
}

TIMED_ROWS=()
ROWS=()
SEED_ROWS=()
LAST_INE=""
MISSES=()

run_backend() {
  local backend=$1 cfg url t0 t1 seed_s name path out line rss_kb rss_mib
  local -a scenario_names=(primeira-pagina filtro-pagina-2 busca ficha-paciente)
  local -a scenario_paths
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
  patient=$(curl -fsS --max-time 30 "${CURL_HEADERS[@]}" "$BASE/hipertensos?equipe=$ine&ordem=idade" \
    | grep -o 'href="/pacientes/[0-9]*"' | head -n 1 | sed 's/[^0-9]//g')
  [ -n "$patient" ] || die "$backend: no patient link on the worklist"
  scenario_paths=(
    "/hipertensos?equipe=$ine"
    "/hipertensos?equipe=$ine&situacao=nao_controlada&page=2"
    "/hipertensos?equipe=$ine&busca=maria"
    "/pacientes/$patient"
  )

  local i
  for i in "${!scenario_names[@]}"; do
    name=${scenario_names[$i]}
    path=${scenario_paths[$i]}
    check_url "$BASE$path"
    if [ "$WARMUP" != 0 ]; then
      wrk -t "$THREADS" -c "$CONNECTIONS" -d "$WARMUP" "${WRK_HEADERS[@]}" "$BASE$path" >/dev/null \
        || die "$backend/$name: wrk warm-up failed"
    fi
    log "$backend/$name: wrk -t$THREADS -c$CONNECTIONS -d$DURATION $path"
    out=$(wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --timeout 5s --latency \
      -s "$LUA" "${WRK_HEADERS[@]}" "$BASE$path") || die "$backend/$name: wrk failed"
    printf '### %s / %s: %s\n%s\n\n' "$backend" "$name" "$path" "$out" >>"$RAW_LOG"
    line=$(printf '%s\n' "$out" | grep '^BENCH_RESULT ' | tail -n 1 || true)
    [ -n "$line" ] || die "$backend/$name: wrk printed no BENCH_RESULT line (see $RAW_LOG)"
    log "$line"
    ROWS+=("$backend|$name|$(field rps "$line")|$(field p50_ms "$line")|$(field p95_ms "$line")|$(field p99_ms "$line")|$(field errors "$line")")
    if awk -v p="$(field p95_ms "$line")" 'BEGIN { exit !(p >= 100) }'; then
      MISSES+=("$backend/$name (p95 $(field p95_ms "$line") ms)")
    fi
  done

  timed_requests "$backend" "$ine"

  rss_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true)
  rss_mib=$(awk -v k="${rss_kb:-0}" 'BEGIN { printf "%.1f", k / 1024 }')
  # the peak RSS belongs to every scenario row of this backend
  for i in "${!ROWS[@]}"; do
    case "${ROWS[$i]}" in "$backend|"*) ROWS[i]="${ROWS[$i]}|$rss_mib" ;; esac
  done

  {
    printf '### %s server log (last 40 lines)\n' "$backend"
    tail -n 40 "$WORK/$backend-server.log" || true
    printf '\n'
  } >>"$RAW_LOG"
  stop_server
  drop_pg_db
}

# ---- run -----------------------------------------------------------------------------------
STARTED=$(date '+%Y-%m-%d %H:%M:%S %z')
for backend in $BACKENDS; do
  run_backend "$backend"
done

# ---- report --------------------------------------------------------------------------------
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null || true)" ]; then COMMIT="$COMMIT (dirty)"; fi
CPU=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || echo unknown)
REPORT="$RESULTS_DIR/latest.md"
{
  printf '# Benchmark: hypertension worklist\n\n'
  printf -- '- started: %s, commit %s\n' "$STARTED" "$COMMIT"
  printf -- '- machine: %s, %s CPUs, %s MiB RAM (wrk runs on the same machine, over loopback)\n' \
    "$CPU" "$(nproc)" "$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 }' /proc/meminfo)"
  printf -- '- load: %s, %s threads, %s connections, %s per scenario after a %s warm-up\n' \
    "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2)" "$THREADS" "$CONNECTIONS" "$DURATION" "$WARMUP"
  printf -- "- data: %s synthetic citizens (\`seed --seed 42\`)\n" "$CITIZENS"
  printf -- "- scenarios (INE = team %s): primeira-pagina \`%s\`, filtro-pagina-2 \`%s\`, busca \`%s\`, ficha-paciente \`/pacientes/ID\`\n\n" \
    "${LAST_INE:-?}" "/hipertensos?equipe=INE" "…&situacao=nao_controlada&page=2" "…&busca=maria"
  printf '| backend | scenario | req/s | p50 ms | p95 ms | p99 ms | errors | peak RSS MiB |\n'
  printf '|---|---|---:|---:|---:|---:|---:|---:|\n'
  for row in "${ROWS[@]}"; do printf '| %s |\n' "${row//|/ | }"; done
  printf '\n| backend | one request at a time | size | p50 ms | p95 ms |\n|---|---|---|---:|---:|\n'
  printf '%s\n' "${TIMED_ROWS[@]}"
  printf '\n| backend | citizens | seed s |\n|---|---:|---:|\n'
  printf '%s\n' "${SEED_ROWS[@]}"
  printf '\n'
  if [ "${#MISSES[@]}" -eq 0 ]; then
    printf 'Target p95 < 100 ms: **met** on every scenario.\n'
  else
    printf 'Target p95 < 100 ms: **missed** on %s.\n' "$(IFS=,; printf '%s' "${MISSES[*]}")"
  fi
} >"$REPORT"

printf '\n'
cat "$REPORT"
log "written $REPORT (raw wrk output and server log tails: $RAW_LOG)"
