"""The handwriting pad's view-model (手写): the QML singleton `Handwriting`.

What a character may be is `kiosk.ink`'s; this adapter holds the strokes of the one
character being written, asks the recognizer on a worker thread after each stroke (the
model is opened there too, once, the first time the pad opens), and offers the answer
as `candidates`. The strokes live only here, in memory: never logged, never written,
dropped when a candidate is taken, by 重写, and when the session ends (`Session.wiped`).
An answer that comes back after the strokes changed (a newer stroke, 重写, a wipe) is
dropped: a generation number says which strokes it was for.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlElement, QmlSingleton

from kiosk import ink
from kiosk.config import LoadedConfig
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1
SHOWN = 10  # candidates asked for; the pad shows as many as fit in large keys


@QmlElement
@QmlSingleton
class Handwriting(QObject):
    changed = Signal()
    _answered = Signal(int, list)  # from the worker: (generation, characters)
    _opened = Signal(str)  # from the worker: "" when ready, else the plain words why not

    @staticmethod
    def create(engine) -> Handwriting:
        return viewmodels.of(engine, "Handwriting")

    def __init__(self, loaded: LoadedConfig, session: Any, parent: QObject | None = None):
        super().__init__(parent)
        self._settings = loaded.config.handwriting
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="handwriting")
        self._recognizer: ink.Recognizer | None = None
        self._opening = threading.Lock()
        self._open_problem: str | None = None  # set on the worker when the model cannot open
        self._state = "closed"  # closed | opening | ready | unavailable
        self._problem = ""
        self._strokes: list[list[tuple[float, float]]] = []
        self._generation = 0
        self._candidates: list[str] = []
        self._busy = False
        self._answered.connect(self._on_answered, Qt.ConnectionType.QueuedConnection)
        self._opened.connect(self._on_opened, Qt.ConnectionType.QueuedConnection)
        session.wiped.connect(self.wipe)

    # ---- what QML reads ----
    @Property(bool, notify=changed)
    def available(self) -> bool:
        return self._state != "unavailable"

    @Property(bool, notify=changed)
    def ready(self) -> bool:
        return self._state == "ready"

    @Property(str, notify=changed)
    def problem(self) -> str:
        """Why the pad cannot recognise, in plain Chinese ("" while it can)."""
        return self._problem

    @Property("QVariantList", notify=changed)
    def candidates(self) -> list[str]:
        return list(self._candidates)

    @Property(int, notify=changed)
    def strokeCount(self) -> int:  # noqa: N802
        return len(self._strokes)

    @Property(bool, notify=changed)
    def busy(self) -> bool:
        return self._busy

    # ---- what QML asks ----
    @Slot()
    def prepare(self) -> None:
        """Opens the model off the GUI thread, once (the pad calls it when it opens)."""
        if self._state in ("ready", "opening"):
            return
        self._state = "opening"
        self.changed.emit()
        self._executor.submit(self._open)

    @Slot("QVariantList")
    def addStroke(self, points: list) -> None:  # noqa: N802
        """One stroke as drawn, in the pad's coordinates ([{x, y}, …]); recognition of the
        character so far starts on the worker."""
        stroke = [(float(p["x"]), float(p["y"])) for p in points if "x" in p and "y" in p]
        if not stroke:
            return
        self._strokes.append(stroke)
        self._recognize()

    @Slot()
    def rewrite(self) -> None:
        """重写: the strokes of this character go."""
        self._clear()

    @Slot()
    def wipe(self) -> None:
        """The session ended: nothing written stays."""
        self._clear()

    @Slot(int, result=str)
    def take(self, index: int) -> str:
        """A tapped candidate: its character (for the field), and the pad is clear for the next."""
        if not 0 <= index < len(self._candidates):
            return ""
        character = self._candidates[index]
        self._clear()
        return character

    def strokes_held(self) -> int:
        """For tests: how many strokes are held in memory."""
        return len(self._strokes)

    def shutdown(self) -> None:
        self._clear()
        self._executor.shutdown(wait=True, cancel_futures=True)
        if self._recognizer is not None:
            self._recognizer.close()
            self._recognizer = None

    # ---- inside ----
    def _clear(self) -> None:
        self._generation += 1
        self._strokes = []
        self._candidates = []
        self._busy = False
        self.changed.emit()

    def _recognize(self) -> None:
        self._generation += 1
        self._busy = True
        self.changed.emit()
        if self._state != "ready":
            self.prepare()
        # A copy: the worker never sees the list the GUI thread changes.
        self._executor.submit(self._classify, self._generation, [list(s) for s in self._strokes])

    def _open(self) -> None:
        """On the worker: the model is opened once; a failure is said (and logged) once."""
        with self._opening:
            if self._recognizer is None and self._open_problem is None:
                try:
                    self._recognizer = ink.Recognizer(self._settings.model, self._settings.library)
                except ink.InkError as e:
                    log.warning("handwriting unavailable: %s", e.detail)
                    self._open_problem = e.message
            self._opened.emit(self._open_problem or "")

    def _classify(self, generation: int, strokes: list) -> None:
        self._open()
        found: list[str] = []
        if self._recognizer is not None:
            try:
                found = self._recognizer.characters(strokes, SHOWN)
            except Exception as e:  # the pad stays usable: 重写, or 拼音
                log.error("handwriting recognition failed: %s", type(e).__name__)
        self._answered.emit(generation, found)

    def _on_opened(self, problem: str) -> None:
        self._state = "unavailable" if problem else "ready"
        self._problem = problem
        if problem:
            self._busy = False
        self.changed.emit()

    def _on_answered(self, generation: int, found: list) -> None:
        if generation != self._generation:
            return  # for strokes that are no longer there
        self._candidates = list(found)
        self._busy = False
        self.changed.emit()
