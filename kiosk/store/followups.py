"""Follow-ups to a case (table `followups`): what the citizen does after the receipt
that the platform must get exactly once — the service evaluation (好差评), material added
(补充材料), a withdrawal (撤回申请).

A follow-up names its case (`CaseRef`) through a submission of this terminal, or by the
case's query code with the phone digits the citizen proved on the query screen (a case
of any terminal). It moves along the outbox's own transition table (`states.py`: claim,
deliver, retry, release, refuse, requeue of stale `sending`), never purged. One named
through a submission is claimed only once that submission has a case number (delivered
or purged), so the platform can always link it: made before its submission is
delivered, it waits, and follows it. Its id is the Idempotency-Key, so a send repeated
after a crash or a lost answer gets the platform's stored answer, never a second one.

Invariants: one evaluation per case and service, one withdrawal per case, whichever way
the case is named (unique indexes); asking for a second returns the first, unchanged.
Material may be added more than once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from . import queries, settling, states
from .db import write_transaction
from .errors import NotFoundError
from .models import followups, submissions
from .records import MAX_REASON_CHARS, MAX_RETRY_DELAY, Settlement, as_utc, utcnow
from .states import Event

EVALUATION = "evaluation"
SUPPLEMENT = "supplement"
WITHDRAWAL = "withdrawal"
_LINKED = (states.DELIVERED, states.PURGED)  # the submission has its case: the platform knows it


@dataclass(frozen=True)
class CaseRef:
    """Which case a follow-up is for: a submission of this terminal, or a query code with
    the last 4 phone digits the citizen proved and this terminal's id. Exactly one."""

    submission_id: str | None = None
    query_code: str | None = None
    phone_last4: str | None = None
    terminal_id: str | None = None

    def __post_init__(self) -> None:
        if (self.submission_id is None) == (self.query_code is None):
            raise ValueError("a follow-up names its case by submission or by query code")
        if self.query_code is not None and not (self.phone_last4 and self.terminal_id):
            raise ValueError("a case named by query code needs the phone digits and terminal")

    @classmethod
    def of(cls, case: CaseRef | str) -> CaseRef:
        return case if isinstance(case, CaseRef) else cls(submission_id=case)

    def where(self) -> Any:
        if self.submission_id is not None:
            return followups.c.submission_id == self.submission_id
        return followups.c.query_code == self.query_code

    def columns(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "query_code": self.query_code,
                "phone_last4": self.phone_last4, "terminal_id": self.terminal_id}


@dataclass(frozen=True)
class FollowUpInfo:
    """A follow-up as the store keeps it (its sealed part only as bytes)."""

    followup_id: str
    submission_id: str | None
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
    query_code: str | None = None


@dataclass(frozen=True)
class ClaimedFollowUp:
    """A follow-up the sync worker now owns (`sending`), with what its request needs."""

    followup_id: str
    submission_id: str | None
    receipt_no: str | None  # None: the case is named by query code
    terminal_id: str
    kind: str
    service: str | None
    payload: dict
    sealed: bytes | None
    created_at: datetime
    attempts: int  # including this one
    query_code: str | None = None
    phone_last4: str | None = None

    @property
    def about(self) -> str:
        """What the log may say of its case: a receipt number or a masked query code."""
        return (f"receipt {self.receipt_no}" if self.receipt_no
                else f"query code {(self.query_code or '')[:2]}******")


def _info(row: Any) -> FollowUpInfo:
    return FollowUpInfo(
        followup_id=row.id, submission_id=row.submission_id, kind=row.kind, service=row.service,
        payload=row.payload, sealed=row.sealed, created_at=row.created_at, state=row.state,
        attempts=row.attempts, next_attempt_at=row.next_attempt_at, last_error=row.last_error,
        case_no=row.case_no, delivered_at=row.delivered_at, platform_ack=row.platform_ack,
        query_code=row.query_code)


_SETTLE = settling.statements(followups)


# Sendable: named by query code, or its submission has its case (the platform can link it)
_LINKABLE = or_(followups.c.submission_id.is_(None), submissions.c.state.in_(_LINKED))
_WITH_SUBMISSION = followups.outerjoin(submissions)


def _due(now: datetime):
    """SQL: queued, due, and linkable."""
    return and_(followups.c.state.in_(states.sources(Event.CLAIM)),
                queries.is_due(followups.c.next_attempt_at, now, now + MAX_RETRY_DELAY),
                _LINKABLE)


class FollowUps:
    """The follow-ups of one data directory's store (`Outbox.followups`)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add_evaluation(self, case: CaseRef | str, service: str, level: str,
                       reasons: tuple[str, ...] = (), sealed_text: bytes | None = None,
                       followup_id: str | None = None, now: datetime | None = None
                       ) -> tuple[FollowUpInfo, bool]:
        """Queues a rating of `service` for a case (a `CaseRef`, or a submission id),
        durably (one transaction).

        Returns (the follow-up, True) when it is new, or (the one kept before, False) when
        this case's `service` was rated already: one rating per service. The level and
        reasons must be valid (`kiosk.evaluation.validate`); `sealed_text` is the free
        text sealed to the platform's key with `followup_id` (make the id first)."""
        return self._add(CaseRef.of(case), EVALUATION, service,
                         {"level": level, "reasons": list(reasons)}, sealed_text,
                         followup_id, now, unique=True)

    def add_supplement(self, case: CaseRef, pages: int, sealed_pages: bytes,
                       followup_id: str, now: datetime | None = None) -> FollowUpInfo:
        """Queues material added to a case: `pages` pages sealed together to the platform's
        key with `followup_id`. Material may be added more than once."""
        if pages < 1 or not sealed_pages:
            raise ValueError("material added has at least one page, sealed")
        added, _ = self._add(case, SUPPLEMENT, None, {"pages": pages}, sealed_pages,
                             followup_id, now, unique=False)
        return added

    def add_withdrawal(self, case: CaseRef, sealed_signature: bytes, followup_id: str,
                       now: datetime | None = None) -> tuple[FollowUpInfo, bool]:
        """Queues a request to withdraw a case, its signature sealed with `followup_id`;
        (the one kept before, False) when this case's withdrawal was asked for already."""
        if not sealed_signature:
            raise ValueError("a withdrawal carries its signature, sealed")
        return self._add(case, WITHDRAWAL, None, {}, sealed_signature, followup_id, now,
                         unique=True)

    def _add(self, case: CaseRef, kind: str, service: str | None, payload: dict,
             sealed: bytes | None, followup_id: str | None, now: datetime | None, *,
             unique: bool) -> tuple[FollowUpInfo, bool]:
        now = as_utc(now, "now")
        followup_id = followup_id or str(uuid.uuid4())
        try:
            with write_transaction(self.engine) as conn:
                if case.submission_id is not None:
                    known = conn.execute(select(submissions.c.id).where(
                        submissions.c.id == case.submission_id)).scalar()
                    if known is None:
                        raise NotFoundError(case.submission_id)
                kept = self._one(conn, case, kind, service) if unique else None
                if kept is not None:
                    return kept, False
                conn.execute(followups.insert().values(
                    id=followup_id, kind=kind, service=service, payload=payload,
                    sealed=sealed, created_at=now, state=states.INITIAL, attempts=0,
                    next_attempt_at=now, updated_at=now, **case.columns()))
        except IntegrityError:  # another process asked the same in between: theirs stands
            with self.engine.connect() as conn:
                kept = self._one(conn, case, kind, service) if unique else None
            if kept is None:
                raise
            return kept, False
        found = self.get(followup_id)
        assert found is not None
        return found, True

    @staticmethod
    def _one(conn: Any, case: CaseRef, kind: str, service: str | None) -> FollowUpInfo | None:
        query = select(followups).where(case.where(), followups.c.kind == kind)
        if service is not None:
            query = query.where(followups.c.service == service)
        row = conn.execute(query).first()
        return _info(row) if row is not None else None

    def evaluation(self, case: CaseRef | str, service: str) -> FollowUpInfo | None:
        """The rating of this case's `service`, if it was rated."""
        with self.engine.connect() as conn:
            return self._one(conn, CaseRef.of(case), EVALUATION, service)

    def for_case(self, case_no: str, query_code: str) -> list[FollowUpInfo]:
        """Every follow-up this terminal holds for a case, however it was named: by its
        query code, or through the submission that became it."""
        with self.engine.connect() as conn:
            mine = select(submissions.c.id).where(submissions.c.case_no == case_no)
            rows = conn.execute(select(followups).where(or_(
                followups.c.query_code == query_code, followups.c.submission_id.in_(mine)))
                .order_by(followups.c.created_at, followups.c.id)).all()
        return [_info(r) for r in rows]

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
                select(func.count()).select_from(_WITH_SUBMISSION)
                .where(followups.c.state.in_((states.QUEUED, states.SENDING)), _LINKABLE)
            ).scalar() or 0

    def next_due_at(self, now: datetime | None = None) -> datetime | None:
        """When the earliest sendable follow-up is due (maybe in the past), or None."""
        due = queries.due_at(followups.c.next_attempt_at, now or utcnow())
        with self.engine.connect() as conn:
            return conn.execute(
                select(due).select_from(_WITH_SUBMISSION)
                .where(followups.c.state == states.QUEUED, _LINKABLE)
                .order_by(due).limit(1)).scalar()

    def claim(self, limit: int, now: datetime | None = None) -> list[ClaimedFollowUp]:
        """Up to `limit` due follow-ups whose submission has its case, oldest first, moved
        to `sending` in one transaction (a dead worker's are requeued on the next start)."""
        now = as_utc(now, "now")
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                select(followups, submissions.c.receipt_no,
                       func.coalesce(followups.c.terminal_id, submissions.c.terminal_id)
                       .label("sender"))
                .select_from(_WITH_SUBMISSION)
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
            terminal_id=r.sender, kind=r.kind, service=r.service, payload=r.payload,
            sealed=r.sealed, created_at=r.created_at, attempts=r.attempts + 1,
            query_code=r.query_code, phone_last4=r.phone_last4) for r in rows]

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


__all__ = ["EVALUATION", "MAX_REASON_CHARS", "SUPPLEMENT", "WITHDRAWAL", "CaseRef",
           "ClaimedFollowUp", "FollowUpInfo", "FollowUps"]
