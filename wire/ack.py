"""The platform's word, signed: RFC 9421 response signatures with the platform's Ed25519 key.

The platform signs each answer over its `@status`, its `Content-Digest` (RFC 9530) and
the headers a terminal acts on, and binds it to the request it answers with the
request's components (RFC 9421 §2.4, the `req` parameter): `"@method";req`,
`"@path";req` and, for a signed request, `"signature";req` — the terminal's own
signature, which covers that request's body, idempotency key and one-time nonce. So an
acceptance cannot be forged without the platform's key, nor replayed as the answer to
another request.

A verified answer is kept as an `Acknowledgement`: the request's parts it is bound to
and the answer as received, a JSON document a terminal stores with the item and can
verify again offline, against the platform's public key, long after the item's
content was purged.

Invariant: `verify_answer` returns only for an answer whose signature checks out with
the given key, covers every component of `REQUIRED` (and `"signature";req` when the
request was signed), covers every header of `COVERED_IF_PRESENT` the answer carries,
and whose body has the signed digest; anything else raises `Unverified`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import http_message_signatures as hms
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from http_message_signatures import algorithms

from wire.signing import content_digest

__all__ = ["ACK_LABEL", "Acknowledgement", "Unverified", "fingerprint", "key_id",
           "sign_answer", "verify_answer"]

ACK_LABEL = "platform"
# What every signed answer covers; the request's signature too when it had one.
REQUIRED = ("@status", "content-digest", '"@method";req', '"@path";req')
REQUEST_SIGNATURE = '"signature";req'
# Headers a terminal acts on: covered whenever the answer carries them.
COVERED_IF_PRESENT = ("content-type", "location", "retry-after", "upload-offset", "etag")

class Unverified(Exception):
    """An answer that does not carry the platform's valid signature, bound to this request."""


def _raw_public(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def fingerprint(key: Ed25519PublicKey) -> str:
    """`SHA256:` and the unpadded base64 of the key's sha256, as `ssh-keygen -l` writes it."""
    digest = hashlib.sha256(_raw_public(key)).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def key_id(key: Ed25519PublicKey) -> str:
    """The `keyid` of the platform's answers: names the key, so a rotated one is told apart."""
    return "platform-" + hashlib.sha256(_raw_public(key)).hexdigest()[:16]


class _Resolver(hms.HTTPSignatureKeyResolver):
    def __init__(self, private: Ed25519PrivateKey | None = None,
                 public: Ed25519PublicKey | None = None):
        self._private = private
        self._public = public

    def resolve_private_key(self, key_id: str) -> Ed25519PrivateKey:
        assert self._private is not None
        return self._private

    def resolve_public_key(self, wanted: str) -> Ed25519PublicKey:
        if self._public is None or wanted != key_id(self._public):
            raise hms.InvalidSignature("the answer is signed with another key than the "
                                       "platform's known one")
        return self._public


def _request_view(method: str, path: str, signature: str | None) -> SimpleNamespace:
    # Only the path of the request target counts (`@path`): the authority is not
    # covered, so a Host header never takes part.
    url = "https://platform" + (path or "/")
    headers = {"signature": signature} if signature is not None else {}
    return SimpleNamespace(method=method.upper(), url=url, headers=headers)


def _covered(headers: Mapping[str, str], signed_request: bool) -> tuple[str, ...]:
    present = tuple(h for h in COVERED_IF_PRESENT if h in headers)
    return REQUIRED[:2] + present + REQUIRED[2:] + ((REQUEST_SIGNATURE,) if signed_request else ())


def _base(status: int, fields: Mapping[str, str], covered: tuple[str, ...], method: str,
          path: str, request_signature: str | None, params: str) -> bytes:
    """The RFC 9421 signature base of the components this module covers (values trimmed)."""
    lines = []
    for component in covered:
        if component == "@status":
            value = str(status)
        elif component == '"@method";req':
            value = method.upper()
        elif component == '"@path";req':
            value = path or "/"
        elif component == REQUEST_SIGNATURE:
            value = request_signature or ""
        else:
            value = fields[component]
        name = component if component.startswith('"') else f'"{component}"'
        lines.append(f"{name}: {value}")
    lines.append(f'"@signature-params": {params}')
    return "\n".join(lines).encode()


def _inner(covered: tuple[str, ...]) -> str:
    return " ".join(c if c.startswith('"') else f'"{c}"' for c in covered)


def _params(covered: tuple[str, ...], created: int, kid: str) -> str:
    return f'({_inner(covered)});created={created};keyid="{kid}";alg="ed25519"'


def sign_answer(status: int, headers: Iterable[tuple[str, str]], body: bytes, *,
                method: str, path: str, request_signature: str | None,
                key: Ed25519PrivateKey, created: datetime | None = None,
                public_key_id: str | None = None) -> dict[str, str]:
    """Content-Digest, Signature-Input and Signature for an answer to the request
    `method path` that carried `request_signature` (None: an unsigned request).

    `headers` are the answer's own (names any case); those of `COVERED_IF_PRESENT`
    are covered. Built directly, as `signing.signature_headers` is for requests: this
    runs for every answer; a test holds it to what `http-message-signatures` verifies.
    `public_key_id` saves recomputing `key_id` on every answer."""
    fields = {name.lower(): value.strip() for name, value in headers
              if name.lower() in COVERED_IF_PRESENT}
    for name, value in fields.items():
        if not value.isprintable():
            raise ValueError(f"header {name} cannot be signed: control characters")
    fields["content-digest"] = content_digest(body)
    covered = _covered(fields, request_signature is not None)
    when = int((created or datetime.now(UTC)).timestamp())
    params = _params(covered, when, public_key_id or key_id(key.public_key()))
    signature = key.sign(_base(status, fields, covered, method, path, request_signature, params))
    return {"Content-Digest": fields["content-digest"],
            "Signature-Input": f"{ACK_LABEL}={params}",
            "Signature": f"{ACK_LABEL}=:{base64.b64encode(signature).decode()}:"}


@dataclass(frozen=True)
class Acknowledgement:
    """A verified answer and the request parts it is bound to; `document()` is what a
    terminal keeps, `from_document` and `verify` read it back and check it again."""

    status: int
    headers: dict[str, str]  # the covered ones and the signature's, lower-case names
    body: bytes
    method: str
    path: str
    request_signature: str | None
    created: datetime  # when the platform signed it, by its own clock

    def document(self) -> str:
        """JSON: the body as text when it is UTF-8 (the API's JSON always is), else base64.
        `signed_at` is for reading; `verify` takes the time from the signature itself."""
        try:
            body = {"body": self.body.decode("utf-8")}
        except UnicodeDecodeError:
            body = {"body_base64": base64.b64encode(self.body).decode()}
        return json.dumps({
            "version": 1,
            "request": {"method": self.method, "path": self.path,
                        "signature": self.request_signature},
            "answer": {"status": self.status, "headers": self.headers, **body},
            "signed_at": self.created.isoformat(),
        }, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_document(cls, text: str) -> Acknowledgement:
        """Parses a kept acknowledgement (not verified: call `verify`); ValueError if it
        is not one."""
        try:
            doc = json.loads(text)
            req, answer = doc["request"], doc["answer"]
            body = base64.b64decode(answer["body_base64"], validate=True) \
                if "body_base64" in answer else str(answer["body"]).encode("utf-8")
            return cls(int(answer["status"]), {str(k): str(v) for k, v in answer["headers"].items()},
                       body, str(req["method"]), str(req["path"]), req["signature"],
                       datetime.fromisoformat(doc["signed_at"]))
        except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as exc:
            raise ValueError(f"not an acknowledgement document: {exc}") from None

    def json_body(self) -> Any:
        return json.loads(self.body) if self.body else None

    def verify(self, key: Ed25519PublicKey) -> Acknowledgement:
        """The same acknowledgement, checked again against `key` (Unverified if not)."""
        return verify_answer(self.status, self.headers.items(), self.body, method=self.method,
                             path=self.path, request_signature=self.request_signature, key=key)


def verify_answer(status: int, headers: Iterable[tuple[str, str]], body: bytes, *,
                  method: str, path: str, request_signature: str | None,
                  key: Ed25519PublicKey) -> Acknowledgement:
    """Checks an answer's signature against the platform's `key` and the request it
    answers; returns what to keep, or raises `Unverified` saying why (no body text).

    The form `sign_answer` makes is checked directly; any other valid form of a
    signature goes through `http-message-signatures`."""
    lines = [(name.lower(), value.strip()) for name, value in headers]
    fields: dict[str, str] = {}
    for name, value in lines:  # repeated lines combined as RFC 9421 §2.1 says
        fields[name] = f"{fields[name]}, {value}" if name in fields else value
    if "signature" not in fields or "signature-input" not in fields:
        raise Unverified("the answer is not signed by the platform")
    if "content-digest" not in fields:
        raise Unverified("the answer has no Content-Digest")
    if not hmac.compare_digest(fields["content-digest"], content_digest(body)):
        raise Unverified("the answer's Content-Digest does not match its body")
    required = _covered(fields, request_signature is not None)
    created = _verify_fast(status, fields, method, path, request_signature, key, required)
    if created is None:
        created = _verify_with_library(status, lines, body, method, path, request_signature,
                                       key, required)
    kept = {name: fields[name] for name in (*COVERED_IF_PRESENT, "content-digest",
                                            "signature-input", "signature") if name in fields}
    return Acknowledgement(status, kept, body, method.upper(), path or "/",
                           request_signature, datetime.fromtimestamp(created, UTC))


_FAST_INPUT = re.compile(rf'{ACK_LABEL}=(\((.*?)\);created=(0|[1-9][0-9]{{0,14}});'
                         rf'keyid="([A-Za-z0-9_-]{{1,64}})";alg="ed25519")')
_FAST_SIGNATURE = re.compile(rf"{ACK_LABEL}=:([A-Za-z0-9+/]{{86}}==):")


def _verify_fast(status: int, fields: Mapping[str, str], method: str, path: str,
                 request_signature: str | None, key: Ed25519PublicKey,
                 required: tuple[str, ...]) -> int | None:
    """The exact form `sign_answer` makes, checked directly: its `created`; None for
    any other form (then the library decides)."""
    sig_input = _FAST_INPUT.fullmatch(fields["signature-input"])
    signature = _FAST_SIGNATURE.fullmatch(fields["signature"])
    if sig_input is None or signature is None or sig_input.group(2) != _inner(required):
        return None
    if sig_input.group(4) != key_id(key):
        raise Unverified("the answer is signed with another key than the platform's known one")
    if not all(fields[c].isprintable() for c in required if not c.startswith(("@", '"'))):
        return None
    base = _base(status, fields, required, method, path, request_signature, sig_input.group(1))
    try:
        key.verify(base64.b64decode(signature.group(1)), base)
    except InvalidSignature:
        raise Unverified("the platform's signature does not match this answer to this "
                         "request") from None
    return int(sig_input.group(3))


def _verify_with_library(status: int, lines: list[tuple[str, str]], body: bytes, method: str,
                         path: str, request_signature: str | None, key: Ed25519PublicKey,
                         required: tuple[str, ...]) -> int:
    message = SimpleNamespace(status_code=status, headers=_Lines(lines),
                              request=_request_view(method, path, request_signature))
    verifier = hms.HTTPMessageVerifier(signature_algorithm=algorithms.ED25519,
                                       key_resolver=_Resolver(public=key))
    try:
        results = _verify_labelled(verifier, message, required, body)
    except hms.HTTPMessageSignaturesException as exc:
        raise Unverified(f"the platform's signature does not hold: "
                         f"{exc or 'it does not match this answer to this request'}") from None
    except (KeyError, ValueError, TypeError) as exc:
        raise Unverified(f"the platform's signature is malformed: {exc}") from None
    created = results[0].parameters.get("created")
    if not isinstance(created, int):
        raise Unverified("the platform's signature carries no created time")
    return created


def _verify_labelled(verifier: hms.HTTPMessageVerifier, message: Any, required: tuple[str, ...],
                     body: bytes) -> list[Any]:
    """Exactly one signature, ours, covering `required` and the body's digest."""
    results = verifier.verify(message, max_age=None, require_components=required, body=body)
    if len(results) != 1 or results[0].label != ACK_LABEL:
        raise hms.InvalidSignature(f"exactly one signature labelled {ACK_LABEL!r} is expected")
    if results[0].body is None and body:
        raise hms.InvalidSignature("the body is not covered")
    return results


class _Lines:
    """Header lines as the verifier reads them: every line, in order."""

    def __init__(self, lines: list[tuple[str, str]]):
        self._lines = lines

    def items(self) -> list[tuple[str, str]]:
        return list(self._lines)

    def __iter__(self):
        return iter(dict.fromkeys(name for name, _ in self._lines))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(n == name.lower() for n, _ in self._lines)

    def __getitem__(self, name: str) -> str:
        values = [v for n, v in self._lines if n == name.lower()]
        if not values:
            raise KeyError(name)
        return ", ".join(values)

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self[name]
        except KeyError:
            return default
