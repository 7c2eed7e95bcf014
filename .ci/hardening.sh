#!/usr/bin/env bash
# Offline checks of the host hardening (hardening/) and of the backup units (systemd/):
#   * nftables ruleset: `nft -c -f` (and a broken copy must fail);
#   * fail2ban: every sample log under hardening/fail2ban/samples against its filter with
#     `fail2ban-regex` (exact matched/missed counts, dates parsed), and `fail2ban-client -t`
#     on Debian's configuration plus ours;
#   * SSH drop-in: `sshd -t` and `sshd -T` on a temporary config that includes it;
#   * unattended-upgrades files: `apt-config dump` parses them;
#   * hardening/apply.sh, .ci/*.sh: shellcheck; apply.sh --dry-run runs and changes nothing;
#   * systemd/sistema-aps-backup.{service,timer}: `systemd-analyze verify`, and
#     `systemd-analyze security --offline=true` exposure ≤ 2.0.
# Tools come from Debian 12: nftables is installed (not enabled, no ruleset loaded);
# fail2ban and openssh-server are unpacked with `dpkg -x` (no daemon is installed or
# started); each at a pinned upstream version (newest Debian revision of it, or the step fails).
# Runs as root, like .ci/run. Ends with "hardening: N passed, 0 failed".
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

# Upstream versions the checks were written against (Debian 12 "bookworm"); the newest Debian
# revision of each is taken, or the step fails (.ci/lib.sh).
NFT_VERSION="1.0.6"
FAIL2BAN_VERSION="1.0.2"
OPENSSH_VERSION="9.2p1"
SHELLCHECK_VERSION="0.9.0"
TOOLS="${HARDENING_TOOLS_DIR:-/var/tmp/sistema-aps-tools}"
PYTHON=/usr/bin/python3

# shellcheck source=.ci/lib.sh
source "$ROOT/.ci/lib.sh"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# Unpacks the newest Debian revision of PACKAGE's pinned upstream version into $TOOLS (kept
# between runs, trusted only through its manifest); prints the directory.
fetch_deb() { # package upstream
  local version dir
  version="$(deb_resolve "$1" "$2")" || return 1
  dir="$TOOLS/$1-$version"
  deb_unpack "$dir" "$1=$version" >&2 || return 1
  printf '%s' "$dir"
}

# --- tools ---------------------------------------------------------------------------------
step "tools from Debian (pinned upstream versions)"
apt_pinned "nftables=$NFT_VERSION" "shellcheck=$SHELLCHECK_VERSION"
command -v apt-config >/dev/null || fail "apt-config missing"
F2B="$(fetch_deb fail2ban "$FAIL2BAN_VERSION")" || fail "fail2ban $FAIL2BAN_VERSION"
SSH_PKG="$(fetch_deb openssh-server "$OPENSSH_VERSION")" || fail "openssh-server $OPENSSH_VERSION"
echo "fail2ban: pinned $FAIL2BAN_VERSION -> ${F2B##*/}; openssh-server: pinned $OPENSSH_VERSION -> ${SSH_PKG##*/}"
SSHD="$SSH_PKG/usr/sbin/sshd"
f2b() { PYTHONPATH="$F2B/usr/lib/python3/dist-packages" "$PYTHON" "$F2B/usr/bin/$1" "${@:2}"; }
NFT_SAYS="$(nft --version)"
F2B_SAYS="$(f2b fail2ban-regex --version)"
SSHD_SAYS="$("$SSHD" -V 2>&1 | sed -n 1p)"
SHELLCHECK_SAYS="$(shellcheck --version | sed -n 2p)"
SYSTEMD_SAYS="$(systemd-analyze --version | sed -n 1p)"
case "$NFT_SAYS" in *"v$NFT_VERSION "*) ;; *) fail "nft says '$NFT_SAYS', pinned $NFT_VERSION" ;; esac
case "$F2B_SAYS" in *"$FAIL2BAN_VERSION"*) ;; *) fail "fail2ban-regex says '$F2B_SAYS', pinned $FAIL2BAN_VERSION" ;; esac
# (sshd -V omits the portable suffix: "OpenSSH_9.2, OpenSSL …")
case "$SSHD_SAYS" in "OpenSSH_${OPENSSH_VERSION%p*},"*) ;; *) fail "sshd says '$SSHD_SAYS', pinned $OPENSSH_VERSION" ;; esac
printf '%s\n' "$NFT_SAYS" "fail2ban $F2B_SAYS" "$SSHD_SAYS" "shellcheck $SHELLCHECK_SAYS" "$SYSTEMD_SAYS"
passed "tools: nft $NFT_VERSION, fail2ban $FAIL2BAN_VERSION, OpenSSH $OPENSSH_VERSION, shellcheck $SHELLCHECK_VERSION"

# --- nftables ------------------------------------------------------------------------------
step "nftables: nft -c -f hardening/nftables.conf"
nft -c -f hardening/nftables.conf || fail "nft -c rejects hardening/nftables.conf"
passed "nftables ruleset parses"
sed 's/policy drop;/policy dorp;/' hardening/nftables.conf >"$WORK/broken.nft"
if nft -c -f "$WORK/broken.nft" 2>/dev/null; then fail "nft -c accepted a broken ruleset: the check has no teeth"; fi
grep -q 'policy drop;' hardening/nftables.conf || fail "input policy is not drop"
grep -qF "tcp dport \$SSH_PORT ct state new accept" hardening/nftables.conf || fail "no rule for SSH"
grep -qF 'tcp dport { 80, 443 } ct state new accept' hardening/nftables.conf || fail "no rule for 80/443"
grep -q 'limit rate over' hardening/nftables.conf || fail "SSH is not rate-limited"
passed "a broken ruleset fails nft -c; drop policy, 22/80/443 in, SSH rate limit"

# --- fail2ban ------------------------------------------------------------------------------
step "fail2ban-regex: sample logs against the filters"
# sample  filter (absolute path: a bare name would be read as a regex)  matched  missed  ignored
while read -r sample filter matched missed ignored; do
  out="$WORK/regex.out"
  f2b fail2ban-regex -v "$ROOT/hardening/fail2ban/samples/$sample" "$filter" >"$out" 2>&1 ||
    { cat "$out"; fail "fail2ban-regex $sample"; }
  line=$(grep '^Lines:' "$out")
  want="Lines: $((matched + missed + ignored)) lines, $ignored ignored, $matched matched, $missed missed"
  [ "$line" = "$want" ] || { cat "$out"; fail "$sample: '$line', expected '$want'"; }
  # Every matched line had its own date parsed (fail2ban falls back to "now" otherwise).
  hits=$(sed -n '/^Date template hits:/,/^Lines:/p' "$out" | grep -o '^|  \[[0-9]*\]' | tr -dc '0-9\n' | awk '{ s += $1 } END { print s + 0 }')
  [ "${hits:-0}" -ge "$matched" ] || { cat "$out"; fail "$sample: dates not recognised"; }
  passed "$sample: $line"
done <<EOF_SAMPLES
sistema-aps-text.log $ROOT/hardening/fail2ban/filter.d/sistema-aps.conf 3 3 0
sistema-aps-text-ansi.log $ROOT/hardening/fail2ban/filter.d/sistema-aps.conf 3 3 0
sistema-aps-json.log $ROOT/hardening/fail2ban/filter.d/sistema-aps.conf 3 3 0
nginx-error.log $F2B/etc/fail2ban/filter.d/nginx-limit-req.conf 2 3 0
sshd.log $F2B/etc/fail2ban/filter.d/sshd.conf 1 1 3
EOF_SAMPLES
# The addresses found are the clients', IPv4 and IPv6.
f2b fail2ban-regex -v "$ROOT/hardening/fail2ban/samples/sistema-aps-json.log" \
  "$ROOT/hardening/fail2ban/filter.d/sistema-aps.conf" >"$WORK/ips.out" 2>&1
for ip in 203.0.113.1 203.0.113.7 2001:db8::7; do
  grep -q "^|      $ip " "$WORK/ips.out" || { cat "$WORK/ips.out"; fail "address $ip not found"; }
done
passed "client addresses (IPv4 and IPv6) are what fail2ban bans"

step "fail2ban-client -t: Debian's configuration plus hardening/fail2ban"
cp -r "$F2B/etc/fail2ban" "$WORK/fail2ban"
cp hardening/fail2ban/filter.d/sistema-aps.conf "$WORK/fail2ban/filter.d/"
cp hardening/fail2ban/jail.d/sistema-aps.local "$WORK/fail2ban/jail.d/"
# No Nginx here: point its jail at the sample log.
printf '[nginx-limit-req]\nlogpath = %s\n' "$ROOT/hardening/fail2ban/samples/nginx-error.log" \
  >"$WORK/fail2ban/jail.d/zz-ci.local"
f2b fail2ban-client -c "$WORK/fail2ban" -t >"$WORK/f2b-t.out" 2>&1 ||
  { cat "$WORK/f2b-t.out"; fail "fail2ban-client -t"; }
f2b fail2ban-client -c "$WORK/fail2ban" -d 2>/dev/null >"$WORK/f2b-d.out"
for jail in sshd sistema-aps nginx-limit-req; do
  grep -q "\['add', '$jail', 'systemd'\]\|\['add', '$jail', 'auto'\]" "$WORK/f2b-d.out" ||
    fail "jail $jail is not configured"
done
passed "fail2ban configuration loads with jails sshd, sistema-aps, nginx-limit-req"

# --- SSH -----------------------------------------------------------------------------------
step "sshd -t with hardening/ssh/50-sistema-aps.conf"
ssh-keygen -q -t ed25519 -N '' -f "$WORK/hostkey"
write_sshd_config() { # dropin out
  printf 'HostKey %s\nPidFile none\nInclude %s\n' "$WORK/hostkey" "$1" >"$2"
}
write_sshd_config "$ROOT/hardening/ssh/50-sistema-aps.conf" "$WORK/sshd_config"
sed 's/^PermitRootLogin no/PermitRootLogin nope/' hardening/ssh/50-sistema-aps.conf >"$WORK/broken-ssh.conf"
write_sshd_config "$WORK/broken-ssh.conf" "$WORK/sshd_config.broken"
mkdir -p /run/sshd
# sshd -t wants its privilege-separation user; without openssh-server installed there is
# none, so run it in a private mount namespace with a passwd file that has one.
if getent passwd sshd >/dev/null; then
  sshd_run() { "$SSHD" "$@"; }
else
  cp /etc/passwd "$WORK/passwd"
  echo 'sshd:x:65534:65534:sshd privsep:/run/sshd:/usr/sbin/nologin' >>"$WORK/passwd"
  sshd_run() {
    # shellcheck disable=SC2016 # expanded by the inner shell
    unshare --mount -- sh -c 'mount --bind "$0" /etc/passwd && exec "$@"' "$WORK/passwd" "$SSHD" "$@"
  }
fi
sshd_run -t -f "$WORK/sshd_config" || fail "sshd -t rejects the drop-in"
if sshd_run -t -f "$WORK/sshd_config.broken" 2>/dev/null; then fail "sshd -t accepted a broken drop-in"; fi
sshd_run -T -f "$WORK/sshd_config" >"$WORK/sshd-T.out"
for want in "permitrootlogin no" "passwordauthentication no" "kbdinteractiveauthentication no" \
  "authenticationmethods publickey" "maxauthtries 3" "allowtcpforwarding no" "x11forwarding no"; do
  grep -qx "$want" "$WORK/sshd-T.out" || fail "sshd -T: expected '$want'"
done
passed "sshd -t accepts the drop-in (and rejects a broken one); effective settings checked"

# --- unattended-upgrades -------------------------------------------------------------------
step "apt-config parses the unattended-upgrades files"
# (Output to files, then grep: `grep -q` closing a pipe early would fail it under pipefail.)
apt-config -c hardening/apt/20auto-upgrades dump >"$WORK/apt20.out" ||
  fail "apt-config rejects hardening/apt/20auto-upgrades"
apt-config -c hardening/apt/52sistema-aps-unattended-upgrades dump >"$WORK/apt52.out" ||
  fail "apt-config rejects hardening/apt/52sistema-aps-unattended-upgrades"
grep -qx 'APT::Periodic::Unattended-Upgrade "1";' "$WORK/apt20.out" || fail "unattended upgrades not enabled"
grep -qF "Origins-Pattern:: \"origin=Debian,codename=\${distro_codename}-security,label=Debian-Security\"" "$WORK/apt52.out" ||
  fail "security origin missing"
passed "unattended-upgrades configuration parses; security origin on"

# --- scripts -------------------------------------------------------------------------------
step "shellcheck; apply.sh --dry-run"
# (.ci/*.sh and bench/run.sh are shellchecked by .ci/packaging.sh, with the same pinned version.)
shellcheck hardening/apply.sh || fail "shellcheck hardening/apply.sh"
passed "shellcheck clean: hardening/apply.sh"
nft_conf_digest() { if [ -e /etc/nftables.conf ]; then sha256sum </etc/nftables.conf; else echo absent; fi; }
before=$(nft_conf_digest)
bash hardening/apply.sh --dry-run >"$WORK/dry.out" 2>&1 || { cat "$WORK/dry.out"; fail "apply.sh --dry-run"; }
grep -q 'nothing was changed\|nothing to change' "$WORK/dry.out" || { cat "$WORK/dry.out"; fail "apply.sh --dry-run summary"; }
after=$(nft_conf_digest)
[ "$before" = "$after" ] || fail "--dry-run changed /etc/nftables.conf"
passed "apply.sh --dry-run runs and changes nothing"

# --- systemd units -------------------------------------------------------------------------
step "systemd-analyze verify / security: systemd/sistema-aps-backup.{service,timer}"
mkdir -p "$WORK/units"
# verify checks that ExecStart= exists: point it at an executable that does.
sed "s#/usr/bin/sistema-aps#/bin/true#" systemd/sistema-aps-backup.service >"$WORK/units/sistema-aps-backup.service"
cp systemd/sistema-aps-backup.timer "$WORK/units/"
systemd-analyze verify --man=no "$WORK/units/sistema-aps-backup.service" "$WORK/units/sistema-aps-backup.timer" ||
  fail "systemd-analyze verify"
passed "systemd-analyze verify: backup service and timer"
systemd-analyze security --offline=true --no-pager systemd/sistema-aps-backup.service >"$WORK/sec.out" 2>&1 ||
  { cat "$WORK/sec.out"; fail "systemd-analyze security"; }
score=$(sed -n 's/.*Overall exposure level for sistema-aps-backup.service: \([0-9.]*\).*/\1/p' "$WORK/sec.out")
[ -n "$score" ] || { cat "$WORK/sec.out"; fail "no exposure score"; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score > 2.0"
passed "systemd-analyze security --offline=true: exposure $score (≤ 2.0)"
if ! grep -q '^Persistent=true' systemd/sistema-aps-backup.timer ||
  ! grep -q '^RandomizedDelaySec=' systemd/sistema-aps-backup.timer; then
  fail "timer must be persistent with a randomised delay"
fi
passed "timer: daily, persistent, randomised delay"

finish
