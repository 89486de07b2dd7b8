#!/usr/bin/env bash
# The kiosk's main job on the built-in demo configuration (data under the user's
# data directory). Until the touch UI lands this runs the core through the CLI:
# check the configuration, confirm the sample petition, show the outbox.
set -euo pipefail
cd "$(dirname "$0")/.."
kiosk=.venv/bin/kiosk
"$kiosk" --demo config check
echo
"$kiosk" --demo submit docs/examples/petition.json
echo
"$kiosk" --demo status
