"""What a citizen does to a case after applying, and the office's side of it (tables
`supplements`, `withdrawals`, the material columns of `cases`).

- 补充材料 (Art. 14): the office asks for missing material (`material_requested`, its
  note says what is missing); material a citizen adds is kept sealed as it came, and the
  first that arrives after the request makes the case `material_added` and fixes the day
  the material was complete (`cases.material_complete_at`), which counts as the day of
  receipt.
- 撤回申请 (Art. 17): a request to withdraw, signed on the terminal's screen, is kept
  sealed; before the opinion it makes the case `withdrawal_requested`, and the office
  confirms it by setting `withdrawn` (or declines it by setting another status).

What the citizen confirmed at a terminal is never refused for the state the case is in
when it arrives (it may have waited offline while the office acted): it is kept, and the
case's history says how it found the case. When it was made is the terminal's signed
`created_at`, kept within what is possible: not before the office asked, not after it
arrived.
"""

from __future__ import annotations

import base64
import sqlite3
from datetime import datetime

from receiver.storage.database import parse_stamp, stamp
from receiver.storage.evaluations import KeptFollowUp, keep_answer
from wire import schemas

OPERATOR_STATUSES = frozenset(schemas.CASE_STATUSES) - {"material_added", "withdrawal_requested"}


class StatusRefused(ValueError):
    """The office's status change does not fit the case; the message says why."""


def _event(conn: sqlite3.Connection, case_no: str, status: str, note: str | None,
           at: str) -> None:
    conn.execute("INSERT INTO case_events (case_no, at, status, note) VALUES (?, ?, ?, ?)",
                 (case_no, at, status, note))


def _move(conn: sqlite3.Connection, case_no: str, status: str, at: str) -> None:
    conn.execute("UPDATE cases SET status = ?, updated_at = ? WHERE case_no = ?",
                 (status, at, case_no))


def _made_at(req: schemas.FollowUpRequest, earliest: datetime | None, now: datetime) -> datetime:
    made = min(req.created_at, now)
    return max(made, earliest) if earliest is not None else made


def record_supplement(conn: sqlite3.Connection, req: schemas.FollowUpRequest, case_no: str,
                      case_status: str, request_sha256: str, now: datetime) -> KeptFollowUp:
    """Keeps material added to `case_no` (sealed as it came) and, if the office asked for
    it, marks the case `material_added` with the day the material was complete."""
    assert req.supplement is not None
    sealed = base64.b64decode(req.supplement.sealed)
    at = stamp(now)
    requested = conn.execute("SELECT material_requested_at FROM cases WHERE case_no = ?",
                             (case_no,)).fetchone()[0]
    made = _made_at(req, parse_stamp(requested) if requested else None, now)
    conn.execute("INSERT INTO supplements (id, terminal_id, case_no, pages, sealed_sha256, "
                 "sealed, made_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 (req.followup_id, req.terminal_id, case_no, req.supplement.pages,
                  req.supplement.sha256, sealed, stamp(made), at))
    pages = f"补充材料{req.supplement.pages}页"
    if case_status == "material_requested":
        conn.execute("UPDATE cases SET material_complete_at = ? WHERE case_no = ?",
                     (stamp(made), case_no))
        _move(conn, case_no, "material_added", at)
        _event(conn, case_no, "material_added", pages, at)
    else:  # came after the office moved on: kept, and said so
        _event(conn, case_no, case_status,
               f"{pages}（收到时办理单位没有在等补充材料）", at)
    return keep_answer(conn, req, case_no, request_sha256, now)


def record_withdrawal(conn: sqlite3.Connection, req: schemas.FollowUpRequest, case_no: str,
                      case_status: str, request_sha256: str, now: datetime) -> KeptFollowUp:
    """Keeps a request to withdraw `case_no` (its signature sealed); before the opinion the
    case waits for the office to confirm it (`withdrawal_requested`)."""
    assert req.withdrawal is not None
    at = stamp(now)
    conn.execute("INSERT INTO withdrawals (id, terminal_id, case_no, signature_sealed, "
                 "status_before, made_at, received_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (req.followup_id, req.terminal_id, case_no,
                  base64.b64decode(req.withdrawal.signature), case_status,
                  stamp(_made_at(req, None, now)), at))
    if case_status in schemas.BEFORE_OPINION:
        _move(conn, case_no, "withdrawal_requested", at)
        _event(conn, case_no, "withdrawal_requested", None, at)
    elif case_status == "withdrawal_requested":
        _event(conn, case_no, case_status, "再次申请撤回", at)
    else:  # the opinion came first (Art. 17 allows a withdrawal only before it)
        _event(conn, case_no, case_status,
               f"收到撤回申请，但这时已经是“{schemas.CASE_STATUSES[case_status]}”，不能撤回", at)
    return keep_answer(conn, req, case_no, request_sha256, now)


def check_status_change(conn: sqlite3.Connection, case_no: str, status: str,
                        note: str | None) -> None:
    """StatusRefused when the office may not set `status` now: `material_added` and
    `withdrawal_requested` come only from the citizen; asking for material needs a note
    of what is missing; `withdrawn` confirms a request to withdraw, so one must exist."""
    if status not in OPERATOR_STATUSES:
        raise StatusRefused(f"{status} ({schemas.CASE_STATUSES[status]}) is set when the "
                            "citizen's follow-up arrives, not by the office")
    if status == "material_requested" and not (note or "").strip():
        raise StatusRefused("asking for material needs --note saying what is missing "
                            "(the citizen reads it at the terminal)")
    if status == "withdrawn":
        now_status = conn.execute("SELECT status FROM cases WHERE case_no = ?",
                                  (case_no,)).fetchone()[0]
        if now_status != "withdrawal_requested":
            raise StatusRefused(f"{case_no} has no request to withdraw waiting: the office "
                                "confirms a withdrawal the citizen asked for")


def after_status_change(conn: sqlite3.Connection, case_no: str, status: str, at: str) -> None:
    """What a status the office set means for material and withdrawals."""
    if status == "material_requested":  # a new request: the material is not complete
        conn.execute("UPDATE cases SET material_requested_at = ?, material_complete_at = NULL "
                     "WHERE case_no = ?", (at, case_no))
    elif status == "withdrawn":  # every request still open is answered by it
        conn.execute("UPDATE withdrawals SET confirmed_at = ? WHERE case_no = ? AND "
                     "confirmed_at IS NULL", (at, case_no))


def material_complete_at(conn: sqlite3.Connection, case_no: str) -> datetime | None:
    row = conn.execute("SELECT material_complete_at FROM cases WHERE case_no = ?",
                       (case_no,)).fetchone()
    return parse_stamp(row[0]) if row and row[0] else None


def supplements_of(conn: sqlite3.Connection, case_no: str) -> list[dict]:
    """The material added to a case, oldest first (sealed bytes left out)."""
    rows = conn.execute("SELECT id, terminal_id, pages, sealed_sha256, length(sealed), made_at, "
                        "received_at FROM supplements WHERE case_no = ? ORDER BY received_at, "
                        "id", (case_no,)).fetchall()
    names = ("followup_id", "terminal_id", "pages", "sealed_sha256", "sealed_bytes", "made_at",
             "received_at")
    return [dict(zip(names, r, strict=True)) for r in rows]


def withdrawals_of(conn: sqlite3.Connection, case_no: str) -> list[dict]:
    rows = conn.execute("SELECT id, terminal_id, status_before, made_at, received_at, "
                        "confirmed_at FROM withdrawals WHERE case_no = ? ORDER BY received_at, "
                        "id", (case_no,)).fetchall()
    names = ("followup_id", "terminal_id", "status_before", "made_at", "received_at",
             "confirmed_at")
    return [dict(zip(names, r, strict=True)) for r in rows]
