"""The outbox's states and the one table of changes between them.

Every change of an item's state is one row of `TRANSITIONS`: the event that causes
it, the state it starts from and the state it leads to. The outbox asks this
table, and nothing else, whether a change is allowed:

- a change of one item (technician retry, set aside) raises `TransitionError`
  when the item's state is not a source of the event;
- a batch of outcomes (`Outbox.settle`) records the allowed ones and hands back
  the ids of the others, unchanged;
- a change of every item in a state (claim, requeue of stale `sending`, purge)
  selects only rows in a source state of the event.

A submission is born `queued` (a confirm) and is never deleted: `purged` keeps
the row, its receipt, case number and query code.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from .errors import TransitionError

QUEUED = "queued"  # waiting for the sync worker, due at its next_attempt_at
SENDING = "sending"  # claimed by a worker, which owns it until it settles it
DELIVERED = "delivered"  # the platform's signed answer gave it a case number
NEEDS_ATTENTION = "needs_attention"  # permanently refused: waits for a technician
SET_ASIDE = "set_aside"  # a technician put it aside with a reason: never sent, never purged
PURGED = "purged"  # delivered, and past retention: envelope and files gone, numbers kept

STATES = (QUEUED, SENDING, DELIVERED, NEEDS_ATTENTION, SET_ASIDE, PURGED)

# The state a confirmed submission starts in.
INITIAL = QUEUED


class Event(StrEnum):
    """What makes an outbox item change state."""

    CLAIM = "claim"
    DELIVER = "deliver"
    RETRY = "retry"
    RELEASE = "release"
    REFUSE = "refuse"
    TECHNICIAN_RETRY = "technician_retry"
    SET_ASIDE = "set_aside"
    REQUEUE_STALE = "requeue_stale"
    PURGE = "purge"


@dataclass(frozen=True)
class Transition:
    event: Event
    source: str
    target: str
    why: str


TRANSITIONS: tuple[Transition, ...] = (
    Transition(Event.CLAIM, QUEUED, SENDING,
               "the sync worker takes the oldest due items to send them"),
    Transition(Event.DELIVER, SENDING, DELIVERED,
               "the platform's verified answer: case number and query code"),
    Transition(Event.DELIVER, QUEUED, DELIVERED,
               "the answer reaches a worker presumed dead after its item was requeued"),
    Transition(Event.RETRY, SENDING, QUEUED,
               "a transient failure (network, timeout, 5xx, 408, 429, 409): due again later"),
    Transition(Event.RELEASE, SENDING, QUEUED,
               "claimed but never sent (the queue is held, or the worker stops)"),
    Transition(Event.REFUSE, SENDING, NEEDS_ATTENTION,
               "a permanent refusal, or an attachment file damaged on this disk"),
    Transition(Event.REFUSE, QUEUED, NEEDS_ATTENTION,
               "the same, reaching a worker presumed dead after its item was requeued"),
    Transition(Event.TECHNICIAN_RETRY, NEEDS_ATTENTION, QUEUED,
               "a technician sends it back to the queue, due at once"),
    Transition(Event.SET_ASIDE, NEEDS_ATTENTION, SET_ASIDE,
               "a technician puts it aside with a reason"),
    Transition(Event.REQUEUE_STALE, SENDING, QUEUED,
               "a worker starts: what a dead worker left sending is sent again"),
    Transition(Event.PURGE, DELIVERED, PURGED,
               "the retention period after delivery is over"),
)


def _index() -> tuple[dict[Event, tuple[str, ...]], dict[Event, str]]:
    sources: dict[Event, list[str]] = {}
    targets: dict[Event, str] = {}
    for t in TRANSITIONS:
        if t.source not in STATES or t.target not in STATES:
            raise ValueError(f"unknown state in {t}")
        if targets.setdefault(t.event, t.target) != t.target:
            raise ValueError(f"{t.event} leads to two states")  # one event, one outcome
        sources.setdefault(t.event, []).append(t.source)
    missing = set(Event) - targets.keys()
    if missing:
        raise ValueError(f"events without a transition: {sorted(missing)}")
    return {e: tuple(s) for e, s in sources.items()}, targets


_SOURCES, _TARGETS = _index()


def sources(event: Event) -> tuple[str, ...]:
    """The states `event` may start from."""
    return _SOURCES[event]


def target(event: Event) -> str:
    """The state `event` leads to (one per event)."""
    return _TARGETS[event]


def allows(event: Event, state: str) -> bool:
    return state in _SOURCES[event]


def check(event: Event, state: str, submission_id: str) -> str:
    """The state `event` leads to from `state`; TransitionError when the table has no
    such change."""
    if state not in _SOURCES[event]:
        raise TransitionError(f"{submission_id} is {state}: {event} needs "
                              f"{' or '.join(_SOURCES[event])}")
    return _TARGETS[event]


def restored_state(state: str, attachments_whole: bool) -> str:
    """The state a submission read back from a damaged database takes in the live one.

    Not a transition (the row is new to the live database), but the same rules:
    what the platform has stays delivered or purged; one with an attachment file
    missing or damaged is refused here and needs a technician; one a worker was
    sending is requeued, as a dead worker's would be; the rest keep their state."""
    if state in (DELIVERED, PURGED):
        return state
    if not attachments_whole:
        return target(Event.REFUSE)
    if state == SENDING:
        return target(Event.REQUEUE_STALE)
    return state
