"""`Help` (a `@QmlSingleton`): 求助, one tap in the header of every screen.

The tap says "工作人员马上就来，请稍等" over the screen (closed with 知道了; what the citizen
was doing stays as it was) and raises the alert the hall's staff see: the core's durable
file (`kiosk/help_alert.py`), so the alert survives a restart, and a nudge to the sync
worker, whose next heartbeat carries it to the platform's list of terminals. It stands
until a technician clears it on the technician screen (`clear`, audited). File work runs
on this view-model's own thread.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import help_alert, wake
from kiosk.config import LoadedConfig
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

COMING = "工作人员马上就来，请稍等"
COMING_MORE = "已经通知了大厅的工作人员。您可以留在这里，刚才填写的内容都还在。"


def since_zh(alert: help_alert.Alert | None) -> str:
    if alert is None:
        return ""
    when = alert.raised_at.astimezone()
    times = f"，按了 {alert.presses} 次" if alert.presses > 1 else ""
    day = "" if when.date() == datetime.now().astimezone().date() else when.strftime("%m-%d ")
    return f"有人按了求助（{day}{when:%H:%M} 起{times}），请到场帮助后清除"


@QmlNamedElement("Help")
@QmlSingleton
class HelpDesk(QObject):
    changed = Signal()
    _read = Signal(object)  # from the thread: the standing alert or None

    @staticmethod
    def create(engine) -> HelpDesk:
        return viewmodels.of(engine, "Help")

    def __init__(self, loaded: LoadedConfig, session, technician):
        super().__init__()
        self._loaded = loaded
        self._session = session
        self._terminal = loaded.config.terminal.id
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="help")
        self._alert: help_alert.Alert | None = None
        self._showing = False
        self._read.connect(self._on_read, Qt.ConnectionType.QueuedConnection)
        session.wiped.connect(self.close)  # the next visitor does not find it open
        # the technician screen reads it afresh whenever it opens
        technician.changed.connect(lambda: technician.mode == "screen" and self.refresh())
        self.refresh()

    showing = Property(bool, lambda self: self._showing, notify=changed)
    standing = Property(bool, lambda self: self._alert is not None, notify=changed)
    since = Property(str, lambda self: since_zh(self._alert), notify=changed)
    coming = Property(str, lambda self: COMING, constant=True)
    comingMore = Property(str, lambda self: COMING_MORE, constant=True)

    @Slot()
    def call(self) -> None:
        """求助: said at once; the alert is written on the thread."""
        self._showing = True
        self.changed.emit()
        self._session.speak.emit(COMING)  # said aloud too, when 语音 is on
        self._executor.submit(self._job, self._raise)

    @Slot()
    def close(self) -> None:
        if self._showing:
            self._showing = False
            self.changed.emit()

    @Slot()
    def clear(self) -> None:
        """The technician came: the alert goes (the audit says so)."""
        self._executor.submit(self._job, self._clear)

    @Slot()
    def refresh(self) -> None:
        self._executor.submit(self._job, lambda: help_alert.status(self._loaded.data_dir))

    def _raise(self) -> help_alert.Alert:
        alert = help_alert.raise_alert(self._loaded.data_dir)
        wake.notify(self._loaded.data_dir)  # the worker's heartbeat carries it now
        return alert

    def _clear(self) -> None:
        help_alert.clear(self._loaded.data_dir, self._terminal, by="screen")
        wake.notify(self._loaded.data_dir)

    def _job(self, job) -> None:
        try:
            self._read.emit(job())
        except Exception as exc:
            log.warning("help alert not written: %s", type(exc).__name__)
            self._read.emit(self._alert)

    def _on_read(self, alert) -> None:
        self._alert = alert
        self.changed.emit()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
