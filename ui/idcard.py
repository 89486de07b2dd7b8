"""`IdCard`, the view-model of 刷身份证 on a person's form (PersonForm.qml).

The read itself is the core's (`kiosk.idcard.read_card`: the SAM frames over pyserial,
or a vendor's plug-in), handed in by `ui/app.py` as a callable and run on this model's
one worker thread, so the screen never waits on the serial line. A card read fills the
form (document type, number, name, address; sex and birth date are what the number
says, shown by the form for the citizen to confirm), and the citizen checks it and may
change anything. A read that fails says why in plain words and leaves the form as it
was: typing by hand stays possible. What was read lives in the visit's answers only,
like anything typed, and goes with the session (`Session.wiped`); a read that comes
back after the session ended is dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import identity, timelimits
from kiosk.idcard import Card, ReadFailed
from kiosk.idcard.card import SEX_WORDS
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

CardReader = Callable[[], Card]
# The unexpected: a bug in a reader's code must not take the form with it.
FAILED_OTHERWISE = "身份证阅读器出了问题。请直接在下面填写，或请工作人员帮助。"


def readout(card: Card) -> str:
    """What the citizen is asked to check, the number masked as the app masks it."""
    sex = SEX_WORDS.get(card.sex or "", "")
    born = timelimits.format_date_zh(card.birth_date)
    return (f"已从身份证读出：{card.name}，{sex + '，' if sex else ''}{born}出生，"
            f"证件号码 {identity.mask_id(card.id_number)}。\n"
            "请核对下面的内容，不对的地方可以直接改。")


@QmlNamedElement("IdCard")
@QmlSingleton
class IdCard(QObject):
    changed = Signal()  # busy, message, readout, prefix
    _done = Signal(int, str, object)  # from the worker: (generation, prefix, Card or error)

    @staticmethod
    def create(engine) -> IdCard:
        return viewmodels.of(engine, "IdCard")

    def __init__(self, session: Any, reader: CardReader | None, parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self._reader = reader
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="idcard")
        self._generation = 0
        self._busy = False
        self._message = ""
        self._readout = ""
        self._prefix = ""
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        session.wiped.connect(self.reset)

    available = Property(bool, lambda self: self._reader is not None, constant=True)
    busy = Property(bool, lambda self: self._busy, notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)  # why a read failed
    readOut = Property(str, lambda self: self._readout, notify=changed)  # what to check
    prefix = Property(str, lambda self: self._prefix, notify=changed)  # whose form it was

    @Slot()
    def reset(self) -> None:
        self._generation += 1  # a read still on its way is dropped when it arrives
        self._busy, self._message, self._readout, self._prefix = False, "", "", ""
        self.changed.emit()

    @Slot(str)
    def read(self, prefix: str) -> None:
        if self._reader is None or self._busy:
            return
        self._generation += 1
        self._busy, self._message, self._readout, self._prefix = True, "", "", prefix
        self.changed.emit()
        generation, reader = self._generation, self._reader
        self._executor.submit(self._work, generation, prefix, reader)

    def _work(self, generation: int, prefix: str, reader: CardReader) -> None:
        try:
            outcome: object = reader()
        except ReadFailed as exc:
            outcome = exc
        except Exception as exc:  # reported on screen, the form untouched
            # the type only: a vendor's message may carry what the card says
            log.error("ID card read failed unexpectedly: %s", type(exc).__name__)
            outcome = RuntimeError(type(exc).__name__)
        self._done.emit(generation, prefix, outcome)

    def _on_done(self, generation: int, prefix: str, outcome: object) -> None:
        if generation != self._generation:
            return
        self._busy = False
        if isinstance(outcome, Card):
            self._fill(prefix, outcome)
            self._message, self._readout = "", readout(outcome)
            self._session.speak.emit("已经读出身份证。请核对屏幕上的内容。")
        else:
            self._message = outcome.words if isinstance(outcome, ReadFailed) else FAILED_OTHERWISE
            self._session.speak.emit(self._message)
        self.changed.emit()

    def _fill(self, prefix: str, card: Card) -> None:
        s = self._session
        s.setValue(f"{prefix}.id_type", card.id_type)
        s.setValue(f"{prefix}.id_number", card.id_number)
        s.setValue(f"{prefix}.name", card.name)
        s.setValue(f"{prefix}.address", card.address)
        s.valuesReset.emit()  # the form's fields load what was read

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
