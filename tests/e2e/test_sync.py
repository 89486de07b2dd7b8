"""The sync worker against the real reference platform, as real processes."""

import json
import logging
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from kiosk import doctor as kiosk_doctor
from kiosk import wake
from kiosk.store import Outbox
from sync import doctor_checks, enrollment
from sync.client import PlatformClient, PlatformClock
from sync.worker import SyncWorker
from tests.support.platform_server import running_receiver, signed_request
from tests.support.terminal import (
    enrolled_terminal,
    make_due,
    make_terminal,
    receiver_cases,
    stop,
    wait_for,
)
from wire import paths


@pytest.fixture
def platform(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        yield rx


def test_enroll_then_deliver_exactly_once(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    receipts = term.queue(3, with_attachment_every=2)
    result = term.kiosk("sync", "--once")
    assert result.returncode == 0, result.stderr
    status = term.status()
    assert status["counts"]["delivered"] == 3 and status["counts"]["queued"] == 0
    cases = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    # the case number and query code come back to the terminal
    with Outbox.open(term.data_dir) as outbox:
        for case in cases:
            info = outbox.find_by_receipt(case["receipt_no"])
            assert info.case_no == case["case_no"] and info.query_code
    # running again sends nothing twice
    assert term.kiosk("sync", "--once").returncode == 0
    assert len(receiver_cases(platform)) == 3


def test_enrollment_code_is_one_time_and_a_failed_enroll_keeps_the_old_key(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    key_before = (term.data_dir / "terminal-signing.key").read_text()
    again = term.kiosk("enroll", "--code", "WRONG-CODE-123")
    assert again.returncode == 1 and "refused" in again.stderr
    assert (term.data_dir / "terminal-signing.key").read_text() == key_before
    term.queue(1)
    assert term.kiosk("sync", "--once").returncode == 0


def test_not_enrolled_says_so(tmp_path, platform):
    term = make_terminal(tmp_path, platform.api_url, platform.platform_public_key)
    term.queue(1)
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1 and "not enrolled" in result.stderr


def test_permanent_refusal_is_set_aside_and_the_queue_goes_on(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    bad = term.queue_unopenable(platform.platform_public_key)
    good = term.queue(2)
    result = term.kiosk("sync", "--once")
    assert result.returncode == 0, result.stderr  # nothing left queued
    status = term.status()
    assert status["counts"]["needs_attention"] == 1 and status["counts"]["delivered"] == 2
    assert "422" in status["last_error"]
    assert sorted(c["receipt_no"] for c in receiver_cases(platform)) == sorted(good)
    with Outbox.open(term.data_dir) as outbox:
        assert outbox.find_by_receipt(bad[0]).state == "needs_attention"
    # a technician sends it back to the queue
    listed = json.loads(term.kiosk("outbox", "list", "--state", "needs_attention",
                                   "--json").stdout)
    assert [r["receipt_no"] for r in listed] == bad
    retried = term.kiosk("outbox", "retry", bad[0])
    assert retried.returncode == 0 and "1 item(s) back in the queue" in retried.stdout
    assert term.status()["counts"]["queued"] == 1
    assert term.kiosk("outbox", "retry", good[0]).returncode == 2  # delivered: left alone


def test_a_bare_4xx_holds_the_queue_instead_of_setting_items_aside(tmp_path, platform):
    """A wrong api_url (404 from the server, not the platform's word on an item) must
    not empty the queue into needs-attention."""
    term = enrolled_terminal(tmp_path, platform)
    term.queue(3)
    text = term.config_path.read_text(encoding="utf-8")
    term.config_path.write_text(text.replace(platform.api_url, platform.url + "/wrong/api/v1"),
                                encoding="utf-8")
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1
    status = term.status()
    assert status["counts"]["queued"] == 3 and status["counts"]["needs_attention"] == 0
    assert "404" in status["last_error"]
    term.config_path.write_text(text, encoding="utf-8")
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    assert term.status()["counts"]["delivered"] == 3


def test_maintenance_holds_the_queue_and_retry_after_is_honoured(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    term.queue(2)
    platform.cli("maintenance", "on", "--retry-after", "30")
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1  # still queued
    status = term.status()
    assert status["counts"]["queued"] == 2 and "503" in status["last_error"]
    with Outbox.open(term.data_dir) as outbox:
        waiting = [i for i in outbox.items("queued") if i.attempts]
        assert waiting and all(
            (i.next_attempt_at - i.updated_at).total_seconds() >= 29 for i in waiting)
    platform.cli("maintenance", "off")
    # a new worker respects next_attempt_at; pretend the wait is over
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    assert len(receiver_cases(platform)) == 2


@pytest.mark.parametrize(("status", "cause"), [(500, "500 internal_error"),
                                              (418, "418 http_error")])
def test_a_failing_platform_keeps_the_queue_then_each_item_is_one_case(tmp_path, platform,
                                                                         status, cause):
    """The platform answers every submission with a 5xx, or a 4xx that is no refusal of
    the item: nothing is delivered or set aside, each item keeps the cause; once the
    platform works again each becomes exactly one case."""
    term = enrolled_terminal(tmp_path, platform)
    receipts = term.queue(3, with_attachment_every=2)
    platform.cli("fault", "error", "--status", str(status))
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1, result.stderr
    status_now = term.status()
    assert status_now["counts"]["queued"] == 3, status_now
    assert status_now["counts"].get("delivered", 0) == 0
    assert status_now["counts"].get("needs_attention", 0) == 0
    assert cause in status_now["last_error"]
    with Outbox.open(term.data_dir) as outbox:
        items = outbox.items("queued")
        assert len(items) == 3 and all(i.case_no is None for i in items)
        tried = [i for i in items if i.attempts]
        assert tried and all(cause in i.last_error for i in tried)
    assert receiver_cases(platform) == []

    platform.cli("fault", "clear")
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    cases = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in cases) == sorted(receipts)
    assert len({c["submission_id"] for c in cases}) == len({c["case_no"] for c in cases}) == 3
    with Outbox.open(term.data_dir) as outbox:
        by_receipt = {c["receipt_no"]: c["case_no"] for c in cases}
        for receipt in receipts:
            item = outbox.find_by_receipt(receipt)
            assert item.state == "delivered" and item.case_no == by_receipt[receipt]


def test_a_500_after_the_cases_were_made_still_gives_one_case_each(tmp_path, platform):
    """The platform makes the cases, then fails to answer (500): the terminal keeps the
    items queued; its retry gets the stored answers — the same cases, no second ones."""
    term = enrolled_terminal(tmp_path, platform)
    receipts = term.queue(3, with_attachment_every=2)
    platform.cli("fault", "error", "--status", "500", "--after")
    assert term.kiosk("sync", "--once").returncode == 1
    status = term.status()
    assert status["counts"]["queued"] == 3 and status["counts"].get("delivered", 0) == 0
    assert "500 internal_error" in status["last_error"]
    made = receiver_cases(platform)
    assert sorted(c["receipt_no"] for c in made) == sorted(receipts)

    platform.cli("fault", "clear")
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    assert receiver_cases(platform) == made
    with Outbox.open(term.data_dir) as outbox:
        for case in made:
            assert outbox.find_by_receipt(case["receipt_no"]).case_no == case["case_no"]


def test_read_timeout_then_exactly_one_case(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform, read_timeout=1.0)
    term.queue(1)
    platform.cli("fault", "hang", "--seconds", "3")
    result = term.kiosk("sync", "--once")
    assert result.returncode == 1
    assert "Timeout" in term.status()["last_error"]
    platform.cli("fault", "clear")
    # the hung request completes on the platform: it makes the case
    wait_for(lambda: platform.counts()["cases"] == 1, 30, what="the hung request's case")
    cases = receiver_cases(platform)
    assert len(cases) == 1, "the request the terminal gave up on was still processed"
    make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    # the retry got the stored answer: still that one case, now known to the terminal
    assert receiver_cases(platform) == cases
    with Outbox.open(term.data_dir) as outbox:
        assert outbox.items("delivered")[0].case_no == cases[0]["case_no"]


WOKEN = "woken up by a nudge"


def worker_log(term) -> str:
    """What the worker started by `Terminal.start_sync` wrote to its stderr."""
    path = term.config_path.parent / "sync-stderr.log"
    return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""


def test_worker_wakes_on_confirm_and_a_second_worker_refuses(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    worker = term.start_sync()
    try:
        wait_for(lambda: (term.data_dir / "content.json").exists(), 15, what="content pull")
        second = term.kiosk("sync", "--once")
        assert second.returncode == 1 and "already running" in second.stderr
        assert WOKEN not in worker_log(term)
        receipts = term.queue(1)
        # The worker says it was nudged: the confirm's wake-up, not its sweep timer, set
        # it going. How soon is a figure of bench/wake.py.
        wait_for(lambda: WOKEN in worker_log(term), 60, what="the worker woken by the confirm")
        wait_for(lambda: term.status()["counts"]["delivered"] == 1, 60, what="delivery")
        assert [c["receipt_no"] for c in receiver_cases(platform)] == receipts
    finally:
        assert stop(worker) == 0


def test_content_is_pulled_with_etag(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    assert term.kiosk("sync", "--once").returncode == 0
    record = json.loads((term.data_dir / "content.json").read_text(encoding="utf-8"))
    assert record["etag"] and record["content"]["notices"]
    first_fetch = record["fetched_at"]
    assert term.kiosk("sync", "--once").returncode == 0  # 304: nothing rewritten
    again = json.loads((term.data_dir / "content.json").read_text(encoding="utf-8"))
    assert again["fetched_at"] == first_fetch


def test_wake_notify_reaches_only_its_own_data_dir(tmp_path):
    listener = wake.WakeListener(tmp_path / "a")
    try:
        assert wake.notify(tmp_path / "b") is False
        assert listener.wait(0.05) is False
        assert wake.notify(tmp_path / "a") is True
        assert listener.wait(1.0) is True
    finally:
        listener.close()


def test_a_terminal_whose_clock_is_two_hours_off_still_delivers(tmp_path, platform, caplog):
    """The terminal's clock runs 2 h ahead (injected into its worker and its doctor; the
    machine's clock is left alone): the platform refuses what it signs with that time, so
    the worker learns the platform's time from the answer's Date header, signs again and
    delivers; the doctor reports the skew."""
    term = enrolled_terminal(tmp_path, platform)
    enrolled = enrollment.load(term.data_dir)
    key, platform_key = enrolled.signing_key, enrollment.require_platform_key(enrolled)
    two_hours_ahead = datetime.now(UTC) + timedelta(hours=2)
    stale = signed_request(platform, "GET", paths.LIMITS, term.terminal_id, key,
                           now=two_hours_ahead)
    assert (stale.status_code, stale.json()["error"]) == (401, "signature_stale")

    def ahead() -> float:
        return time.time() + 2 * 3600

    receipts = term.queue(3, with_attachment_every=2)
    loaded = term.loaded()
    clock = PlatformClock(ahead)  # the terminal's wrong clock, shared by the worker's clients

    def client() -> PlatformClient:
        return PlatformClient(platform.api_url, term.terminal_id, key, clock=clock,
                              platform_key=platform_key)

    with Outbox.open(term.data_dir) as outbox, \
            caplog.at_level(logging.WARNING, logger="kiosk.sync"):
        worker = SyncWorker(loaded, outbox, client)
        try:
            assert worker.run_once()
        finally:
            worker.close()
    warned = "\n".join(r.getMessage() for r in caplog.records)
    assert re.search(r"clock is 720[01] s ahead of the platform's|clock is 7199 s ahead",
                     warned), warned
    status = term.status()
    assert status["counts"]["delivered"] == 3 and status["counts"]["needs_attention"] == 0
    assert sorted(c["receipt_no"] for c in receiver_cases(platform)) == sorted(receipts)

    outcomes = kiosk_doctor.run_checks(doctor_checks.checks(kiosk_doctor.Context(loaded),
                                                            local=ahead))
    checks = {o.name: o.result for o in outcomes}
    assert checks["platform-api"].status == "PASS", checks["platform-api"]
    assert checks["clock"].status == "FAIL"
    assert re.search(r"clock is 720[01] s ahead|clock is 7199 s ahead", checks["clock"].found)
    assert "signs with the platform's time" in checks["clock"].found
    # and with the machine's own clock, the same terminal's clock is right
    right = {o.name: o.result for o in kiosk_doctor.run_checks(
        doctor_checks.checks(kiosk_doctor.Context(loaded)))}
    assert right["clock"].status == "PASS", right["clock"]
