"""Damaged databases and `kiosk recover` with a real platform and a real worker:
what comes back is delivered exactly once, and a running worker follows the move."""

from __future__ import annotations

import json

from kiosk.store import recovery
from tests.support.platform_server import issue_code, running_receiver
from tests.support.store import overwrite_pages, pages_of
from tests.support.terminal import make_terminal


def test_recover_puts_back_delivered_items_and_the_platform_gets_each_once(tmp_path):
    """Delivered before the damage: kept as delivered. Queued: sent after recovery.
    Even a delivered item queued again would get the platform's first answer."""
    with running_receiver(tmp_path / "platform") as rx:
        term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key)
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0
        first = term.queue(3, with_attachment_every=2)
        assert term.kiosk("sync", "--once").returncode == 0
        later = term.queue(3, with_attachment_every=2)
        db = term.data_dir / "kiosk.db"
        overwrite_pages(db, pages_of(db, "ix_submissions_state_created_at"))

        status = term.status()  # opening moves the damaged database aside
        assert status["counts"].get("queued", 0) == 0
        fresh = term.queue(2)

        result = term.kiosk("recover")
        assert result.returncode == 0, result.stderr
        assert "6 submission(s) put back — 3 to send, 3 delivered before" in result.stdout
        assert term.kiosk("sync", "--once").returncode == 0

        cases = json.loads(rx.cli("cases", "--json").stdout)
        assert sorted(c["receipt_no"] for c in cases) == sorted(first + later + fresh)
        assert term.status()["counts"]["delivered"] == 8

        # a second recover adds nothing; --again reads it again and finds all present
        assert "nothing to recover" in term.kiosk("recover").stdout
        again = json.loads(term.kiosk("recover", "--again", "--json").stdout)
        assert again[0]["already_present"] == 6 and again[0]["restored"] == 0


def test_a_running_worker_follows_a_database_moved_aside(tmp_path):
    """Another process (the UI) found the database damaged and moved it aside: the
    running sync worker opens the fresh one and delivers what is confirmed there."""
    from tests.support.terminal import stop, wait_for

    with running_receiver(tmp_path / "platform") as rx:
        term = make_terminal(tmp_path, rx.api_url, rx.platform_public_key)
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0
        first = term.queue(2)
        worker = term.start_sync()
        try:
            wait_for(lambda: term.status()["counts"]["delivered"] == 2, 30, what="first two")
            with recovery.open_lock(term.data_dir):
                recovery.move_aside(term.data_dir, "moved aside by a test")
            later = term.queue(2)  # a fresh database; the worker is woken by the confirms
            wait_for(lambda: term.status()["counts"]["delivered"] == 2
                     and term.status()["counts"]["queued"] == 0, 30, what="the later two")
        finally:
            assert stop(worker) == 0
        cases = json.loads(rx.cli("cases", "--json").stdout)
        assert sorted(c["receipt_no"] for c in cases) == sorted(first + later)
