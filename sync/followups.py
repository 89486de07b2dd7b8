"""Delivery of follow-ups (a rating, material added, a withdrawal): each sent once its
case can be named, exactly once, on the worker's own thread.

Follow-ups are few and small, so they go one request each, after the submissions of a
drain and under the same hold: a transient failure (network, timeout, 5xx, 408, 429,
409 — the platform does not have the case yet) holds the queue and the follow-up is
retried; the platform's signed permanent refusal sets it aside as `needs_attention`;
only its signed acceptance records it as delivered, the signed answer kept with it.
The follow-up id is the Idempotency-Key: sent again after a crash, it gets the stored
answer, never a second rating.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading

from kiosk.store import ClaimedFollowUp, Outbox, Settlement
from sync import answers
from sync.backoff import QueueHold
from sync.client import PlatformClient, Unreachable
from sync.delivery import UNSIGNED_WORD
from wire import schemas

log = logging.getLogger("kiosk.sync")

CLAIM = 16  # follow-ups claimed per transaction


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def wire_body(item: ClaimedFollowUp) -> schemas.FollowUpRequest:
    bodies: dict = {}
    if item.kind == "evaluation":
        bodies["evaluation"] = schemas.Evaluation(
            service=item.service, level=item.payload["level"],  # type: ignore[arg-type]
            reasons=list(item.payload.get("reasons") or []),
            text=_b64(item.sealed) if item.sealed else None)
    elif item.kind == "supplement":
        assert item.sealed is not None
        bodies["supplement"] = schemas.Supplement(
            pages=item.payload["pages"], sha256=hashlib.sha256(item.sealed).hexdigest(),
            sealed=_b64(item.sealed))
    elif item.kind == "withdrawal":
        assert item.sealed is not None
        bodies["withdrawal"] = schemas.Withdrawal(signature=_b64(item.sealed))
    return schemas.FollowUpRequest(
        followup_id=item.followup_id, terminal_id=item.terminal_id, kind=item.kind,  # type: ignore[arg-type]
        submission_id=item.submission_id, query_code=item.query_code,
        phone_last4=item.phone_last4, created_at=item.created_at, **bodies)


def settlement(item: ClaimedFollowUp, client: PlatformClient, hold: QueueHold) -> Settlement:
    """Sends one follow-up and says what the outbox records of it."""
    fid = item.followup_id
    try:
        answer = client.followup(wire_body(item))
    except Unreachable as exc:
        return Settlement.retry(fid, str(exc), hold.hold(None))
    reading = answers.read(answer)
    if reading.outcome == "retry":
        return Settlement.retry(fid, reading.error, hold.hold(reading.retry_after))
    if answer.proof is None:  # the client lets no unsigned answer through; kept as a guard
        return Settlement.retry(fid, f"unverified answer: {UNSIGNED_WORD}", hold.hold(None))
    if reading.outcome == "refused":
        log.error("a %s after %s set aside for a technician: %s", item.kind, item.about,
                  reading.error)
        return Settlement.needs_attention(fid, reading.error, answer.proof)
    try:
        accepted = answers.followup_accepted(answer)
    except ValueError as exc:
        return Settlement.retry(fid, f"unexpected answer: {exc}", hold.hold(None))
    hold.delivered()
    log.info("a %s after %s delivered to case %s", item.kind, item.about, accepted.case_no)
    return Settlement.delivered(fid, accepted.case_no, "", at=accepted.received_at,
                                acknowledgement=answer.proof)


class FollowUpDelivery:
    """Drains the sendable follow-ups; the outbox is written from the calling thread."""

    def __init__(self, outbox: Outbox, client: PlatformClient, hold: QueueHold,
                 stop_event: threading.Event):
        self.outbox = outbox
        self.client = client
        self.hold = hold
        self.stop_event = stop_event

    def drain(self) -> int:
        """Sends every due follow-up whose case can be named; returns how many were
        settled for good (delivered or set aside). Claimed ones not sent (the queue held
        meanwhile, the worker stopping) go back to the queue, due when the hold ends."""
        handled = 0
        while not self.stop_event.is_set() and not self.hold.held():
            claimed = self.outbox.followups.claim(CLAIM)
            if not claimed:
                return handled
            outcomes: list[Settlement] = []
            for item in claimed:
                if self.stop_event.is_set() or self.hold.held():
                    outcomes.append(Settlement.release(item.followup_id, self.hold.due()))
                    continue
                outcome = settlement(item, self.client, self.hold)
                if outcome.state == "queued":
                    log.warning("a %s after %s will be retried: %s", item.kind,
                                item.about, outcome.error)
                else:
                    handled += 1
                outcomes.append(outcome)
            for fid in self.outbox.followups.settle(outcomes):
                log.warning("follow-up %s changed meanwhile; its outcome was not recorded", fid)
        return handled
