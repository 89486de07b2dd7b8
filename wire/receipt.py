"""The signed receipt: what a terminal confirmed, when, signed with its own key.

A receipt proves itself: terminal id, receipt number, kind, the time of confirmation
and the sha256 of the sealed envelope, signed with the terminal's Ed25519 key (made
at enrollment). Anyone holding the terminal's public key can check it; the platform
holds every key a terminal has had.

Its text form goes into a QR code, so it is short: `R1` and base64url (no padding) of

    byte 0        kind (1 petition, 2 review, 3 re-review)
    bytes 1-5     receipt number, 40-bit big-endian (ten digits)
    bytes 6-10    confirmation time, seconds since the Unix epoch, 40-bit big-endian
    bytes 11-42   sha256 of the sealed envelope
    byte 43       n, the length of the terminal id (1-64)
    n bytes       the terminal id (ASCII)
    64 bytes      Ed25519 over `DOMAIN` + `R1` + every byte before the signature

about 155 characters for a usual terminal id. The version is in the text (`R1`), so a
later form can be told apart before decoding; the signature covers it. The QR code is
a URL of the platform's receipt page with the text as its last path segment
(`receipt_url`), so a phone camera opens it; `parse` takes either.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

VERSION = "R1"
DOMAIN = b"petition-kiosk receipt\x00"  # a receipt signature is never a valid request one
PAGE_PATH = "/r/"  # the platform's receipt page: PAGE_PATH + text
KINDS = ("petition", "review", "re_review")
_TERMINAL_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_SIGNATURE_BYTES = 64
_FIXED_BYTES = 1 + 5 + 5 + 32 + 1
_MAX_TEXT = 400  # anything longer is not a receipt; refused before decoding


class ReceiptInvalid(ValueError):
    """Not a receipt, or one whose signature does not hold; the message says which."""


@dataclass(frozen=True)
class SignedReceipt:
    """A receipt read from its text. `signature` is checked only by `verify`."""

    terminal_id: str
    receipt_no: str  # ten digits
    kind: str
    confirmed_at: datetime  # UTC, whole seconds
    envelope_sha256: str  # hex
    signature: bytes
    signed_bytes: bytes  # what the signature covers (DOMAIN and version included)
    text: str

    def verify(self, key: Ed25519PublicKey) -> None:
        """ReceiptInvalid unless `key` made the signature over exactly these fields."""
        try:
            key.verify(self.signature, self.signed_bytes)
        except InvalidSignature:
            raise ReceiptInvalid("the receipt's signature does not hold: it was altered, or "
                                 "not signed by this terminal's key") from None

    def matches_envelope(self, envelope: bytes) -> bool:
        return hashlib.sha256(envelope).hexdigest() == self.envelope_sha256


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ReceiptInvalid("the receipt text is not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise ReceiptInvalid("the receipt text is not base64url") from None


def _payload(terminal_id: str, receipt_no: str, kind: str, confirmed_at: datetime,
             envelope_sha256: str) -> bytes:
    if not _TERMINAL_ID.fullmatch(terminal_id or ""):
        raise ValueError(f"not a terminal id: {terminal_id!r}")
    if not re.fullmatch(r"\d{10}", receipt_no or ""):
        raise ValueError("a receipt number is ten digits")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    if confirmed_at.tzinfo is None:
        raise ValueError("confirmed_at must be timezone-aware")
    seconds = int(confirmed_at.timestamp())
    if not 0 <= seconds < 1 << 40:
        raise ValueError("confirmed_at is out of range")
    digest = bytes.fromhex(envelope_sha256)
    if len(digest) != 32:
        raise ValueError("envelope_sha256 is a sha256")
    tid = terminal_id.encode("ascii")
    return (bytes([KINDS.index(kind) + 1]) + int(receipt_no).to_bytes(5, "big")
            + seconds.to_bytes(5, "big") + digest + bytes([len(tid)]) + tid)


def sign(key: Ed25519PrivateKey, *, terminal_id: str, receipt_no: str, kind: str,
         confirmed_at: datetime, envelope: bytes) -> str:
    """The receipt's text for a confirmed submission (its sealed `envelope`)."""
    payload = _payload(terminal_id, receipt_no, kind, confirmed_at,
                       hashlib.sha256(envelope).hexdigest())
    signature = key.sign(DOMAIN + VERSION.encode() + payload)
    return VERSION + _b64(payload + signature)


def text_of(scanned: str) -> str:
    """The receipt text in what was scanned or typed: the text itself or a page URL
    ending in it (a query or fragment after it is dropped)."""
    text = scanned.strip()
    if PAGE_PATH in text:
        text = text.rsplit(PAGE_PATH, 1)[1]
    return re.split(r"[?#/]", text, maxsplit=1)[0]


def parse(scanned: str) -> SignedReceipt:
    """Reads a receipt's fields (not yet its signature: `SignedReceipt.verify`).
    ReceiptInvalid says precisely what is wrong with the text."""
    text = text_of(scanned)
    if len(text) > _MAX_TEXT:
        raise ReceiptInvalid("the text is too long to be a receipt")
    if not text.startswith("R"):
        raise ReceiptInvalid("this is not a receipt of a petition kiosk (it does not start "
                             "with R1)")
    if not text.startswith(VERSION):
        raise ReceiptInvalid(f"a receipt of version {text[:2]!r}, which this release does "
                             f"not know (it reads {VERSION})")
    raw = _unb64(text[len(VERSION):])
    if len(raw) < _FIXED_BYTES + 1 + _SIGNATURE_BYTES:
        raise ReceiptInvalid("the receipt is cut short")
    n = raw[_FIXED_BYTES - 1]
    if len(raw) != _FIXED_BYTES + n + _SIGNATURE_BYTES:
        raise ReceiptInvalid("the receipt's length does not match its contents (cut short "
                             "or altered)")
    kind_code = raw[0]
    if not 1 <= kind_code <= len(KINDS):
        raise ReceiptInvalid("the receipt names an unknown kind of application")
    try:
        terminal_id = raw[_FIXED_BYTES:_FIXED_BYTES + n].decode("ascii")
    except UnicodeDecodeError:
        terminal_id = ""
    if not _TERMINAL_ID.fullmatch(terminal_id):
        raise ReceiptInvalid("the receipt's terminal id is not one")
    number = int.from_bytes(raw[1:6], "big")
    if number >= 10**10:
        raise ReceiptInvalid("the receipt number is not ten digits")
    body = raw[:-_SIGNATURE_BYTES]
    return SignedReceipt(
        terminal_id=terminal_id,
        receipt_no=f"{number:010d}",
        kind=KINDS[kind_code - 1],
        confirmed_at=datetime.fromtimestamp(int.from_bytes(raw[6:11], "big"), UTC),
        envelope_sha256=raw[11:43].hex(),
        signature=raw[-_SIGNATURE_BYTES:],
        signed_bytes=DOMAIN + VERSION.encode() + body,
        text=text,
    )


def receipt_url(base: str, text: str) -> str:
    """The URL a receipt's QR code carries: the platform's receipt page for `text`.
    `base` is the platform's root (scheme, host, any path prefix)."""
    return base.rstrip("/") + PAGE_PATH + text
