"""补充材料 and 撤回申请 on the terminal without Qt or network: the checks (every problem at
once, in plain Chinese), what is queued (sealed, linked to the case either way, one
withdrawal per case), how follow-ups named by query code are claimed, and migration
0007 on a database with rows."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import case_actions, casequery, config
from kiosk.store import CaseRef, Outbox, Settlement
from kiosk.store.db import migrate
from kiosk.submission import AttachmentData
from tests.support.store import claim_one, new_submission, settle_one
from wire import schemas, sealing

AT = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
JPEG = b"\xff\xd8\xff\xe0 a page"
PNG = b"\x89PNG\r\n\x1a\n a signature"


def progress(status="material_requested", note="缺少身份证复印件", case_no="XF2026113000001"):
    history = [schemas.CaseEvent(at=AT, status="received", status_label="已收到")]
    if status != "received":
        history.append(schemas.CaseEvent(at=AT + timedelta(days=1), status=status,
                                         status_label=schemas.CASE_STATUSES[status], note=note))
    return schemas.CaseProgress(case_no=case_no, query_code="ABCD2345", kind="review",
                                status=status, status_label=schemas.CASE_STATUSES[status],
                                received_at=AT, updated_at=AT, history=history)


def codes(problems):
    return sorted(p.code for p in problems)


@pytest.fixture
def loaded(tmp_path):
    return config.demo(tmp_path / "data")


@pytest.fixture
def box(loaded):
    with Outbox.open(loaded.data_dir) as opened:
        yield opened


def test_material_only_when_asked_for_and_every_problem_at_once():
    page = AttachmentData("evidence", "image/jpeg", JPEG)
    assert case_actions.check_supplement(progress(), [page]) == []
    wrong = AttachmentData("evidence", "image/jpeg", b"not a jpeg")
    found = case_actions.check_supplement(progress("in_progress"), [page, page, wrong])
    assert codes(found) == ["attachment.type_mismatch", "supplement.duplicate",
                            "supplement.not_asked"]
    assert codes(case_actions.check_supplement(progress(), [])) == ["supplement.no_pages"]
    many = [AttachmentData("evidence", "image/jpeg", JPEG + bytes([i]))
            for i in range(case_actions.MAX_PAGES + 1)]
    assert codes(case_actions.check_supplement(progress(), many)) == ["supplement.too_many"]
    assert all(p.message for p in found)  # plain words for the screen and the command


def test_the_query_screen_says_what_is_missing_and_by_when():
    told = casequery.explain(progress(), AT.date())
    assert "缺少身份证复印件" in told.status_text
    # 10 working days from the request (Tuesday 1 December 2026): Tuesday 15 December
    assert casequery.material_due(progress()) == datetime(2026, 12, 15).date()
    assert told.ahead[0].text.startswith("补充材料") and "12月15日" in told.ahead[0].when


def test_a_withdrawal_only_before_the_opinion_and_with_a_signature():
    assert case_actions.check_withdrawal(progress("in_progress"), PNG) == []
    assert codes(case_actions.check_withdrawal(progress("answered"), None)) == [
        "withdrawal.signature_missing", "withdrawal.too_late"]
    assert codes(case_actions.check_withdrawal(progress("withdrawal_requested"), PNG)) == [
        "withdrawal.already"]
    assert codes(case_actions.check_withdrawal(progress("in_progress"), PNG, True)) == [
        "withdrawal.already"]
    assert codes(case_actions.check_withdrawal(progress("in_progress"), b"GIF89a")) == [
        "withdrawal.signature_type"]


def test_queued_sealed_and_linked_through_the_submission_or_by_code(box, loaded):
    private = sealing.decode_private_key(
        config.demo_platform_private_key_path(loaded.data_dir).read_text())
    lookup = casequery.Lookup("code", "ABCD2345", "1234")
    # a case of another terminal: named by its code and the digits proved
    other = case_actions.case_ref(box, "T-HERE", progress(), lookup)
    assert other == CaseRef(query_code="ABCD2345", phone_last4="1234", terminal_id="T-HERE")
    added = case_actions.queue_supplement(box, loaded, other, [
        AttachmentData("evidence", "image/jpeg", JPEG)])
    assert JPEG not in added.sealed  # nothing readable stays
    pages = json.loads(sealing.unseal(added.sealed, private, added.followup_id,
                                      schemas.SUPPLEMENT_PART))
    assert [p["media_type"] for p in pages] == ["image/jpeg"] and added.payload == {"pages": 1}
    first, new = case_actions.queue_withdrawal(box, loaded, other, PNG)
    again, new_again = case_actions.queue_withdrawal(box, loaded, other, PNG)
    assert new and not new_again and again == first  # one withdrawal per case
    assert case_actions.withdrawal_held(box, progress())
    # claimed at once: no submission of ours to wait for
    claimed = {c.kind: c for c in box.followups.claim(10)}
    assert claimed["supplement"].terminal_id == "T-HERE"
    assert claimed["withdrawal"].query_code == "ABCD2345"
    assert claimed["withdrawal"].phone_last4 == "1234" and claimed["withdrawal"].receipt_no is None

    # our own submission, once it became the case, is named through it
    receipt = box.confirm(new_submission())
    settle_one(box, Settlement.delivered(claim_one(box).submission_id, "XF2026113000009",
                                         "ZZZZ2345"))
    ours = case_actions.case_ref(box, "T-HERE", progress(case_no="XF2026113000009"), lookup)
    assert ours == CaseRef(submission_id=receipt.submission_id)


def test_migration_0007_keeps_followups_and_goes_back_only_when_it_can(box, loaded, tmp_path):
    receipt = box.confirm(new_submission())
    rated, _ = box.followups.add_evaluation(receipt.submission_id, "terminal", "satisfied")
    db = loaded.data_dir / "kiosk.db"
    box.close()
    migrate(db, "0006")
    conn = sqlite3.connect(db)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(followups)")}
        assert "query_code" not in columns
        assert conn.execute("SELECT id, kind FROM followups").fetchall() == [
            (rated.followup_id, "evaluation")]
    finally:
        conn.close()
    migrate(db)
    with Outbox.open(loaded.data_dir) as reopened:
        assert reopened.followups.get(rated.followup_id) == rated
        by_code = CaseRef(query_code="ABCD2345", phone_last4="1234", terminal_id="T-1")
        reopened.followups.add_withdrawal(by_code, b"sealed", "0" * 8 + "-0000-0000-0000-"
                                          + "0" * 12)
    conn = sqlite3.connect(db)
    try:
        table_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'followups'"
                                 ).fetchone()[0]
        assert "ck_followups_linked" in table_sql and "ck_followups_delivered" in table_sql
        index_sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = "
                                 "'uq_followups_one_evaluation'").fetchone()[0]
        assert "WHERE kind = 'evaluation'" in index_sql
    finally:
        conn.close()
    with pytest.raises(RuntimeError, match="query code"):  # its link has nowhere to go
        migrate(db, "0006")
    with Outbox.open(loaded.data_dir) as reopened:  # and nothing was lost trying
        assert len(reopened.followups.for_case("XF-NONE", "ABCD2345")) == 1
