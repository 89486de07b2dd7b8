"""Sizes and colours every screen uses (shared UX norms), scaled by 大字 mode.

Normal: body 34 px, headings 52 px, touch targets ≥ 100 px. Elderly mode
multiplies everything by 1.5 (targets ≥ 150 px). Colours keep body text ≥ 7:1.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QObject, Signal
from PySide6.QtQml import QmlElement, QmlSingleton

from ui import viewmodels

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1
ELDERLY_SCALE = 1.5


@QmlElement
@QmlSingleton
class Theme(QObject):
    changed = Signal()

    @staticmethod
    def create(engine) -> Theme:
        return viewmodels.of(engine, "Theme")

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        session.elderlyChanged.connect(self._check)
        self._scale = self._current()

    def _current(self) -> float:
        return ELDERLY_SCALE if self._session.elderly else 1.0

    def _check(self) -> None:
        scale = self._current()
        if scale != self._scale:
            self._scale = scale
            self.changed.emit()

    def _px(self, base: float) -> int:
        return round(base * self._scale)

    scale = Property(float, lambda self: self._scale, notify=changed)
    body = Property(int, lambda self: self._px(34), notify=changed)
    small = Property(int, lambda self: self._px(32), notify=changed)
    heading = Property(int, lambda self: self._px(52), notify=changed)
    big = Property(int, lambda self: self._px(88), notify=changed)
    target = Property(int, lambda self: self._px(100), notify=changed)
    gap = Property(int, lambda self: self._px(24), notify=changed)
    pad = Property(int, lambda self: self._px(32), notify=changed)
    icon = Property(int, lambda self: self._px(56), notify=changed)
    radius = Property(int, lambda self: self._px(12), notify=changed)

    # Colours: one deep blue, red only for problems; contrast ratios against white.
    bg = Property(str, lambda self: "#F5F7FA", constant=True)
    surface = Property(str, lambda self: "#FFFFFF", constant=True)
    blue = Property(str, lambda self: "#0B3D91", constant=True)  # 10.0:1 on white
    blueLight = Property(str, lambda self: "#E6EEF9", constant=True)  # blue text 8.6:1 on it
    text = Property(str, lambda self: "#1A1A1A", constant=True)
    muted = Property(str, lambda self: "#3A3A3A", constant=True)  # 11.4:1 on white
    red = Property(str, lambda self: "#A4161A", constant=True)  # 7.8:1 on white
    line = Property(str, lambda self: "#6B7A90", constant=True)  # borders (3:1 for non-text)
    fontFamily = Property(str, lambda self: "Noto Sans CJK SC", constant=True)
