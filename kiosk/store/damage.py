"""A damaged database: found when the store opens, and moved aside whole.

A kiosk must keep serving when its database is damaged (a failing disk, a power
cut on cheap flash). `Outbox.open` runs SQLite's `integrity_check` (`open_checked`);
a damaged database is moved aside, with its WAL and the attachment files it refers
to, into `damaged/<time>-<id>/` and a fresh one is started. Nothing in there is
readable without the platform's key: envelopes and attachments are sealed, receipt
fields masked. `recovery.py` reads such a folder back.

Errors that are not damage (locked, read-only, full) never move anything: setting a
sound database aside would only hide it.
"""

from __future__ import annotations

import fcntl
import logging
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path

from wire.durable import fsync_dir, make_dir, write_file

from .db import BUSY_TIMEOUT_MS
from .errors import StoreError
from .files import ATTACHMENTS_DIR, DAMAGED_DIR, DB_FILES, DB_NAME

log = logging.getLogger(__name__)

REASON_FILE = "reason.txt"
OPEN_LOCK = ".store.lock"

# SQLite's primary result codes for "this file is damaged" (not busy, full, or unreadable).
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def is_damage(exc: BaseException) -> bool:
    """Whether a database error says the file itself is damaged."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def find_damage(db_path: Path) -> str | None:
    """What `integrity_check` finds wrong with the database, or None when it is sound
    (or does not exist yet). Errors that are not damage (locked, full, unreadable
    file) are raised."""
    if not db_path.exists():
        return None
    with closing(sqlite3.connect(db_path, timeout=BUSY_TIMEOUT_MS / 1000)) as conn:
        try:
            found = [row[0] for row in conn.execute("PRAGMA integrity_check(20)")]
        except sqlite3.DatabaseError as exc:
            if is_damage(exc):
                return f"{type(exc).__name__}: {exc}"
            raise
    return None if found == ["ok"] else "; ".join(map(str, found))[:2000]


@contextmanager
def open_lock(data_dir: Path) -> Iterator[None]:
    """Held while a process checks, sets aside or migrates the database, so two
    processes starting together never both move the same files."""
    fd = os.open(data_dir / OPEN_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def move_aside(data_dir: Path, reason: str) -> Path:
    """Move the database, its WAL and the attachment files into a new folder under
    `damaged/`; returns that folder. Call with `open_lock` held."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    parent = data_dir / DAMAGED_DIR
    make_dir(parent)
    dest = parent / f"{stamp}-{secrets.token_hex(3)}"
    dest.mkdir(mode=0o700)  # never an existing folder: each damage has its own
    for name in (*DB_FILES, ATTACHMENTS_DIR):
        src = data_dir / name
        if src.exists():
            os.replace(src, dest / name)
    write_file(dest / REASON_FILE, reason + "\n", sync_directory=False)
    for directory in (dest, parent, data_dir):
        fsync_dir(directory)
    log.warning("damaged database moved aside to %s/%s: %s", DAMAGED_DIR, dest.name, reason)
    return dest


def damaged_folders(data_dir: Path) -> list[Path]:
    """Every folder a damaged database was moved aside to, oldest first."""
    parent = Path(data_dir) / DAMAGED_DIR
    if not parent.is_dir():
        return []
    return sorted(p for p in parent.iterdir() if p.is_dir() and (p / REASON_FILE).exists())


def open_checked(data_dir: Path) -> None:
    """At open: set a damaged database aside so a fresh one can start. Call with
    `open_lock` held. A database error that is not damage surfaces as StoreError."""
    db_path = data_dir / DB_NAME
    try:
        reason = find_damage(db_path)
    except sqlite3.Error as exc:
        raise StoreError.from_exception(exc, "open: check", confirming=False) from exc
    if reason is not None:
        move_aside(data_dir, reason)
