"""Damaged databases: found when the store opens, moved aside whole, read back by `kiosk recover`.

A kiosk must keep serving when its database is damaged (a failing disk, a power
cut on cheap flash). `Outbox.open` runs SQLite's `integrity_check`; a damaged
database is moved aside, with its WAL and the attachment files it refers to, into
`damaged/<time>-<id>/` and a fresh one is started. Nothing in there is readable
without the platform's key: envelopes and attachments are sealed, receipt fields
masked.

`recover` later reads whatever rows SQLite can still return from a moved-aside
copy and puts them back into the live outbox under their original submission
ids and receipt numbers. Re-sending an item the platform already has is safe:
the submission id is its idempotency key, so the platform answers with the case
it made the first time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import secrets
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

from durable import fsync_dir, write_file

from .db import BUSY_TIMEOUT_MS, write_transaction
from .errors import StoreError
from .models import STATES, attachments, submissions
from .receipt import new_receipt_no

if TYPE_CHECKING:
    from .outbox import Outbox

log = logging.getLogger(__name__)

DB_NAME = "kiosk.db"
ATTACHMENTS_DIR = "attachments"
DAMAGED_DIR = "damaged"
REASON_FILE = "reason.txt"
RECOVERED_FILE = "recovered.json"
_OPEN_LOCK = ".store.lock"

# SQLite's primary result codes for "this file is damaged" (not busy, full, or unreadable).
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26
# How far a row-by-row scan goes when even max(rowid) cannot be read.
_ROWID_SCAN_LIMIT = 200_000


def is_damage(exc: BaseException) -> bool:
    """Whether a database error says the file itself is damaged."""
    orig = getattr(exc, "orig", exc)
    code = getattr(orig, "sqlite_errorcode", None)
    return code is not None and code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def find_damage(db_path: Path) -> str | None:
    """What `integrity_check` finds wrong with the database, or None when it is sound
    (or does not exist yet). Errors that are not damage (locked, full, unreadable
    file) are raised: setting a sound database aside would only hide it."""
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
    import fcntl

    fd = os.open(data_dir / _OPEN_LOCK, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
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
    parent.mkdir(mode=0o700, exist_ok=True)
    dest = parent / f"{stamp}-{secrets.token_hex(3)}"
    dest.mkdir(mode=0o700)
    for name in (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm", ATTACHMENTS_DIR):
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


# --- reading back -------------------------------------------------------------------------


@dataclass
class RecoveryReport:
    folder: str
    readable: bool = True
    problem: str = ""  # why nothing at all could be read
    queued: int = 0  # put back to be sent (again)
    kept_delivered: int = 0  # delivered or purged before: kept with their case numbers
    needs_attention: int = 0  # put back, but a technician must look (e.g. a damaged attachment)
    already_present: int = 0  # the live outbox has them already (a repeated recover)
    read_errors: int = 0  # rows SQLite could not return
    new_receipt_numbers: dict[str, str] = field(default_factory=dict)  # old -> new, on a clash

    @property
    def restored(self) -> int:
        return self.queued + self.kept_delivered + self.needs_attention

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "restored": self.restored}


def recover(outbox: Outbox, folder: Path) -> RecoveryReport:
    """Put every submission that can still be read from a damaged folder back into
    `outbox`. Safe to repeat: submissions already present are left alone. Raises
    StoreError when the live store cannot take them (e.g. the disk is full)."""
    try:
        return _recover(outbox, Path(folder))
    except (OSError, DBAPIError) as exc:
        raise StoreError.from_exception(exc, "recover", confirming=False) from exc


def _recover(outbox: Outbox, folder: Path) -> RecoveryReport:
    report = RecoveryReport(folder=folder.name)
    work = Path(tempfile.mkdtemp(prefix=".recover-", dir=folder.parent))
    try:
        # Read a copy: SQLite may write while opening (WAL recovery), and the folder is evidence.
        for name in (DB_NAME, f"{DB_NAME}-wal"):
            if (folder / name).exists():
                shutil.copyfile(folder / name, work / name)
        if not (work / DB_NAME).exists():
            report.readable, report.problem = False, "no database file in the folder"
            return report
        with closing(sqlite3.connect(work / DB_NAME)) as conn:
            try:
                sub_cols = _columns(conn, "submissions")
                att_cols = _columns(conn, "attachments")
            except sqlite3.DatabaseError as exc:
                report.readable, report.problem = False, f"{type(exc).__name__}: {exc}"
                return report
            if not sub_cols:
                report.readable, report.problem = False, "no submissions table"
                return report
            subs, bad_subs = _readable_rows(conn, "submissions", sub_cols)
            atts, bad_atts = _readable_rows(conn, "attachments", att_cols) if att_cols else ([], 0)
            report.read_errors = bad_subs + bad_atts
            first_time = not (folder / RECOVERED_FILE).exists()
            counts: list[dict[str, Any]] = []
            if first_time and _columns(conn, "delivery_counts"):
                counts, bad = _readable_rows(conn, "delivery_counts", ["day", "kind", "delivered"])
                report.read_errors += bad
        by_submission: dict[str, list[dict[str, Any]]] = {}
        for att in atts:
            by_submission.setdefault(att.get("submission_id"), []).append(att)
        for row in subs:
            _restore_one(outbox, folder, row, by_submission.get(row.get("id"), []), report)
        if counts:
            _add_counts(outbox, counts)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    write_file(folder / RECOVERED_FILE,
               json.dumps({"at": datetime.now(UTC).isoformat(), **report.as_dict()}, indent=2))
    log.info("recovered from %s/%s: %d restored, %d already present, %d read errors",
             DAMAGED_DIR, folder.name, report.restored, report.already_present,
             report.read_errors)
    return report


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _readable_rows(
    conn: sqlite3.Connection, table: str, columns: list[str]
) -> tuple[list[dict[str, Any]], int]:
    """All rows SQLite can return, and how many row reads failed. A whole-table scan
    first; when it stops on a damaged page, row by row, so one bad page loses only
    the rows on it."""
    names = ", ".join(f'"{c}"' for c in columns)
    try:
        return [dict(zip(columns, r, strict=True))
                for r in conn.execute(f"SELECT {names} FROM {table}")], 0
    except sqlite3.DatabaseError:
        pass
    try:
        top = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.DatabaseError:
        top = _ROWID_SCAN_LIMIT
    rows, failed = [], 0
    for rowid in range(1, top + 1):
        try:
            found = conn.execute(f"SELECT {names} FROM {table} WHERE rowid = ?", (rowid,)).fetchone()
        except sqlite3.DatabaseError:
            failed += 1
            continue
        if found is not None:
            rows.append(dict(zip(columns, found, strict=True)))
    return rows, failed


def _restore_one(outbox: Outbox, folder: Path, row: dict[str, Any],
                 atts: list[dict[str, Any]], report: RecoveryReport) -> None:

    sid, state = row.get("id"), row.get("state")
    if not isinstance(sid, str) or state not in STATES:
        report.read_errors += 1
        return
    live_cols = set(submissions.c.keys())
    values = {k: v for k, v in row.items() if k in live_cols}
    files: list[tuple[dict[str, Any], bytes]] = []
    if state in ("delivered", "purged"):
        pass  # the platform has it; kept for progress queries by receipt number
    elif values.get("envelope") is None:
        report.read_errors += 1
        return
    else:
        damaged = []
        for att in atts:
            data = _read_sealed(folder, att)
            if data is None:
                damaged.append(str(att.get("role")))
            else:
                files.append((att, data))
        if damaged:
            values["state"] = "needs_attention"
            values["last_error"] = ("recovered from a damaged database; attachment missing or "
                                    "damaged: " + ", ".join(sorted(damaged)))
        elif state == "sending":
            values["state"] = "queued"
    values["updated_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    with outbox._attachment_lock(exclusive=False, blocking=True):
        with write_transaction(outbox.engine) as conn:
            if conn.execute(submissions.select().where(submissions.c.id == sid)).first():
                report.already_present += 1
                return
            old_no = values.get("receipt_no")
            if conn.execute(submissions.select()
                            .where(submissions.c.receipt_no == old_no)).first() is not None:
                values["receipt_no"] = new_receipt_no()
                report.new_receipt_numbers[str(old_no)] = values["receipt_no"]
            sub_dir = outbox.attachments_dir / sid
            written = False
            for att, data in files:
                sub_dir.mkdir(mode=0o700, exist_ok=True)
                write_file(sub_dir / att["sealed_digest"], data, temp_dir=outbox.tmp_dir,
                           sync_directory=False)
                written = True
            if written:
                fsync_dir(sub_dir)
                fsync_dir(outbox.attachments_dir)
            # Raw values: the damaged file has the same storage formats as the live one.
            conn.exec_driver_sql(
                f"INSERT INTO submissions ({', '.join(values)}) "
                f"VALUES ({', '.join('?' for _ in values)})",
                tuple(values.values()),
            )
            att_cols = set(attachments.c.keys()) - {"id"}
            for att, _data in files:
                picked = {k: v for k, v in att.items() if k in att_cols}
                conn.exec_driver_sql(
                    f"INSERT INTO attachments ({', '.join(picked)}) "
                    f"VALUES ({', '.join('?' for _ in picked)})",
                    tuple(picked.values()),
                )
    final = values["state"]
    if final in ("delivered", "purged"):
        report.kept_delivered += 1
    elif final == "needs_attention":
        report.needs_attention += 1
    else:
        report.queued += 1


def _read_sealed(folder: Path, att: dict[str, Any]) -> bytes | None:
    """The sealed attachment file, if it is there and still matches its digest."""
    name, sealed_digest = att.get("file_name"), att.get("sealed_digest")
    if not isinstance(name, str) or not isinstance(sealed_digest, str) or ".." in name:
        return None
    try:
        data = (folder / ATTACHMENTS_DIR / name).read_bytes()
    except OSError:
        return None
    return data if hashlib.sha256(data).hexdigest() == sealed_digest else None


def _add_counts(outbox: Outbox, counts: list[dict[str, Any]]) -> None:
    with write_transaction(outbox.engine) as conn:
        for c in counts:
            conn.exec_driver_sql(
                "INSERT INTO delivery_counts (day, kind, delivered) VALUES (?, ?, ?) "
                "ON CONFLICT (day, kind) DO UPDATE SET delivered = delivered + excluded.delivered",
                (c["day"], c["kind"], c["delivered"]),
            )


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
