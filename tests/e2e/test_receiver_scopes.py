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
