"""The reference receiving platform, end to end: a real server process, real signed
HTTP requests, its real SQLite database. Nothing is mocked."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from receiver.cli import openapi_json
from sync import answers
from tests.support.platform_server import (
    ROOT,
    ReceiverProcess,
    document_attachment,
    enroll_test_terminal,
    issue_code,
    prepare_signed,
    put_chunk,
    running_receiver,
    seal_attachment,
    sealed_submission,
    send,
    signed_request,
    submit,
    upload,
)
from tests.support.terminal import wait_for
from wire import paths, schemas, sealing, signing

T = "T-0001"
OTHER = "T-0002"
STATE = ("cases", "case_events", "case_attachments", "idempotency", "attachments",
         "heartbeats", "attachment_files", "content", "terminals")


@pytest.fixture(scope="module")
def rx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    data = tmp_path_factory.mktemp("receiver")
    with running_receiver(data) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def term(rx: ReceiverProcess):
    """T-0001, enrolled: (signing key, platform public key)."""
    return enroll_test_terminal(rx, T)


@pytest.fixture(scope="module")
def other(rx: ReceiverProcess):
    return enroll_test_terminal(rx, OTHER)


def state(rx: ReceiverProcess) -> dict[str, int]:
    counts = rx.counts()
    return {k: counts[k] for k in STATE}


def slow_fault_lines(rx: ReceiverProcess) -> list[str]:
    """The platform's log lines saying that `fault slow` holds a request's keys."""
    return [line for line in list(rx.output) if "fault slow: holding the keys" in line]


def error_of(answer: requests.Response) -> str:
    body = schemas.ErrorBody.model_validate(answer.json())  # every refusal is an ErrorBody
    return body.error


# --- enrollment ---------------------------------------------------------------------------


def test_enrollment_binds_a_key_once(rx):
    code = issue_code(rx, "T-ENROLL", "--label", "城关镇便民服务中心")
    assert len(code.replace("-", "")) == 12 and code.count("-") == 2  # read aloud in groups
    key = signing.generate_signing_key()
    body = {"terminal_id": "T-ENROLL", "code": code.lower().replace("-", " "),
            "signing_public_key": signing.encode_signing_public_key(key.public_key())}
    answer = requests.post(rx.url + paths.ENROLLMENTS, json=body, timeout=10)
    assert answer.status_code == 201, answer.text
    enrolled = schemas.EnrollmentResponse.model_validate(answer.json())
    assert enrolled.platform_public_key == rx.platform_public_key
    assert signed_request(rx, "GET", paths.LIMITS, "T-ENROLL", key).status_code == 200

    # the code is spent: nobody can bind another key with it
    thief = signing.generate_signing_key()
    body["signing_public_key"] = signing.encode_signing_public_key(thief.public_key())
    again = requests.post(rx.url + paths.ENROLLMENTS, json=body, timeout=10)
    assert again.status_code == 403 and error_of(again) == "enrollment_refused"
    assert signed_request(rx, "GET", paths.LIMITS, "T-ENROLL", thief).status_code == 401
    listed = json.loads(rx.cli("terminal", "list", "--json").stdout)
    row = next(t for t in listed if t["terminal_id"] == "T-ENROLL")
    assert row["state"] == "enrolled" and row["name"] == "城关镇便民服务中心"


def test_wrong_and_expired_codes_are_refused(rx):
    key = signing.generate_signing_key()
    public = signing.encode_signing_public_key(key.public_key())
    code = issue_code(rx, "T-WRONG")
    for terminal_id, attempt in (("T-WRONG", "ABCD-EFGH-JKMN"), ("T-NOBODY", code)):
        answer = requests.post(rx.url + paths.ENROLLMENTS, timeout=10, json={
            "terminal_id": terminal_id, "code": attempt, "signing_public_key": public})
        assert answer.status_code == 403 and error_of(answer) == "enrollment_refused"

    expiring = issue_code(rx, "T-EXPIRED", "--expires-in", "1s")
    time.sleep(1.2)
    answer = requests.post(rx.url + paths.ENROLLMENTS, timeout=10, json={
        "terminal_id": "T-EXPIRED", "code": expiring, "signing_public_key": public})
    assert answer.status_code == 403 and error_of(answer) == "enrollment_refused"

    bad_key = requests.post(rx.url + paths.ENROLLMENTS, timeout=10, json={
        "terminal_id": "T-WRONG", "code": code, "signing_public_key": "AAAA"})
    assert bad_key.status_code == 422 and error_of(bad_key) == "invalid_body"
    # the right code still works after all that
    answer = requests.post(rx.url + paths.ENROLLMENTS, timeout=10, json={
        "terminal_id": "T-WRONG", "code": code, "signing_public_key": public})
    assert answer.status_code == 201


# --- signatures ---------------------------------------------------------------------------


def test_signed_requests_are_answered(rx, term):
    key, _ = term
    limits = signed_request(rx, "GET", paths.LIMITS, T, key)
    assert limits.status_code == 200
    got = schemas.Limits.model_validate(limits.json())
    assert got.chunk_bytes == 1024 * 1024 and got.max_attachment_bytes >= 20 * 1024 * 1024
    status = signed_request(rx, "GET", paths.attachment_path("ab" * 32), T, key)
    assert status.json() == {"sealed_digest": "ab" * 32, "received": 0, "complete": False,
                             "size_limit": got.max_attachment_bytes}


def _forged_body(rx, key, pub):
    req = sealed_submission(pub, T)
    prepared = prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                              headers={"Idempotency-Key": req.submission_id})
    prepared.body = prepared.body.replace(b'"receipt_no":"2026112601"',
                                          b'"receipt_no":"2026112699"')
    return prepared


def _forged_digest(rx, key, pub):
    prepared = _forged_body(rx, key, pub)
    digest = base64.b64encode(hashlib.sha256(prepared.body).digest()).decode()
    prepared.headers["Content-Digest"] = f"sha-256=:{digest}:"
    return prepared


def _stale(rx, key, pub):
    req = sealed_submission(pub, T)
    return prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                          headers={"Idempotency-Key": req.submission_id},
                          now=datetime.now(UTC) - timedelta(minutes=10))


def _unsigned(rx, key, pub):
    req = sealed_submission(pub, T)
    return prepare_signed(rx, "POST", paths.SUBMISSIONS, T, None, json_body=req,
                          headers={"Idempotency-Key": req.submission_id})


def _unknown_terminal(rx, key, pub):
    req = sealed_submission(pub, "T-GHOST")
    return prepare_signed(rx, "POST", paths.SUBMISSIONS, "T-GHOST",
                          signing.generate_signing_key(), json_body=req,
                          headers={"Idempotency-Key": req.submission_id})


def _other_key(rx, key, pub):  # claims to be T, signed with a key T never enrolled
    req = sealed_submission(pub, T)
    return prepare_signed(rx, "POST", paths.SUBMISSIONS, T, signing.generate_signing_key(),
                          json_body=req, headers={"Idempotency-Key": req.submission_id})


def _swapped_idempotency_key(rx, key, pub):
    req = sealed_submission(pub, T)
    prepared = prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                              headers={"Idempotency-Key": req.submission_id})
    prepared.headers["Idempotency-Key"] = str(uuid.uuid4())
    return prepared


def _heartbeat_for_another(rx, key, pub):
    beat = schemas.Heartbeat(version="0.1.0", queue_depth=0, oldest_queued_age_seconds=None,
                              needs_attention=0, at=datetime.now(UTC))
    return prepare_signed(rx, "POST", paths.heartbeat_path(OTHER), T, key, json_body=beat)


def _submission_for_another(rx, key, pub):
    req = sealed_submission(pub, OTHER)
    return prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                          headers={"Idempotency-Key": req.submission_id})


def _upload_unsigned(rx, key, pub):
    return prepare_signed(rx, "PUT", paths.attachment_path(hashlib.sha256(b"x").hexdigest()),
                          T, None, data=b"x", headers={"Upload-Offset": "0",
                                                       "Upload-Length": "1"})


def _upload_forged(rx, key, pub):
    digest = hashlib.sha256(b"y").hexdigest()
    prepared = prepare_signed(rx, "PUT", paths.attachment_path(digest), T, key, data=b"x",
                              headers={"Upload-Offset": "0", "Upload-Length": "1"})
    prepared.body = b"y"
    return prepared


@pytest.mark.parametrize("make, status, error", [
    (_forged_body, 401, "signature_invalid"),
    (_forged_digest, 401, "signature_invalid"),
    (_stale, 401, "signature_stale"),
    (_unsigned, 401, "unsigned"),
    # the answer a bad signature gets, whatever the terminal id (no enumeration oracle)
    (_unknown_terminal, 401, "signature_invalid"),
    (_other_key, 401, "signature_invalid"),
    (_swapped_idempotency_key, 401, "signature_invalid"),
    (_heartbeat_for_another, 403, "terminal_mismatch"),
    (_submission_for_another, 403, "terminal_mismatch"),
    (_upload_unsigned, 401, "unsigned"),
    (_upload_forged, 401, "signature_invalid"),
])
def test_refused_requests_store_nothing(rx, term, other, make, status, error):
    key, pub = term
    before = state(rx)
    answer = send(make(rx, key, pub))
    assert (answer.status_code, error_of(answer)) == (status, error), answer.text
    assert state(rx) == before


def test_the_terminals_signature_is_what_the_rfc_9421_library_makes(rx, term):
    """The terminal builds its signatures directly (it signs every request); they must be
    byte for byte what `http-message-signatures` makes, and the platform must still take
    any other valid form of a signature through that library."""
    import http_message_signatures as hms

    key, _ = term
    now = datetime.now(UTC).replace(microsecond=0)
    digest = hashlib.sha256(b"x").hexdigest()

    def chunk() -> requests.PreparedRequest:
        return requests.Request("PUT", rx.url + paths.attachment_path(digest), data=b"x",
                                headers={"Upload-Offset": "0", "Upload-Length": "1"}).prepare()

    ours, theirs = chunk(), chunk()
    signing.sign_request(ours, T, key, now)
    nonce = ours.headers["Signature-Input"].rsplit('nonce="', 1)[1].rstrip('"')
    signing.sign_request_with_library(theirs, T, key, now, nonce)
    for name in ("Content-Digest", "Signature-Input", "Signature"):
        assert ours.headers[name] == theirs.headers[name], name
    assert send(ours).status_code == 200

    other = requests.Request("GET", rx.url + paths.LIMITS, data=b"").prepare()
    hms.HTTPMessageSigner(signature_algorithm=hms.algorithms.ED25519,
                          key_resolver=signing._KeyResolver(private=key)).sign(
        other, key_id=T, created=datetime.now(UTC), nonce=os.urandom(16).hex(), tag="test",
        include_alg=False, label=signing.SIGNATURE_LABEL, body=b"",
        covered_component_ids=("@query", "@path", "@method", "content-digest"))
    assert send(other).status_code == 200
    missing = requests.Request("GET", rx.url + paths.LIMITS, data=b"").prepare()
    hms.HTTPMessageSigner(signature_algorithm=hms.algorithms.ED25519,
                          key_resolver=signing._KeyResolver(private=key)).sign(
        missing, key_id=T, created=datetime.now(UTC), nonce=os.urandom(16).hex(),
        label=signing.SIGNATURE_LABEL, body=b"",
        covered_component_ids=("@method", "content-digest"))  # not @path: refused
    answer = send(missing)
    assert (answer.status_code, error_of(answer)) == (401, "signature_invalid")


def test_a_replayed_request_is_refused(rx, term):
    key, pub = term
    beat = schemas.Heartbeat(version="0.1.0", queue_depth=1, oldest_queued_age_seconds=5,
                              needs_attention=0, at=datetime.now(UTC))
    prepared = prepare_signed(rx, "POST", paths.heartbeat_path(T), T, key, json_body=beat)
    assert send(prepared).status_code == 200
    req = sealed_submission(pub, T)
    post = prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                          headers={"Idempotency-Key": req.submission_id})
    assert send(post).status_code == 201
    before = state(rx)
    for again in (prepared, post):  # the very same bytes and headers, sent once more
        answer = send(again)
        assert (answer.status_code, error_of(answer)) == (401, "signature_replayed")
    assert state(rx) == before


def test_a_revoked_terminal_is_refused(rx, term):
    _, pub = term
    key, _ = enroll_test_terminal(rx, "T-REVOKE")
    assert signed_request(rx, "GET", paths.LIMITS, "T-REVOKE", key).status_code == 200
    rx.cli("terminal", "revoke", "T-REVOKE")
    before = state(rx)
    req = sealed_submission(pub, "T-REVOKE")
    answer = submit(rx, "T-REVOKE", key, req)
    assert (answer.status_code, error_of(answer)) == (403, "terminal_unknown")
    assert state(rx) == before
    listed = json.loads(rx.cli("terminal", "list", "--json").stdout)
    assert next(t for t in listed if t["terminal_id"] == "T-REVOKE")["state"] == "revoked"
    unknown = rx.cli("terminal", "revoke", "T-NEVER", check=False)
    assert unknown.returncode == 2 and "T-NEVER" in unknown.stderr


# --- submissions --------------------------------------------------------------------------


def test_the_same_submission_twice_is_one_case(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    first = submit(rx, T, key, req)
    assert first.status_code == 201, first.text
    accepted = schemas.SubmissionAccepted.model_validate(first.json())
    assert accepted.submission_id == req.submission_id
    assert accepted.case_no.startswith("XF") and len(accepted.case_no) == 15
    assert len(accepted.query_code) == 8
    assert set(accepted.query_code) <= set("23456789ABCDEFGHJKMNPQRSTUVWXYZ")
    before = state(rx)

    second = submit(rx, T, key, req)  # a retry: new signature, same key and body
    assert second.status_code == 201 and second.content == first.content
    # the same submission serialised differently is still the same request
    reordered = json.dumps(dict(reversed(list(req.model_dump(mode="json").items()))),
                           ensure_ascii=False, indent=1).encode()
    third = signed_request(rx, "POST", paths.SUBMISSIONS, T, key, json_body=reordered,
                           headers={"Idempotency-Key": req.submission_id})
    assert third.status_code == 201 and third.json() == first.json()
    assert state(rx) == before

    changed = req.model_copy(update={"category": "land"})
    other_body = submit(rx, T, key, changed)
    assert (other_body.status_code, error_of(other_body)) == (422, "idempotency_key_reused")
    assert state(rx) == before


def test_idempotency_key_must_name_the_submission(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    before = state(rx)
    missing = signed_request(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req)
    assert (missing.status_code, error_of(missing)) == (400, "idempotency_key_missing")
    wrong = submit(rx, T, key, req, idempotency_key=str(uuid.uuid4()))
    assert (wrong.status_code, error_of(wrong)) == (400, "idempotency_key_mismatch")
    garbage = signed_request(rx, "POST", paths.SUBMISSIONS, T, key,
                             json_body={"submission_id": req.submission_id},
                             headers={"Idempotency-Key": req.submission_id})
    assert (garbage.status_code, error_of(garbage)) == (422, "invalid_body")
    assert state(rx) == before


def test_a_submission_waits_for_its_attachments(rx, term):
    key, pub = term
    sid = str(uuid.uuid4())
    first, ref1 = seal_attachment(pub, sid, b"\xff\xd8\xff" + os.urandom(5000))
    second, ref2 = seal_attachment(pub, sid, b"%PDF-1.4" + os.urandom(7000),
                                   media_type="application/pdf")
    req = sealed_submission(pub, T, submission_id=sid, attachments=[ref1, ref2])
    upload(rx, T, key, first)
    before = state(rx)
    answer = submit(rx, T, key, req)
    assert (answer.status_code, error_of(answer)) == (409, "attachments_missing")
    assert answer.json()["missing"] == [ref2.sealed_digest]
    assert answers.outcome(answer.status_code) == "retry"
    assert state(rx) == before  # not kept as the answer: the retry below is judged afresh

    upload(rx, T, key, second, chunk_bytes=4096)
    answer = submit(rx, T, key, req)
    assert answer.status_code == 201, answer.text
    after = state(rx)
    assert after["cases"] == before["cases"] + 1
    assert after["case_attachments"] == before["case_attachments"] + 2


def test_a_wrong_attachment_size_is_refused_but_not_kept(rx, term):
    """The size is compared with what this platform holds: not a property of the request
    alone, so the refusal is not kept as the key's answer."""
    key, pub = term
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, os.urandom(3000))
    upload(rx, T, key, sealed)
    req = sealed_submission(pub, T, submission_id=sid,
                            attachments=[ref.model_copy(update={"size": ref.size + 1})])
    before = state(rx)
    answer = submit(rx, T, key, req)
    assert (answer.status_code, error_of(answer)) == (422, "attachment_size_mismatch")
    assert answers.outcome(answer.status_code) == "refused"
    assert state(rx) == before  # no case, and no stored answer


@pytest.mark.parametrize("how, kept", [
    ("other key", False), ("other submission", False), ("other terminal in envelope", True),
    ("not json", True), ("not base64", True)])
def test_an_envelope_the_platform_cannot_open_is_refused(rx, term, how, kept):
    """Refused either way; kept as the key's answer only when the request's bytes alone
    decide it. Whether an envelope opens depends on the key the platform holds now."""
    key, pub = term
    sid = str(uuid.uuid4())
    if how == "other key":
        stranger = sealing.encode_public_key(sealing.generate_private_key().public_key())
        req = sealed_submission(stranger, T, submission_id=sid)
    elif how == "other submission":
        req = sealed_submission(pub, T, submission_id=sid, seal_as=str(uuid.uuid4()))
    elif how == "other terminal in envelope":
        req = sealed_submission(pub, T, submission_id=sid,
                                envelope={"submission_id": sid, "terminal_id": OTHER})
    elif how == "not json":
        sealed = sealing.seal(b"\x00not json", sealing.decode_public_key(pub), sid, "envelope")
        req = sealed_submission(pub, T, submission_id=sid).model_copy(
            update={"envelope": base64.b64encode(sealed).decode()})
    else:
        req = sealed_submission(pub, T, submission_id=sid).model_copy(
            update={"envelope": "%%%"})
    before = state(rx)
    answer = submit(rx, T, key, req)
    assert (answer.status_code, error_of(answer)) == (422, "envelope_invalid")
    assert answers.outcome(answer.status_code) == "refused"
    again = submit(rx, T, key, req)
    assert again.status_code == 422 and again.content == answer.content
    after = state(rx)
    assert after["cases"] == before["cases"]
    assert after["idempotency"] == before["idempotency"] + (1 if kept else 0)


def test_a_refusal_caused_by_the_platforms_key_is_not_kept(tmp_path):
    """The platform ran with the wrong key for a while (a restore gone wrong): what was
    refused then is accepted once the right key is back, for the same request."""
    rx = ReceiverProcess(tmp_path / "rx")
    right = rx.cli("keygen").stdout.strip()
    wrong_file = tmp_path / "wrong.key"
    wrong_file.write_text(sealing.encode_private_key(sealing.generate_private_key()) + "\n")
    rx.extra_args = ["--platform-key", str(wrong_file)]
    rx.start()
    try:
        key, _ = enroll_test_terminal(rx, T)
        req = sealed_submission(right, T)  # sealed to the platform's real key
        refused = submit(rx, T, key, req)
        assert (refused.status_code, error_of(refused)) == (422, "envelope_invalid")
        rx.stop()
        rx.extra_args = []  # the data directory's own key again
        rx.start()
        accepted = submit(rx, T, key, req)
        assert accepted.status_code == 201, accepted.text
        assert submit(rx, T, key, req).content == accepted.content  # kept from now on
        assert rx.counts()["cases"] == 1
    finally:
        rx.stop()


def _cross_check_request(pub: str, how: str, sid: str,
                         ref: schemas.AttachmentRef) -> schemas.SubmissionRequest:
    listed = document_attachment(ref)
    if how == "kind":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"kind": "review"})
    if how == "category":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"category": "land"})
    if how == "purpose":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"purpose": None})
    if how == "no document":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 envelope={"submission_id": sid, "terminal_id": T})
    if how == "attachment not listed":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"attachments": []})
    if how == "role":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"attachments": [{**listed, "role": "id_proof"}]})
    if how == "size":
        return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                                 document={"attachments": [{**listed, "size": listed["size"] + 1}]})
    assert how == "digest"
    return sealed_submission(pub, T, submission_id=sid, attachments=[ref],
                             document={"attachments": [{**listed, "digest": "a" * 64}]})


@pytest.mark.parametrize("how, code, kept", [
    ("kind", "envelope_mismatch", True), ("category", "envelope_mismatch", True),
    ("purpose", "envelope_mismatch", True), ("no document", "envelope_mismatch", True),
    ("attachment not listed", "attachments_mismatch", True),
    ("role", "attachments_mismatch", True), ("size", "attachments_mismatch", True),
    # sealed for another digest or to another key: cannot be told apart, so not kept
    ("digest", "attachments_mismatch", False)])
def test_the_sealed_document_must_agree_with_the_routing_metadata(rx, term, how, code, kept):
    key, pub = term
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(pub, sid, b"\xff\xd8\xff" + os.urandom(4000))
    upload(rx, T, key, sealed)
    req = _cross_check_request(pub, how, sid, ref)
    before = state(rx)
    answer = submit(rx, T, key, req)
    assert (answer.status_code, error_of(answer)) == (422, code), answer.text
    assert answers.outcome(answer.status_code) == "refused"
    after = state(rx)
    assert after["cases"] == before["cases"] and after["case_attachments"] == before[
        "case_attachments"]
    assert after["idempotency"] == before["idempotency"] + (1 if kept else 0)


# --- attachments --------------------------------------------------------------------------


def test_a_resumable_upload(rx, term):
    key, pub = term
    sealed, ref = seal_attachment(pub, str(uuid.uuid4()), os.urandom(2_500_000))
    digest, total, half = ref.sealed_digest, len(sealed), len(sealed) // 2
    path = paths.attachment_path(digest)

    answer = put_chunk(rx, T, key, digest, 0, total, sealed[:half])
    assert answer.status_code == 200
    assert answer.json() == {"sealed_digest": digest, "received": half, "complete": False,
                             "size_limit": answer.json()["size_limit"]}
    assert signed_request(rx, "GET", path, T, key).json()["received"] == half

    for wrong in (0, half + 10):  # a chunk sent twice, or one skipped
        mismatch = put_chunk(rx, T, key, digest, wrong, total, sealed[wrong:wrong + 10])
        assert (mismatch.status_code, error_of(mismatch)) == (409, "upload_offset_mismatch")
        assert mismatch.headers["Upload-Offset"] == str(half)
        assert str(half) in mismatch.json()["message"]
    assert signed_request(rx, "GET", path, T, key).json()["received"] == half

    done = put_chunk(rx, T, key, digest, half, total, sealed[half:])
    assert done.status_code == 200 and done.json()["complete"] is True
    assert done.json()["received"] == total
    stored = rx.data_dir / "attachments" / digest
    assert stored.read_bytes() == sealed and stored.stat().st_mode & 0o077 == 0
    # sending it again (a terminal that lost the answer) is harmless
    again = put_chunk(rx, T, key, digest, 0, total, sealed[:1000])
    assert again.status_code == 200 and again.json()["complete"] is True
    assert stored.read_bytes() == sealed


def test_an_upload_with_the_wrong_digest_is_discarded(rx, term):
    key, _ = term
    data = os.urandom(100_000)
    claimed = hashlib.sha256(b"something else").hexdigest()
    assert put_chunk(rx, T, key, claimed, 0, len(data), data[:60_000]).status_code == 200
    answer = put_chunk(rx, T, key, claimed, 60_000, len(data), data[60_000:])
    assert (answer.status_code, error_of(answer)) == (422, "digest_mismatch")
    status = signed_request(rx, "GET", paths.attachment_path(claimed), T, key).json()
    assert status["received"] == 0 and status["complete"] is False
    assert not (rx.data_dir / "attachments" / claimed).exists()


def test_upload_limits(rx, term):
    key, _ = term
    limits = schemas.Limits.model_validate(
        signed_request(rx, "GET", paths.LIMITS, T, key).json())
    digest = hashlib.sha256(b"big").hexdigest()
    before = state(rx)
    too_big = put_chunk(rx, T, key, digest, 0, limits.max_attachment_bytes + 1, b"x")
    assert (too_big.status_code, error_of(too_big)) == (413, "too_large")
    overrun = put_chunk(rx, T, key, digest, 0, 2, b"xyz")
    assert (overrun.status_code, error_of(overrun)) == (400, "bad_request")
    no_headers = signed_request(rx, "PUT", paths.attachment_path(digest), T, key, data=b"x")
    assert (no_headers.status_code, error_of(no_headers)) == (400, "bad_request")
    bad_digest = signed_request(rx, "GET", paths.attachment_path("XYZ"), T, key)
    assert (bad_digest.status_code, error_of(bad_digest)) == (400, "bad_request")
    assert state(rx) == before


# --- cases, heartbeats, content -----------------------------------------------------------


def test_case_progress_follows_the_operator(rx, term):
    key, pub = term
    req = sealed_submission(pub, T, kind="review")
    accepted = schemas.SubmissionAccepted.model_validate(submit(rx, T, key, req).json())
    answer = signed_request(rx, "GET", paths.case_path(accepted.query_code), T, key)
    assert answer.status_code == 200
    progress = schemas.CaseProgress.model_validate(answer.json())
    assert (progress.case_no, progress.kind, progress.status) == (accepted.case_no, "review",
                                                                  "received")
    assert [e.status for e in progress.history] == ["received"]

    out = rx.cli("case", "set-status", accepted.case_no, "accepted", "--note", "转县人社局办理")
    assert "已受理" in out.stdout
    # only its own terminal (or its jurisdiction's) reads it; typed in lower case it is
    # still found (a citizen elsewhere shows a second factor: test_receiver_scopes.py)
    other_key, _ = enroll_test_terminal(rx, "T-QUERY")
    elsewhere = signed_request(rx, "GET", paths.case_path(accepted.query_code), "T-QUERY",
                               other_key)
    assert (elsewhere.status_code, error_of(elsewhere)) == (404, "case_unknown")
    answer = signed_request(rx, "GET", paths.case_path(accepted.query_code.lower()), T, key)
    progress = schemas.CaseProgress.model_validate(answer.json())
    assert (progress.status, progress.status_label) == ("accepted", "已受理")
    assert [(e.status, e.note) for e in progress.history] == [("received", None),
                                                              ("accepted", "转县人社局办理")]
    assert progress.updated_at > progress.received_at

    unknown = signed_request(rx, "GET", paths.case_path("ZZZZ2222"), T, key)
    assert (unknown.status_code, error_of(unknown)) == (404, "case_unknown")
    bad = rx.cli("case", "set-status", accepted.case_no, "finished", check=False)
    assert bad.returncode == 2 and "closed (已办结)" in bad.stderr and "Traceback" not in bad.stderr
    missing = rx.cli("case", "set-status", "XF2000010100001", "closed", check=False)
    assert missing.returncode == 2 and "XF2000010100001" in missing.stderr


def test_cases_json(rx, term):
    key, pub = term
    req = sealed_submission(pub, T, receipt_no="2026112677")
    accepted = submit(rx, T, key, req).json()
    rows = json.loads(rx.cli("cases", "--json").stdout)
    row = next(r for r in rows if r["submission_id"] == req.submission_id)
    assert row["case_no"] == accepted["case_no"] and row["receipt_no"] == "2026112677"
    assert (row["terminal_id"], row["kind"], row["status"]) == (T, "petition", "received")
    assert datetime.fromisoformat(row["received_at"]) == \
        datetime.fromisoformat(accepted["received_at"].replace("Z", "+00:00"))
    assert len({r["case_no"] for r in rows}) == len(rows)
    table = rx.cli("cases").stdout
    assert accepted["case_no"] in table and "receipt_no" in table.splitlines()[0]


def test_a_heartbeat_is_recorded(rx, term):
    key, _ = term
    before = state(rx)
    beat = schemas.Heartbeat(version="0.1.0", queue_depth=3, oldest_queued_age_seconds=120,
                              needs_attention=1, at=datetime.now(UTC))
    sent = datetime.now(UTC)
    answer = signed_request(rx, "POST", paths.heartbeat_path(T), T, key, json_body=beat)
    answered = datetime.now(UTC)
    assert answer.status_code == 200
    ack = schemas.HeartbeatAck.model_validate(answer.json())
    # the platform's clock (the same machine's) while it handled the request
    assert sent - timedelta(seconds=1) <= ack.received_at <= answered + timedelta(seconds=1)
    assert state(rx)["heartbeats"] == before["heartbeats"] + 1
    listed = json.loads(rx.cli("terminal", "list", "--json").stdout)
    row = next(t for t in listed if t["terminal_id"] == T)
    assert (row["version"], row["queue_depth"], row["needs_attention"]) == ("0.1.0", 3, 1)


def test_content_with_etag(rx, term, tmp_path):
    key, _ = term
    path = paths.content_path(T)
    first = signed_request(rx, "GET", path, T, key)
    assert first.status_code == 200
    etag = first.headers["ETag"]
    content = schemas.TerminalContent.model_validate(first.json())
    assert content.notices[0].title == "网上信访须知" and "查询码" in content.notices[0].body
    assert content.categories == [] and content.purposes == []

    unchanged = signed_request(rx, "GET", path, T, key, headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["ETag"] == etag

    new = {"notices": [{"title": "春节期间受理安排", "body": "2月10日至2月17日网上信访照常受理。"}],
           "qr_targets": [{"platform_id": "county", "name": "测试县网上信访", "level": "county",
                           "kind": "web", "url": "https://xf.example.gov.cn/"}],
           "categories": [{"code": "labour", "label": "劳动和社会保障"}]}
    file = tmp_path / "content.json"
    file.write_text(json.dumps(new, ensure_ascii=False), encoding="utf-8")
    assert "published" in rx.cli("content", "set", str(file)).stdout
    changed = signed_request(rx, "GET", path, T, key, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    published = schemas.TerminalContent.model_validate(changed.json())
    assert published.version == content.version + 1
    assert published.qr_targets[0].url == "https://xf.example.gov.cn/"

    wrong = signed_request(rx, "GET", paths.content_path(OTHER), T, key)
    assert (wrong.status_code, error_of(wrong)) == (403, "terminal_mismatch")
    file.write_text('{"notices": [{"title": 1}]}', encoding="utf-8")
    bad = rx.cli("content", "set", str(file), check=False)
    assert bad.returncode == 2 and "notices.0" in bad.stderr


# --- operator switches --------------------------------------------------------------------


def test_maintenance_answers_503_with_retry_after(rx, term):
    key, _ = term
    rx.cli("maintenance", "on", "--retry-after", "7")
    try:
        answer = signed_request(rx, "GET", paths.LIMITS, T, key)
        assert (answer.status_code, error_of(answer)) == (503, "maintenance")
        assert answer.headers["Retry-After"] == "7"
        assert answers.retry_after_seconds(answer.headers["Retry-After"]) == 7
        enroll = requests.post(rx.url + paths.ENROLLMENTS, json={}, timeout=10)
        assert enroll.status_code == 503
    finally:
        rx.cli("maintenance", "off")
    assert signed_request(rx, "GET", paths.LIMITS, T, key).status_code == 200


@pytest.mark.parametrize("status, code", [(500, "internal_error"), (502, "http_error"),
                                          (418, "http_error")])
def test_fault_error_answers_its_status_and_stores_nothing(rx, term, status, code):
    key, pub = term
    req = sealed_submission(pub, T)
    single = prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                            headers={"Idempotency-Key": req.submission_id})
    batch = prepare_signed(rx, "POST", paths.SUBMISSION_BATCHES, T, key,
                           json_body=schemas.SubmissionBatch(submissions=[req]))
    before = rx.counts()
    assert rx.cli("fault", "error", "--status", str(status)).stdout.strip() == \
        f"fault: POST /submissions answers {status}"
    try:
        for prepared in (single, batch):
            answer = send(prepared)
            assert (answer.status_code, error_of(answer)) == (status, code), answer.text
            assert "kiosk-receiver fault clear" in answer.json()["message"]
        # only submissions fail: the terminal's other business goes on
        assert signed_request(rx, "GET", paths.LIMITS, T, key).status_code == 200
    finally:
        rx.cli("fault", "clear")
    assert {k: rx.counts()[k] for k in STATE} == {k: before[k] for k in STATE}
    # Answered before the signature was checked: not even the nonce is spent, so the
    # very same signed request is taken once the fault is cleared.
    accepted = send(single)
    assert accepted.status_code == 201, accepted.text
    assert rx.counts()["cases"] == before["cases"] + 1


def test_fault_error_after_commits_the_case_and_loses_the_answer(rx, term):
    """`--after`: the case is made and committed, the answer is a 500 all the same; the
    retry (a new signature) gets the stored answer: one case."""
    key, pub = term
    alone, batched = sealed_submission(pub, T), sealed_submission(pub, T)
    before = rx.counts()["cases"]
    assert rx.cli("fault", "error", "--status", "500", "--after").stdout.strip() == \
        "fault: POST /submissions answers 500 after handling the submissions"
    try:
        failed = submit(rx, T, key, alone)
        assert (failed.status_code, error_of(failed)) == (500, "internal_error")
        failed = signed_request(rx, "POST", paths.SUBMISSION_BATCHES, T, key,
                                json_body=schemas.SubmissionBatch(submissions=[batched]))
        assert (failed.status_code, error_of(failed)) == (500, "internal_error")
        assert rx.counts()["cases"] == before + 2  # both made, neither answered
    finally:
        rx.cli("fault", "clear")
    made = {r["submission_id"]: r["case_no"] for r in json.loads(rx.cli("cases", "--json").stdout)}
    for req in (alone, batched):
        retry = submit(rx, T, key, req)
        assert retry.status_code == 201, retry.text
        assert retry.json()["case_no"] == made[req.submission_id]
    assert rx.counts()["cases"] == before + 2


def test_fault_error_takes_only_error_statuses(rx):
    for bad in ("200", "302", "600", "x"):
        refused = rx.cli("fault", "error", "--status", bad, check=False)
        assert refused.returncode == 2 and "400-599" in refused.stderr, refused.stderr
    assert not (rx.data_dir / "fault.json").exists()


def test_a_hanging_platform_times_out_and_the_retry_finds_the_case(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    cases_before = rx.counts()["cases"]
    rx.cli("fault", "hang", "--seconds", "2")
    try:
        with pytest.raises(requests.ReadTimeout):
            submit(rx, T, key, req, timeout=0.5)
        # the hang holds no worker: other requests are answered meanwhile
        assert signed_request(rx, "GET", paths.LIMITS, T, key, timeout=1).status_code == 200
    finally:
        rx.cli("fault", "clear")
    # The hung request goes on after its client gave up, and commits its case.
    wait_for(lambda: rx.counts()["cases"] == cases_before + 1, 30,
             what="the hung request's case")
    committed = [r for r in json.loads(rx.cli("cases", "--json").stdout)
                 if r["submission_id"] == req.submission_id]
    assert len(committed) == 1, "the hung request's case is not its own"
    retry = submit(rx, T, key, req)
    while retry.status_code == 409 and error_of(retry) == "in_progress":  # as a terminal would
        time.sleep(0.2)
        retry = submit(rx, T, key, req)
    assert retry.status_code == 201
    assert retry.json()["case_no"] == committed[0]["case_no"]  # found, not made again
    rows = [r for r in json.loads(rx.cli("cases", "--json").stdout)
            if r["submission_id"] == req.submission_id]
    assert len(rows) == 1 and rows[0]["case_no"] == retry.json()["case_no"]


def test_a_retry_while_the_first_is_processed_gets_409_in_progress(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    rx.cli("fault", "slow", "--seconds", "2.5")
    results: list[requests.Response] = []
    held = len(slow_fault_lines(rx))
    try:
        worker = threading.Thread(target=lambda: results.append(submit(rx, T, key, req)))
        worker.start()
        # the first holds its key (the platform says so) before the second is sent
        wait_for(lambda: len(slow_fault_lines(rx)) > held, 30, what="the first holding its key")
        busy = submit(rx, T, key, req)
        assert (busy.status_code, error_of(busy)) == (409, "in_progress")
        assert busy.headers["Retry-After"] == "1"
        assert answers.outcome(busy.status_code) == "retry"
        worker.join(10)
    finally:
        rx.cli("fault", "clear")
    assert results[0].status_code == 201
    assert submit(rx, T, key, req).json() == results[0].json()


def test_logs_hold_no_bodies_or_query_codes(rx, term):
    key, pub = term
    req = sealed_submission(pub, T)
    accepted = submit(rx, T, key, req).json()
    signed_request(rx, "GET", paths.case_path(accepted["query_code"]), T, key)
    # the access line is written once the answer is sent: wait for it, not for a time
    wait_for(lambda: any("GET /api/v1/cases/" in line for line in rx.output), 30,
             what="the access log line")
    log = "\n".join(rx.output)
    assert "GET /api/v1/cases/" in log
    for secret in (accepted["query_code"], req.envelope[:40], "测试", req.submission_id):
        assert secret not in log


# --- crashes ------------------------------------------------------------------------------


def _raw_post(rx: ReceiverProcess, prepared: requests.PreparedRequest) -> socket.socket:
    """Sends the request's bytes and returns without reading the answer."""
    lines = [f"{prepared.method} {prepared.path_url} HTTP/1.1", f"Host: 127.0.0.1:{rx.port}",
             "Connection: close"]
    lines += [f"{k}: {v}" for k, v in prepared.headers.items()]
    sock = socket.create_connection(("127.0.0.1", rx.port), timeout=10)
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + prepared.body)
    return sock


def _answer_of(sock: socket.socket) -> bytes:
    data = b""
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except OSError:
        pass
    sock.close()
    return data


def test_sigkill_right_after_a_post_then_a_retry_gives_exactly_one_case(tmp_path):
    with running_receiver(tmp_path / "rx") as rx:
        key, pub = enroll_test_terminal(rx, T)
        submissions = []
        for delay in (0.0, 0.005, 0.02, 0.2):
            req = sealed_submission(pub, T)
            prepared = prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key, json_body=req,
                                      headers={"Idempotency-Key": req.submission_id})
            sock = _raw_post(rx, prepared)
            time.sleep(delay)
            rx.kill()
            first = _answer_of(sock)
            rx.start()
            retry = submit(rx, T, key, req)
            assert retry.status_code == 201, retry.text
            if first.startswith(b"HTTP/1.1 201"):  # answered before the kill: the same answer
                assert first.split(b"\r\n\r\n", 1)[1] == retry.content
            submissions.append((req.submission_id, retry.json()["case_no"]))

        # killed while processing (the key held, nothing committed yet)
        rx.cli("fault", "slow", "--seconds", "5")
        req = sealed_submission(pub, T)
        held = len(slow_fault_lines(rx))
        sock = _raw_post(rx, prepare_signed(rx, "POST", paths.SUBMISSIONS, T, key,
                                            json_body=req,
                                            headers={"Idempotency-Key": req.submission_id}))
        wait_for(lambda: len(slow_fault_lines(rx)) > held, 30, what="the key held")
        rx.kill()
        assert _answer_of(sock) == b""
        rx.start()  # the fault survives the restart, as operators' switches do
        assert rx.counts()["cases"] == len(submissions)
        rx.cli("fault", "clear")
        retry = submit(rx, T, key, req)
        assert retry.status_code == 201
        submissions.append((req.submission_id, retry.json()["case_no"]))

        # committed, but the answer never reached the terminal (it gave up waiting)
        rx.cli("fault", "hang", "--seconds", "1")
        req = sealed_submission(pub, T)
        with pytest.raises(requests.ReadTimeout):
            submit(rx, T, key, req, timeout=0.3)
        rx.cli("fault", "clear")
        deadline = time.monotonic() + 10
        while rx.counts()["cases"] == len(submissions) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert rx.counts()["cases"] == len(submissions) + 1  # the hung request did commit
        [committed] = [r["case_no"] for r in json.loads(rx.cli("cases", "--json").stdout)
                       if r["submission_id"] == req.submission_id]
        rx.kill()
        rx.start()
        retry = submit(rx, T, key, req)
        assert retry.status_code == 201
        assert retry.json()["case_no"] == committed  # the stored answer, after a restart
        submissions.append((req.submission_id, retry.json()["case_no"]))

        rows = json.loads(rx.cli("cases", "--json").stdout)
        assert sorted((r["submission_id"], r["case_no"]) for r in rows) == sorted(submissions)
        counts = rx.counts()
        assert counts["cases"] == counts["idempotency"] == len(submissions)


# --- CLI, keys, OpenAPI -------------------------------------------------------------------


def test_serve_with_a_given_platform_key(tmp_path):
    key = sealing.generate_private_key()
    key_file = tmp_path / "platform-key.txt"
    key_file.write_text(sealing.encode_private_key(key) + "\n")
    with running_receiver(tmp_path / "rx", extra_args=["--platform-key", str(key_file)]) as rx:
        _, public = enroll_test_terminal(rx, T)
        assert public == sealing.encode_public_key(key.public_key())
        assert not (rx.data_dir / "platform.key").exists()


def test_keygen_makes_the_key_once(tmp_path):
    rx = ReceiverProcess(tmp_path / "rx")
    made = rx.cli("keygen").stdout.strip()
    assert sealing.decode_public_key(made)
    assert (rx.data_dir / "platform.key").stat().st_mode & 0o777 == 0o600
    assert rx.platform_public_key == made
    again = rx.cli("keygen", check=False)
    assert again.returncode == 1 and "--force" in again.stderr and made in again.stderr
    assert rx.cli("keygen", "--force").stdout.strip() != made


@pytest.mark.parametrize("args, words", [
    (("terminal", "add", "bad id"), "not a terminal id"),
    (("terminal", "add", "T-1", "--expires-in", "soon"), "not a duration"),
    (("fault", "hang", "--seconds", "x"), "not a number of seconds"),
    (("fault", "hang"), "--seconds"),
    (("maintenance", "on", "--retry-after", "-1"), "0 or more"),
    (("serve", "--port", "99999"), "not a port"),
    (("serve", "--platform-key", "{tmp}/none"), "cannot read"),
    (("content", "set", "{tmp}/none.json"), "cannot read"),
    (("cases",), "no receiver data"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_arguments_exit_2_with_a_precise_message(tmp_path, capsys, args, words):
    from receiver.cli import main

    argv = ["--data", str(tmp_path / "empty"), *(a.format(tmp=tmp_path) for a in args)]
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's own refusals
        status = exc.code
    assert status == 2
    assert words in capsys.readouterr().err


def test_bad_arguments_in_a_real_process_give_no_traceback(tmp_path):
    rx = ReceiverProcess(tmp_path / "rx")
    for args in (("terminal", "add", "bad id"), ("case", "set-status", "XF1", "nope")):
        result = rx.cli(*args, check=False)
        assert result.returncode == 2 and result.stderr.strip()
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize("depth", [900, 100_000])
def test_content_set_with_deeply_nested_json_says_so(tmp_path, depth):
    doc = tmp_path / "deep.json"
    doc.write_text('{"notices": [], "categories": ' + "[" * depth + "]" * depth + "}",
                   encoding="utf-8")
    result = ReceiverProcess(tmp_path / "rx").cli("content", "set", str(doc), check=False)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and str(doc) in result.stderr
    assert "nested too deeply" in result.stderr or "not terminal content" in result.stderr


def test_openapi_document_is_up_to_date():
    committed = (ROOT / "docs" / "openapi.json").read_text(encoding="utf-8")
    assert committed == openapi_json(), "run: python -m receiver openapi > docs/openapi.json"
    doc = json.loads(committed)
    assert {paths.SUBMISSIONS, paths.ENROLLMENTS, paths.LIMITS} <= set(doc["paths"])
    assert "SubmissionRequest" in doc["components"]["schemas"]


def test_openapi_command_prints_the_document(tmp_path):
    out = ReceiverProcess(tmp_path).cli("openapi").stdout
    assert json.loads(out)["info"]["title"].startswith("kiosk-receiver")
    assert not Path(tmp_path / "receiver.db").exists()
