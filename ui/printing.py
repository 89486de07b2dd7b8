"""`Printer` (a `@QmlSingleton`): the voucher (回执单) printed after the receipt appears.

The confirm never waits for paper: the receipt screen shows as soon as the commit is done
(`ui/confirm.py`), and only then, seeing the session's new receipt, is the voucher sent
to the printer on this view-model's own thread (`kiosk/printing.py`: the printer's status
first, then the ESC/POS). What comes back is said on the receipt screen in plain words —
printed, paper out, cover open, no answer — and the receipt stays there; a failure offers
再打印一次. A result that arrives after the session ended is dropped. A terminal without a
printer (`[devices.printer] kind = "none"`) says nothing of paper.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import printing
from kiosk.config import LoadedConfig
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

PRINTING = "正在打印回执单……"
# (voucher) -> printing.Result; the configured printer unless a test or the tour hands one
PrintFn = Callable[[Any], printing.Result]


@QmlNamedElement("Printer")
@QmlSingleton
class ReceiptPrinter(QObject):
    changed = Signal()
    _printed = Signal(int, object)  # from the printing thread: (generation, Result)

    @staticmethod
    def create(engine) -> ReceiptPrinter:
        return viewmodels.of(engine, "Printer")

    def __init__(self, loaded: LoadedConfig, session, *, print_fn: PrintFn | None = None):
        super().__init__()
        self._loaded = loaded
        self._session = session
        settings = loaded.config.devices.printer
        self._print = print_fn or (lambda paper: printing.print_voucher(settings, paper))
        self._enabled = print_fn is not None or settings.kind != "none"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="printer")
        self._generation = 0
        self._printed_for: str | None = None  # the submission whose voucher was sent
        self._state = ""  # "", printing, printed, failed
        self._message = ""
        self._brief = ""
        self._printed.connect(self._on_printed, Qt.ConnectionType.QueuedConnection)
        session.receiptChanged.connect(self._receipt_changed)

    state = Property(str, lambda self: self._state, notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)
    brief = Property(str, lambda self: self._brief, notify=changed)  # one short line
    canRetry = Property(bool, lambda self: self._state == "failed", notify=changed)

    def _receipt_changed(self) -> None:
        shown = self._session.shown_receipt()
        if shown is None:  # the session ended: forget, and drop what is still printing
            self._generation += 1
            self._printed_for = None
            self._set("", "")
        elif self._enabled and shown[0].submission_id != self._printed_for:
            self._printed_for = shown[0].submission_id
            self._start(*shown)

    @Slot()
    def again(self) -> None:
        """再打印一次: the same voucher, after paper was loaded or the cover closed."""
        shown = self._session.shown_receipt()
        if shown is not None and self._state == "failed":
            self._start(*shown)

    def _start(self, receipt, kind: str) -> None:
        self._generation += 1
        self._set("printing", PRINTING, PRINTING)
        self._executor.submit(self._run, self._generation, receipt, kind)

    def _run(self, generation: int, receipt, kind: str) -> None:
        from kiosk import voucher

        try:
            result = self._print(voucher.for_receipt(self._loaded, receipt, kind))
        except Exception as exc:  # never let a printer take the receipt screen with it
            result = printing.Result("no_answer", f"{type(exc).__name__}: {exc}"[:300])
        self._printed.emit(generation, result)

    def _on_printed(self, generation: int, result: printing.Result) -> None:
        if generation != self._generation:
            return  # the session ended meanwhile, or a newer print was started
        if result.ok:
            self._set("printed", result.words, result.brief)
        else:
            log.warning("voucher not printed: %s %s", result.outcome, result.detail)
            self._set("failed", result.words, result.brief)

    def _set(self, state: str, message: str, brief: str = "") -> None:
        if (state, message, brief) != (self._state, self._message, self._brief):
            self._state, self._message, self._brief = state, message, brief
            self.changed.emit()

    def shutdown(self) -> None:
        self._generation += 1
        self._executor.shutdown(wait=False, cancel_futures=True)
