"""Request signing: RFC 9421 HTTP Message Signatures with the terminal's Ed25519 key.

A signature covers the method, path, query, the RFC 9530 Content-Digest of the
body and the idempotency / upload headers, with `created` and a one-time `nonce`
so the platform can refuse replays. The terminal's key is made at enrollment.

The platform verifies a request as its router serves it (`ReceivedRequest`): `@path`
and `@query` from the request line's raw target, never from `Host`, and each header
field's lines combined as RFC 9421 §2.1 says. Verification is two parts:
`verify_request_headers` (line and headers only) and `check_content_digest` (the
body against the signed Content-Digest value); `verify_request` is both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import http_message_signatures as hms
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from http_message_signatures import algorithms
from http_message_signatures._url import URLParts
from http_message_signatures.structures import get_header_field_lines

from wire import errors, keys

# --- keys -------------------------------------------------------------------------------


# The key encodings live in `wire.keys` (the core reads keys without this module's
# HTTP library); named here too for every caller that signs requests.
generate_signing_key = keys.generate_signing_key
encode_signing_public_key = keys.encode_signing_public_key
decode_signing_public_key = keys.decode_signing_public_key
encode_signing_private_key = keys.encode_signing_private_key
decode_signing_private_key = keys.decode_signing_private_key


# --- signatures -------------------------------------------------------------------------

SIGNATURE_LABEL = "kiosk"
MAX_CLOCK_SKEW = timedelta(minutes=5)  # older or newer `created` is refused
_ALWAYS_COVERED = ("@method", "@path", "@query", "content-digest")
_COVERED_IF_PRESENT = ("idempotency-key", "upload-offset", "upload-length")
_ALG = "ed25519"
_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,64}")
# The exact, canonical form this module signs; any other form of a valid signature is
# still accepted, through the general verifier (`_verify_with_library`).
_SF_STRING = r'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
_SF_INT = r"(?:0|-?[1-9][0-9]{0,14})"
_FAST_INPUT = re.compile(
    rf'{SIGNATURE_LABEL}=(\(((?:"[a-z@][a-z0-9@._-]*")(?: "[a-z@][a-z0-9@._-]*")*)\)'
    rf'((?:;[a-z][a-z0-9_.*-]*=(?:{_SF_STRING}|{_SF_INT}))*))')
_FAST_PARAM = re.compile(rf';([a-z][a-z0-9_.*-]*)=({_SF_STRING}|{_SF_INT})')
_FAST_SIGNATURE = re.compile(rf"{SIGNATURE_LABEL}=:([A-Za-z0-9+/]+={{0,2}}):")
_FAST_DIGEST = re.compile(r"sha-256=:([A-Za-z0-9+/]{43}=):")


class _KeyResolver(hms.HTTPSignatureKeyResolver):
    def __init__(self, private: Ed25519PrivateKey | None = None,
                 lookup: Callable[[str], Ed25519PublicKey | None] | None = None):
        self._private = private
        self._lookup = lookup

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self._private is not None
        return self._private

    def resolve_public_key(self, key_id: str) -> Ed25519PublicKey:
        key = self._lookup(key_id) if self._lookup else None
        if key is None:
            raise UnknownTerminal(key_id)
        return key


def _covered(headers: Mapping[str, str]) -> tuple[str, ...]:
    return _ALWAYS_COVERED + tuple(h for h in _COVERED_IF_PRESENT if h in headers)


def _signature_base(method: str, path: str, query: str, fields: Mapping[str, str],
                    covered: tuple[str, ...], params: str) -> bytes:
    """The RFC 9421 signature base of our covered components (field values already trimmed;
    `path` and `query` as the request line carries them)."""
    lines = []
    for name in covered:
        if name == "@method":
            value = method
        elif name == "@path":
            value = path or "/"
        elif name == "@query":
            value = "?" + query
        else:
            value = fields[name]
        lines.append(f'"{name}": {value}')
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def _signature_params(covered: tuple[str, ...], created: int, key_id: str, nonce: str) -> str:
    inner = " ".join(f'"{c}"' for c in covered)
    return f'({inner});created={created};keyid="{key_id}";alg="{_ALG}";nonce="{nonce}"'


def content_digest(body: bytes) -> str:
    """RFC 9530 Content-Digest of a body, as the terminal sends it."""
    return f"sha-256=:{base64.b64encode(hashlib.sha256(body).digest()).decode()}:"


def signature_headers(method: str, url: str, headers: Mapping[str, str], body: bytes,
                      terminal_id: str, key: Ed25519PrivateKey,
                      created: float | datetime | None = None,
                      nonce: str | None = None) -> dict[str, str]:
    """Content-Digest, Signature-Input and Signature for a request (RFC 9421, Ed25519).

    Built directly rather than through a general-purpose library: the covered
    components are fixed and plain, and this runs for every request a draining
    terminal makes. What it produces is exactly what `http-message-signatures`
    produces for the same inputs (a test holds the two together), and the platform
    verifies it with that library's rules."""
    if not _TOKEN.fullmatch(terminal_id):
        raise ValueError("a terminal id is letters, digits, '.', '_' and '-'")
    if created is None:
        created = time.time()
    elif isinstance(created, datetime):
        created = created.timestamp()
    nonce = nonce or secrets.token_urlsafe(18)
    # Trimmed of SP and HTAB only (RFC 9421 §2.1), as the platform trims what it receives.
    fields = {k.lower(): str(v).strip(" \t") for k, v in headers.items()
              if k.lower() in _COVERED_IF_PRESENT}
    for name, value in fields.items():
        if not value.isprintable():
            raise ValueError(f"header {name} cannot be signed: control characters")
    fields["content-digest"] = content_digest(body)
    covered = _covered(fields)
    params = _signature_params(covered, int(created), terminal_id, nonce)
    parts = urlsplit(url)
    signature = key.sign(_signature_base(method.upper(), parts.path, parts.query, fields, covered,
                                         params))
    return {"Content-Digest": fields["content-digest"],
            "Signature-Input": f"{SIGNATURE_LABEL}={params}",
            "Signature": f"{SIGNATURE_LABEL}=:{base64.b64encode(signature).decode()}:"}


def sign_request(request: Any, terminal_id: str, key: Ed25519PrivateKey,
                 now: datetime | float | None = None) -> None:
    """Signs a `requests.PreparedRequest` in place (adds Content-Digest and Signature)."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    request.headers.update(signature_headers(request.method, request.url, request.headers, body,
                                             terminal_id, key, now))


def sign_request_with_library(request: Any, terminal_id: str, key: Ed25519PrivateKey,
                              now: datetime, nonce: str) -> None:
    """The same signature made by `http-message-signatures` (to check `signature_headers`)."""
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    covered = _ALWAYS_COVERED + tuple(h for h in _COVERED_IF_PRESENT if h in request.headers)
    hms.HTTPMessageSigner(signature_algorithm=algorithms.ED25519,
                          key_resolver=_KeyResolver(private=key)).sign(
        request, key_id=terminal_id, created=now, nonce=nonce, label=SIGNATURE_LABEL,
        covered_component_ids=covered, body=body)


class SignatureRefused(Exception):
    """Why a request's signature is not accepted; `error` is the answer to give."""

    error = errors.SIGNATURE_INVALID

    @property
    def status(self) -> int:
        return self.error.status

    @property
    def code(self) -> str:
        return self.error.code


class UnknownTerminal(SignatureRefused):
    error = errors.TERMINAL_UNKNOWN


class Unsigned(SignatureRefused):
    error = errors.UNSIGNED


class Stale(SignatureRefused):
    error = errors.SIGNATURE_STALE


@dataclass(frozen=True)
class VerifiedRequest:
    """A request whose signature checked out over its line and headers.

    `content_digest` is the covered Content-Digest value; the body is checked against it
    by `check_content_digest` (verification part b)."""

    terminal_id: str
    nonce: str
    created: datetime
    content_digest: str = ""


class FieldLines:
    """A request's header lines, in order, as the server received them (names any case,
    values as Latin-1 text); `combined()` gives each field's value per RFC 9421 §2.1."""

    def __init__(self, lines: Iterable[tuple[str, str]]):
        self._lines = [(name, value) for name, value in lines]

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys(name for name, _ in self._lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n.lower() == name.lower() for n, _ in self._lines)

    def combined(self) -> dict[str, str]:
        """Lower-case name → value: each line's value trimmed, repeated lines joined by
        ", " in the order received (RFC 9421 §2.1, RFC 9110 §5.3)."""
        values: dict[str, list[str]] = {}
        for name, value in self._lines:
            values.setdefault(name.lower(), []).append(value.strip(" \t"))
        return {name: ", ".join(parts) for name, parts in values.items()}


@dataclass(frozen=True)
class ReceivedRequest:
    """A request as the platform's router serves it: the method, the path and the query
    exactly as the request line carried them (percent-encoding untouched, the query
    without its "?"), and every header line. `@path` and `@query` come from here and
    never from `Host` (which may carry anything, a path included)."""

    method: str
    path: str
    query: str
    headers: FieldLines

    @classmethod
    def of_url(cls, method: str, url: str, headers: Iterable[tuple[str, str]] | Mapping[str, str]
               ) -> ReceivedRequest:
        """The request a client sends to `url` (as `requests` puts it on the wire)."""
        parts = urlsplit(url)
        lines = headers.items() if isinstance(headers, Mapping) else headers
        return cls(method, parts.path or "/", parts.query, FieldLines(lines))


class RequestComponents(hms.HTTPSignatureComponentResolver):
    """`http-message-signatures`' component resolution for a `ReceivedRequest`.

    `@path`, `@query`, `@query-param` and `@request-target` are the request line's as
    routed, `@authority` the `Host` field; `@scheme` and `@target-uri` are refused, the
    platform behind a TLS proxy cannot know the scheme the client used."""

    derived_component_resolvers = {
        name: resolve for name, resolve in
        hms.HTTPSignatureComponentResolver.derived_component_resolvers.items()
        if name not in ("@scheme", "@target-uri")}

    def __init__(self, message: ReceivedRequest):
        self.message = message
        self.message_type = "request"
        self._validate_method(message.method)
        host = message.headers.combined().get("host", "")
        self.url_parts = URLParts("", host, None, message.path, message.query)
        self.header_field_lines = get_header_field_lines(message.headers)
        self.headers = hms.structures.CaseInsensitiveDict(
            (name, ", ".join(values)) for name, values in self.header_field_lines.items())
        self._parsed_dictionaries = {}
        self._serialized_structured_fields = {}

    def get_path(self) -> str:
        return self.message.path or "/"

    def get_query(self) -> str:
        return "?" + self.message.query

    def get_authority(self) -> str:
        host = self.url_parts.host.lower()
        for default in (":80", ":443"):
            host = host.removesuffix(default)
        return host

    def get_request_target(self) -> str:
        return self.get_path() + (f"?{self.message.query}" if self.message.query else "")


# The key a signature naming an unknown terminal is checked against: it never matches, and
# the request goes through every step an enrolled terminal's would (one answer for both).
_DECOY_KEY = Ed25519PrivateKey.generate().public_key()
_BAD_SIGNATURE = "signature does not match the request"
# `created` and `expires` are compared as integers: nothing out of range reaches datetime.
_MAX_SKEW_SECONDS = int(MAX_CLOCK_SKEW.total_seconds())


def verify_request_headers(request: ReceivedRequest,
                           lookup_key: Callable[[str], Ed25519PublicKey | None],
                           now: datetime | None = None) -> VerifiedRequest:
    """Verification part (a): everything the request line and the headers decide.

    The signature labelled `kiosk` must be Ed25519 by the key `lookup_key` gives for its
    `keyid`, cover `@method`, `@path`, `@query`, `content-digest` and whichever of the
    idempotency / upload headers are present, carry a nonce of 16+ characters and a
    `created` within `MAX_CLOCK_SKEW` of `now` (and no `expires` before it). The
    signature is checked over the Content-Digest *value*; the body is checked against
    that value by `check_content_digest` (part b), which needs nothing else, so a server
    can run this before reading the body.

    Refusals are `SignatureRefused` (401): `Unsigned`, `Stale`, or `signature_invalid`
    with one and the same message for a bad signature whatever the terminal id, enrolled
    or not (an unknown key id is checked against a key that never matches). The nonce is
    the caller's to check."""
    fields = request.headers.combined()
    if "signature" not in fields or "signature-input" not in fields:
        raise Unsigned("request is not signed")
    if "content-digest" not in fields:
        raise Unsigned("request has no Content-Digest")

    def key_of(terminal_id: str) -> Ed25519PublicKey:
        return lookup_key(terminal_id) or _DECOY_KEY

    required = _covered(fields)
    verified = _verify_fast(request, fields, key_of, required)
    if verified is None:
        verified = _verify_with_library(request, key_of, required)
    current = int((now or datetime.now(UTC)).timestamp())
    created, expires = verified
    if abs(current - created.created_at) > _MAX_SKEW_SECONDS \
            or (expires is not None and expires < current):
        raise Stale("signature created too far from the platform's clock, or expired")
    return created.finish()


def check_content_digest(verified: VerifiedRequest, body: bytes) -> None:
    """Verification part (b): the body against the signed Content-Digest value (RFC 9530;
    sha-256 and sha-512 understood, every one listed must match)."""
    digest = _FAST_DIGEST.fullmatch(verified.content_digest)
    if digest is not None:
        matches = hmac.compare_digest(base64.b64decode(digest.group(1)),
                                      hashlib.sha256(body).digest())
    else:
        try:
            hms.ContentDigest.verify(verified.content_digest, body)
            matches = True
        except hms.HTTPMessageSignaturesException:
            matches = False
    if not matches:
        raise SignatureRefused("Content-Digest does not match the body")


def verify_request(request: ReceivedRequest, body: bytes,
                   lookup_key: Callable[[str], Ed25519PublicKey | None],
                   now: datetime | None = None) -> VerifiedRequest:
    """Both parts: `verify_request_headers`, then `check_content_digest`."""
    verified = verify_request_headers(request, lookup_key, now)
    check_content_digest(verified, body)
    return verified


@dataclass(frozen=True)
class _Checked:
    """A signature that checked out, before the time window is applied."""

    terminal_id: str
    nonce: str
    created_at: int
    content_digest: str

    def finish(self) -> VerifiedRequest:
        return VerifiedRequest(self.terminal_id, self.nonce,
                               datetime.fromtimestamp(self.created_at, UTC), self.content_digest)


def _verify_fast(request: ReceivedRequest, lower: dict[str, str],
                 key_of: Callable[[str], Ed25519PublicKey], required: tuple[str, ...]
                 ) -> tuple[_Checked, int | None] | None:
    """The form `signature_headers` makes, checked directly; None for any other form."""
    sig_input = _FAST_INPUT.fullmatch(lower["signature-input"])
    signature = _FAST_SIGNATURE.fullmatch(lower["signature"])
    if sig_input is None or signature is None:
        return None
    covered = tuple(c.strip('"') for c in sig_input.group(2).split(" "))
    params: dict[str, str] = {}
    for name, value in _FAST_PARAM.findall(sig_input.group(3)):
        if name in params or name not in ("created", "keyid", "alg", "nonce"):
            return None
        params[name] = value
    if len(set(covered)) != len(covered) or params.get("alg", f'"{_ALG}"') != f'"{_ALG}"':
        return None
    if not {"created", "keyid", "nonce"} <= params.keys() or params["created"].startswith('"') \
            or not params["keyid"].startswith('"') or not params["nonce"].startswith('"'):
        return None
    fields = {}
    for name in covered:
        if name.startswith("@"):
            if name not in ("@method", "@path", "@query"):
                return None
            continue
        if name not in lower:
            raise SignatureRefused(f"covered header {name} is missing")
        fields[name] = lower[name]
        if not fields[name].isprintable():
            return None
    missing = [c for c in required if c not in covered]
    if missing:
        raise SignatureRefused(f"the signature must cover {', '.join(missing)}")
    if not all(part.isprintable() and part.isascii()
               for part in (request.method, request.path, request.query)):
        return None
    key = key_of(params["keyid"][1:-1])
    base = _signature_base(request.method, request.path, request.query, fields, covered,
                           sig_input.group(1))
    try:
        key.verify(base64.b64decode(signature.group(1), validate=True), base)
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureRefused(_BAD_SIGNATURE) from None
    nonce = params["nonce"][1:-1]
    if len(nonce) < 16:
        raise SignatureRefused("signature must carry a nonce and a created time")
    return _Checked(params["keyid"][1:-1], nonce, int(params["created"]),
                    lower["content-digest"]), None


def verify_signatures(request: ReceivedRequest,
                      lookup_key: Callable[[str], Ed25519PublicKey | None],
                      required: tuple[str, ...] = ()) -> list[hms.VerifyResult]:
    """RFC 9421 verification of every Ed25519 signature of `request`, by the rules of
    `http-message-signatures` with this module's component resolution (`RequestComponents`)
    and no policy of the project's beyond `required` components: the general form any
    valid signature may take. `created` and `expires` are not held to a window here.
    Refusals are `SignatureRefused`."""
    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=_KeyResolver(lookup=lookup_key),
                                       component_resolver_class=RequestComponents)
    # The window is the caller's, on integers; none here beyond what a date can hold.
    verifier.max_clock_skew = timedelta(days=365 * 100)
    try:
        return verifier.verify(request, max_age=None, require_components=required)
    except SignatureRefused:
        raise
    except hms.HTTPMessageSignaturesException as exc:
        # A failed cryptographic check comes as the library's exception without words.
        raise SignatureRefused(str(exc) or _BAD_SIGNATURE) from None
    except (KeyError, ValueError, TypeError, OverflowError) as exc:
        raise SignatureRefused(f"malformed signature: {exc}") from None


def _verify_with_library(request: ReceivedRequest, key_of: Callable[[str], Ed25519PublicKey],
                         required: tuple[str, ...]) -> tuple[_Checked, int | None]:
    results = verify_signatures(request, key_of, required)
    if len(results) != 1 or results[0].label != SIGNATURE_LABEL:
        raise SignatureRefused(f"exactly one signature labelled {SIGNATURE_LABEL!r} is expected")
    params = results[0].parameters
    nonce, created, expires = params.get("nonce"), params.get("created"), params.get("expires")
    if not isinstance(nonce, str) or len(nonce) < 16 or type(created) is not int:
        raise SignatureRefused("signature must carry a nonce and a created time")
    digest = results[0].covered_components.get('"content-digest"')
    if digest is None:  # cannot happen: required above
        raise SignatureRefused("the signature must cover content-digest")
    return _Checked(str(params.get("keyid")), nonce, created, digest), \
        (expires if type(expires) is int else None)

