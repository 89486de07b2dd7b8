"""Process environment the UI needs before any Qt object exists.

The virtual keyboard reads `QT_IM_MODULE` when the QGuiApplication is made, and
its Pinyin engine keeps a user dictionary under `$XDG_CONFIG_HOME` (the path is
hard-coded). A fresh temporary directory per run means nothing one citizen typed
can ever be suggested to the next, even if learning were switched on by mistake.

The keyboard's look and keys are the project's own: the style `kiosk`
(`ui/qml/QtQuick/VirtualKeyboard/Styles/kiosk/style.qml`, found through the QML
import path `ui/qml`) and the layouts of `ui/qml/KeyboardLayouts/`, both read from
the checkout or the bundle, never from Qt's built-in ones.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

QML_DIR = Path(__file__).resolve().parent / "qml"
KEYBOARD_STYLE = "kiosk"
KEYBOARD_LAYOUTS = QML_DIR / "KeyboardLayouts"

_session_dir: Path | None = None
_previous: dict[str, str | None] = {}


def prepare(*, offscreen: bool = False) -> Path:
    """Sets the environment for the keyboard and style; returns the private config dir."""
    global _session_dir
    if _session_dir is not None:
        return _session_dir
    _session_dir = Path(tempfile.mkdtemp(prefix="kiosk-ui-"))
    os.chmod(_session_dir, 0o700)
    values = {
        "QT_IM_MODULE": "qtvirtualkeyboard",
        "XDG_CONFIG_HOME": str(_session_dir),
        "QT_QUICK_CONTROLS_STYLE": "Basic",
        # The keyboard's own sounds need a sound server; the kiosk does not use them.
        "QT_VIRTUALKEYBOARD_DESKTOP_DISABLE": "1",
        "QT_VIRTUALKEYBOARD_STYLE": KEYBOARD_STYLE,
        "QT_VIRTUALKEYBOARD_LAYOUT_PATH": str(KEYBOARD_LAYOUTS),
    }
    if offscreen:
        values["QT_QPA_PLATFORM"] = "offscreen"
        values["QT_QUICK_BACKEND"] = "software"
    for key, value in values.items():
        _previous.setdefault(key, os.environ.get(key))
        os.environ[key] = value
    atexit.register(cleanup)
    return _session_dir


def config_dir() -> Path | None:
    return _session_dir


def cleanup() -> None:
    """Removes the private config dir and restores what `prepare` changed."""
    global _session_dir
    if _session_dir is not None:
        shutil.rmtree(_session_dir, ignore_errors=True)
        _session_dir = None
    for key, value in _previous.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    _previous.clear()
