#!/usr/bin/env bash
# Fault test "disk full" (issue 17), for the SQLite file and for the backup directory, on
# small tmpfs mounts (`mount -t tmpfs -o size=…`; CI runs as root) that a filler file fills
# to the last byte:
#   * SQLite: the app serves from a file on a 64 MiB tmpfs; the filesystem is filled while it
#     runs. /ready answers 503 naming "disk full"; writes (an action through the API, a page
#     view's audit row) answer 503 with "Sem espaço para gravar" (problem JSON `sem-espaco`,
#     the page's message) or succeed where SQLite still had room — never a 500, never a crash.
#     The filler is removed: /ready is 200 again, writes succeed, `PRAGMA integrity_check` is
#     ok, every write acknowledged before or during the fault is there, the audit chain
#     verifies.
#   * Backup directory on a full 1 MiB tmpfs: `sistema-aps backup` fails saying why (no space),
#     leaves no partial file and does not touch the "last success" textfile; /ready stays 200
#     but warns "backup directory full". The mount is grown (remount, size=64m): the backup
#     succeeds and `backup verify` passes.
# Prints the figures (writes ok/503 while full, time from freeing space to /ready 200).
# Loopback only; mounts are unmounted at the end; about 30 s once the binary is built.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"

# shellcheck source=.ci/lib.sh
source .ci/lib.sh
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }

WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
  # (cleanup after a failure: best effort)
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill -KILL "$APP_PID" || true; wait "$APP_PID" 2>/dev/null || true; fi
  for m in "$WORK/data" "$WORK/backups"; do
    if mountpoint -q "$m"; then umount "$m" || umount -l "$m" || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

step "tools and mounts"
command -v sqlite3 >/dev/null || apt_install sqlite3
command -v curl >/dev/null || apt_install curl
mkdir -p "$WORK/data" "$WORK/backups"
mount -t tmpfs -o size=64m,mode=0700 tmpfs "$WORK/data" || fail "cannot mount a tmpfs (needs root)"
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$WORK/backups" || fail "cannot mount a tmpfs (needs root)"
passed "tmpfs: data 64 MiB, backups 1 MiB"

step "build the binary"
cargo build --locked --bin sistema-aps
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

DB_FILE="$WORK/data/sistema-aps.db"
export APS_DATABASE__URL="sqlite://$DB_FILE?mode=rwc"
export APS_BACKUP__DIRECTORY="$WORK/backups"
export APS_BACKUP__TEXTFILE_PATH="$WORK/sistema-aps-backup.prom"
export RUST_LOG=error
"$BIN" migrate --mirror >/dev/null
"$BIN" seed --citizens 300 --seed 7 >/dev/null
out=$("$BIN" user add disk.coordenacao --name "Coordenação (disco)" --role coordinator 2>&1) || fail "user add: $out"
temp=${out##* }
"$BIN" token create --user disk.coordenacao --name "disk full" >"$WORK/token.txt"
TOKEN=$(tail -1 "$WORK/token.txt")
PERSON=$(sqlite3 -readonly "$DB_FILE" "SELECT co_seq_cidadao FROM hypertension_summary WHERE pending_actions = 0 ORDER BY co_seq_cidadao LIMIT 1")
[ -n "$PERSON" ] || fail "no person to write about"
env -u RUST_LOG APS_SERVER__LISTEN=127.0.0.1:0 APS_METRICS__ENABLED=false APS_LOG__FORMAT=json \
  APS_DEMO__SEED_ON_FIRST_START=false "$BIN" serve >/dev/null 2>"$WORK/app.log" &
APP_PID=$!
WEB=""
for _ in $(seq 1 600); do
  WEB=$(grep '"message":"Sistema APS is listening"' "$WORK/app.log" | sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true) # polled
  [ -n "$WEB" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; fail "the app exited"; }
  sleep 0.1
done
[ -n "$WEB" ] || fail "the app did not start"
WEB=${WEB%/}
"$BIN" health --url "$WEB/ready" >/dev/null || fail "/ready before the fault"
# The provisional password is changed at the first sign-in (tokens of a user who has not
# done it are refused), as .ci/backup-drill.sh does.
pre=$(curl -fsS --max-time 10 -D - -o /dev/null "$WEB/entrar" | sed -n 's/^[Ss]et-[Cc]ookie: aps_csrf_entrar=\([^;]*\).*/\1/p' | tr -d '\r')
session=$(curl -sS --max-time 30 -D - -o /dev/null -H "Cookie: aps_csrf_entrar=$pre" --data-urlencode "csrf=$pre" \
  --data-urlencode "usuario=disk.coordenacao" --data-urlencode "senha=$temp" "$WEB/entrar" |
  sed -n 's/^[Ss]et-[Cc]ookie: aps_sessao=\([^;]*\).*/\1/p' | tr -d '\r')
[ -n "$session" ] || fail "sign-in"
csrf=$(curl -fsS --max-time 10 -H "Cookie: aps_sessao=$session" "$WEB/senha" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | sed -n 1p)
[ -n "$csrf" ] || fail "no CSRF token on /senha"
code=$(curl -sS --max-time 30 -o /dev/null -w '%{http_code}' -H "Cookie: aps_sessao=$session" --data-urlencode "csrf=$csrf" \
  --data-urlencode "atual=$temp" --data-urlencode "nova=disk-${temp}-9" --data-urlencode "confirmacao=disk-${temp}-9" "$WEB/senha")
[ "$code" = 303 ] || fail "POST /senha answered $code"
passed "serving $WEB from $DB_FILE ($(du -h "$DB_FILE" | cut -f1))"

# writes N OUT: N schedule+cancel pairs through the API; one line per answer in OUT:
# "status problem-type acao".
writes() {
  python3 - "$WEB" "$TOKEN" "$PERSON" "$1" >>"$2" <<'PY'
import datetime, http.client, json, sys
from urllib.parse import urlparse
web, token, person, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
u = urlparse(web)
hdr = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
due = (datetime.date.today() + datetime.timedelta(days=7)).isoformat()
def post(path, body):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    try:
        c.request("POST", path, json.dumps(body), hdr)
        r = c.getresponse(); d = r.read()
        kind = ""
        if "problem+json" in (r.getheader("Content-Type") or ""):
            kind = json.loads(d).get("type", "")
        return r.status, kind, d
    except (OSError, http.client.HTTPException) as e:
        return f"{type(e).__name__}", "", b""
    finally:
        c.close()
kinds = ["agendar_hiperdia", "iniciar_mrpa", "solicitar_exames", "avaliar_rcv"]
k = 0
for _ in range(n):
    s, kind, d = post(f"/api/v1/hipertensos/{person}/acoes", {"tipo": kinds[k % 4], "prazo": due})
    acao = json.loads(d)["acao"] if s == 201 else ""
    print(s, kind or "-", acao or "-")
    if s == 409:
        k += 1
    if s == 201:
        s2, kind2, _ = post(f"/api/v1/hipertensos/{person}/acoes/{acao}/cancelar", {"motivo": "teste"})
        print(s2, kind2 or "-", f"cancel-{acao}" if s2 == 200 else "-")
PY
}

step "[SQLite] writes before the fault"
: >"$WORK/writes.txt"
writes 5 "$WORK/writes.txt"
[ "$(grep -c '^201 ' "$WORK/writes.txt")" = 5 ] || { cat "$WORK/writes.txt"; fail "writes before the fault"; }
passed "5 actions scheduled and cancelled"

step "[SQLite] the filesystem of the database fills up"
if dd if=/dev/zero of="$WORK/data/filler" bs=1M status=none 2>"$WORK/dd.txt"; then fail "dd did not fill the tmpfs"; fi
grep -q 'No space left' "$WORK/dd.txt" || fail "dd: $(cat "$WORK/dd.txt")"
ready=$(curl -sS --max-time 15 -o "$WORK/ready.json" -w '%{http_code}' "$WEB/ready")
[ "$ready" = 503 ] || fail "/ready answered $ready on a full disk"
grep -q '"reason":"disk full' "$WORK/ready.json" || fail "/ready does not say why: $(cat "$WORK/ready.json")"
: >"$WORK/full.txt"
writes 40 "$WORK/full.txt"
page=$(curl -sS --max-time 30 -o "$WORK/page.html" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$WEB/api/v1/equipes")
full_ok=$(grep -c '^20[01] ' "$WORK/full.txt" || true) # counted, 0 is fine
full_503=$(grep -c '^503 urn:sistema-aps:problema:sem-espaco ' "$WORK/full.txt" || true) # counted below
full_busy=$(grep -c '^503 urn:sistema-aps:problema:banco-ocupado ' "$WORK/full.txt" || true) # counted
other=$(grep -v -c -E '^(20[01]|409) |^503 urn:sistema-aps:problema:(sem-espaco|banco-ocupado) ' "$WORK/full.txt" || true) # must be 0
[ "$other" = 0 ] || { grep -v -E '^(20[01]|409) |^503 urn:sistema-aps:problema:(sem-espaco|banco-ocupado) ' "$WORK/full.txt" | head; grep -v '"level":"INFO"' "$WORK/app.log" | head -8; fail "$other answers neither a success nor 503 sem-espaco"; }
[ "$full_503" -gt 0 ] || fail "no write was refused on a full disk (SQLite always had room?)"
kill -0 "$APP_PID" 2>/dev/null || fail "the app exited on a full disk"
printf 'while full: %s writes ok, %s answered 503 sem-espaco, %s 503 banco-ocupado, API read %s; /ready 503: %s\n' \
  "$full_ok" "$full_503" "$full_busy" "$page" "$(cat "$WORK/ready.json")"
passed "/ready 503 \"disk full\"; writes 503 sem-espaco (or ok), no 500, no crash"

step "[SQLite] space returns"
t0=$(now)
rm -f "$WORK/data/filler"
for _ in $(seq 1 100); do
  "$BIN" health --url "$WEB/ready" >/dev/null 2>&1 && break # polled
  sleep 0.1
done
"$BIN" health --url "$WEB/ready" >/dev/null || fail "/ready not 200 after freeing space"
READY_SECS=$(secs "$t0" "$(now)")
: >"$WORK/after.txt"
writes 3 "$WORK/after.txt"
[ "$(grep -c '^201 ' "$WORK/after.txt")" = 3 ] || { cat "$WORK/after.txt"; fail "writes after space returned"; }
[ "$(sqlite3 -readonly "$DB_FILE" 'PRAGMA integrity_check')" = ok ] || fail "integrity_check"
acked=$(cat "$WORK/writes.txt" "$WORK/full.txt" "$WORK/after.txt" | awk '$1 == 201 { print $3 }' | sort -n | tr '\n' ',' | sed 's/,$//')
n_acked=$(printf '%s' "$acked" | tr ',' '\n' | grep -c . || true) # counted
n_found=$(sqlite3 -readonly "$DB_FILE" "SELECT COUNT(*) FROM care_action WHERE id IN ($acked)")
[ "$n_found" = "$n_acked" ] || fail "acknowledged actions: $n_acked, found $n_found"
cancelled=$(cat "$WORK/writes.txt" "$WORK/full.txt" "$WORK/after.txt" | awk '$1 == 200 && $3 ~ /^cancel-/ { sub("cancel-", "", $3); print $3 }' | tr '\n' ',' | sed 's/,$//')
if [ -n "$cancelled" ]; then
  n_bad=$(sqlite3 -readonly "$DB_FILE" "SELECT COUNT(*) FROM care_action WHERE id IN ($cancelled) AND status <> 'cancelled'")
  [ "$n_bad" = 0 ] || fail "$n_bad acknowledged cancellations not applied"
fi
mismatch=$(sqlite3 -readonly "$DB_FILE" "SELECT COUNT(*) FROM hypertension_summary h WHERE co_seq_cidadao = $PERSON AND pending_actions <> (SELECT COUNT(*) FROM care_action a WHERE a.co_cidadao = h.co_seq_cidadao AND a.status = 'pending')")
[ "$mismatch" = 0 ] || fail "the read model's follow-up columns disagree with the actions"
"$BIN" audit verify >/dev/null || fail "audit verify"
passed "/ready 200 ${READY_SECS} s after freeing space; integrity ok; $n_acked acknowledged actions all there; follow-up consistent; audit chain verifies"

step "[backups] the backup directory is full"
if dd if=/dev/zero of="$WORK/backups/filler" bs=1M status=none 2>/dev/null; then fail "dd did not fill the backup tmpfs"; fi
curl -sS --max-time 15 -o "$WORK/ready.json" "$WEB/ready"
grep -q 'backup directory full' "$WORK/ready.json" || fail "/ready does not warn: $(cat "$WORK/ready.json")"
grep -q '"status":"ready"' "$WORK/ready.json" || fail "/ready is not ready: $(cat "$WORK/ready.json")"
rm -f "$WORK/backups/filler"
# 1 MiB free again: less than the database's copy needs.
status=0
"$BIN" backup >"$WORK/backup.out" 2>&1 || status=$?
[ "$status" != 0 ] || fail "the backup succeeded on a 1 MiB directory"
grep -qi 'No space left\|disk is full\|espaço' "$WORK/backup.out" || fail "the backup error does not say why: $(cat "$WORK/backup.out")"
left=$(find "$WORK/backups" -mindepth 1 | wc -l)
[ "$left" = 0 ] || { find "$WORK/backups"; fail "the failed backup left $left file(s)"; }
[ ! -e "$APS_BACKUP__TEXTFILE_PATH" ] || fail "the textfile was written by a failed backup"
printf 'backup on a full directory: exit %s: %s\n' "$status" "$(tail -1 "$WORK/backup.out")"
passed "backup fails saying why, leaves nothing, last-success textfile untouched; /ready warns"

step "[backups] the volume grows: the backup succeeds"
mount -o remount,size=64m "$WORK/backups"
"$BIN" backup >/dev/null
FILE=$(find "$WORK/backups" -maxdepth 1 -name 'sistema-aps-*.tar*' ! -name '*.sha256' | head -1)
[ -n "$FILE" ] || fail "no backup file"
"$BIN" backup verify "$FILE" >/dev/null || fail "backup verify"
grep -q '^sistema_aps_backup_last_success_timestamp_seconds [0-9]' "$APS_BACKUP__TEXTFILE_PATH" || fail "textfile"
passed "backup $(du -h "$FILE" | cut -f1) written and verified after the volume grew"

step "stop the app"
kill -TERM "$APP_PID"
status=0
wait "$APP_PID" || status=$?
APP_PID=""
[ "$status" = 0 ] || fail "the app exited with status $status"
passed "the app exits 0"
finish
