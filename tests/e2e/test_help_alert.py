"""求助 reaches the platform: a real platform process on 127.0.0.1, a terminal enrolled
with it and its real sync worker. The alert raised on the terminal is in the heartbeat the
worker sends at once (not at the next minute's beat), so `kiosk-receiver terminal list`
shows it; cleared on the terminal, the list no longer does."""

from __future__ import annotations

import json
from datetime import datetime

from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, stop, wait_for


def _listed(rx, terminal_id: str) -> dict:
    rows = json.loads(rx.cli("terminal", "list", "--json").stdout)
    return next(r for r in rows if r["terminal_id"] == terminal_id)


def test_the_heartbeat_carries_the_alert_to_the_platforms_list_until_cleared(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        term = enrolled_terminal(tmp_path, rx, terminal_id="T-HELP-1")
        worker = term.start_sync()
        try:
            wait_for(lambda: _listed(rx, term.terminal_id)["last_heartbeat_at"] is not None,
                     30, what="the first heartbeat")
            assert _listed(rx, term.terminal_id)["help_requested_at"] is None

            raised = term.kiosk("help-alert", "raise")
            assert raised.returncode == 0, raised.stderr
            # the worker's heartbeat is a minute apart: the nudge sends one now
            row = wait_for(lambda: _listed(rx, term.terminal_id)["help_requested_at"] and
                           _listed(rx, term.terminal_id), 15, what="the alert on the platform")
            status = json.loads(term.kiosk("help-alert", "status", "--json").stdout)
            assert datetime.fromisoformat(row["help_requested_at"]) == \
                datetime.fromisoformat(status["raised_at"])
            table = rx.cli("terminal", "list").stdout
            assert "help_requested_at" in table.splitlines()[0]

            cleared = term.kiosk("help-alert", "clear")
            assert cleared.returncode == 0 and "cleared" in cleared.stdout
            wait_for(lambda: _listed(rx, term.terminal_id)["help_requested_at"] is None, 15,
                     what="the alert gone from the platform's list")
        finally:
            stop(worker)
