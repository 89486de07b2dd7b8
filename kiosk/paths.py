"""Where the kiosk finds its bundled assets and keeps its data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "petition-kiosk"
SYSTEM_CONFIG = Path("/etc") / APP_NAME / "kiosk.toml"


def assets_dir() -> Path:
    """The assets folder: next to the package in a checkout, inside the bundle when frozen."""
    override = os.environ.get("KIOSK_ASSETS")
    if override:
        return Path(override)
    if getattr(sys, "frozen", False):
        return Path(getattr(sys, "_MEIPASS", Path(sys.executable).parent)) / "assets"
    return Path(__file__).resolve().parent.parent / "assets"


def default_data_dir() -> Path:
    """The user's data directory (XDG), used when no configuration names one."""
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def fonts_dir() -> Path:
    """Fonts the kiosk carries (an installed bundle has Noto Sans CJK SC here)."""
    return assets_dir() / "fonts"
