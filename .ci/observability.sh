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

PROMETHEUS_DEB_VERSION="2.42.0+ds-5+deb12u1"
ALERTMANAGER_DEB_VERSION="0.25.0-1+b4"
# (Not APS_*: the app reads every APS_* variable as configuration.)
TOOLS="${OBSERVABILITY_TOOLS_DIR:-/var/tmp/sistema-aps-tools}"

step() { printf '\n==> %s\n' "$*"; }
PASSED=0
passed() { PASSED=$((PASSED + 1)); }

# --- tools ---------------------------------------------------------------------------------
fetch_deb() { # package version
  local pkg=$1 version=$2
  local dir="$TOOLS/$pkg-$version"
  if [ ! -d "$dir/usr/bin" ]; then
    mkdir -p "$TOOLS/debs" "$dir"
    (cd "$TOOLS/debs" && { apt-get download -q "$pkg=$version" 2>/dev/null ||
      { apt-get update -qq && apt-get download -q "$pkg=$version"; }; }) >&2
    dpkg -x "$TOOLS/debs/${pkg}_${version/:/%3a}_$(dpkg --print-architecture).deb" "$dir"
  fi
  printf '%s/usr/bin' "$dir"
}

step "promtool $PROMETHEUS_DEB_VERSION and amtool $ALERTMANAGER_DEB_VERSION (Debian, dpkg -x)"
PROMTOOL="$(fetch_deb prometheus "$PROMETHEUS_DEB_VERSION")/promtool"
AMTOOL="$(fetch_deb prometheus-alertmanager "$ALERTMANAGER_DEB_VERSION")/amtool"
"$PROMTOOL" --version | head -1
"$AMTOOL" --version | head -1
PYTHON=/usr/bin/python3
if ! "$PYTHON" -c 'import yaml' 2>/dev/null; then
  apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null ||
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-yaml >/dev/null; }
fi

# --- the live /metrics of the real binary --------------------------------------------------
step "build the binary"
cargo build --locked --bin sistema-aps
BIN="$CARGO_TARGET_DIR/debug/sistema-aps"

WORK="$(mktemp -d)"
APP_PID=""
cleanup() {
  if [ -n "$APP_PID" ] && kill -0 "$APP_PID" 2>/dev/null; then kill "$APP_PID" || true; fi
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
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true)
  METRICS=$(grep '"message":"metrics are served"' "$WORK/app.log" |
    sed -n 's/.*"url":"\([^"]*\)".*/\1/p' | head -1 || true)
  [ -n "$WEB" ] && [ -n "$METRICS" ] && break
  kill -0 "$APP_PID" 2>/dev/null || { cat "$WORK/app.log"; echo "the app exited"; exit 1; }
  sleep 0.1
done
[ -n "$WEB" ] && [ -n "$METRICS" ] || { cat "$WORK/app.log"; echo "the app did not start"; exit 1; }
echo "web $WEB, metrics $METRICS"

# Some traffic so every family has samples; `sistema-aps health` is the HTTP client (the
# same one containers without curl use).
"$BIN" health --url "${WEB}ready"
"$BIN" health --url "${WEB}entrar" >/dev/null
# Anonymous: the worklist redirects to the sign-in page (303), which `health` reports as 1.
if "$BIN" health --url "${WEB}hipertensos?controle=nao_controlada" >/dev/null 2>&1; then
  echo "an anonymous worklist must redirect (exit 1)"; exit 1
fi
if "$BIN" health --url "${WEB}nao-existe" >/dev/null 2>&1; then
  echo "a missing page must make health exit 1"; exit 1
fi
if "$BIN" health --url "${WEB}metrics" >/dev/null 2>&1; then
  echo "/metrics must not be served on the web listener"; exit 1
fi
"$BIN" health --url "$METRICS" >"$WORK/metrics.txt"
echo "$(grep -c '^# TYPE' "$WORK/metrics.txt") metric families"
passed # the binary served the probes, the pages and /metrics as expected

step "promtool check metrics (the live exposition)"
"$PROMTOOL" check metrics <"$WORK/metrics.txt"
echo "SUCCESS"
passed

step "promtool check config / rules, promtool test rules"
"$PROMTOOL" check config monitoring/prometheus/prometheus.yml
passed
"$PROMTOOL" check rules monitoring/prometheus/rules/*.yml
passed
(cd monitoring/prometheus && "$PROMTOOL" test rules tests/*.test.yml)
passed

step "amtool check-config"
"$AMTOOL" check-config monitoring/alertmanager/alertmanager.yml
passed

step "dashboard and metric names (monitoring/check.py)"
"$PYTHON" monitoring/check.py --promtool "$PROMTOOL" --metrics "$WORK/metrics.txt"
passed

step "SIGTERM: clean exit"
kill -TERM "$APP_PID"
wait "$APP_PID"
APP_PID=""
grep -q '"message":"stopped"' "$WORK/app.log"
passed
# The plain closing line CI reads (every check above stops the script when it fails).
echo "observability: $PASSED passed, 0 failed"
