"""The service evaluation end to end with real processes: one platform process for the
module, a real terminal, `kiosk evaluate` for a rating of each level made before its
petition is delivered, the sync worker killed with SIGKILL and started again, and the
platform's `evaluations stats` / `followups` matching exactly what was given."""

from __future__ import annotations

import json
import signal
import sqlite3

import pytest

from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, stop, unrecord_delivered_followups, wait_for

LEVELS = [  # (level, reasons, text)
    ("very_satisfied", [], None),
    ("satisfied", [], None),
    ("basically_satisfied", [], None),
    ("dissatisfied", ["hard_to_read"], None),
    ("very_dissatisfied", ["too_slow", "other"], "排队等了很久"),
]


@pytest.fixture(scope="module")
def rx(tmp_path_factory):
    with running_receiver(tmp_path_factory.mktemp("platform")) as receiver:
        yield receiver


def followup_states(term) -> list[tuple[str, str | None]]:
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    try:
        return conn.execute("SELECT state, case_no FROM followups ORDER BY created_at").fetchall()
    finally:
        conn.close()


def platform_ratings(rx) -> list[tuple]:
    conn = sqlite3.connect(rx.data_dir / "receiver.db")
    try:
        return conn.execute("SELECT case_no, service, level, reasons FROM evaluations "
                            "ORDER BY case_no").fetchall()
    finally:
        conn.close()


def test_a_rating_of_each_level_arrives_exactly_once_through_a_kill(tmp_path, rx):
    term = enrolled_terminal(tmp_path, rx, terminal_id="T-EVAL-1")
    receipts = term.queue(len(LEVELS))
    # rated at once after each receipt, while the network is not used yet
    for receipt_no, (level, reasons, text) in zip(receipts, LEVELS, strict=True):
        args = ["evaluate", receipt_no, "--level", level]
        for reason in reasons:
            args += ["--reason", reason]
        if text:
            args += ["--text", text]
        done = term.kiosk(*args)
        assert done.returncode == 0, done.stderr
    assert platform_ratings(rx) == []  # nothing sent: the ratings wait for their petitions

    worker = term.start_sync()
    try:
        wait_for(lambda: platform_ratings(rx), 60, what="a rating on the platform")
    finally:
        assert stop(worker, signal.SIGKILL) == -signal.SIGKILL
    # The kill may have come between the platform's commit and the terminal's record of
    # it: a follow-up left `sending` (as a worker killed there leaves it) is sent again.
    unrecord_delivered_followups(term, only_oldest=True)

    worker = term.start_sync()
    try:
        wait_for(lambda: all(s == "delivered" for s, _ in followup_states(term)), 60,
                 what="every rating delivered")
    finally:
        stop(worker)
    cases = {c["receipt_no"]: c["case_no"] for c in json.loads(rx.cli("cases", "--json").stdout)}
    assert [c for _, c in followup_states(term)] == [cases[r] for r in receipts]
    ratings = platform_ratings(rx)
    assert len(ratings) == len(LEVELS)  # exactly once each, through the kill
    assert sorted((c, lvl, json.loads(r)) for c, _, lvl, r in ratings) == sorted(
        (cases[r], lvl, reasons) for r, (lvl, reasons, _) in zip(receipts, LEVELS, strict=True))
    assert {service for _, service, _, _ in ratings} == {"terminal"}
    # the acknowledgement kept is the platform's signed answer
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    try:
        assert all(a for (a,) in conn.execute("SELECT platform_ack FROM followups"))
    finally:
        conn.close()

    stats = json.loads(rx.cli("evaluations", "stats", "--by", "terminal", "--json").stdout)
    [mine] = [g for g in stats["groups"] if g["group"] == "T-EVAL-1"
              and g["service"] == "terminal"]
    assert (mine["valid_visits"], mine["ratings"], mine["satisfied"], mine["bad"],
            mine["followed_up"]) == (5, 5, 3, 2, 0)
    assert mine["participation_rate"] == 1.0 and mine["satisfaction_rate"] == 0.6
    assert mine["levels"] == {level: 1 for level, _, _ in LEVELS}
    assert mine["satisfaction_met"] is False and mine["all_bad_followed_up"] is False

    bad = json.loads(rx.cli("evaluations", "followups", "--json").stdout)
    assert sorted(b["level"] for b in bad) == ["dissatisfied", "very_dissatisfied"]
    [with_text] = [b for b in bad if b["text"]]
    assert with_text["text"] == "排队等了很久"  # opened for the operator only
    rx.cli("evaluations", "follow-up", with_text["evaluation_id"], "--note", "已电话回复")
    stats = json.loads(rx.cli("evaluations", "stats", "--json").stdout)
    assert [g["followed_up"] for g in stats["groups"] if g["service"] == "terminal"] == [1]
    # the text never reaches a log, of either side
    assert "排队等了很久" not in "".join(rx.output)
    assert "排队等了很久" not in (term.config_path.parent / "sync-stderr.log").read_text()
