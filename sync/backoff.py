"""How long the queue waits after a transient failure: capped exponential backoff with
jitter, the platform's Retry-After as a floor, and the hold it puts on the queue."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

# The longest Retry-After honoured: a longer one is a platform's mistake, not a plan.
RETRY_AFTER_CAP_SECONDS = 3600.0


@dataclass
class Backoff:
    """Capped exponential backoff with jitter; the platform's Retry-After is a floor.

    The delay lives here, not in a retry library, because the worker's state
    survives restarts in the outbox (next_attempt_at), not in a call stack."""

    base: float = 1.0
    cap: float = 300.0
    failures: int = 0
    rng: random.Random = field(default_factory=random.Random)

    def next_delay(self, retry_after: float | None = None) -> float:
        self.failures += 1
        ceiling = min(self.cap, self.base * 2 ** min(self.failures - 1, 30))
        delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)  # "equal jitter"
        if retry_after is not None:
            delay = max(delay, min(retry_after, RETRY_AFTER_CAP_SECONDS))
        return delay

    def reset(self) -> None:
        self.failures = 0


class QueueHold:
    """The whole queue waits for the platform until `until` (the worker's monotonic
    clock). Holding the queue keeps the order and spares a platform that is already
    struggling.

    Invariant: the items that were in flight together when the platform failed share
    one hold rather than each doubling it; a Retry-After can only lengthen it."""

    def __init__(self, backoff: Backoff, clock: Callable[[], float]):
        self.backoff = backoff
        self.clock = clock
        self.until = 0.0

    def held(self) -> bool:
        return self.clock() < self.until

    def remaining(self) -> float:
        return max(0.0, self.until - self.clock())

    def hold(self, retry_after: float | None) -> datetime:
        """Holds the queue after a transient failure; returns when it is due again."""
        now = self.clock()
        if self.until <= now or retry_after:
            self.until = max(self.until, now + self.backoff.next_delay(retry_after))
        return datetime.now(UTC) + timedelta(seconds=self.until - now)

    def due(self) -> datetime:
        """When an item claimed now but not sent is due again: at the hold's end."""
        return datetime.now(UTC) + timedelta(seconds=self.remaining())

    def delivered(self) -> None:
        """The platform took something: the next failure starts the backoff afresh."""
        self.backoff.reset()
