"""A proxy station's agent (代办员) on the real window: the sign-in with the lock-out in
words, the agent session's home, the villager's authorisation signed on its own pad and
sealed with the petition, the villager's own receipt, the agent's list (masked), the
reprint, sign-out and the idle countdown ending the session; 绑定代办员 on the technician
screen checking what was typed before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kiosk import agents, printing
from kiosk import technician as tech
from kiosk.store import Outbox
from kiosk.visit import AGENT_SIGNIN
from tests.support.common import TODAY
from ui.driver import all_items, drag, find, pump, shown, tap, wait_until
from ui.tour import sample_petition
from wire import schemas

PIN = "246802"


def _station(loaded):
    from kiosk.config import LoadedConfig

    terminal = loaded.config.terminal.model_copy(update={"proxy_station": True})
    station = LoadedConfig(loaded.config.model_copy(update={"terminal": terminal}),
                           loaded.source, loaded.data_dir)
    for agent_id, name in (("A-01", "王小明"), ("A-02", "赵大勇")):
        agents.keep(loaded.data_dir, schemas.AgentBinding(
            agent_id=agent_id, name=name, station="和平村代办站",
            bound_at=datetime(2026, 11, 20, tzinfo=UTC)), PIN, terminal_id=terminal.id)
    return station


def _type_pin(w, pin: str) -> None:
    for ch in pin:
        tap(w, f"agentPin:{ch}")


def _sign_in(k, agent_id: str = "A-01", pin: str = PIN) -> None:
    w = k.window
    tap(w, "btn:agentSignIn")
    tap(w, f"agent:{agent_id}")
    _type_pin(w, pin)
    tap(w, "btn:agentSignInOk")
    wait_until(lambda: not k.agents.busy, 10_000)
    pump(20)


@pytest.fixture
def station_window(kiosk_window):
    make, loaded = kiosk_window
    station = _station(loaded)
    paper = []

    def print_fn(voucher):
        paper.append(voucher)
        return printing.Result("printed")

    return (lambda **kw: make(loaded=station, print_fn=print_fn, **kw)), station, paper


def test_the_sign_in_says_a_wrong_pin_and_the_lock_out_in_words(station_window):
    make, station, _ = station_window
    k = make()
    w = k.window
    assert find(w, "agentHomePage") is not None and find(w, "btn:petition", required=False) is None
    _sign_in(k, pin="111111")
    assert not k.agents.signedIn and k.session.screen == AGENT_SIGNIN
    assert "密码不对，还可以再试 4 次" in str(find(w, "agentSignInMessage").property("text"))
    for _ in range(4):
        _type_pin(w, "111111")
        tap(w, "btn:agentSignInOk")
        wait_until(lambda: not k.agents.busy, 10_000)
    pump(20)
    assert "已暂时锁定，请 30 秒后再试" in str(find(w, "agentSignInMessage").property("text"))
    _type_pin(w, PIN)  # the right PIN while locked: still refused
    tap(w, "btn:agentSignInOk")
    wait_until(lambda: not k.agents.busy, 10_000)
    assert not k.agents.signedIn
    # the technician's PIN is its own: an agent's lock-out does not touch it
    assert tech.read_lock(station.data_dir) == tech.LockState()
    lines, _ = tech.read_audit(station.data_dir)
    assert [line["what"] for line in lines if line["who"] == "agent:A-01"].count("wrong_pin") == 5


def test_an_agent_submits_for_a_villager_who_gets_their_own_receipt(station_window):
    make, station, paper = station_window
    k = make()
    w, s = k.window, k.session
    _sign_in(k)
    assert k.agents.signedIn and s.screen == "home"
    pump(20)
    texts = {str(i.property("text")) for i in all_items(w) if shown(i) and i.property("text")}
    assert {"代办员 王*明", "和平村代办站", "退出登录"} <= texts  # the session's own header
    assert "王小明" not in texts
    tap(w, "btn:villagerPetition")
    assert s.screen == "authorisation"
    assert any("王*明" in line for line in k.agents.authorisationLines)
    tap(w, "btn:next")  # not signed: said on the pad, the step stays
    assert s.screen == "authorisation" and s.problems.get("authorisation_signature")
    drag(w, find(w, "authorisationPad"), [(30, 30), (200, 100), (260, 40)])
    assert k.agents.authSigned and not s.signed  # the villager's authorisation, not the consent
    tap(w, "btn:next")
    assert s.screen == "applying_as"

    doc = sample_petition() | {"consent": {"privacy": True, "truthful": True}}
    doc["proxy"] = s.answers["proxy"]
    s.load(doc)
    s.goTo("consent")
    pump(20)
    drag(w, find(w, "signaturePad"), [(30, 30), (200, 100)])
    tap(w, "btn:next")
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.storeError)
    sealed = s.last_confirmed
    assert sealed["proxy"]["agent_id"] == "A-01" and sealed["proxy"]["terminal_id"] == \
        station.config.terminal.id and sealed["proxy"]["authorisation"]["valid_from"]
    roles = {a["role"] for a in sealed["attachments"]}
    assert {"signature", "authorisation_signature"} <= roles
    with Outbox.open(station.data_dir) as outbox:
        [item] = outbox.by_agent("A-01")
        assert outbox.by_agent("A-02") == []
    assert item.receipt_fields["applicant_name"] == "王*兰"

    s.goHome()  # the villager is done: the agent's home again, still signed in
    assert k.agents.signedIn
    tap(w, "btn:agentList")
    assert wait_until(lambda: k.agents.rows != [], 5_000)
    [row] = k.agents.rows
    assert (row["receipt_no"], row["applicant"], row["state_words"]) == \
        (item.receipt_no, "王*兰", "等待发送（今天办理）")
    assert "王秀兰" not in str(k.agents.rows)
    tap(w, f"btn:reprint:{item.receipt_no}")
    assert wait_until(lambda: paper, 5_000)
    assert paper[0].receipt_no.replace(" ", "") == item.receipt_no
    tap(w, "btn:home")
    tap(w, "btn:agentSignOut")
    assert not k.agents.signedIn and s.screen == AGENT_SIGNIN and s.visit.acting is None
    whats = [line["what"] for line in tech.read_audit(station.data_dir)[0]
             if line["who"] == "agent:A-01"]
    assert {"open", "agent_list", "agent_reprint", "agent_sign_out"} <= set(whats)


def test_the_idle_countdown_ends_the_agent_session(station_window):
    make, _, _ = station_window
    k = make(idle_ms=(200, 2, 50))
    _sign_in(k)
    assert k.agents.signedIn
    assert wait_until(lambda: not k.agents.signedIn, 5_000)  # on the agent's home too
    assert k.session.screen == AGENT_SIGNIN and k.session.visit.acting is None


def test_binding_on_the_technician_screen_checks_before_sending(station_window):
    make, station, _ = station_window
    sent = []
    k = make(agent_binder=lambda code: sent.append(code))
    w, b = k.window, k.agent_binding
    tech.set_pin(station.data_dir, "480215")
    k.technician.openPad()
    pump(20)
    for ch in "480215":
        tap(w, f"pin:{ch}")
    tap(w, "pin:ok")
    assert wait_until(lambda: k.technician.mode == "screen", 10_000)
    for ch in "12345670":  # the check digit does not fit
        b.press(ch)
    for ch in "2468":
        b.press(ch)
    b.select("pin_again")
    for ch in "246802":
        b.press(ch)
    tap(w, "bind:ok")
    pump(20)
    assert b.problems == {"code": "绑定码有一位输错了，请对照平台给的绑定码重新输入",
                          "pin": "密码要用6到12位数字"}
    assert sent == [] and b.field == "code"
    assert TODAY  # the window's fixed day


def test_the_list_says_where_the_office_has_got_to_and_only_to_its_own_agent(station_window):
    """我办理的 shows the outbox's state at once, then the platform's status of each delivered
    case as the terminal's own read answers (handed in as the kiosk command does); an
    answer that comes back after the agent signed out never reaches the next agent."""
    import dataclasses
    import threading

    from kiosk import casequery
    from kiosk.store import Settlement
    from tests.support.store import claim_one, new_submission, settle_one

    make, station, _ = station_window
    with Outbox.open(station.data_dir) as box:
        box.confirm(dataclasses.replace(new_submission(), agent_id="A-01"))
        settle_one(box, Settlement.delivered(claim_one(box).submission_id, "XF2026120100007",
                                             "7KQ3MZ4P"))
    at = datetime(2026, 12, 1, 2, tzinfo=UTC)
    accepted = schemas.CaseProgress(
        case_no="XF2026120100007", query_code="7KQ3MZ4P", kind="petition", status="accepted",
        status_label="已受理", received_at=at, updated_at=at, history=[])
    asked, hold = [], threading.Event()

    def case_status(code):
        asked.append(code)
        hold.wait(10)
        return casequery.Answer("found", progress=accepted)

    k = make(case_status=case_status)
    w = k.window
    _sign_in(k)
    tap(w, "btn:agentList")
    assert wait_until(lambda: k.agents.rows != [], 5_000)
    assert k.agents.rows[0]["state_words"] == "已送达，事项编号 XF2026120100007"  # at once
    hold.set()
    assert wait_until(lambda: "现在：已受理" in k.agents.rows[0]["state_words"], 5_000)
    assert asked == ["7KQ3MZ4P"]

    # A-01 opens the list again and leaves before the platform answers; A-02 signs in
    hold.clear()
    tap(w, "btn:home")
    tap(w, "btn:agentList")
    assert wait_until(lambda: len(asked) == 2, 5_000)
    tap(w, "btn:home")
    tap(w, "btn:agentSignOut")
    assert k.session.screen == AGENT_SIGNIN  # the sign-in again, for the next agent
    tap(w, "agent:A-02")
    _type_pin(w, PIN)
    tap(w, "btn:agentSignInOk")
    assert wait_until(lambda: k.agents.signedIn, 10_000)
    shown_to_a02 = []
    k.agents.listChanged.connect(lambda: shown_to_a02.append(str(k.agents.rows)))
    tap(w, "btn:agentList")
    hold.set()
    assert wait_until(lambda: any("[]" == rows for rows in shown_to_a02), 5_000)  # A-02's own
    pump(300)
    assert not any("XF2026120100007" in rows for rows in shown_to_a02), shown_to_a02
