"""POST /submissions/batch and inline attachments on the real reference platform: each
submission of a batch is answered as POST /submissions would answer it, exactly once,
and a refusal of the batch as a whole changes nothing."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    prepare_signed,
    running_receiver,
    seal_attachment,
    sealed_submission,
    send,
    signed_request,
    submit,
    upload,
)
from wire import paths, schemas

T = "T-0101"
OTHER = "T-0102"
STATE = ("cases", "case_events", "case_attachments", "idempotency", "attachments",
         "attachment_files", "nonces")


@pytest.fixture(scope="module")
def rx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("receiver")) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def term(rx):
    return enroll_test_terminal(rx, T)


@pytest.fixture(scope="module")
def other(rx):
    return enroll_test_terminal(rx, OTHER)


def state(rx: ReceiverProcess, *names: str) -> dict[str, int]:
    counts = rx.counts()
    return {k: counts[k] for k in (names or STATE)}


def post_batch(rx, key, reqs, terminal_id: str = T, **kwargs):
    body = schemas.SubmissionBatch(submissions=reqs)
    return signed_request(rx, "POST", paths.SUBMISSION_BATCHES, terminal_id, key,
                          json_body=body, **kwargs)


def results(answer) -> list[schemas.BatchItemResult]:
    assert answer.status_code == 200, answer.text
    return schemas.SubmissionBatchResults.model_validate(answer.json()).results


def inline(sealed: bytes) -> schemas.InlineAttachment:
    return schemas.InlineAttachment(sealed_digest=hashlib.sha256(sealed).hexdigest(),
                                     data=base64.b64encode(sealed).decode())


def with_inline_evidence(pub: str) -> schemas.SubmissionRequest:
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, b"\x89PNG" + os.urandom(3000),
                                  role="signature", media_type="image/png")
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref])
    return req.model_copy(update={"inline": [inline(sealed)]})


def test_each_submission_of_a_batch_gets_its_own_answer_once(rx, term):
    key, pub = term
    fine = sealed_submission(pub, T)
    mismatched = sealed_submission(pub, T, document={"kind": "review"})  # lasting refusal
    with_attachment = with_inline_evidence(pub)
    before = state(rx, "cases", "idempotency", "case_attachments")

    first = results(post_batch(rx, key, [fine, mismatched, with_attachment]))
    assert [r.submission_id for r in first] == [fine.submission_id, mismatched.submission_id,
                                                with_attachment.submission_id]
    assert [r.status for r in first] == [201, 422, 201]
    assert first[0].accepted and first[2].accepted and first[0].error is None
    assert first[1].error.error == "envelope_mismatch" and first[1].accepted is None
    assert first[0].accepted.case_no != first[2].accepted.case_no
    after = state(rx, "cases", "idempotency", "case_attachments")
    assert after == {"cases": before["cases"] + 2, "idempotency": before["idempotency"] + 3,
                     "case_attachments": before["case_attachments"] + 1}

    # The same batch again (a lost answer): the kept answers, byte for byte; nothing new.
    again = results(post_batch(rx, key, [fine, mismatched, with_attachment]))
    assert again == first
    # Each one alone through POST /submissions: the same answer as in the batch.
    alone = submit(rx, T, key, fine)
    assert alone.status_code == 201
    assert schemas.SubmissionAccepted.model_validate(alone.json()) == first[0].accepted
    refused = submit(rx, T, key, mismatched)
    assert (refused.status_code, refused.json()["error"]) == (422, "envelope_mismatch")
    assert state(rx, "cases", "idempotency", "case_attachments") == after

    # The same key with other content, inside a batch: that item only is refused.
    changed = fine.model_copy(update={"category": "land"})
    mixed = results(post_batch(rx, key, [changed, sealed_submission(pub, T)]))
    assert [r.status for r in mixed] == [422, 201]
    assert mixed[0].error.error == "idempotency_key_reused"


def test_an_inline_attachment_is_stored_as_a_complete_upload(rx, term):
    key, pub = term
    req = with_inline_evidence(pub)
    digest = req.inline[0].sealed_digest
    before = state(rx, "attachments", "attachment_files")
    answer = submit(rx, T, key, req)
    assert answer.status_code == 201, answer.text
    assert state(rx, "attachments", "attachment_files") == {
        "attachments": before["attachments"] + 1,
        "attachment_files": before["attachment_files"] + 1}
    status = signed_request(rx, "GET", paths.attachment_path(digest), T, key)
    assert status.json()["complete"] is True
    assert status.json()["received"] == req.attachments[0].size

    # `inline` is transport, not identity: the same submission without it (the
    # attachment uploaded meanwhile) is the same request and gets the same answer.
    plain = req.model_copy(update={"inline": []})
    again = submit(rx, T, key, plain)
    assert again.status_code == 201 and again.content == answer.content


@pytest.mark.parametrize("how, status, error", [
    ("wrong bytes", 422, "digest_mismatch"),
    ("not listed", 422, "inline_invalid"),
    ("not base64", 422, "inline_invalid"),
    ("too large", 413, "too_large"),
])
def test_a_bad_inline_attachment_is_refused_and_not_kept(rx, term, how, status, error):
    key, pub = term
    sid = str(uuid.uuid4())
    size = 300 * 1024 if how == "too large" else 2000
    sealed, ref = seal_attachment(pub, sid, os.urandom(size))
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref])
    bad = inline(sealed)
    if how == "wrong bytes":
        flipped = sealed[:-1] + bytes([sealed[-1] ^ 0x01])  # always differs from the sealed bytes
        bad = bad.model_copy(update={"data": base64.b64encode(flipped).decode()})
    elif how == "not listed":
        other_sealed, _ = seal_attachment(pub, sid, os.urandom(100))
        bad = inline(other_sealed)
    elif how == "not base64":
        bad = bad.model_copy(update={"data": "%%%"})
    before = state(rx)
    answer = submit(rx, T, key, req.model_copy(update={"inline": [bad]}))
    assert (answer.status_code, answer.json()["error"]) == (status, error)
    assert {k: v for k, v in state(rx).items() if k != "nonces"} == \
        {k: v for k, v in before.items() if k != "nonces"}
    # Not kept: the same submission with its attachment uploaded is accepted.
    upload(rx, T, key, sealed)
    assert submit(rx, T, key, req).status_code == 201


def test_a_batch_refused_as_a_whole_changes_nothing(rx, term, other):
    key, pub = term
    reqs = [sealed_submission(pub, T), sealed_submission(pub, T)]
    before = state(rx)

    unsigned = post_batch(rx, None, reqs)
    assert (unsigned.status_code, unsigned.json()["error"]) == (401, "unsigned")
    foreign = post_batch(rx, key, [reqs[0], sealed_submission(pub, OTHER)])
    assert (foreign.status_code, foreign.json()["error"]) == (403, "terminal_mismatch")
    as_other = post_batch(rx, other[0], reqs, terminal_id=OTHER)
    assert (as_other.status_code, as_other.json()["error"]) == (403, "terminal_mismatch")
    too_many = post_batch(rx, key, [sealed_submission(pub, T) for _ in range(33)])
    assert (too_many.status_code, too_many.json()["error"]) == (413, "too_many_submissions")
    empty = signed_request(rx, "POST", paths.SUBMISSION_BATCHES, T, key,
                           json_body={"submissions": []})
    assert (empty.status_code, empty.json()["error"]) == (422, "invalid_body")
    broken = signed_request(rx, "POST", paths.SUBMISSION_BATCHES, T, key, json_body={
        "submissions": [reqs[0].model_dump(mode="json"), {"submission_id": "x"}]})
    assert (broken.status_code, broken.json()["error"]) == (422, "invalid_body")
    counts = state(rx)
    assert {k: v for k, v in counts.items() if k != "nonces"} == \
        {k: v for k, v in before.items() if k != "nonces"}

    # A replayed batch (the same signed request again) is refused and stores nothing.
    prepared = prepare_signed(rx, "POST", paths.SUBMISSION_BATCHES, T, key,
                              json_body=schemas.SubmissionBatch(submissions=reqs))
    assert send(prepared).status_code == 200
    taken = state(rx)
    replayed = send(prepared)
    assert (replayed.status_code, replayed.json()["error"]) == (401, "signature_replayed")
    assert state(rx) == taken


def test_the_same_submission_twice_in_a_batch_is_one_case(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    before = state(rx, "cases")
    got = results(post_batch(rx, key, [req, req]))
    assert [r.status for r in got] == [201, 409]
    assert got[1].error.error == "in_progress"
    assert state(rx, "cases") == {"cases": before["cases"] + 1}


def test_a_batched_submission_waiting_for_an_upload_does_not_hold_the_others(rx, term):
    key, pub = term
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(4000))
    waiting = sealed_submission(pub, T, submission_id=sid, attachments=[ref])
    fine = sealed_submission(pub, T)
    got = results(post_batch(rx, key, [waiting, fine]))
    assert [r.status for r in got] == [409, 201]
    assert got[0].error.error == "attachments_missing"
    assert got[0].error.missing == [ref.sealed_digest]
    upload(rx, T, key, sealed)
    assert [r.status for r in results(post_batch(rx, key, [waiting, fine]))] == [201, 201]
