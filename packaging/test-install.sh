#!/usr/bin/env bash
# Installs the .deb into a clean Debian root (debootstrap) with apt, so its
# dependencies resolve from the archive, then runs `kiosk doctor` and
# `kiosk submit --dry-run` of the example petition inside it (chroot).
# Needs root and a Debian mirror; takes a few minutes.
# Usage: packaging/test-install.sh [DEB]   (default: the newest dist/petition-kiosk_*.deb)
#   SUITE (default bookworm), MIRROR (default http://deb.debian.org/debian)
set -euo pipefail
cd "$(dirname "$0")/.."
DEB=${1:-$(ls -t dist/petition-kiosk_*.deb 2>/dev/null | head -n1)}
[ -f "$DEB" ] || { echo "no .deb: run make deb first" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "run as root (debootstrap and chroot)" >&2; exit 1; }
SUITE=${SUITE:-bookworm}
MIRROR=${MIRROR:-http://deb.debian.org/debian}
if ! command -v debootstrap >/dev/null; then
    apt-get install -y -qq debootstrap >/dev/null
fi

ROOT=$(mktemp -d /var/tmp/kiosk-test-root.XXXXXX)
chmod 0755 "$ROOT"  # apt inside drops to its own user
cleanup() {
    for m in dev/pts dev proc sys; do umount -l "$ROOT/$m" 2>/dev/null || true; done
    rm -rf --one-file-system "$ROOT"
}
trap cleanup EXIT
say() { printf 'test-install: %s\n' "$*"; }
started=$(date +%s)

say "debootstrap $SUITE (minbase) into $ROOT"
debootstrap --variant=minbase "$SUITE" "$ROOT" "$MIRROR" > "$ROOT.log" 2>&1 ||
    { tail -20 "$ROOT.log"; exit 1; }
rm -f "$ROOT.log"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
cp "$DEB" "$ROOT/tmp/"
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

# Without recommends: no system CJK font and no speech daemon, so the kiosk's own
# font and its behaviour without voice are what gets checked.
say "apt install $(basename "$DEB") (dependencies from $MIRROR)"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "/tmp/$(basename "$DEB")" > "$ROOT/tmp/apt.log" 2>&1 || { tail -30 "$ROOT/tmp/apt.log"; exit 1; }
say "installed; $(in_root dpkg-query -W -f='${Installed-Size} KiB' petition-kiosk)"

say "layout"
for path in /opt/petition-kiosk/kiosk /usr/bin/kiosk /etc/petition-kiosk/kiosk.toml \
        /lib/systemd/system/petition-kiosk-ui.service /lib/systemd/system/petition-kiosk-sync.service \
        /var/lib/petition-kiosk/kiosk.db; do
    [ -e "$ROOT$path" ] || [ -L "$ROOT$path" ] || { echo "missing: $path" >&2; exit 1; }
done
in_root getent passwd petition-kiosk
in_root stat -c '%U %a %n' /var/lib/petition-kiosk /var/lib/petition-kiosk/kiosk.db
for unit in petition-kiosk-sync.service petition-kiosk-ui.service; do
    [ -n "$(find "$ROOT/etc/systemd/system" -name "$unit" -type l)" ] || { echo "$unit not enabled" >&2; exit 1; }
done
echo "units enabled"

say "kiosk doctor (as the petition-kiosk user)"
set +e
in_root runuser -u petition-kiosk -- /usr/bin/kiosk doctor > "$ROOT/tmp/doctor.out" 2>&1
status=$?
set -e
cat "$ROOT/tmp/doctor.out"
# What a chroot cannot have: this terminal's enrollment with its platform and the
# platforms of the example configuration (example addresses); speech (no daemon).
expected='^(FAIL|WARN) +(enrollment|reach:|tls:|platform-api|clock|speech)'
unexpected=$(grep -E '^(FAIL|WARN) ' "$ROOT/tmp/doctor.out" | grep -vE "$expected" || true)
if [ "$status" -gt 1 ] || grep -qE 'Traceback|ImportError' "$ROOT/tmp/doctor.out" || [ -n "$unexpected" ]; then
    echo "test-install: unexpected doctor result (exit $status): $unexpected" >&2
    exit 1
fi

say "kiosk submit --dry-run of the example petition"
in_root runuser -u petition-kiosk -- /usr/bin/kiosk submit \
    /usr/share/doc/petition-kiosk/examples/petition.json --dry-run

say "remove keeps data and configuration; purge removes them and the user"
in_root env DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq petition-kiosk > /dev/null
[ -e "$ROOT/var/lib/petition-kiosk/kiosk.db" ] && [ -e "$ROOT/etc/petition-kiosk/kiosk.toml" ] ||
    { echo "remove deleted data or configuration" >&2; exit 1; }
in_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq petition-kiosk > /dev/null
[ ! -e "$ROOT/var/lib/petition-kiosk" ] && [ ! -e "$ROOT/etc/petition-kiosk" ] ||
    { echo "purge left data or configuration" >&2; exit 1; }
! in_root getent passwd petition-kiosk > /dev/null || { echo "purge left the user" >&2; exit 1; }
say "ok in $(( $(date +%s) - started )) s"
