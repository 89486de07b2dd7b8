"""Technician mode without Qt: `kiosk set-pin`, the stored hash, the lock-out across
processes, the audit log and `kiosk audit`, and the outbox's set-aside state."""

from __future__ import annotations

import json
import sqlite3
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk import technician as tech
from kiosk.store import Outbox, Settlement, TransitionError, current_revision, migrate
from tests.support.common import ROOT, run_kiosk
from tests.support.store import claim_one, new_submission, settle_one

PIN = "480215"


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _demo_dir(tmp_path) -> Path:
    return tmp_path / "xdg-data" / "petition-kiosk" / "demo"


@pytest.mark.parametrize("pin", ["12345", "1234567890123", "12a456", "12 3456", "１２３４５６", ""])
def test_set_pin_refuses_what_is_not_6_to_12_digits(tmp_path, pin):
    result = run_kiosk("--demo", "set-pin", "--stdin", env=_env(tmp_path), input=pin + "\n")
    assert result.returncode == 2
    assert "the PIN must be 6 to 12 digits (0-9)" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (_demo_dir(tmp_path) / tech.PIN_FILE).exists()


def test_set_pin_stores_only_a_salted_slow_hash_in_a_private_file(tmp_path):
    result = run_kiosk("--demo", "set-pin", "--stdin", env=_env(tmp_path), input=PIN + "\n")
    assert result.returncode == 0, result.stderr
    path = _demo_dir(tmp_path) / tech.PIN_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    assert PIN.encode() not in raw and PIN[:4].encode() not in raw  # no digits of it in plain
    record = json.loads(raw)
    assert record["kdf"] == "scrypt"
    assert record["n"] >= 2 ** 14 and record["r"] == 8 and record["p"] >= 1  # kept with the hash
    assert len(record["salt"]) >= 20 and len(record["hash"]) >= 40
    # Salted: the same PIN again gives another hash.
    run_kiosk("--demo", "set-pin", "--stdin", env=_env(tmp_path), input=PIN + "\n")
    assert json.loads(path.read_bytes())["hash"] != record["hash"]
    # The audit log says so, without the PIN.
    audit_file = _demo_dir(tmp_path) / tech.AUDIT_FILE
    assert stat.S_IMODE(audit_file.stat().st_mode) == 0o600
    lines = [json.loads(x) for x in audit_file.read_text().splitlines()]
    assert [x["what"] for x in lines] == ["set_pin", "set_pin"]
    assert lines[0]["who"] == "technician" and lines[0]["terminal"] == "DEMO-0001"
    assert PIN not in audit_file.read_text()


def test_verify_right_wrong_and_parameters_kept_with_the_hash(tmp_path):
    tech.set_pin(tmp_path, PIN)
    assert tech.verify(tmp_path, PIN, terminal_id="T").outcome == "ok"
    assert tech.verify(tmp_path, "480216", terminal_id="T").outcome == "wrong"
    # A hash made with other (older, weaker) parameters still verifies: they are read back.
    record = json.loads((tmp_path / tech.PIN_FILE).read_text())
    salt = b"0123456789abcdef"
    record.update(n=2 ** 12, r=8, p=1, dklen=32, salt=tech._b64(salt),
                  hash=tech._b64(tech._derive(PIN, salt, 2 ** 12, 8, 1, 32)))
    (tmp_path / tech.PIN_FILE).write_text(json.dumps(record))
    assert tech.verify(tmp_path, PIN, terminal_id="T").outcome == "ok"
    assert tech.verify(tmp_path, "000000", terminal_id="T").outcome == "wrong"


def test_no_pin_set_means_no_technician_mode(tmp_path):
    assert not tech.pin_is_set(tmp_path)
    assert tech.verify(tmp_path, "123456", terminal_id="T").outcome == "not_set"


def test_five_wrong_pins_lock_out_growing_and_the_lock_survives_a_new_process(tmp_path):
    tech.set_pin(tmp_path, PIN)
    now = datetime.now(UTC)  # the child process below reads the real clock (30 s to spare)
    outcomes = [tech.verify(tmp_path, "111111", terminal_id="T", now=now) for _ in range(5)]
    assert [o.tries_left for o in outcomes[:4]] == [4, 3, 2, 1]
    assert outcomes[4].outcome == "wrong" and outcomes[4].locked_seconds == 30
    # The lock-out is a private file while it holds (it is removed once cleared, below).
    lock_file = tmp_path / tech.LOCK_FILE
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600
    # Even the right PIN is refused while locked; in a fresh process too.
    assert tech.verify(tmp_path, PIN, terminal_id="T", now=now).outcome == "locked"
    child = subprocess.run(
        [sys.executable, "-c", "import sys; from kiosk import technician as t; "
         "a = t.verify(sys.argv[1], sys.argv[2], terminal_id='T'); print(a.outcome)",
         str(tmp_path), PIN], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert child.stdout.strip() == "locked", child.stderr
    # After the lock-out five more tries; the next lock-out is twice as long.
    later = now + timedelta(seconds=31)
    assert tech.locked_seconds(tmp_path, later) == 0
    for _ in range(4):
        assert tech.verify(tmp_path, "111111", terminal_id="T", now=later).outcome == "wrong"
    assert tech.verify(tmp_path, "111111", terminal_id="T", now=later).locked_seconds == 60
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600  # rewritten, still private
    assert tech.lock_duration(20) == tech.LOCK_CAP_SECONDS  # capped
    # A clock set back never makes the lock-out longer than it is.
    assert tech.locked_seconds(tmp_path, later - timedelta(days=1)) == 60
    # The right PIN after the lock-out clears the count.
    assert tech.verify(tmp_path, PIN, terminal_id="T", now=later + timedelta(seconds=61)).outcome == "ok"
    assert tech.read_lock(tmp_path) == tech.LockState()
    assert not lock_file.exists()  # cleared means gone, not a file of zeros
    lines, _ = tech.read_audit(tmp_path)
    whats = [x["what"] for x in lines]
    assert whats.count("wrong_pin") == 10 and whats.count("lock_out") == 2 and whats.count("open") == 1


def test_a_damaged_lock_file_locks_rather_than_unlocks(tmp_path):
    tech.set_pin(tmp_path, PIN)
    (tmp_path / tech.LOCK_FILE).write_text("{not json")
    assert tech.verify(tmp_path, PIN, terminal_id="T").outcome == "locked"


def test_kiosk_audit_prints_lines_since(tmp_path):
    data = _demo_dir(tmp_path)
    data.mkdir(parents=True)
    old = {"when": "2020-01-01T00:00:00.000Z", "who": "technician", "what": "open",
           "terminal": "DEMO-0001"}
    (data / tech.AUDIT_FILE).write_text(json.dumps(old) + "\n")
    tech.audit(data, "DEMO-0001", "set_aside", receipt="1234567890", reason="duplicate")
    result = run_kiosk("--demo", "audit", "--since", "1h", "--json", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["what"] for x in lines] == ["set_aside"]
    assert lines[0]["reason"] == "duplicate"
    text = run_kiosk("--demo", "audit", env=_env(tmp_path))
    assert "technician  open" in text.stdout and "set_aside" in text.stdout
    bad = run_kiosk("--demo", "audit", "--since", "yesterday-ish", env=_env(tmp_path))
    assert bad.returncode == 2 and "--since" in bad.stderr


def test_typed_reasons_are_masked_like_the_logs(tmp_path):
    text = tech.reason_text("", "联系了 13812345678 本人")
    assert "13812345678" not in text and "联系了" in text
    assert tech.reason_text("duplicate", "ignored") == "重复提交"


def test_set_aside_moves_a_needs_attention_item_and_keeps_its_envelope(tmp_path):
    with Outbox.open(tmp_path) as box:
        receipt = box.confirm(new_submission(attachments=1))
        queued = box.confirm(new_submission())
        with pytest.raises(TransitionError):
            box.set_aside(queued.submission_id, "重复提交")  # only needs-attention items
        claimed = claim_one(box)
        settle_one(box, Settlement.needs_attention(claimed.submission_id, "refused: duplicate"))
        box.set_aside(receipt.submission_id, "重复提交")
        info = box.get(receipt.submission_id)
        assert info.state == "set_aside" and info.last_error == "refused: duplicate"
        counts = box.status().counts
        assert counts["set_aside"] == 1 and counts["needs_attention"] == 0
        assert box.read_attachment(receipt.submission_id, claimed.attachments[0].digest)
        with pytest.raises(ValueError):
            box.set_aside(queued.submission_id, "  ")
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    try:
        row = conn.execute("SELECT set_aside_reason, envelope IS NOT NULL FROM submissions "
                           "WHERE id = ?", (receipt.submission_id,)).fetchone()
        assert row == ("重复提交", 1)
        checks = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'submissions'").fetchone()[0]
        for name in ("ck_submissions_state", "ck_submissions_envelope", "ck_submissions_delivered",
                     "ck_submissions_attempts"):
            assert name in checks  # the copy kept every constraint
        with pytest.raises(sqlite3.IntegrityError):
            conn.execute("UPDATE submissions SET envelope = NULL WHERE id = ?",
                         (receipt.submission_id,))
    finally:
        conn.close()


def test_migration_0003_down_puts_set_aside_items_back_to_needing_attention(tmp_path):
    with Outbox.open(tmp_path) as box:
        receipt = box.confirm(new_submission())
        settle_one(box, Settlement.needs_attention(claim_one(box).submission_id, "refused"))
        box.set_aside(receipt.submission_id, "重复提交")
    migrate(tmp_path / "kiosk.db", "0002")
    assert current_revision(tmp_path / "kiosk.db") == "0002"
    conn = sqlite3.connect(tmp_path / "kiosk.db")
    try:
        assert conn.execute("SELECT state FROM submissions").fetchall() == [("needs_attention",)]
    finally:
        conn.close()
    migrate(tmp_path / "kiosk.db")
    with Outbox.open(tmp_path) as box:
        assert box.get(receipt.submission_id).state == "needs_attention"
