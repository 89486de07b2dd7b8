#!/usr/bin/env bash
# Smoke check of a built bundle, offscreen: it starts and shows its first frame
# (home screen) and exits cleanly, renders a tour screen, runs `kiosk doctor` to
# the end, validates the example petition, migrates a database, starts the
# demo chain (`kiosk -m receiver`, `kiosk -m app sync`) from the bundle, and
# checks the bundle's cut-down ICU data (`kiosk -m ui.icu_check`).
# The tour and the doctor run with no system fonts at all (fontconfig pointed at
# an empty folder), so their screens show the bundle's own CJK font.
# Usage: packaging/bundle-check.sh [BUNDLE_DIR]   (default: dist/petition-kiosk)
#   KEEP_TOUR=DIR  copies the tour's screenshots there
set -euo pipefail
cd "$(dirname "$0")/.."
BUNDLE=$(cd "${1:-dist/petition-kiosk}" && pwd)
K="$BUNDLE/kiosk"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME="$WORK/home" XDG_DATA_HOME="$WORK/data" XDG_CACHE_HOME="$WORK/cache"
export QT_QPA_PLATFORM=offscreen QT_QUICK_BACKEND=software KIOSK_TTS_ENGINE=off
unset KIOSK_CONFIG DISPLAY WAYLAND_DISPLAY
mkdir -p "$HOME"
sed "s|^dir = .*|dir = \"$WORK/terminal\"|" docs/examples/kiosk.toml > "$WORK/kiosk.toml"

step() { printf 'bundle-check: %s\n' "$*"; }
fail() { printf 'bundle-check: FAILED: %s\n' "$*" >&2; exit 1; }
no_traceback() { ! grep -qE 'Traceback|ImportError|ModuleNotFoundError|Failed to execute script' "$1"; }

step "size $(du -sh "$BUNDLE" | cut -f1)"
"$K" --version > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "kiosk --version"; }

# Pinyin collation, a Chinese time-zone name, the GB18030/GBK/GB2312/Big5 codecs.
step "ICU data (kiosk -m ui.icu_check)"
"$K" -m ui.icu_check > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "the bundle's ICU data"; }

step "migrate"
"$K" --config "$WORK/kiosk.toml" migrate > "$WORK/out" 2>&1 || { cat "$WORK/out"; fail "kiosk migrate"; }
grep -q "at revision" "$WORK/out" || { cat "$WORK/out"; fail "kiosk migrate said nothing"; }

step "submit --dry-run"
"$K" --config "$WORK/kiosk.toml" submit docs/examples/petition.json --dry-run > "$WORK/out" 2>&1 ||
    { cat "$WORK/out"; fail "kiosk submit --dry-run"; }

# The home screen's first frame, then a clean exit (status 0).
first_frame() {
    local started ended
    started=$(date +%s.%N)
    timeout 60 "$K" "$@" ui --bench-first-frame > "$WORK/ui.out" 2> "$WORK/ui.err" ||
        { cat "$WORK/ui.out" "$WORK/ui.err"; fail "kiosk $* ui: no clean exit"; }
    grep -q '^FIRST_FRAME' "$WORK/ui.out" || { cat "$WORK/ui.err"; fail "kiosk $* ui: no first frame"; }
    no_traceback "$WORK/ui.err" || { cat "$WORK/ui.err"; fail "kiosk $* ui: error output"; }
    ended=$(awk '/^FIRST_FRAME/{print $2}' "$WORK/ui.out")
    step "  first frame after $(echo "$ended - $started" | bc) s"
}
step "ui: home screen, first frame, clean exit"
first_frame --config "$WORK/kiosk.toml"
step "ui --demo (platform and sync worker as children of the bundle)"
first_frame --demo

# From here on no system fonts: Latin and Chinese must come from the bundle's font.
mkdir -p "$WORK/no-fonts" "$WORK/fc-cache"
printf '<?xml version="1.0"?>\n<fontconfig><dir>%s</dir><cachedir>%s</cachedir></fontconfig>\n' \
    "$WORK/no-fonts" "$WORK/fc-cache" > "$WORK/fonts.conf"
export FONTCONFIG_FILE="$WORK/fonts.conf"
step "ui without system fonts"
first_frame --config "$WORK/kiosk.toml"

step "tour (screens to PNG, no system fonts)"
timeout 180 "$K" --config "$WORK/kiosk.toml" tour --out "$WORK/tour" > "$WORK/out" 2>&1 ||
    { cat "$WORK/out"; fail "kiosk tour"; }
[ "$(stat -c %s "$WORK/tour/01-home.png")" -gt 20000 ] || fail "tour: no home screen picture"
[ -s "$WORK/tour/audit.json" ] || fail "tour: no audit.json"
step "  $(ls "$WORK/tour" | grep -c '\.png$') screens"
if [ -n "${KEEP_TOUR:-}" ]; then
    mkdir -p "$KEEP_TOUR" && cp "$WORK"/tour/* "$KEEP_TOUR"/ && step "  copied to $KEEP_TOUR"
fi

# The doctor may report failures a CI machine has (not enrolled, no platform to
# reach); what must not happen is a crash. It prints one line per check and a summary.
step "doctor"
set +e
timeout 60 "$K" --config "$WORK/kiosk.toml" doctor > "$WORK/doctor.out" 2> "$WORK/doctor.err"
status=$?
set -e
cat "$WORK/doctor.out"
[ "$status" -le 1 ] || { cat "$WORK/doctor.err"; fail "doctor exited $status"; }
no_traceback "$WORK/doctor.err" || { cat "$WORK/doctor.err"; fail "doctor: error output"; }
grep -qE '^[0-9]+ failed, [0-9]+ warning\(s\), [0-9]+ passed' "$WORK/doctor.out" ||
    fail "doctor: no summary line"
for check in database qt-platform cjk-font virtual-keyboard; do
    grep -qE "^PASS +$check " "$WORK/doctor.out" || fail "doctor: $check did not pass"
done
grep -qE "^PASS +cjk-font .*Noto Sans CJK SC" "$WORK/doctor.out" ||
    fail "doctor: without system fonts, the bundle's Noto Sans CJK SC was not found"
step "ok"
