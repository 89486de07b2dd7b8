"""Request signing: RFC 9421 HTTP Message Signatures with the terminal's Ed25519 key.

A signature covers the method, path, query, the RFC 9530 Content-Digest of the
body and the idempotency / upload headers, with `created` and a one-time `nonce`
so the platform can refuse replays. The terminal's key is made at enrollment.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import http_message_signatures as hms
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from http_message_signatures import algorithms

from wire import errors

# --- keys -------------------------------------------------------------------------------


def generate_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def encode_signing_public_key(key: Ed25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def decode_signing_public_key(text: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PublicKey.from_public_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a base64 Ed25519 public key of 32 bytes") from exc


def encode_signing_private_key(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def decode_signing_private_key(text: str) -> Ed25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        return Ed25519PrivateKey.from_private_bytes(raw)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not a base64 Ed25519 private key of 32 bytes") from exc


# --- signatures -------------------------------------------------------------------------

SIGNATURE_LABEL = "kiosk"
MAX_CLOCK_SKEW = timedelta(minutes=5)  # older or newer `created` is refused
_ALWAYS_COVERED = ("@method", "@path", "@query", "content-digest")
_COVERED_IF_PRESENT = ("idempotency-key", "upload-offset", "upload-length")
_ALG = "ed25519"
# keyid is read before verifying so an unknown terminal gets its own answer (403)
_KEYID = re.compile(r';\s*keyid="([^"]+)"')
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
_SIGNATURE_FIELDS = ("signature", "signature-input", "content-digest", *_COVERED_IF_PRESENT)


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


def _signature_base(method: str, url: str, fields: Mapping[str, str], covered: tuple[str, ...],
                    params: str) -> bytes:
    """The RFC 9421 signature base of our covered components (field values already trimmed)."""
    parts = urlsplit(url)
    lines = []
    for name in covered:
        if name == "@method":
            value = method
        elif name == "@path":
            value = parts.path or "/"
        elif name == "@query":
            value = "?" + parts.query
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
    fields = {k.lower(): str(v).strip() for k, v in headers.items()
              if k.lower() in _COVERED_IF_PRESENT}
    for name, value in fields.items():
        if not value.isprintable():
            raise ValueError(f"header {name} cannot be signed: control characters")
    fields["content-digest"] = content_digest(body)
    covered = _covered(fields)
    params = _signature_params(covered, int(created), terminal_id, nonce)
    signature = key.sign(_signature_base(method.upper(), url, fields, covered, params))
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
    terminal_id: str
    nonce: str
    created: datetime


def verify_request(method: str, url: str, headers: Any, body: bytes,
                   lookup_key: Callable[[str], Ed25519PublicKey | None],
                   now: datetime | None = None) -> VerifiedRequest:
    """Checks a request's signature; the caller still checks the nonce is new.

    `headers` is a mapping whose `items()` yields every header line (a repeated
    line is refused for the fields that matter here, so the platform never acts
    on another value than the one signed)."""
    lower: dict[str, str] = {}
    for name, value in headers.items():
        name = name.lower()
        if name in lower and name in _SIGNATURE_FIELDS:
            raise SignatureRefused(f"header {name} sent more than once")
        lower[name] = value
    if "signature" not in lower or "signature-input" not in lower:
        raise Unsigned("request is not signed")
    if "content-digest" not in lower:
        raise Unsigned("request has no Content-Digest")
    match = _KEYID.search(lower["signature-input"])
    if match is None:
        raise SignatureRefused("signature names no keyid")
    if lookup_key(match.group(1)) is None:
        raise UnknownTerminal(f"unknown terminal {match.group(1)!r}")
    required = _covered(lower)
    verified = _verify_fast(method, url, lower, body, lookup_key, required)
    if verified is None:
        verified = _verify_with_library(method, url, lower, body, lookup_key, required)
    current = now or datetime.now(UTC)
    if abs(current - verified.created) > MAX_CLOCK_SKEW:
        raise Stale("signature created too far from the platform's clock")
    return verified


def _verify_fast(method: str, url: str, lower: dict[str, str], body: bytes,
                 lookup_key: Callable[[str], Ed25519PublicKey | None],
                 required: tuple[str, ...]) -> VerifiedRequest | None:
    """The form `signature_headers` makes, checked directly; None for any other form."""
    sig_input = _FAST_INPUT.fullmatch(lower["signature-input"])
    signature = _FAST_SIGNATURE.fullmatch(lower["signature"])
    digest = _FAST_DIGEST.fullmatch(lower["content-digest"].strip())
    if sig_input is None or signature is None or digest is None:
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
        fields[name] = lower[name].strip()
        if not fields[name].isprintable():
            return None
    missing = [c for c in required if c not in covered]
    if missing:
        raise SignatureRefused(f"the signature must cover {', '.join(missing)}")
    if not method.isprintable() or not url.isprintable():
        return None
    key = lookup_key(params["keyid"][1:-1])
    if key is None:
        raise UnknownTerminal(f"unknown terminal {params['keyid'][1:-1]!r}")
    base = _signature_base(method, url, fields, covered, sig_input.group(1))
    try:
        key.verify(base64.b64decode(signature.group(1), validate=True), base)
    except (InvalidSignature, binascii.Error, ValueError):
        raise SignatureRefused("signature does not match the request") from None
    if not hmac.compare_digest(base64.b64decode(digest.group(1)), hashlib.sha256(body).digest()):
        raise SignatureRefused("Content-Digest does not match the body")
    nonce = params["nonce"][1:-1]
    if len(nonce) < 16:
        raise SignatureRefused("signature must carry a nonce and a created time")
    return VerifiedRequest(params["keyid"][1:-1], nonce,
                           datetime.fromtimestamp(int(params["created"]), UTC))


def _verify_with_library(method: str, url: str, lower: dict[str, str], body: bytes,
                         lookup_key: Callable[[str], Ed25519PublicKey | None],
                         required: tuple[str, ...]) -> VerifiedRequest:
    message = SimpleNamespace(method=method, url=url, headers=_CaseInsensitive(lower))
    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=_KeyResolver(lookup=lookup_key))
    # The window is checked by the caller (both directions, one message); none here.
    verifier.max_clock_skew = timedelta(days=365 * 100)
    try:
        results = verifier.verify(message, max_age=None, require_components=required, body=body)
    except SignatureRefused:
        raise
    except hms.HTTPMessageSignaturesException as exc:
        raise SignatureRefused(str(exc) or "signature does not match the request") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise SignatureRefused(f"malformed signature: {exc}") from None
    if len(results) != 1 or results[0].label != SIGNATURE_LABEL:
        raise SignatureRefused(f"exactly one signature labelled {SIGNATURE_LABEL!r} is expected")
    params = results[0].parameters
    nonce, created = params.get("nonce"), params.get("created")
    if not isinstance(nonce, str) or len(nonce) < 16 or not isinstance(created, int):
        raise SignatureRefused("signature must carry a nonce and a created time")
    return VerifiedRequest(str(params.get("keyid")), nonce, datetime.fromtimestamp(created, UTC))


class _CaseInsensitive(dict):
    """The minimal header mapping the verifier needs (keys already lower-case)."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:
        return super().get(key.lower(), default)
