"""Exactly once, whatever fails: 300 queued submissions delivered through receiver
crashes, sync-worker crashes, a maintenance stretch answering 503 with Retry-After,
a stretch where the platform hangs past the terminal's read timeout, and one where it
answers every submission 500."""

import json
import random
import signal
import sqlite3
import time

from kiosk.store import Outbox
from tests.support import factories
from tests.support.platform_server import ReceiverProcess, issue_code
from tests.support.terminal import make_terminal, stop, wait_for

COUNT = 300


def delivered_count(term) -> int:
    """Read straight from the outbox: cheaper than a CLI call, so polling stays tight."""
    conn = sqlite3.connect(f"file:{term.data_dir / 'kiosk.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM submissions WHERE state = 'delivered'"
                            ).fetchone()[0]
    finally:
        conn.close()


def last_error(term) -> str | None:
    conn = sqlite3.connect(f"file:{term.data_dir / 'kiosk.db'}?mode=ro", uri=True, timeout=10)
    try:
        row = conn.execute("SELECT last_error FROM submissions WHERE last_error IS NOT NULL"
                           " ORDER BY updated_at DESC LIMIT 1").fetchone()
        return row[0] if row else None
    finally:
        conn.close()


def test_exactly_once_through_kills_and_faults(tmp_path):
    rng = random.Random(20261126)
    rx = ReceiverProcess(tmp_path / "platform").start()
    worker = None
    try:
        term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key, read_timeout=1.0,
                             backoff_cap=1.5)
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0
        receipts = term.queue(COUNT, with_attachment_every=30)
        # A slow platform (~150 ms a submission, 4 in flight) keeps delivery going long enough for
        # every fault below to land in the middle of it.
        rx.cli("fault", "slow", "--seconds", "0.15")
        worker = term.start_sync()

        faults = ["receiver"] * 3 + ["worker"] * 5 + ["maintenance", "hang", "error"]
        rng.shuffle(faults)
        # Each fault strikes once delivery has passed its own mark, spread over the
        # run, plus a random delay: the faults land mid-delivery however fast it goes.
        marks = sorted(rng.sample(range(5, COUNT - 60), len(faults)))
        log = []
        for fault, mark in zip(faults, marks, strict=True):
            wait_for(lambda m=mark: delivered_count(term) >= m, 120, interval=0.05,
                     what=f"{mark} delivered")
            time.sleep(rng.uniform(0.0, 0.3))
            delivered = delivered_count(term)
            log.append((fault, delivered))
            if fault == "receiver":
                rx.kill()  # SIGKILL
                time.sleep(rng.uniform(0.1, 0.8))
                rx.start()
            elif fault == "worker":
                worker.send_signal(signal.SIGKILL)
                worker.wait(10)
                time.sleep(rng.uniform(0.0, 0.5))
                worker = term.start_sync()
            elif fault == "maintenance":
                rx.cli("maintenance", "on", "--retry-after", "1")
                wait_for(lambda: "503 maintenance" in (last_error(term) or ""), 30,
                         interval=0.1, what="maintenance seen by the worker")
                rx.cli("maintenance", "off")
            elif fault == "hang":
                rx.cli("fault", "hang", "--seconds", "2")  # read timeout is 1 s
                wait_for(lambda: "Timeout" in (last_error(term) or ""), 30, interval=0.1,
                         what="a read timeout seen by the worker")
                rx.cli("fault", "slow", "--seconds", "0.15")
            elif fault == "error":  # the platform fails every submission for a while
                rx.cli("fault", "error", "--status", "500")
                wait_for(lambda: "500 internal_error" in (last_error(term) or ""), 30,
                         interval=0.1, what="a 500 seen by the worker")
                rx.cli("fault", "slow", "--seconds", "0.15")
        rx.cli("fault", "clear")
        print("faults (kind, delivered when it struck):", log)
        assert log[0][1] < COUNT and log[-1][1] < COUNT, "faults must land mid-delivery"

        wait_for(lambda: term.status()["counts"]["delivered"] == COUNT, 180,
                 interval=0.5, what="all submissions delivered")
        status = term.status()
        assert status["counts"]["queued"] == 0 and status["counts"]["sending"] == 0
        assert status["counts"]["needs_attention"] == 0
        assert stop(worker) == 0
        worker = None

        cases = json.loads(rx.cli("cases", "--json").stdout)
        assert len(cases) == COUNT
        assert len({c["submission_id"] for c in cases}) == COUNT
        assert len({c["case_no"] for c in cases}) == COUNT
        by_receipt = {c["receipt_no"]: c["case_no"] for c in cases}
        assert sorted(by_receipt) == sorted(receipts)
        with Outbox.open(term.data_dir) as outbox:
            for receipt in receipts:
                assert outbox.find_by_receipt(receipt).case_no == by_receipt[receipt]
        # Nothing personal in plain bytes anywhere in the terminal's data directory.
        person = factories.person(0)
        markers = [person["id_number"], person["phone"], person["address"], "测试甲", "测试癸",
                   factories.petition()["matter"]["request"][:10]]
        for path in (p for p in term.data_dir.rglob("*") if p.is_file()):
            data = path.read_bytes()
            for marker in markers:
                assert marker.encode() not in data, (path.name, marker)
        conn = sqlite3.connect(rx.data_dir / "receiver.db")
        try:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            conn.close()
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(10)
        rx.stop()
