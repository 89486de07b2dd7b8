"""The service evaluation on the platform: follow-ups taken exactly once, the figures of
seed document 2 on small datasets with hand-computed rates, the call-back draw and the
follow-ups of bad ratings, through the store and the real `kiosk-receiver` command."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime

import pytest

from receiver import cli, keys
from receiver.storage import Accept, FollowUpRefused, Store
from receiver.storage.evaluations import draw
from tests.support.platform_server import sealed_submission
from wire import errors, schemas, sealing

NOV = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)  # 10:00 in China
DEC = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def data(tmp_path):
    return tmp_path / "platform"


@pytest.fixture
def store(data):
    opened = Store(data)
    for terminal_id, area in (("T-A", "甲县"), ("T-B", "乙县")):
        opened.add_terminal(terminal_id, jurisdiction=area, now=NOV)
    yield opened
    opened.close()


def make_case(store, data, terminal_id="T-A", at=NOV, phone="13800138000"):
    key, _ = keys.load_or_create(data)
    pub = keys.public_text(key)
    req = sealed_submission(pub, terminal_id, document={"applicants": [{"phone": phone}]})
    req = req.model_copy(update={"created_at": at})
    [answer] = store.record([Accept(req, base64.b64decode(req.envelope), req.identity_sha256(),
                                    (phone[-4:],))], now=at)
    return req.submission_id, schemas.SubmissionAccepted.model_validate_json(answer.body)


def rate(store, submission_id, level, service="terminal", terminal_id="T-A", reasons=(),
         text=None, data=None, followup_id=None):
    followup_id = followup_id or str(uuid.uuid4())
    sealed = None
    if text is not None:
        pub = keys.load(data).public_key()
        sealed = sealing.seal(text.encode(), pub, followup_id, schemas.EVALUATION_TEXT_PART)
    req = schemas.FollowUpRequest(
        followup_id=followup_id, terminal_id=terminal_id, kind="evaluation",
        submission_id=submission_id, created_at=NOV,
        evaluation=schemas.Evaluation(service=service, level=level, reasons=list(reasons)))
    return req, store.take_followup(req, req.identity_sha256(), sealed)


def test_a_followup_is_taken_once_and_linked_to_its_case(store, data):
    sid, case = make_case(store, data)
    req, first = rate(store, sid, "satisfied")
    assert first.status == 201
    accepted = schemas.FollowUpAccepted.model_validate_json(first.response)
    assert accepted.case_no == case.case_no and accepted.followup_id == req.followup_id
    again = store.take_followup(req, req.identity_sha256(), None)
    assert again == first  # the same answer, byte for byte; no second rating
    other = req.model_copy(update={"evaluation": schemas.Evaluation(service="terminal",
                                                                    level="dissatisfied")})
    with pytest.raises(FollowUpRefused) as reused:
        store.take_followup(other, other.identity_sha256(), None)
    assert reused.value.code is errors.IDEMPOTENCY_KEY_REUSED
    with pytest.raises(FollowUpRefused) as twice:  # another follow-up, the same service
        rate(store, sid, "very_satisfied")
    assert twice.value.code is errors.ALREADY_EVALUATED
    assert [f.ratings for f in store.evaluation_stats()] == [1]


def test_a_followup_of_a_case_not_arrived_or_of_another_terminal_is_refused(store, data):
    with pytest.raises(FollowUpRefused) as unknown:
        rate(store, str(uuid.uuid4()), "satisfied")
    assert unknown.value.code is errors.FOLLOWUP_CASE_UNKNOWN
    sid, _ = make_case(store, data, "T-A")
    with pytest.raises(FollowUpRefused) as other:  # T-B cannot name T-A's submission
        rate(store, sid, "satisfied", terminal_id="T-B")
    assert other.value.code is errors.FOLLOWUP_CASE_UNKNOWN


def test_the_handling_of_a_case_is_rated_only_once_it_is_answered(store, data):
    sid, case = make_case(store, data)
    with pytest.raises(FollowUpRefused) as early:
        rate(store, sid, "satisfied", service="case")
    assert early.value.code is errors.FOLLOWUP_INVALID
    store.set_case_status(case.case_no, "answered", now=NOV)
    assert rate(store, sid, "satisfied", service="case")[1].status == 201
    rate(store, sid, "very_satisfied", service="terminal")  # a service of its own


def test_the_figures_on_a_known_dataset(store, data):
    # November: 5 visits at T-A (甲县), 3 at T-B (乙县); December: 2 at T-A.
    nov_a = [make_case(store, data, "T-A", NOV)[0] for _ in range(5)]
    nov_b = [make_case(store, data, "T-B", NOV)[0] for _ in range(3)]
    dec_a = [make_case(store, data, "T-A", DEC)[0] for _ in range(2)]
    for sid, level in zip(nov_a, ("very_satisfied", "satisfied", "basically_satisfied",
                                  "dissatisfied"), strict=False):
        rate(store, sid, level, reasons=("too_slow",) if level == "dissatisfied" else ())
    rate(store, nov_b[0], "very_dissatisfied", terminal_id="T-B", reasons=("other",))
    rate(store, dec_a[0], "satisfied")
    # the answered case's own rating is a figure of its own (service "case")
    store.set_case_status(store.list_cases()[0]["case_no"], "answered", now=NOV)
    rate(store, nov_a[0], "satisfied", service="case")

    [everything, cases] = store.evaluation_stats()
    assert (everything.group, everything.service) == ("all", "terminal")
    assert (everything.valid_visits, everything.ratings, everything.satisfied,
            everything.bad, everything.followed_up) == (10, 6, 4, 2, 0)
    assert everything.participation_rate == pytest.approx(6 / 10)
    assert everything.satisfaction_rate == pytest.approx(4 / 6)
    shown = everything.as_dict()
    assert shown["participation_met"] is True and shown["satisfaction_met"] is False
    assert shown["levels"] == {"very_satisfied": 1, "satisfied": 2, "basically_satisfied": 1,
                               "dissatisfied": 1, "very_dissatisfied": 1}
    assert (cases.service, cases.valid_visits, cases.ratings, cases.satisfaction_rate) == (
        "case", 1, 1, 1.0)

    by_terminal = {(f.group, f.service): f for f in store.evaluation_stats("terminal")}
    a, b = by_terminal[("T-A", "terminal")], by_terminal[("T-B", "terminal")]
    assert (a.valid_visits, a.ratings, a.satisfied) == (7, 5, 4)
    assert (b.valid_visits, b.ratings, b.satisfied, b.bad) == (3, 1, 0, 1)
    assert b.participation_rate == pytest.approx(1 / 3) and b.satisfaction_rate == 0.0
    by_area = {f.group for f in store.evaluation_stats("jurisdiction")}
    assert by_area == {"甲县", "乙县"}
    by_month = {(f.group, f.service): f for f in store.evaluation_stats("month")}
    assert by_month[("2026-11", "terminal")].valid_visits == 8
    assert by_month[("2026-11", "terminal")].participation_rate == pytest.approx(5 / 8)
    assert by_month[("2026-12", "terminal")].participation_rate == pytest.approx(1 / 2)
    [dec] = store.evaluation_stats(period="2026-12")
    assert (dec.valid_visits, dec.ratings) == (2, 1)

    # following a bad rating up counts it
    [first_bad, _] = store.bad_ratings("open")
    assert store.record_followup(first_bad.evaluation_id, "电话联系，已解释")
    assert not store.record_followup(str(uuid.uuid4()), "x")
    assert store.evaluation_stats()[0].followed_up == 1
    assert [b.state for b in store.bad_ratings()] == ["done", "open"]


def test_the_callback_draw_is_recorded_reproducible_and_made_once(store, data):
    sids = [make_case(store, data, phone=f"1380013{i:04d}")[0] for i in range(14)]
    for sid in sids[:12]:
        rate(store, sid, "satisfied")
    rate(store, sids[12], "dissatisfied", reasons=("other",))  # never drawn
    drawn, new = store.evaluation_sample("2026-11", seed=42)
    assert new and len(drawn) == 10 and [c.position for c in drawn] == list(range(1, 11))
    assert {c.level for c in drawn} == {"satisfied"} and {c.seed for c in drawn} == {42}
    assert len({c.case_no for c in drawn}) == 10
    # the same pool and seed give the same draw (anyone can check it)
    from receiver.storage import evaluations

    with store.db.reading() as conn:
        pool = evaluations.satisfied_pool(conn, "2026-11")
    assert len(pool) == 12
    assert [c for c, _ in draw(pool, 42)] == [c.case_no for c in drawn]
    again, new_again = store.evaluation_sample("2026-11", seed=7)
    assert not new_again and again == drawn  # drawn once per period
    assert store.record_callback("2026-11", drawn[0].case_no, "genuine", "确认满意")
    assert not store.record_callback("2026-12", drawn[0].case_no, "genuine", None)
    assert store.evaluation_sample("2026-11", seed=1)[0][0].outcome == "genuine"
    assert store.evaluation_sample("2026-12", seed=1) == ([], True)


def run_cli(data, *argv, capsys):
    status = cli.main(["--data", str(data), *argv])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_the_commands(store, data, capsys):
    sids = [make_case(store, data, phone=f"1390000{i:04d}")[0] for i in range(3)]
    rate(store, sids[0], "very_satisfied")
    rate(store, sids[1], "very_dissatisfied", reasons=("device_fault",), text="屏幕没有反应",
         data=data)
    status, out, _ = run_cli(data, "evaluations", "stats", "--json", capsys=capsys)
    assert status == 0
    [group] = [g for g in json.loads(out)["groups"] if g["service"] == "terminal"]
    assert (group["valid_visits"], group["ratings"], group["bad"]) == (3, 2, 1)
    assert group["participation_rate"] == pytest.approx(2 / 3)
    assert group["satisfaction_rate"] == pytest.approx(1 / 2)
    status, out, _ = run_cli(data, "evaluations", "stats", "--by", "terminal", capsys=capsys)
    assert status == 0 and "T-A" in out and "66.7%" in out and "50.0%" in out

    status, out, _ = run_cli(data, "evaluations", "sample", "--period", "2026-11", "--seed",
                             "5", "--json", capsys=capsys)
    drawn = json.loads(out)
    assert status == 0 and drawn["seed"] == 5 and drawn["drawn_now"]
    [call] = drawn["callbacks"]
    assert call["phones"] == ["13900000000"]  # shown to the operator, from the envelope
    status, _, err = run_cli(data, "evaluations", "sample", "--period", "2026-11", "--seed",
                             "6", capsys=capsys)
    assert status == 2 and "drawn before with seed 5" in err
    status, out, _ = run_cli(data, "evaluations", "callback", call["case_no"], "--period",
                             "2026-11", "--outcome", "genuine", capsys=capsys)
    assert status == 0
    status, _, err = run_cli(data, "evaluations", "callback", "XF0", "--period", "2026-11",
                             "--outcome", "genuine", capsys=capsys)
    assert status == 2 and "was not drawn" in err
    with pytest.raises(SystemExit) as bad_period:
        run_cli(data, "evaluations", "sample", "--period", "11/2026", capsys=capsys)
    assert bad_period.value.code == 2 and "not a month" in capsys.readouterr().err

    status, out, _ = run_cli(data, "evaluations", "followups", "--json", capsys=capsys)
    [bad] = json.loads(out)
    assert (bad["state"], bad["reasons"], bad["text"]) == ("open", ["device_fault"],
                                                           "屏幕没有反应")
    status, out, _ = run_cli(data, "evaluations", "follow-up", bad["evaluation_id"], "--note",
                             "已派人检修", capsys=capsys)
    assert status == 0
    status, out, _ = run_cli(data, "evaluations", "followups", "--state", "open", capsys=capsys)
    assert out.strip() == "(no bad ratings)"
    status, _, err = run_cli(data, "evaluations", "follow-up", "nope", "--note", "x",
                             capsys=capsys)
    assert status == 2 and "no bad rating" in err
