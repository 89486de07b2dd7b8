"""The service evaluation on the terminal: the rules every entry point shares
(`kiosk.evaluation`) and the follow-up queue of the real store (`Outbox.followups`):
one rating per service, queued durably, claimed only once its submission has its case,
settled along the outbox's own transition table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from kiosk import evaluation
from kiosk.store import NotFoundError, Outbox, Settlement
from tests.support.store import claim_one, new_submission, settle_one


def codes(problems):
    return sorted(p.code for p in problems)


def test_five_levels_best_first_and_the_last_two_are_bad():
    assert [label for _, label in evaluation.LEVELS] == [
        "非常满意", "满意", "基本满意", "不满意", "非常不满意"]
    assert [evaluation.is_bad(code) for code, _ in evaluation.LEVELS] == [
        False, False, False, True, True]


def test_a_good_rating_needs_nothing_more():
    rating, problems = evaluation.validate("terminal", "basically_satisfied")
    assert problems == [] and rating == evaluation.Rating("terminal", "basically_satisfied")
    assert not rating.bad and rating.label == "基本满意"


def test_a_bad_rating_asks_for_a_reason_and_the_text_is_optional():
    rating, problems = evaluation.validate("terminal", "dissatisfied")
    assert rating is None and codes(problems) == ["evaluation.reason.missing"]
    rating, problems = evaluation.validate("terminal", "very_dissatisfied",
                                           ["too_slow", "too_slow", "other"], "  等太久了 ")
    assert problems == []
    assert rating == evaluation.Rating("terminal", "very_dissatisfied", ("too_slow", "other"),
                                       "等太久了")


def test_every_problem_is_reported_at_once():
    _, problems = evaluation.validate("kiosk", "great", ["nope"], "x" * 201)
    assert codes(problems) == ["evaluation.level.unknown", "evaluation.reason.unknown",
                               "evaluation.service.unknown", "evaluation.text.too_long"]
    assert all(p.message for p in problems)
    _, problems = evaluation.validate("terminal", None)
    assert codes(problems) == ["evaluation.level.missing"]
    _, problems = evaluation.validate("terminal", "satisfied", ["too_slow"], "好")
    assert codes(problems) == ["evaluation.reason.not_asked"]
    # the reasons of one service are not another's
    _, problems = evaluation.validate("case", "dissatisfied", ["device_fault"])
    assert codes(problems) == ["evaluation.reason.unknown"]
    assert evaluation.validate("case", "dissatisfied", ["outcome"])[1] == []


@pytest.fixture
def box(tmp_path):
    with Outbox.open(tmp_path / "data") as opened:
        yield opened


def test_one_rating_per_service_kept_durably(box, tmp_path):
    receipt = box.confirm(new_submission())
    first, new = box.followups.add_evaluation(receipt.submission_id, "terminal", "satisfied")
    assert new and first.state == "queued" and first.payload == {"level": "satisfied",
                                                                 "reasons": []}
    again, new = box.followups.add_evaluation(receipt.submission_id, "terminal",
                                              "very_dissatisfied", ("other",))
    assert not new and again == first  # the first stands
    case, new = box.followups.add_evaluation(receipt.submission_id, "case", "dissatisfied",
                                             ("outcome",), b"sealed text")
    assert new and case.sealed == b"sealed text"
    with pytest.raises(NotFoundError):
        box.followups.add_evaluation("00000000-0000-0000-0000-000000000000", "terminal",
                                     "satisfied")
    with Outbox.open(tmp_path / "data") as reopened:  # another process sees both
        assert [f.service for f in reopened.followups.of_submission(receipt.submission_id)] \
            == ["terminal", "case"]


def test_a_rating_waits_for_its_submission_and_follows_it(box):
    receipt = box.confirm(new_submission())
    rated, _ = box.followups.add_evaluation(receipt.submission_id, "terminal", "satisfied")
    assert box.followups.claim(10) == []  # the platform could not link it yet
    assert box.followups.waiting() == 0 and box.followups.next_due_at() is None
    item = claim_one(box)
    settle_one(box, Settlement.delivered(item.submission_id, "XF1", "ABCDEFGH"))
    assert box.followups.waiting() == 1 and box.followups.next_due_at() is not None
    [claimed] = box.followups.claim(10)
    assert (claimed.followup_id, claimed.receipt_no, claimed.attempts) == (
        rated.followup_id, receipt.receipt_no, 1)
    assert box.followups.claim(10) == []  # owned by the worker now
    assert box.followups.counts()["sending"] == 1


def test_followups_settle_along_the_transition_table(box):
    receipt = box.confirm(new_submission())
    settle_one(box, Settlement.delivered(claim_one(box).submission_id, "XF1", "ABCDEFGH"))
    rated, _ = box.followups.add_evaluation(receipt.submission_id, "terminal", "satisfied")
    fid = rated.followup_id
    now = datetime.now(UTC)
    [_] = box.followups.claim(1)
    # retried later: not due before its time
    assert box.followups.settle([Settlement.retry(fid, "HTTP 503", now + timedelta(hours=1))]
                                ) == []
    assert box.followups.claim(1) == []
    [_] = box.followups.claim(1, now + timedelta(hours=2))
    # a dead worker's claim goes back to the queue on the next start
    assert box.followups.requeue_stale_sending() == 1
    [_] = box.followups.claim(1, now + timedelta(hours=2))
    done = Settlement.delivered(fid, "XF1", "ABCDEFGH", acknowledgement="signed")
    assert box.followups.settle([done]) == []
    assert box.followups.settle([done]) == []  # the same delivery again: a no-op
    kept = box.followups.get(fid)
    assert (kept.state, kept.case_no, kept.platform_ack, kept.attempts) == (
        "delivered", "XF1", "signed", 3)
    # nothing moves a delivered follow-up back
    assert box.followups.settle([Settlement.retry(fid, "late", now)]) == [fid]
    assert box.followups.settle([Settlement.retry("unknown", "x", now)]) == ["unknown"]
    assert box.followups.counts() == {"queued": 0, "sending": 0, "delivered": 1,
                                      "needs_attention": 0}


def test_a_refused_followup_waits_for_a_technician(box):
    receipt = box.confirm(new_submission())
    settle_one(box, Settlement.delivered(claim_one(box).submission_id, "XF1", "ABCDEFGH"))
    rated, _ = box.followups.add_evaluation(receipt.submission_id, "terminal", "satisfied")
    [_] = box.followups.claim(1)
    box.followups.settle([Settlement.needs_attention(rated.followup_id, "422 already_evaluated",
                                                     "signed")])
    assert box.followups.get(rated.followup_id).state == "needs_attention"
    assert box.followups.claim(1) == []
    box.followups.retry_needs_attention(rated.followup_id)
    assert len(box.followups.claim(1)) == 1
