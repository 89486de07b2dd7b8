"""sync/pace.py: what one request may carry, learned from the worker's own requests."""

from __future__ import annotations

from sync import pace


def test_a_short_first_round_trip_leaves_the_platforms_limits_until_measured():
    link = pace.LinkPace(read_timeout=30.0)
    link.first_round_trip(0.004)  # a hall's network
    assert link.budget() == pace.UNLIMITED
    link.sent(80_000, 10.0)  # then found slow after all
    assert link.budget() == 60_000


def test_a_far_line_starts_small_and_learns_the_line():
    link = pace.LinkPace(read_timeout=30.0)
    link.first_round_trip(0.8)  # handshake and request over 400 ms round trips
    assert link.budget() == pace.START_BYTES
    link.sent(pace.MEASURED_FROM - 1, 10.0)  # a small body says nothing of the line
    assert link.rate is None
    link.sent(80_000, 10.0)  # 8 KB/s: a quarter of 30 s carries 60 KB
    assert link.rate == 8000.0 and link.budget() == 60_000
    link.sent(800_000, 10.0)  # faster now: smoothed, not jumped to
    assert link.rate == 0.3 * 80_000 + 0.7 * 8000
    assert link.budget() == int(link.rate * 30.0 * pace.SHARE)


def test_a_slow_line_never_brings_it_below_the_least():
    link = pace.LinkPace(read_timeout=5.0)
    link.first_round_trip(0.5)
    link.sent(20_000, 100.0)  # 200 B/s
    assert link.budget() == pace.MIN_BYTES


def test_a_timeout_caps_the_rate_at_what_could_not_get_through():
    link = pace.LinkPace(read_timeout=30.0)
    link.sent(1_000_000, 1.0)  # a fast hall network: budgets of MBs
    assert link.budget() > 1_000_000
    link.timed_out(1_000_000)  # then a megabyte did not go in 30 s
    assert link.rate == 1_000_000 / 30.0
    assert link.budget() == 250_000  # the next bodies at most a quarter of it
