"""Agents of a proxy station in the core (代办员): who is bound, their PINs kept apart
from the technician's, the agent session's part of a petition (the villager the
applicant, the agent recorded by the session, the authorisation signed), and the
agent's list in words — all without Qt or a network."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import agents, flow, petition
from kiosk import technician as tech
from kiosk.store.records import SubmissionInfo
from kiosk.visit import Visit
from tests.support import factories as f
from tests.support.common import TODAY
from wire import schemas

PIN = "246802"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
ACTING = agents.ActingAgent("A-01", "和平村代办站", "T-VILLAGE-01")


def _bind(data_dir, agent_id="A-01", name="王小明", pin=PIN) -> agents.Agent:
    return agents.keep(data_dir, schemas.AgentBinding(
        agent_id=agent_id, name=name, station="和平村代办站",
        bound_at=datetime(2026, 11, 20, tzinfo=UTC)), pin, terminal_id="T-VILLAGE-01")


def test_agents_are_kept_with_their_own_pins_apart_from_the_technicians(tmp_path):
    _bind(tmp_path)
    _bind(tmp_path, "A-02", "赵大勇", "135792")
    tech.set_pin(tmp_path, "480215")
    assert [a.agent_id for a in agents.agents(tmp_path)] == ["A-01", "A-02"]
    assert agents.find(tmp_path, "A-01").masked_name == "王*明"
    assert (tmp_path / agents.AGENTS_FILE).stat().st_mode & 0o777 == 0o600
    assert "王小明" not in (tmp_path / agents.AGENTS_FILE).read_text(encoding="utf-8")
    assert agents.sign_in(tmp_path, "A-01", PIN, terminal_id="T").outcome == "ok"
    assert agents.sign_in(tmp_path, "A-01", "135792", terminal_id="T").outcome == "wrong"
    assert agents.sign_in(tmp_path, "A-02", "135792", terminal_id="T").outcome == "ok"
    assert agents.sign_in(tmp_path, "A-09", PIN, terminal_id="T").outcome == "not_set"
    for _ in range(5):
        agents.sign_in(tmp_path, "A-02", "000000", terminal_id="T")
    assert agents.sign_in(tmp_path, "A-02", "135792", terminal_id="T").outcome == "locked"
    # neither the other agent nor the technician is locked by it
    assert agents.sign_in(tmp_path, "A-01", PIN, terminal_id="T").outcome == "ok"
    assert tech.verify(tmp_path, "480215", terminal_id="T").outcome == "ok"
    record = (tmp_path / agents.pin_files("A-01").pin).read_text()
    assert PIN not in record and json.loads(record)["kdf"] == "scrypt"
    # binding again replaces the agent's PIN
    _bind(tmp_path, pin="999999")
    assert agents.sign_in(tmp_path, "A-01", PIN, terminal_id="T").outcome == "wrong"
    whos = {line["who"] for line in tech.read_audit(tmp_path)[0]}
    assert {"agent:A-01", "agent:A-02", "technician"} <= whos


def test_a_damaged_list_of_agents_says_so(tmp_path):
    (tmp_path / agents.AGENTS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(agents.AgentError) as damaged:
        agents.agents(tmp_path)
    assert "重新绑定" in damaged.value.words


def test_what_is_typed_to_bind_is_checked_before_anything_is_sent():
    assert agents.check_binding("12345671", PIN, PIN) == []
    fields = {p[0]: p[2] for p in agents.check_binding("12345670", "12", "12")}
    assert fields == {"code": "绑定码有一位输错了，请对照平台给的绑定码重新输入",
                      "pin": "密码要用6到12位数字"}
    assert [p[0] for p in agents.check_binding("1234", PIN, "246803")] == ["code", "pin_again"]


def _validate(doc, tax, acting=ACTING):
    return petition.validate(doc, taxonomy=tax, today=TODAY,
                             acting_agent=acting.proxy() if acting else None)


def _proxied(**proxy) -> dict:
    doc = f.petition()
    doc["proxy"] = {"authorisation": agents.default_authorisation(TODAY), **proxy}
    doc["attachments"].append({"role": "authorisation_signature", "media_type": "image/png",
                               "digest": "ab" * 32})
    return doc


def test_the_session_records_the_agent_and_the_document_only_the_authorisation(tax):
    result = _validate(_proxied(), tax)
    assert result.ok, result.problems
    assert result.document["proxy"] | {"authorisation": None} == \
        {"agent_id": "A-01", "station": "和平村代办站", "terminal_id": "T-VILLAGE-01",
         "authorisation": None}
    typed = _validate(_proxied(agent_id="A-02"), tax)
    assert [p.code for p in typed.problems] == ["proxy.typed"]
    assert typed.problems[0].message == "代办员的身份由登录自动记录，不用填写"
    citizen = _validate(_proxied(), tax, acting=None)
    assert [p.code for p in citizen.problems] == ["proxy.not_applicable"]
    unsigned = _proxied()
    unsigned["attachments"].pop()
    assert [p.path for p in _validate(unsigned, tax).problems] == ["authorisation_signature"]
    expired = _proxied()
    expired["proxy"]["authorisation"]["valid_until"] = (TODAY - timedelta(days=1)).isoformat()
    expired["proxy"]["authorisation"]["valid_from"] = (TODAY - timedelta(days=9)).isoformat()
    assert [p.code for p in _validate(expired, tax).problems] == ["authorisation.expired"]
    for_other = _proxied()
    for_other["applying_as"] = "for_other"
    assert "proxy.applying_as" in {p.code for p in _validate(for_other, tax).problems}


def test_an_agent_sessions_visit_starts_with_the_villagers_authorisation(tax):
    v = Visit(tax, today=lambda: TODAY, render_signature=lambda strokes, size: PNG)
    v.start("petition")
    assert v.screen != "authorisation"  # a walk-in citizen: no authorisation step
    v.acting = ACTING
    v.start("petition")
    assert v.screen == "authorisation" and flow.position(v.screen, v.answers)[0] == 1
    v.next()
    assert v.screen == "authorisation" and v.errors["authorisation_signature"] == "请村民在授权书上签名"
    v.add_auth_stroke([(1.0, 1.0), (5.0, 5.0)], 100, 50)
    assert "authorisation_signature" not in v.errors
    v.next()
    assert v.screen == "applying_as"
    assert [a.role for a in v.attachments()] == ["authorisation_signature"]
    assert v.validation().document["proxy"]["agent_id"] == "A-01"
    v.wipe()
    assert v.acting is ACTING and v.auth_strokes == []  # the session outlives the visit


def _info(state: str, created: datetime, case_no: str | None = None,
          query_code: str | None = None) -> SubmissionInfo:
    return SubmissionInfo(
        submission_id="s", receipt_no="4827105933", kind="petition", category="labour",
        purpose=None, terminal_id="T", jurisdiction="J", created_at=created, state=state,
        attempts=0, next_attempt_at=created, last_error=None, case_no=case_no,
        query_code=query_code,
        delivered_at=None, updated_at=created, agent_id="A-01",
        receipt_fields={"applicant_name": "李*芳", "kind_label": "信访事项",
                        "category_label": "劳动社保"})


def test_the_agents_list_in_words():
    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    assert agents.state_words(_info("queued", now - timedelta(days=12)), now) == "等待发送 12 天"
    assert agents.state_words(_info("sending", now), now) == "等待发送（今天办理）"
    assert agents.state_words(_info("delivered", now, "XF2026120100001"), now) == \
        "已送达，事项编号 XF2026120100001"
    assert agents.state_words(_info("needs_attention", now), now) == "发送遇到问题，等待技术人员处理"
    [row] = agents.rows([_info("queued", now)], now)
    assert (row["applicant"], row["kind"], row["category"], row["receipt_display"]) == \
        ("李*芳", "信访事项", "劳动社保", "4827 1059 33")
    assert agents.reached_words(None, now) == "本站还没有联系上平台"
    assert agents.reached_words(now - timedelta(days=9, hours=2), now) == "本站已经 9 天没有联系上平台"
    assert agents.reached_words(now - timedelta(hours=5), now) == "本站 5 小时前联系过平台"


def test_the_authorisation_in_plain_words():
    agent = agents.Agent("A-01", "王小明", "和平村代办站", "2026-11-20T00:00:00+00:00")
    words = agents.authorisation_words(agent, agents.default_authorisation(TODAY))
    assert words[0] == "我同意由和平村代办站的代办员 王*明 替我办理。"
    assert any(line.startswith("委托期限：") for line in words)
    assert "王小明" not in "".join(words)


def test_the_doctor_checks_a_proxy_station_has_an_agent(demo_config):
    from kiosk import doctor
    from kiosk.config import LoadedConfig

    def agents_check(loaded):
        outcomes = doctor.run_checks(doctor.core_checks(doctor.Context(loaded)))
        return [o.result for o in outcomes if o.name == "agents"]

    assert agents_check(demo_config) == []  # a hall terminal: no such check
    terminal = demo_config.config.terminal.model_copy(update={"proxy_station": True})
    station = LoadedConfig(demo_config.config.model_copy(update={"terminal": terminal}),
                           demo_config.source, demo_config.data_dir)
    [none] = agents_check(station)
    assert none.status == "FAIL" and "kiosk agent bind" in none.fix
    _bind(station.data_dir)
    [one] = agents_check(station)
    assert one.status == "PASS" and "A-01" in one.found


def test_the_agents_list_counts_every_verified_exchange_as_reaching_the_platform(tmp_path):
    """A heartbeat answered (the delivery's record in clock-trust.json) counts as reaching
    the platform, though nothing was delivered; the newest of all is what the list says."""
    from kiosk import clock_trust
    from kiosk.clock_trust import Reading

    assert agents.last_reached(None, tmp_path) is None
    heard = datetime(2026, 11, 28, 6, tzinfo=UTC).timestamp()
    clock_trust.save(tmp_path, clock_trust.Record(
        high_water=heard, last_reached=heard, last_reached_local=Reading(heard, "a-boot", 5.0)))
    delivered = datetime(2026, 11, 20, tzinfo=UTC)
    assert agents.last_reached(delivered, tmp_path) == datetime.fromtimestamp(heard, UTC)
    later = datetime(2026, 11, 30, tzinfo=UTC)
    assert agents.last_reached(later, tmp_path) == later


def _progress(code: str, status: str) -> schemas.CaseProgress:
    at = datetime(2026, 11, 20, 2, tzinfo=UTC)
    return schemas.CaseProgress(
        case_no="XF" + code, query_code=code, kind="petition", status=status,
        status_label=schemas.CASE_STATUSES[status], received_at=at, updated_at=at, history=[])


def test_the_list_says_where_the_office_has_got_to_newest_first_until_the_platform_fails():
    """Delivered cases are asked about newest first, one read each; a case the platform does
    not know is passed over, the first answer that is no case's (offline) ends the asking,
    and what was not asked stays as the outbox knows it."""
    from kiosk import casequery

    now = datetime(2026, 12, 1, 8, tzinfo=UTC)
    items = [_info("delivered", now - timedelta(days=d), f"XF{d}", f"CODE{d:04d}")
             for d in range(1, 6)] + [_info("queued", now)]
    answers = {"CODE0001": casequery.Answer("found", progress=_progress("CODE0001", "accepted")),
               "CODE0002": casequery.Answer("not_found"),
               "CODE0003": casequery.Answer("found", progress=_progress("CODE0003", "answered")),
               "CODE0004": casequery.Answer("offline", detail="cannot reach")}
    asked = []

    def read(code):
        asked.append(code)
        return answers[code]

    statuses = agents.case_statuses(items, read)
    assert asked == ["CODE0001", "CODE0002", "CODE0003", "CODE0004"]  # not CODE0005
    assert statuses == {"CODE0001": "已受理", "CODE0003": "已出具处理意见"}
    listed = {r["query_code"]: r for r in agents.rows(items, now, statuses)}
    assert listed["CODE0001"]["state_words"] == "已送达，事项编号 XF1，现在：已受理"
    assert listed["CODE0001"]["platform_status"] == "已受理"
    assert listed["CODE0002"]["state_words"] == "已送达，事项编号 XF2"
    assert listed["CODE0005"]["platform_status"] is None
    assert listed[None]["state_words"] == "等待发送（今天办理）"

    many = [_info("delivered", now - timedelta(hours=h), f"XF{h}", f"Q{h:07d}") for h in range(40)]
    asked.clear()
    agents.case_statuses(many, lambda code: asked.append(code) or casequery.Answer("not_found"))
    assert len(asked) == agents.STATUS_READS and asked[0] == "Q0000000"
