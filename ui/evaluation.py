"""The service evaluation's view-model (好差评): the QML singleton `Evaluation`.

What a rating may be is `kiosk.evaluation`'s (the same rules as `kiosk evaluate`); this
adapter holds the choice being made, and queues it on a worker thread (the store's
write, one small transaction, never on the GUI thread) through `kiosk.evaluation.queue`.
Voluntary: nothing is selected at first, nothing is asked twice, and leaving the screen
(不评价, 完成, the idle wipe) rates nothing. `service` says which service is rated:
`terminal` after the receipt, `case` on the query screen for an answered case (the
component `EvaluationPanel.qml` serves both). The free text is typed in the field
`evaluation_text` of the visit, so it goes with the visit when the session ends.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlElement, QmlSingleton

from kiosk import evaluation
from kiosk.config import LoadedConfig
from ui import viewmodels

if TYPE_CHECKING:
    from kiosk.store import Outbox

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1
TEXT_PATH = "evaluation_text"
FAILED = "评价没有保存成功，请再按一次“提交评价”，或者不评价也可以。"


@QmlElement
@QmlSingleton
class Evaluation(QObject):
    changed = Signal()
    _stored = Signal(object, str)  # from the worker thread: (new | None, message)

    @staticmethod
    def create(engine) -> Evaluation:
        return viewmodels.of(engine, "Evaluation")

    def __init__(self, loaded: LoadedConfig, session: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._session = session
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="evaluate")
        self._outbox: Outbox | None = None
        self._stored.connect(self._on_stored, Qt.ConnectionType.QueuedConnection)
        session.wiped.connect(self.reset)
        self._service = "terminal"
        self._rated: set[tuple[str, str]] = set()  # (submission or case, service) rated here
        # For a `case` rating: (case number, how a follow-up names it) of the case on the
        # query screen, or None; handed in by the window (the query's view-model).
        self.case_target: Any = None
        self.on_case_rated: Any = None
        self.reset()

    @Slot()
    def reset(self) -> None:
        """Nothing chosen (a new citizen, another service)."""
        self._level = ""
        self._reasons: list[str] = []
        self._message = ""
        self._busy = False
        self._done = False
        self.changed.emit()

    # ---- what QML reads --------------------------------------------------------------------
    def _set_service(self, value: str) -> None:
        if value in evaluation.SERVICES and value != self._service:
            self._service = value
            self.reset()

    service = Property(str, lambda self: self._service, _set_service, notify=changed)
    levels = Property("QVariantList", lambda self: [
        {"code": c, "label": label, "bad": evaluation.is_bad(c)}
        for c, label in evaluation.LEVELS], constant=True)
    level = Property(str, lambda self: self._level, notify=changed)
    bad = Property(bool, lambda self: evaluation.is_bad(self._level), notify=changed)
    reasons = Property("QVariantList", lambda self: [
        {"code": c, "label": label, "chosen": c in self._reasons}
        for c, label in evaluation.REASONS[self._service]], notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    done = Property(bool, lambda self: self._done, notify=changed)
    textPath = Property(str, lambda self: TEXT_PATH, constant=True)

    @Property(str, notify=changed)
    def question(self) -> str:
        return f"您对{evaluation.SERVICES[self._service]}满意吗？"

    @Property(bool, notify=changed)
    def alreadyRated(self) -> bool:  # noqa: N802
        sid = self._submission_id()
        return sid is not None and (sid, self._service) in self._rated

    # ---- what the citizen does -------------------------------------------------------------
    @Slot(str)
    def choose(self, level: str) -> None:
        if level in evaluation.LEVEL_LABELS and not self._done:
            self._level = level
            if not evaluation.is_bad(level):
                self._reasons = []
            self._message = ""
            self.changed.emit()

    @Slot(str)
    def toggleReason(self, code: str) -> None:  # noqa: N802
        if code in self._reasons:
            self._reasons.remove(code)
        elif code in dict(evaluation.REASONS[self._service]):
            self._reasons.append(code)
        self._message = ""
        self.changed.emit()

    def _submission_id(self) -> str | None:
        receipt = getattr(self._session, "_receipt", None)
        return receipt.submission_id if receipt is not None else None

    @Slot()
    def submit(self) -> None:
        case_rating = self._service == "case" and self.case_target is not None
        sid = "" if case_rating else self._submission_id()
        if self._busy or self._done or sid is None:
            return
        text = self._session.value(TEXT_PATH) if self.bad else ""
        rating, problems = evaluation.validate(self._service, self._level, self._reasons,
                                               text if isinstance(text, str) else "")
        if rating is None:
            self._message = problems[0].message
            self.changed.emit()
            self._session.speak.emit(self._message)
            return
        self._busy = True
        self.changed.emit()
        self._executor.submit(self._store, sid, rating)

    def _store(self, submission_id: str, rating: evaluation.Rating) -> None:
        from kiosk.store import Outbox, StoreError

        try:
            self._outbox = (self._outbox.current() if self._outbox
                            else Outbox.open(self._loaded.data_dir))
            case: Any = submission_id
            if not submission_id:  # the case on the query screen (its own key, its link)
                target = self.case_target(self._outbox)
                if target is None:
                    raise RuntimeError("no case to rate")
                submission_id, case = target
            _, new = evaluation.queue(self._outbox, self._loaded, case, rating)
        except StoreError as exc:
            log.error("evaluation not stored: %s", exc)  # the cause, never the rating's text
            if self._outbox is not None:
                self._outbox.close()
                self._outbox = None
            self._stored.emit(None, FAILED)
            return
        except Exception as exc:  # the screen must answer whatever happens
            log.exception("evaluation not stored: %s", type(exc).__name__)
            self._stored.emit(None, FAILED)
            return
        self._stored.emit((submission_id, rating.service, new), "")

    def _on_stored(self, outcome: Any, message: str) -> None:
        self._busy = False
        if outcome is None:
            self._message = message
        else:
            submission_id, service, _new = outcome
            self._rated.add((submission_id, service))
            self._done = True
            if service == "case" and self.on_case_rated is not None:
                self.on_case_rated()
            log.info("service evaluation queued")
            self._message = "谢谢您的评价！"
        self.changed.emit()
        self._session.speak.emit(self._message)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)
        if self._outbox is not None:
            self._outbox.close()
            self._outbox = None
