"""Cases, their history and their attachments (tables `cases`, `case_events`,
`case_attachments`, `case_counters`).

A case number is `XF` + the day in China + a 5-digit per-day sequence; a query code is
8 characters of the code alphabet, unique among cases. The envelope is kept sealed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from typing import Any

from receiver.storage import aftercare, receipts
from receiver.storage.codes import QUERY_CODE_LENGTH, normalize_code, random_code
from receiver.storage.database import parse_stamp, stamp
from wire import schemas
from wire.categories import UNCLASSIFIED

# Case numbers count per calendar day in China (UTC+8 all year, no daylight saving).
CASE_DAY_TZ = timezone(timedelta(hours=8), "CST")


class NotFound(Exception):
    pass


def factor_hash(case_no: str, last4: str) -> str:
    """How a case keeps a second factor (the last 4 digits of a contact phone): salted by
    its case number, so two cases with the same digits keep different hashes. Only
    10,000 values exist: what protects them is the rate limit on guesses, not the hash."""
    return hashlib.sha256(f"{case_no}:{last4}".encode()).hexdigest()


def create(conn: sqlite3.Connection, req: schemas.SubmissionRequest, envelope: bytes,
           now: datetime, contact_last4: Sequence[str] = (),
           category_given: str | None = None) -> tuple[str, str]:
    """Makes the case of an accepted submission, status `received`; (case_no, query_code).

    It records when the application counts as made (`receipts.application_date`): the
    terminal's signed confirmation time when that can be trusted, else `now`.

    The case keeps the jurisdiction the platform holds for the submitting terminal now
    (who may read it), and the second factors of `contact_last4` only as salted hashes.
    With `category_given` (a category the platform no longer accepts) the case is kept as
    `unclassified`, that code beside it, for the office to classify."""
    at = stamp(now)
    case_no = _next_case_no(conn, now)
    query_code = _new_query_code(conn)
    row = conn.execute("SELECT jurisdiction FROM terminals WHERE id = ?",
                       (req.terminal_id,)).fetchone()
    factors = " ".join(sorted({factor_hash(case_no, d) for d in contact_last4}))
    applied = receipts.application_date(conn, req, envelope, now)
    conn.execute(
        "INSERT INTO cases (case_no, query_code, submission_id, terminal_id, receipt_no, "
        "kind, category, purpose, jurisdiction, created_at, received_at, status, envelope, "
        "updated_at, terminal_jurisdiction, phone_factors, receipt, confirmed_at, "
        "clock_offset_seconds, applied_at, applied_basis, category_given, confirmation_clock) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (case_no, query_code, req.submission_id, req.terminal_id, req.receipt_no, req.kind,
         UNCLASSIFIED if category_given else req.category, req.purpose, req.jurisdiction,
         stamp(req.created_at), at, envelope, at,
         row[0] if row else None, factors, applied.receipt,
         stamp(applied.confirmed_at) if applied.confirmed_at else None,
         applied.clock_offset_seconds, stamp(applied.applied_at), applied.basis,
         category_given, applied.clock.model_dump_json() if applied.clock else None))
    conn.execute("INSERT INTO case_events (case_no, at, status, note) "
                 "VALUES (?, ?, 'received', NULL)", (case_no, at))
    seen: set[str] = set()
    for ref in req.attachments:
        if ref.sealed_digest in seen:
            continue
        seen.add(ref.sealed_digest)
        conn.execute("INSERT INTO case_attachments (case_no, sealed_digest, role, media_type, "
                     "size) VALUES (?, ?, ?, ?, ?)",
                     (case_no, ref.sealed_digest, ref.role, ref.media_type, ref.size))
    return case_no, query_code


def clock_of(conn: sqlite3.Connection, case_no: str) -> dict[str, Any] | None:
    """Which confirmation time a case relies on for its time limits, why, how far it is
    trusted (`receipts.clock_flag`) and what the terminal knew of its clock; None: no case."""
    row = conn.execute("SELECT confirmed_at, applied_at, applied_basis, confirmation_clock, "
                       "received_at FROM cases WHERE case_no = ?", (case_no,)).fetchone()
    if row is None:
        return None
    confirmed, applied, basis, clock, received = row
    basis = basis or "no_receipt"
    return {"confirmed_at_terminal": confirmed, "applied_at": applied or received,
            "applied_basis": basis, "applied_basis_label": receipts.BASES.get(basis, basis),
            "clock_flag": receipts.clock_flag(basis),
            "confirmation_clock": json.loads(clock) if clock else None}


def _next_case_no(conn: sqlite3.Connection, now: datetime) -> str:
    day = now.astimezone(CASE_DAY_TZ).strftime("%Y%m%d")
    last = conn.execute("INSERT INTO case_counters (day, last) VALUES (?, 1) ON CONFLICT (day) "
                        "DO UPDATE SET last = last + 1 RETURNING last", (day,)).fetchall()[0][0]
    return f"XF{day}{last:05d}"


def _new_query_code(conn: sqlite3.Connection) -> str:
    while True:  # 31^8 codes: a collision is rare, two in a row rarer still
        code = random_code(QUERY_CODE_LENGTH)
        taken = conn.execute("SELECT 1 FROM cases WHERE query_code = ?", (code,)).fetchone()
        if taken is None:
            return code


def progress(conn: sqlite3.Connection, query_code: str) -> schemas.CaseProgress | None:
    """A case's progress and history by its query code (as typed), or None."""
    row = conn.execute("SELECT case_no FROM cases WHERE query_code = ?",
                       (normalize_code(query_code),)).fetchone()
    return progress_of(conn, row[0]) if row is not None else None


def progress_of(conn: sqlite3.Connection, case_no: str) -> schemas.CaseProgress | None:
    """A case's progress and history by its case number, or None."""
    row = conn.execute("SELECT case_no, query_code, kind, status, received_at, updated_at "
                       "FROM cases WHERE case_no = ?", (case_no,)).fetchone()
    if row is None:
        return None
    case_no, code, kind, status, received_at, updated_at = row
    events = conn.execute("SELECT at, status, note FROM case_events WHERE case_no = ? "
                          "ORDER BY id", (case_no,)).fetchall()
    rated = [r[0] for r in conn.execute("SELECT service FROM evaluations WHERE case_no = ? "
                                        "ORDER BY service", (case_no,))]
    return schemas.CaseProgress(
        case_no=case_no, query_code=code, kind=kind, status=status,
        status_label=schemas.CASE_STATUSES[status], received_at=parse_stamp(received_at),
        updated_at=parse_stamp(updated_at),
        history=[schemas.CaseEvent(at=parse_stamp(at), status=event_status,
                                    status_label=schemas.CASE_STATUSES[event_status], note=note)
                 for at, event_status, note in events],
        material_complete_at=aftercare.material_complete_at(conn, case_no), evaluated=rated)


def set_status(conn: sqlite3.Connection, case_no: str, status: str, note: str | None,
               now: datetime) -> None:
    """The office moves a case along (`aftercare.check_status_change` says what it may
    not do: StatusRefused)."""
    if status not in schemas.CASE_STATUSES:
        raise ValueError(status)
    at = stamp(now)
    if conn.execute("SELECT 1 FROM cases WHERE case_no = ?", (case_no,)).fetchone() is None:
        raise NotFound(case_no)
    aftercare.check_status_change(conn, case_no, status, note)
    conn.execute("UPDATE cases SET status = ?, updated_at = ? WHERE case_no = ?",
                 (status, at, case_no))
    conn.execute("INSERT INTO case_events (case_no, at, status, note) VALUES (?, ?, ?, ?)",
                 (case_no, at, status, note))
    aftercare.after_status_change(conn, case_no, status, at)


def list_all(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every case in the order received, for the operator."""
    names = ("case_no", "receipt_no", "submission_id", "terminal_id", "kind", "category",
             "category_given", "status", "received_at", "query_code")
    rows = conn.execute(f"SELECT {', '.join(names)} FROM cases "
                        "ORDER BY received_at, case_no").fetchall()
    out = []
    for row in rows:
        item = dict(zip(names, row, strict=True))
        item["received_at"] = parse_stamp(item["received_at"])
        out.append(item)
    return out
