"""Request signing in-process: the exact headers the terminal sends, the key encodings,
the fast path's own verdict on the terminal's canonical form, and the general verifier
on every other form a valid (or invalid) RFC 9421 signature may take.

Non-canonical signatures are built here by hand (the RFC 9421 signature base is a few
plain lines) or with `http-message-signatures` directly, never through the code under
test, so the verifier is checked against an independent signer."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from datetime import UTC, datetime, timedelta

import http_message_signatures as hms
import pytest
import requests

from wire import signing

NOW = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)
NOW_TS = int(NOW.timestamp())
NONCE = "n0nce-of-twenty-chars"
BODY = b'{"petition": "x"}'
URL = "https://platform.example/api/v1/submissions/ab?x=%20y&z=1"
PATH, QUERY = "/api/v1/submissions/ab", "x=%20y&z=1"


@pytest.fixture
def key():
    return signing.generate_signing_key()


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _sha512_digest(body: bytes) -> str:
    return f"sha-512=:{_b64(hashlib.sha512(body).digest())}:"


def _hand_signed(key, params: str, *, method: str = "POST", path: str = PATH,
                 query: str = QUERY, body: bytes = BODY, digest: str | None = None,
                 covered: tuple[str, ...] = ("@method", "@path", "@query", "content-digest"),
                 headers: tuple[tuple[str, str], ...] = (), label: str = "kiosk",
                 sign_params: str | None = None) -> signing.ReceivedRequest:
    """A request signed over a hand-built RFC 9421 base with `params` as its
    signature parameters (`sign_params`, if given, is what is actually signed)."""
    digest = digest or signing.content_digest(body)
    fields = {name.lower(): value for name, value in headers}
    fields["content-digest"] = digest
    values = {"@method": method, "@path": path, "@query": "?" + query,
              "@request-target": path + (f"?{query}" if query else "")}
    inner = " ".join(f'"{c}"' for c in covered)
    lines = [f'"{c}": {values[c] if c.startswith("@") else fields[c]}' for c in covered]
    lines.append(f'"@signature-params": ({inner}){sign_params or params}')
    signature = key.sign("\n".join(lines).encode())
    return signing.ReceivedRequest(method, path, query, signing.FieldLines([
        *headers, ("Content-Digest", digest),
        ("Signature-Input", f"{label}=({inner}){params}"),
        ("Signature", f"{label}=:{_b64(signature)}:")]))


CANONICAL = f';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce="{NONCE}"'


# --- keys -------------------------------------------------------------------------------


def test_a_public_key_round_trips_as_44_characters_of_base64(key):
    text = signing.encode_signing_public_key(key.public_key())
    assert len(text) == 44 and base64.b64decode(text, validate=True) == \
        key.public_key().public_bytes_raw()
    decoded = signing.decode_signing_public_key(f"  {text}\n")
    assert decoded.public_bytes_raw() == key.public_key().public_bytes_raw()


def test_a_private_key_round_trips_as_44_characters_of_base64(key):
    text = signing.encode_signing_private_key(key)
    assert len(text) == 44 and base64.b64decode(text, validate=True) == key.private_bytes_raw()
    decoded = signing.decode_signing_private_key(f"\t{text} \n")
    assert decoded.private_bytes_raw() == key.private_bytes_raw()
    message = b"signed by the decoded key"
    key.public_key().verify(decoded.sign(message), message)


@pytest.mark.parametrize("decode, what", [
    (signing.decode_signing_public_key, "public"),
    (signing.decode_signing_private_key, "private"),
])
def test_a_bad_key_text_is_refused_with_the_same_words(key, decode, what):
    good = signing.encode_signing_public_key(key.public_key())
    bad = {
        "not base64": (good[:20] + "*" + good[20:], binascii.Error),  # skipped unless validated
        "31 bytes": (_b64(bytes(31)), ValueError),
        "33 bytes": (_b64(bytes(33)), ValueError),
        "empty": ("", ValueError),
        "padding missing": (good.rstrip("="), binascii.Error),
    }
    for case, (text, cause) in bad.items():
        with pytest.raises(ValueError) as refused:
            decode(text)
        assert str(refused.value) == f"not a base64 Ed25519 {what} key of 32 bytes", case
        assert isinstance(refused.value.__cause__, cause), case


# --- the terminal's signature -----------------------------------------------------------


def _prepared(body, headers=None, method="post", url=URL) -> requests.PreparedRequest:
    return requests.Request(method, url, data=body, headers=headers or {}).prepare()


def test_sign_request_adds_exactly_the_canonical_headers(key):
    request = _prepared(BODY, {"Idempotency-Key": "idem-1 ", "X-Other": "left out"})
    signing.sign_request(request, "T-0001", key, NOW)
    assert request.headers["Content-Digest"] == \
        f"sha-256=:{_b64(hashlib.sha256(BODY).digest())}:"
    params = re.fullmatch(
        r'kiosk=\("@method" "@path" "@query" "content-digest" "idempotency-key"\)'
        rf';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce="([A-Za-z0-9_-]{{24}})"',
        request.headers["Signature-Input"])
    assert params is not None, request.headers["Signature-Input"]
    assert re.fullmatch(r"kiosk=:[A-Za-z0-9+/]{86}==:", request.headers["Signature"])
    assert request.headers["X-Other"] == "left out"

    received = signing.ReceivedRequest.of_url("POST", request.url, request.headers)
    verified = signing.verify_request(received, BODY, {"T-0001": key.public_key()}.get, NOW)
    assert verified == signing.VerifiedRequest("T-0001", params.group(1), NOW,
                                               request.headers["Content-Digest"])


def test_the_same_inputs_sign_alike_by_hand_and_by_the_library(key):
    """Ed25519 is deterministic: the library's headers and ours are equal byte for byte."""
    headers = {"Upload-Offset": "0", "Upload-Length": "5", "Idempotency-Key": "k"}
    by_library = _prepared(b"chunk", headers, "patch")
    signing.sign_request_with_library(by_library, "T-0001", key, NOW, NONCE)
    ours = signing.signature_headers("PATCH", URL, headers, b"chunk", "T-0001", key,
                                     created=NOW, nonce=NONCE)
    assert ours == {name: by_library.headers[name]
                    for name in ("Content-Digest", "Signature-Input", "Signature")}
    assert ours["Signature-Input"] == (
        'kiosk=("@method" "@path" "@query" "content-digest" "idempotency-key" '
        f'"upload-offset" "upload-length");created={NOW_TS};keyid="T-0001";alg="ed25519";'
        f'nonce="{NONCE}"')


def test_the_library_signs_a_text_body_and_no_body_alike(key):
    for body, raw in (("text body", b"text body"), (None, b"")):
        by_library = _prepared(body)
        signing.sign_request_with_library(by_library, "T-0001", key, NOW, NONCE)
        assert by_library.headers["Content-Digest"] == signing.content_digest(raw)
        assert by_library.headers["Signature"] == signing.signature_headers(
            "POST", URL, {}, raw, "T-0001", key, NOW, NONCE)["Signature"]


@pytest.mark.parametrize("body, raw", [("text body", b"text body"), (None, b""),
                                       (b"\x00bytes", b"\x00bytes")])
def test_sign_request_digests_the_body_as_sent(key, body, raw):
    request = _prepared(body)
    signing.sign_request(request, "T-0001", key, NOW_TS + 0.9)
    assert request.headers["Content-Digest"] == signing.content_digest(raw)
    assert f";created={NOW_TS};" in request.headers["Signature-Input"]
    received = signing.ReceivedRequest.of_url("POST", request.url, request.headers)
    signing.verify_request(received, raw, {"T-0001": key.public_key()}.get, NOW)


def test_sign_request_without_a_time_signs_now(key):
    request = _prepared(BODY)
    before = int(datetime.now(UTC).timestamp())
    signing.sign_request(request, "T-0001", key)
    created = int(re.search(r";created=(\d+);", request.headers["Signature-Input"]).group(1))
    assert before <= created <= int(datetime.now(UTC).timestamp())


@pytest.mark.parametrize("terminal_id", ["", "T 1", 'T"1', "T/1", "x" * 65])
def test_a_terminal_id_outside_the_token_alphabet_is_not_signed(key, terminal_id):
    with pytest.raises(ValueError,
                       match=r"^a terminal id is letters, digits, '\.', '_' and '-'$"):
        signing.signature_headers("POST", URL, {}, BODY, terminal_id, key)


def test_a_header_with_control_characters_is_not_signed(key):
    # Only SP and HTAB are trimmed (RFC 9421 §2.1): a trailing vertical tab stays, and refuses.
    with pytest.raises(ValueError, match="header idempotency-key cannot be signed"):
        signing.signature_headers("POST", URL, {"Idempotency-Key": "ab\x0b"}, BODY, "T-1", key)
    with pytest.raises(ValueError, match="header idempotency-key cannot be signed"):
        signing.signature_headers("POST", URL, {"Idempotency-Key": "a\x01b"}, BODY, "T-1", key)



def test_only_sp_and_htab_are_trimmed_never_a_letter(key):
    """A value's own last letters are part of it: `Idempotency-Key: abcX ` is signed as
    `abcX` and the platform combines the line the same way, so the two agree."""
    headers = signing.signature_headers("POST", URL, {"Idempotency-Key": " XabcX \t"}, BODY,
                                        "T-1", key, NOW, NONCE)
    received = signing.ReceivedRequest.of_url("POST", URL, {**headers,
                                                            "Idempotency-Key": " XabcX \t"})
    assert received.headers.combined()["idempotency-key"] == "XabcX"
    [result] = signing.verify_signatures(received, {"T-1": key.public_key()}.get)
    assert result.covered_components['"idempotency-key"'] == "XabcX"
    assert signing.FieldLines([("A", "X1X"), ("a", " X2X\t")]).combined() == {"a": "X1X, X2X"}

def test_an_empty_path_is_signed_as_slash(key):
    headers = signing.signature_headers("GET", "https://platform.example", {}, b"", "T-1", key,
                                        NOW, NONCE)
    received = signing.ReceivedRequest.of_url("GET", "https://platform.example", headers)
    assert received.path == "/" and received.query == ""
    [result] = signing.verify_signatures(received, {"T-1": key.public_key()}.get)
    assert result.covered_components['"@path"'] == "/"
    assert result.covered_components['"@query"'] == "?"


# --- header lines -----------------------------------------------------------------------


def test_field_lines_know_their_names_in_any_case_and_in_order():
    lines = signing.FieldLines([("Host", "a"), ("X-Two", " 1 "), ("x-two", "\t2"),
                                ("Accept", "")])
    assert list(lines) == ["Host", "X-Two", "x-two", "Accept"]
    assert "host" in lines and "X-TWO" in lines and "accept" in lines
    assert "x-three" not in lines and 42 not in lines and None not in lines
    assert lines.combined() == {"host": "a", "x-two": "1, 2", "accept": ""}
    assert signing.FieldLines([("A", "\x0bx\x0c ")]).combined() == {"a": "\x0bx\x0c"}
    assert lines.items() == [("Host", "a"), ("X-Two", " 1 "), ("x-two", "\t2"), ("Accept", "")]


def test_of_url_takes_the_path_and_the_raw_query():
    received = signing.ReceivedRequest.of_url("PUT", URL, [("A", "1"), ("a", "2")])
    assert (received.method, received.path, received.query) == ("PUT", PATH, QUERY)
    assert received.headers.combined() == {"a": "1, 2"}
    bare = signing.ReceivedRequest.of_url("GET", "https://h.example", {"B": "x"})
    assert (bare.path, bare.query, bare.headers.items()) == ("/", "", [("B", "x")])


# --- the fast path: the canonical form, checked directly --------------------------------


def _fast(request: signing.ReceivedRequest, key, required=None):
    fields = request.headers.combined()
    return signing._verify_fast(request, fields, {"T-0001": key.public_key()}.__getitem__,
                                required or signing._covered(fields))


@pytest.mark.parametrize("url, headers", [
    (URL, {}),
    ("https://platform.example/a", {"Idempotency-Key": "k-1"}),
    ("https://platform.example/a/b?q=%C3%A9", {"Upload-Offset": "10", "Upload-Length": "20"}),
])
def test_the_terminals_form_takes_the_fast_path(key, url, headers):
    """`_verify_fast` gives the verdict itself (not None, which would fall through to the
    general verifier) for every request `signature_headers` makes."""
    signed = signing.signature_headers("POST", url, headers, BODY, "T-0001", key, NOW, NONCE)
    request = signing.ReceivedRequest.of_url("POST", url, {**headers, **signed})
    checked = _fast(request, key)
    assert checked == (signing._Checked("T-0001", NONCE, NOW_TS, signing.content_digest(BODY)),
                       None)
    assert checked[0].finish() == signing.VerifiedRequest("T-0001", NONCE, NOW,
                                                          signing.content_digest(BODY))


def test_a_hand_made_canonical_form_takes_the_fast_path(key):
    request = _hand_signed(key, CANONICAL)
    assert _fast(request, key)[0].nonce == NONCE
    # The `alg` parameter may be left out; the fast path still decides.
    request = _hand_signed(key, f';created={NOW_TS};keyid="T-0001";nonce="{NONCE}"')
    assert _fast(request, key)[0].created_at == NOW_TS


@pytest.mark.parametrize("params", [
    f';keyid="T-0001";created={NOW_TS};alg="ed25519";nonce="{NONCE}"',  # reordered: fine
    f';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce="{NONCE}";tag="t"',
    f';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce="{NONCE}";expires={NOW_TS + 60}',
])
def test_other_parameter_sets_leave_the_fast_path_or_agree(key, params):
    request = _hand_signed(key, params)
    fast = _fast(request, key)
    verified = signing.verify_request(request, BODY, {"T-0001": key.public_key()}.get, NOW)
    assert verified == signing.VerifiedRequest("T-0001", NONCE, NOW, signing.content_digest(BODY))
    if "tag" in params or "expires" in params:
        assert fast is None
    else:
        assert fast[0].finish() == verified


@pytest.mark.parametrize("params", [
    f';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce="{NONCE}";nonce="{NONCE}"',
    f';created="{NOW_TS}";keyid="T-0001";alg="ed25519";nonce="{NONCE}"',
    f';created={NOW_TS};keyid=1;alg="ed25519";nonce="{NONCE}"',
    f';created={NOW_TS};keyid="T-0001";alg="ed25519";nonce=12345678901234567',
    f';created={NOW_TS};keyid="T-0001";alg="rsa-v1_5-sha256";nonce="{NONCE}"',
    f';created={NOW_TS};keyid="T-0001";alg="ed25519"',
    f';keyid="T-0001";alg="ed25519";nonce="{NONCE}"',
    f';created={NOW_TS};alg="ed25519";nonce="{NONCE}"',
])
def test_a_malformed_parameter_set_is_left_to_the_general_verifier(key, params):
    request = _hand_signed(key, params)
    assert _fast(request, key) is None
    with pytest.raises(signing.SignatureRefused):
        signing.verify_request(request, BODY, {"T-0001": key.public_key()}.get, NOW)


def test_a_repeated_component_is_left_to_the_general_verifier(key):
    request = _hand_signed(key, CANONICAL,
                           covered=("@method", "@path", "@path", "@query", "content-digest"))
    assert _fast(request, key) is None
    with pytest.raises(signing.SignatureRefused):
        signing.verify_request(request, BODY, {"T-0001": key.public_key()}.get, NOW)


def test_another_derived_component_is_left_to_the_general_verifier(key):
    covered = ("@method", "@path", "@query", "@request-target", "content-digest")
    request = _hand_signed(key, CANONICAL, covered=covered)
    assert _fast(request, key) is None
    [result] = signing.verify_signatures(request, {"T-0001": key.public_key()}.get)
    assert result.covered_components['"@request-target"'] == f"{PATH}?{QUERY}"
    bare = _hand_signed(key, CANONICAL, covered=covered, query="")
    [result] = signing.verify_signatures(bare, {"T-0001": key.public_key()}.get)
    assert result.covered_components['"@request-target"'] == PATH
    verified = signing.verify_request(request, BODY, {"T-0001": key.public_key()}.get, NOW)
    assert verified.nonce == NONCE


def test_a_non_ascii_request_line_is_left_to_the_general_verifier(key):
    """The fast path does not judge it; the general verifier refuses it (RFC 9421 bases
    are ASCII)."""
    request = _hand_signed(key, CANONICAL, path="/a/\u00e9")
    assert _fast(request, key) is None
    assert "non-ASCII" in str(_refusal(request, key))
    request = _hand_signed(key, CANONICAL, query="a=\x7f")
    assert _fast(request, key) is None
    assert _refusal(request, key).code == "signature_invalid"


def test_the_fast_path_refuses_a_bad_signature_itself(key):
    request = _hand_signed(key, CANONICAL, sign_params=CANONICAL.replace("T-0001", "T-0002"))
    with pytest.raises(signing.SignatureRefused) as refused:
        _fast(request, key)
    assert str(refused.value) == "signature does not match the request"


def test_the_fast_path_refuses_a_short_nonce_itself(key):
    request = _hand_signed(key, CANONICAL.replace(NONCE, "short"))
    with pytest.raises(signing.SignatureRefused,
                       match="signature must carry a nonce and a created time"):
        _fast(request, key)


def test_the_fast_path_refuses_a_missing_covered_header_and_an_uncovered_one(key):
    covered = ("@method", "@path", "@query", "content-digest", "idempotency-key")
    request = _hand_signed(key, CANONICAL, covered=covered, headers=(("Idempotency-Key", "k"),))
    assert _fast(request, key)[0].nonce == NONCE
    lines = [line for line in request.headers.items() if line[0] != "Idempotency-Key"]
    without = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines(lines))
    with pytest.raises(signing.SignatureRefused, match="covered header idempotency-key is missing"):
        _fast(without, key)
    uncovered = _hand_signed(key, CANONICAL, headers=(("Idempotency-Key", "k"),))
    with pytest.raises(signing.SignatureRefused,
                       match="the signature must cover idempotency-key"):
        _fast(uncovered, key)
    with pytest.raises(signing.SignatureRefused,
                       match="the signature must cover idempotency-key"):
        signing.verify_request(uncovered, BODY, {"T-0001": key.public_key()}.get, NOW)


# --- the general verifier: every other form ---------------------------------------------


def _verify(request, key, now=NOW, body=BODY):
    return signing.verify_request(request, body, {"T-0001": key.public_key()}.get, now)


def test_a_sha_512_content_digest_is_verified_against_the_body(key):
    request = _hand_signed(key, CANONICAL, digest=_sha512_digest(BODY))
    verified = _verify(request, key)
    assert verified.content_digest == _sha512_digest(BODY)
    with pytest.raises(signing.SignatureRefused, match="Content-Digest does not match the body"):
        _verify(request, key, body=BODY + b" ")
    both = f"{signing.content_digest(BODY)}, {_sha512_digest(BODY + b'!')}"
    with pytest.raises(signing.SignatureRefused, match="Content-Digest does not match the body"):
        _verify(_hand_signed(key, CANONICAL, digest=both), key)


def test_a_sha_256_content_digest_is_checked_byte_for_byte(key):
    verified = signing.VerifiedRequest("T", NONCE, NOW, signing.content_digest(BODY))
    signing.check_content_digest(verified, BODY)
    for body in (b"", BODY[:-1], BODY + b"\n"):
        with pytest.raises(signing.SignatureRefused) as refused:
            signing.check_content_digest(verified, body)
        assert refused.value.code == "signature_invalid" and refused.value.status == 401
    unknown = signing.VerifiedRequest("T", NONCE, NOW, "md5=:AAAA:")
    with pytest.raises(signing.SignatureRefused, match="Content-Digest does not match"):
        signing.check_content_digest(unknown, BODY)


def test_the_library_signing_with_expires_and_tag_is_accepted_until_it_expires(key):
    request = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines([
        ("Content-Digest", signing.content_digest(BODY)), ("Host", "platform.example")]))
    signer = hms.HTTPMessageSigner(signature_algorithm=hms.algorithms.ED25519,
                                   component_resolver_class=signing.RequestComponents)
    prepared = signer.prepare(request, key_id="T-0001", created=NOW,
                              expires=NOW + timedelta(seconds=30), nonce=NONCE, tag="kiosk-app",
                              label="kiosk", use_existing_digest=True,
                              covered_component_ids=("@query", "content-digest", "@method",
                                                     "@authority", "@path"))
    signature = _b64(key.sign(prepared.signature_base))
    signed = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines([
        *request.headers.items(), ("Signature-Input", f"kiosk={prepared.signature_params}"),
        ("Signature", f"kiosk=:{signature}:")]))
    assert _fast(signed, key) is None
    assert _verify(signed, key) == signing.VerifiedRequest("T-0001", NONCE, NOW,
                                                           signing.content_digest(BODY))
    assert _verify(signed, key, now=NOW + timedelta(seconds=30)).nonce == NONCE
    with pytest.raises(signing.Stale) as stale:
        _verify(signed, key, now=NOW + timedelta(seconds=31))
    assert stale.value.code == "signature_stale"


def test_the_authority_is_the_host_without_its_default_port(key):
    for host, authority in (("Platform.Example:443", "platform.example"),
                            ("platform.example:80", "platform.example"),
                            ("platform.example:8443", "platform.example:8443")):
        request = signing.ReceivedRequest("GET", "/", "", signing.FieldLines([("Host", host)]))
        assert signing.RequestComponents(request).get_authority() == authority
    hostless = signing.ReceivedRequest("GET", "/", "", signing.FieldLines([]))
    assert signing.RequestComponents(hostless).get_authority() == ""


def test_the_scheme_and_target_uri_cannot_be_covered():
    resolvers = signing.RequestComponents.derived_component_resolvers
    assert "@scheme" not in resolvers and "@target-uri" not in resolvers
    assert {"@method", "@path", "@query", "@authority", "@request-target"} <= resolvers.keys()


def test_the_components_resolve_from_the_request_line_and_combined_fields():
    request = signing.ReceivedRequest("post", "", "a=1", signing.FieldLines(
        [("Host", "h.example"), ("X-A", " 1"), ("x-a", "2 ")]))
    with pytest.raises(hms.HTTPMessageSignaturesException):
        signing.RequestComponents(request)  # lower-case method: not a token the library takes
    request = signing.ReceivedRequest("POST", "", "a=1", request.headers)
    components = signing.RequestComponents(request)
    assert components.get_path() == "/" and components.get_query() == "?a=1"
    assert components.get_request_target() == "/?a=1"
    assert components.headers["x-a"] == "1, 2"
    assert components.url_parts.host == "h.example" and components.url_parts.query == "a=1"
    assert components.message_type == "request"


def _refusal(request, key, now=NOW) -> signing.SignatureRefused:
    with pytest.raises(signing.SignatureRefused) as refused:
        _verify(request, key, now)
    return refused.value


def test_a_wrong_alg_is_refused(key):
    request = _hand_signed(key, CANONICAL.replace('"ed25519"', '"hmac-sha256"'))
    assert _refusal(request, key).code == "signature_invalid"


def test_a_signature_not_covering_the_query_is_refused(key):
    for params in (CANONICAL, CANONICAL + ';tag="general"'):  # fast path, general verifier
        request = _hand_signed(key, params, covered=("@method", "@path", "content-digest"))
        refused = _refusal(request, key)
        assert refused.code == "signature_invalid" and "@query" in str(refused)
    two = _hand_signed(key, CANONICAL, headers=(("Idempotency-Key", "k"), ("Upload-Offset", "0")))
    assert str(_refusal(two, key)) == \
        "the signature must cover idempotency-key, upload-offset"


def test_the_general_verifier_takes_a_nonce_of_16_and_refuses_15(key):
    for nonce, accepted in (("a" * 16, True), ("a" * 15, False), ("a" * 17, True)):
        params = f';created={NOW_TS};keyid="T-0001";nonce="{nonce}";tag="general"'
        request = _hand_signed(key, params)
        assert _fast(request, key) is None
        if accepted:
            assert _verify(request, key).nonce == nonce
        else:
            assert str(_refusal(request, key)) == \
                "signature must carry a nonce and a created time"


def test_verify_signatures_holds_no_time_window(key):
    request = _hand_signed(key, f';created=1;keyid="T-0001";nonce="{NONCE}"')
    [result] = signing.verify_signatures(request, {"T-0001": key.public_key()}.get)
    assert result.parameters["created"] == 1


def test_a_signature_under_another_label_or_two_signatures_are_refused(key):
    other = _hand_signed(key, CANONICAL.replace('"T-0001"', '"T-0001"'), label="other")
    assert str(_refusal(other, key)) == "exactly one signature labelled 'kiosk' is expected"
    kiosk = _hand_signed(key, CANONICAL)
    lines = kiosk.headers.items()
    second = _hand_signed(key, CANONICAL, label="again").headers.items()
    both = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines(
        [lines[0], (lines[1][0], f"{lines[1][1]}, {second[1][1]}"),
         (lines[2][0], f"{lines[2][1]}, {second[2][1]}")]))
    assert _refusal(both, key).code == "signature_invalid"


@pytest.mark.parametrize("params", [
    f';keyid="T-0001";nonce="short-nonce";created={NOW_TS}',
    f';keyid="T-0001";created={NOW_TS}',
    f';nonce="{NONCE}";keyid="T-0001";created={NOW_TS};nonce2="x"',
])
def test_the_general_verifier_holds_the_nonce_rule(key, params):
    refused = _refusal(_hand_signed(key, params), key)
    if "nonce2" in params:
        assert _verify(_hand_signed(key, params.replace(';nonce2="x"', "")), key).nonce == NONCE
    else:
        assert str(refused) == "signature must carry a nonce and a created time"


def test_the_general_verifier_holds_the_time_window(key):
    params = f';nonce="{NONCE}";keyid="T-0001";created={NOW_TS}'
    skew = signing.MAX_CLOCK_SKEW
    request = _hand_signed(key, params)
    assert _verify(request, key, NOW + skew).created == NOW
    assert _verify(request, key, NOW - skew).created == NOW
    for now in (NOW + skew + timedelta(seconds=1), NOW - skew - timedelta(seconds=1)):
        assert isinstance(_refusal(request, key, now), signing.Stale)
    expired = _hand_signed(key, params + f";expires={NOW_TS - 1}")
    assert isinstance(_refusal(expired, key), signing.Stale)


def test_an_unknown_terminal_and_a_wrong_key_get_one_answer(key):
    params = f';nonce="{NONCE}";keyid="T-0009";created={NOW_TS}'
    unknown = _refusal(_hand_signed(key, params), key)
    wrong = signing.generate_signing_key()
    other = _refusal(_hand_signed(wrong, params.replace("T-0009", "T-0001")), key)
    assert str(unknown) == str(other) == "signature does not match the request"
    assert unknown.code == other.code == "signature_invalid"
    fast_unknown = _refusal(_hand_signed(key, CANONICAL.replace("T-0001", "T-0009")), key)
    assert str(fast_unknown) == str(unknown) and type(fast_unknown) is type(unknown)


def test_verify_signatures_refuses_a_key_id_its_lookup_does_not_know(key):
    request = _hand_signed(key, CANONICAL)
    with pytest.raises(signing.SignatureRefused) as refused:
        signing.verify_signatures(request, {}.get)
    assert refused.value.code == "signature_invalid"
    assert signing.UnknownTerminal("T").code == "terminal_unknown"


def test_verify_signatures_requires_what_it_is_told(key):
    request = _hand_signed(key, CANONICAL)
    lookup = {"T-0001": key.public_key()}.get
    [result] = signing.verify_signatures(request, lookup, ("@method", "content-digest"))
    assert result.parameters == {"created": NOW_TS, "keyid": "T-0001", "alg": "ed25519",
                                 "nonce": NONCE}
    with pytest.raises(signing.SignatureRefused) as refused:
        signing.verify_signatures(request, lookup, ("idempotency-key",))
    assert "idempotency-key" in str(refused.value)


def test_a_malformed_signature_header_is_refused_as_invalid(key):
    request = _hand_signed(key, CANONICAL)
    lines = [(n, "kiosk=:not base64!:" if n == "Signature" else v)
             for n, v in request.headers.items()]
    broken = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines(lines))
    assert _refusal(broken, key).code == "signature_invalid"
    lines = [(n, "kiosk=(\"@method\";" if n == "Signature-Input" else v)
             for n, v in request.headers.items()]
    broken = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines(lines))
    assert _refusal(broken, key).code == "signature_invalid"


def test_an_unsigned_request_is_told_what_is_missing(key):
    request = _hand_signed(key, CANONICAL)
    for left_out, words in (("Signature", "request is not signed"),
                            ("Signature-Input", "request is not signed"),
                            ("Content-Digest", "request has no Content-Digest")):
        lines = [line for line in request.headers.items() if line[0] != left_out]
        bare = signing.ReceivedRequest("POST", PATH, QUERY, signing.FieldLines(lines))
        refused = _refusal(bare, key)
        assert isinstance(refused, signing.Unsigned) and str(refused) == words
        assert refused.code == "unsigned"
