#!/usr/bin/env bash
# Disaster-recovery drill (issue 8), on SQLite and on PostgreSQL:
#   seed a synthetic municipality, start the app, sign in through the real form, open some
#   worklists (audit rows), stop; back up (encrypted to an age recipient, as in production);
#   `backup verify`; DESTROY the database; restore into an empty one; compare the row count
#   and a content digest of every table with the ones taken before; `audit verify`; start the
#   app again: /ready is 200 and the same user signs in with the same password.
# Prints the measured backup and restore times. Ends with "backup-drill: N passed, 0 failed".
# Runs as root on Debian 12 like .ci/run (PostgreSQL on 127.0.0.1:5432, which .ci/run starts).
#
#   bash .ci/backup-drill.sh                 # both backends, 2000 citizens
#   DRILL_CITIZENS=20000 DRILL_BACKENDS=postgres bash .ci/backup-drill.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"
CITIZENS="${DRILL_CITIZENS:-2000}"
BACKENDS="${DRILL_BACKENDS:-sqlite postgres}"
PG_ADMIN="${DRILL_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# shellcheck source=.ci/lib.sh
source .ci/lib.sh
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

WORK="$(mktemp -d)"
APP_PID=""
DROP_DB=""
cleanup() {
  # (cleanup after a failure: best effort)
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill "$APP_PID" || true; fi
  if [ -n "$DROP_DB" ]; then psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DROP_DB WITH (FORCE)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step "tools"
need=()
command -v sqlite3 >/dev/null || need+=(sqlite3)
command -v age-keygen >/dev/null || need+=(age)
command -v curl >/dev/null || need+=(curl)
if [ "${#need[@]}" -gt 0 ]; then apt_install "${need[@]}"; fi
SQLITE_SAYS="$(sqlite3 --version)"
AGE_SAYS="$(age --version)"
PG_DUMP_SAYS="$(pg_dump --version)"
printf 'sqlite3 %s; age %s; %s\n' "${SQLITE_SAYS%% *}" "$AGE_SAYS" "$PG_DUMP_SAYS"

step "build the binary"
cargo build --locked --bin sistema-aps
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

# An age identity that stays "off the server" (here: outside the backup directory).
age-keygen -o "$WORK/identity.txt" 2>/dev/null
RECIPIENT=$(age-keygen -y "$WORK/identity.txt")

start_app() { # log
  env -u RUST_LOG APS_SERVER__LISTEN=127.0.0.1:0 APS_METRICS__ENABLED=false APS_LOG__FORMAT=json \
    APS_DEMO__SEED_ON_FIRST_START=false "$BIN" serve >/dev/null 2>"$1" &
  APP_PID=$!
  WEB=""
  for _ in $(seq 1 1200); do
    WEB=$(grep '"message":"Sistema APS is listening"' "$1" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true) # polled
    [ -n "$WEB" ] && break
    kill -0 "$APP_PID" 2>/dev/null || { cat "$1"; fail "the app exited"; }
    sleep 0.1
  done
  [ -n "$WEB" ] || { cat "$1"; fail "the app did not start"; }
  WEB=${WEB%/}
}
stop_app() { # the app must stop cleanly on SIGTERM (exit status 0)
  local status=0
  kill -TERM "$APP_PID"
  wait "$APP_PID" || status=$?
  APP_PID=""
  [ "$status" = 0 ] || fail "the app exited with status $status after SIGTERM"
}

csrf_pre() { curl -fsS --max-time 10 -D - -o /dev/null "$WEB/entrar" | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r'; }
# sign_in USER PASSWORD: prints the session cookie (empty when refused).
sign_in() {
  local pre
  pre=$(csrf_pre)
  curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" \
    --data-urlencode "csrf=$pre" --data-urlencode "usuario=$1" --data-urlencode "senha=$2" "$WEB/entrar" |
    sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r'
}

# digest OUT: "table rows sha256" for every table of the database in $APS_DATABASE__URL,
# order-independent (rows sorted), so a rowid renumbered by VACUUM does not count.
digest_line() { # table: "table rows sha256" of $WORK/rows
  local n sum
  n=$(wc -l <"$WORK/rows")
  sum=$(sha256sum <"$WORK/rows")
  printf '%s %s %s\n' "$1" "$n" "${sum%% *}"
}
digest() {
  local out=$1 t
  : >"$out"
  if [ "$BACKEND" = sqlite ]; then
    while read -r t; do
      sqlite3 -batch -readonly "$DB_FILE" ".mode quote" "SELECT * FROM \"$t\"" | LC_ALL=C sort >"$WORK/rows"
      digest_line "$t" >>"$out"
    done < <(sqlite3 -batch -readonly "$DB_FILE" "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
  else
    while read -r t; do
      psql -XAtq "$DB_URL" -c "SELECT t::text FROM $t t" | LC_ALL=C sort >"$WORK/rows"
      digest_line "$t" >>"$out"
    done < <(psql -XAtq "$DB_URL" -c "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname IN ('sistemaaps', 'public') ORDER BY 1")
  fi
  [ -s "$out" ] || fail "no table to digest"
}

SUMMARY=()
for BACKEND in $BACKENDS; do
  step "[$BACKEND] a database with a synthetic municipality ($CITIZENS citizens)"
  DIR="$WORK/$BACKEND"
  mkdir -p "$DIR"
  if [ "$BACKEND" = sqlite ]; then
    DB_FILE="$DIR/data/sistema-aps.db"
    DB_URL="sqlite://$DB_FILE?mode=rwc"
  else
    pg_isready -q -h 127.0.0.1 -p 5432 || fail "PostgreSQL is not running on 127.0.0.1:5432 (.ci/run starts it)"
    DB_NAME="sistemaaps_drill_$$"
    DB_URL="${PG_ADMIN%/*}/$DB_NAME"
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB_NAME" >/dev/null
    DROP_DB=$DB_NAME
  fi
  export APS_DATABASE__URL="$DB_URL"
  export APS_BACKUP__DIRECTORY="$DIR/backups"
  export APS_BACKUP__AGE_RECIPIENT="$RECIPIENT"
  export APS_BACKUP__TEXTFILE_PATH="$DIR/sistema-aps-backup.prom"
  export RUST_LOG=warn
  "$BIN" migrate --mirror >/dev/null
  "$BIN" seed --citizens "$CITIZENS" --seed 42
  passed "[$BACKEND] seeded"

  step "[$BACKEND] activity: a user signs in through the form and opens worklists"
  out=$("$BIN" user add drill.coordenacao --name "Coordenação (simulado)" --role coordinator 2>&1) ||
    fail "user add: $out"
  temp=${out##* }
  PASSWORD="drill-${temp}-9"
  start_app "$DIR/app1.log"
  session=$(sign_in drill.coordenacao "$temp")
  [ -n "$session" ] || fail "first sign-in"
  csrf=$(curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$WEB/senha" |
    sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | sed -n 1p)
  [ -n "$csrf" ] || fail "no CSRF token on /senha"
  code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" --data-urlencode "csrf=$csrf" \
    --data-urlencode "atual=$temp" --data-urlencode "nova=$PASSWORD" --data-urlencode "confirmacao=$PASSWORD" "$WEB/senha")
  # A changed password ends the session and redirects to the sign-in page.
  [ "$code" = 303 ] || fail "POST /senha answered $code, expected 303"
  [ -z "$(sign_in drill.coordenacao "$temp")" ] || fail "the temporary password still signs in after the change"
  session=$(sign_in drill.coordenacao "$PASSWORD")
  [ -n "$session" ] || fail "sign-in with the new password"
  for q in "" "?controle=nao_controlada" "?controle=nao_controlada&page=2" "?busca=maria"; do
    code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" "$WEB/hipertensos$q")
    [ "$code" = 200 ] || fail "GET /hipertensos$q answered $code"
  done
  [ -z "$(sign_in drill.coordenacao wrong-password-1)" ] || fail "a wrong password signed in"
  stop_app
  "$BIN" audit verify
  passed "[$BACKEND] sign-in, password change, 4 worklists, a failed sign-in; audit chain intact"

  step "[$BACKEND] back up (encrypted to an age recipient) and verify the backup"
  digest "$DIR/before.txt"
  t0=$(now)
  "$BIN" backup
  t1=$(now)
  BACKUP_SECS=$(secs "$t0" "$t1")
  FILE=$(find "$DIR/backups" -maxdepth 1 -name 'sistema-aps-*.tar.age' | head -1)
  if [ -z "$FILE" ] || [ ! -f "$FILE.sha256" ]; then fail "no encrypted backup with its checksum"; fi
  grep -q '^sistema_aps_backup_last_success_timestamp_seconds [0-9]' "$APS_BACKUP__TEXTFILE_PATH" ||
    fail "the textfile metric was not written"
  # The format is open: sha256sum and age read it without the app.
  (cd "$DIR/backups" && sha256sum -c --quiet "$(basename "$FILE").sha256") || fail "sha256sum -c"
  age -d -i "$WORK/identity.txt" "$FILE" | tar -t >"$WORK/tar-list"
  grep -qx manifest.json "$WORK/tar-list" || fail "manifest.json not in the archive"
  if "$BIN" backup verify "$FILE" >/dev/null 2>&1; then fail "verify without the identity must be refused"; fi
  "$BIN" backup verify --identity "$WORK/identity.txt" "$FILE"
  passed "[$BACKEND] backup in ${BACKUP_SECS} s; checksum, age + tar readable, backup verify"

  step "[$BACKEND] disaster: the database is destroyed"
  if [ "$BACKEND" = sqlite ]; then
    rm -f "$DB_FILE" "$DB_FILE-wal" "$DB_FILE-shm"
    [ ! -e "$DB_FILE" ] || fail "database file still there"
  else
    psql -q "$PG_ADMIN" -c "DROP DATABASE $DB_NAME WITH (FORCE)" >/dev/null
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $DB_NAME" >/dev/null
  fi
  if "$BIN" restore "$FILE" >/dev/null 2>&1; then fail "restore without the identity must be refused"; fi

  step "[$BACKEND] restore into the empty database"
  t0=$(now)
  "$BIN" restore --identity "$WORK/identity.txt" "$FILE"
  t1=$(now)
  RESTORE_SECS=$(secs "$t0" "$t1")
  digest "$DIR/after.txt"
  if ! diff -u "$DIR/before.txt" "$DIR/after.txt"; then fail "restored data differs"; fi
  tables=$(wc -l <"$DIR/after.txt")
  rows=$(awk '{ s += $2 } END { print s }' "$DIR/after.txt")
  "$BIN" audit verify
  passed "[$BACKEND] restored in ${RESTORE_SECS} s: $tables tables, $rows rows identical (count + digest); audit chain intact"

  step "[$BACKEND] the service comes back"
  t2=$(now)
  start_app "$DIR/app2.log"
  "$BIN" health --url "$WEB/ready" || fail "/ready after the restore"
  t3=$(now)
  START_SECS=$(secs "$t2" "$t3")
  session=$(sign_in drill.coordenacao "$PASSWORD")
  [ -n "$session" ] || fail "the restored user cannot sign in"
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" "$WEB/hipertensos")
  [ "$code" = 200 ] || fail "worklist after restore answered $code"
  stop_app
  passed "[$BACKEND] /ready 200 in ${START_SECS} s after start; the user signs in with the same password"

  size=$(du -h "$FILE")
  SUMMARY+=("$(printf '%-9s %8s citizens %4s tables %9s rows  backup %6s s  restore %6s s  start→ready %5s s  file %s' \
    "$BACKEND" "$CITIZENS" "$tables" "$rows" "$BACKUP_SECS" "$RESTORE_SECS" "$START_SECS" "${size%%[[:space:]]*}")")
  if [ "$BACKEND" = postgres ]; then
    psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $DB_NAME WITH (FORCE)" >/dev/null
    DROP_DB=""
  fi
  unset APS_DATABASE__URL APS_BACKUP__DIRECTORY APS_BACKUP__AGE_RECIPIENT APS_BACKUP__TEXTFILE_PATH
done

step "measured (debug build, this machine)"
printf '%s\n' "${SUMMARY[@]}"
finish
