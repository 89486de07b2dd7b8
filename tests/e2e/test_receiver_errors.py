"""Every refusal a running platform can be made to give, provoked over real HTTP: each
answers a code of the wire catalogue (`wire.errors`), at the status the catalogue gives,
and is listed for its endpoint in the API document."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from receiver.cli import openapi_json
from receiver.limits import LIMITS, max_body
from tests.support import raw_http
from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    prepare_signed,
    put_chunk,
    running_receiver,
    seal_attachment,
    sealed_submission,
    send,
    signed_request,
    submit,
    upload,
    with_receipt,
)
from wire import errors, paths, schemas, signing

T, OTHER = "T-0001", "T-0002"
# Never answered by a platform that works: a parameter FastAPI fails to validate (every
# parameter is a plain string), a crash, and framework refusals other than 404 and 405.
UNPROVOKABLE = {errors.INVALID_REQUEST.code, errors.INTERNAL_ERROR.code, errors.HTTP_ERROR.code}
Provoke = Callable[[ReceiverProcess, "Terminal"], list[requests.Response] | requests.Response]


class Terminal:
    def __init__(self, rx: ReceiverProcess):
        self.key, self.pub = enroll_test_terminal(rx, T)
        self.other_key, _ = enroll_test_terminal(rx, OTHER)


@pytest.fixture(scope="module")
def rx(tmp_path_factory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("platform")) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def term(rx) -> Terminal:
    return Terminal(rx)


def _batch(rx, t: Terminal, reqs: list[schemas.SubmissionRequest]) -> requests.Response:
    return signed_request(rx, "POST", paths.SUBMISSION_BATCHES, T, t.key,
                          json_body=schemas.SubmissionBatch(submissions=reqs))


def _replayed(rx, t):
    prepared = prepare_signed(rx, "GET", paths.LIMITS, T, t.key)
    first = send(prepared.copy())
    assert first.status_code == 200
    return send(prepared)


def _forged(rx, t):
    prepared = prepare_signed(rx, "GET", paths.LIMITS, T, t.key)
    prepared.headers["Signature"] = prepared.headers["Signature"][:-6] + "AAAAA="
    return send(prepared)


def _reused(rx, t):
    req = sealed_submission(t.pub, T)
    assert submit(rx, T, t.key, req).status_code == 201
    return submit(rx, T, t.key, req.model_copy(update={"receipt_no": "2026112699"}))


def _size_mismatch(rx, t):
    sid = str(uuid.uuid4())
    sealed, ref = seal_attachment(t.pub, sid, os.urandom(900))
    upload(rx, T, t.key, sealed)
    return submit(rx, T, t.key, sealed_submission(
        t.pub, T, submission_id=sid, attachments=[ref.model_copy(update={"size": ref.size + 1})]))


def _missing(rx, t):
    sid = str(uuid.uuid4())
    _, ref = seal_attachment(t.pub, sid, os.urandom(900))
    return submit(rx, T, t.key, sealed_submission(t.pub, T, submission_id=sid, attachments=[ref]))


def _inline_not_listed(rx, t):
    req = sealed_submission(t.pub, T).model_copy(update={"inline": [
        schemas.InlineAttachment(sealed_digest="ab" * 32, data="AAAA")]})
    return submit(rx, T, t.key, req)


def _too_many_attachments(rx, t):
    refs = [schemas.AttachmentRef(sealed_digest=f"{n:064x}", size=1, role="evidence",
                                  media_type="image/jpeg") for n in range(51)]
    return submit(rx, T, t.key, sealed_submission(t.pub, T, attachments=refs))


def _twice_in_a_batch(rx, t):
    req = sealed_submission(t.pub, T)
    return _batch(rx, t, [req, req])


def _duplicate_key(rx, t):
    req = sealed_submission(t.pub, T)
    body = req.model_dump_json().replace('{"submission_id"', '{"kind":"review","submission_id"',
                                         1)
    return signed_request(rx, "POST", paths.SUBMISSIONS, T, t.key, json_body=body.encode(),
                          headers={"Idempotency-Key": req.submission_id})


def _followup(rx, t, *, submission_id=None, query_code=None, service="terminal"):
    req = schemas.FollowUpRequest(
        followup_id=str(uuid.uuid4()), terminal_id=T, kind="evaluation",
        submission_id=submission_id, query_code=query_code, created_at=datetime.now(UTC),
        evaluation=schemas.Evaluation(service=service, level="satisfied"))
    return signed_request(rx, "POST", paths.FOLLOWUPS, T, t.key, json_body=req,
                          headers={"Idempotency-Key": req.followup_id})


def _delivered(rx, t) -> str:
    req = sealed_submission(t.pub, T)
    assert submit(rx, T, t.key, req).status_code == 201
    return req.submission_id


def _already_evaluated(rx, t):
    sid = _delivered(rx, t)
    assert _followup(rx, t, submission_id=sid).status_code == 201
    return _followup(rx, t, submission_id=sid)


def _case_query(rx, t, last4, code="ZZZZ2222"):
    return signed_request(rx, "POST", paths.CASE_QUERIES, T, t.key, json_body=json.dumps(
        {"query_code": code, "phone_last4": last4}).encode())


def _case_query_limited(rx, t):
    for last4 in ("0000", "1111", "2222", "3333", "4444"):
        assert _case_query(rx, t, last4, "YYYY3333").status_code == 404
    return _case_query(rx, t, "5555", "YYYY3333")


def _agent_code(rx, t, code="12345671"):
    return signed_request(rx, "POST", paths.AGENT_BINDINGS, OTHER, t.other_key,
                          json_body=json.dumps({"code": code}).encode())


def _agent_code_limited(rx, t):
    for _ in range(4):  # the refusal of the case above was the first of five
        assert _agent_code(rx, t).status_code == 403
    return _agent_code(rx, t)


def _taken(rx, t):
    digest = hashlib.sha256(b"someone else's").hexdigest()
    assert put_chunk(rx, T, t.key, digest, 0, 15, b"some").status_code == 200
    return put_chunk(rx, OTHER, t.other_key, digest, 4, 15, b"one else's")


def _maintenance(rx, t):
    rx.cli("maintenance", "on", "--retry-after", "1")
    try:
        return signed_request(rx, "GET", paths.LIMITS, T, t.key)
    finally:
        rx.cli("maintenance", "off")


def _busy(rx, t):
    """A platform of its own whose body budget (the smallest there can be) one large body
    coming slowly holds: another body waits its 0.5 s and is answered `503 busy`. Both
    are signed by a terminal of that platform: a forged one is refused on its headers."""
    budget_mib = -(-max_body(LIMITS) // raw_http.MiB)
    with tempfile.TemporaryDirectory() as tmp, running_receiver(Path(tmp), extra_args=(
            "--body-budget", str(budget_mib), "--body-wait", "0.5")) as small, \
            raw_http.connect(small.port) as holder:
        key = enroll_test_terminal(small, T)[0]
        upload = paths.attachment_path(ONE)
        headers = signing.signature_headers("PUT", small.url + upload, {},
                                            b"x" * max_body(LIMITS), T, key)
        holder.sendall(raw_http.request_head("PUT", upload, headers,
                                             content_length=max_body(LIMITS)) + b"x" * 1000)
        return put_chunk(small, T, key, ONE, 0, raw_http.MiB, b"x" * raw_http.MiB)


def _heartbeat(rx, t, terminal_id=T, body=None):
    beat = body if body is not None else schemas.Heartbeat(
        version="0.1.0", queue_depth=0, oldest_queued_age_seconds=None, needs_attention=0,
        at=datetime.now(UTC))
    return signed_request(rx, "POST", paths.heartbeat_path(terminal_id), T, t.key,
                          json_body=beat)


def _enroll(rx, body):
    return requests.post(rx.url + paths.ENROLLMENTS, data=body, timeout=10,
                         headers={"Content-Type": "application/json"})


def _revoked(rx, t):
    """A revoked terminal signing with its own key; an unknown one gets `signature_invalid`,
    as any bad signature does."""
    key, _ = enroll_test_terminal(rx, "T-REVOKED")
    rx.cli("terminal", "revoke", "T-REVOKED")
    return signed_request(rx, "GET", paths.LIMITS, "T-REVOKED", key)


ONE = "ab" * 32
# (route as documented: method, path; or None), code expected, how to provoke it
CASES: list[tuple[tuple[str, str] | None, str, Provoke]] = [
    (None, "not_found", lambda rx, t: requests.get(rx.url + "/api/v1/nothing", timeout=10)),
    (None, "method_not_allowed",
     lambda rx, t: requests.delete(rx.url + paths.LIMITS, timeout=10)),
    (("get", paths.LIMITS), "unsigned",
     lambda rx, t: requests.get(rx.url + paths.LIMITS, timeout=10)),
    (("get", paths.LIMITS), "signature_invalid", _forged),
    (("get", paths.LIMITS), "signature_stale", lambda rx, t: signed_request(
        rx, "GET", paths.LIMITS, T, t.key, now=datetime.now(UTC) - timedelta(minutes=10))),
    (("get", paths.LIMITS), "signature_replayed", _replayed),
    (("put", paths.attachment_path("{sealed_digest}")), "busy", _busy),
    (("get", paths.LIMITS), "terminal_unknown", _revoked),
    (("get", paths.LIMITS), "maintenance", _maintenance),
    (("post", paths.heartbeat_path("{terminal_id}")), "terminal_mismatch",
     lambda rx, t: _heartbeat(rx, t, OTHER)),
    (("post", paths.heartbeat_path("{terminal_id}")), "invalid_body",
     lambda rx, t: _heartbeat(rx, t, body={"version": 1})),
    (("post", paths.ENROLLMENTS), "enrollment_refused", lambda rx, t: _enroll(rx, json.dumps({
        "terminal_id": "T-NOBODY", "code": "ABCD-EFGH-JKMN",
        "signing_public_key": signing.encode_signing_public_key(
            signing.generate_signing_key().public_key())}))),
    (("post", paths.ENROLLMENTS), "invalid_body", lambda rx, t: _enroll(rx, b"{")),
    (("get", paths.attachment_path("{sealed_digest}")), "bad_request", lambda rx, t:
     signed_request(rx, "GET", paths.attachment_path("XYZ"), T, t.key)),
    (("put", paths.attachment_path("{sealed_digest}")), "too_large", lambda rx, t:
     put_chunk(rx, T, t.key, ONE, 0, 64 * 1024 * 1024, b"x")),
    (("put", paths.attachment_path("{sealed_digest}")), "upload_offset_mismatch", lambda rx, t:
     put_chunk(rx, T, t.key, hashlib.sha256(b"fresh").hexdigest(), 3, 5, b"sh")),
    (("put", paths.attachment_path("{sealed_digest}")), "digest_mismatch", lambda rx, t:
     put_chunk(rx, T, t.key, ONE, 0, 3, b"abc")),
    (("put", paths.attachment_path("{sealed_digest}")), "upload_taken", _taken),
    (("post", paths.SUBMISSIONS), "idempotency_key_missing", lambda rx, t: signed_request(
        rx, "POST", paths.SUBMISSIONS, T, t.key, json_body=sealed_submission(t.pub, T))),
    (("post", paths.SUBMISSIONS), "idempotency_key_mismatch", lambda rx, t: submit(
        rx, T, t.key, sealed_submission(t.pub, T), idempotency_key=str(uuid.uuid4()))),
    (("post", paths.SUBMISSIONS), "idempotency_key_reused", _reused),
    (("post", paths.SUBMISSIONS), "attachments_missing", _missing),
    (("post", paths.SUBMISSIONS), "attachment_size_mismatch", _size_mismatch),
    (("post", paths.SUBMISSIONS), "attachments_mismatch", lambda rx, t: submit(
        rx, T, t.key, sealed_submission(t.pub, T, document={"attachments": [{}]}))),
    (("post", paths.SUBMISSIONS), "too_many_attachments", _too_many_attachments),
    (("post", paths.SUBMISSIONS), "inline_invalid", _inline_not_listed),
    (("post", paths.SUBMISSIONS), "envelope_invalid", lambda rx, t: submit(
        rx, T, t.key, sealed_submission(t.pub, T).model_copy(update={"envelope": "%%%"}))),
    (("post", paths.SUBMISSIONS), "envelope_mismatch", lambda rx, t: submit(
        rx, T, t.key, sealed_submission(t.pub, T, document={"kind": "review"}))),
    (("post", paths.SUBMISSIONS), "receipt_mismatch", lambda rx, t: submit(
        rx, T, t.key, with_receipt(sealed_submission(t.pub, T), t.key,
                                   receipt_no="9999999999"))),
    (("post", paths.SUBMISSIONS), "in_progress", _twice_in_a_batch),
    (("post", paths.SUBMISSIONS), "duplicate_key", _duplicate_key),
    (("post", paths.heartbeat_path("{terminal_id}")), "duplicate_key",
     lambda rx, t: signed_request(rx, "POST", paths.heartbeat_path(T), T, t.key,
                                  json_body=b'{"version":"1","version":"2"}')),
    (("post", paths.SUBMISSION_BATCHES), "too_many_submissions", lambda rx, t: _batch(
        rx, t, [sealed_submission(t.pub, T) for _ in range(33)])),
    (("get", paths.case_path("{query_code}")), "case_unknown", lambda rx, t: signed_request(
        rx, "GET", paths.case_path("ZZZZZZZZ"), T, t.key)),
    (("post", paths.CASE_QUERIES), "case_unknown", lambda rx, t: _case_query(rx, t, "2222")),
    (("post", paths.CASE_QUERIES), "case_query_limited", _case_query_limited),
    (("post", paths.FOLLOWUPS), "followup_case_unknown", lambda rx, t: _followup(
        rx, t, submission_id=str(uuid.uuid4()))),
    (("post", paths.FOLLOWUPS), "followup_invalid", lambda rx, t: _followup(rx, t)),
    (("post", paths.FOLLOWUPS), "followup_invalid", lambda rx, t: _followup(
        rx, t, submission_id=_delivered(rx, t), service="case")),
    (("post", paths.FOLLOWUPS), "already_evaluated", _already_evaluated),
    (("post", paths.AGENT_BINDINGS), "agent_code_refused", _agent_code),
    (("post", paths.AGENT_BINDINGS), "agent_code_limited", _agent_code_limited),
    (("post", paths.CARRY_FILES), "carry_refused", lambda rx, t: signed_request(
        rx, "POST", paths.CARRY_FILES, T, t.key, data=b"not a carry file",
        headers={"Content-Type": "application/x-tar"})),
]


def error_bodies(answer: requests.Response) -> list[tuple[int, dict]]:
    """(status, ErrorBody JSON) of an answer, or of each refused item of a batch's answer."""
    if answer.status_code == 200 and "results" in answer.json():
        results = schemas.SubmissionBatchResults.model_validate(answer.json()).results
        return [(r.status, r.error.model_dump()) for r in results if r.error is not None]
    return [(answer.status_code, answer.json())]


def documented(route: tuple[str, str], status: int) -> set[str]:
    method, path = route
    response = DOC["paths"][path][method]["responses"].get(str(status), {})
    return set(re.findall(r"`([a-z_]+)`: ", response.get("description", "")))


DOC = json.loads(openapi_json())


def test_every_refusal_is_a_catalogue_entry_at_its_status_and_documented(rx, term):
    provoked: set[str] = set()
    for route, expected, provoke in CASES:
        answer = provoke(rx, term)
        found = error_bodies(answer)
        assert found, (expected, answer.status_code, answer.text)
        for status, body in found:
            body = schemas.ErrorBody.model_validate(body).model_dump()
            entry = errors.lookup(body["error"])
            assert entry is not None, body
            assert status == entry.status, (expected, status, body)
            if route is not None:
                assert entry.code in documented(route, status), (route, entry.code)
            provoked.add(entry.code)
        assert expected in {b["error"] for _, b in found}, (expected, found)
    assert provoked == set(errors.CATALOGUE) - UNPROVOKABLE


def test_hostile_agent_bindings_get_a_4xx_never_a_500(rx, term):
    """The agents' endpoint with what no terminal sends: not JSON, the wrong shape, a code of
    letters, too long, a number for the code, an empty body: each a catalogued 4xx."""
    bodies = [b"\xff\xfe not json", b"[]", b'{"code": 12345671}', b'{"code": "ABCDEFGH"}',
              json.dumps({"code": "1" * 5000}).encode(), b"", b'{"code": "12345671", "x": 1}']
    for body in bodies:
        answer = signed_request(rx, "POST", paths.AGENT_BINDINGS, OTHER, term.other_key,
                                json_body=body)
        assert 400 <= answer.status_code < 500, (body[:40], answer.status_code, answer.text)
        error = schemas.ErrorBody.model_validate(answer.json()).model_dump()["error"]
        assert errors.lookup(error) is not None, (body[:40], answer.text)
