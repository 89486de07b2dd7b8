"""Durability is asserted, not assumed: the real system calls of a confirm and of each
private file the core writes, recorded by strace, in the order a power cut needs.

A crash test (SIGKILL) keeps the page cache, so it cannot see a missing fsync; these
can. For every durable file: the temporary file is written and fsync'd, renamed onto
its name, and its directory fsync'd. For a confirm: every attachment file so, then
its submission's directory fsync'd, and only then the SQLite commit (the WAL's
frames written and synced)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import stat
import sys
from pathlib import Path

from kiosk import technician
from tests.support import factories as f
from tests.support.common import EXAMPLE, ROOT
from tests.support.syscalls import WRITES, Trace, durable_write, parse, record, renames_onto


def _env(tmp_path: Path) -> dict:
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _demo_dirs(tmp_path: Path) -> tuple[Path, Path]:
    """The demo terminal's data directory and its demo platform's folder."""
    base = tmp_path / "xdg-data" / "petition-kiosk"
    return base / "demo", base / "demo-platform"


def _review_with_three_attachments(tmp_path: Path) -> Path:
    folder = tmp_path / "doc"
    folder.mkdir()
    shutil.copy(EXAMPLE.parent / "signature.png", folder / "signature.png")
    for n, role in enumerate(("id_proof", "reply_opinion")):
        (folder / f"{role}.jpg").write_bytes(f.page_image(n))
    path = folder / "review.json"
    path.write_text(json.dumps(f.review(received_on="2026-11-20"), ensure_ascii=False),
                    encoding="utf-8")
    return path


def _kiosk(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def test_a_confirm_syncs_every_attachment_and_its_directory_before_the_commit(tmp_path):
    doc = _review_with_three_attachments(tmp_path)
    trace = record(_kiosk("submit", str(doc), "--today", "2026-11-26", "--json"),
                   tmp_path / "confirm.trace", env=_env(tmp_path), cwd=ROOT)
    assert trace.returncode == 0, trace.stderr
    data_dir, platform_dir = _demo_dirs(tmp_path)
    attachments = data_dir / "attachments"
    (sub_dir,) = [p for p in attachments.iterdir() if p.is_dir() and p.name != ".tmp"]
    files = sorted(sub_dir.iterdir())
    assert len(files) == 3

    # The demo platform's key pair is made on first use, durably, before anything is sealed.
    key = durable_write(trace, platform_dir / "private.key")
    assert key.writes and stat.S_IMODE((platform_dir / "private.key").stat().st_mode) == 0o600

    steps = [durable_write(trace, path) for path in files]
    for step in steps:
        assert Path(step.temp).parent == attachments / ".tmp", step.temp
        assert step.writes, f"nothing was written to {step.temp}"
        assert step.dir_sync.fd_path == str(sub_dir)
        assert key.dir_sync.index < step.created.index
    first_create = min(s.created.index for s in steps)
    dir_sync = max(s.dir_sync.index for s in steps)
    assert all(s.renamed.index < dir_sync for s in steps)

    # The submission's directory is itself durable in attachments/ before a file lands in it.
    (made,) = trace.find(("mkdir", "mkdirat"), path=str(sub_dir))
    assert made.index < first_create
    assert [c for c in trace.syncs_of(attachments, start=made.index)
            if c.index < first_create], "attachments/ not fsync'd after the new directory"

    # The commit comes after the directory fsync: no frame of the transaction reaches
    # the database before it, its frames and their sync after it.
    wal, db = str(data_dir / "kiosk.db-wal"), str(data_dir / "kiosk.db")
    early = [c for c in trace.find(WRITES, start=first_create)
             if c.index < dir_sync and c.fd_path in (wal, db)]
    assert early == [], "the database was written before the attachments were durable:\n" \
        + "\n".join(map(str, early))
    frames = trace.find(WRITES, fd_path=wal, start=dir_sync)
    assert frames, "no WAL frame written after the attachments' directory fsync"
    commit = trace.syncs_of(wal, start=frames[0].index)
    assert commit, "the WAL was never synced after the commit's frames"

    conn = sqlite3.connect(data_dir / "kiosk.db")
    try:
        assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1
        assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 3
    finally:
        conn.close()


def test_the_pin_and_each_lock_out_state_are_written_durably(tmp_path):
    data_dir, _ = _demo_dirs(tmp_path)
    trace = record(_kiosk("--demo", "set-pin", "--stdin"), tmp_path / "pin.trace",
                   env=_env(tmp_path), cwd=ROOT, input="246810\n")
    assert trace.returncode == 0, trace.stderr
    pin = durable_write(trace, data_dir / technician.PIN_FILE)
    assert pin.writes
    assert stat.S_IMODE((data_dir / technician.PIN_FILE).stat().st_mode) == 0o600

    wrong_tries = (
        "import sys\n"
        "from pathlib import Path\n"
        "from kiosk import technician\n"
        "for _ in range(technician.MAX_TRIES):\n"
        "    technician.verify(Path(sys.argv[1]), '000000', terminal_id='T-0001')\n"
    )
    trace = record([sys.executable, "-c", wrong_tries, str(data_dir)], tmp_path / "lock.trace",
                   cwd=ROOT)
    assert trace.returncode == 0, trace.stderr
    lock_file = data_dir / technician.LOCK_FILE
    # One state per wrong PIN, the last of them a lock-out; each durable on its own.
    assert len(renames_onto(trace, lock_file)) == technician.MAX_TRIES
    steps = [durable_write(trace, lock_file, nth=nth) for nth in range(technician.MAX_TRIES)]
    for step, following in zip(steps, steps[1:], strict=False):
        assert step.writes and step.dir_sync.index < following.created.index
    assert technician.read_lock(data_dir).locked_until is not None
    assert stat.S_IMODE(lock_file.stat().st_mode) == 0o600


def test_the_trace_reader_joins_split_calls_and_resolves_descriptors():
    log = (
        '7 openat(AT_FDCWD</d>, "sub/.f.1.tmp", O_WRONLY|O_CREAT|O_EXCL, 0600) = 3</d/sub/.f.1.tmp>\n'
        '7 write(3</d/sub/.f.1.tmp>, ""..., 5) = 5\n'
        '7 fsync(3</d/sub/.f.1.tmp> <unfinished ...>\n'
        '8 pwrite64(4</d/db-wal>, ""..., 24, 0) = 24\n'
        '7 <... fsync resumed>) = 0\n'
        '7 renameat2(AT_FDCWD</d>, "sub/.f.1.tmp", AT_FDCWD</d>, "sub/f", RENAME_NOREPLACE) = 0\n'
        '7 fsync(5</d/sub>) = 0\n'
        '7 fdatasync(4</d/db-wal>) = -1 EIO (Input/output error)\n'
        '7 +++ exited with 0 +++\n'
    )
    trace = Trace(parse(log), 0, "", "")
    assert [c.name for c in trace.calls] == ["openat", "write", "pwrite64", "fsync",
                                             "renameat2", "fsync", "fdatasync"]
    assert trace.calls[0].fd_path == "/d/sub/.f.1.tmp"
    assert trace.calls[4].paths == ("/d/sub/.f.1.tmp", "/d/sub/f")
    step = durable_write(trace, "/d/sub/f")
    assert (step.created.index, step.file_sync.index, step.dir_sync.index) == (0, 3, 5)
    assert trace.syncs_of("/d/db-wal") == []  # a failed sync is no sync
