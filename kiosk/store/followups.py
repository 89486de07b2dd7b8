"""Follow-ups to a submission (table `followups`): what the citizen does after the
receipt that the platform must get exactly once — the service evaluation now; material
added (补充材料) and a withdrawal (撤回申请) are further kinds of the same item.

A follow-up moves along the outbox's own transition table (`states.py`: claim,
deliver, retry, release, refuse, requeue of stale `sending`), never purged. It is
claimed only once its submission has a case number (delivered or purged), so the
platform can always link it: one made before its submission is delivered waits, and
follows it. Its id is the Idempotency-Key, so a send repeated after a crash or a lost
answer gets the platform's stored answer, never a second rating.

Invariant: one evaluation per submission and service (a unique index); asking for a
second one returns the first, unchanged.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, select, update
from sqlalchemy.exc import IntegrityError

from . import settling, states
from .db import write_transaction
from .errors import NotFoundError
from .models import followups, submissions
from .records import MAX_REASON_CHARS, Settlement, as_utc, utcnow
from .states import Event

EVALUATION = "evaluation"
_LINKED = (states.DELIVERED, states.PURGED)  # the submission has its case: the platform knows it


@dataclass(frozen=True)
class FollowUpInfo:
    """A follow-up as the store keeps it (its sealed part only as bytes)."""

    followup_id: str
    submission_id: str
    kind: str
    service: str | None
    payload: dict
    sealed: bytes | None
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    case_no: str | None
    delivered_at: datetime | None
    platform_ack: str | None


@dataclass(frozen=True)
class ClaimedFollowUp:
    """A follow-up the sync worker now owns (`sending`), with what its request needs."""

    followup_id: str
    submission_id: str
    receipt_no: str
    terminal_id: str
    kind: str
    service: str | None
    payload: dict
    sealed: bytes | None
    created_at: datetime
    attempts: int  # including this one


def _info(row: Any) -> FollowUpInfo:
    return FollowUpInfo(
        followup_id=row.id, submission_id=row.submission_id, kind=row.kind, service=row.service,
        payload=row.payload, sealed=row.sealed, created_at=row.created_at, state=row.state,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        case_no=row.case_no, delivered_at=row.delivered_at, platform_ack=row.platform_ack)


_SETTLE = settling.statements(followups)


def _due(now: datetime):
    """SQL: queued, due, and its submission has its case (the platform can link it)."""
    return and_(followups.c.state.in_(states.sources(Event.CLAIM)),
                followups.c.next_attempt_at <= now,
                submissions.c.state.in_(_LINKED))


class FollowUps:
    """The follow-ups of one data directory's store (`Outbox.followups`)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add_evaluation(self, submission_id: str, service: str, level: str,
                       reasons: tuple[str, ...] = (), sealed_text: bytes | None = None,
                       followup_id: str | None = None, now: datetime | None = None
                       ) -> tuple[FollowUpInfo, bool]:
        """Queues a rating of `service` for a submission, durably (one transaction).

        Returns (the follow-up, True) when it is new, or (the one kept before, False) when
        this submission's `service` was rated already: one rating per service. The level
        and reasons must be valid (`kiosk.evaluation.validate`); `sealed_text` is the free
        text sealed to the platform's key with `followup_id` (make the id first)."""
        now = as_utc(now, "now")
        followup_id = followup_id or str(uuid.uuid4())
        payload = {"level": level, "reasons": list(reasons)}
        try:
            with write_transaction(self.engine) as conn:
                known = conn.execute(select(submissions.c.id).where(
                    submissions.c.id == submission_id)).scalar()
                if known is None:
                    raise NotFoundError(submission_id)
                kept = self._evaluation(conn, submission_id, service)
                if kept is not None:
                    return kept, False
                conn.execute(followups.insert().values(
                    id=followup_id, submission_id=submission_id, kind=EVALUATION,
                    service=service, payload=payload, sealed=sealed_text, created_at=now,
                    state=states.INITIAL, attempts=0, next_attempt_at=now, updated_at=now))
        except IntegrityError:  # another process rated it in between: theirs stands
            with self.engine.connect() as conn:
                kept = self._evaluation(conn, submission_id, service)
            if kept is None:
                raise
            return kept, False
        found = self.get(followup_id)
        assert found is not None
        return found, True

    @staticmethod
    def _evaluation(conn: Any, submission_id: str, service: str) -> FollowUpInfo | None:
        row = conn.execute(select(followups).where(
            followups.c.submission_id == submission_id, followups.c.kind == EVALUATION,
            followups.c.service == service)).first()
        return _info(row) if row is not None else None

    def evaluation(self, submission_id: str, service: str) -> FollowUpInfo | None:
        """The rating of this submission's `service`, if it was rated."""
        with self.engine.connect() as conn:
            return self._evaluation(conn, submission_id, service)

    def get(self, followup_id: str) -> FollowUpInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(followups).where(followups.c.id == followup_id)).first()
        return _info(row) if row is not None else None

    def of_submission(self, submission_id: str) -> list[FollowUpInfo]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(followups).where(
                followups.c.submission_id == submission_id)
                .order_by(followups.c.created_at, followups.c.id)).all()
        return [_info(r) for r in rows]

    def counts(self) -> dict[str, int]:
        """Follow-ups per state (every state of the table, zero when none)."""
        out = {s: 0 for s in (states.QUEUED, states.SENDING, states.DELIVERED,
                              states.NEEDS_ATTENTION)}
        with self.engine.connect() as conn:
            for state, n in conn.execute(
                    select(followups.c.state, func.count()).group_by(followups.c.state)):
                out[state] = n
        return out

    def waiting(self, now: datetime | None = None) -> int:
        """Queued or sending follow-ups whose submission has its case: what is still to send."""
        now = as_utc(now, "now")
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.count()).select_from(followups.join(submissions))
                .where(followups.c.state.in_((states.QUEUED, states.SENDING)),
                       submissions.c.state.in_(_LINKED))).scalar() or 0

    def next_due_at(self) -> datetime | None:
        """When the earliest sendable follow-up is due (maybe in the past), or None."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(followups.c.next_attempt_at).select_from(followups.join(submissions))
                .where(followups.c.state == states.QUEUED, submissions.c.state.in_(_LINKED))
                .order_by(followups.c.next_attempt_at).limit(1)).scalar()

    def claim(self, limit: int, now: datetime | None = None) -> list[ClaimedFollowUp]:
        """Up to `limit` due follow-ups whose submission has its case, oldest first, moved
        to `sending` in one transaction (a dead worker's are requeued on the next start)."""
        now = as_utc(now, "now")
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                select(followups, submissions.c.receipt_no, submissions.c.terminal_id)
                .select_from(followups.join(submissions))
                .where(_due(now)).order_by(followups.c.created_at, followups.c.id)
                .limit(max(1, limit))).all()
            if not rows:
                return []
            conn.execute(update(followups)
                         .where(followups.c.id.in_([r.id for r in rows]),
                                followups.c.state.in_(states.sources(Event.CLAIM)))
                         .values(state=states.target(Event.CLAIM),
                                 attempts=followups.c.attempts + 1, updated_at=now))
        return [ClaimedFollowUp(
            followup_id=r.id, submission_id=r.submission_id, receipt_no=r.receipt_no,
            terminal_id=r.terminal_id, kind=r.kind, service=r.service, payload=r.payload,
            sealed=r.sealed, created_at=r.created_at, attempts=r.attempts + 1) for r in rows]

    def settle(self, settlements: list[Settlement]) -> list[str]:
        """Records what became of claimed follow-ups (their ids in `submission_id` of each
        `Settlement`) in one transaction, as `Outbox.settle` does for submissions: an
        unknown one or one whose state the table does not allow the event from is left as
        it is and its id returned; the same delivery again is a no-op."""
        if not settlements:
            return []
        now = utcnow()
        skipped: list[str] = []
        with write_transaction(self.engine) as conn:
            current = {r.id: r for r in conn.execute(
                select(followups.c.id, followups.c.state, followups.c.case_no)
                .where(followups.c.id.in_([x.submission_id for x in settlements])))}
            by_event: dict[Event, list[dict[str, Any]]] = {}
            for x in settlements:
                if x.event not in _SETTLE:
                    raise ValueError(f"{x.event} is not an outcome of a send")
                row = current.get(x.submission_id)
                if (row is not None and x.event is Event.DELIVER
                        and row.state == states.DELIVERED and row.case_no == x.case_no):
                    continue
                if row is None or not states.allows(x.event, row.state):
                    skipped.append(x.submission_id)
                    continue
                by_event.setdefault(x.event, []).append(
                    {"b_id": x.submission_id, "b_now": now, **settling.params(x)})
            for event, params in by_event.items():
                conn.execute(_SETTLE[event], params)
        return skipped

    def requeue_stale_sending(self) -> int:
        """Follow-ups a dead worker left in `sending` go back to the queue."""
        with write_transaction(self.engine) as conn:
            return conn.execute(
                update(followups)
                .where(followups.c.state.in_(states.sources(Event.REQUEUE_STALE)))
                .values(state=states.target(Event.REQUEUE_STALE), updated_at=utcnow())
            ).rowcount

    def retry_needs_attention(self, followup_id: str) -> None:
        """A technician sends a refused follow-up back to the queue, due now."""
        now = utcnow()
        with write_transaction(self.engine) as conn:
            state = conn.execute(select(followups.c.state)
                                 .where(followups.c.id == followup_id)).scalar()
            if state is None:
                raise NotFoundError(followup_id)
            target = states.check(Event.TECHNICIAN_RETRY, state, followup_id)
            conn.execute(update(followups).where(followups.c.id == followup_id)
                         .values(state=target, next_attempt_at=now, updated_at=now,
                                 last_error=None))


__all__ = ["EVALUATION", "MAX_REASON_CHARS", "ClaimedFollowUp", "FollowUpInfo", "FollowUps"]
