"""Sealing: what a citizen confirmed is encrypted to the receiving platform's key.

HPKE (RFC 9180) base mode with X25519, HKDF-SHA256 and ChaCha20-Poly1305. The
`info` binds every sealed part to its submission id and its role, so a sealed
envelope cannot be replayed as another submission or swapped for an attachment.
The terminal holds only the platform's public key: it cannot read what it queued,
and a stolen disk reveals nothing.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)

MAGIC = b"PKS1"  # format marker and version of a sealed blob
# RFC 9180: mode base, KEM 0x0020, KDF 0x0001, AEAD 0x0003 (tests/core/test_known_answers.py)
SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)


class SealingError(ValueError):
    """A key or a sealed blob is not what it claims to be."""


def info(submission_id: str, part: str) -> bytes:
    """The HPKE `info` that binds a sealed part to its submission and its role."""
    return f"petition-kiosk/v1|{submission_id}|{part}".encode()


def seal(plaintext: bytes, public_key: X25519PublicKey, submission_id: str, part: str) -> bytes:
    return MAGIC + SUITE.encrypt(plaintext, public_key, info=info(submission_id, part))


def unseal(sealed: bytes, private_key: X25519PrivateKey, submission_id: str, part: str) -> bytes:
    if not sealed.startswith(MAGIC):
        raise SealingError("not a sealed blob of a known version")
    try:
        return SUITE.decrypt(sealed[len(MAGIC):], private_key, info=info(submission_id, part))
    except InvalidTag as exc:
        raise SealingError("sealed blob was altered, or belongs to another submission") from exc


def attachment_part(digest: str) -> str:
    return f"attachment:{digest}"


def encode_public_key(key: X25519PublicKey) -> str:
    return base64.b64encode(key.public_bytes(Encoding.Raw, PublicFormat.Raw)).decode()


def decode_public_key(text: str) -> X25519PublicKey:
    """A platform's public key as written in the configuration: base64 of 32 raw bytes."""
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealingError("public key is not valid base64") from exc
    if len(raw) != 32:
        raise SealingError(f"public key must be 32 bytes (X25519), got {len(raw)}")
    return X25519PublicKey.from_public_bytes(raw)


def generate_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def encode_private_key(key: X25519PrivateKey) -> str:
    raw = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    return base64.b64encode(raw).decode()


def decode_private_key(text: str) -> X25519PrivateKey:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SealingError("private key is not valid base64") from exc
    if len(raw) != 32:
        raise SealingError(f"private key must be 32 bytes (X25519), got {len(raw)}")
    return X25519PrivateKey.from_private_bytes(raw)
