"""`Agents` (a `@QmlSingleton`): the proxy station's agent (代办员) on the touch screen.

On a terminal with `[terminal] proxy_station = true` the home screen offers 代办员登录:
the agent picks their name (masked: others stand at the screen too), types their PIN on
the digit pad (checked on this view-model's thread, as the technician's, with the same
growing lock-out, said in words), and the agent session begins. Its home screen
(`screens/home.qml`) then has the agent's own header (代办员 name masked, 退出登录),
为村民办理 — the petition flow with the villager as the applicant, starting with the
villager's authorisation (`kiosk/flow.py` step `authorisation`, signed on its own pad) —
and 我办理的 (`screens/agent_list.qml`: the agent's submissions, masked, and 重新打印回执).
The session ends on 退出登录 and when the idle countdown runs out (`ui/app.py`), back to
the sign-in. Who the agent is goes into the visit (`Visit.acting`), so the sealed
document records it; nothing is typed for it. Every agent action is audited
(`kiosk.agents`), never with a villager's data.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import Property, QObject, Qt, Signal, Slot
from PySide6.QtQml import QmlNamedElement, QmlSingleton

from kiosk import agents, printing, technician
from kiosk.config import LoadedConfig
from kiosk.visit import AGENT_LIST, AGENT_SIGNIN
from ui import viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1


def sign_in_words(attempt: technician.Attempt) -> str:
    """What the sign-in screen says after a PIN, in plain words."""
    if attempt.outcome == "locked" or (attempt.outcome == "wrong" and attempt.locked_seconds):
        seconds = attempt.locked_seconds
        wait = f"{seconds} 秒" if seconds < 120 else f"{(seconds + 59) // 60} 分钟"
        return f"密码输错太多次，已暂时锁定，请 {wait}后再试"
    if attempt.outcome == "wrong":
        return f"密码不对，还可以再试 {attempt.tries_left} 次"
    if attempt.outcome == "not_set":
        return "本机没有这位代办员，请技术人员先绑定"
    return ""


@QmlNamedElement("Agents")
@QmlSingleton
class Agents(QObject):
    changed = Signal()  # roster, choice, PIN, session
    listChanged = Signal()  # the agent's list and the reprint's result
    authChanged = Signal()  # the villager's signature under the authorisation
    _verified = Signal(object, object)  # from the worker: (agent, Attempt or exception)
    _listed = Signal(object)  # from the worker: (agent id, rows, reached words) or (agent id, exception)
    _printed = Signal(str, object)  # from the worker: (receipt no, printing.Result)

    @staticmethod
    def create(engine) -> Agents:
        return viewmodels.of(engine, "Agents")

    def __init__(self, loaded: LoadedConfig, session, *,
                 print_fn: Callable[[Any], printing.Result] | None = None,
                 case_status: Callable[[str], Any] | None = None,
                 parent: QObject | None = None):
        super().__init__(parent)
        self._loaded = loaded
        self._dir = loaded.data_dir
        self._terminal = loaded.config.terminal.id
        self._session = session
        # The terminal's read of a case it delivered (handed in: the UI reaches no network).
        self._case_status = case_status
        settings = loaded.config.devices.printer
        self._print = print_fn or (lambda paper: printing.print_voucher(settings, paper))
        self._can_print = print_fn is not None or settings.kind != "none"
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agents")
        # The platform's reads for the list on a thread of their own: a slow village line
        # never holds up the next agent's sign-in or a reprint behind them.
        self._platform = ThreadPoolExecutor(max_workers=1, thread_name_prefix="agents-platform")
        self._verified.connect(self._on_verified, Qt.ConnectionType.QueuedConnection)
        self._listed.connect(self._on_listed, Qt.ConnectionType.QueuedConnection)
        self._printed.connect(self._on_printed, Qt.ConnectionType.QueuedConnection)
        session.signatureChanged.connect(self.authChanged)
        self._agent: agents.Agent | None = None  # signed in
        self._roster: list[agents.Agent] = []
        self._chosen = ""
        self._pin = ""
        self._message = ""
        self._busy = False
        self._rows: list[dict] = []
        self._reached = ""
        self._print_message = ""

    # ---- the sign-in ---------------------------------------------------------------------
    proxyStation = Property(bool, lambda self: self._loaded.config.terminal.proxy_station,
                            constant=True)
    signedIn = Property(bool, lambda self: self._agent is not None, notify=changed)
    agentName = Property(str, lambda self: self._agent.masked_name if self._agent else "",
                         notify=changed)
    station = Property(str, lambda self: self._agent.station if self._agent else "",
                       notify=changed)
    roster = Property("QVariantList", lambda self: [
        {"agentId": a.agent_id, "name": a.masked_name, "station": a.station}
        for a in self._roster], notify=changed)
    chosen = Property(str, lambda self: self._chosen, notify=changed)
    pinLength = Property(int, lambda self: len(self._pin), notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)
    busy = Property(bool, lambda self: self._busy, notify=changed)

    @Slot()
    def openSignIn(self) -> None:  # noqa: N802
        try:
            self._roster = agents.agents(self._dir)
            self._message = "" if self._roster else "本机还没有绑定代办员，请技术人员先绑定"
        except agents.AgentError as exc:
            self._roster, self._message = [], exc.words
        self._chosen = self._roster[0].agent_id if len(self._roster) == 1 else ""
        self._pin = ""
        self.changed.emit()
        self._session._act(lambda: self._session.visit.show_service(AGENT_SIGNIN))

    @Slot(str)
    def choose(self, agent_id: str) -> None:
        if any(a.agent_id == agent_id for a in self._roster):
            self._chosen, self._pin, self._message = agent_id, "", ""
            self.changed.emit()

    @Slot(str)
    def pressDigit(self, digit: str) -> None:  # noqa: N802
        if digit.isdigit() and len(digit) == 1 and len(self._pin) < technician.PIN_MAX:
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
    def signIn(self) -> None:  # noqa: N802
        agent = next((a for a in self._roster if a.agent_id == self._chosen), None)
        if self._busy or not self._pin:
            return
        if agent is None:
            self._message = "请先点一下您的名字"
            self.changed.emit()
            return
        pin, self._pin = self._pin, ""
        self._busy = True
        self.changed.emit()
        self._executor.submit(self._verify, agent, pin)

    def _verify(self, agent: agents.Agent, pin: str) -> None:
        try:
            attempt: Any = agents.sign_in(self._dir, agent.agent_id, pin,
                                          terminal_id=self._terminal)
        except (OSError, ValueError) as exc:
            attempt = exc
        self._verified.emit(agent, attempt)

    def _on_verified(self, agent: agents.Agent, attempt: Any) -> None:
        self._busy = False
        if isinstance(attempt, Exception):
            log.warning("agent PIN not checked: %s", type(attempt).__name__)
            self._message = "无法核对密码：本机存储不可用，请联系技术人员"
        elif attempt.outcome == "ok":
            self._begin(agent)
            return
        else:
            self._message = sign_in_words(attempt)
        self.changed.emit()

    def _begin(self, agent: agents.Agent) -> None:
        self._agent, self._message = agent, ""
        self._session.visit.acting = agents.ActingAgent(agent.agent_id, agent.station,
                                                        self._terminal)
        self.changed.emit()
        self._session.goHome()  # the agent session's home

    @Slot()
    def signOut(self) -> None:  # noqa: N802
        self.end("sign_out")

    def end(self, why: str) -> None:
        """Ends the agent session (退出登录, or the idle countdown run out): back to the
        sign-in, nothing of the agent or a villager left on the screen."""
        if self._agent is None:
            return
        agents.audit(self._dir, self._terminal, self._agent.agent_id, f"agent_{why}")
        self._agent = None
        self._session.visit.acting = None
        self._rows, self._reached, self._print_message = [], "", ""
        self.listChanged.emit()
        self.openSignIn()

    # ---- 为村民办理: the villager's authorisation --------------------------------------------
    @Property("QVariantList", notify=changed)
    def authorisationLines(self) -> list:  # noqa: N802
        auth = (self._session.visit.answers.get("proxy") or {}).get("authorisation")
        if self._agent is None or not auth:
            return []
        return agents.authorisation_words(self._agent, auth)

    @Slot(str)
    def startForVillager(self, kind: str) -> None:  # noqa: N802
        if self._agent is not None:
            self._session.start(kind)
            self.changed.emit()  # the authorisation's words

    authSigned = Property(bool, lambda self: bool(self._session.visit.auth_strokes),
                          notify=authChanged)
    authStrokes = Property("QVariantList", lambda self: [
        [{"x": x, "y": y} for x, y in s] for s in self._session.visit.auth_strokes],
        notify=authChanged)

    @Slot("QVariantList", float, float)
    def addAuthStroke(self, points: list, width: float, height: float) -> None:  # noqa: N802
        stroke = [(float(p["x"]), float(p["y"])) for p in points if p is not None]
        self._session._act(lambda: self._session.visit.add_auth_stroke(stroke, width, height))

    @Slot()
    def clearAuthSignature(self) -> None:  # noqa: N802
        self._session._act(self._session.visit.clear_auth_signature)

    # ---- 我办理的 ------------------------------------------------------------------------------
    rows = Property("QVariantList", lambda self: list(self._rows), notify=listChanged)
    reached = Property(str, lambda self: self._reached, notify=listChanged)
    printMessage = Property(str, lambda self: self._print_message, notify=listChanged)
    canPrint = Property(bool, lambda self: self._can_print, constant=True)

    @Slot()
    def openList(self) -> None:  # noqa: N802
        if self._agent is None:
            return
        self._print_message = ""
        self._session._act(lambda: self._session.visit.show_service(AGENT_LIST))
        self._executor.submit(self._read_list, self._agent.agent_id)

    def _read_list(self, agent_id: str) -> None:
        from kiosk.store import Outbox, StoreError

        try:
            with Outbox.open(self._dir) as outbox:
                items = outbox.by_agent(agent_id)
                reached = agents.last_reached(outbox.newest_delivery(), self._dir)
            agents.audit(self._dir, self._terminal, agent_id, "agent_list", count=len(items))
            words = agents.reached_words(reached)
            self._listed.emit((agent_id, agents.rows(items), words))
        except (StoreError, OSError) as exc:
            self._listed.emit((agent_id, exc))
            return
        if self._case_status is not None:  # then where the office has got to, when it answers
            self._platform.submit(self._read_statuses, agent_id, items, words)

    def _read_statuses(self, agent_id: str, items: list, words: str) -> None:
        statuses = agents.case_statuses(items, self._case_status)
        if statuses:
            self._listed.emit((agent_id, agents.rows(items, statuses=statuses), words))

    def _on_listed(self, listed: Any) -> None:
        agent_id, *listed = listed
        if self._agent is None or self._agent.agent_id != agent_id:
            return  # signed out meanwhile (or another agent signed in): not theirs to see
        listed = listed[0] if len(listed) == 1 else tuple(listed)
        if isinstance(listed, Exception):
            log.warning("the agent's list was not read: %s", type(listed).__name__)
            self._rows, self._reached = [], "现在读不出办理记录，请联系技术人员"
        else:
            self._rows, self._reached = listed
        self.listChanged.emit()

    @Slot(str)
    def reprint(self, receipt_no: str) -> None:
        if self._agent is None or not self._can_print:
            return
        self._print_message = "正在打印回执单……"
        self.listChanged.emit()
        self._executor.submit(self._run_print, self._agent.agent_id, receipt_no)

    def _run_print(self, agent_id: str, receipt_no: str) -> None:
        from kiosk import taxonomy, voucher
        from kiosk.store import Outbox

        try:
            with Outbox.open(self._dir) as outbox:
                info = next((i for i in outbox.by_agent(agent_id) if i.receipt_no == receipt_no),
                            None)
            if info is None:  # only the agent's own
                result = printing.Result("no_answer", "not this agent's receipt")
            else:
                paper = voucher.for_submission(self._loaded, info,
                                               taxonomy.for_terminal(self._dir))
                result = self._print(paper)
                agents.audit(self._dir, self._terminal, agent_id, "agent_reprint",
                             receipt_no=receipt_no, outcome=result.outcome)
        except Exception as exc:  # never let a printer take the list with it
            result = printing.Result("no_answer", f"{type(exc).__name__}: {exc}"[:300])
        self._printed.emit(receipt_no, result)

    def _on_printed(self, receipt_no: str, result: printing.Result) -> None:
        if self._agent is None:
            return
        if not result.ok:
            log.warning("voucher not reprinted: %s", result.outcome)
        self._print_message = result.words
        self.listChanged.emit()

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._platform.shutdown(wait=False, cancel_futures=True)
