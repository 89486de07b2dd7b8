#!/usr/bin/env bash
# Wraps the bundle (dist/petition-kiosk, from `make bundle`) in a .deb with dpkg-deb:
#   /opt/petition-kiosk/          the bundle; /usr/bin/kiosk links to its `kiosk`
#   /etc/petition-kiosk/kiosk.toml  the configuration (a conffile)
#   /etc/pam.d/petition-kiosk     the kiosk session's PAM service (a conffile)
#   /lib/systemd/system/petition-kiosk-{sync,ui}.service
#   /usr/share/doc/petition-kiosk/  install guide and examples
# Usage: packaging/build-deb.sh [OUT_DIR]   (default: dist/)
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=dist/petition-kiosk
OUT=${1:-dist}
[ -x "$BUNDLE/kiosk" ] || { echo "no bundle in $BUNDLE: run make bundle first" >&2; exit 1; }

VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -n1)
ARCH=$(dpkg --print-architecture)
ROOT=$(mktemp -d)
trap 'rm -rf "$ROOT"' EXIT

install -d "$ROOT/DEBIAN" "$ROOT/opt" "$ROOT/usr/bin" "$ROOT/etc/petition-kiosk" "$ROOT/etc/pam.d" \
    "$ROOT/lib/systemd/system" "$ROOT/usr/share/doc/petition-kiosk/examples"
chmod 0755 "$ROOT"
cp -a "$BUNDLE" "$ROOT/opt/petition-kiosk"
chmod -R u+rwX,go+rX,go-w "$ROOT/opt/petition-kiosk"
ln -s /opt/petition-kiosk/kiosk "$ROOT/usr/bin/kiosk"

# The packaged configuration keeps its data under /var/lib/petition-kiosk.
grep -q '^dir = "/var/lib/petition-kiosk"' docs/examples/kiosk.toml || {
    echo "docs/examples/kiosk.toml must set [data] dir = \"/var/lib/petition-kiosk\"" >&2; exit 1; }
install -m 0640 docs/examples/kiosk.toml "$ROOT/etc/petition-kiosk/kiosk.toml"
install -m 0644 packaging/debian/pam "$ROOT/etc/pam.d/petition-kiosk"
install -m 0644 packaging/systemd/petition-kiosk-sync.service packaging/systemd/petition-kiosk-ui.service \
    "$ROOT/lib/systemd/system/"
install -m 0644 docs/install.md "$ROOT/usr/share/doc/petition-kiosk/"
install -m 0644 docs/examples/kiosk.toml docs/examples/petition.json docs/examples/signature.png \
    "$ROOT/usr/share/doc/petition-kiosk/examples/"
install -m 0644 LICENSE "$ROOT/usr/share/doc/petition-kiosk/copyright"

printf '/etc/petition-kiosk/kiosk.toml\n/etc/pam.d/petition-kiosk\n' > "$ROOT/DEBIAN/conffiles"
install -m 0755 packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm "$ROOT/DEBIAN/"
SIZE=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
sed -e "s/@VERSION@/$VERSION/" -e "s/@ARCH@/$ARCH/" -e "s/@SIZE@/$SIZE/" \
    packaging/debian/control.in > "$ROOT/DEBIAN/control"

# Every system library the bundle links to must come with a dependency.
python3 packaging/check_deps.py "$ROOT/opt/petition-kiosk" "$ROOT/DEBIAN/control" > "$OUT/deb-libraries.txt" || {
    cat "$OUT/deb-libraries.txt" >&2
    echo "the bundle needs libraries whose packages are not in Depends (above)" >&2
    exit 1
}

mkdir -p "$OUT"
DEB="$OUT/petition-kiosk_${VERSION}_${ARCH}.deb"
dpkg-deb --root-owner-group -Zxz --build "$ROOT" "$DEB" >/dev/null
echo "$DEB: $(du -h "$DEB" | cut -f1) (installed: $((SIZE / 1024)) MB)"
