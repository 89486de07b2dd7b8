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

From a found case the citizen may go on (`kiosk.case_actions`, the same checks as
`kiosk supplement` / `kiosk withdraw`): `supplement` (补充材料, while the office waits for
material: pages photographed into the session, role `supplement`), `withdraw` (撤回申请,
before the opinion: signed on the session's signature pad), `rate` (评价 the handling of
an answered case, the `Evaluation` panel with service `case`), each ending on `done`.
What is queued is sealed at once; the store's work runs on the view-model's thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import case_actions, casequery, timelimits
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

Reader = Callable[[casequery.Lookup], casequery.Answer]
STORE_FAILED = "没有保存成功，请再按一次，或请工作人员帮助。"


def _no_reader(lookup: casequery.Lookup) -> casequery.Answer:
    return casequery.Answer("unavailable", detail="no case reader was handed to the screen")


def _lines(lines: list[casequery.Line]) -> list[dict]:
    return [{"when": x.when, "text": x.text} for x in lines]


SUPPLEMENT_ROLE = "supplement"  # the session's photos that are pages of material added


def shown(told: casequery.Explained) -> dict:
    """What the result page binds to."""
    return {"caseNo": told.case_no, "kind": told.kind_label, "status": told.status_label,
            "statusText": told.status_text, "history": _lines(told.history),
            "ahead": _lines(told.ahead), "rules": told.rules, "notes": told.notes,
            "answered": told.answered, "canSupplement": False, "canWithdraw": False,
            "canRate": False, "held": []}


def _held_words(held: list) -> list[str]:
    """What this terminal keeps for the case, said to the citizen."""
    words = []
    for f in held:
        sent = f.state == "delivered"
        if f.kind == "supplement":
            pages = (f.payload or {}).get("pages", 0)
            words.append(f"您在本机补充的材料（{pages}页）" + ("已经送到办理单位。" if sent
                                                        else "已保存，会自动送到办理单位。"))
        elif f.kind == "withdrawal":
            words.append("您的撤回申请" + ("已经送到办理单位，等待确认。" if sent
                                      else "已保存，会自动送到办理单位。"))
        elif f.kind == "evaluation" and f.service == "case":
            words.append("您已经评价过这件事的办理，谢谢。")
    return words


def actions(progress, held: list) -> dict:
    """Which of 补充材料 / 撤回申请 / 评价 the result offers, and what is held already."""
    withdrawal = any(f.kind == "withdrawal" for f in held)
    rated = "case" in progress.evaluated or any(
        f.kind == "evaluation" and f.service == "case" for f in held)
    due = casequery.material_due(progress)
    asked = casequery.material_asked(progress)
    return {"canSupplement": case_actions.may_supplement(progress),
            "materialNote": (asked.note or "") if asked else "",
            "materialDue": timelimits.format_date_zh(due) if due else "",
            "canWithdraw": casequery.may_withdraw(progress) and not withdrawal,
            "canRate": progress.status in ("answered", "closed") and not rated,
            "held": _held_words(held)}


@QmlNamedElement("Query")
@QmlSingleton
class CaseQuery(QObject):
    changed = Signal()  # everything the screen shows
    _done = Signal(int, object)  # from the worker: (generation, Answer or exception)

    @staticmethod
    def create(engine) -> CaseQuery:
        return viewmodels.of(engine, "Query")

    _acted = Signal(int, str, str, str)  # from the worker: (generation, from page, page, words)

    def __init__(self, session, *, reader: Reader | None = None,
                 today: Callable[[], date] = date.today, loaded: Any = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._reader = reader or _no_reader
        self._today = today
        self._loaded = loaded  # the configuration: the store, the platform's key, our id
        self._outbox: Any = None
        self._acted.connect(self._on_acted, Qt.ConnectionType.QueuedConnection)
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="case-query")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self._generation = 0  # a new one on every wipe: late answers are dropped
        session.wiped.connect(self.reset)
        session.materialChanged.connect(self.changed)  # the pages photographed
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
        self._progress: Any = None  # the case read (schemas.CaseProgress), for what follows
        self._lookup: casequery.Lookup | None = None
        self._action_message = ""
        self._done_text = ""

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
    actionMessage = Property(str, lambda self: self._action_message, notify=changed)
    doneText = Property(str, lambda self: self._done_text, notify=changed)
    supplementRole = Property(str, lambda self: SUPPLEMENT_ROLE, constant=True)
    pageCount = Property(int, lambda self: len(self._pages()), notify=changed)

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

    def scanned(self, receipt_no: str) -> None:
        """A receipt number read from the receipt's QR code (ui/camera.py): as if typed."""
        self.setBy("receipt")
        self.setNumber(receipt_no)

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
        held: list = []
        if isinstance(answer, casequery.Answer) and answer.progress is not None:
            held = self._held(answer.progress)
        self._done.emit(generation, (answer, lookup, held))

    def _store(self) -> Any:
        """The outbox, opened once on the worker thread (None without a configuration)."""
        if self._loaded is None:
            return None
        from kiosk.store import Outbox

        self._outbox = (self._outbox.current() if self._outbox
                        else Outbox.open(self._loaded.data_dir))
        return self._outbox

    def _held(self, progress: Any) -> list:
        try:
            outbox = self._store()
            return case_actions.held(outbox, progress) if outbox is not None else []
        except Exception as exc:  # what is held only hides buttons; the read still shows
            log.warning("follow-ups of the case not read: %s", type(exc).__name__)
            return []

    def _on_done(self, generation: int, outcome: object) -> None:
        if generation != self._generation:
            return  # the session ended meanwhile: nothing of it is shown
        self._busy = False
        answer, lookup, held = outcome  # type: ignore[misc]
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
            if answer.progress is not None:
                self._progress, self._lookup = answer.progress, lookup
                self._result.update(actions(answer.progress, held))
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

    # ---- after the read: 补充材料, 撤回申请, 评价 ------------------------------------------------
    def _go(self, page: str, say: str) -> None:
        self._page = page
        self._action_message = ""
        self.changed.emit()
        self._session.speak.emit(say)

    @Slot()
    def openSupplement(self) -> None:  # noqa: N802
        if self._result.get("canSupplement"):
            self._go("supplement", "请把要补充的材料一页一页拍下来，拍完按“提交补充材料”。")

    @Slot()
    def openWithdraw(self) -> None:  # noqa: N802
        if self._result.get("canWithdraw"):
            self._session.clearSignature()
            self._go("withdraw", "撤回以后，这件事就不再办理了。"
                                 "如果确定要撤回，请在下面的框里签名，再按“确认撤回”。")

    @Slot()
    def openRate(self) -> None:  # noqa: N802
        if self._result.get("canRate"):
            self._go("rate", "评价是自愿的，不评价也可以。")

    @Slot()
    def backToResult(self) -> None:  # noqa: N802
        """返回: the case read, unchanged; pages and signature stay until the session ends."""
        if self._progress is not None:
            self._go("found", "")

    def case_target(self, outbox: Any) -> tuple[str, Any] | None:
        """(case number, how a follow-up names it) of the case read, for the `case`
        rating; worked out on the caller's (worker) thread with the caller's outbox."""
        if self._progress is None or self._lookup is None or self._loaded is None:
            return None
        return self._progress.case_no, case_actions.case_ref(
            outbox, self._loaded.config.terminal.id, self._progress, self._lookup)

    def rated(self) -> None:
        """The `case` rating was queued: the result no longer offers it."""
        self._result = {**self._result, "canRate": False,
                        "held": [*self._result.get("held", []), "您已经评价过这件事的办理，谢谢。"]}
        self.changed.emit()

    def _pages(self) -> list:
        from kiosk.submission import AttachmentData

        return [AttachmentData("evidence", a.media_type, a.content)
                for a in self._session.visit.photos if a.role == SUPPLEMENT_ROLE]

    @Slot()
    def submitSupplement(self) -> None:  # noqa: N802
        """提交补充材料: checked as `kiosk supplement` checks, then sealed and queued."""
        if self._busy or self._progress is None:
            return
        pages = self._pages()
        problems = case_actions.check_supplement(self._progress, pages)
        if problems:
            self._say_problem(problems[0].message)
            return
        self._start(lambda: self._queue_supplement(pages))

    @Slot()
    def submitWithdrawal(self) -> None:  # noqa: N802
        """确认撤回: checked as `kiosk withdraw` checks, then sealed and queued."""
        if self._busy or self._progress is None:
            return
        signature = self._session.signature_png()
        problems = case_actions.check_withdrawal(self._progress, signature)
        if problems:
            self._say_problem(problems[0].message)
            return
        self._start(lambda: self._queue_withdrawal(signature))

    def _say_problem(self, message: str) -> None:
        self._action_message = message
        self.changed.emit()
        self._session.speak.emit(message)

    def _start(self, work: Callable[[], tuple[str, str]]) -> None:
        self._busy = True
        self._action_message = ""
        self.changed.emit()
        generation, acting_on = self._generation, self._page

        def run() -> None:
            try:
                page, words = work()
            except Exception as exc:  # the screen must answer whatever happens
                log.error("follow-up not stored: %s", type(exc).__name__)  # never its content
                self._outbox = None
                page, words = "", STORE_FAILED
            self._acted.emit(generation, acting_on, page, words)

        self._executor.submit(run)

    def _ref(self, outbox: Any) -> Any:
        assert self._loaded is not None and self._lookup is not None
        return case_actions.case_ref(outbox, self._loaded.config.terminal.id, self._progress,
                                     self._lookup)

    def _queue_supplement(self, pages: list) -> tuple[str, str]:
        outbox = self._store()
        case_actions.queue_supplement(outbox, self._loaded, self._ref(outbox), pages)
        log.info("material added to a case queued: %d page(s)", len(pages))
        return "done", (f"您补充的{len(pages)}页材料已经保存在本机，会自动送到办理单位，"
                        "不需要再交一次。办理单位收到后会继续办理。")

    def _queue_withdrawal(self, signature: bytes) -> tuple[str, str]:
        outbox = self._store()
        _, new = case_actions.queue_withdrawal(outbox, self._loaded, self._ref(outbox),
                                               signature)
        log.info("a withdrawal queued%s", "" if new else " (asked for before)")
        return "done", ("您的撤回申请已经保存在本机，会自动送到办理单位。办理单位确认后，"
                        "查询时会显示“已撤回”。")

    def _on_acted(self, generation: int, acting_on: str, page: str, words: str) -> None:
        if generation != self._generation:
            return  # queued all the same; the next person sees nothing of it
        self._busy = False
        if self._page != acting_on:  # the citizen went elsewhere meanwhile: stay there
            self.changed.emit()
            return
        if page:
            self._session.removePhotos(SUPPLEMENT_ROLE)
            self._session.clearSignature()
            self._done_text = words
            self._go(page, words)
        else:
            self._say_problem(words)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
