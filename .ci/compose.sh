#!/usr/bin/env bash
# Offline checks of the development stack deploy/compose/compose.yaml (no container engine):
#   * the file against the Compose Specification's JSON schema (check-jsonschema's bundled
#     vendor.compose-spec; PyPI, hash-pinned venv: .ci/compose/requirements.txt);
#   * .ci/compose/check.py: build contexts and Containerfiles exist, every repository file the
#     stack mounts exists (and parses, for YAML/JSON), named volumes declared, depends_on and
#     network_mode name real services, ports only on 127.0.0.1 and never twice;
#   * the stack's Prometheus configuration with the repository's rules: `promtool check config`
#     (Debian's prometheus package, unpacked with dpkg-deb -x, pinned as .ci/lib.sh says).
# Environment: COMPOSE_FILE_TO_CHECK (default deploy/compose/compose.yaml; used to prove the
# step fails on a broken file), APS_TOOLS_DIR (default /var/tmp/sistema-aps-tools).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"

PROMETHEUS_UPSTREAM=2.42.0+ds # Debian 12 upstream version (see .ci/lib.sh)
TOOLS="${APS_TOOLS_DIR:-/var/tmp/sistema-aps-tools}"
COMPOSE="${COMPOSE_FILE_TO_CHECK:-deploy/compose/compose.yaml}"

step "tools: check-jsonschema (PyPI, hash-pinned venv)"
VENV="$TOOLS/venv-compose-$(sha256sum .ci/compose/requirements.txt | cut -c1-12)"
if [ ! -x "$VENV/bin/python" ] || [ ! -f "$VENV/.complete" ]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --no-deps --require-hashes \
    -r .ci/compose/requirements.txt
  touch "$VENV/.complete"
fi
"$VENV/bin/check-jsonschema" --version

step "tools: promtool (Debian prometheus $PROMETHEUS_UPSTREAM, unpacked)"
PROMETHEUS_DEB="$(deb_resolve prometheus "$PROMETHEUS_UPSTREAM")"
PROM_ROOT="$TOOLS/prometheus-$PROMETHEUS_DEB"
deb_unpack "$PROM_ROOT" "prometheus=$PROMETHEUS_DEB"
PROMTOOL="$PROM_ROOT/usr/bin/promtool"
"$PROMTOOL" --version | head -1

step "$COMPOSE against the Compose Specification schema"
"$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$COMPOSE"
passed "compose schema"

step "$COMPOSE: build contexts, mounted files, volumes, services, ports"
"$VENV/bin/python" .ci/compose/check.py "$COMPOSE"
passed "build contexts, mounted files, volumes, services, ports"

step "the stack's prometheus.yml with the repository's rules (promtool check config)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# Laid out as the prometheus service mounts them.
cp deploy/compose/prometheus/prometheus.yml "$WORK/prometheus.yml"
cp -r monitoring/prometheus/rules "$WORK/rules"
"$PROMTOOL" check config "$WORK/prometheus.yml"
passed "promtool check config"

finish
