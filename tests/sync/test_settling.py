"""What the outbox records of each send (sync/delivery.py) and how a batch's answer is
split into each submission's result (sync/sending.py), with no server."""

from __future__ import annotations

import logging
import random
from datetime import UTC, datetime, timedelta

import pytest

from kiosk.store import Claimed, DamagedAttachment, StoreError
from sync import answers, delivery, sending
from sync.answers import Answer
from sync.backoff import Backoff, QueueHold
from sync.client import PlatformClient, Unreachable
from wire import ack, errors, schemas, signing

SIDS = [f"{n:08d}-0000-4000-8000-000000000000" for n in range(1, 6)]


def claimed(n: int = 0) -> Claimed:
    return Claimed(submission_id=SIDS[n], receipt_no=f"26112600{n:02d}", kind="petition",
                   category="other", purpose=None, terminal_id="T-TEST-01",
                   jurisdiction="测试县", created_at=datetime(2026, 11, 26, tzinfo=UTC),
                   envelope=b"sealed", attempts=1, attachments=[])


def accepted(n: int = 0) -> schemas.SubmissionAccepted:
    return schemas.SubmissionAccepted(submission_id=SIDS[n], case_no=f"XF-{n}",
                                      query_code=f"Q{n}",
                                      received_at=datetime(2026, 11, 26, 8, tzinfo=UTC))


_PLATFORM = signing.generate_signing_key()


def proof(status: int = 201, body: bytes = b'{"case_no":"XF-0"}') -> str:
    """A real signed acknowledgement, as the client keeps it once verified."""
    request_signature = "kiosk=:" + "A" * 86 + "==:"
    headers = ack.sign_answer(status, [("Content-Type", "application/json")], body,
                              method="POST", path="/api/v1/submissions",
                              request_signature=request_signature, key=_PLATFORM)
    return ack.verify_answer(status, [("Content-Type", "application/json"), *headers.items()],
                             body, method="POST", path="/api/v1/submissions",
                             request_signature=request_signature,
                             key=_PLATFORM.public_key()).document()


def signed(result: schemas.SubmissionAccepted) -> sending.Delivered:
    return sending.Delivered(result, proof())


@pytest.fixture
def hold() -> QueueHold:
    return QueueHold(Backoff(base=10.0, cap=300.0, rng=random.Random(1)), lambda: 1000.0)


def test_an_acceptance_is_recorded_as_delivered_and_resets_the_backoff(hold):
    hold.backoff.failures = 4
    settled = delivery.settlement(claimed(), signed(accepted()), hold)
    assert (settled.state, settled.case_no, settled.query_code) == ("delivered", "XF-0", "Q0")
    assert settled.at == datetime(2026, 11, 26, 8, tzinfo=UTC)
    assert hold.backoff.failures == 0
    assert ack.Acknowledgement.from_document(settled.acknowledgement).verify(
        _PLATFORM.public_key()).status == 201  # the proof is kept with the item


def test_an_acceptance_without_the_platforms_signature_is_retried_not_delivered(hold):
    settled = delivery.settlement(claimed(), sending.Delivered(accepted(), None), hold)
    assert settled.state == "queued" and settled.error.startswith("unverified answer: ")
    assert settled.case_no is None and hold.held()


def test_a_refusal_without_the_platforms_signature_is_retried_not_set_aside(hold):
    refusal = sending.Refused("submission: 422 envelope_invalid: cannot open")
    settled = delivery.settlement(claimed(), refusal, hold)
    assert settled.state == "queued" and settled.error.startswith("unverified answer: ")


@pytest.mark.parametrize("failure", [
    Unreachable("ConnectTimeout: no route"),
    sending.Transient("submission: 503 maintenance: later"),
])
def test_a_transient_failure_is_retried_after_the_hold(hold, failure):
    settled = delivery.settlement(claimed(), failure, hold)
    assert settled.state == "queued" and settled.error == str(failure)
    assert hold.held() and settled.at > datetime.now(UTC) + timedelta(seconds=4)


def test_retry_after_sets_when_the_item_is_due(hold):
    settled = delivery.settlement(claimed(), sending.Transient("busy", retry_after=90.0), hold)
    assert settled.at - datetime.now(UTC) == pytest.approx(timedelta(seconds=90),
                                                          abs=timedelta(seconds=1))


def test_a_refusal_sets_the_item_aside_with_the_platforms_reason(hold):
    refusal = sending.Refused("submission: 422 envelope_invalid: cannot open", proof(422))
    settled = delivery.settlement(claimed(), refusal, hold)
    assert settled.state == "needs_attention" and "envelope_invalid" in settled.error
    assert not hold.held()  # the queue behind it goes on
    assert settled.acknowledgement == refusal.proof


def test_local_trouble(hold):
    damaged = delivery.settlement(claimed(), DamagedAttachment("digest differs"), hold)
    assert damaged.state == "needs_attention" and damaged.error.startswith("local store: ")
    passing = delivery.settlement(claimed(), StoreError("too many open files"), hold)
    assert passing.state == "queued" and passing.error.startswith("local store: ")


def test_an_unexpected_answer_is_retried_not_trusted(hold):
    settled = delivery.settlement(claimed(), ValueError("a 201 result without a case"), hold)
    assert settled.state == "queued" and settled.error.startswith("unexpected answer: ")


def test_anything_else_is_not_swallowed(hold):
    with pytest.raises(KeyError):
        delivery.settlement(claimed(), KeyError("a bug"), hold)


def test_retries_of_a_group_are_logged_once_per_reason(hold, caplog):
    items = [claimed(n) for n in range(4)]
    down = Unreachable("ConnectionError: refused")
    results = [down, down, down, signed(accepted(3))]
    with caplog.at_level(logging.WARNING, logger="kiosk.sync"):
        outcomes = delivery.settlements(items, results, hold)
    assert [o.state for o in outcomes] == ["queued", "queued", "queued", "delivered"]
    retried = [r.getMessage() for r in caplog.records if "will be retried" in r.getMessage()]
    assert len(retried) == 1
    assert "3 submissions (receipts 2611260000 … 2611260002)" in retried[0]


def test_judge_raises_what_an_answer_means():
    sending.judge(Answer(201, {}, {}), what="submission")  # a success: nothing
    with pytest.raises(sending.Transient) as transient:
        sending.judge(Answer(503, {"error": errors.MAINTENANCE.code, "message": "m"},
                             {"Retry-After": "9"}), what="submission")
    assert transient.value.retry_after == 9.0 and str(transient.value).startswith("submission: 503")
    with pytest.raises(sending.Refused):
        sending.judge(Answer(422, {"error": errors.ENVELOPE_INVALID.code, "message": "m"}, {}),
                      what="submission")
    with pytest.raises(sending.Transient):  # the limits are no item: never set aside
        sending.judge(Answer(422, {"error": errors.INVALID_REQUEST.code, "message": "m"}, {}),
                      what="limits", about_item=False)


def batch_answer(*results: dict) -> Answer:
    return Answer(200, {"results": list(results)}, {})


@pytest.fixture
def sender():
    client = PlatformClient("http://127.0.0.1:9/api/v1", "T-TEST-01", None)
    sender = sending.Sender(None, lambda: client, client)  # type: ignore[arg-type]
    yield sender
    sender.close()


def bodies(count: int) -> list[schemas.SubmissionRequest]:
    return [schemas.SubmissionRequest.model_construct(submission_id=SIDS[n])
            for n in range(count)]


def test_each_batched_submission_is_judged_as_if_sent_alone(sender):
    answer = batch_answer(
        {"submission_id": SIDS[0], "status": 201,
         "accepted": accepted(0).model_dump(mode="json")},
        {"submission_id": SIDS[1], "status": 422,
         "error": {"error": errors.ENVELOPE_INVALID.code, "message": "cannot open"}},
        {"submission_id": SIDS[2], "status": 409,
         "error": {"error": errors.ATTACHMENTS_MISSING.code, "message": "upload",
                   "missing": ["a" * 64]}},
        {"submission_id": SIDS[3], "status": 409,
         "error": {"error": errors.IN_PROGRESS.code, "message": "busy"}},
        {"submission_id": SIDS[4], "status": 201},
    )
    results = dict(sender._batch_results(answer, bodies(5)))
    assert results[SIDS[0]] == sending.Delivered(accepted(0), None)  # the batch's proof: none
    assert isinstance(results[SIDS[1]], sending.Refused)
    assert SIDS[2] not in results  # sent on its own once its attachments are uploaded
    assert isinstance(results[SIDS[3]], sending.Transient)
    assert isinstance(results[SIDS[4]], ValueError)  # a success without a case


@pytest.mark.parametrize("refusal", [errors.INVALID_BODY, errors.TOO_LARGE,
                                     errors.TOO_MANY_SUBMISSIONS])
def test_a_batch_refused_as_a_whole_leaves_each_to_be_sent_alone(sender, refusal):
    answer = Answer(refusal.status, {"error": refusal.code, "message": "m"}, {})
    assert sender._batch_results(answer, bodies(3)) == []
    assert sender.batch_size.most == sending.PER_REQUEST  # batches go on


def test_a_platform_without_batches_is_sent_one_by_one_from_then_on(sender):
    assert sender._batch_results(Answer(404, None, {}), bodies(3)) == []
    assert (sender.batch_size.most, sender.batch_size.current) == (1, 1)


def test_a_batch_failing_as_a_whole_fails_every_submission(sender):
    with pytest.raises(sending.Transient):
        sender._batch_results(Answer(503, None, {}), bodies(3))
    with pytest.raises(sending.Transient):  # a 422 without the platform's code: not the items
        sender._batch_results(Answer(422, None, {}), bodies(3))
    with pytest.raises(ValueError):
        sender._batch_results(batch_answer(), bodies(2))


def _sent_alone(answer: Answer) -> sending.Result:
    """What `Sender.deliver` makes of `answer` to POST /submissions."""
    try:
        sending.judge(answer, what="submission")
        return answers.accepted(answer)
    except (sending.Transient, sending.Refused, ValueError) as exc:
        return exc


@pytest.mark.parametrize(("status", "code"), [
    (500, errors.INTERNAL_ERROR.code), (502, errors.HTTP_ERROR.code),
    (503, None), (418, errors.HTTP_ERROR.code), (404, None)])
def test_a_failing_platform_leaves_every_item_queued_with_the_cause(sender, hold, status, code):
    """A 5xx, or a 4xx that is not the platform's refusal of the item (no code, or no
    status the catalogue refuses items with), delivers nothing and sets nothing aside:
    alone, as a batch's answer, or as each result inside a batch."""
    body = {"error": code, "message": "the platform failed"} if code else None
    answer = Answer(status, body, {})
    items = [claimed(n) for n in range(3)]
    ways: dict[str, list[sending.Result]] = {"alone": [_sent_alone(answer)] * 3}
    if not answers.batches_unsupported(answer):  # a 404 batch: sent one by one instead
        with pytest.raises(sending.Transient) as failed:
            sender._batch_results(answer, bodies(3))
        ways["batch"] = [failed.value] * 3
    if code:
        inside = dict(sender._batch_results(batch_answer(*[
            {"submission_id": SIDS[n], "status": status, "error": body} for n in range(3)]),
            bodies(3)))
        ways["inside a batch"] = [inside[SIDS[n]] for n in range(3)]
    for how, results in ways.items():
        settled = delivery.settlements(items, results, hold)
        assert [s.state for s in settled] == ["queued"] * 3, how
        for s in settled:
            assert s.case_no is None and f"{status}" in s.error, (how, s.error)
            if code:
                assert code in s.error, (how, s.error)
        assert hold.held(), how
