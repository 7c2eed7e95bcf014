#!/usr/bin/env bash
# Offline checks of the observability artefacts (issue 5):
#   * the live /metrics of the real binary (SQLite, a tiny synthetic municipality) passes
#     `promtool check metrics`;
#   * monitoring/prometheus: `promtool check config` (which re-checks the rule files),
#     `promtool check rules`, `promtool test rules` (every alert fires and stays silent);
#   * monitoring/alertmanager: `amtool check-config`;
#   * monitoring/check.py: the Grafana dashboard (datasource variable, units, windows, every
#     expression parsed by promtool) and every metric name of the rules and the dashboard
#     against that live /metrics.
# promtool and amtool come from Debian's packages, pinned, unpacked with `dpkg -x` (no
# Prometheus daemon is installed or started). Runs as root on Debian 12, like .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TERM_COLOR=never
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/sistema-aps-target}"

# Upstream versions the checks were written against (Debian 12); the newest Debian revision of
# each is taken (a security update does not break CI), a different upstream version fails.
PROMETHEUS_VERSION="2.42.0"
ALERTMANAGER_VERSION="0.25.0"
# (Not APS_*: the app reads every APS_* variable as configuration.)
TOOLS="${OBSERVABILITY_TOOLS_DIR:-/var/tmp/sistema-aps-tools}"

# shellcheck source=.ci/lib.sh
source .ci/lib.sh

# --- tools ---------------------------------------------------------------------------------
# Unpacks the newest Debian revision of PACKAGE's pinned upstream version (deb_resolve,
# deb_unpack in .ci/lib.sh); prints its usr/bin.
fetch_deb() { # package upstream
  local version dir
  version="$(deb_resolve "$1" "$2")" || return 1
  dir="$TOOLS/$1-$version"
  deb_unpack "$dir" "$1=$version" >&2 || return 1
  echo "$1: pinned $2 -> Debian $version" >&2
  printf '%s/usr/bin' "$dir"
}

step "promtool $PROMETHEUS_VERSION and amtool $ALERTMANAGER_VERSION (Debian, dpkg -x)"
PROMTOOL_BIN="$(fetch_deb prometheus "$PROMETHEUS_VERSION")" || fail "prometheus $PROMETHEUS_VERSION"
AMTOOL_BIN="$(fetch_deb prometheus-alertmanager "$ALERTMANAGER_VERSION")" || fail "prometheus-alertmanager $ALERTMANAGER_VERSION"
PROMTOOL="$PROMTOOL_BIN/promtool"
AMTOOL="$AMTOOL_BIN/amtool"
PROMTOOL_SAYS="$("$PROMTOOL" --version 2>&1)"
AMTOOL_SAYS="$("$AMTOOL" --version 2>&1)"
case "$PROMTOOL_SAYS" in *"version $PROMETHEUS_VERSION"*) ;; *) fail "promtool says '$PROMTOOL_SAYS'" ;; esac
case "$AMTOOL_SAYS" in *"version $ALERTMANAGER_VERSION"*) ;; *) fail "amtool says '$AMTOOL_SAYS'" ;; esac
printf '%s\n' "$PROMTOOL_SAYS" "$AMTOOL_SAYS" | grep ' version '
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import yaml' 2>/dev/null || apt_install python3-yaml
passed "tools: promtool $PROMETHEUS_VERSION, amtool $ALERTMANAGER_VERSION"

# --- the live /metrics of the real binary --------------------------------------------------
step "build the binary"
cargo build --locked --bin sistema-aps
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill "$APP_PID" || true; fi # cleanup only
  rm -rf "$WORK"
}
trap cleanup EXIT

step "start it on SQLite with 300 synthetic citizens, ports chosen by the kernel"
APS_DATABASE__URL="sqlite://$WORK/aps.db?mode=rwc" \
  APS_DEMO__CITIZENS=300 \
  APS_SERVER__LISTEN=127.0.0.1:0 \
  APS_METRICS__LISTEN=127.0.0.1:0 \
  APS_LOG__FORMAT=json \
  "$BIN" serve >"$WORK/stdout.log" 2>"$WORK/app.log" &
APP_PID=$!
WEB="" METRICS=""
for _ in $(seq 1 600); do
  WEB=$(grep '"message":"Sistema APS is listening"' "$WORK/app.log" |
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true) # polled: checked below
  METRICS=$(grep '"message":"metrics are served"' "$WORK/app.log" |
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true)
  [ -n "$WEB" ] && [ -n "$METRICS" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; fail "the app exited"; }
  sleep 0.1
done
if [ -z "$WEB" ] || [ -z "$METRICS" ]; then cat "$WORK/app.log"; fail "the app did not start"; fi
echo "web $WEB, metrics $METRICS"

# Some traffic so every family has samples; `sistema-aps health` is the HTTP client (the
# same one containers without curl use).
"$BIN" health --url "${WEB}ready" || fail "/ready"
"$BIN" health --url "${WEB}entrar" >/dev/null || fail "/entrar"
# Anonymous: the worklist redirects to the sign-in page (303), which `health` reports as 1.
if "$BIN" health --url "${WEB}hipertensos?controle=nao_controlada" >/dev/null 2>&1; then
  fail "an anonymous worklist must redirect (exit 1)"
fi
if "$BIN" health --url "${WEB}nao-existe" >/dev/null 2>&1; then
  fail "a missing page must make health exit 1"
fi
if "$BIN" health --url "${WEB}metrics" >/dev/null 2>&1; then
  fail "/metrics must not be served on the web listener"
fi
"$BIN" health --url "$METRICS" >"$WORK/metrics.txt" || fail "GET $METRICS"
FAMILIES="$(grep -c '^# TYPE' "$WORK/metrics.txt")" || fail "no metric family in /metrics"
passed "the binary served the probes, the pages and /metrics ($FAMILIES metric families)"

step "promtool check metrics (the live exposition)"
"$PROMTOOL" check metrics <"$WORK/metrics.txt" || fail "promtool check metrics"
passed "promtool check metrics: the live exposition"

step "promtool check config / rules, promtool test rules"
"$PROMTOOL" check config monitoring/prometheus/prometheus.yml || fail "promtool check config"
passed "promtool check config"
"$PROMTOOL" check rules monitoring/prometheus/rules/*.yml || fail "promtool check rules"
passed "promtool check rules"
(cd monitoring/prometheus && "$PROMTOOL" test rules tests/*.test.yml) || fail "promtool test rules"
passed "promtool test rules"

step "amtool check-config"
"$AMTOOL" check-config monitoring/alertmanager/alertmanager.yml || fail "amtool check-config"
passed "amtool check-config"

step "dashboard and metric names (monitoring/check.py)"
"$PYTHON" monitoring/check.py --promtool "$PROMTOOL" --metrics "$WORK/metrics.txt" || fail "monitoring/check.py"
passed "dashboard and metric names"

step "SIGTERM: clean exit"
kill -TERM "$APP_PID"
wait "$APP_PID" || fail "the app exited with status $? after SIGTERM"
APP_PID=""
grep -q '"message":"stopped"' "$WORK/app.log" || fail "no \"stopped\" line in the log"
passed "SIGTERM: exit status 0, \"stopped\" logged"
finish
