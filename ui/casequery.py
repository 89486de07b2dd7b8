"""`Query`, the view-model of 查询办理进度 (screens/query.qml).

What the citizen types stays here, in memory, and goes with the session (`Session.wiped`).
The check of what was typed is the core's (`kiosk.casequery.read_entry`); the read is
handed in by the kiosk command (`app/cases.py`'s `query_for`), since the UI reaches no
network itself, and runs on its own thread: the screen never waits on it. A result that
comes back after the session ended (返回首页, idle) is dropped, never shown to the next
person. `page` is what the screen shows: `entry` (with `message` near the fields for
"not found" and "wait"), `found`, `pending` (confirmed here, not delivered yet) or
`offline`. The citizen chooses what they hold: the receipt number (digit pad) or the
query code (a pad of exactly its characters).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import casequery
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

Reader = Callable[[casequery.Lookup], casequery.Answer]


def _no_reader(lookup: casequery.Lookup) -> casequery.Answer:
    return casequery.Answer("unavailable", detail="no case reader was handed to the screen")


def _lines(lines: list[casequery.Line]) -> list[dict]:
    return [{"when": x.when, "text": x.text} for x in lines]


def shown(told: casequery.Explained) -> dict:
    """What the result page binds to."""
    return {"caseNo": told.case_no, "kind": told.kind_label, "status": told.status_label,
            "statusText": told.status_text, "history": _lines(told.history),
            "ahead": _lines(told.ahead), "rules": told.rules, "notes": told.notes,
            "answered": told.answered}


@QmlNamedElement("Query")
@QmlSingleton
class CaseQuery(QObject):
    changed = Signal()  # everything the screen shows
    _done = Signal(int, object)  # from the worker: (generation, Answer or exception)

    @staticmethod
    def create(engine) -> CaseQuery:
        return viewmodels.of(engine, "Query")

    def __init__(self, session, *, reader: Reader | None = None,
                 today: Callable[[], date] = date.today, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._reader = reader or _no_reader
        self._today = today
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="case-query")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._generation = 0  # a new one on every wipe: late answers are dropped
        session.wiped.connect(self.reset)
        self._clear()

    def _clear(self) -> None:
        self._by: casequery.By = "receipt"
        self._number = ""
        self._last4 = ""
        self._problems: dict[str, str] = {}
        self._message = ""
        self._page = "entry"
        self._busy = False
        self._result: dict = {}

    @Slot()
    def reset(self) -> None:
        """Forgets everything typed and read (the session ended, or 重新查询)."""
        self._generation += 1
        self._clear()
        self.changed.emit()

    by = Property(str, lambda self: self._by, notify=changed)  # receipt | code
    number = Property(str, lambda self: self._number, notify=changed)
    phoneLast4 = Property(str, lambda self: self._last4, notify=changed)
    problems = Property("QVariantMap", lambda self: self._problems, notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)
    page = Property(str, lambda self: self._page, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    result = Property("QVariantMap", lambda self: self._result, notify=changed)

    @Slot(str)
    def setBy(self, by: str) -> None:  # noqa: N802
        """回执编号 or 查询码: the number typed so far goes (it was the other kind)."""
        if by not in ("receipt", "code") or by == self._by:
            return
        self._by = "code" if by == "code" else "receipt"
        self._number = ""
        self._problems.pop(casequery.NUMBER, None)
        self._message = ""
        self.changed.emit()

    @Slot(str)
    def setNumber(self, text: str) -> None:  # noqa: N802
        self._number = text
        self._problems.pop(casequery.NUMBER, None)
        self._message = ""
        self.changed.emit()

    @Slot(str)
    def setPhoneLast4(self, text: str) -> None:  # noqa: N802
        self._last4 = text
        self._problems.pop(casequery.PHONE_LAST4, None)
        self._message = ""
        self.changed.emit()

    @Slot()
    def submit(self) -> None:
        """查询: every problem shown at its field, or the read started off the GUI thread."""
        if self._busy:
            return
        lookup, problems = casequery.read_entry(self._number, self._last4, self._by)
        self._problems = {p.path: p.message for p in problems}
        self._message = ""
        if lookup is None:
            self.changed.emit()
            self._session.speak.emit(problems[0].message)
            return
        self._busy = True
        self.changed.emit()
        generation = self._generation
        self._executor.submit(self._work, generation, lookup)

    @Slot()
    def again(self) -> None:
        """查询其他申请 / 返回修改: back to the entry, what was typed kept."""
        self._page = "entry"
        self._result = {}
        self.changed.emit()

    def _work(self, generation: int, lookup: casequery.Lookup) -> None:
        try:
            answer: object = self._reader(lookup)
        except Exception as exc:  # a reader that fails is a network we cannot use
            log.warning("case query failed: %s", type(exc).__name__)
            answer = exc
        self._done.emit(generation, answer)

    def _on_done(self, generation: int, answer: object) -> None:
        if generation != self._generation:
            return  # the session ended meanwhile: nothing of it is shown
        self._busy = False
        if not isinstance(answer, casequery.Answer):
            answer = casequery.Answer("offline")
        if answer.state == "found" and answer.progress is not None:
            told = casequery.explain(answer.progress, self._today())
        elif answer.state == "pending" and answer.pending is not None:
            told = casequery.explain_pending(answer.pending)
        else:
            told = None
        if told is not None:
            self._page = answer.state
            self._result = shown(told)
            say = told.spoken
        elif answer.state == "offline":
            self._page = "offline"
            say = casequery.message(answer)
        else:  # not found, wait, cannot ask: said near the fields, what was typed kept
            self._page = "entry"
            self._message = casequery.message(answer)
            say = self._message
        self.changed.emit()
        self._session.speak.emit(say)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
