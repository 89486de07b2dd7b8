"""How many submissions share one request (sync/batches.py), with no server: cutting
to the platform's `max_batch_bytes`, and the size halved after a timeout and grown
back one at a time."""

from __future__ import annotations

from sync import batches
from sync.worker import SyncWorker
from wire import schemas


def body(envelope_chars: int, inline_chars: int = 0, n: int = 0) -> schemas.SubmissionRequest:
    return schemas.SubmissionRequest.model_construct(
        submission_id=str(n), envelope="A" * envelope_chars,
        inline=[schemas.InlineAttachment.model_construct(data="B" * inline_chars)]
        if inline_chars else [])


def test_cut_keeps_the_order_and_every_batch_under_the_limit():
    bodies = [body(50_000 + 7_000 * (i % 5), 20_000 * (i % 3), n=i) for i in range(40)]
    limit = 400_000
    parts = batches.cut(bodies, limit)
    flat = [b for part in parts for b in part]
    assert [b.submission_id for b in flat] == [b.submission_id for b in bodies]
    for part in parts:
        assert len(part) >= 2
        assert sum(batches.body_size(b) for b in part) <= limit - batches.WRAPPER_BYTES


def test_cut_leaves_out_what_shares_no_batch():
    a, b, c = body(100, n=1), body(100, n=2), body(100, n=3)
    big = body(999_000, n=9)  # over the budget on its own
    assert batches.cut([a, big, b, c], 1_000_000) == [[b, c]]
    assert batches.cut([a], 1_000_000) == []  # one alone is no batch
    assert batches.cut([], 1_000_000) == []


def test_the_size_counts_envelope_and_inline_data():
    assert batches.body_size(body(1000, 500)) == 1000 + 500 + batches.PER_BODY_BYTES
    two_inline = schemas.SubmissionRequest.model_construct(
        envelope="A", inline=[schemas.InlineAttachment.model_construct(data="B" * 10)] * 2)
    assert batches.body_size(two_inline) == 1 + 20 + batches.PER_BODY_BYTES


def test_a_batch_size_starts_at_the_most_the_terminal_sends():
    size = batches.BatchSize(SyncWorker.PER_REQUEST)
    assert size.current == size.most == 16
    assert batches.BatchSize(0).current == 1  # never below one


def test_the_platforms_limit_caps_the_size():
    size = batches.BatchSize(16)
    size.limit_to(10)
    assert (size.most, size.current) == (10, 10)
    size.limit_to(50)  # a platform that takes more does not raise what the terminal sends
    assert (size.most, size.current) == (10, 10)
    size.limit_to(0)  # no batches at all
    assert (size.most, size.current) == (1, 1)


def test_halved_after_each_timeout_then_grown_back_one_at_a_time():
    size = batches.BatchSize(16)
    seen = []
    for _ in range(5):
        size.timed_out(size.current)
        seen.append(size.current)
    assert seen == [8, 4, 2, 1, 1]
    grown = []
    for _ in range(20):
        size.answered()
        grown.append(size.current)
    assert grown == list(range(2, 17)) + [16] * 5


def test_a_timeout_of_a_short_batch_halves_what_was_sent():
    size = batches.BatchSize(16)
    size.timed_out(6)  # the last six of a backlog: too much for the platform in one go
    assert size.current == 3


def test_a_platform_without_batches_gets_one_at_a_time_for_good():
    size = batches.BatchSize(16)
    size.one_by_one()
    size.answered()
    assert (size.most, size.current) == (1, 1)
