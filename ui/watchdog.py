"""`kiosk ui` under systemd: READY=1 when the home screen is painted, then WATCHDOG=1
from a timer on the GUI thread.

The timer fires only while the Qt event loop runs, so a blocked loop (a frozen
screen) stops the pings and the unit's WatchdogSec kills and restarts the kiosk.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QTimer
from PySide6.QtQuick import QQuickWindow

from kiosk import sdnotify

log = logging.getLogger(__name__)


class Watchdog(QObject):
    def __init__(self, window: QQuickWindow) -> None:
        super().__init__(window)
        self._window = window
        self._timer = QTimer(self)
        self._timer.timeout.connect(lambda: sdnotify.notify("WATCHDOG=1"))
        window.frameSwapped.connect(self._first_frame)

    def _first_frame(self) -> None:
        self._window.frameSwapped.disconnect(self._first_frame)
        sdnotify.notify("READY=1\nSTATUS=home screen shown")
        interval = sdnotify.watchdog_interval()
        if interval is not None:
            sdnotify.notify("WATCHDOG=1")
            self._timer.start(max(int(interval * 1000), 50))
            log.info("watchdog pings every %.1f s", interval)


def start(window: QQuickWindow) -> Watchdog:
    """Attach to a window before it is shown."""
    return Watchdog(window)
