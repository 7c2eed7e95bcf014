#!/usr/bin/env bash
# Applies the host hardening of a Sistema APS server (Debian 12): nftables firewall,
# fail2ban jails, SSH drop-in, unattended security upgrades, journald retention.
# Idempotent: files already in place are left alone, services are reloaded only when
# something changed. Run as root from the repository (or the unpacked folder):
#
#   sudo bash hardening/apply.sh --dry-run     # say what would change, change nothing
#   sudo bash hardening/apply.sh
#
# Options:
#   --dry-run         print the actions, change nothing (root not required)
#   --skip-ssh        leave SSH alone
#   --allow-no-keys   install the SSH drop-in even if no administrator has an authorized key
#                     (you will lose password log-in: only with console access at hand)
# Checks (offline, as CI runs them): bash .ci/hardening.sh
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DRY_RUN=0
SKIP_SSH=0
ALLOW_NO_KEYS=0
CHANGED=()

for arg in "$@"; do
  case "$arg" in
    --dry-run) DRY_RUN=1 ;;
    --skip-ssh) SKIP_SSH=1 ;;
    --allow-no-keys) ALLOW_NO_KEYS=1 ;;
    -h | --help)
      sed -n '2,18p' "$0"
      exit 0
      ;;
    *)
      echo "apply.sh: unknown option $arg (see --help)" >&2
      exit 2
      ;;
  esac
done

say() { printf '==> %s\n' "$*"; }
die() {
  printf 'apply.sh: %s\n' "$*" >&2
  exit 1
}

# Runs a command, or prints it under --dry-run.
run() {
  if [ "$DRY_RUN" = 1 ]; then
    printf '    would run: %s\n' "$*"
  else
    "$@"
  fi
}

# install_file SRC DEST MODE: copies SRC to DEST unless identical; remembers DEST if changed.
install_file() {
  local src="$1" dest="$2" mode="$3"
  if [ -f "$dest" ] && cmp -s "$src" "$dest"; then
    printf '    unchanged: %s\n' "$dest"
    return 0
  fi
  if [ "$DRY_RUN" = 1 ]; then
    if [ -f "$dest" ]; then
      printf '    would update: %s\n' "$dest"
      diff -u "$dest" "$src" | sed 's/^/      /' || true
    else
      printf '    would create: %s\n' "$dest"
    fi
  else
    if [ -f "$dest" ]; then
      cp -p "$dest" "$dest.before-sistema-aps.$(date +%Y%m%d%H%M%S)"
    fi
    install -D -m "$mode" -o root -g root "$src" "$dest"
    printf '    installed: %s\n' "$dest"
  fi
  CHANGED+=("$dest")
}

changed() { # changed PATH...: whether any of them changed in this run
  local p c
  for p in "$@"; do
    for c in "${CHANGED[@]+"${CHANGED[@]}"}"; do
      [ "$p" = "$c" ] && return 0
    done
  done
  return 1
}

if [ "$DRY_RUN" = 0 ] && [ "$(id -u)" != 0 ]; then
  die "run as root (or with --dry-run)"
fi
if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  [ "${ID:-}" = debian ] || say "warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}"
fi

say "packages"
PKGS=(nftables fail2ban python3-systemd unattended-upgrades apt-listchanges needrestart)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  run apt-get update -q
  run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  printf '    installed already: %s\n' "${PKGS[*]}"
fi

say "firewall (nftables)"
if [ "$SKIP_SSH" = 0 ] && command -v sshd >/dev/null 2>&1; then
  # The ruleset opens port 22: refuse if sshd listens elsewhere (that would lock us out).
  port=$(sshd -T 2>/dev/null | awk '$1 == "port" {print $2; exit}')
  [ -z "$port" ] || [ "$port" = 22 ] || die "sshd listens on port $port; edit SSH_PORT in hardening/nftables.conf first"
fi
if command -v nft >/dev/null 2>&1; then
  nft -c -f "$HERE/nftables.conf" || die "hardening/nftables.conf does not pass nft -c"
fi
install_file "$HERE/nftables.conf" /etc/nftables.conf 0755
if changed /etc/nftables.conf; then
  run nft -f /etc/nftables.conf
fi
run systemctl enable --quiet nftables.service

say "fail2ban"
# The nginx jail needs its log file to exist, even before Nginx is installed.
if [ ! -e /var/log/nginx/error.log ]; then
  run install -d -m 0755 /var/log/nginx
  run touch /var/log/nginx/error.log
fi
install_file "$HERE/fail2ban/filter.d/sistema-aps.conf" /etc/fail2ban/filter.d/sistema-aps.conf 0644
install_file "$HERE/fail2ban/jail.d/sistema-aps.local" /etc/fail2ban/jail.d/sistema-aps.local 0644
if [ "$DRY_RUN" = 0 ]; then
  fail2ban-client -t >/dev/null || die "fail2ban-client -t: the configuration does not load"
fi
run systemctl enable --quiet fail2ban.service
if changed /etc/fail2ban/filter.d/sistema-aps.conf /etc/fail2ban/jail.d/sistema-aps.local; then
  run systemctl restart fail2ban.service
fi

if [ "$SKIP_SSH" = 0 ]; then
  say "SSH"
  keys=0
  homes=(/root)
  IFS=, read -r -a admins <<<"$(getent group sudo | cut -d: -f4)"
  for u in "${admins[@]+"${admins[@]}"}"; do
    h=$(getent passwd "$u" | cut -d: -f6)
    [ -n "$h" ] && homes+=("$h")
  done
  for home in "${homes[@]}"; do
    if [ -s "$home/.ssh/authorized_keys" ]; then keys=1; fi
  done
  nokeys="no authorized_keys for root or any member of group sudo: the drop-in turns password log-in off. Add a key first, or pass --allow-no-keys (with console access), or --skip-ssh"
  if [ "$keys" = 0 ] && [ "$ALLOW_NO_KEYS" = 0 ]; then
    [ "$DRY_RUN" = 1 ] || die "$nokeys"
    printf '    would refuse: %s\n' "$nokeys"
  else
    install_ssh=1
  fi
fi
if [ "$SKIP_SSH" = 0 ] && [ "${install_ssh:-0}" = 1 ]; then
  install_file "$HERE/ssh/50-sistema-aps.conf" /etc/ssh/sshd_config.d/50-sistema-aps.conf 0644
  if changed /etc/ssh/sshd_config.d/50-sistema-aps.conf; then
    if [ "$DRY_RUN" = 0 ]; then
      if ! sshd -t; then
        rm -f /etc/ssh/sshd_config.d/50-sistema-aps.conf
        die "sshd -t failed with the drop-in; removed it, SSH unchanged"
      fi
    fi
    run systemctl reload ssh.service
  fi
fi

say "unattended security upgrades"
install_file "$HERE/apt/20auto-upgrades" /etc/apt/apt.conf.d/20auto-upgrades 0644
install_file "$HERE/apt/52sistema-aps-unattended-upgrades" /etc/apt/apt.conf.d/52sistema-aps-unattended-upgrades 0644
run systemctl enable --quiet apt-daily.timer apt-daily-upgrade.timer

say "journald retention"
install_file "$HERE/journald/50-sistema-aps.conf" /etc/systemd/journald.conf.d/50-sistema-aps.conf 0644
if changed /etc/systemd/journald.conf.d/50-sistema-aps.conf; then
  run systemctl restart systemd-journald.service
fi

if [ "${#CHANGED[@]}" -eq 0 ]; then
  say "nothing to change: the host already matches hardening/"
elif [ "$DRY_RUN" = 1 ]; then
  say "dry run: ${#CHANGED[@]} file(s) would change; nothing was changed"
else
  say "done: ${#CHANGED[@]} file(s) changed"
fi
