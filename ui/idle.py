"""Idleness: no touch for a while asks "还需要更多时间吗?", then ends the session.

An application-wide event filter sees every touch, mouse and key event bound for
the window without swallowing any. Only the citizen's silence moves a screen.
"""

from __future__ import annotations

from PySide6.QtCore import Property, QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from ui import viewmodels

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

_ACTIVITY = {
    QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease, QEvent.Type.MouseMove,
    QEvent.Type.TouchBegin, QEvent.Type.TouchUpdate, QEvent.Type.TouchEnd,
    QEvent.Type.KeyPress, QEvent.Type.Wheel, QEvent.Type.TabletPress,
}


@QmlNamedElement("Idle")
@QmlSingleton
class IdleWatcher(QObject):
    changed = Signal()
    expired = Signal()  # the countdown reached zero: wipe and go home

    @staticmethod
    def create(engine) -> IdleWatcher:
        return viewmodels.of(engine, "Idle")

    def __init__(self, warn_after_ms: int, countdown_s: int, active=lambda: True,
                 tick_ms: int = 1000, parent: QObject | None = None):
        super().__init__(parent)
        self._countdown_s = countdown_s
        self._remaining = 0
        self._active = active  # whether there is a session worth asking about
        self._warn = QTimer(self, singleShot=True, interval=warn_after_ms)
        self._warn.timeout.connect(self._on_warn)
        self._tick = QTimer(self, interval=tick_ms)
        self._tick.timeout.connect(self._on_tick)
        self._warn.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() in _ACTIVITY and not self._tick.isActive():
            self._warn.start()  # restart: the citizen is working
        return False

    @Property(bool, notify=changed)
    def asking(self) -> bool:
        return self._tick.isActive()

    @Property(int, notify=changed)
    def remaining(self) -> int:
        return self._remaining

    def stop(self) -> None:
        """No more warnings or countdowns: the window is gone (a closed kiosk's watcher would
        otherwise go on re-arming its timers for as long as the process lives)."""
        self._warn.stop()
        self._tick.stop()

    def _on_warn(self) -> None:
        if not self._active():
            self._warn.start()
            return
        self._remaining = self._countdown_s
        self._tick.start()
        self.changed.emit()

    def _on_tick(self) -> None:
        self._remaining -= 1
        if self._remaining <= 0:
            self._tick.stop()
            self.changed.emit()
            self.expired.emit()
            self._warn.start()
            return
        self.changed.emit()

    @Slot()
    def keepGoing(self) -> None:  # noqa: N802
        """The large 继续 button."""
        self._tick.stop()
        self._warn.start()
        self.changed.emit()
