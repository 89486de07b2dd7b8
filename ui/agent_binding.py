"""`AgentBind` (a `@QmlSingleton`): 绑定代办员 on the technician screen.

The technician (with the agent beside them) types the platform's one-time binding code
and the agent's new PIN twice on the keys of the card; the same checks as `kiosk agent
bind` (`kiosk.agents.check_binding`: 8 digits with their check digit, a PIN of 6-12
digits, the two the same), every problem in plain Chinese on its field, before anything
is sent. The code is then redeemed at the platform by what the kiosk command handed in
(`sync.agents.redeem`; the UI reaches no network), on this view-model's thread, and the
agent kept with their PIN's hash (`kiosk.agents.keep`). The PIN is never shown, only a
dot a digit, and forgotten once bound.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import agents, technician
from kiosk.config import LoadedConfig
from ui import viewmodels
from wire import agents as wire_agents

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

FIELDS = ("code", "pin", "pin_again")
NO_BINDER = "这台机器现在不能联系平台，请用命令 kiosk agent bind 绑定"


@QmlNamedElement("AgentBind")
@QmlSingleton
class AgentBinding(QObject):
    changed = Signal()
    _done = Signal(object)  # from the worker: agents.Agent, or (words, detail)

    @staticmethod
    def create(engine) -> AgentBinding:
        return viewmodels.of(engine, "AgentBind")

    def __init__(self, loaded: LoadedConfig, *, binder: Callable[[str], Any] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._binder = binder
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agent-bind")
        self._done.connect(self._on_done, Qt.ConnectionType.QueuedConnection)
        self.clear()

    @Slot()
    def clear(self) -> None:
        self._values = dict.fromkeys(FIELDS, "")
        self._field = "code"
        self._problems: dict[str, str] = {}
        self._result = ""
        self._result_bad = False
        self._busy = False
        self.changed.emit()

    field = Property(str, lambda self: self._field, notify=changed)
    code = Property(str, lambda self: wire_agents.group_code(self._values["code"])
                    if len(self._values["code"]) > 4 else self._values["code"], notify=changed)
    pinLength = Property(int, lambda self: len(self._values["pin"]), notify=changed)
    pinAgainLength = Property(int, lambda self: len(self._values["pin_again"]), notify=changed)
    problems = Property("QVariantMap", lambda self: dict(self._problems), notify=changed)
    result = Property(str, lambda self: self._result, notify=changed)
    resultBad = Property(bool, lambda self: self._result_bad, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)

    @Slot(str)
    def select(self, field: str) -> None:
        if field in FIELDS:
            self._field = field
            self.changed.emit()

    @Slot(str)
    def press(self, digit: str) -> None:
        limit = wire_agents.CODE_DIGITS if self._field == "code" else technician.PIN_MAX
        value = self._values[self._field]
        if digit.isdigit() and len(digit) == 1 and len(value) < limit and not self._busy:
            self._values[self._field] = value + digit
            self._problems.pop(self._field, None)
            self._result = ""
            if self._field == "code" and len(value) + 1 == limit:
                self._field = "pin"  # the code is complete: on to the PIN
            elif self._field == "pin" and len(value) + 1 == technician.PIN_MAX:
                self._field = "pin_again"
            self.changed.emit()

    @Slot()
    def backspace(self) -> None:
        self._values[self._field] = self._values[self._field][:-1]
        self.changed.emit()

    @Slot()
    def bind(self) -> None:
        if self._busy:
            return
        code, pin, again = (self._values[f] for f in FIELDS)
        self._problems = {field: words for field, _english, words
                          in agents.check_binding(code, pin, again)}
        self._result = ""
        if self._problems:
            self._field = next(f for f in FIELDS if f in self._problems)
            self.changed.emit()
            return
        if self._binder is None:
            self._result, self._result_bad = NO_BINDER, True
            self.changed.emit()
            return
        self._busy = True
        self.changed.emit()
        self._executor.submit(self._run, code, pin)

    def _run(self, code: str, pin: str) -> None:
        try:
            redeemed = self._binder(code)
            if redeemed.binding is None:
                self._done.emit((redeemed.words, redeemed.detail))
                return
            agent = agents.keep(self._loaded.data_dir, redeemed.binding, pin,
                                terminal_id=self._loaded.config.terminal.id)
            technician.audit(self._loaded.data_dir, self._loaded.config.terminal.id,
                             "bind_agent", agent=agent.agent_id)
            self._done.emit(agent)
        except Exception as exc:  # a fault here must not take the technician screen with it
            self._done.emit(("没有绑定成功，请再试一次，或用命令 kiosk agent bind 绑定",
                             f"{type(exc).__name__}: {exc}"[:300]))

    def _on_done(self, outcome: Any) -> None:
        self._busy = False
        if isinstance(outcome, agents.Agent):
            self._values = dict.fromkeys(FIELDS, "")
            self._field = "code"
            self._result = f"已绑定代办员 {outcome.masked_name}（{outcome.station}）"
            self._result_bad = False
        else:
            words, detail = outcome
            log.warning("agent not bound: %s", detail)
            self._values["code"] = ""
            self._field = "code"
            self._result, self._result_bad = words, True
        self.changed.emit()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
