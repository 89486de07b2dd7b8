"""The platform's signed answers (wire/ack.py): what a signature binds, checked both by
this module's direct form and by `http-message-signatures`, and the kept document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import http_message_signatures as hms
import pytest
from http_message_signatures import algorithms

from wire import ack, signing

KEY = signing.generate_signing_key()
OTHER = signing.generate_signing_key()
REQUEST_SIGNATURE = "kiosk=:" + "Q" * 86 + "==:"
BODY = json.dumps({"submission_id": "s", "case_no": "XF2026120100001", "query_code": "ABCDEFGH",
                   "received_at": "2026-12-01T08:00:00Z"}).encode()
PATH = "/api/v1/submissions"
WHEN = datetime(2026, 12, 1, 8, tzinfo=UTC)


def signed(status: int = 201, body: bytes = BODY, extra: tuple = (), **kwargs) -> list:
    headers = [("Content-Type", "application/json"), *extra]
    added = ack.sign_answer(status, headers, body, method="POST", path=PATH,
                            request_signature=kwargs.get("request_signature", REQUEST_SIGNATURE),
                            key=kwargs.get("key", KEY), created=WHEN)
    return [*headers, *added.items()]


def verify(headers: list, status: int = 201, body: bytes = BODY, **kwargs) -> ack.Acknowledgement:
    args = {"method": "POST", "path": PATH, "request_signature": REQUEST_SIGNATURE,
            "key": KEY.public_key(), **kwargs}
    return ack.verify_answer(status, headers, body, **args)


def test_a_signed_answer_verifies_and_says_when_it_was_signed():
    kept = verify(signed())
    assert kept.created == WHEN and kept.status == 201 and kept.body == BODY
    assert kept.request_signature == REQUEST_SIGNATURE and kept.path == PATH


@pytest.mark.parametrize("change", [
    {"request_signature": "kiosk=:" + "R" * 86 + "==:"},  # the answer to another request
    {"path": "/api/v1/submissions/batch"},
    {"method": "PUT"},
    {"status": 200},
    {"body": BODY.replace(b"XF2026120100001", b"XF2026120100002")},
    {"key": OTHER.public_key()},
    {"request_signature": None},
])
def test_an_answer_is_bound_to_its_status_body_request_and_key(change):
    with pytest.raises(ack.Unverified):
        verify(signed(), **change)


def test_an_unsigned_answer_or_one_signed_by_another_key_is_refused():
    with pytest.raises(ack.Unverified, match="not signed"):
        verify([("Content-Type", "application/json")])
    with pytest.raises(ack.Unverified, match="another key"):
        verify(signed(key=OTHER))


def test_a_header_the_terminal_acts_on_added_after_signing_is_refused():
    with pytest.raises(ack.Unverified):
        verify([*signed(), ("Retry-After", "99999")])
    with pytest.raises(ack.Unverified):
        verify([("Upload-Offset", "0"), *signed()])


def test_covered_headers_are_signed_and_repeated_lines_combined():
    headers = signed(extra=(("Retry-After", "5"),))
    assert "retry-after" in ack.Acknowledgement.from_document(verify(headers).document()).headers
    # The same field value split over two lines is the same field (RFC 9421 §2.1).
    combined = signed(extra=(("ETag", '"a", "b"'),))
    split = [h for h in combined if h[0] != "ETag"] + [("ETag", '"a"'), ("ETag", '"b"')]
    assert verify(split).headers["etag"] == '"a", "b"'


def _library_message(headers, status=201):
    return SimpleNamespace(status_code=status, headers=ack._Lines(
        [(n.lower(), v) for n, v in headers]),
        request=SimpleNamespace(method="POST", url="https://platform" + PATH,
                                headers={"signature": REQUEST_SIGNATURE}))


def test_what_this_module_signs_is_what_the_library_verifies():
    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=ack._Resolver(public=KEY.public_key()))
    [result] = verifier.verify(_library_message(signed()), max_age=None, body=BODY,
                               require_components=ack._covered({"content-type": ""}, True))
    assert result.label == ack.ACK_LABEL and result.parameters["created"] == int(WHEN.timestamp())


def test_what_the_library_signs_in_another_form_is_verified_too():
    fields = {"content-type": "application/json"}
    message = SimpleNamespace(status_code=201, headers=fields, request=SimpleNamespace(
        method="POST", url="https://platform" + PATH, headers={"signature": REQUEST_SIGNATURE}))
    # Another order of the components and a nonce: not the direct form, still valid.
    hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                          key_resolver=ack._Resolver(private=KEY)).sign(
        message, key_id=ack.key_id(KEY.public_key()), label=ack.ACK_LABEL, created=WHEN,
        nonce="n" * 20, body=BODY, covered_component_ids=(
            '"signature";req', "@status", '"@path";req', '"@method";req', "content-type"))
    assert verify(list(message.headers.items())).created == WHEN
    with pytest.raises(ack.Unverified):
        verify(list(message.headers.items()), path="/api/v1/limits")


def test_a_kept_document_verifies_again_offline_and_a_tampered_one_does_not():
    document = verify(signed()).document()
    again = ack.Acknowledgement.from_document(document).verify(KEY.public_key())
    assert again.json_body()["case_no"] == "XF2026120100001" and again.created == WHEN
    forged = document.replace("XF2026120100001", "XF2026120100009")
    with pytest.raises(ack.Unverified):
        ack.Acknowledgement.from_document(forged).verify(KEY.public_key())
    with pytest.raises(ack.Unverified):
        ack.Acknowledgement.from_document(document).verify(OTHER.public_key())
    with pytest.raises(ValueError):
        ack.Acknowledgement.from_document('{"version": 1}')


def test_the_fingerprint_names_the_key():
    assert ack.fingerprint(KEY.public_key()) != ack.fingerprint(OTHER.public_key())
    assert ack.fingerprint(KEY.public_key()).startswith("SHA256:")
    assert ack.key_id(KEY.public_key()).startswith("platform-")


def test_a_body_that_is_not_utf8_is_kept_as_base64_and_still_verifies():
    body = b"\xff\xfe not text"
    document = verify(signed(body=body), body=body).document()
    assert "body_base64" in json.loads(document)["answer"]
    assert ack.Acknowledgement.from_document(document).verify(KEY.public_key()).body == body
