"""A damaged database is moved aside at open, the kiosk keeps serving, and
`kiosk recover` puts back what can still be read — delivered exactly once."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from kiosk.store import Outbox, StoreError, damage, open_engine, recovery
from kiosk.store.errors import MESSAGE_FAULT
from tests.support.store import claim_one, new_submission, overwrite_pages, pages_of
from tests.support.terminal import make_terminal
from wire import sealing


def _filled_store(data_dir: Path, count: int, *, with_attachments: bool = True) -> list[str]:
    """`count` confirmed submissions, every other with an attachment; the WAL folded in."""
    with Outbox.open(data_dir) as box:
        receipts = [box.confirm(new_submission(attachments=(i % 2) if with_attachments else 0))
                    .receipt_no for i in range(count)]
    assert not (data_dir / "kiosk.db-wal").exists() or \
        (data_dir / "kiosk.db-wal").stat().st_size == 0
    return receipts


def test_a_sound_database_is_left_alone(tmp_path):
    _filled_store(tmp_path / "d", 3)
    with Outbox.open(tmp_path / "d") as box:
        assert box.status().counts["queued"] == 3
    assert recovery.damaged_folders(tmp_path / "d") == []


def test_a_garbled_file_is_moved_aside_and_a_fresh_store_serves(tmp_path):
    public_key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    term = make_terminal(tmp_path, "http://127.0.0.1:9/api", public_key)
    data = term.data_dir
    _filled_store(data, 4)
    with open(data / "kiosk.db", "r+b") as f:
        f.write(b"this is no longer an SQLite database" * 3)

    with Outbox.open(data) as box:
        receipt = box.confirm(new_submission(attachments=1))
        assert box.find_by_receipt(receipt.receipt_no) is not None
        assert box.status().counts["queued"] == 1

    [folder] = recovery.damaged_folders(data)
    assert (folder / "kiosk.db").exists()
    assert "not a database" in (folder / "reason.txt").read_text()
    # the old attachment files went with their database, not into the orphan sweep
    assert len([p for p in (folder / "attachments").rglob("*") if p.is_file()
                and p.parent.name != ".tmp" and p.name != ".lock"]) == 2

    # nothing readable: recover says so, keeps the folder, exits 1
    result = term.kiosk("recover")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "nothing could be read" in result.stdout
    assert folder.exists()


def test_a_damaged_index_is_found_and_every_row_comes_back(tmp_path):
    data = tmp_path / "d"
    receipts = _filled_store(data, 30)
    overwrite_pages(data / "kiosk.db", pages_of(data / "kiosk.db",
                                                  "ix_submissions_state_created_at"))

    with Outbox.open(data) as box:  # moves it aside
        assert box.status().counts.get("queued", 0) == 0
        report = recovery.recover(box, recovery.damaged_folders(data)[0])
        assert report.readable and report.queued == 30 and report.read_errors == 0
        for no in receipts:
            info = box.find_by_receipt(no)
            assert info is not None and info.state == "queued"
        with box.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            n_att = conn.exec_driver_sql("SELECT count(*) FROM attachments").scalar()
        assert n_att == 15
        for _ in range(30):  # the attachments are back and whole
            item = claim_one(box)
            for att in item.attachments:
                assert box.read_attachment(item.submission_id, att.digest)

        again = recovery.recover(box, recovery.damaged_folders(data)[0])
        assert again.already_present == 30 and again.restored == 0


def test_a_lost_table_page_loses_only_its_rows(tmp_path):
    data = tmp_path / "d"
    receipts = _filled_store(data, 60, with_attachments=False)
    leaves = pages_of(data / "kiosk.db", "submissions", "leaf")
    assert len(leaves) >= 4, "the table must span several pages for this test"
    overwrite_pages(data / "kiosk.db", [leaves[1]])

    with Outbox.open(data) as box:
        report = recovery.recover(box, recovery.damaged_folders(data)[0])
        back = [no for no in receipts if box.find_by_receipt(no) is not None]
    assert report.readable
    assert 0 < len(back) < 60
    assert report.queued == len(back)


def _mount_tmpfs(path: Path) -> bool:
    path.mkdir()
    if os.geteuid() != 0:
        return False
    return subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(path)],
                          capture_output=True).returncode == 0


def test_a_read_only_disk_is_not_mistaken_for_damage(tmp_path):
    mnt = tmp_path / "ro"
    if not _mount_tmpfs(mnt):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        data = mnt / "data"
        with Outbox.open(data) as box:
            box.confirm(new_submission(attachments=1))
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True)
        # at open: an error, but the database stays where it is
        with pytest.raises(StoreError):
            Outbox.open(data)
        assert (data / "kiosk.db").exists() and not (data / "damaged").exists()
        # at confirm (the disk went read-only under a running kiosk): told plainly,
        # nothing half-written
        before = sorted(p for p in data.rglob("*"))
        box = Outbox(data, open_engine(data / "kiosk.db"))
        with pytest.raises(StoreError) as info:
            box.confirm(new_submission(attachments=1))
        assert info.value.user_message == MESSAGE_FAULT
        box.close()
        assert sorted(p for p in data.rglob("*")) == before
        subprocess.run(["mount", "-o", "remount,rw", str(mnt)], check=True)
        with Outbox.open(data) as box:
            assert box.status().counts["queued"] == 1
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)




def test_a_store_whose_database_another_process_moved_aside_reopens_on_the_fresh_one(tmp_path):
    data = tmp_path / "d"
    held = Outbox.open(data)
    try:
        first = held.confirm(new_submission()).submission_id
        assert held.replaced() is False
        assert held.current() is held  # nothing moved: the same store, still open
        assert held.get(first) is not None

        # What another process does when it finds the database damaged at its open.
        with damage.open_lock(data):
            damage.move_aside(data, "test: damaged")
        assert held.replaced() is True  # no database file at the path at all
        fresh_by_other = Outbox.open(data)
        fresh_by_other.close()
        assert held.replaced() is True  # a database again, but another file

        current = held.current()
        assert current is not held and type(current) is Outbox
        try:
            assert current.data_dir == held.data_dir and current.db_path == held.db_path
            assert current.replaced() is False
            assert current.get(first) is None  # it went aside with its database
            second = current.confirm(new_submission()).submission_id
            assert [i.submission_id for i in current.items()] == [second]
            assert current.current() is current
        finally:
            current.close()
        [folder] = recovery.damaged_folders(data)
        assert (folder / "reason.txt").read_text() == "test: damaged\n"
    finally:
        held.close()
