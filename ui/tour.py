"""`kiosk tour`: the real window driven through every screen with the sample petition.

Saves one PNG per screen and `audit.json` with, per screen, the smallest touch
target, the smallest text and the lowest contrast, measured from the live items;
on the screens with the keyboard or a pad open, their keys as well (`ui/audit.py`).
"""

from __future__ import annotations

import copy
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from PySide6.QtCore import QPointF, Qt

from kiosk import casequery, identity
from kiosk.config import IdReader, LoadedConfig
from kiosk.idcard import read_card
from kiosk.idcard.simulator import Simulator
from ui import app as app_mod
from ui import audit
from ui.driver import (
    all_items,
    call,
    drag,
    draw_strokes,
    find,
    images_ready,
    pump,
    scroll_into_view,
    shown,
    tap,
    type_pinyin,
    wait_until,
)

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "examples" / "petition.json"
TOUR_TODAY = date(2026, 11, 26)  # fixed, so time limits in the pictures never drift

REVIEW_SAMPLE = {
    "online": False,
    "number": "演信复〔2026〕12号",
    "received_on": "2026-11-09",
    "informed_of_limit": True,
}
AGENT_SAMPLE = {
    "name": "李建国", "id_type": "resident_id", "id_number": "110105196203150018",
    "phone": "13800138000", "address": "演示县城关镇和平街8号",
    "authorisation": {"matters": "代为申请复查", "powers": "代为提交材料、接收答复",
                      "valid_from": "2026-11-01", "valid_until": "2027-05-01"},
}


def sample_progress() -> object:
    """A review application, accepted: what 查询办理进度 shows in the pictures."""
    from wire import schemas

    def event(day: int, status: str, note: str | None = None) -> schemas.CaseEvent:
        return schemas.CaseEvent(at=datetime(2026, 11, day, 2, 0, tzinfo=UTC), status=status,
                                 status_label=schemas.CASE_STATUSES[status], note=note)

    history = [event(16, "received"), event(18, "accepted", "转演示县人力资源和社会保障局办理")]
    return schemas.CaseProgress(case_no="XF2026111600012", query_code="7KQ3MZ4P", kind="review",
                                status="accepted", status_label=schemas.CASE_STATUSES["accepted"],
                                received_at=history[0].at, updated_at=history[-1].at,
                                history=history)


class ScriptedReader:
    """The tour's stand-in for the platform: answers what the tour sets next."""

    def __init__(self) -> None:
        self.next = casequery.Answer("offline")

    def __call__(self, lookup: casequery.Lookup) -> casequery.Answer:
        return self.next


class ScriptedPrinter:
    """The tour's stand-in for the receipt printer: answers what the tour sets next (the
    real printer's answers are tested against a printer on 127.0.0.1, tests/)."""

    def __init__(self) -> None:
        from kiosk import printing

        self.next = printing.Result("printed")

    def __call__(self, paper) -> object:
        return self.next


TOUR_PIN = "480215"  # the tour's own data directory only
TOUR_RECEIPT = "4827105933"  # a valid receipt number (its Damm check digit fits)


def sample_petition() -> dict:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc.pop("attachments", None)
    doc.pop("consent", None)  # agreed on screen, by touch
    return doc


def _resident_id(body17: str) -> str:
    return body17 + identity.check_char(body17)


def _sign(window) -> None:
    pad = find(window, "signaturePad")
    w, h = pad.width(), pad.height()
    drag(window, pad, [(w * 0.15 + i * w * 0.05, h * (0.5 + (0.2 if i % 2 else -0.2))) for i in range(12)])
    drag(window, pad, [(w * 0.3, h * 0.3), (w * 0.35, h * 0.75), (w * 0.4, h * 0.3)])


# 十 and 口 as a finger draws them, in fractions of the writing area.
SHI = [[(0.15, 0.5), (0.5, 0.5), (0.85, 0.5)], [(0.5, 0.15), (0.5, 0.5), (0.5, 0.85)]]
KOU = [[(0.25, 0.25), (0.25, 0.75)], [(0.25, 0.25), (0.75, 0.25), (0.75, 0.75)],
       [(0.25, 0.75), (0.75, 0.75)]]


def keyboard_key(window, label: str):
    """The on-screen keyboard's key that shows `label`, to be tapped as a finger would."""
    for item in all_items(window):
        if audit._is_key(item) and shown(item) and audit._key_label(item) == label:
            return item
    raise LookupError(f"no keyboard key labelled {label!r}")


def run_tour(loaded: LoadedConfig, out: Path, size: tuple[int, int], *, elderly: bool = False) -> dict:
    """Drives one window through the screens; returns the audit (also written to out)."""
    out.mkdir(parents=True, exist_ok=True)
    from kiosk import printing

    reader = ScriptedReader()
    card_reader = Simulator("good")  # 刷身份证 reads a simulated reader over a pty
    id_settings = IdReader(port=card_reader.port, timeout_seconds=1.0)
    printer = ScriptedPrinter()
    printer.next = printing.Result("paper_out", printing.FIXES["paper_out"])
    kiosk = app_mod.build(loaded, size=size, windowed=True, elderly=False, voice_engine="off",
                          today=lambda: TOUR_TODAY, idle_ms=(3_600_000, 20, 1000),
                          case_reader=reader, id_reader=lambda: read_card(id_settings),
                          print_fn=printer)
    window, session = kiosk.window, kiosk.session
    window.show()
    pump(50)
    report: dict = {"size": f"{size[0]}x{size[1]}", "elderly": elderly, "screens": {}}
    shots: list[str] = []

    # the field being edited is scrolled into view once the layout has settled
    shot = _shooter(window, session, out, report, shots)

    def set_elderly() -> None:
        if elderly and not session.elderly:
            tap(window, "btn:elderly")

    try:
        set_elderly()
        shot("01-home")
        if session.elderly:  # 大字: the codes are one tap away, not gone
            tap(window, "btn:showCodes")
            shot("01a-home-codes")
        tap(window, "btn:review")
        set_elderly()
        shot("02-kind")
        tap(window, "choice:kind:review")
        tap(window, "btn:next")
        for key, value in REVIEW_SAMPLE.items():
            session.setValue(f"matter.earlier_reply.{key}", value)
        session.valuesReset.emit()
        shot("03-earlier-reply")
        tap(window, "btn:back")
        tap(window, "btn:back")  # home again: 我要信访 goes straight to its first question
        tap(window, "btn:petition")
        set_elderly()
        shot("04-applying-as")
        tap(window, "choice:applying_as:self")
        tap(window, "btn:next")
        session.load(sample_petition())
        shot("05-applicant")
        _idcard_screens(window, kiosk, card_reader, shot)
        tap(window, "digits:applicants[0].phone")
        shot("06-applicant-digit-pad")
        # The ID number's pad, the one with X; then 清空 and the 撤销 it leaves behind.
        tap(window, "digits:applicants[0].id_number")
        shot("06a-applicant-id-pad")
        tap(window, "key:清空")
        shot("06b-applicant-id-pad-undo")
        tap(window, "key:清空")  # now 撤销: the number is back
        tap(window, "key:完成")
        # 手写 on the name field: 十 written with a finger, its candidates offered.
        tap(window, "field:applicants[0].name")
        pump(100)
        tap(window, keyboard_key(window, "手写"))
        pump(100)
        draw_strokes(window, find(window, "handwritingArea"), SHI)
        wait_until(lambda: find(window, "key:candidate:0", required=False) is not None, 5000)
        shot("06c-applicant-handwriting")
        tap(window, "key:拼音")  # back to the keyboard, which 收起键盘 closes
        pump(100)
        tap(window, keyboard_key(window, "收起键盘"))
        pump(50)
        tap(window, "btn:next")
        shot("07-category")
        tap(window, "btn:next")
        shot("07a-purpose")
        tap(window, "btn:next")
        shot("08-matter")
        tap(window, "area:matter.request")
        wait_until(lambda: find(window, "inputPanel", required=False) is not None, 2000)
        pump(100)
        shot("09-matter-keyboard")
        # Its three faces: 拼音 with candidates, 符号, 英文; each back as it was.
        type_pinyin(window, "xinfang")
        pump(100)
        shot("09a-matter-keyboard-candidates")
        for _ in "xinfang":
            call(window, "vkbClick", int(Qt.Key.Key_Backspace.value), "")
        pump(50)
        tap(window, keyboard_key(window, "符号"))
        pump(100)
        shot("09b-matter-keyboard-symbols")
        tap(window, keyboard_key(window, "拼音"))
        tap(window, keyboard_key(window, "英文"))
        pump(100)
        shot("09c-matter-keyboard-english")
        tap(window, keyboard_key(window, "中文"))
        pump(50)
        if find(window, "btn:doneTyping", required=False) is not None:
            tap(window, "btn:doneTyping")  # landscape: the footer comes back with 下一步
        tap(window, "btn:next")
        shot("10-attachments")
        tap(window, "btn:next")
        shot("11-review")
        tap(window, "btn:next")
        tap(window, "btn:next")  # nothing agreed or signed yet: problems show next to the fields
        shot("12-consent-problems")
        tap(window, "consent:consent.privacy")
        tap(window, "consent:consent.truthful")
        _sign(window)
        shot("13-consent-signed")
        tap(window, "btn:next")
        wait_until(lambda: session.screen == "receipt", 10_000)
        # The voucher: first a printer out of paper (said, the receipt stays, 再打印一次),
        # then printed once paper is in.
        wait_until(lambda: kiosk.printer.state == "failed", 5_000)
        shot("14-receipt-paper-out")
        printer.next = printing.Result("printed")
        tap(window, "btn:printAgain")
        wait_until(lambda: kiosk.printer.state == "printed", 5_000)
        find(window, "receiptPage").setProperty("contentY", 0.0)  # the tap scrolled it
        shot("14-receipt")
        # scrolled to the receipt's QR code, which 大字 on a portrait canvas puts below the fold
        code = find(window, "receiptQr", required=False)
        if code is not None:  # a signed receipt
            page = find(window, "receiptPage")
            top = code.mapToItem(page.property("contentItem"), QPointF(0, 0)).y()
            bottom = max(0.0, page.property("contentHeight") - page.height())
            page.setProperty("contentY", min(bottom, max(0.0, top - 16)))
            shot("14-receipt-qr")
            page.setProperty("contentY", 0.0)
        # The service evaluation, reached from the receipt by choice: a bad rating asks why.
        tap(window, "btn:evaluate")
        shot("14a-evaluation")
        tap(window, "level:dissatisfied")
        pump(100)  # the reasons appear under the levels
        tap(window, "reason:too_slow")
        pump(50)
        shot("14b-evaluation-reason")
        tap(window, "btn:submitEvaluation")
        if not wait_until(lambda: kiosk.evaluation.done, 10_000):
            raise RuntimeError(f"the evaluation was not stored: {kiosk.evaluation.message}")
        shot("14c-evaluation-thanks")
        # The other people who can apply: an agent, a group and its representatives.
        tap(window, "btn:finish")
        set_elderly()
        tap(window, "btn:review")
        tap(window, "choice:kind:review")
        doc = sample_petition()
        doc.update(kind="review", applying_as="for_other", agent=copy.deepcopy(AGENT_SAMPLE))
        doc.pop("purpose")
        doc["matter"]["earlier_reply"] = dict(REVIEW_SAMPLE)
        session.load(doc)
        session.goTo("agent")
        shot("15-agent")
        doc["applying_as"] = "group"
        doc.pop("agent")
        people = [(n, _resident_id(body)) for n, body in [
            ("王秀兰", "11010519491231002"), ("张明", "11010519600101001"), ("刘芳", "11010519550505002"),
            ("陈强", "11010519700202001"), ("赵丽", "11010519800303002"), ("孙伟", "11010519900404001")]]
        doc["applicants"] = [{"name": n, "id_type": "resident_id", "id_number": i,
                              "phone": "13912345678", "address": "演示县城关镇"} for n, i in people]
        doc["representatives"] = [0, 1]
        session.load(doc)
        session.goTo("group")
        shot("16-group")
        session.goTo("representatives")
        shot("17-representatives")
        session.goTo("review")
        kiosk.idle._on_warn()
        shot("18-idle-countdown")
        kiosk.idle.keepGoing()
        tap(window, "btn:help")  # 求助, in the header of every screen
        shot("18a-help")
        tap(window, "btn:helpClose")
        _technician_with_alert(kiosk, loaded, shot, elderly)
        _query_screens(window, session, kiosk.query, reader, shot, set_elderly)
    finally:
        kiosk.close()
        card_reader.close()
        pump(20)
    _camera_screens(loaded, out, size, elderly, report, shots)
    _agent_screens(loaded, out, size, elderly, report, shots)
    report["order"] = shots
    report["minima"] = _minima(report["screens"])
    (out / "audit.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    return report


def _idcard_screens(window, kiosk, card_reader: Simulator, shot) -> None:
    """刷身份证: the form filled from the simulated card, then a read with no card on the
    reader; the sample petition back afterwards, as the screens after it expect."""
    for mode, name in (("good", "05a-applicant-idcard-read"), ("no_card", "05b-applicant-idcard-no-card")):
        card_reader.mode = mode
        tap(window, "btn:idcard")
        wait_until(lambda: not kiosk.idcard.busy, 5000)
        shot(name)
    card_reader.mode = "good"
    kiosk.idcard.reset()
    kiosk.session.load(sample_petition())


def _shooter(window, session, out: Path, report: dict, shots: list[str],
             settle_ms: int = 100) -> Callable[[str], None]:
    """`shot(name)`: once the layout has settled (`settle_ms`) and the images are loaded, the
    window saved as NAME.png and audited into the report. One for every window of the tour."""
    def shot(name: str) -> None:
        pump(settle_ms)
        wait_until(lambda: images_ready(window), 3000)
        heading = round(52 * (1.5 if session.elderly else 1.0))
        window.grabWindow().save(str(out / f"{name}.png"))
        report["screens"][name] = audit.measure(window, heading)
        shots.append(name)
    return shot


def _camera_screens(loaded: LoadedConfig, out: Path, size: tuple[int, int], elderly: bool,
                    report: dict, shots: list[str]) -> None:
    """The document camera, in a window of its own fed by the synthetic source (the first
    window shows a terminal without one): the material step's live picture, a photo under
    review, and the query screen waiting for a receipt's QR code."""
    from ui.camera import SyntheticCamera

    camera = SyntheticCamera()
    kiosk = app_mod.build(loaded, size=size, windowed=True, elderly=False, voice_engine="off",
                          today=lambda: TOUR_TODAY, idle_ms=(3_600_000, 20, 1000), camera=camera)
    window, session = kiosk.window, kiosk.session
    window.show()
    pump(50)

    shot = _shooter(window, session, out, report, shots, settle_ms=300)  # frames of the live picture

    try:
        if elderly:
            tap(window, "btn:elderly")
        tap(window, "btn:petition")
        session.load(sample_petition())
        session.goTo("attachments")
        pump(50)
        tap(window, "shoot:evidence")
        if not wait_until(lambda: kiosk.camera.liveSource != "" or not kiosk.camera.painted, 5000):
            raise RuntimeError("the tour's camera showed no picture")
        shot("10a-attachments-camera")
        tap(window, "camera:shoot")
        if not wait_until(lambda: kiosk.camera.state == "review", 5000):
            raise RuntimeError(f"the tour's camera took no photo: {kiosk.camera.message}")
        shot("10b-attachments-photo-review")
        tap(window, "camera:keep")
        session.goHome()  # a new visitor: 大字 again
        if elderly and not session.elderly:
            tap(window, "btn:elderly")
        tap(window, "btn:startQuery")
        tap(window, "btn:scanReceipt")
        wait_until(lambda: kiosk.camera.scanning, 3000)
        shot("19a-query-scan-receipt")
    finally:
        kiosk.close()
        pump(20)


TOUR_AGENTS = (("A-01", "王小明"), ("A-02", "赵大勇"))


def _agent_screens(loaded: LoadedConfig, out: Path, size: tuple[int, int], elderly: bool,
                   report: dict, shots: list[str]) -> None:
    """A proxy station (代办员), in a window of its own on a terminal configured as one: the
    station's home, the sign-in with a wrong PIN said, the agent session's home, the
    villager's authorisation signed on its pad, the villager's own receipt, the agent's
    list (我办理的)."""
    from kiosk import agents
    from wire import schemas

    terminal = loaded.config.terminal.model_copy(update={"proxy_station": True})
    station = LoadedConfig(loaded.config.model_copy(update={"terminal": terminal}),
                           loaded.source, loaded.data_dir)
    for agent_id, name in TOUR_AGENTS:
        agents.keep(station.data_dir, schemas.AgentBinding(
            agent_id=agent_id, name=name, station="演示县城关镇和平村代办站",
            bound_at=datetime(2026, 11, 20, 1, 0, tzinfo=UTC)), TOUR_PIN,
            terminal_id=terminal.id)
    printer = ScriptedPrinter()
    kiosk = app_mod.build(station, size=size, windowed=True, elderly=False, voice_engine="off",
                          today=lambda: TOUR_TODAY, idle_ms=(3_600_000, 20, 1000),
                          print_fn=printer)
    window, session = kiosk.window, kiosk.session
    window.show()
    pump(50)

    shot = _shooter(window, session, out, report, shots)

    def set_elderly() -> None:
        if elderly and not session.elderly:
            tap(window, "btn:elderly")

    try:
        set_elderly()
        shot("30-agent-station-home")
        _technician_binds_an_agent(kiosk, shot, elderly)
        tap(window, "btn:agentSignIn")
        set_elderly()
        tap(window, "agent:A-01")
        for ch in "111111":
            tap(window, f"agentPin:{ch}")
        tap(window, "btn:agentSignInOk")
        wait_until(lambda: not kiosk.agents.busy, 10_000)
        for ch in TOUR_PIN[:3]:
            tap(window, f"agentPin:{ch}")
        shot("31-agent-signin")
        for ch in TOUR_PIN[3:]:
            tap(window, f"agentPin:{ch}")
        tap(window, "btn:agentSignInOk")
        if not wait_until(lambda: kiosk.agents.signedIn, 10_000):
            raise RuntimeError(f"the tour's agent did not sign in: {kiosk.agents.message}")
        set_elderly()
        shot("32-agent-session-home")
        tap(window, "btn:villagerPetition")
        set_elderly()
        tap(window, "btn:next")  # not signed yet: said next to the pad
        pad = find(window, "authorisationPad")
        w, h = pad.width(), pad.height()
        drag(window, pad, [(w * 0.2 + i * w * 0.05, h * (0.5 + (0.2 if i % 2 else -0.2)))
                           for i in range(10)])
        shot("33-agent-authorisation")
        tap(window, "btn:next")
        doc = sample_petition()
        doc["proxy"] = copy.deepcopy(session.answers["proxy"])
        session.load(doc)
        session.goTo("consent")
        tap(window, "consent:consent.privacy")
        tap(window, "consent:consent.truthful")
        _sign(window)
        tap(window, "btn:next")
        if not wait_until(lambda: session.screen == "receipt", 10_000):
            raise RuntimeError(f"the villager's petition was not confirmed: {session.general}")
        wait_until(lambda: kiosk.printer.state == "printed", 5_000)
        shot("34-agent-villager-receipt")
        session.goHome()  # the agent's session home again, still signed in
        set_elderly()
        tap(window, "btn:agentList")
        wait_until(lambda: kiosk.agents.reached != "", 5_000)
        set_elderly()
        shot("35-agent-list")
        tap(window, "btn:home")
        tap(window, "btn:agentSignOut")
        wait_until(lambda: not kiosk.agents.signedIn, 3_000)
    finally:
        kiosk.close()
        pump(20)


def _technician_binds_an_agent(kiosk, shot, elderly: bool) -> None:
    """绑定代办员 on the technician screen of a proxy station: a code mistyped, said on its
    field before anything is sent (the tour's window has no platform to redeem it at)."""
    from kiosk import technician as tech

    window = kiosk.window
    tech.set_pin(kiosk.technician._dir, TOUR_PIN)
    kiosk.technician.openPad()
    pump(20)
    for ch in TOUR_PIN:
        tap(window, f"pin:{ch}")
    tap(window, "pin:ok")
    wait_until(lambda: kiosk.technician.mode == "screen", 10_000)
    if elderly and not kiosk.session.elderly:
        tap(window, "tech:elderly")
    pump(50)
    card, flick = find(window, "tech:bindAgent"), find(window, "techFlick")
    top = card.mapToItem(flick.property("contentItem"), QPointF(0, 0)).y()
    bottom = max(0.0, flick.property("contentHeight") - flick.height())
    flick.setProperty("contentY", min(bottom, max(0.0, top - 16)))
    pump(50)
    for ch in "12345670":  # the check digit does not fit: said before anything is sent
        tap(window, f"bindKey:{ch}")
    for ch in "135":
        tap(window, f"bindKey:{ch}")
    tap(window, "bind:ok")
    pump(50)
    flick.setProperty("contentY", min(bottom, max(0.0, top - 16)))
    shot("36-technician-bind-agent")
    tap(window, "bind:clear")
    tap(window, "tech:back")
    wait_until(lambda: kiosk.technician.mode == "", 3_000)
    kiosk.session.goHome()
    if elderly and not kiosk.session.elderly:
        tap(window, "btn:elderly")


def _technician_with_alert(kiosk, loaded: LoadedConfig, shot, elderly: bool) -> None:
    """The technician screen while the 求助 just pressed stands (then cleared there)."""
    from kiosk import technician as tech

    tech.set_pin(loaded.data_dir, TOUR_PIN)
    kiosk.technician.openPad()
    pump(20)
    for ch in TOUR_PIN:
        tap(kiosk.window, f"pin:{ch}")
    tap(kiosk.window, "pin:ok")
    wait_until(lambda: kiosk.technician.mode == "screen", 10_000)
    wait_until(lambda: kiosk.help.standing, 3_000)
    if elderly and not kiosk.session.elderly:  # the PIN wiped the session, 大字 with it
        tap(kiosk.window, "tech:elderly")
    shot("18b-technician-help-alert")
    tap(kiosk.window, "tech:clearHelp")
    wait_until(lambda: not kiosk.help.standing, 3_000)
    # A proxy station cut off for days: what the screen says of it and of its clock.
    _offline_for(loaded.data_dir, days=3, hours=5)
    kiosk.technician.refresh()
    wait_until(lambda: str(kiosk.technician.info.get("contact", "")).startswith("已 3 天"), 5_000)
    pump(50)
    scroll_into_view(find(kiosk.window, "tech:oldest"))  # with 平台连接 and 本机时钟 under it
    pump(20)
    shot("18c-technician-cut-off")
    tap(kiosk.window, "tech:back")
    wait_until(lambda: kiosk.technician.mode == "", 3_000)


def _offline_for(data_dir: Path, *, days: int, hours: int) -> None:
    """The clock record of a station that last reached the platform `days` and `hours`
    ago, before this boot (what `kiosk sync` would have left)."""
    from kiosk import clock_trust

    then = time.time() - days * 86400 - hours * 3600 - 60
    seen = clock_trust.Reading(then, "an-earlier-boot", 40.0)
    clock_trust.save(data_dir, clock_trust.Record(
        learned=clock_trust.Learned(offset=1.5, platform_time=then + 1.5, local_time=then,
                                    boot=seen.boot, since_boot=seen.since_boot,
                                    uncertainty=0.5),
        high_water=then, last_reached=then + 1.5, last_reached_local=seen))


def _type_digits(window, field: str, digits: str) -> None:
    tap(window, f"digits:{field}")
    for d in digits:
        tap(window, f"key:{d}")


def _query_screens(window, session, query, reader: ScriptedReader, shot, set_elderly) -> None:
    """查询办理进度: the entry with its digit pad, a wrong second factor, the case, offline,
    and the pad of a query code's characters."""
    session.goHome()
    set_elderly()
    tap(window, "btn:startQuery")
    set_elderly()
    _type_digits(window, "query.number", TOUR_RECEIPT)
    _type_digits(window, "query.phone_last4", "80")
    shot("19-query-entry-digit-pad")
    tap(window, "key:完成")
    tap(window, "btn:query")  # 2 digits of 4: said next to the field
    shot("20-query-entry-problem")
    _type_digits(window, "query.phone_last4", "00")
    tap(window, "key:完成")
    reader.next = casequery.Answer("not_found")
    tap(window, "btn:query")
    wait_until(lambda: query.message != "", 5000)
    shot("21-query-not-found")
    reader.next = casequery.Answer("found", progress=sample_progress())
    tap(window, "btn:query")
    wait_until(lambda: query.page == "found", 5000)
    shot("22-query-result")
    tap(window, "btn:queryAgain", settle_ms=100)
    reader.next = casequery.Answer("offline")
    tap(window, "btn:query")
    wait_until(lambda: query.page == "offline", 5000)
    shot("23-query-offline")
    tap(window, "btn:queryRetry", settle_ms=100)
    tap(window, "query:by:code", settle_ms=50)
    _type_digits(window, "query.number", "7KQ3MZ4P")
    shot("24-query-code-pad")
    tap(window, "key:完成")
    _after_query_screens(window, session, query, reader, shot)


def _sample_case(status: str, note: str | None = None) -> object:
    from wire import schemas

    base = sample_progress()
    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    event = schemas.CaseEvent(at=at, status=status, status_label=schemas.CASE_STATUSES[status],
                              note=note)
    return base.model_copy(update={"status": status, "history": [*base.history, event],
                                   "status_label": schemas.CASE_STATUSES[status],
                                   "updated_at": at})


def _after_query_screens(window, session, query, reader: ScriptedReader, shot) -> None:
    """补充材料, 撤回申请 and 评价 from the query's result (a camera's pictures handed in as
    the camera would hand them)."""
    from PySide6.QtGui import QColor, QImage

    def read(case) -> None:
        reader.next = casequery.Answer("found", progress=case)
        query.again()
        tap(window, "btn:query")
        if not wait_until(lambda: query.page == "found" and not query.busy, 30000):
            raise RuntimeError(f"the tour's query read did not come back: {query.page}")

    read(_sample_case("material_requested", "原复查申请书的签名页、身份证复印件"))
    shot("25-query-material-requested")
    tap(window, "btn:openSupplement")
    for color in ("white", "lightgray"):
        page = QImage(640, 480, QImage.Format.Format_RGB32)
        page.fill(QColor(color))
        session.addPhoto(query.supplementRole, page)
    shot("26-query-supplement")
    tap(window, "btn:submitSupplement")
    if not wait_until(lambda: query.page == "done", 30000):
        raise RuntimeError(f"the tour's material was not saved: {query.page}")
    shot("27-query-supplement-saved")
    read(_sample_case("in_progress"))
    tap(window, "btn:openWithdraw")
    _sign(window)
    shot("28-query-withdraw")
    read(_sample_case("answered"))
    tap(window, "btn:openRate")
    shot("29-query-rate-case")


def _minima(screens: dict) -> dict:
    def low(key):
        values = [s[key] for s in screens.values() if s.get(key) is not None]
        return min(values) if values else None

    return {"smallest_target_px": low("smallest_target_px"), "smallest_text_px": low("smallest_text_px"),
            "lowest_contrast": low("lowest_contrast"), "lowest_body_contrast": low("lowest_body_contrast")}


def main(loaded: LoadedConfig, out: Path, size: tuple[int, int], *, elderly: bool) -> int:
    app_mod.application(offscreen=True)
    # The tour confirms a sample petition: never into the terminal's real outbox.
    scratch = Path(tempfile.mkdtemp(prefix="kiosk-tour-"))
    try:
        from kiosk import config, terminal_key
        from wire import keys

        demo = config.demo(scratch / "data")
        # a key of the tour's own, so its receipt is signed as an enrolled terminal's is
        terminal_key.save(scratch / "data", keys.generate_signing_key())
        started = time.monotonic()
        report = run_tour(demo if loaded.is_demo else _with_data_dir(loaded, scratch), out, size,
                          elderly=elderly)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    m = report["minima"]
    print(f"tour: {len(report['order'])} screens in {time.monotonic() - started:.1f} s -> {out}")
    print(f"  smallest target {m['smallest_target_px']} px, smallest text {m['smallest_text_px']} px, "
          f"lowest contrast {m['lowest_contrast']}:1 (body {m['lowest_body_contrast']}:1)")
    return 0


def _with_data_dir(loaded: LoadedConfig, scratch: Path) -> LoadedConfig:
    return LoadedConfig(loaded.config, loaded.source, scratch / "data")
