"""补充材料 and 撤回申请 on the platform: the office asks for material and confirms a
withdrawal (`kiosk-receiver case set-status`, with its rules), material and withdrawals
are taken exactly once, kept sealed, never refused for the state the case is in when
they arrive, and a follow-up by query code and phone digits counts against the limits
on guesses as a read does."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from receiver import cli, keys
from receiver.storage import FollowUpRefused, ReadLimits, StatusRefused, Store
from tests.receiver.test_evaluations import NOV, make_case
from wire import errors, schemas, sealing


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


def _supplement(store, data, case_ref, pages=2, terminal_id="T-A", created_at=None,
                followup_id=None, **link):
    followup_id = followup_id or str(uuid.uuid4())
    pub = keys.load(data).public_key()
    plain = json.dumps([{"media_type": "image/jpeg", "data": base64.b64encode(
        b"\xff\xd8\xff page %d" % i).decode()} for i in range(pages)]).encode()
    sealed = sealing.seal(plain, pub, followup_id, schemas.SUPPLEMENT_PART)
    req = schemas.FollowUpRequest(
        followup_id=followup_id, terminal_id=terminal_id, kind="supplement",
        created_at=created_at or NOV + timedelta(days=2), **case_ref, **link,
        supplement=schemas.Supplement(pages=pages, sha256=hashlib.sha256(sealed).hexdigest(),
                                      sealed=base64.b64encode(sealed).decode()))
    return req, sealed


def _withdrawal(store, data, case_ref, terminal_id="T-A", **link):
    followup_id = str(uuid.uuid4())
    pub = keys.load(data).public_key()
    sealed = sealing.seal(b"\x89PNG\r\n\x1a\n signature", pub, followup_id,
                          schemas.WITHDRAWAL_PART)
    return schemas.FollowUpRequest(
        followup_id=followup_id, terminal_id=terminal_id, kind="withdrawal",
        created_at=NOV + timedelta(days=1), **case_ref, **link,
        withdrawal=schemas.Withdrawal(signature=base64.b64encode(sealed).decode()))


def _take(store, req, now):
    return store.take_followup(req, req.identity_sha256(), None, now=now)


def test_material_asked_for_added_once_and_the_day_it_was_complete_kept(store, data):
    sid, case = make_case(store, data)
    with pytest.raises(StatusRefused, match="--note"):  # what is missing must be said
        store.set_case_status(case.case_no, "material_requested", now=NOV)
    asked = NOV + timedelta(days=1)
    store.set_case_status(case.case_no, "material_requested", "缺少身份证复印件", now=asked)
    req, sealed = _supplement(store, data, {"submission_id": sid})
    arrived = NOV + timedelta(days=5)  # confirmed on day 2, delivered on day 5
    first = _take(store, req, arrived)
    assert first.status == 201
    assert _take(store, req, arrived + timedelta(hours=1)) == first  # again: the same answer
    progress = store.case_progress_of(case.case_no)
    assert progress.status == "material_added"
    assert progress.material_complete_at == req.created_at  # the terminal's time, not arrival
    assert [(e.status, e.note) for e in progress.history][-2:] == [
        ("material_requested", "缺少身份证复印件"), ("material_added", "补充材料2页")]
    [kept] = store.case_aftercare(case.case_no)["supplements"]
    assert (kept["pages"], kept["sealed_sha256"]) == (2, hashlib.sha256(sealed).hexdigest())
    case_no, stored = store.supplement_sealed(req.followup_id)
    assert case_no == case.case_no and stored == sealed  # sealed as it came
    opened = sealing.unseal(stored, keys.load(data), req.followup_id, schemas.SUPPLEMENT_PART)
    assert len(json.loads(opened)) == 2


def test_the_complete_day_is_never_before_the_office_asked_nor_after_it_arrived(store, data):
    sid, case = make_case(store, data)
    asked = NOV + timedelta(days=3)
    store.set_case_status(case.case_no, "material_requested", "缺少答复意见书", now=asked)
    early, _ = _supplement(store, data, {"submission_id": sid}, created_at=NOV)  # clock wrong
    _take(store, early, asked + timedelta(days=1))
    assert store.case_progress_of(case.case_no).material_complete_at == asked
    store.set_case_status(case.case_no, "material_requested", "还缺一页", now=asked +
                          timedelta(days=2))
    assert store.case_progress_of(case.case_no).material_complete_at is None  # asked again
    arrived = asked + timedelta(days=4)
    late, _ = _supplement(store, data, {"submission_id": sid}, created_at=arrived +
                          timedelta(days=30))
    _take(store, late, arrived)
    assert store.case_progress_of(case.case_no).material_complete_at == arrived


def test_material_that_arrives_after_the_office_moved_on_is_kept_and_said(store, data):
    sid, case = make_case(store, data)
    store.set_case_status(case.case_no, "in_progress", now=NOV)
    req, _ = _supplement(store, data, {"submission_id": sid})
    assert _take(store, req, NOV + timedelta(days=3)).status == 201
    progress = store.case_progress_of(case.case_no)
    assert progress.status == "in_progress" and progress.material_complete_at is None
    assert "没有在等补充材料" in progress.history[-1].note
    assert len(store.case_aftercare(case.case_no)["supplements"]) == 1


def test_a_withdrawal_waits_for_the_office_and_only_one_asked_for_can_be_confirmed(store, data):
    sid, case = make_case(store, data)
    with pytest.raises(StatusRefused, match="no request to withdraw"):
        store.set_case_status(case.case_no, "withdrawn", now=NOV)
    for citizens_only in ("material_added", "withdrawal_requested"):
        with pytest.raises(StatusRefused, match="not by the office"):
            store.set_case_status(case.case_no, citizens_only, now=NOV)
    req = _withdrawal(store, data, {"submission_id": sid})
    first = _take(store, req, NOV + timedelta(days=2))
    assert _take(store, req, NOV + timedelta(days=3)) == first
    assert store.case_progress_of(case.case_no).status == "withdrawal_requested"
    store.set_case_status(case.case_no, "withdrawn", "经审查，同意撤回", now=NOV + timedelta(days=4))
    [kept] = store.case_aftercare(case.case_no)["withdrawals"]
    assert kept["status_before"] == "received" and kept["confirmed_at"] is not None
    assert store.case_progress_of(case.case_no).status == "withdrawn"


def test_a_withdrawal_after_the_opinion_is_kept_but_changes_nothing(store, data):
    sid, case = make_case(store, data)
    store.set_case_status(case.case_no, "answered", now=NOV)
    assert _take(store, _withdrawal(store, data, {"submission_id": sid}),
                 NOV + timedelta(days=1)).status == 201
    progress = store.case_progress_of(case.case_no)
    assert progress.status == "answered"
    assert "不能撤回" in progress.history[-1].note
    with pytest.raises(StatusRefused):  # nothing waits for the office to confirm
        store.set_case_status(case.case_no, "withdrawn", now=NOV + timedelta(days=2))


def test_by_query_code_any_terminal_with_the_phone_digits_and_guesses_are_counted(store, data):
    sid, case = make_case(store, data, "T-A", phone="13800131234")
    store.set_case_status(case.case_no, "material_requested", "缺少身份证复印件", now=NOV)
    by_code = {"query_code": case.query_code}
    # T-B, another county, names the case by its code and the digits the citizen proved
    req, _ = _supplement(store, data, by_code, terminal_id="T-B", phone_last4="1234")
    assert _take(store, req, NOV + timedelta(days=3)).status == 201
    assert store.case_progress_of(case.case_no).status == "material_added"
    limits = ReadLimits()
    for _ in range(limits.per_code):  # wrong digits: each one a failed guess, kept
        wrong = _withdrawal(store, data, by_code, terminal_id="T-B", phone_last4="9999")
        with pytest.raises(FollowUpRefused) as refused:
            _take(store, wrong, NOV + timedelta(days=3))
        assert refused.value.code is errors.FOLLOWUP_CASE_UNKNOWN
    right = _withdrawal(store, data, by_code, terminal_id="T-B", phone_last4="1234")
    with pytest.raises(FollowUpRefused) as limited:  # the code is now held, right or not
        _take(store, right, NOV + timedelta(days=3))
    assert limited.value.code is errors.CASE_QUERY_LIMITED and limited.value.retry_after > 0
    assert store.case_progress_of(case.case_no).status == "material_added"


def test_a_body_of_another_kind_is_not_a_followup():
    with pytest.raises(ValueError, match="carries `supplement`"):
        schemas.FollowUpRequest(followup_id=str(uuid.uuid4()), terminal_id="T-A",
                                kind="supplement", submission_id=str(uuid.uuid4()),
                                created_at=datetime.now(UTC),
                                evaluation=schemas.Evaluation(service="terminal",
                                                              level="satisfied"))
    with pytest.raises(ValueError, match="phone_last4"):
        schemas.FollowUpRequest(followup_id=str(uuid.uuid4()), terminal_id="T-A",
                                kind="withdrawal", submission_id=str(uuid.uuid4()),
                                phone_last4="1234", created_at=datetime.now(UTC),
                                withdrawal=schemas.Withdrawal(signature="AA=="))


def test_the_office_commands(store, data, capsys):
    sid, case = make_case(store, data)
    argv = ["case", "set-status", case.case_no, "material_requested", "--data", str(data)]
    assert cli.main(argv) == 2
    assert "--note" in capsys.readouterr().err
    assert cli.main([*argv, "--note", "缺少身份证复印件"]) == 0
    assert "material_requested (待补充材料)" in capsys.readouterr().out
    req, _ = _supplement(store, data, {"submission_id": sid})
    _take(store, req, NOV + timedelta(days=3))
    assert cli.main(["case", "show", case.case_no, "--json", "--data", str(data)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "material_added" and shown["material_complete_at"]
    assert [s["pages"] for s in shown["supplements"]] == [2]
    assert cli.main(["case", "set-status", case.case_no, "withdrawn", "--data", str(data)]) == 2
    assert "no request to withdraw" in capsys.readouterr().err


def test_the_receipt_page_counts_the_limits_from_the_day_the_material_was_complete():
    from receiver.receipt_view import limits_ahead

    def event(day: int, status: str) -> schemas.CaseEvent:
        return schemas.CaseEvent(at=datetime(2026, 11, day, 2, 0, tzinfo=UTC), status=status,
                                 status_label=schemas.CASE_STATUSES[status])

    applied = datetime(2026, 11, 2, 2, 0, tzinfo=UTC)
    history = [event(2, "received"), event(4, "material_requested"), event(12, "material_added")]
    [accept] = [x for x in limits_ahead("petition", applied, history, "material_added")
                if x.label == "告知是否受理"]
    assert accept.by == "2026年11月27日"  # 15 days from 12 November, not from 2 November
    [asked] = limits_ahead("petition", applied, history[:2], "material_requested")
    assert asked.label == "补充材料" and "10个工作日" in asked.by
