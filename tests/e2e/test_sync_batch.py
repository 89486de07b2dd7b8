"""The sync worker sends a backlog several submissions per request (POST
/submissions/batch) with small attachments inline, against the real reference
platform; and still delivers, one by one, to a platform that takes no batches."""

from __future__ import annotations

import math
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn

from kiosk.store import Outbox
from receiver import app as receiver_app
from sync import enrollment
from sync.client import PlatformClient
from sync.worker import Backoff, SyncWorker
from tests.support.platform_server import ReceiverProcess, issue_code, running_receiver
from tests.support.terminal import (
    enrolled_terminal,
    make_due,
    make_terminal,
    receiver_cases,
    wait_for,
)
from wire import paths, schemas


@pytest.fixture
def platform(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        yield rx


def requests_seen(rx: ReceiverProcess, method: str, path: str) -> int:
    """How many `method path…` requests the platform's access log shows."""
    return sum(1 for line in rx.output if f"receiver.access: {method} {path}" in line)


def test_a_backlog_goes_in_batches_with_small_attachments_inline(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    # Each has its signature (a small PNG: inline); every 10th a 300 kB PDF (uploaded).
    receipts = term.queue(40, with_attachment_every=10)
    result = term.kiosk("sync", "--once")
    assert result.returncode == 0, result.stderr
    assert term.status()["counts"]["delivered"] == 40

    cases = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    assert len({c["case_no"] for c in cases}) == 40
    batches = requests_seen(platform, "POST", paths.SUBMISSION_BATCHES)
    singles = requests_seen(platform, "POST", paths.SUBMISSIONS + " ")
    assert batches >= math.ceil(40 / SyncWorker.PER_REQUEST) and batches + singles <= 8
    assert requests_seen(platform, "PUT", paths.API + "/attachments/") == 4  # the PDFs
    with Outbox.open(term.data_dir) as outbox:
        for case in cases:
            assert outbox.find_by_receipt(case["receipt_no"]).case_no == case["case_no"]


def test_a_refusal_inside_a_batch_sets_only_that_item_aside(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    bad = term.queue_unopenable(platform.platform_public_key)
    good = term.queue(5)
    result = term.kiosk("sync", "--once")
    assert result.returncode == 0, result.stderr
    assert requests_seen(platform, "POST", paths.SUBMISSION_BATCHES) >= 1
    status = term.status()
    assert status["counts"]["needs_attention"] == 1 and status["counts"]["delivered"] == 5
    assert sorted(c["receipt_no"] for c in receiver_cases(platform)) == sorted(good)
    with Outbox.open(term.data_dir) as outbox:
        item = outbox.find_by_receipt(bad[0])
        assert item.state == "needs_attention" and "envelope_invalid" in item.last_error


def test_a_backlog_refused_with_500_stays_queued_then_each_is_one_case(tmp_path, platform):
    """Every batch answered 500: the whole backlog stays queued with the cause, nothing is
    set aside; after `fault clear` each submission is exactly one case."""
    term = enrolled_terminal(tmp_path, platform)
    receipts = term.queue(20, with_attachment_every=10)
    platform.cli("fault", "error", "--status", "500")
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1, result.stderr
    status = term.status()
    assert status["counts"]["queued"] == 20, status
    assert status["counts"].get("delivered", 0) == status["counts"].get("needs_attention", 0) == 0
    assert "submission batch: 500 internal_error" in status["last_error"]
    assert requests_seen(platform, "POST", paths.SUBMISSION_BATCHES + " 500") >= 1
    assert receiver_cases(platform) == []

    platform.cli("fault", "clear")
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    assert term.status()["counts"]["delivered"] == 20
    cases = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    assert len({c["submission_id"] for c in cases}) == len({c["case_no"] for c in cases}) == 20
    with Outbox.open(term.data_dir) as outbox:
        for case in cases:
            assert outbox.find_by_receipt(case["receipt_no"]).case_no == case["case_no"]


@contextmanager
def platform_in_thread(data_dir: Path, monkeypatch, *, limits: schemas.Limits | None = None,
                       without_batch_route: bool = False) -> Iterator[str]:
    """The reference platform served by uvicorn in this process (a real HTTP server on
    127.0.0.1), with other limits or without the batch route; yields its root URL."""
    if limits is not None:
        monkeypatch.setattr(receiver_app, "LIMITS", limits)
    app = receiver_app.create_app(data_dir)
    if without_batch_route:
        app.router.routes = [r for r in app.router.routes
                             if getattr(r, "path", None) != paths.SUBMISSION_BATCHES]
    # Bound here and handed to uvicorn: no other process can take the port meanwhile.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        wait_for(lambda: server.started or not thread.is_alive(), 20, interval=0.02,
                 what="the platform to start")
        assert server.started, "the platform did not start"
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        app.state.store.close()


@pytest.mark.parametrize("how", ["limits say no batches", "no batch route"])
def test_a_platform_without_batches_gets_the_backlog_one_by_one(tmp_path, monkeypatch, how):
    data = tmp_path / "platform"
    no_batches = receiver_app.LIMITS.model_copy(update={"max_batch_submissions": 0,
                                                       "max_inline_bytes": 0})
    with platform_in_thread(data, monkeypatch,
                            limits=no_batches if how == "limits say no batches" else None,
                            without_batch_route=how == "no batch route") as url:
        rx = ReceiverProcess(data)  # for its CLI on the same data directory
        rx.port = int(url.rsplit(":", 1)[1])
        term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key)
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0
        receipts = term.queue(20, with_attachment_every=7)
        result = term.kiosk("sync", "--once")
        assert result.returncode == 0, result.stderr
        assert term.status()["counts"]["delivered"] == 20
        cases = receiver_cases(rx)
        assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
        assert len({c["case_no"] for c in cases}) == 20


def test_a_batch_that_times_out_is_halved_and_each_submission_is_one_case(tmp_path, platform):
    """A platform taking 0.15 s per new submission and a 1 s read timeout: 16 in one
    request can never be answered in time. The worker halves the batch after each
    timeout and grows it back one by one, and the submissions the platform made cases of
    meanwhile get their kept answers."""
    term = make_terminal(tmp_path, platform.api_url, platform.platform_public_key,
                         read_timeout=1.0)
    assert term.kiosk("enroll", "--code", issue_code(platform, term.terminal_id)).returncode == 0
    receipts = term.queue(64)
    platform.cli("fault", "slow", "--seconds", "0.15")
    loaded = term.loaded()
    enrolled = enrollment.load(loaded.data_dir)
    key, platform_key = enrolled.signing_key, enrollment.require_platform_key(enrolled)

    def client() -> PlatformClient:
        return PlatformClient(platform.api_url, term.terminal_id, key, read_timeout=1.0,
                              platform_key=platform_key)

    with Outbox.open(loaded.data_dir) as outbox:
        worker = SyncWorker(loaded, outbox, client, concurrency=1,
                            backoff=Backoff(base=0.1, cap=0.3))
        try:
            sizes, deadline = set(), time.monotonic() + 90
            while outbox.status().counts.get("delivered", 0) < 64:
                assert time.monotonic() < deadline, outbox.status().counts
                sizes.add(worker.per_request)
                worker.drain()
                sizes.add(worker.per_request)
                time.sleep(max(0.0, worker.blocked_until - worker.clock()))
        finally:
            worker.close()
        # 16 × 0.15 s and 8 × 0.15 s both exceed the read timeout: halved at least twice.
        assert max(sizes) == SyncWorker.PER_REQUEST and min(sizes) <= 4
    cases = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    assert len({c["submission_id"] for c in cases}) == 64


def test_batches_stay_under_the_platforms_byte_limit():
    from sync.worker import _within

    def body(envelope_chars: int, inline_chars: int = 0) -> schemas.SubmissionRequest:
        return schemas.SubmissionRequest.model_construct(
            envelope="A" * envelope_chars,
            inline=[schemas.InlineAttachment.model_construct(data="B" * inline_chars)]
            if inline_chars else [])

    small = [body(10_000) for _ in range(5)]
    assert _within(small, 1_000_000) == [small]
    parts = _within([body(300_000, 100_000) for _ in range(6)], 1_000_000)
    assert [len(p) for p in parts] == [2, 2, 2]
    huge, a, b = body(2_000_000), body(100), body(100)
    assert _within([huge, a, b], 1_000_000) == [[a, b]]  # the huge one goes alone
    assert _within([a, huge, b], 1_000_000) == []  # each alone: no batch of two fits around it
