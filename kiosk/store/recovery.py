"""`kiosk recover`: reading back a database that was moved aside as damaged.

`Outbox.open` moves a damaged database aside (`damage.py`, whose names this module
also offers). `recover` later reads whatever rows SQLite can still return from a
copy of it and puts them back into the live outbox through `Outbox.restore`, under
their original submission ids and receipt numbers. Re-sending an item the platform
already has is safe: the submission id is its idempotency key, so the platform
answers with the case it made the first time.
"""

from __future__ import annotations

import json
import logging
import shutil
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError

from wire.durable import write_file

from . import states
from .damage import (
    REASON_FILE,
    damaged_folders,
    find_damage,
    is_damage,
    move_aside,
    open_checked,
    open_lock,
)
from .errors import StoreError
from .files import ATTACHMENTS_DIR, DAMAGED_DIR, DB_NAME, AttachmentFiles
from .outbox import Outbox
from .records import RecoveredFile, RecoveredSubmission

__all__ = [
    "DAMAGED_DIR",
    "REASON_FILE",
    "RECOVERED_FILE",
    "RecoveryReport",
    "damaged_folders",
    "find_damage",
    "is_damage",
    "move_aside",
    "open_checked",
    "open_lock",
    "recover",
]

log = logging.getLogger(__name__)

RECOVERED_FILE = "recovered.json"

# How far a row-by-row scan goes when even max(rowid) cannot be read.
_ROWID_SCAN_LIMIT = 200_000
# How a restored row's updated_at is stored (the live schema's UTC text).
_STORED_TIME = "%Y-%m-%d %H:%M:%S.%f"


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
        sealed_files = AttachmentFiles(folder / ATTACHMENTS_DIR)
        for row in subs:
            item = _recovered(sealed_files, row, by_submission.get(row.get("id"), []))
            if item is None:
                report.read_errors += 1
            else:
                _restore_one(outbox, item, report)
        if counts:
            outbox.add_delivery_counts(_per_day(counts, report))
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


def _recovered(sealed_files: AttachmentFiles, row: dict[str, Any],
               atts: list[dict[str, Any]]) -> RecoveredSubmission | None:
    """What one row read back becomes in the live outbox, or None when it is unusable."""
    sid, state = row.get("id"), row.get("state")
    if not isinstance(sid, str) or not isinstance(row.get("receipt_no"), str) \
            or state not in states.STATES:
        return None
    columns = dict(row)
    files: list[RecoveredFile] = []
    damaged: list[str] = []
    if state in (states.DELIVERED, states.PURGED):
        pass  # the platform has it; kept for progress queries by receipt number
    elif columns.get("envelope") is None:
        return None
    else:
        for att in atts:
            data = _read_sealed(sealed_files, att)
            if data is None:
                damaged.append(str(att.get("role")))
            else:
                files.append(RecoveredFile(att, data))
    columns["state"] = states.restored_state(state, attachments_whole=not damaged)
    if damaged:
        columns["last_error"] = ("recovered from a damaged database; attachment missing or "
                                 "damaged: " + ", ".join(sorted(damaged)))
    columns["updated_at"] = datetime.now(UTC).strftime(_STORED_TIME)
    return RecoveredSubmission(columns, files)


def _restore_one(outbox: Outbox, item: RecoveredSubmission, report: RecoveryReport) -> None:
    old_no = item.columns.get("receipt_no")
    number = outbox.restore(item)
    if number is None:
        report.already_present += 1
        return
    if number != old_no:
        report.new_receipt_numbers[str(old_no)] = number
    final = item.columns["state"]
    if final in (states.DELIVERED, states.PURGED):
        report.kept_delivered += 1
    elif final == states.NEEDS_ATTENTION:
        report.needs_attention += 1
    else:
        report.queued += 1


def _read_sealed(sealed_files: AttachmentFiles, att: dict[str, Any]) -> bytes | None:
    """The sealed attachment file, if it is there and still matches its digest."""
    name, sealed_digest = att.get("file_name"), att.get("sealed_digest")
    if not isinstance(name, str) or not isinstance(sealed_digest, str) or ".." in name:
        return None
    try:
        return sealed_files.read_verified(sealed_files.path(name), sealed_digest)
    except StoreError:  # missing, damaged or unreadable: all the same here
        return None


def _per_day(counts: list[dict[str, Any]], report: RecoveryReport) -> dict[tuple[date, str], int]:
    per_day: dict[tuple[date, str], int] = {}
    for c in counts:
        try:
            if not isinstance(c["kind"], str):
                raise TypeError("kind")
            key = (date.fromisoformat(str(c["day"])), c["kind"])
            n = int(c["delivered"])
        except (TypeError, ValueError):
            report.read_errors += 1
            continue
        per_day[key] = per_day.get(key, 0) + n
    return per_day
