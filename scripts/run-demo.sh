#!/usr/bin/env bash
# The kiosk's main job on the built-in demo configuration: the whole chain on this
# machine — a local reference platform, this terminal enrolled with it, the sync
# worker — then the sample petition confirmed and delivered, and the outbox shown.
# (Data under the user's data directory.)
set -euo pipefail
cd "$(dirname "$0")/.."
kiosk=.venv/bin/kiosk
py=.venv/bin/python

"$kiosk" --demo config check
echo
"$py" -m sync.demo > /tmp/kiosk-demo.$$.log 2>&1 &
chain=$!
trap 'kill "$chain" 2>/dev/null; wait "$chain" 2>/dev/null; rm -f /tmp/kiosk-demo.$$.log' EXIT
for _ in $(seq 1 150); do
  grep -q "sync worker running" /tmp/kiosk-demo.$$.log && break
  kill -0 "$chain" 2>/dev/null || { cat /tmp/kiosk-demo.$$.log >&2; exit 1; }
  sleep 0.2
done
head -1 /tmp/kiosk-demo.$$.log
echo
"$kiosk" --demo submit docs/examples/petition.json
echo
echo "waiting for delivery to the demo platform…"
for _ in $(seq 1 50); do
  queued=$("$kiosk" --demo status --json | "$py" -c 'import json,sys; c=json.load(sys.stdin)["counts"]; print(c["queued"]+c["sending"])')
  [ "$queued" = 0 ] && break
  sleep 0.2
done
"$kiosk" --demo status
