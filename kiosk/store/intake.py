"""How a submission enters the live outbox: a confirm, or a restore from a damaged database.

Both write in the same order, under the shared attachment lock:

1. every sealed attachment file is written, fsync'd and renamed into place, and its
   directory fsync'd (`AttachmentFiles.write`);
2. then one write transaction (`synchronous=FULL`) inserts the submission row and
   its attachment rows.

A crash before the commit leaves only files nobody refers to, which the next
`Outbox.open` sweeps; a crash after it loses nothing. The receipt is returned only
after the commit, so nothing a citizen was shown a receipt for can be missing. A
failed write or commit removes what this call wrote, never a file a committed row
refers to, so the same call may simply be made again.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, bindparam, insert, select
from sqlalchemy.exc import DBAPIError

from wire import receipt as wire_receipt

from . import states
from .db import write_transaction
from .errors import StoreError
from .files import AttachmentFiles, WrittenFile
from .models import attachments, submissions
from .records import NewSubmission, Receipt, RecoveredSubmission, as_utc, utcnow

_HEX64 = re.compile(r"[0-9a-f]{64}")
_RECEIPT_TRIES = 20

# Built once: confirm is on the citizen's critical path, and building statements per call
# costs more than the commit itself on a fast disk.
_RECEIPT_BY_ID = select(
    submissions.c.receipt_no, submissions.c.created_at, submissions.c.receipt_fields,
    submissions.c.receipt_token,
).where(submissions.c.id == bindparam("sid"))
_SAME_ID_OR_NUMBER = select(
    submissions.c.id, submissions.c.receipt_no, submissions.c.created_at,
    submissions.c.receipt_fields, submissions.c.receipt_token,
).where((submissions.c.id == bindparam("sid")) | (submissions.c.receipt_no == bindparam("no")))
_FILES_OF = select(attachments.c.file_name).where(attachments.c.submission_id == bindparam("sid"))
_INSERT_SUBMISSION = insert(submissions)
_INSERT_ATTACHMENT = insert(attachments)

_SUBMISSION_COLUMNS = frozenset(submissions.c.keys())
_ATTACHMENT_COLUMNS = frozenset(attachments.c.keys()) - {"id"}

DrawNumber = Callable[[], str]


# --- confirm -------------------------------------------------------------------------------


def confirm(engine: Engine, files: AttachmentFiles, new: NewSubmission,
            draw_number: DrawNumber) -> Receipt:
    """Stores a confirmed submission durably and returns its receipt (see `Outbox.confirm`)."""
    fields = validate(new)
    if new.attachments:
        # A repeat should not rewrite files; without files the transaction's own check
        # suffices and saves a round trip on the common path.
        try:
            existing = receipt_of(engine, new.submission_id)
        except DBAPIError as exc:
            raise StoreError.from_exception(exc, "confirm: read") from exc.orig
        if existing is not None:
            return existing
    with ExitStack() as stack:
        try:
            stack.enter_context(files.writing())
        except OSError as exc:
            raise StoreError.from_exception(exc, "confirm: lock") from exc
        return _write_and_commit(engine, files, new, fields, draw_number)


def _write_and_commit(engine: Engine, files: AttachmentFiles, new: NewSubmission, fields: dict,
                      draw_number: DrawNumber) -> Receipt:
    written: list[Path] = []
    try:
        placed = files.write(new.submission_id, (a.sealed for a in new.attachments), written)
    except OSError as exc:
        _discard(engine, files, new.submission_id, written)
        raise StoreError.from_exception(exc, "confirm: write attachment") from exc
    try:
        receipt, inserted = _insert(engine, new, fields, placed, draw_number)
    except DBAPIError as exc:
        # A failed COMMIT normally means nothing was committed; check before deleting.
        committed = _receipt_of_quietly(engine, new.submission_id)
        _discard(engine, files, new.submission_id, written)  # keeps what a committed row uses
        if committed is not None:
            return committed
        raise StoreError.from_exception(exc, "confirm: commit") from exc.orig
    except BaseException:
        _discard(engine, files, new.submission_id, written)
        raise
    if not inserted:
        # Another confirm of the same id committed first; keep only its files.
        _discard(engine, files, new.submission_id, written)
    return receipt


def _insert(engine: Engine, new: NewSubmission, fields: dict, placed: list[WrittenFile],
            draw_number: DrawNumber) -> tuple[Receipt, bool]:
    now = utcnow()
    with write_transaction(engine) as conn:
        # One query answers both "confirmed already?" and "is this number taken?";
        # inside the write transaction no other writer can change either answer.
        for _ in range(_RECEIPT_TRIES):
            receipt_no = draw_number()
            rows_found = conn.execute(
                _SAME_ID_OR_NUMBER, {"sid": new.submission_id, "no": receipt_no}
            ).all()
            for row in rows_found:
                if row.id == new.submission_id:
                    return Receipt(row.id, row.receipt_no, row.created_at, row.receipt_fields,
                                   row.receipt_token), False
            if not rows_found:
                break
        else:
            raise StoreError("no free receipt number")
        created_at = new.created_at.astimezone(UTC)
        token = _signed_receipt(new, receipt_no, created_at)
        conn.execute(
            _INSERT_SUBMISSION,
            {
                "id": new.submission_id,
                "receipt_no": receipt_no,
                "kind": new.kind,
                "category": new.category,
                "purpose": new.purpose,
                "terminal_id": new.terminal_id,
                "jurisdiction": new.jurisdiction,
                "created_at": created_at,
                "envelope": bytes(new.envelope),
                "receipt_fields": fields,
                "receipt_token": token,
                "clock_trust": new.clock_trust,
                "agent_id": new.agent_id,
                "state": states.INITIAL,
                "attempts": 0,
                "next_attempt_at": now,
                "updated_at": now,
            },
        )
        if placed:
            conn.execute(_INSERT_ATTACHMENT, [
                {"submission_id": new.submission_id, "role": a.role, "media_type": a.media_type,
                 "size": f.size, "digest": a.digest, "sealed_digest": f.sealed_digest,
                 "file_name": f.file_name}
                for a, f in zip(new.attachments, placed, strict=True)
            ])
    return Receipt(new.submission_id, receipt_no, created_at, fields, token), True


def _signed_receipt(new: NewSubmission, receipt_no: str, created_at: datetime) -> str | None:
    """The receipt signed with the terminal's key, or None without one. Made inside the
    transaction that draws the number, so a receipt exists only for a committed row."""
    if new.signing_key is None:
        return None
    return wire_receipt.sign(new.signing_key, terminal_id=new.terminal_id,
                             receipt_no=receipt_no, kind=new.kind, confirmed_at=created_at,
                             envelope=bytes(new.envelope))


def receipt_of(engine: Engine, submission_id: str) -> Receipt | None:
    with engine.connect() as conn:
        row = conn.execute(_RECEIPT_BY_ID, {"sid": submission_id}).first()
    if row is None:
        return None
    return Receipt(submission_id, row.receipt_no, row.created_at, row.receipt_fields,
                   row.receipt_token)


def _receipt_of_quietly(engine: Engine, submission_id: str) -> Receipt | None:
    try:
        return receipt_of(engine, submission_id)
    except DBAPIError:
        return None


def _discard(engine: Engine, files: AttachmentFiles, submission_id: str,
             written: list[Path]) -> None:
    """Removes what a failed write left, but never a file a committed row refers to."""
    if not written:
        return
    try:
        with engine.connect() as conn:
            keep: set[str] | None = set(conn.execute(_FILES_OF, {"sid": submission_id}).scalars())
    except DBAPIError:
        keep = None  # cannot tell: leave final files to the next sweep
    files.discard(written, keep)


def validate(new: NewSubmission) -> dict:
    """Rejects malformed input before anything is written; returns the receipt fields as stored."""
    try:
        canonical = str(uuid.UUID(new.submission_id))
    except (ValueError, TypeError, AttributeError):
        canonical = None
    # The id also names a directory, so only the canonical form is accepted.
    if canonical != new.submission_id:
        raise ValueError("submission_id must be a lowercase canonical UUID")
    for name in ("kind", "category", "terminal_id", "jurisdiction"):
        value = getattr(new, name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is required")
    as_utc(new.created_at, "created_at")
    if not isinstance(new.envelope, bytes | bytearray | memoryview) or not len(new.envelope):
        raise ValueError("envelope must be non-empty bytes")
    if not isinstance(new.receipt_fields, dict):
        raise ValueError("receipt_fields must be a dict")
    try:
        # What comes back from the database later, so a repeat confirm returns the same.
        fields = json.loads(json.dumps(new.receipt_fields, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise ValueError("receipt_fields must be JSON-serialisable") from exc
    seen = set()
    for att in new.attachments:
        if not _HEX64.fullmatch(att.digest or ""):
            raise ValueError("attachment digest must be lowercase sha256 hex")
        if att.digest in seen:
            raise ValueError("the same attachment twice")
        seen.add(att.digest)
        if not att.role or not att.media_type:
            raise ValueError("attachment role and media_type are required")
        if not isinstance(att.sealed, bytes | bytearray | memoryview) or not len(att.sealed):
            raise ValueError("attachment sealed bytes must be non-empty")
    return fields


# --- restore -------------------------------------------------------------------------------


def restore(engine: Engine, files: AttachmentFiles, item: RecoveredSubmission,
            draw_number: DrawNumber) -> str | None:
    """Puts a submission read back from a damaged database into the live outbox, under its
    own id (see `Outbox.restore`). Returns the receipt number it has now, or None when the
    live outbox has that submission already."""
    sid = item.submission_id
    columns = {k: v for k, v in item.columns.items() if k in _SUBMISSION_COLUMNS}
    if columns.get("state") not in states.STATES:
        raise ValueError(f"{sid}: unknown state {columns.get('state')!r}")
    written: list[Path] = []
    with files.writing():
        try:
            with write_transaction(engine) as conn:
                if conn.execute(_RECEIPT_BY_ID, {"sid": sid}).first() is not None:
                    return None
                number = columns.get("receipt_no")
                for _ in range(_RECEIPT_TRIES):
                    if conn.execute(_SAME_ID_OR_NUMBER, {"sid": sid, "no": number}).first() is None:
                        break
                    number = draw_number()  # its number went to another submission meanwhile
                    # the signed receipt names the old number: it no longer proves this row
                    columns["receipt_token"] = None
                else:
                    raise StoreError("no free receipt number", confirming=False)
                columns["receipt_no"] = number
                placed = files.write(sid, (f.sealed for f in item.files), written)
                _insert_raw(conn, "submissions", columns)
                for f, w in zip(item.files, placed, strict=True):
                    picked = {k: v for k, v in f.columns.items() if k in _ATTACHMENT_COLUMNS}
                    _insert_raw(conn, "attachments", {
                        **picked, "submission_id": sid, "file_name": w.file_name,
                        "sealed_digest": w.sealed_digest, "size": w.size})
        except BaseException:
            _discard(engine, files, sid, written)
            raise
    return number


def _insert_raw(conn: Any, table: str, values: dict[str, Any]) -> None:
    # Raw values, as the damaged file stored them; the names were checked against the table.
    conn.exec_driver_sql(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
        tuple(values.values()),
    )
