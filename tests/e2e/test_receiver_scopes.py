"""What one terminal's requests can reach on a real platform process: its own
Idempotency-Keys only, the cases of its jurisdiction (or a citizen's, with the second
factor, within the rate limits), and only bodies that say one thing once."""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator

import pytest
import requests

from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    put_chunk,
    running_receiver,
    seal_attachment,
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


def test_an_upload_belongs_to_the_terminal_that_started_it(rx, term, other):
    key, pub = term
    other_key, _ = other
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(3000))
    digest = ref.sealed_digest
    assert put_chunk(rx, T, key, digest, 0, len(sealed), sealed[:1000]).status_code == 200
    # the other terminal sees nothing of it and cannot spoil it, at any offset
    seen = signed_request(rx, "GET", paths.attachment_path(digest), OTHER, other_key)
    assert (seen.json()["received"], seen.json()["complete"]) == (0, False)
    for offset in (0, 1000):
        spoiled = put_chunk(rx, OTHER, other_key, digest, offset, len(sealed), b"x" * 10)
        assert (spoiled.status_code, error_of(spoiled)) == (409, "upload_taken")
    mine = signed_request(rx, "GET", paths.attachment_path(digest), T, key).json()
    assert (mine["received"], mine["complete"]) == (1000, False)
    done = put_chunk(rx, T, key, digest, 1000, len(sealed), sealed[1000:])
    assert done.status_code == 200 and done.json()["complete"] is True
    seen = signed_request(rx, "GET", paths.attachment_path(digest), OTHER, other_key)
    assert (seen.json()["received"], seen.json()["complete"]) == (0, False)
    # a submission of the other terminal that lists it finds it missing; the owner's passes
    theirs = sealed_submission(pub, OTHER, submission_id=sid, attachments=[ref])
    missing = submit(rx, OTHER, other_key, theirs)
    assert (missing.status_code, error_of(missing)) == (409, "attachments_missing")
    assert missing.json()["missing"] == [digest]
    accepted = submit(rx, T, key, sealed_submission(pub, T, submission_id=sid,
                                                    attachments=[ref]))
    assert accepted.status_code == 201, accepted.text


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


# --- who may read a case ------------------------------------------------------------------

APPLICANT_PHONE, AGENT_PHONE = "13800138000", "+86 139 1234 5678"


def terminal_in(rx: ReceiverProcess, terminal_id: str, area: str | None):
    """An enrolled terminal of `area` (None: left without one); its signing key."""
    if area is not None:
        rx.cli("terminal", "add", terminal_id, "--jurisdiction", area)
    key, _ = enroll_test_terminal(rx, terminal_id)
    return key


def case_of(rx, terminal_id, key, pub) -> schemas.SubmissionAccepted:
    req = sealed_submission(pub, terminal_id, document={
        "applicants": [{"name": "测试", "phone": APPLICANT_PHONE}],
        "agent": {"name": "代办", "phone": AGENT_PHONE}})
    answer = submit(rx, terminal_id, key, req)
    assert answer.status_code == 201, answer.text
    return schemas.SubmissionAccepted.model_validate(answer.json())


def read(rx, terminal_id, key, code):
    return signed_request(rx, "GET", paths.case_path(code), terminal_id, key)


def ask(rx, terminal_id, key, code, last4):
    return signed_request(rx, "POST", paths.CASE_QUERIES, terminal_id, key,
                          json_body=json.dumps({"query_code": code,
                                                "phone_last4": last4}).encode())


def test_a_case_is_read_by_its_jurisdiction_or_with_its_second_factor(rx, term):
    _, pub = term
    keys = {"T-A1": terminal_in(rx, "T-A1", "甲县"), "T-A2": terminal_in(rx, "T-A2", "甲县"),
            "T-B1": terminal_in(rx, "T-B1", "乙县"), "T-N1": terminal_in(rx, "T-N1", None)}
    accepted = case_of(rx, "T-A1", keys["T-A1"], pub)
    code = accepted.query_code
    for reader in ("T-A1", "T-A2"):  # its own terminal, and another of its jurisdiction
        answer = read(rx, reader, keys[reader], code.lower())
        assert answer.status_code == 200, answer.text
        assert schemas.CaseProgress.model_validate(answer.json()).case_no == accepted.case_no
    unknown = read(rx, "T-B1", keys["T-B1"], "ZZZZ2222")
    assert (unknown.status_code, error_of(unknown)) == (404, "case_unknown")
    for reader in ("T-B1", "T-N1"):  # another jurisdiction, none: no such case, word for word
        refused = read(rx, reader, keys[reader], code)
        assert (refused.status_code, refused.json()) == (404, unknown.json())

    # a citizen on any terminal: the query code and the last 4 digits of a contact phone
    for last4 in ("8000", "5678"):  # the applicant's, the agent's
        answer = ask(rx, "T-B1", keys["T-B1"], code, last4)
        assert answer.status_code == 200, answer.text
        progress = schemas.CaseProgress.model_validate(answer.json())
        assert (progress.case_no, progress.status) == (accepted.case_no, "received")
    wrong = ask(rx, "T-N1", keys["T-N1"], code, "1234")
    assert (wrong.status_code, wrong.json()) == (404, unknown.json())
    for bad in ({"query_code": code, "phone_last4": "12a4"},
                {"query_code": code, "phone_last4": "12345"},
                {"query_code": "IIII0000", "phone_last4": "8000"}, {"query_code": code}):
        answer = signed_request(rx, "POST", paths.CASE_QUERIES, "T-N1", keys["T-N1"],
                                json_body=json.dumps(bad).encode())
        assert (answer.status_code, error_of(answer)) == (422, "invalid_body"), bad
    # nothing of the phone is in the platform's log
    assert not any("8000" in line or "5678" in line for line in rx.output)

    # the operator moves a terminal into the jurisdiction: it reads the case from then on
    out = rx.cli("terminal", "set-jurisdiction", "T-N1", "甲县")
    assert "T-N1 belongs to 甲县" in out.stdout
    assert read(rx, "T-N1", keys["T-N1"], code).status_code == 200
    listed = {t["terminal_id"]: t for t in json.loads(rx.cli("terminal", "list",
                                                             "--json").stdout)}
    assert (listed["T-N1"]["jurisdiction"], listed["T-B1"]["jurisdiction"]) == ("甲县", "乙县")
    bad = rx.cli("terminal", "set-jurisdiction", "T-NOBODY", "甲县", check=False)
    assert bad.returncode == 2 and "T-NOBODY" in bad.stderr
    both = rx.cli("terminal", "set-jurisdiction", "T-N1", "甲县", "--clear", check=False)
    assert both.returncode == 2 and "--clear" in both.stderr


def test_a_terminal_without_jurisdiction_gets_one_with_its_earlier_cases(rx, term):
    _, pub = term
    key = terminal_in(rx, "T-LATE", None)
    neighbour = terminal_in(rx, "T-NEAR", "丙县")
    accepted = case_of(rx, "T-LATE", key, pub)
    assert read(rx, "T-LATE", key, accepted.query_code).status_code == 200  # its own
    assert read(rx, "T-NEAR", neighbour, accepted.query_code).status_code == 404
    out = rx.cli("terminal", "set-jurisdiction", "T-LATE", "丙县")
    assert "1 of its earlier cases" in out.stdout
    assert read(rx, "T-NEAR", neighbour, accepted.query_code).status_code == 200


def test_failed_reads_are_limited_per_code_and_per_terminal_across_restarts(rx, term):
    _, pub = term
    owner = terminal_in(rx, "T-OWN", "丁县")
    guesser, bystander = terminal_in(rx, "T-GUESS", "戊县"), terminal_in(rx, "T-BY", "戊县")
    target, spare = case_of(rx, "T-OWN", owner, pub), case_of(rx, "T-OWN", owner, pub)
    for last4 in ("0000", "1111", "2222", "3333", "4444"):  # 5 wrong factors for one code
        answer = ask(rx, "T-GUESS", guesser, target.query_code, last4)
        assert (answer.status_code, error_of(answer)) == (404, "case_unknown")
    # the 6th is refused before the case is looked at, the right factor included, from any
    # terminal; the limit is kept in the database, so a restart does not lift it
    rx.restart()
    for reader, key in (("T-GUESS", guesser), ("T-BY", bystander)):
        limited = ask(rx, reader, key, target.query_code, "8000")
        assert (limited.status_code, error_of(limited)) == (429, "case_query_limited")
        assert 1 <= int(limited.headers["Retry-After"]) <= 30 * 60
    # another code is not limited, nor is the case's own jurisdiction reading it
    assert ask(rx, "T-GUESS", guesser, spare.query_code, "8000").status_code == 200
    assert read(rx, "T-OWN", owner, target.query_code).status_code == 200

    # per terminal: 20 failures in 10 minutes, whatever the codes, and it is refused even
    # what it may read
    prober = terminal_in(rx, "T-PROBE", "丁县")
    for n in range(20):
        assert read(rx, "T-PROBE", prober, f"ZZZZ{n:04d}".replace("0", "2").replace(
            "1", "3")).status_code == 404
    limited = read(rx, "T-PROBE", prober, target.query_code)
    assert (limited.status_code, error_of(limited)) == (429, "case_query_limited")
    assert 1 <= int(limited.headers["Retry-After"]) <= 10 * 60
    assert read(rx, "T-OWN", owner, spare.query_code).status_code == 200  # others go on


def test_a_case_from_before_the_second_factor_derives_it_from_its_envelope(rx, term):
    key, pub = term
    accepted = case_of(rx, T, key, pub)
    db = rx.data_dir / "receiver.db"
    conn = sqlite3.connect(db)  # as migration 0002 left the cases made before it
    with conn:
        conn.execute("UPDATE cases SET phone_factors = NULL WHERE case_no = ?",
                     (accepted.case_no,))
    other_key = terminal_in(rx, "T-FAR", "己县")
    assert ask(rx, "T-FAR", other_key, accepted.query_code, "8000").status_code == 200
    kept = conn.execute("SELECT phone_factors FROM cases WHERE case_no = ?",
                        (accepted.case_no,)).fetchone()[0]
    conn.close()
    assert kept is not None and len(kept.split()) == 2  # derived once, then kept (hashed)
    assert "8000" not in kept and "5678" not in kept
