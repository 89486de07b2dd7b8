"""The local store on real SQLite files: confirm, receipts, the outbox state machine, purge."""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from kiosk.store import (
    STATES,
    NotFoundError,
    Outbox,
    Settlement,
    StoreError,
    TransitionError,
    damm_check_digit,
    format_receipt_no,
    is_valid_receipt_no,
    new_receipt_no,
    open_engine,
    parse_receipt_no,
)
from kiosk.store.errors import MESSAGE_FAULT, MESSAGE_FAULT_OTHER, MESSAGE_FULL
from kiosk.store.models import submissions
from tests.support.common import fill_up
from tests.support.store import (
    claim_one,
    count_rows,
    files_under,
    new_submission,
    sealed_attachment,
    settle_one,
)

SUPPORT = Path(__file__).resolve().parents[1] / "support"
T0 = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)


@pytest.fixture
def outbox(tmp_path):
    box = Outbox.open(tmp_path / "data")
    yield box
    box.close()


def envelope_of(box: Outbox, submission_id: str) -> bytes | None:
    with box.engine.connect() as conn:
        return conn.execute(
            select(submissions.c.envelope).where(submissions.c.id == submission_id)
        ).scalar()


# --- the engine ----------------------------------------------------------------------------


def pragmas(conn) -> dict:
    names = ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
    return {name: conn.exec_driver_sql(f"PRAGMA {name}").scalar() for name in names}


def test_pragmas_are_in_effect_on_every_connection(tmp_path):
    engine = open_engine(tmp_path / "kiosk.db")
    try:
        # Two connections at once: the settings come from the connect hook, not luck.
        with engine.connect() as a, engine.connect() as b:
            for conn in (a, b):
                assert pragmas(conn) == {
                    "journal_mode": "wal",
                    "synchronous": 2,  # FULL
                    "foreign_keys": 1,
                    "busy_timeout": 10000,
                }
    finally:
        engine.dispose()


def test_outbox_connections_use_the_same_settings(outbox):
    with outbox.engine.connect() as conn:
        assert pragmas(conn)["synchronous"] == 2 and pragmas(conn)["foreign_keys"] == 1
    # WAL is a property of the file, so a plain connection sees it too.
    plain = sqlite3.connect(outbox.db_path)
    try:
        assert plain.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        plain.close()


def test_open_creates_the_layout(tmp_path):
    data = tmp_path / "a" / "b"
    with Outbox.open(data) as box:
        assert (data / "kiosk.db").is_file()
        assert (data / "attachments" / ".tmp").is_dir()
        assert box.status().total == 0


# --- receipt numbers -----------------------------------------------------------------------


def test_receipt_number_format_and_known_damm_values():
    assert format_receipt_no("4827105936") == "4827 1059 36"
    assert damm_check_digit("572") == "4"  # the worked example of the Damm algorithm
    assert damm_check_digit("5724") == "0"  # a valid number checks to zero
    with pytest.raises(ValueError):
        format_receipt_no("12345")


def test_new_receipt_numbers_are_valid_ten_digits():
    seen = {new_receipt_no() for _ in range(2000)}
    assert len(seen) > 1990  # random, not a counter
    for no in seen:
        assert len(no) == 10 and no.isdigit() and no[0] != "0"
        assert is_valid_receipt_no(no)


@given(st.text("0123456789", min_size=9, max_size=9))
def test_damm_catches_every_single_digit_error(body):
    number = body + damm_check_digit(body)
    assert is_valid_receipt_no(number)
    for pos in range(10):
        for digit in "0123456789":
            if digit != number[pos]:
                typo = number[:pos] + digit + number[pos + 1 :]
                assert not is_valid_receipt_no(typo), typo


@given(st.text("0123456789", min_size=9, max_size=9))
def test_damm_catches_every_adjacent_transposition(body):
    number = body + damm_check_digit(body)
    for pos in range(9):
        a, b = number[pos], number[pos + 1]
        if a != b:
            swapped = number[:pos] + b + a + number[pos + 2 :]
            assert not is_valid_receipt_no(swapped), swapped


def test_parse_receipt_number_accepts_what_people_type():
    no = new_receipt_no()
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in no)
    assert parse_receipt_no(no) == no
    assert parse_receipt_no(format_receipt_no(no)) == no
    assert parse_receipt_no(f"  {no[:4]}-{no[4:8]}-{no[8:]} ") == no
    assert parse_receipt_no(full_width[:4] + "\u3000" + full_width[4:]) == no
    wrong = no[:9] + str((int(no[9]) + 1) % 10)
    assert parse_receipt_no(wrong) is None
    assert parse_receipt_no(no[:9]) is None
    assert parse_receipt_no(no + "0") is None
    assert parse_receipt_no(no[:5] + "a" + no[6:]) is None
    assert parse_receipt_no("") is None


# --- confirm -------------------------------------------------------------------------------


def test_confirm_stores_row_and_attachment_files(outbox):
    new = new_submission(attachments=[sealed_attachment(70_000, "id_proof"), sealed_attachment()])
    before = datetime.now(UTC)
    receipt = outbox.confirm(new)
    after = datetime.now(UTC)

    assert receipt.submission_id == new.submission_id
    assert is_valid_receipt_no(receipt.receipt_no)
    assert receipt.display_no == format_receipt_no(receipt.receipt_no)
    assert receipt.created_at == new.created_at
    assert receipt.receipt_fields == new.receipt_fields

    info = outbox.get(new.submission_id)
    assert info.state == "queued" and info.attempts == 0
    assert before <= info.next_attempt_at <= after
    assert info.created_at.tzinfo is not None
    assert envelope_of(outbox, new.submission_id) == new.envelope

    claimed = claim_one(outbox)
    assert [a.digest for a in claimed.attachments] == [a.digest for a in new.attachments]
    for sent, stored in zip(new.attachments, claimed.attachments, strict=True):
        assert stored.role == sent.role and stored.media_type == sent.media_type
        assert stored.size == len(sent.sealed)
        assert stored.sealed_digest == hashlib.sha256(sent.sealed).hexdigest()
        assert stored.path == outbox.attachments_dir / new.submission_id / stored.sealed_digest
        assert stored.path.read_bytes() == sent.sealed
        assert outbox.read_attachment(new.submission_id, sent.digest) == sent.sealed
    assert files_under(outbox.tmp_dir) == set()


def test_confirm_is_idempotent(outbox):
    new = new_submission(attachments=2)
    first = outbox.confirm(new)
    files = files_under(outbox.attachments_dir)
    inodes = {f: (outbox.attachments_dir / f).stat().st_ino for f in files}

    assert outbox.confirm(new) == first
    # Same id, different content (e.g. resealed): still the first receipt, nothing new.
    other = new_submission(submission_id=new.submission_id, attachments=3)
    assert outbox.confirm(other) == first

    assert count_rows(outbox.db_path, "submissions") == 1
    assert count_rows(outbox.db_path, "attachments") == 2
    assert files_under(outbox.attachments_dir) == files
    assert {f: (outbox.attachments_dir / f).stat().st_ino for f in files} == inodes
    assert envelope_of(outbox, new.submission_id) == new.envelope


def test_confirm_without_attachments_is_idempotent_too(outbox):
    new = new_submission()
    first = outbox.confirm(new)
    assert outbox.confirm(new) == first
    assert count_rows(outbox.db_path, "submissions") == 1


def test_confirm_without_attachments_makes_no_directory(outbox):
    new = new_submission()
    outbox.confirm(new)
    assert not (outbox.attachments_dir / new.submission_id).exists()


def test_receipt_numbers_are_unique_across_confirms(outbox):
    receipts = [outbox.confirm(new_submission()).receipt_no for _ in range(200)]
    assert len(set(receipts)) == 200


@pytest.mark.parametrize(
    "change",
    [
        {"submission_id": "not-a-uuid"},
        {"submission_id": str(uuid.uuid4()).upper()},
        {"submission_id": "../../etc"},
        {"created_at": datetime(2026, 1, 1)},
        {"envelope": b""},
        {"kind": ""},
        {"receipt_fields": {"x": object()}},
        {"attachments": "bad-digest"},
        {"attachments": "duplicate"},
    ],
)
def test_confirm_rejects_malformed_input_before_writing(outbox, change):
    change = dict(change)
    if change.get("attachments") == "bad-digest":
        a = sealed_attachment()
        change["attachments"] = [type(a)(a.role, a.media_type, "ABC", a.sealed)]
    elif change.get("attachments") == "duplicate":
        a = sealed_attachment()
        change["attachments"] = [a, a]
    base = new_submission(attachments=0)
    new = type(base)(**{**base.__dict__, **change})
    with pytest.raises(ValueError):
        outbox.confirm(new)
    assert count_rows(outbox.db_path, "submissions") == 0
    assert files_under(outbox.attachments_dir) == set()


# --- a confirm that fails half-way leaves nothing ------------------------------------------


def assert_nothing_left(box: Outbox) -> None:
    assert count_rows(box.db_path, "submissions") == 0
    assert count_rows(box.db_path, "attachments") == 0
    assert files_under(box.attachments_dir) == set()
    assert sorted(p.name for p in box.attachments_dir.iterdir()) == [".lock", ".tmp"]


def test_disk_full_on_second_attachment_leaves_no_row_and_no_file(outbox, monkeypatch):
    # The one simulated fault: the first attachment is already in place when the
    # second rename fails with ENOSPC, so the cleanup has real work to do.
    real_replace = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    new = new_submission(attachments=2)
    with pytest.raises(StoreError) as info:
        outbox.confirm(new)
    monkeypatch.undo()

    assert info.value.disk_full
    assert info.value.user_message == MESSAGE_FULL == "存储空间已满，您的信息还没有保存。请联系工作人员。"
    assert len(calls) == 2  # the first file had landed in place when the second failed
    assert_nothing_left(outbox)
    # All-or-nothing: the same submission confirms cleanly afterwards.
    receipt = outbox.confirm(new)
    assert outbox.find_by_receipt(receipt.receipt_no).submission_id == new.submission_id
    assert len(files_under(outbox.attachments_dir)) == 2


@pytest.mark.parametrize("mode", ["attachment", "commit"])
def test_real_write_failure_leaves_no_row_and_no_file(tmp_path, mode):
    """A child process confirms under RLIMIT_FSIZE: the kernel really refuses the write."""
    data = tmp_path / "data"
    proc = subprocess.run(
        [sys.executable, str(SUPPORT / "store_fault_child.py"), str(data), mode],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout)
    assert result["raised"] == "StoreError"
    assert result["user_message"] == MESSAGE_FAULT
    assert {"attachment": "write attachment", "commit": "commit"}[mode] in result["detail"]

    # Look before any Outbox.open, which would sweep.
    att = data / "attachments"
    assert files_under(att) == set()
    assert sorted(p.name for p in att.iterdir()) == [".lock", ".tmp"]
    conn = sqlite3.connect(data / "kiosk.db")
    try:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 0
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()


def _mount_tmpfs(path: Path, size: str) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    return proc.returncode == 0


def test_full_filesystem_leaves_no_row_and_no_file(tmp_path):
    """On a really full (small tmpfs) disk; needs permission to mount, else skipped."""
    mnt = tmp_path / "small"
    if not _mount_tmpfs(mnt, "4m"):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        box = Outbox.open(mnt / "data")
        try:
            # The attachment does not fit at all.
            with pytest.raises(StoreError) as info:
                box.confirm(new_submission(attachments=[sealed_attachment(5 * 1024 * 1024)]))
            assert info.value.disk_full and info.value.user_message == MESSAGE_FULL
            assert_nothing_left(box)

            # The attachment fits, the database commit does not.
            free = os.statvfs(mnt).f_bavail * os.statvfs(mnt).f_frsize
            filler = mnt / "filler"
            filler.write_bytes(b"\0" * max(free - 256 * 1024, 0))
            with pytest.raises(StoreError) as info:
                box.confirm(
                    new_submission(attachments=[sealed_attachment(50_000)], envelope=b"e" * 600_000)
                )
            assert info.value.disk_full
            assert_nothing_left(box)

            filler.unlink()
            receipt = box.confirm(new_submission(attachments=1))
            assert box.find_by_receipt(receipt.receipt_no) is not None
            with box.engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        finally:
            box.close()
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_a_real_full_disk_on_the_second_attachment_leaves_no_row_and_no_file(small_tmpfs,
                                                                             monkeypatch):
    """ENOSPC from the kernel half-way through a confirm: the first attachment fits and
    lands, the second does not. A recorder on os.replace (it still makes the real call)
    shows the first file was in place when the second failed."""
    box = Outbox.open(small_tmpfs / "data")
    try:
        box.confirm(new_submission(attachments=1))  # the database and its WAL have grown
        before = files_under(box.attachments_dir)
        free = os.statvfs(small_tmpfs).f_bavail * os.statvfs(small_tmpfs).f_frsize
        (small_tmpfs / "filler").write_bytes(b"\0" * (free - 256 * 1024))
        renamed = []
        real_replace = os.replace

        def recording_replace(src, dst):
            real_replace(src, dst)
            renamed.append(Path(dst))

        monkeypatch.setattr(os, "replace", recording_replace)
        new = new_submission(attachments=[sealed_attachment(64 * 1024),
                                          sealed_attachment(512 * 1024)])
        with pytest.raises(StoreError) as info:
            box.confirm(new)
        monkeypatch.undo()
        assert info.value.disk_full and info.value.user_message == MESSAGE_FULL
        assert "ENOSPC" in str(info.value)
        assert [p.parent.name for p in renamed] == [new.submission_id]  # the first had landed
        assert files_under(box.attachments_dir) == before
        assert not (box.attachments_dir / new.submission_id).exists()
        assert list(box.tmp_dir.iterdir()) == []
        assert box.get(new.submission_id) is None
        assert count_rows(box.db_path, "submissions") == 1
        assert count_rows(box.db_path, "attachments") == 1

        (small_tmpfs / "filler").unlink()
        receipt = box.confirm(new)  # all or nothing: the same submission lands cleanly now
        assert box.find_by_receipt(receipt.receipt_no).submission_id == new.submission_id
        assert len(files_under(box.attachments_dir) - before) == 2
    finally:
        box.close()


def test_opening_the_store_on_a_full_disk_says_the_disk_is_full(small_tmpfs):
    """SQLite reports a full disk at open as an I/O error growing the -shm file
    (SQLITE_IOERR_SHMSIZE); the citizen and the technician must still read "full"."""
    Outbox.open(small_tmpfs / "data").close()
    filler = fill_up(small_tmpfs)
    with pytest.raises(StoreError) as info:
        Outbox.open(small_tmpfs / "data")
    assert info.value.disk_full, str(info.value)
    filler.unlink()
    with Outbox.open(small_tmpfs / "data") as box:
        assert box.items() == []


# --- the orphan sweep ----------------------------------------------------------------------


def test_sweep_removes_strays_and_keeps_what_rows_refer_to(outbox):
    kept = new_submission(attachments=2)
    outbox.confirm(kept)
    referenced = files_under(outbox.attachments_dir)

    stray_tmp = outbox.tmp_dir / "half-written"
    stray_tmp.write_bytes(b"partial")
    orphan_dir = outbox.attachments_dir / str(uuid.uuid4())
    orphan_dir.mkdir()
    (orphan_dir / ("a" * 64)).write_bytes(b"no row for me")
    stray_in_kept = outbox.attachments_dir / kept.submission_id / ("b" * 64)
    stray_in_kept.write_bytes(b"not referenced")
    stray_top = outbox.attachments_dir / "stray-file"
    stray_top.write_bytes(b"x")

    removed = outbox.sweep_orphans()

    assert removed == 5  # the temp file, the orphan file and its dir, two strays
    assert files_under(outbox.attachments_dir) == referenced
    assert not orphan_dir.exists()
    for a in kept.attachments:
        assert outbox.read_attachment(kept.submission_id, a.digest) == a.sealed


def test_open_sweeps(tmp_path):
    data = tmp_path / "data"
    Outbox.open(data).close()
    (data / "attachments" / ".tmp" / "leftover").write_bytes(b"x")
    Outbox.open(data).close()
    assert files_under(data / "attachments") == set()


def test_sweep_is_skipped_while_a_confirm_holds_the_lock(outbox):
    stray = outbox.tmp_dir / "in-progress"
    stray.write_bytes(b"being written")
    # What a confirm in another process holds while writing: a shared flock.
    fd = os.open(outbox.attachments_dir / ".lock", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        assert outbox.sweep_orphans() is None
        assert stray.exists()
    finally:
        os.close(fd)
    assert outbox.sweep_orphans() == 1
    assert not stray.exists()


def test_sweeping_alongside_confirms_never_removes_a_referenced_file(tmp_path):
    data = tmp_path / "data"
    ui, other = Outbox.open(data), Outbox.open(data)
    stop = threading.Event()
    sweeps = []

    def sweep_loop():
        while not stop.is_set():
            sweeps.append(other.sweep_orphans())

    sweeper = threading.Thread(target=sweep_loop)
    sweeper.start()
    try:
        confirmed = [ui.confirm(new_submission(attachments=2)) for _ in range(60)]
    finally:
        stop.set()
        sweeper.join()
    assert any(s is not None for s in sweeps)
    for _ in confirmed:
        for a in claim_one(ui).attachments:
            assert hashlib.sha256(a.path.read_bytes()).hexdigest() == a.sealed_digest
    assert len(confirmed) == 60
    ui.close()
    other.close()


# --- the outbox state machine --------------------------------------------------------------


def test_claim_order_attempts_and_retry(outbox):
    late = outbox.confirm(new_submission(created_at=T0 + timedelta(minutes=5)))
    early = outbox.confirm(new_submission(created_at=T0))
    now = datetime.now(UTC) + timedelta(seconds=1)

    first = claim_one(outbox, now)
    assert first.submission_id == early.submission_id
    assert first.attempts == 1 and first.envelope
    assert first.receipt_no == early.receipt_no
    assert outbox.get(early.submission_id).state == "sending"

    retry_at = now + timedelta(minutes=10)
    settle_one(outbox, Settlement.retry(first.submission_id, "timeout", retry_at))
    info = outbox.get(early.submission_id)
    assert info.state == "queued" and info.last_error == "timeout"
    assert info.next_attempt_at == retry_at

    second = claim_one(outbox, now)
    assert second.submission_id == late.submission_id
    assert claim_one(outbox, now) is None  # early is not due yet
    assert outbox.next_due_at() == retry_at

    again = claim_one(outbox, retry_at)
    assert again.submission_id == early.submission_id and again.attempts == 2
    assert outbox.next_due_at() is None


def test_deliver_and_needs_attention(outbox):
    a = outbox.confirm(new_submission(created_at=T0))
    b = outbox.confirm(new_submission(created_at=T0 + timedelta(seconds=1)))
    at = datetime(2026, 11, 27, 1, 2, 3, tzinfo=UTC)

    claim_one(outbox)
    settle_one(outbox, Settlement.delivered(a.submission_id, "XF-2026-0001", "Q7K3", at=at))
    info = outbox.get(a.submission_id)
    assert (info.state, info.case_no, info.query_code, info.delivered_at) == (
        "delivered",
        "XF-2026-0001",
        "Q7K3",
        at,
    )
    # Same answer again (a retried worker): nothing changes; another case number: refused.
    settle_one(outbox, Settlement.delivered(a.submission_id, "XF-2026-0001", "Q7K3"))
    assert outbox.get(a.submission_id).delivered_at == at
    with pytest.raises(TransitionError):
        settle_one(outbox, Settlement.delivered(a.submission_id, "XF-OTHER", "Q"))
    with pytest.raises(TransitionError):
        settle_one(outbox, Settlement.retry(a.submission_id, "late", at))

    claim_one(outbox)
    settle_one(outbox, Settlement.needs_attention(b.submission_id, "422 body differs"))
    assert outbox.get(b.submission_id).state == "needs_attention"
    assert claim_one(outbox, datetime.now(UTC) + timedelta(days=1)) is None  # never blocks
    with pytest.raises(TransitionError):
        settle_one(outbox, Settlement.retry(b.submission_id, "x", at))
    outbox.retry_needs_attention(b.submission_id)
    assert outbox.get(b.submission_id).state == "queued"
    assert claim_one(outbox).submission_id == b.submission_id
    with pytest.raises(TransitionError):
        outbox.retry_needs_attention(b.submission_id)

    with pytest.raises(NotFoundError):
        settle_one(outbox, Settlement.delivered(str(uuid.uuid4()), "C", "Q"))


def test_requeue_stale_sending(outbox):
    for _ in range(3):
        outbox.confirm(new_submission())
    claim_one(outbox)
    claim_one(outbox)
    assert outbox.status().counts["sending"] == 2
    assert outbox.requeue_stale_sending() == 2
    st_ = outbox.status()
    assert st_.counts["sending"] == 0 and st_.counts["queued"] == 3


def _claim_all(data_dir: str) -> list[str]:
    box = Outbox.open(Path(data_dir))
    got = []
    while (item := claim_one(box)) is not None:
        got.append(item.submission_id)
    box.close()
    return got


def test_concurrent_workers_never_claim_the_same_item(tmp_path):
    data = tmp_path / "data"
    with Outbox.open(data) as box:
        ids = {box.confirm(new_submission()).submission_id for _ in range(150)}
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        results = pool.map(_claim_all, [str(data)] * 4)
    claimed = [sid for r in results for sid in r]
    assert len(claimed) == len(set(claimed)) == 150
    assert set(claimed) == ids


def test_status_counts_oldest_age_and_last_error(outbox):
    empty = outbox.status()
    assert empty.counts == dict.fromkeys(STATES, 0)
    assert empty.oldest_queued_age is None and empty.last_error is None and empty.total == 0

    for i in range(4):
        outbox.confirm(new_submission(created_at=T0 + timedelta(minutes=i)))
    now = T0 + timedelta(hours=2)
    c1 = claim_one(outbox, datetime.now(UTC))
    settle_one(outbox, Settlement.delivered(c1.submission_id, "C1", "Q1"))
    c2 = claim_one(outbox, datetime.now(UTC))
    settle_one(outbox, Settlement.retry(c2.submission_id, "connect timeout", datetime.now(UTC)))
    c3 = claim_one(outbox, datetime.now(UTC))
    assert c3.submission_id == c2.submission_id
    settle_one(outbox, Settlement.needs_attention(c3.submission_id, "refused: bad category"))
    claim_one(outbox, datetime.now(UTC))

    st_ = outbox.status(now)
    assert st_.counts == {
        "queued": 1,
        "sending": 1,
        "delivered": 1,
        "needs_attention": 1,
        "set_aside": 0,
        "purged": 0,
    }
    assert st_.total == 4
    # The oldest not yet delivered is the third (the second needs attention).
    assert st_.oldest_queued_age == timedelta(hours=2) - timedelta(minutes=2)
    assert st_.last_error == "refused: bad category"


def test_purge_keeps_rows_queries_and_counts(outbox):
    now = datetime(2026, 12, 31, 12, tzinfo=UTC)
    old_day, new_day = date(2026, 11, 1), date(2026, 12, 30)
    old = [outbox.confirm(new_submission(attachments=2)) for _ in range(3)]
    old_review = outbox.confirm(new_submission(kind="review", attachments=1))
    recent = outbox.confirm(new_submission(attachments=1))
    waiting = outbox.confirm(new_submission(attachments=1))
    for r in [*old, old_review, recent]:
        claimed = claim_one(outbox)
        day = old_day if r is not recent else new_day
        settle_one(outbox, Settlement.delivered(
            claimed.submission_id,
            f"C-{r.receipt_no}",
            f"Q-{r.receipt_no}",
            at=datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=3),
        ))
    counts_before = outbox.delivery_counts()
    assert counts_before == {(old_day, "petition"): 3, (old_day, "review"): 1,
                             (new_day, "petition"): 1}

    assert outbox.purge_delivered(timedelta(days=30), now=now) == 4

    for r in [*old, old_review]:
        info = outbox.find_by_receipt(r.display_no)
        assert info.state == "purged"
        assert (info.case_no, info.query_code) == (f"C-{r.receipt_no}", f"Q-{r.receipt_no}")
        assert info.receipt_fields == {}
        assert envelope_of(outbox, r.submission_id) is None
        assert not (outbox.attachments_dir / r.submission_id).exists()
    assert outbox.get(recent.submission_id).state == "delivered"
    assert envelope_of(outbox, recent.submission_id) is not None
    assert {f.split("/")[0] for f in files_under(outbox.attachments_dir)} == {
        recent.submission_id,
        waiting.submission_id,
    }
    assert outbox.delivery_counts() == counts_before
    conn = sqlite3.connect(outbox.db_path)
    try:
        rows = conn.execute("SELECT day, kind, delivered FROM delivery_counts ORDER BY kind")
        assert rows.fetchall() == [("2026-11-01", "petition", 3), ("2026-11-01", "review", 1)]
    finally:
        conn.close()
    status = outbox.status(now)
    assert status.counts["purged"] == 4 and status.counts["delivered"] == 1

    # Purging again changes nothing; purging the recent one adds to the table.
    assert outbox.purge_delivered(timedelta(days=30), now=now) == 0
    assert outbox.purge_delivered(timedelta(0), now=now) == 1
    assert outbox.delivery_counts() == counts_before
    with pytest.raises(NotFoundError):
        outbox.read_attachment(recent.submission_id, "0" * 64)


def test_find_by_receipt(outbox):
    receipt = outbox.confirm(new_submission())
    no = receipt.receipt_no
    full_width = "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) for c in format_receipt_no(no)
    )
    for typed in (no, format_receipt_no(no), full_width):
        found = outbox.find_by_receipt(typed)
        assert found.submission_id == receipt.submission_id
        assert found.receipt_fields == receipt.receipt_fields
    typo = no[:3] + str((int(no[3]) + 1) % 10) + no[4:]
    assert outbox.find_by_receipt(typo) is None
    other = new_receipt_no()
    assert other == no or outbox.find_by_receipt(other) is None


def test_read_attachment_detects_a_damaged_file(outbox):
    new = new_submission(attachments=1)
    outbox.confirm(new)
    path = claim_one(outbox).attachments[0].path
    path.write_bytes(b"damaged")
    with pytest.raises(StoreError):
        outbox.read_attachment(new.submission_id, new.attachments[0].digest)
    with pytest.raises(NotFoundError):
        outbox.read_attachment(new.submission_id, "f" * 64)


def test_times_must_be_timezone_aware(outbox):
    with pytest.raises(ValueError):
        claim_one(outbox, datetime(2026, 1, 1))
    receipt = outbox.confirm(new_submission())
    claim_one(outbox)
    with pytest.raises(ValueError):
        settle_one(outbox, Settlement.retry(receipt.submission_id, "x", datetime(2026, 1, 1)))


def test_a_taken_receipt_number_is_drawn_again(tmp_path):
    data = tmp_path / "data"
    with Outbox.open(data) as box:
        taken = box.confirm(new_submission()).receipt_no

    fresh = new_receipt_no()
    drawn = []

    class UnluckyOutbox(Outbox):
        # The random source, replaced by one that first repeats a number in use.
        @staticmethod
        def receipt_numbers() -> str:
            drawn.append(taken if not drawn else fresh)
            return drawn[-1]

    with UnluckyOutbox.open(data) as box:
        receipt = box.confirm(new_submission())
    assert drawn == [taken, fresh] or fresh == taken
    assert receipt.receipt_no == fresh
    assert count_rows(data / "kiosk.db", "submissions") == 2


def test_the_same_submission_confirmed_concurrently_is_stored_once(tmp_path):
    data = tmp_path / "data"
    boxes = [Outbox.open(data) for _ in range(6)]
    new = new_submission(attachments=2)
    barrier = threading.Barrier(len(boxes))
    receipts = []

    def confirm(box):
        barrier.wait()
        receipts.append(box.confirm(new))

    threads = [threading.Thread(target=confirm, args=(box,)) for box in boxes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(receipts) == 6 and all(r == receipts[0] for r in receipts)
    assert count_rows(data / "kiosk.db", "submissions") == 1
    assert count_rows(data / "kiosk.db", "attachments") == 2
    expected = {
        f"{new.submission_id}/{hashlib.sha256(a.sealed).hexdigest()}" for a in new.attachments
    }
    assert files_under(data / "attachments") == expected
    for box in boxes:
        box.close()


def test_write_transactions_take_the_write_lock_at_begin(outbox):
    from kiosk.store import write_transaction

    with write_transaction(outbox.engine) as conn:
        conn.exec_driver_sql("SELECT 1")  # no write yet
        other = sqlite3.connect(outbox.db_path, timeout=0, isolation_level=None)
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_the_database_and_its_wal_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        with Outbox.open(tmp_path / "d") as box:
            box.confirm(new_submission(attachments=1))
            modes = {p.name: p.stat().st_mode & 0o777 for p in (tmp_path / "d").iterdir()
                     if p.name.startswith("kiosk.db")}
    finally:
        os.umask(old)
    assert modes.keys() >= {"kiosk.db", "kiosk.db-wal"}
    assert set(modes.values()) == {0o600}, modes


def test_a_claimed_item_carries_everything_the_worker_sends(outbox):
    new = new_submission(attachments=2, created_at=T0)
    receipt = outbox.confirm(new)
    [claimed] = outbox.claim_batch(5, datetime.now(UTC) + timedelta(seconds=5))
    assert (claimed.submission_id, claimed.receipt_no) == (new.submission_id, receipt.receipt_no)
    assert (claimed.kind, claimed.category, claimed.purpose) == ("petition", "labour", "demand")
    assert (claimed.terminal_id, claimed.jurisdiction) == ("T-0001", "演示县")
    assert claimed.created_at == T0
    assert claimed.envelope == new.envelope
    assert claimed.attempts == 1  # the claim's own
    assert [(a.role, a.media_type, a.size, a.digest) for a in claimed.attachments] == [
        (a.role, a.media_type, len(a.sealed), a.digest) for a in new.attachments
    ]
    assert [outbox.read_claimed(a) for a in claimed.attachments] == [
        a.sealed for a in new.attachments
    ]


def test_counts_of_the_same_day_and_kind_add_up_in_one_row(outbox):
    day = date(2026, 11, 1)
    delivered_at = datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=3)
    now = datetime(2026, 12, 31, 12, tzinfo=UTC)
    for batch in (2, 3):  # two purges, each adding to the row the first one wrote
        for _ in range(batch):
            outbox.confirm(new_submission())
            claimed = claim_one(outbox)
            settle_one(outbox, Settlement.delivered(claimed.submission_id, f"C-{claimed.receipt_no}",
                                                    "Q", at=delivered_at))
        assert outbox.purge_delivered(timedelta(days=30), now=now) == batch
    outbox.add_delivery_counts({(day, "petition"): 4, (day, "review"): 1})
    conn = sqlite3.connect(outbox.db_path)
    try:
        rows = conn.execute("SELECT day, kind, delivered FROM delivery_counts ORDER BY kind")
        assert rows.fetchall() == [("2026-11-01", "petition", 9), ("2026-11-01", "review", 1)]
    finally:
        conn.close()
    assert outbox.delivery_counts() == {(day, "petition"): 9, (day, "review"): 1}


def test_opening_on_something_that_is_no_directory_is_a_store_error(tmp_path):
    not_a_dir = tmp_path / "data"
    not_a_dir.write_text("a file where the data directory should be")
    with pytest.raises(StoreError) as caught:
        Outbox.open(not_a_dir)
    assert str(caught.value) in ("open: EEXIST", "open: ENOTDIR")
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.disk_full is False
    assert caught.value.user_message == MESSAGE_FAULT_OTHER  # not while confirming


def test_a_technician_change_of_an_unknown_item_names_it(outbox):
    unknown = "0b7e1c2e-5d5e-4f0e-9d57-3f1c2a3b4c5d"
    with pytest.raises(NotFoundError) as caught:
        outbox.retry_needs_attention(unknown)
    assert str(caught.value) == unknown
    receipt = outbox.confirm(new_submission())
    with pytest.raises(TransitionError) as refused:
        outbox.set_aside(receipt.submission_id, "重复提交")
    assert str(refused.value) == f"{receipt.submission_id} is queued: set_aside needs needs_attention"
