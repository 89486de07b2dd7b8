"""Technician mode in the kiosk window: the hidden gesture, the PIN pad, the maintenance
screen and its actions.

Five taps within 3 s in the top-right corner (an invisible 120 × 120 px area, seen by
an application event filter that swallows nothing, so it works over every screen)
open the PIN pad. The PIN never reaches QML: the pad sends digits here, and the
check (scrypt, on a worker thread) is kiosk/technician.py's, with its persisted
lock-out. A right PIN wipes the visitor's session first, then shows the screen.
Everything the screen shows is read off the GUI thread; nothing personal is on it
(the outbox holds only masked receipt fields, and the log lines are redacted).
The screen closes itself after 2 minutes without a touch.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Property, QCoreApplication, QEvent, QObject, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QInputDevice
from PySide6.QtQml import QmlElement, QmlSingleton

from kiosk import __version__, causes, clock_trust, content, logs
from kiosk import technician as tech
from kiosk.config import LoadedConfig
from kiosk.exits import EXIT_LEAVE
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

CORNER_PX = 120
TAPS = 5
TAP_WINDOW_S = 3.0
SCREEN_IDLE_MS = 120_000
PAD_IDLE_MS = 60_000
EXIT_RESTART = 0  # the unit starts it again
ERROR_LINES = 5
# The queue and its oldest item's age are read again this often while the screen is
# open: a technician watching it sees the queue move and the age grow.
REFRESH_MS = 5_000

STATE_LABELS = [("queued", "待发送"), ("sending", "发送中"), ("needs_attention", "需处理"),
                ("set_aside", "已搁置"), ("delivered", "已送达"), ("purged", "已清理")]
_ACTIVITY = {QEvent.Type.MouseButtonPress, QEvent.Type.TouchBegin, QEvent.Type.KeyPress,
             QEvent.Type.Wheel}


def age_zh(delta: timedelta | None) -> str:
    if delta is None:
        return "无"
    s = int(delta.total_seconds())
    if s < 60:
        return f"{s} 秒"
    if s < 3600:
        return f"{s // 60} 分钟"
    if s < 2 * 86400:
        return f"{s // 3600} 小时 {s % 3600 // 60} 分钟"
    return f"{s // 86400} 天 {s % 86400 // 3600} 小时"


def size_zh(n: int) -> str:
    gb = n / 1024 ** 3
    return f"{gb:.1f} GB" if gb >= 1 else f"{n / 1024 ** 2:.0f} MB"


def _local(when: datetime) -> str:
    return when.astimezone().strftime("%m-%d %H:%M")


def oldest_zh(age: timedelta | None, now: datetime) -> str:
    """How long the oldest submission has waited, and since when (the time anchors the
    age, so a reading is never mistaken for a live count)."""
    if age is None:
        return "无"
    return f"{age_zh(age)}（{_local(now - age)} 确认）"


def _cause(text: str, free: int | None) -> dict:
    """A recorded cause for the screen: plain Chinese first, the English behind 详情."""
    cause = causes.explain(logs.redact(text), free_bytes=free)
    return {"words": cause.words, "detail": cause.detail[:400]}


def snapshot(data_dir: Path, open_store: Callable[[], Any]) -> dict:
    """What the technician screen shows, read from the store, the logs and the disk
    (off the GUI thread). `open_store` gives the open outbox."""
    now = datetime.now(UTC)
    data: dict[str, Any] = {"storeProblem": "", "storeDetail": ""}
    # The free space first: it says of a recorded "full" whether the disk still is.
    free: int | None = None
    try:
        usage = shutil.disk_usage(data_dir)
        free = usage.free
        data["disk"] = f"{size_zh(usage.free)} 可用（共 {size_zh(usage.total)}）"
        data["diskLow"] = usage.free < 1024 ** 3
    except OSError:
        data["disk"], data["diskLow"] = "未知", True
    try:
        box = open_store()
        st = box.status(now=now)
        data["counts"] = [{"state": s, "label": label, "count": st.counts.get(s, 0)}
                          for s, label in STATE_LABELS]
        data["oldest"] = oldest_zh(st.oldest_queued_age, now)
        data["attention"] = [{
            "id": i.submission_id, "receipt": i.display_no, "created": _local(i.created_at),
            "attempts": i.attempts, "kind": str(i.receipt_fields.get("kind_label") or ""),
            **(_cause(i.last_error, free) if i.last_error
               else {"words": "平台没有说明原因", "detail": ""}),
        } for i in box.items("needs_attention", limit=20)]
    except Exception as exc:  # a broken store is what the technician must see
        log.warning("technician screen: store unreadable: %s", type(exc).__name__)
        cause = _cause(f"{type(exc).__name__}: {exc}", free)
        data["storeProblem"] = f"无法读取本机存储：{cause['words']}"
        data["storeDetail"] = cause["detail"]
        data["counts"], data["oldest"], data["attention"] = [], "未知", []
    entries, _ = logs.read_entries(data_dir, since=now - timedelta(days=7))
    bad = [e for e in entries if str(e.data.get("level")) in ("WARNING", "ERROR", "CRITICAL")]
    data["errors"] = [{
        "when": e.time.astimezone().strftime("%m-%d %H:%M:%S"),
        "level": "错误" if e.data.get("level") != "WARNING" else "警告",
        **_cause(f"{e.component}: {e.data.get('message', '')}"
                 + (f" [{e.data['exc_type']}]" if e.data.get("exc_type") else ""), free),
    } for e in reversed(bad[-ERROR_LINES:])]
    pulled = content.read(data_dir)
    data["content"] = f"第 {pulled.version} 版" if pulled else "尚未从平台下载（使用本机配置）"
    data.update(contact_fields(data_dir))
    return data


def contact_fields(data_dir: Path) -> dict[str, Any]:
    """How long the station has been cut off and what its clock is worth
    (`kiosk.clock_trust.station_contact`, the same words as `kiosk status`)."""
    contact = clock_trust.station_contact(data_dir)
    return {"contact": contact.words,
            "contactBad": contact.cut_off_seconds is None
            or contact.cut_off_seconds >= clock_trust.CONNECTED_WITHIN,
            "clock": contact.clock_words.removeprefix("本机时钟："),
            "clockBad": contact.trust.state != clock_trust.SYNCED}


def _no_network_test() -> list[tech.Reach]:
    return [tech.Reach("reach", "", False, "网络测试不可用：本机没有安装发送程序")]


@QmlElement
@QmlSingleton
class Technician(QObject):
    changed = Signal()  # mode, pad state, messages
    dataChanged = Signal()  # what the screen shows
    _done = Signal(str, object)  # from the worker: (what, result)

    @staticmethod
    def create(engine) -> Technician:
        return viewmodels.of(engine, "Technician")

    def __init__(self, loaded: LoadedConfig, session, *, lockdown=None,
                 clock: Callable[[], float] = time.monotonic,
                 exit_app: Callable[[int], None] | None = None,
                 screen_idle_ms: int = SCREEN_IDLE_MS, pad_idle_ms: int = PAD_IDLE_MS,
                 network_test: Callable[[], list[tech.Reach]] | None = None,
                 refresh_ms: int = REFRESH_MS, parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._dir = loaded.data_dir
        self._terminal = loaded.config.terminal.id
        self._session = session
        self._lockdown = lockdown
        self._clock = clock
        self._exit = exit_app or (lambda code: QCoreApplication.exit(code))
        # Handed in by the kiosk command: the UI does not reach the network itself.
        self._network_test = network_test or _no_network_test
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="technician")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._window = None
        self._taps: deque[float] = deque()
        self._mode = ""
        self._pin = ""
        self._pin_set = False
        self._message = ""
        self._busy = False
        self._lock_left = 0
        self._lock_timer = QTimer(self, interval=1000)
        self._lock_timer.timeout.connect(self._tick_lock)
        self._screen_idle_ms, self._pad_idle_ms = screen_idle_ms, pad_idle_ms
        self._idle = QTimer(self, singleShot=True)
        self._idle.timeout.connect(self._on_idle)
        self._outbox = None
        self._data: dict[str, Any] = {}
        self._notice = ""
        self._reach: list[dict] = []
        self._reach_busy = False
        self._reading = False  # a refresh is under way: another asked meanwhile follows it
        self._read_again = False
        self._refresh_timer = QTimer(self, interval=refresh_ms)
        self._refresh_timer.timeout.connect(self.refresh)

    # ---- the gesture ---------------------------------------------------------------------
    def attach(self, window) -> None:
        self._window = window

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in _ACTIVITY and self._mode and self._idle.isActive():
            self._idle.start()
        if self._window is None or obj is not self._window or self._mode:
            return False
        if kind == QEvent.Type.MouseButtonPress:
            if event.button() != Qt.MouseButton.LeftButton or \
                    event.device().type() == QInputDevice.DeviceType.TouchScreen:
                return False  # a touch already counted as one
            self._corner(event.position())
        elif kind == QEvent.Type.TouchBegin:
            points = event.points()
            if points:
                self._corner(points[0].position())
        return False

    def _corner(self, pos) -> None:
        if pos.x() < self._window.width() - CORNER_PX or pos.y() > CORNER_PX:
            self._taps.clear()  # a tap elsewhere breaks the sequence
            return
        now = self._clock()
        while self._taps and now - self._taps[0] > TAP_WINDOW_S:
            self._taps.popleft()
        self._taps.append(now)
        if len(self._taps) >= TAPS:
            self._taps.clear()
            self.openPad()

    # ---- the PIN pad ---------------------------------------------------------------------
    @Slot()
    def openPad(self) -> None:  # noqa: N802
        self._mode = "pin"
        self._pin = ""
        self._message = ""
        self._pin_set = tech.pin_is_set(self._dir)
        self._tick_lock()
        self._idle.start(self._pad_idle_ms)
        self.changed.emit()

    def _tick_lock(self) -> None:
        left = tech.locked_seconds(self._dir)
        if left != self._lock_left:
            self._lock_left = left
            if not left:
                self._message = ""
            self.changed.emit()
        if left and not self._lock_timer.isActive():
            self._lock_timer.start()
        elif not left:
            self._lock_timer.stop()

    @Slot(str)
    def pressDigit(self, digit: str) -> None:  # noqa: N802
        if digit.isdigit() and len(digit) == 1 and len(self._pin) < tech.PIN_MAX and \
                not self._lock_left and self._pin_set:
            self._pin += digit
            self._message = ""
            self.changed.emit()

    @Slot()
    def backspace(self) -> None:
        self._pin = self._pin[:-1]
        self.changed.emit()

    @Slot()
    def clearPin(self) -> None:  # noqa: N802
        self._pin = ""
        self.changed.emit()

    @Slot()
    def submitPin(self) -> None:  # noqa: N802
        if self._busy or not self._pin_set or self._lock_left or not self._pin:
            return
        pin, self._pin = self._pin, ""
        self._busy = True
        self.changed.emit()
        self._executor.submit(self._work, "verify",
                              lambda: tech.verify(self._dir, pin, terminal_id=self._terminal))

    def _verified(self, attempt: tech.Attempt | Exception) -> None:
        self._busy = False
        if isinstance(attempt, Exception):
            self._message = "无法核对密码：本机存储不可用"
        elif attempt.outcome == "ok":
            self._session.wipe()  # nothing of a visitor's session reaches the technician
            self._mode = "screen"
            self._message = ""
            self._notice = ""
            self._reach = []
            self._idle.start(self._screen_idle_ms)
            log.info("technician mode opened")
            self.refresh()
            self._refresh_timer.start()
        elif attempt.outcome == "wrong":
            if attempt.locked_seconds:
                self._message = "密码错误次数过多，已暂时锁定"
            else:
                self._message = f"密码不正确，还可以再试 {attempt.tries_left} 次"
            log.warning("technician PIN refused")
        elif attempt.outcome == "locked":
            self._message = "密码错误次数过多，已暂时锁定"
        else:
            self._pin_set = False
        self._tick_lock()
        self.changed.emit()

    # ---- properties ----------------------------------------------------------------------
    mode = Property(str, lambda self: self._mode, notify=changed)
    pinSet = Property(bool, lambda self: self._pin_set, notify=changed)
    pinLength = Property(int, lambda self: len(self._pin), notify=changed)
    pinMax = Property(int, lambda self: tech.PIN_MAX, constant=True)
    message = Property(str, lambda self: self._message, notify=changed)
    lockSeconds = Property(int, lambda self: self._lock_left, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    notice = Property(str, lambda self: self._notice, notify=dataChanged)
    reachBusy = Property(bool, lambda self: self._reach_busy, notify=dataChanged)
    reach = Property("QVariantList", lambda self: list(self._reach), notify=dataChanged)
    terminalId = Property(str, lambda self: self._terminal, constant=True)
    version = Property(str, lambda self: __version__, constant=True)

    @Property("QVariantMap", notify=dataChanged)
    def info(self) -> dict:
        return dict(self._data)

    @Property("QVariantList", constant=True)
    def reasons(self) -> list:
        return [{"code": c, "label": label} for c, label in tech.SET_ASIDE_REASONS.items()]

    # ---- the screen's data ---------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        if self._reading:
            self._read_again = True  # what it reads may predate what was just done
            return
        self._reading = True
        self._executor.submit(self._work, "refresh", self._snapshot)

    def _store(self):
        from kiosk.store import Outbox

        self._outbox = self._outbox.current() if self._outbox else Outbox.open(self._dir)
        return self._outbox

    def _snapshot(self) -> dict:
        return snapshot(self._dir, self._store)

    # ---- actions -------------------------------------------------------------------------
    def _act(self, what: str, job: Callable[[], Any]) -> None:
        self._idle.start(self._screen_idle_ms)
        self._executor.submit(self._work, what, job)

    @Slot(str)
    def retry(self, submission_id: str) -> None:
        def job() -> str:
            box = self._store()
            info = box.get(submission_id)
            box.retry_needs_attention(submission_id)
            tech.audit(self._dir, self._terminal, "retry", receipt=info.receipt_no if info else "")
            from kiosk import wake

            wake.notify(self._dir)
            return f"回执号 {info.display_no if info else ''} 已重新排队发送"

        if self._mode == "screen":
            self._act("action", job)

    @Slot(str, str, str)
    def setAside(self, submission_id: str, code: str, typed: str) -> None:  # noqa: N802
        reason = tech.reason_text(code, typed)
        if not reason:
            self._notice = "请选择或填写搁置原因"
            self.dataChanged.emit()
            return

        def job() -> str:
            box = self._store()
            info = box.get(submission_id)
            box.set_aside(submission_id, reason)
            tech.audit(self._dir, self._terminal, "set_aside",
                       receipt=info.receipt_no if info else "",
                       reason=code if code in tech.SET_ASIDE_REASONS else reason)
            return f"回执号 {info.display_no if info else ''} 已搁置：{reason}"

        if self._mode == "screen":
            self._act("action", job)

    @Slot()
    def syncNow(self) -> None:  # noqa: N802
        def job() -> str:
            from kiosk import wake

            heard = wake.notify(self._dir)
            tech.audit(self._dir, self._terminal, "sync_now", worker_listening=heard)
            return "已通知发送程序立即发送" if heard else "发送程序没有运行（请检查 kiosk sync 服务）"

        if self._mode == "screen":
            self._act("action", job)

    @Slot()
    def testConnectivity(self) -> None:  # noqa: N802
        if self._mode != "screen" or self._reach_busy:
            return
        self._reach_busy = True
        self._reach = []
        self.dataChanged.emit()

        def job() -> list[dict]:
            results = self._network_test()
            tech.audit(self._dir, self._terminal, "connectivity_test",
                       reachable=sum(r.ok for r in results), tried=len(results))
            return [{"name": r.platform or r.name, "ok": r.ok,
                     "words": "连通" if r.ok else causes.explain(r.found).words,
                     "detail": r.found} for r in results]

        self._act("reach", job)

    @Slot()
    def back(self) -> None:
        """返回 (on the screen or the pad): back to the home screen."""
        if self._mode == "screen":
            tech.audit(self._dir, self._terminal, "close")
        self._close()

    def _close(self) -> None:
        # From the pad a visitor's session (hidden behind it) comes back as it was; after
        # the technician screen the kiosk starts afresh on the home screen.
        wipe = self._mode == "screen"
        self._mode = ""
        self._pin = ""
        self._message = ""
        self._data = {}
        self._reach = []
        self._notice = ""
        self._idle.stop()
        self._lock_timer.stop()
        self._refresh_timer.stop()
        if wipe:
            self._session.wipe()
        self.changed.emit()
        self.dataChanged.emit()

    def _on_idle(self) -> None:
        if self._mode == "screen":
            tech.audit(self._dir, self._terminal, "close", by="idle")
        self._close()

    @Slot()
    def leave(self) -> None:
        """退出自助服务: the kiosk ends and the unit does not start it again."""
        self._end("leave", EXIT_LEAVE)

    @Slot()
    def restart(self) -> None:
        """重新启动: the kiosk ends and the unit starts it again."""
        self._end("restart", EXIT_RESTART)

    def _end(self, what: str, code: int) -> None:
        if self._mode != "screen":
            return
        tech.audit(self._dir, self._terminal, what)
        log.info("technician: %s", what)
        if self._lockdown is not None:
            self._lockdown.allow_exit()
        self._idle.stop()
        self._refresh_timer.stop()
        self._exit(code)

    # ---- results from the worker ---------------------------------------------------------
    def _work(self, what: str, job: Callable[[], Any]) -> None:
        try:
            result = job()
        except Exception as exc:
            log.warning("technician %s failed: %s", what, type(exc).__name__)
            result = exc
        self._done.emit(what, result)

    def _on_done(self, what: str, result: Any) -> None:
        if what == "verify":
            self._verified(result)
            return
        if what == "refresh":
            self._reading = False
            if self._read_again and self._mode == "screen":
                self._read_again = False
                self.refresh()
        if self._mode != "screen":
            return  # closed meanwhile: show nothing
        if what == "refresh":
            if isinstance(result, Exception) or result == self._data:
                return  # nothing new: the screen stays as it is
            self._data = result
        elif what == "reach":
            self._reach_busy = False
            self._reach = [] if isinstance(result, Exception) else result
            if isinstance(result, Exception):
                self._notice = "网络测试没有完成"
        elif what == "action":
            self._notice = result if isinstance(result, str) else \
                f"没有完成（{type(result).__name__}）"
            self.refresh()
        self.dataChanged.emit()

    def shutdown(self) -> None:
        self._idle.stop()
        self._lock_timer.stop()
        self._refresh_timer.stop()
        self._executor.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
