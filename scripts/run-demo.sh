#!/usr/bin/env bash
# The kiosk's main job on the built-in demo configuration: the touch UI with the
# whole chain behind it on this machine — a local reference platform, this
# terminal enrolled with it, the sync worker. Data under the user's data directory.
#
# Without a display (a server, a container) it says so, runs the chain headless
# with the sample petition, and renders every screen to var/tour/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."
kiosk=.venv/bin/kiosk
py=.venv/bin/python

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}${QT_QPA_PLATFORM:-}" ]; then
  # A window on a desktop; a terminal runs `kiosk` full-screen under its kiosk session.
  exec "$kiosk" ui --demo --windowed "$@"
fi

echo "run: no display found, so the touch UI cannot open a window here."
echo "run: running the delivery chain headless and rendering every screen instead."
echo
"$kiosk" --demo config check
echo
log=$(mktemp)
"$py" -m app.demo > "$log" 2>&1 &
chain=$!
trap 'kill "$chain" 2>/dev/null; wait "$chain" 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 150); do
  grep -q "sync worker running" "$log" && break
  kill -0 "$chain" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.2
done
head -1 "$log"
echo
"$kiosk" --demo submit docs/examples/petition.json
echo
echo "waiting for delivery to the demo platform…"
for _ in $(seq 1 50); do
  waiting=$("$kiosk" --demo status --json | "$py" -c \
    'import json,sys; c=json.load(sys.stdin)["counts"]; print(c["queued"]+c["sending"])')
  [ "$waiting" = 0 ] && break
  sleep 0.2
done
"$kiosk" --demo status
echo
for size in 1080x1920 1920x1080; do
  QT_LOGGING_RULES="qt.multimedia.*=false;qt.qml.propertyCache.append=false;qt.virtualkeyboard.*=false" \
    "$kiosk" --demo tour --size "$size" --out "var/tour/$size" >/dev/null
done
echo "every screen of the touch UI, as PNG with audit.json: var/tour/1080x1920 and var/tour/1920x1080"
