"""The CJK font the kiosk carries with it.

Installed packages of the kiosk carry a subset of Noto Sans CJK SC in
`assets/fonts/`. When the system has no Noto Sans CJK SC of its own, it is added
to Qt's font database before the first window, so Chinese text renders whatever
fonts the system has. The system's full font is preferred when present: it covers
more characters and costs nothing at start (adding the carried font takes about
0.3 s). A checkout has no such folder and uses the system's fonts (fonts-noto-cjk).
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QFontDatabase

from kiosk import paths

log = logging.getLogger(__name__)
FAMILY = "Noto Sans CJK SC"
_loaded: list[str] | None = None


def load_bundled() -> list[str]:
    """Adds the carried fonts once unless the system has them (needs a QGuiApplication);
    returns the families added."""
    global _loaded
    if _loaded is None:
        _loaded = []
        folder = paths.fonts_dir()
        carried = sorted(folder.glob("*.[ot]t[fc]")) if folder.is_dir() else []
        if carried and FAMILY in QFontDatabase.families():
            return _loaded
        for path in carried:
            font_id = QFontDatabase.addApplicationFont(str(path))
            if font_id < 0:
                log.warning("could not load the font %s", path)
                continue
            _loaded += [f for f in QFontDatabase.applicationFontFamilies(font_id) if f not in _loaded]
    return _loaded
