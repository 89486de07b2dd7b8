"""The platform's size limits, as `GET /limits` announces them, and the server's own."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True)
class ServerLimits:
    """What any client may cost before the platform knows who sent it; the defaults of
    `kiosk-receiver serve` (docs/receiver.md, "Limits")."""

    max_connections: int = 256  # connections and requests at once (uvicorn: 503 beyond)
    backlog: int = 512  # connections waiting to be accepted
    keep_alive_timeout: int = 5  # seconds an idle connection is kept between requests
    header_timeout: float = 10.0  # seconds from a request's first byte to its headers' end
    max_header_bytes: int = 16 * 1024  # request line and headers together (431 beyond)
    body_timeout: float = 20.0  # seconds: a window in which a body must make progress
    min_body_rate: int = 1024  # bytes per second over each window, on average
    body_budget: int = 48 * MiB  # request bodies held in memory at once
    body_wait: float = 5.0  # seconds a request waits for room in the budget (503 beyond)

    def __post_init__(self) -> None:
        if min(self.header_timeout, self.body_timeout) <= 0:
            raise ValueError("timeouts must be more than 0 seconds")
        if min(self.max_connections, self.backlog, self.keep_alive_timeout) < 1:
            raise ValueError("connections, backlog and keep-alive must be at least 1")
        if self.max_header_bytes < 1024:
            raise ValueError("headers must be allowed at least 1024 bytes")
        if self.min_body_rate < 0 or self.body_wait < 0:
            raise ValueError("the minimum body rate and the body wait cannot be negative")
