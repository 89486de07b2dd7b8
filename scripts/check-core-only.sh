#!/usr/bin/env bash
# The core without the extras: in a fresh virtual environment, `pip install .` (no UI,
# no platform) plus the test tools, then the core's tests and `kiosk status`. Proves
# that neither PySide6 nor FastAPI is needed for the core and its commands.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
say() { printf 'core-only: %s\n' "$*" >&2; }

# A copy of the tree, so the build leaves nothing behind in the checkout.
tar --exclude=./.venv --exclude=./build --exclude=./dist --exclude=./var -cf - . \
  | tar -xf - -C "$work" --one-top-level=src
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q "$work/src" pytest hypothesis tomli-w \
    "cryptography-vectors>=50,<52"
for extra in PySide6 fastapi uvicorn; do
  if "$work/venv/bin/python" -c "import $extra" 2>/dev/null; then
    say "$extra is installed without its extra"; exit 1
  fi
done
say "installed without PySide6 and FastAPI; running tests/core"
(cd "$work/src" && "$work/venv/bin/python" -m pytest -q -p no:cacheprovider tests/core)
XDG_DATA_HOME="$work/xdg" "$work/venv/bin/kiosk" --demo status > "$work/status.txt"
grep -q "queued" "$work/status.txt" || { cat "$work/status.txt"; say "kiosk status failed"; exit 1; }
say "kiosk status works without the extras"
