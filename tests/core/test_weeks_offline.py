"""Weeks without network: nothing queued expires, gives up or waits on a clock's mistake
(real outbox, the worker's real backoff, the clock injected as `now`). What was audited
for age limits is listed in docs/offline.md."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from kiosk.config import Sync
from kiosk.store import CaseRef, Outbox, Settlement
from kiosk.store.records import MAX_RETRY_DELAY
from sync.backoff import RETRY_AFTER_CAP_SECONDS, Backoff
from tests.support.store import new_submission

CONFIRMED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
SIXTY_DAYS_LATER = CONFIRMED + timedelta(days=60)
DEAD_BATTERY = datetime(2000, 1, 1, tzinfo=UTC)  # an RTC without power starts here


def test_sixty_days_offline_every_item_is_still_claimed_and_retried(tmp_path):
    box = Outbox.open(tmp_path)
    try:
        ids = [box.confirm(new_submission(created_at=CONFIRMED + timedelta(minutes=i),
                                          attachments=1)).submission_id for i in range(3)]
        backoff = Backoff(base=1.0, cap=300.0, rng=random.Random(7))
        now = CONFIRMED
        # every attempt of 60 days fails; each failure puts the items off by the backoff
        attempts = 0
        while now < SIXTY_DAYS_LATER:
            claimed = box.claim_batch(10, now=now)
            assert sorted(c.submission_id for c in claimed) == sorted(ids), now
            attempts += 1
            due = now + timedelta(seconds=backoff.next_delay())
            box.settle([Settlement.retry(c.submission_id, "ConnectionError: no route", due)
                        for c in claimed])
            assert box.purge_delivered(timedelta(days=0), now=due) == 0  # purges delivered only
            now = due + timedelta(days=5)  # the worker comes back days later (power cuts)
        assert attempts >= 12
        assert box.status(now=now).counts["queued"] == 3
        # and then the platform answers: all three delivered, each once
        claimed = box.claim_batch(10, now=now)
        box.settle([Settlement.delivered(c.submission_id, f"XF-{i}", f"Q{i}", at=now)
                    for i, c in enumerate(claimed)])
        assert box.status(now=now).counts["delivered"] == 3 == box.status(now=now).total
    finally:
        box.close()


def test_a_clock_set_back_to_2000_does_not_park_the_queue_for_26_years(tmp_path):
    box = Outbox.open(tmp_path)
    try:
        sid = box.confirm(new_submission(created_at=CONFIRMED)).submission_id
        follow = box.followups.add_evaluation(CaseRef(query_code="ABCD2345", phone_last4="1234",
                                                      terminal_id="T-0001"),
                                              "case", "satisfied", now=CONFIRMED)[0].followup_id
        claimed = box.claim_batch(10, now=SIXTY_DAYS_LATER)
        put_off = SIXTY_DAYS_LATER + timedelta(seconds=RETRY_AFTER_CAP_SECONDS)
        box.settle([Settlement.retry(sid, "HTTP 503", put_off) for _ in claimed])
        assert len(box.followups.claim(10, now=SIXTY_DAYS_LATER)) == 1
        box.followups.settle([Settlement.retry(follow, "HTTP 503", put_off)])
        # the longest put-off is not due yet by a clock that kept time ...
        assert box.claim_batch(10, now=SIXTY_DAYS_LATER) == []
        assert box.next_due_at(now=SIXTY_DAYS_LATER) == put_off
        assert box.followups.claim(10, now=SIXTY_DAYS_LATER) == []
        # ... but the clock went back to 2000: due now, not in 26 years
        assert box.next_due_at(now=DEAD_BATTERY) == DEAD_BATTERY
        assert box.followups.next_due_at(now=DEAD_BATTERY) == DEAD_BATTERY
        assert [c.submission_id for c in box.claim_batch(10, now=DEAD_BATTERY)] == [sid]
        assert [c.followup_id for c in box.followups.claim(10, now=DEAD_BATTERY)] == [follow]
    finally:
        box.close()


def test_no_put_off_the_worker_makes_is_read_as_a_clock_set_back():
    """The store's bound is above every delay the worker can set: the backoff's largest
    configurable cap and the longest Retry-After it honours."""
    cap_limit = next(m.le for m in Sync.model_fields["backoff_cap_seconds"].metadata
                     if getattr(m, "le", None) is not None)
    longest = max(cap_limit, RETRY_AFTER_CAP_SECONDS)
    assert MAX_RETRY_DELAY > timedelta(seconds=longest)
    backoff = Backoff(base=60.0, cap=cap_limit, rng=random.Random(1))
    assert max(backoff.next_delay(retry_after=10**6) for _ in range(40)) <= longest
