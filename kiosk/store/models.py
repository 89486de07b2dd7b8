"""Tables of the local store.

These models describe the schema for queries; the schema itself is created and
changed only by the migrations in `migrations/versions/`, and a test checks the
two agree.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from .states import STATES

# Named constraints, so later batch migrations can find and change them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime, stored as SQLite's fixed-width naive text.

    Storing UTC without an offset keeps the text sortable, so comparisons and
    ORDER BY in SQL follow time order.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("naive datetime: the store needs timezone-aware times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class JSONText(TypeDecorator):
    """A JSON document kept as TEXT (a column declared JSON would get numeric affinity)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> str | None:
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    def process_result_value(self, value: str | None, dialect) -> Any:
        return None if value is None else json.loads(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


_STATE_LIST = ", ".join(f"'{s}'" for s in STATES)


class Submission(Base):
    __tablename__ = "submissions"

    # The UUID made at confirm; also the idempotency key towards the platform, forever.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    receipt_no: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str | None] = mapped_column(String(64))
    terminal_id: Mapped[str] = mapped_column(String(64))
    jurisdiction: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Sealed by the caller; the store cannot read it. NULL once purged.
    envelope: Mapped[bytes | None] = mapped_column(LargeBinary)
    # Masked, non-sensitive fields for the receipt screen.
    receipt_fields: Mapped[dict] = mapped_column(JSONText(), server_default="{}")
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(64))
    query_code: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Why a technician set it aside (a listed reason, or typed text masked like the logs).
    set_aside_reason: Mapped[str | None] = mapped_column(Text)
    # The platform's signed answer that delivered the item or set it aside (a `wire.ack`
    # document); kept after the purge, the terminal's proof of what the platform said.
    platform_ack: Mapped[str | None] = mapped_column(Text)
    # The receipt signed with the terminal's key at confirm (`wire.receipt` text); NULL
    # before migration 0006 or while the terminal had no key. Kept after the purge.
    receipt_token: Mapped[str | None] = mapped_column(Text)
    # How far the clock could be trusted at confirm (`kiosk/clock_trust.confirmation_clock`):
    # sent with the submission; NULL before migration 0009.
    clock_trust: Mapped[dict | None] = mapped_column(JSONText())
    # The agent of a proxy station whose session confirmed it (migration 0008); NULL for a
    # walk-in citizen's. Set by the session, never typed.
    agent_id: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (
        CheckConstraint(f"state IN ({_STATE_LIST})", name="state"),
        CheckConstraint("state = 'purged' OR envelope IS NOT NULL", name="envelope"),
        CheckConstraint(
            "state NOT IN ('delivered', 'purged') OR "
            "(case_no IS NOT NULL AND delivered_at IS NOT NULL)",
            name="delivered",
        ),
        CheckConstraint("attempts >= 0", name="attempts"),
        Index("ix_submissions_state_created_at", "state", "created_at"),
        Index("ix_submissions_agent_id", "agent_id"),
    )


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("submissions.id", ondelete="CASCADE")
    )
    role: Mapped[str] = mapped_column(String(32))
    media_type: Mapped[str] = mapped_column(String(128))
    # Size of the sealed bytes on disk (the store never sees the plaintext).
    size: Mapped[int] = mapped_column(Integer)
    # sha256 hex of the plaintext, from the caller: the attachment's identity.
    digest: Mapped[str] = mapped_column(String(64))
    # sha256 hex of the sealed bytes, computed by the store; also the file's name.
    sealed_digest: Mapped[str] = mapped_column(String(64))
    # Relative to the attachments directory: "<submission_id>/<sealed_digest>".
    file_name: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("submission_id", "digest"),)


class DeliveryCount(Base):
    """Deliveries per UTC day and kind; kept when the submissions themselves are purged."""

    __tablename__ = "delivery_counts"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivered: Mapped[int] = mapped_column(Integer, server_default="0")


FOLLOWUP_KINDS = ("evaluation", "supplement", "withdrawal")
FOLLOWUP_STATES = ("queued", "sending", "delivered", "needs_attention")


class FollowUp(Base):
    """Something the citizen does after a confirm that the platform must get exactly once
    (a rating, material added, a withdrawal), linked to its case: through a submission of
    this terminal (sent only once that has a case number), or by the case's query code and
    the phone digits the citizen proved on the query screen (a case of any terminal)."""

    __tablename__ = "followups"

    # A UUID made when the citizen acts; the Idempotency-Key towards the platform.
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    submission_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("submissions.id"))
    # A case named by its query code (None when `submission_id` names it), with the
    # terminal that asks and the second factor proved: the last 4 phone digits only.
    query_code: Mapped[str | None] = mapped_column(String(8))
    phone_last4: Mapped[str | None] = mapped_column(String(4))
    terminal_id: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    # What an evaluation rates: "terminal" or "case" (None for the other kinds).
    service: Mapped[str | None] = mapped_column(String(16))
    # Not personal: a rating's level and reason codes; how many pages of material.
    payload: Mapped[dict] = mapped_column(JSONText(), server_default="{}")
    # Personal (a rating's free text, the pages of material, a withdrawal's signature):
    # sealed to the platform's key; the store cannot read it.
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    case_no: Mapped[str | None] = mapped_column(String(64))
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    platform_ack: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("kind IN ({})".format(", ".join(f"'{k}'" for k in FOLLOWUP_KINDS)),
                        name="kind"),
        CheckConstraint("state IN ({})".format(", ".join(f"'{s}'" for s in FOLLOWUP_STATES)),
                        name="state"),
        CheckConstraint("state != 'delivered' OR (case_no IS NOT NULL AND "
                        "delivered_at IS NOT NULL)", name="delivered"),
        CheckConstraint("attempts >= 0", name="attempts"),
        CheckConstraint("(submission_id IS NULL) != (query_code IS NULL) AND (query_code IS "
                        "NULL OR (phone_last4 IS NOT NULL AND terminal_id IS NOT NULL))",
                        name="linked"),
        Index("ix_followups_state_created_at", "state", "created_at"),
        # One rating per case and service; one withdrawal per case.
        Index("uq_followups_one_evaluation", "submission_id", "service", unique=True,
              sqlite_where=text("kind = 'evaluation'")),
        Index("uq_followups_one_code_evaluation", "query_code", "service", unique=True,
              sqlite_where=text("kind = 'evaluation'")),
        Index("uq_followups_one_withdrawal", "submission_id", unique=True,
              sqlite_where=text("kind = 'withdrawal'")),
        Index("uq_followups_one_code_withdrawal", "query_code", unique=True,
              sqlite_where=text("kind = 'withdrawal'")),
    )


submissions = Submission.__table__
followups = FollowUp.__table__
attachments = Attachment.__table__
delivery_counts = DeliveryCount.__table__
