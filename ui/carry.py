"""The technician screen's USB stick (QML singleton `Carry`): whether a stick is plugged
in, 导出到U盘 and 从U盘导入回执 with a progress bar and a plain result.

The work is `kiosk/carry.py`'s (the same as `kiosk carry export|import`), on a worker
thread; the keys of the enrollment are handed in by the kiosk command (`keys`), since
the UI does not read the delivery's files. Nothing personal is shown or logged: counts,
the stick's mount point, the file's name. Each action is in the technician's audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlElement, QmlSingleton

from kiosk import carry, removable
from kiosk import technician as tech
from kiosk.config import LoadedConfig
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

NOT_ENROLLED = "本机还没有登记到平台，不能用U盘送件（请先登记本机）"


def _no_keys() -> carry.StationKeys:
    raise carry.CarryError("no enrollment handed to the screen", NOT_ENROLLED)


def exported_words(done: carry.Exported) -> str:
    if done.path is None:
        return "本机没有等待发送的申请，U盘上没有写入文件"
    return (f"已导出 {done.submissions} 件申请到U盘（文件 {done.path.name}）。"
            "这些申请仍在本机排队，等平台的回执导入后才算送达。"
            "请把U盘交到平台导入，再把U盘插回本机导入回执")


def imported_words(result: carry.AckResult) -> str:
    words = f"已导入平台回执：{result.delivered} 件标为已送达"
    if result.already:
        words += f"，{result.already} 件以前已送达"
    if result.needs_attention:
        words += f"，{result.needs_attention} 件被平台拒收（需处理）"
    if result.left_queued:
        words += f"，{result.left_queued} 件平台没有受理，仍在排队"
    return words


@QmlElement
@QmlSingleton
class Carry(QObject):
    changed = Signal()
    _progressed = Signal(int, int)  # from the worker: (done, total)
    _done = Signal(str, object)  # from the worker: (what, result)

    @staticmethod
    def create(engine) -> Carry:
        return viewmodels.of(engine, "Carry")

    def __init__(self, loaded: LoadedConfig, keys: Callable[[], carry.StationKeys] | None = None,
                 *, find_sticks: Callable[[], list[Path]] = removable.sticks,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._dir = loaded.data_dir
        self._terminal = loaded.config.terminal.id
        self._keys = keys or _no_keys
        self._find = find_sticks
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="carry")
        self._progressed.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._stick: Path | None = None
        self._busy = False
        self._progress = 0.0
        self._result = ""
        self._bad = False

    stick = Property(str, lambda self: str(self._stick or ""), notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    progress = Property(float, lambda self: self._progress, notify=changed)
    result = Property(str, lambda self: self._result, notify=changed)
    resultBad = Property(bool, lambda self: self._bad, notify=changed)

    @Property(str, notify=changed)
    def stickWords(self) -> str:  # noqa: N802
        if self._stick is None:
            return "没有发现U盘：请把U盘插到本机的USB口"
        return f"已插入U盘（{self._stick}）"

    @Slot()
    def look(self) -> None:
        """Looks for a stick again (the screen asks every 2 s while it is shown)."""
        found = self._find()
        stick = found[0] if found else None
        if stick != self._stick:
            self._stick = stick
            self.changed.emit()

    @Slot()
    def clear(self) -> None:
        """The screen closed: its last result is not shown to the next technician."""
        if not self._busy and (self._result or self._progress):
            self._result, self._bad, self._progress = "", False, 0.0
            self.changed.emit()

    def _start(self, what: str, job: Callable[[], Any]) -> None:
        if self._busy or self._stick is None:
            return
        self._busy, self._progress, self._result, self._bad = True, 0.0, "", False
        self.changed.emit()
        self._executor.submit(self._work, what, job)

    @Slot()
    def exportToStick(self) -> None:  # noqa: N802
        stick = self._stick

        def job() -> str:
            from kiosk.store import Outbox

            keys = self._keys()
            with Outbox.open(self._dir) as outbox:
                done = carry.export(outbox, stick, terminal_id=keys.terminal_id,
                                    platform_public_key=keys.platform_public_key,
                                    signing_key=keys.signing_key, progress=self._progressed.emit)
            tech.audit(self._dir, self._terminal, "carry_export", submissions=done.submissions)
            return exported_words(done)

        self._start("export", job)

    @Slot()
    def importFromStick(self) -> None:  # noqa: N802
        stick = self._stick

        def job() -> str:
            from kiosk.store import Outbox

            keys = self._keys()
            with Outbox.open(self._dir) as outbox:
                result = carry.read_acknowledgements(outbox, stick, terminal_id=keys.terminal_id,
                                                     platform_key=keys.platform_key,
                                                     progress=self._progressed.emit)
            tech.audit(self._dir, self._terminal, "carry_import", delivered=result.delivered,
                       already=result.already)
            return imported_words(result)

        self._start("import", job)

    def _work(self, what: str, job: Callable[[], Any]) -> None:
        try:
            result = job()
        except Exception as exc:  # noqa: BLE001 — said on the screen, never lost
            if not isinstance(exc, carry.CarryError):
                log.warning("technician carry_%s failed: %s", what, type(exc).__name__)
            result = exc
        self._done.emit(what, result)

    def _on_progress(self, done: int, total: int) -> None:
        self._progress = done / total if total else 1.0
        self.changed.emit()

    def _on_done(self, what: str, result: Any) -> None:
        self._busy = False
        if isinstance(result, carry.CarryError):
            self._result, self._bad = result.plain, True
        elif isinstance(result, Exception):
            self._result, self._bad = "没有完成（程序出错，请把详情告诉维护人员）", True
        else:
            self._result, self._bad, self._progress = result, False, 1.0
        self.changed.emit()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
