"""What goes into the local store and what comes out of it: plain frozen records.

Times in and out are timezone-aware; the store keeps them in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from . import states
from .receipt import format_receipt_no
from .states import Event

# Errors and reasons are kept this long at most (they are for technicians, not archives).
MAX_REASON_CHARS = 2000

# The longest the worker ever puts an item off is an hour (`[sync] backoff_cap_seconds` and
# the Retry-After it honours are capped there). An item due later than this from now was put
# off by a clock that has since been set back (a dead RTC battery back to 2000): it is due
# now, or it would wait out the years the clock lost. Nothing waits on a clock's mistake.
MAX_RETRY_DELAY = timedelta(hours=2)




def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None, name: str) -> datetime:
    """`value` in UTC, or now when None; a naive time is refused (ValueError)."""
    if value is None:
        return utcnow()
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class SealedAttachment:
    role: str  # e.g. "id_proof", "evidence"
    media_type: str
    digest: str  # sha256 hex of the plaintext, computed by the caller before sealing
    sealed: bytes


@dataclass(frozen=True)
class NewSubmission:
    submission_id: str  # canonical lowercase UUID; the idempotency key forever
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    envelope: bytes  # sealed by the caller
    receipt_fields: dict  # masked, non-sensitive: what the receipt screen shows
    attachments: list[SealedAttachment] = field(default_factory=list)
    # The terminal's key: the store signs the receipt with it in the confirm's transaction,
    # once the receipt number is drawn. None (not enrolled yet): the receipt is unsigned.
    signing_key: Ed25519PrivateKey | None = field(default=None, repr=False)
    # How far the clock could be trusted at confirm (`kiosk.clock_trust.confirmation_clock`).
    clock_trust: dict | None = None
    # The agent of a proxy station whose session confirmed it (`kiosk.agents`), or None.
    agent_id: str | None = None


@dataclass(frozen=True)
class Receipt:
    submission_id: str
    receipt_no: str  # ten bare digits; see `display_no`
    created_at: datetime
    receipt_fields: dict
    # The signed receipt's text (`wire.receipt`), None when confirmed without a key.
    token: str | None = None

    @property
    def display_no(self) -> str:
        return format_receipt_no(self.receipt_no)


@dataclass(frozen=True)
class StoredAttachment:
    role: str
    media_type: str
    size: int  # of the sealed bytes
    digest: str
    sealed_digest: str
    path: Path


@dataclass(frozen=True)
class Claimed:
    """An outbox item the sync worker now owns, in state `sending`."""

    submission_id: str
    receipt_no: str
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    envelope: bytes
    attempts: int  # including this one
    attachments: list[StoredAttachment]
    receipt_token: str | None = None  # the signed receipt, sent with the submission
    clock_trust: dict | None = None  # the clock's trust recorded at confirm


@dataclass(frozen=True)
class Settlement:
    """What became of one claimed item, for `Outbox.settle` (see its constructors)."""

    submission_id: str
    event: Event  # DELIVER, RETRY, RELEASE or REFUSE
    case_no: str | None = None
    query_code: str | None = None
    at: datetime | None = None  # delivered_at, or when a queued item is due again
    error: str | None = None
    # The platform's signed answer behind a delivery or a refusal (a `wire.ack` document),
    # kept with the item for good.
    acknowledgement: str | None = None

    @property
    def state(self) -> str:
        """The state the item takes: "delivered", "queued" or "needs_attention"."""
        return states.target(self.event)

    @property
    def attempted(self) -> bool:
        """False for an item handed back unsent: the claim's attempt does not count."""
        return self.event is not Event.RELEASE

    @classmethod
    def delivered(cls, submission_id: str, case_no: str, query_code: str,
                  at: datetime | None = None, acknowledgement: str | None = None) -> Settlement:
        """The platform accepted it. Repeating this with the same case number is a no-op."""
        if not case_no:
            raise ValueError("case_no is required")
        return cls(submission_id, Event.DELIVER, case_no, query_code, as_utc(at, "at"),
                   acknowledgement=acknowledgement)

    @classmethod
    def retry(cls, submission_id: str, error: str, next_attempt_at: datetime) -> Settlement:
        """Sending failed for now; back to the queue, due again at `next_attempt_at`."""
        return cls(submission_id, Event.RETRY, at=as_utc(next_attempt_at, "next_attempt_at"),
                   error=error[:MAX_REASON_CHARS])

    @classmethod
    def needs_attention(cls, submission_id: str, reason: str,
                        acknowledgement: str | None = None) -> Settlement:
        """A permanent refusal: out of the queue until a technician retries it."""
        return cls(submission_id, Event.REFUSE, error=reason[:MAX_REASON_CHARS],
                   acknowledgement=acknowledgement)

    @classmethod
    def release(cls, submission_id: str, next_attempt_at: datetime | None = None) -> Settlement:
        """Claimed but never sent (the queue is held, or the worker stops)."""
        return cls(submission_id, Event.RELEASE, at=as_utc(next_attempt_at, "next_attempt_at"))


@dataclass(frozen=True)
class SubmissionInfo:
    """What the store knows about a submission, without its envelope."""

    submission_id: str
    receipt_no: str
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    case_no: str | None
    query_code: str | None
    delivered_at: datetime | None
    updated_at: datetime
    receipt_fields: dict
    platform_ack: str | None = None  # the platform's signed answer that settled it
    receipt_token: str | None = None  # the receipt signed at confirm (`wire.receipt`)
    agent_id: str | None = None  # the proxy station's agent whose session confirmed it

    @property
    def display_no(self) -> str:
        return format_receipt_no(self.receipt_no)


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[str, int]  # every state, zero when none
    oldest_queued_age: timedelta | None  # of the oldest item not yet delivered (queued/sending)
    last_error: str | None  # the most recent error of an item still waiting
    total: int


@dataclass(frozen=True)
class RecoveredFile:
    """An attachment read back from a damaged database and checked against its digest."""

    columns: dict[str, Any]  # its row of `attachments`, as SQLite stored it
    sealed: bytes


@dataclass(frozen=True)
class RecoveredSubmission:
    """A submission read back from a damaged database, for `Outbox.restore`.

    `columns` are its row of `submissions` as SQLite stored them (a damaged file has
    the storage formats of the live one), restricted to columns the live table has,
    with the state it takes already decided (`states.restored_state`)."""

    columns: dict[str, Any]
    files: list[RecoveredFile] = field(default_factory=list)

    @property
    def submission_id(self) -> str:
        return self.columns["id"]
