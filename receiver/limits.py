"""The platform's size limits, as `GET /limits` announces them."""

from __future__ import annotations

from wire import schemas

MiB = 1024 * 1024
# A sealed attachment is its plaintext plus 52 bytes (marker, HPKE key, tag); the
# terminal allows 20 MiB of plaintext, so the sealed limit leaves room for that.
SEALING_ALLOWANCE = 1024
LIMITS = schemas.Limits(
    max_attachment_bytes=20 * MiB + SEALING_ALLOWANCE,
    max_attachments=50,
    max_envelope_bytes=4 * MiB,
    chunk_bytes=1 * MiB,
    max_inline_bytes=256 * 1024,
    max_batch_submissions=32,
    max_batch_bytes=8 * MiB,
)


def max_body(limits: schemas.Limits) -> int:
    """The largest request body read at all: a whole attachment in one PUT, or a
    submission whose envelope (base64: 4/3 of its size) is at the limit, with room for
    metadata."""
    return max(limits.max_attachment_bytes, limits.max_envelope_bytes * 4 // 3) + 256 * 1024
