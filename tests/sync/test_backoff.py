"""How long the queue waits after a transient failure (sync/backoff.py), with no
server: capped exponential backoff with jitter, Retry-After as a floor, and the
hold shared by the items in flight together."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from sync.backoff import RETRY_AFTER_CAP_SECONDS, Backoff, QueueHold


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_with_jitter_up_to_the_cap():
    backoff = Backoff(base=1.0, cap=60.0, rng=random.Random(7))
    for failure in range(1, 15):
        ceiling = min(60.0, 2.0 ** (failure - 1))
        delay = backoff.next_delay()
        assert ceiling / 2 <= delay <= ceiling, (failure, delay)
    assert backoff.failures == 14


def test_jitter_spreads_terminals_apart():
    delays = {Backoff(base=8.0, rng=random.Random(seed)).next_delay() for seed in range(20)}
    assert len(delays) == 20 and min(delays) >= 4.0 and max(delays) <= 8.0


def test_retry_after_is_a_floor_never_a_ceiling():
    backoff = Backoff(base=1.0, cap=300.0, rng=random.Random(1))
    assert backoff.next_delay(retry_after=120.0) == 120.0
    for _ in range(12):
        backoff.next_delay()
    assert backoff.next_delay(retry_after=0.5) >= 150.0  # the backoff's own delay wins


def test_a_retry_after_beyond_an_hour_is_cut_to_an_hour():
    assert Backoff(base=1.0).next_delay(retry_after=10 * 86400) == RETRY_AFTER_CAP_SECONDS


def test_reset_starts_over():
    backoff = Backoff(base=2.0, cap=300.0, rng=random.Random(3))
    for _ in range(6):
        backoff.next_delay()
    backoff.reset()
    assert 1.0 <= backoff.next_delay() <= 2.0


def test_the_hold_is_shared_by_the_items_that_failed_together():
    clock = FakeClock()
    backoff = Backoff(base=10.0, cap=300.0, rng=random.Random(5))
    hold = QueueHold(backoff, clock)
    assert not hold.held() and hold.remaining() == 0.0
    first = hold.hold(None)
    until = hold.until
    assert 5.0 <= until - clock.now <= 10.0 and hold.held()
    for _ in range(3):  # the others in flight meet the same failure
        again = hold.hold(None)
        assert abs((again - first).total_seconds()) < 0.5
    assert hold.until == until and backoff.failures == 1
    clock.now = until  # the hold is over: the next failure backs off further
    hold.hold(None)
    assert backoff.failures == 2 and hold.until - clock.now >= 10.0


def test_a_retry_after_lengthens_a_hold_but_never_shortens_it():
    clock = FakeClock()
    hold = QueueHold(Backoff(base=10.0, rng=random.Random(2)), clock)
    hold.hold(None)
    until = hold.until
    hold.hold(retry_after=1.0)  # a platform that names a wait counts as a failure more
    assert hold.until >= until
    due = hold.hold(retry_after=120.0)
    assert hold.until == clock.now + 120.0
    assert due - datetime.now(UTC) == pytest.approx(timedelta(seconds=120), abs=timedelta(seconds=1))


def test_what_was_claimed_but_not_sent_is_due_when_the_hold_ends():
    clock = FakeClock()
    hold = QueueHold(Backoff(base=1.0), clock)
    assert hold.due() - datetime.now(UTC) < timedelta(seconds=1)
    hold.hold(retry_after=60.0)
    clock.now += 20
    assert hold.remaining() == pytest.approx(40.0)
    assert hold.due() - datetime.now(UTC) == pytest.approx(timedelta(seconds=40),
                                                           abs=timedelta(seconds=1))


def test_a_delivery_resets_the_backoff():
    clock = FakeClock()
    backoff = Backoff(base=1.0, rng=random.Random(4))
    hold = QueueHold(backoff, clock)
    hold.hold(None)
    clock.now = hold.until
    hold.hold(None)
    hold.delivered()
    assert backoff.failures == 0
