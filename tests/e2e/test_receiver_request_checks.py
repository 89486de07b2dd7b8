"""What a hostile client can put in a request line and its headers, against a real platform
process: the signature binds the request as routed (never the `Host` header), repeated
header lines are combined as RFC 9421 says, every malformed header is a catalogued 4xx
and never a 500, a bad signature gets one answer whatever terminal it names, and the
access log cannot be made to print a forged line."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import socket
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    prepare_signed,
    running_receiver,
    sealed_submission,
    send,
    signed_request,
    submit,
)
from wire import errors, paths, schemas, signing

T = "T-0001"


@pytest.fixture(scope="module")
def rx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("platform")) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def key(rx: ReceiverProcess):
    return enroll_test_terminal(rx, T)[0]


class RawAnswer:
    def __init__(self, raw: bytes):
        head, _, self.body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        # 0: the server closed the connection without an answer
        self.status = int(lines[0].split(" ")[1]) if raw else 0
        self.headers = {k.strip().lower(): v.strip()
                        for k, _, v in (line.partition(":") for line in lines[1:])}

    def json(self) -> dict:
        return json.loads(self.body)

    @property
    def error(self) -> str:
        return schemas.ErrorBody.model_validate(self.json()).error


def raw_exchange(rx: ReceiverProcess, method: str, target: str,
                 headers: list[tuple[str, str | bytes]], body: bytes = b"") -> RawAnswer:
    """Sends exactly these bytes (one request, `Connection: close`) and reads the answer."""
    lines = [f"{method} {target} HTTP/1.1".encode("latin-1")]
    names = {name.lower() for name, _ in headers}
    if "host" not in names:
        lines.append(f"Host: 127.0.0.1:{rx.port}".encode())
    for name, value in headers:
        lines.append(name.encode() + b": " + (value if isinstance(value, bytes)
                                              else value.encode("latin-1")))
    lines += [f"Content-Length: {len(body)}".encode(), b"Connection: close"]
    with socket.create_connection(("127.0.0.1", rx.port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return RawAnswer(data)


def signed_lines(prepared: requests.PreparedRequest) -> list[tuple[str, str]]:
    return [(k, v) for k, v in prepared.headers.items()
            if k.lower() not in ("content-length", "host", "connection")]


def signed_raw(rx: ReceiverProcess, key, method: str, target: str,
               fields: dict[str, str] | None = None, body: bytes = b"") -> list[tuple[str, str]]:
    """Header lines signing `target` exactly as written (`requests` would re-quote it)."""
    fields = dict(fields or {})
    return [*fields.items(), *signing.signature_headers(method, rx.url + target, fields, body,
                                                        T, key).items()]


# --- the signature covers the request as routed -------------------------------------------


def test_a_host_header_carrying_a_path_does_not_move_a_signature(rx, key):
    """`Host: 127.0.0.1:PORT/api/v1/limits?#` once made the verifier check /api/v1/limits
    while the router served the request line's path: a request signed for one endpoint
    was served at another."""
    signed_for = prepare_signed(rx, "GET", paths.LIMITS, T, key)
    before = rx.counts()
    answer = raw_exchange(rx, "GET", paths.case_path("ZZZZZZZZ"), [
        ("Host", f"127.0.0.1:{rx.port}{paths.LIMITS}?#"), *signed_lines(signed_for)])
    assert (answer.status, answer.error) == (401, errors.SIGNATURE_INVALID.code)
    assert rx.counts() == before
    # The same signed request at the path it was signed for is served, whatever Host says.
    fine = raw_exchange(rx, "GET", paths.LIMITS, [
        ("Host", f"elsewhere.example:1{paths.case_path('ZZZZZZZZ')}?#"),
        *signed_lines(signed_for)])
    assert fine.status == 200, fine.body
    assert schemas.Limits.model_validate(fine.json()).chunk_bytes > 0


def test_an_upload_chunk_signed_for_one_attachment_is_not_stored_under_another(rx, key):
    signed_digest = hashlib.sha256(b"the attachment the terminal meant").hexdigest()
    other_digest = hashlib.sha256(b"another attachment").hexdigest()
    chunk = b"first half"
    signed_for = prepare_signed(rx, "PUT", paths.attachment_path(signed_digest), T, key,
                                data=chunk, headers={"Upload-Offset": "0",
                                                     "Upload-Length": "100"})
    answer = raw_exchange(rx, "PUT", paths.attachment_path(other_digest), [
        ("Host", f"127.0.0.1:{rx.port}{paths.attachment_path(signed_digest)}?#"),
        *signed_lines(signed_for)], chunk)
    assert (answer.status, answer.error) == (401, errors.SIGNATURE_INVALID.code)
    for digest in (other_digest, signed_digest):
        status = signed_request(rx, "GET", paths.attachment_path(digest), T, key).json()
        assert status["received"] == 0, digest


@pytest.mark.parametrize("served", [
    "/api/v1/%6cimits",                # percent-encoded: the router serves /api/v1/limits
    "/api/v1/limits/",                 # not the path signed
    "/api/v1/limits?extra=1",          # a query the signature does not cover
])
def test_the_signature_covers_the_raw_target(rx, key, served):
    signed_for = prepare_signed(rx, "GET", paths.LIMITS, T, key)
    answer = raw_exchange(rx, "GET", served, signed_lines(signed_for))
    assert answer.status in (401, 404, 307), answer.body
    if answer.status == 401:
        assert answer.error == errors.SIGNATURE_INVALID.code


def test_a_percent_encoded_path_is_verified_as_sent_and_served_decoded(rx, key):
    """The terminal's signature covers the path as it sent it, percent-encoding and all;
    the router serves that path decoded, and nothing else."""
    path = "/api/v1/%6cimits"
    answer = raw_exchange(rx, "GET", path, signed_raw(rx, key, "GET", path))
    assert answer.status == 200, answer.body
    assert "chunk_bytes" in answer.json()


def test_repeated_header_lines_are_combined_as_rfc_9421_says(rx, key):
    """RFC 9421 §2.1: the value of a field sent on several lines is the lines' values
    joined by ", " in order. A line added after signing changes the value signed."""
    digest = hashlib.sha256(b"x").hexdigest()
    signed_for = prepare_signed(rx, "PUT", paths.attachment_path(digest), T, key, data=b"x",
                                headers={"Upload-Offset": "0", "Upload-Length": "1"})
    added = raw_exchange(rx, "PUT", paths.attachment_path(digest),
                         [*signed_lines(signed_for), ("Upload-Offset", "5")], b"x")
    assert (added.status, added.error) == (401, errors.SIGNATURE_INVALID.code)

    # Signed over the combined value, the lines are the one value "0, 5": not an offset.
    split = prepare_signed(rx, "PUT", paths.attachment_path(digest), T, key, data=b"x",
                           headers={"Upload-Offset": "0, 5", "Upload-Length": "1"})
    lines = [(k, v) for k, v in signed_lines(split) if k.lower() != "upload-offset"]
    answer = raw_exchange(rx, "PUT", paths.attachment_path(digest),
                          [("Upload-Offset", "0"), *lines, ("Upload-Offset", " 5 ")], b"x")
    assert (answer.status, answer.error) == (400, errors.BAD_REQUEST.code), answer.body

    # Signature-Input on two lines is one dictionary (RFC 8941 §3.2), as the library reads it.
    fine = prepare_signed(rx, "GET", paths.LIMITS, T, key)
    sig_input = fine.headers["Signature-Input"]
    cut = sig_input.index(";keyid=")
    answer = raw_exchange(rx, "GET", paths.LIMITS, [
        *[(k, v) for k, v in signed_lines(fine) if k.lower() != "signature-input"],
        ("Signature-Input", sig_input[:cut])])
    assert answer.status == 401  # a part of the parameters alone does not verify


# --- timestamps ---------------------------------------------------------------------------


@pytest.mark.parametrize("created, expires, code", [
    ("99999999999999", None, errors.SIGNATURE_STALE),
    ("999999999999999", None, errors.SIGNATURE_STALE),
    ("-999999999999999", None, errors.SIGNATURE_STALE),
    ("-1", None, errors.SIGNATURE_STALE),
    ("0", None, errors.SIGNATURE_STALE),
    ("1.5", None, errors.SIGNATURE_INVALID),
    ('"1700000000"', None, errors.SIGNATURE_INVALID),
    ("1" * 40, None, errors.SIGNATURE_INVALID),
    ("NOW", "1", errors.SIGNATURE_STALE),
    ("NOW", "LATER", None),
    ("NOW", "999999999999999", errors.SIGNATURE_INVALID),
    ("NOW", "-999999999999999", errors.SIGNATURE_INVALID),
    ("NOW", "x", errors.SIGNATURE_INVALID),
])
def test_timestamps_out_of_range_are_401_never_500(rx, key, created, expires, code):
    """Signed correctly with the terminal's own key: only the timestamps are wrong."""
    now = int(time.time())
    created = created.replace("NOW", str(now))
    expires = expires and expires.replace("LATER", str(now + 60)).replace("NOW", str(now))
    prepared = prepare_signed(rx, "GET", paths.LIMITS, T, key)
    nonce = prepared.headers["Signature-Input"].rsplit('nonce="', 1)[1].rstrip('"')
    params = (f'("@method" "@path" "@query" "content-digest");created={created}'
              + (f";expires={expires}" if expires is not None else "")
              + f';keyid="{T}";alg="ed25519";nonce="{nonce}"')
    base = (f'"@method": GET\n"@path": {paths.LIMITS}\n"@query": ?\n'
            f'"content-digest": {signing.content_digest(b"")}\n"@signature-params": {params}')
    prepared.headers["Signature-Input"] = f"kiosk={params}"
    prepared.headers["Signature"] = f"kiosk=:{base64.b64encode(key.sign(base.encode())).decode()}:"
    answer = send(prepared)
    if code is None:
        assert answer.status_code == 200, answer.text
    else:
        assert (answer.status_code, answer.json()["error"]) == (code.status, code.code), \
            answer.text


# --- malformed headers: a catalogued 4xx, never a 500 -------------------------------------


def _chunk_with(rx, key, offset: bytes, length: bytes) -> RawAnswer:
    """A chunk whose Upload-Offset / Upload-Length lines are these bytes, signed over them
    as the platform reads them (the Latin-1 text of the bytes, RFC 9110 §5.5)."""
    target = paths.attachment_path(hashlib.sha256(b"x").hexdigest())
    fields = {"Upload-Offset": offset.decode("latin-1"), "Upload-Length": length.decode("latin-1")}
    lines = [(k, v) for k, v in signed_raw(rx, key, "PUT", target, fields, b"x")
             if k not in fields]
    return raw_exchange(rx, "PUT", target, [*lines, ("Upload-Offset", offset),
                                            ("Upload-Length", length)], b"x")


@pytest.mark.parametrize("offset, length", [
    ("\u00b2".encode("latin-1"), b"1"),      # superscript two: str.isdigit() says yes
    (b"0", "\u00b9".encode("latin-1")),
    ("٣".encode(), b"1"),                     # Arabic-Indic three, as UTF-8 bytes
    (b"-1", b"1"),
    (b"0", b"-1"),
    (b"9" * 40, b"1"),
    (b"0", b"9" * 40),
    (b"99999999999999999999", b"99999999999999999999"),
    (b"+0", b"1"),
    (b"0x0", b"1"),
    (b"0_0", b"1"),
    (b"1e3", b"1"),
])
def test_a_malformed_upload_header_is_400(rx, key, offset, length):
    answer = _chunk_with(rx, key, offset, length)
    assert (answer.status, answer.error) == (400, errors.BAD_REQUEST.code), answer.body


@pytest.mark.parametrize("digit", ["０", "٠"])
def test_digits_that_no_signature_covers(rx, key, digit):
    """A fullwidth zero as UTF-8 carries a C1 control byte in its Latin-1 text, an
    Arabic-Indic zero a no-break space: no signature covers them (RFC 9421 §2.5), so the
    request is refused before its headers are read (int() would read both as 0)."""
    with pytest.raises(ValueError):
        _chunk_with(rx, key, digit.encode(), b"1")
    target = paths.attachment_path(hashlib.sha256(b"x").hexdigest())
    lines = [(k, v) for k, v in signed_raw(rx, key, "PUT", target,
                                           {"Upload-Offset": "0", "Upload-Length": "1"}, b"x")
             if k != "Upload-Offset"]
    answer = raw_exchange(rx, "PUT", target, [*lines, ("Upload-Offset", digit.encode())], b"x")
    assert (answer.status, answer.error) == (401, errors.SIGNATURE_INVALID.code)
    assert signed_request(rx, "GET", target, T, key).json()["received"] == 0


_HEADER_TEXT = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=80),
    st.sampled_from(["", "sha-256=:", "kiosk=", "kiosk=()", 'kiosk=("@path");created=',
                     "kiosk=:AAAA:", "sha-512=:" + "A" * 86 + "==:", "\u00b2", "1e9",
                     'kiosk=("@method");created=1;keyid="T-0001";nonce="' + "n" * 20 + '"',
                     "kiosk=:" + "A" * 86 + "==:", ';keyid="T-0001"', "a, b", "0" * 30,
                     'kiosk=("@path";key="x");created=1;keyid="T-0001"', "W/\"x\"",
                     "sha-256=:" + "A" * 43 + "=:, sha-256=:" + "B" * 43 + "=:"]))
_READ = ("signature", "signature-input", "content-digest", "upload-offset", "upload-length",
         "idempotency-key", "if-none-match", "host")
_TARGETS = {
    "limits": ("GET", paths.LIMITS, b"", {}),
    "chunk": ("PUT", paths.attachment_path(hashlib.sha256(b"x").hexdigest()), b"x",
              {"Upload-Offset": "0", "Upload-Length": "1"}),
    "submission": ("POST", paths.SUBMISSIONS, b"{}", {"Idempotency-Key": "k"}),
    "content": ("GET", paths.content_path(T), b"", {}),
    "heartbeat": ("POST", paths.heartbeat_path(T), b"{}", {}),
}


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(_READ), value=_HEADER_TEXT, target=st.sampled_from(list(_TARGETS)),
       signed_over=st.booleans())
def test_fuzzed_headers_never_give_500(rx, key, name, value, target, signed_over):
    """Any value of a header the platform reads, on a request otherwise signed right (and,
    where the value can be signed, signed over it): a catalogued 4xx at its status, or
    the HTTP parser's own 400, never a 500."""
    method, path, body, fields = _TARGETS[target]
    fields = dict(fields)
    if signed_over and name in ("upload-offset", "upload-length", "idempotency-key") \
            and value.isprintable():
        fields = {k: v for k, v in fields.items() if k.lower() != name} | {name: value}
    lines = [(k, v) for k, v in signed_raw(rx, key, method, path, fields, body)
             if k.lower() != name]
    answer = raw_exchange(rx, method, path, [*lines, (name, value.encode("latin-1"))], body)
    assert answer.status == 0 or 200 <= answer.status < 500, (name, value, answer.body)
    if answer.status >= 400 and answer.headers.get("content-type") == "application/json":
        code = errors.lookup(answer.error)
        assert code is not None and code.status == answer.status, answer.body


# --- one answer for every bad signature ---------------------------------------------------


def test_a_bad_signature_gets_one_answer_whatever_terminal_it_names(rx, key):
    """No enumeration oracle: an enrolled and an unknown terminal id with the same bad
    signature get the same status, the same body, the same code."""
    stranger = signing.generate_signing_key()
    answers = []
    for terminal_id in (T, "T-NOBODY", "T-0001x"):
        for how in ("wrong key", "garbage", "tampered"):
            prepared = prepare_signed(rx, "GET", paths.LIMITS, terminal_id, stranger
                                      if how == "wrong key" else key)
            if how == "garbage":
                prepared.headers["Signature"] = "kiosk=:" + "A" * 86 + "==:"
            if how == "tampered":
                prepared.headers["Content-Digest"] = signing.content_digest(b"other")
            answer = send(prepared)
            answers.append((how, answer.status_code, answer.content))
    by_how: dict[str, set[tuple[int, bytes]]] = {}
    for how, status, content in answers:
        by_how.setdefault(how, set()).add((status, content))
    for how, seen in by_how.items():
        assert len(seen) == 1, (how, seen)
        [(status, content)] = seen
        assert (status, json.loads(content)["error"]) == (401, errors.SIGNATURE_INVALID.code)
    # The wrong key and garbage read the same too: nothing tells them apart.
    assert by_how["wrong key"] == by_how["garbage"]


def test_a_revoked_terminal_that_proves_its_key_learns_it_is_revoked(rx):
    revoked_key, _ = enroll_test_terminal(rx, "T-GONE")
    rx.cli("terminal", "revoke", "T-GONE")
    answer = signed_request(rx, "GET", paths.LIMITS, "T-GONE", revoked_key)
    assert (answer.status_code, answer.json()["error"]) == (403, errors.TERMINAL_UNKNOWN.code)
    forged = signed_request(rx, "GET", paths.LIMITS, "T-GONE", signing.generate_signing_key())
    assert (forged.status_code, forged.json()["error"]) == (401,
                                                            errors.SIGNATURE_INVALID.code)


# --- the access log -----------------------------------------------------------------------


def _settled_mark(rx: ReceiverProcess) -> int:
    """Where the log stands once an earlier request's line, written after its answer, is in."""
    seen = -1
    while seen != len(rx.output):
        seen = len(rx.output)
        time.sleep(0.2)
    return seen


def _log_lines_since(rx: ReceiverProcess, mark: int) -> list[str]:
    time.sleep(0.3)
    return rx.output[mark:]


@pytest.mark.parametrize("target, shown", [
    ("/api/v1/limits%0d%0a2026-12-01%2000:00:00,000%20INFO%20receiver.access:%20GET%20/api/v1/"
     "forged%20200", r"/api/v1/limits\r\n2026-12-01 00:00:00,000 INFO"),
    ("/api/v1/%0aforged%0d", r"/api/v1/\nforged\r 404"),
    ("/api/v1/x%00y%1b%5b31m%7f", r"/api/v1/x\x00y\x1b[31m\x7f 404"),
    ("/api/v1/%e2%80%a8forged%c2%85", r"/api/v1/\u2028forged\x85 404"),
    ("/api/v1/back%5cslash%5cn", r"/api/v1/back\\slash\\n 404"),
])
def test_the_access_log_escapes_what_it_prints(rx, target, shown):
    mark = _settled_mark(rx)
    answer = raw_exchange(rx, "GET", target, [])
    assert (answer.status, answer.error) == (404, errors.NOT_FOUND.code)
    lines = _log_lines_since(rx, mark)
    access = [line for line in lines if "receiver.access" in line]
    assert len(access) == 1, lines  # the forged "line" is inside the one real line
    assert not any(line.startswith("2026-12-01 00:00:00") for line in lines), lines
    assert access[0].isprintable() and access[0].isascii(), access[0]
    assert f": GET {shown}" in access[0], access[0]
    assert re.search(r" 404 [0-9.]+ ms$", access[0]), access[0]


def test_a_masked_query_code_stays_masked_when_percent_encoded(rx, key):
    code = "ABCDEFGH"
    target = "/api/v1/%63ases/" + code
    mark = _settled_mark(rx)
    answer = raw_exchange(rx, "GET", target, signed_raw(rx, key, "GET", target))
    assert (answer.status, answer.error) == (404, errors.CASE_UNKNOWN.code)
    log = "\n".join(_log_lines_since(rx, mark))
    assert "/api/v1/cases/AB***" in log and code not in log


def test_a_stale_signature_still_works_with_the_platforms_clock(rx, key):
    """The window is the platform's: a terminal signing 10 minutes late is told so."""
    answer = signed_request(rx, "GET", paths.LIMITS, T, key,
                            now=datetime.now(UTC) - timedelta(minutes=10))
    assert (answer.status_code, answer.json()["error"]) == (401, errors.SIGNATURE_STALE.code)
    assert "date" in {k.lower() for k in answer.headers}


def test_an_idempotency_key_in_the_drafts_structured_syntax_is_the_same_key(rx, key):
    """The IETF Idempotency-Key draft writes the key as a Structured Field String
    (`"8e03978e-…"`): it names the same submission as the bare id the terminal sends."""
    pub = rx.platform_public_key
    req = sealed_submission(pub, T)
    quoted = submit(rx, T, key, req, idempotency_key=f'"{req.submission_id}"')
    assert quoted.status_code == 201, quoted.text
    bare = submit(rx, T, key, req)
    assert (bare.status_code, bare.json()) == (201, quoted.json())
    escaped = submit(rx, T, key, req, idempotency_key='"' + req.submission_id[:-1] + '\\"')
    assert (escaped.status_code, escaped.json()["error"]) == (
        400, errors.IDEMPOTENCY_KEY_MISMATCH.code)
    assert rx.counts()["cases"] == 1
