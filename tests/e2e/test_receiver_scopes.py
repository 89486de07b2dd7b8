"""What one terminal's requests can reach on a real platform process: its own
Idempotency-Keys only, the cases of its jurisdiction (or a citizen's, with the second
factor, within the rate limits), and only bodies that say one thing once."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    running_receiver,
    sealed_submission,
    signed_request,
    submit,
)
from wire import paths, schemas

T = "T-0001"
OTHER = "T-0002"


@pytest.fixture(scope="module")
def rx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("receiver")) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def term(rx: ReceiverProcess):
    return enroll_test_terminal(rx, T)


@pytest.fixture(scope="module")
def other(rx: ReceiverProcess):
    return enroll_test_terminal(rx, OTHER)


def error_of(answer: requests.Response) -> str:
    return schemas.ErrorBody.model_validate(answer.json()).error


def cases_of(rx: ReceiverProcess, submission_id: str) -> list[dict]:
    return [c for c in json.loads(rx.cli("cases", "--json").stdout)
            if c["submission_id"] == submission_id]


def batch(rx: ReceiverProcess, terminal_id: str, key, *reqs: schemas.SubmissionRequest):
    body = schemas.SubmissionBatch(submissions=list(reqs)).model_dump_json().encode()
    answer = signed_request(rx, "POST", paths.SUBMISSION_BATCHES, terminal_id, key,
                            json_body=body)
    assert answer.status_code == 200, answer.text
    return schemas.SubmissionBatchResults.model_validate(answer.json()).results


# --- Idempotency-Keys belong to their terminal --------------------------------------------


def test_another_terminals_key_is_a_different_key(rx, term, other):
    key, pub = term
    other_key, _ = other
    shared = str(uuid.uuid4())
    mine = sealed_submission(pub, T, submission_id=shared)
    first = submit(rx, T, key, mine)
    assert first.status_code == 201, first.text

    # the other terminal sends its own submission under the same id: a case of its own,
    # not the first terminal's answer and not 422 idempotency_key_reused
    theirs = sealed_submission(pub, OTHER, submission_id=shared, receipt_no="2026112602")
    answer = submit(rx, OTHER, other_key, theirs)
    assert answer.status_code == 201, answer.text
    assert answer.json()["case_no"] != first.json()["case_no"]
    assert answer.json()["query_code"] != first.json()["query_code"]
    assert sorted(c["terminal_id"] for c in cases_of(rx, shared)) == [T, OTHER]

    # each retry gets its own terminal's kept answer, byte for byte
    assert submit(rx, T, key, mine).content == first.content
    assert submit(rx, OTHER, other_key, theirs).content == answer.content
    # and within one terminal a key still binds its request
    changed = mine.model_copy(update={"receipt_no": "2026112699"})
    reused = submit(rx, T, key, changed)
    assert (reused.status_code, error_of(reused)) == (422, "idempotency_key_reused")


def test_a_terminal_cannot_block_the_owner_of_a_key_by_using_it_first(rx, term, other):
    key, pub = term
    other_key, _ = other
    taken = str(uuid.uuid4())
    # the other terminal burns the key with a refusal that is kept (a bad envelope) …
    squatter = sealed_submission(pub, OTHER, submission_id=taken).model_copy(
        update={"envelope": "not base64!"})
    refused = submit(rx, OTHER, other_key, squatter)
    assert (refused.status_code, error_of(refused)) == (422, "envelope_invalid")
    # … and the owner's submission under that key is still accepted, alone and in a batch
    owner = sealed_submission(pub, T, submission_id=taken)
    accepted = submit(rx, T, key, owner)
    assert accepted.status_code == 201, accepted.text
    assert cases_of(rx, taken)[0]["terminal_id"] == T

    in_batch = str(uuid.uuid4())
    [first] = batch(rx, OTHER, other_key,
                    sealed_submission(pub, OTHER, submission_id=in_batch))
    assert first.status == 201
    [second] = batch(rx, T, key, sealed_submission(pub, T, submission_id=in_batch))
    assert second.status == 201 and second.accepted is not None
    assert second.accepted.case_no != first.accepted.case_no
    assert sorted(c["terminal_id"] for c in cases_of(rx, in_batch)) == [T, OTHER]


# --- a JSON body says each thing once -----------------------------------------------------


def duplicated(body: str, before: str, key_value: str) -> bytes:
    """`body` with `key_value` inserted once more right after `before` (first match)."""
    assert before in body
    return body.replace(before, before + key_value + ",", 1).encode()


def test_a_body_naming_a_key_twice_is_refused_at_any_depth(rx, term, tmp_path):
    key, pub = term
    counts = rx.counts()
    sid = str(uuid.uuid4())
    req = sealed_submission(pub, T, submission_id=sid, attachments=[schemas.AttachmentRef(
        sealed_digest="cd" * 32, size=5, role="evidence", media_type="image/jpeg")])
    text = req.model_dump_json()
    # at the top level the last terminal_id would win (pydantic keeps the last value)
    top = duplicated(text, "{", f'"terminal_id":"{OTHER}"')
    nested = duplicated(text, '"attachments":[{', '"size":999')
    for body in (top, nested):
        answer = signed_request(rx, "POST", paths.SUBMISSIONS, T, key, json_body=body,
                                headers={"Idempotency-Key": sid})
        assert (answer.status_code, error_of(answer)) == (422, "duplicate_key"), answer.text
        assert "appears twice" in answer.json()["message"]
    in_batch = duplicated(schemas.SubmissionBatch(submissions=[req]).model_dump_json(),
                          '"attachments":[{', '"role":"signature"')
    answer = signed_request(rx, "POST", paths.SUBMISSION_BATCHES, T, key, json_body=in_batch)
    assert (answer.status_code, error_of(answer)) == (422, "duplicate_key")
    beat = signed_request(rx, "POST", paths.heartbeat_path(T), T, key, json_body=(
        b'{"version":"0.1.0","queue_depth":0,"queue_depth":5,"oldest_queued_age_seconds":null,'
        b'"needs_attention":0,"at":"2026-01-05T02:00:00Z"}'))
    assert (beat.status_code, error_of(beat)) == (422, "duplicate_key")
    enrollment = requests.post(rx.url + paths.ENROLLMENTS, timeout=10, data=(
        b'{"terminal_id":"T-DUP","terminal_id":"T-0001","code":"ABCD-EFGH-JKMN",'
        b'"signing_public_key":"x"}'), headers={"Content-Type": "application/json"})
    assert (enrollment.status_code, error_of(enrollment)) == (422, "duplicate_key")
    after = rx.counts()
    assert (after["cases"], after["idempotency"], after["heartbeats"]) == (
        counts["cases"], counts["idempotency"], counts["heartbeats"])
    # the same keys once each is an ordinary body (here: its attachment is not uploaded)
    plain = signed_request(rx, "POST", paths.SUBMISSIONS, T, key, json_body=text.encode(),
                           headers={"Idempotency-Key": sid})
    assert (plain.status_code, error_of(plain)) == (409, "attachments_missing")

    # the operator's content file likewise
    content = tmp_path / "content.json"
    content.write_text('{"notices": [], "notices": [{"title": "t", "body": "b"}]}',
                       encoding="utf-8")
    refused = rx.cli("content", "set", str(content), check=False)
    assert refused.returncode == 2 and "'notices' appears twice" in refused.stderr
