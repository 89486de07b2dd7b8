"""补充材料 and 撤回申请 end to end with real processes: one platform process for the
module, a real terminal, petitions confirmed before any network is used and delivered
later, the office asking for material and the citizen adding it with `kiosk supplement`,
another case withdrawn with `kiosk withdraw`, the sync worker killed with SIGKILL in
the middle and started again — each reaching the platform exactly once — and the office
confirming the withdrawal with `kiosk-receiver case set-status`."""

from __future__ import annotations

import json
import signal
import sqlite3

import pytest

from tests.support.factories import page_image
from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, stop, unrecord_delivered_followups, wait_for

LAST4 = "0000"  # the applicant's phone in the test petitions ends so
JPEG = page_image(1, "JPEG")  # real pictures: `kiosk supplement` makes pages of them
PNG = page_image(2, "PNG")
SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"the citizen's signature"


@pytest.fixture(scope="module")
def rx(tmp_path_factory):
    with running_receiver(tmp_path_factory.mktemp("platform")) as receiver:
        yield receiver


def rows(rx, sql: str) -> list[tuple]:
    conn = sqlite3.connect(rx.data_dir / "receiver.db")
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def followup_states(term) -> list[tuple[str, str]]:
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    try:
        return conn.execute("SELECT kind, state FROM followups ORDER BY created_at").fetchall()
    finally:
        conn.close()


def test_material_and_a_withdrawal_reach_the_platform_exactly_once_through_a_kill(tmp_path, rx):
    term = enrolled_terminal(tmp_path, rx, terminal_id="T-AFTER-1")
    material_receipt, withdrawn_receipt = term.queue(2)
    asked = term.kiosk("supplement", material_receipt, "--phone-last4", LAST4,
                       "--page", str(tmp_path / "none.jpg"))
    # not delivered yet: the office cannot have asked, and the page is not there either
    assert asked.returncode == 2 and "还没有送到受理平台" in asked.stderr
    assert "读不到第1页" in asked.stderr

    worker = term.start_sync()
    try:
        wait_for(lambda: len(rows(rx, "SELECT 1 FROM cases WHERE terminal_id = 'T-AFTER-1'"))
                 == 2, 60, what="both petitions delivered")
    finally:
        stop(worker)
    cases = {c["receipt_no"]: c["case_no"] for c in json.loads(rx.cli("cases", "--json").stdout)}
    material_case, withdrawn_case = cases[material_receipt], cases[withdrawn_receipt]

    refused = rx.cli("case", "set-status", material_case, "material_requested", check=False)
    assert refused.returncode == 2 and "--note" in refused.stderr
    rx.cli("case", "set-status", material_case, "material_requested", "--note", "缺少身份证复印件")
    rx.cli("case", "set-status", withdrawn_case, "in_progress")

    read = term.kiosk("query", material_receipt, "--phone-last4", LAST4, "--json")
    assert read.returncode == 0, read.stderr
    told = json.loads(read.stdout)
    assert told["status_label"] == "待补充材料" and "缺少身份证复印件" in told["status_text"]
    assert told["ahead"][0]["text"].startswith("补充材料")

    (tmp_path / "p1.jpg").write_bytes(JPEG)
    (tmp_path / "p2.png").write_bytes(PNG)
    (tmp_path / "sig.png").write_bytes(SIGNATURE)
    not_asked = term.kiosk("supplement", withdrawn_receipt, "--phone-last4", LAST4,
                           "--page", str(tmp_path / "p1.jpg"), "--json")
    assert not_asked.returncode == 2
    assert [p["code"] for p in json.loads(not_asked.stdout)["problems"]] == [
        "supplement.not_asked"]
    added = term.kiosk("supplement", material_receipt, "--phone-last4", LAST4,
                       "--page", str(tmp_path / "p1.jpg"), "--page", str(tmp_path / "p2.png"),
                       "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["pages"] == 2
    unsigned = term.kiosk("withdraw", withdrawn_receipt, "--phone-last4", LAST4)
    assert unsigned.returncode == 2 and "请在下面的框里签名" in unsigned.stderr
    asked_to = term.kiosk("withdraw", withdrawn_receipt, "--phone-last4", LAST4,
                          "--signature", str(tmp_path / "sig.png"))
    assert asked_to.returncode == 0, asked_to.stderr
    twice = term.kiosk("withdraw", withdrawn_receipt, "--phone-last4", LAST4,
                       "--signature", str(tmp_path / "sig.png"))
    assert twice.returncode == 2 and "已经申请撤回" in twice.stderr
    assert sorted(k for k, _ in followup_states(term)) == ["supplement", "withdrawal"]

    worker = term.start_sync()
    try:
        wait_for(lambda: rows(rx, "SELECT 1 FROM followups WHERE terminal_id = 'T-AFTER-1'"),
                 60, what="a follow-up on the platform")
    finally:
        assert stop(worker, signal.SIGKILL) == -signal.SIGKILL
    # The kill may come between the platform's commit and the terminal's record of it.
    unrecord_delivered_followups(term)
    worker = term.start_sync()
    try:
        wait_for(lambda: all(s == "delivered" for _, s in followup_states(term)), 60,
                 what="the material and the withdrawal delivered")
    finally:
        stop(worker)

    # exactly once each, linked to its case, kept sealed
    assert rows(rx, "SELECT case_no, pages FROM supplements") == [(material_case, 2)]
    assert rows(rx, "SELECT case_no, status_before, confirmed_at FROM withdrawals") == [
        (withdrawn_case, "in_progress", None)]
    [(sealed,)] = rows(rx, "SELECT sealed FROM supplements")
    assert b"a page of the ID card" not in sealed
    shown = json.loads(rx.cli("case", "show", material_case, "--json").stdout)
    assert shown["status"] == "material_added" and shown["material_complete_at"]
    assert [e["status"] for e in shown["history"]][-2:] == ["material_requested",
                                                            "material_added"]

    # the office confirms the withdrawal; the citizen reads it at the terminal
    rx.cli("case", "set-status", withdrawn_case, "withdrawn", "--note", "经审查同意撤回")
    read = term.kiosk("query", withdrawn_receipt, "--phone-last4", LAST4, "--json")
    assert json.loads(read.stdout)["status_label"] == "已撤回"
    assert rows(rx, "SELECT count(*) FROM withdrawals WHERE confirmed_at IS NOT NULL") == [(1,)]
    # nothing of the pages or the signature reaches a log, of either side
    logs = "".join(rx.output) + (term.config_path.parent / "sync-stderr.log").read_text()
    assert "ID card" not in logs and "the citizen's signature" not in logs


def test_a_case_of_another_terminal_is_rated_by_its_query_code_once(tmp_path, rx):
    """On a second terminal the citizen reads the case by its query code and the phone's
    digits and rates its handling: the rating names the case by the code, and arrives."""
    (tmp_path / "home").mkdir()
    (tmp_path / "elsewhere").mkdir()
    home = enrolled_terminal(tmp_path / "home", rx, terminal_id="T-AFTER-2")
    [receipt_no] = home.queue(1)
    worker = home.start_sync()
    try:
        wait_for(lambda: rows(rx, "SELECT 1 FROM cases WHERE terminal_id = 'T-AFTER-2'"), 60,
                 what="the petition delivered")
    finally:
        stop(worker)
    [case] = [c for c in json.loads(rx.cli("cases", "--json").stdout)
              if c["receipt_no"] == receipt_no]
    elsewhere = enrolled_terminal(tmp_path / "elsewhere", rx, terminal_id="T-AFTER-3")
    rate = ("evaluate", case["query_code"], "--service", "case", "--phone-last4", LAST4,
            "--level", "dissatisfied", "--reason", "too_slow")
    early = elsewhere.kiosk(*rate)
    assert early.returncode == 2 and "还没有出具处理意见" in early.stderr
    rx.cli("case", "set-status", case["case_no"], "answered")
    done = elsewhere.kiosk(*rate, "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["case_no"] == case["case_no"]
    again = elsewhere.kiosk(*rate)
    assert again.returncode == 2 and "已经评价过了" in again.stderr
    worker = elsewhere.start_sync()
    try:
        wait_for(lambda: rows(rx, "SELECT 1 FROM evaluations WHERE service = 'case'"), 60,
                 what="the rating on the platform")
    finally:
        stop(worker)
    assert rows(rx, "SELECT terminal_id, case_no, level FROM evaluations WHERE service = 'case'"
                ) == [("T-AFTER-3", case["case_no"], "dissatisfied")]
    read = elsewhere.kiosk("case", case["query_code"], "--phone-last4", LAST4, "--json")
    assert json.loads(read.stdout)["evaluated"] == ["case"]  # the platform says so, too
