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
      "$pkg" "$upstream" "$(printf '%s ' $versions)" >&2
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
