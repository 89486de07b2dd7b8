"""What the outbox answers without changing anything: status, look-ups, lists, counts.

Functions over an open connection, so the outbox decides the transaction; none of
them returns an envelope.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, literal, select

from . import states
from .models import attachments, delivery_counts, submissions
from .records import MAX_RETRY_DELAY, OutboxStatus, SubmissionInfo, utcnow
from .states import Event

_INFO_COLUMNS = [c for c in submissions.c if c.name != "envelope"]


def is_due(next_attempt_at: Any, now: Any, later: Any):
    """SQL: an item due at `now`: its time has come, or it lies beyond `later` (now plus
    `MAX_RETRY_DELAY`: put off by a clock since set back). Both bound values or times."""
    return (next_attempt_at <= now) | (next_attempt_at > later)


def due_at(next_attempt_at: Any, now: datetime):
    """SQL: when an item is due, read the same way (`now` for one put off too far)."""
    return case((next_attempt_at > now + MAX_RETRY_DELAY, literal(now, next_attempt_at.type)),
                else_=next_attempt_at)
_WAITING = (states.QUEUED, states.SENDING)
# Whose last error the status shows: items still on their way or waiting for a technician.
_WITH_ERRORS = (states.QUEUED, states.SENDING, states.NEEDS_ATTENTION)


def _info(row: Any) -> SubmissionInfo:
    return SubmissionInfo(
        submission_id=row.id, receipt_no=row.receipt_no, kind=row.kind, category=row.category,
        purpose=row.purpose, terminal_id=row.terminal_id, jurisdiction=row.jurisdiction,
        created_at=row.created_at, state=row.state, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, last_error=row.last_error, case_no=row.case_no,
        query_code=row.query_code, delivered_at=row.delivered_at, updated_at=row.updated_at,
        receipt_fields=row.receipt_fields, platform_ack=row.platform_ack,
        receipt_token=row.receipt_token, agent_id=row.agent_id,
    )


def status(conn: Connection, now: datetime) -> OutboxStatus:
    counts = dict.fromkeys(states.STATES, 0)
    for state, n in conn.execute(
        select(submissions.c.state, func.count()).group_by(submissions.c.state)
    ):
        counts[state] = n
    oldest = conn.execute(
        select(func.min(submissions.c.created_at)).where(submissions.c.state.in_(_WAITING))
    ).scalar()
    last_error = conn.execute(
        select(submissions.c.last_error)
        .where(submissions.c.last_error.is_not(None), submissions.c.state.in_(_WITH_ERRORS))
        .order_by(submissions.c.updated_at.desc())
        .limit(1)
    ).scalar()
    age = None if oldest is None else max(now - oldest, timedelta(0))
    return OutboxStatus(
        counts=counts, oldest_queued_age=age, last_error=last_error, total=sum(counts.values())
    )


def next_due_at(conn: Connection, now: datetime | None = None) -> datetime | None:
    """When the earliest claimable item is due (maybe in the past), or None."""
    now = now or utcnow()
    return conn.execute(
        select(func.min(due_at(submissions.c.next_attempt_at, now)))
        .where(submissions.c.state.in_(states.sources(Event.CLAIM)))
    ).scalar()


def by_receipt(conn: Connection, bare_receipt_no: str) -> SubmissionInfo | None:
    row = conn.execute(
        select(*_INFO_COLUMNS).where(submissions.c.receipt_no == bare_receipt_no)
    ).first()
    return None if row is None else _info(row)


def by_case_no(conn: Connection, case_no: str) -> SubmissionInfo | None:
    row = conn.execute(select(*_INFO_COLUMNS).where(submissions.c.case_no == case_no)).first()
    return None if row is None else _info(row)


def by_id(conn: Connection, submission_id: str) -> SubmissionInfo | None:
    row = conn.execute(select(*_INFO_COLUMNS).where(submissions.c.id == submission_id)).first()
    return None if row is None else _info(row)


def newest(conn: Connection, state: str | None, limit: int) -> list[SubmissionInfo]:
    """Submissions, newest first, optionally in one state."""
    query = select(*_INFO_COLUMNS).order_by(submissions.c.created_at.desc()).limit(limit)
    if state is not None:
        query = query.where(submissions.c.state == state)
    return [_info(row) for row in conn.execute(query)]


def by_agent(conn: Connection, agent_id: str, limit: int) -> list[SubmissionInfo]:
    """What one agent's sessions confirmed on this terminal, newest first."""
    query = (select(*_INFO_COLUMNS).where(submissions.c.agent_id == agent_id)
             .order_by(submissions.c.created_at.desc()).limit(limit))
    return [_info(row) for row in conn.execute(query)]


def newest_delivery(conn: Connection) -> datetime | None:
    """When the platform last acknowledged a submission of this terminal."""
    return conn.execute(select(func.max(submissions.c.delivered_at))).scalar()


def delivered_per_day(conn: Connection) -> dict[tuple[date, str], int]:
    """Deliveries per UTC day and kind: the counts kept by purges plus the items not yet purged."""
    totals: Counter[tuple[date, str]] = Counter()
    for row in conn.execute(select(delivery_counts)):
        totals[(row.day, row.kind)] += row.delivered
    for row in conn.execute(
        select(submissions.c.kind, submissions.c.delivered_at)
        .where(submissions.c.state == states.DELIVERED)
    ):
        totals[(row.delivered_at.date(), row.kind)] += 1
    return dict(totals)


def live_file_names(conn: Connection) -> list[str]:
    """The attachment files some row still needs (every state but purged)."""
    return list(conn.execute(
        select(attachments.c.file_name)
        .join(submissions, submissions.c.id == attachments.c.submission_id)
        .where(submissions.c.state != states.PURGED)
    ).scalars())


def attachment_file(conn: Connection, submission_id: str, digest: str) -> Any:
    """(file_name, sealed_digest) of one attachment of a submission not purged, or None."""
    return conn.execute(
        select(attachments.c.file_name, attachments.c.sealed_digest)
        .join(submissions, submissions.c.id == attachments.c.submission_id)
        .where(
            attachments.c.submission_id == submission_id,
            attachments.c.digest == digest,
            submissions.c.state != states.PURGED,
        )
    ).first()
