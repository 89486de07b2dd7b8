#!/usr/bin/env bash
# Sets up everything the kiosk needs on a Debian-family machine:
#   1. the Debian libraries Qt needs, a CJK font and the tests' strace (installed
#      when run as root, otherwise the exact apt-get line is printed and setup stops);
#   2. a local virtual environment in .venv with the project and its extras.
# Safe to run again: it only does what is still missing.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${KIOSK_EXTRAS:-ui,receiver,printer,test}"
DEBIAN_PACKAGES=(
  python3-venv            # python3 -m venv
  libegl1 libgl1 libxkbcommon0 libfontconfig1 libdbus-1-3 libglib2.0-0
  libpulse0               # the Qt Virtual Keyboard's QML will not load without it
  fonts-noto-cjk          # Chinese text; the Qt wheels carry no CJK font
  libusb-1.0-0            # USB receipt printers (python-escpos through pyusb)
  # the xcb and wayland platform plugins, for a desktop session or a kiosk compositor
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0
  libxcb-render-util0 libxcb-image0 libxcb-randr0 libxcb-xinerama0
  libwayland-cursor0 libwayland-egl1
  # spoken prompts (语音播报): QtTextToSpeech's speechd engine with a Mandarin voice
  libspeechd2 speech-dispatcher speech-dispatcher-espeak-ng
  # 手写: the Zinnia engine (loaded through ctypes) and its simplified-Chinese model;
  # zinnia-utils' own tool holds the binding to the library in the tests
  libzinnia0 tegaki-zinnia-simplified-chinese zinnia-utils
  # the tests record real fsync / rename calls with it (tests/support/syscalls.py):
  # a crash keeps the page cache, so only the calls themselves show a missing fsync
  strace
  # the tests open the platform's receipt page in a real browser through Selenium
  chromium chromium-driver
)

say() { printf 'setup: %s\n' "$*" >&2; }

missing_debian_packages() {
  local pkg
  for pkg in "${DEBIAN_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || echo "$pkg"
  done
}

if command -v dpkg-query >/dev/null 2>&1; then
  mapfile -t missing < <(missing_debian_packages)
  if ((${#missing[@]})); then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Debian packages: ${missing[*]}"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    elif [ "${KIOSK_SKIP_SYSTEM_DEPS:-}" = 1 ]; then
      say "warning: missing Debian packages (${missing[*]}); continuing because KIOSK_SKIP_SYSTEM_DEPS=1"
    else
      say "these Debian packages are missing and setup is not running as root:"
      say "  sudo apt-get install -y ${missing[*]}"
      say "run that line (or set KIOSK_SKIP_SYSTEM_DEPS=1 to go on without them), then run this again."
      exit 1
    fi
  fi
else
  say "warning: not a Debian-family system; install the Qt runtime libraries and a CJK font yourself."
fi

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  say "Python 3.11 or newer is needed as '$PYTHON' (found: $("$PYTHON" --version 2>&1 || echo none))."
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  say "creating the virtual environment in .venv"
  "$PYTHON" -m venv .venv
fi

# Reinstall only when the project's dependencies or the extras asked for changed.
stamp=".venv/.setup-stamp"
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $EXTRAS"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  say "installing Python packages into .venv (extras: $EXTRAS)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[${EXTRAS}]"
  echo "$want" > "$stamp"
fi
say "ready"
