# shellcheck shell=bash
# Shared prelude of the .ci/*.sh scripts: sourced, never run.
#
# Debian pins. Debian 12 removes a package version from its archive as soon as a stable or
# security update replaces it (nginx 1.22.1-9+deb12u11 went that way), and `apt-cache show
# pkg=version` exits 0 even for a version the archive no longer has. So a pin names the
# *upstream* version the checks were written against (what decides the tool's behaviour), and
# the newest Debian revision of exactly that upstream version is taken; the log says which.
# When no revision of the pinned upstream version is available the step fails: a new upstream
# version is a change to review, not a silent fallback.

# Prints the newest version of PACKAGE in the archive whose upstream part is UPSTREAM
# (e.g. `deb_resolve nginx 1.22.1` -> 1.22.1-9+deb12u12); fails when there is none.
deb_resolve() { # PACKAGE UPSTREAM
  local pkg=$1 upstream=$2 versions best="" v
  versions=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}')
  if ! printf '%s\n' "$versions" | grep -q "^\([0-9]*:\)\?${upstream//./\\.}[-+]\?"; then
    apt-get update -qq >&2
    versions=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}')
  fi
  for v in $versions; do
    case "${v#*:}" in
      "$upstream"-* | "$upstream"+* | "$upstream") ;;
      *) continue ;;
    esac
    if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$best"; then best=$v; fi
  done
  if [ -z "$best" ]; then
    printf 'FAIL: no %s %s-* in the Debian archive (available: %s); review the new version and update the pin\n' \
      "$pkg" "$upstream" "$(printf '%s' "$versions" | tr '\n' ' ')" >&2
    return 1
  fi
  printf '%s' "$best"
}

# Unpacks PACKAGE=VERSION... (no maintainer scripts run) into DIR, which is trusted later only
# when its `.complete` marker names the same packages and versions.
deb_unpack() { # DIR PACKAGE=VERSION...
  local dir=$1 spec manifest tmp
  shift
  manifest=$(printf '%s\n' "$@")
  if [ -f "$dir/.complete" ] && [ "$(cat "$dir/.complete")" = "$manifest" ]; then
    return 0
  fi
  rm -rf "$dir"
  mkdir -p "$dir"
  tmp=$(mktemp -d)
  chmod 0755 "$tmp" # apt downloads as _apt
  for spec in "$@"; do
    (cd "$tmp" && apt-get download -qq "$spec") || { rm -rf "$tmp"; return 1; }
  done
  for spec in "$tmp"/*.deb; do dpkg-deb -x "$spec" "$dir" || { rm -rf "$tmp"; return 1; }; done
  rm -rf "$tmp"
  printf '%s\n' "$manifest" > "$dir/.complete"
}

# Installs the newest Debian revision of each NAME=UPSTREAM (deb_resolve) unless exactly that
# version is installed already; the log names the version taken. Fails when one is missing.
apt_pinned() { # NAME=UPSTREAM...
  local missing=() spec name version
  for spec in "$@"; do
    name="${spec%%=*}"
    version="$(deb_resolve "$name" "${spec#*=}")" || return 1
    echo "$name: pinned ${spec#*=} -> Debian $version"
    [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null)" = "$version" ] && continue
    missing+=("$name=$version")
  done
  [ ${#missing[@]} = 0 ] && return 0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Installs packages whose exact version does not decide any check (sqlite3, curl, python3-yaml).
apt_install() { # PACKAGE...
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null; }
}

# Step headers, counted passes and one closing line: every script ends with
# "NAME: N passed, 0 failed" or stops at its first failure with "NAME: N passed, 1 failed".
# A check either stops the script on failure (set -e, `|| fail`) or is not a check: no
# `cmd && echo ok` (under set -e a failure on the left of && does not stop the script), no
# `|| true` on a result, no `$(cmd)` inside a log line (its failure would only blank the line).
CI_NAME="${CI_NAME:-$(basename "$0" .sh)}"
CI_T0=$SECONDS
CI_PASSED=0
step() { printf '\n==> [%4ds] %s\n' "$((SECONDS - CI_T0))" "$*"; }
passed() {
  CI_PASSED=$((CI_PASSED + 1))
  printf 'ok: %s\n' "$*"
}
fail() {
  trap - ERR
  printf '%s: FAIL: %s\n' "$CI_NAME" "$*" >&2
  printf '%s: %d passed, 1 failed\n' "$CI_NAME" "$CI_PASSED" >&2
  exit 1
}
finish() { printf '\n%s: %d passed, 0 failed (%d s)\n' "$CI_NAME" "$CI_PASSED" "$((SECONDS - CI_T0))"; }
# A command that stops the script under set -e says so in the same words as fail() (a failing
# function call is reported at the line that called it).
ci_on_err() { # status line command
  trap - ERR
  printf '%s: FAIL: exit status %s at line %s: %s\n' "$CI_NAME" "$1" "$2" "$3" >&2
  printf '%s: %d passed, 1 failed\n' "$CI_NAME" "$CI_PASSED" >&2
}
trap 'ci_on_err $? $LINENO "$BASH_COMMAND"' ERR
