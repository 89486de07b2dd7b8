"""Who may read a case, and how many wrong guesses a reader gets (tables `cases`,
`terminals`, `case_query_failures`).

A case is readable by the terminal that submitted it, by the terminals of its
jurisdiction (the submitting terminal's, as the platform held it when the case was
made), and by any terminal that shows its query code together with the second factor
a citizen knows: the last 4 digits of a contact phone of the sealed document. Anything
else — an unknown code, a case of another jurisdiction, a wrong second factor — is the
same answer, "no such case", so a guess learns nothing but that it failed.

Failed reads are counted in a sliding window kept in the database (a row per failure,
written in the transaction that spends the request's nonce, so it costs no extra
fsync; it holds across restarts and across server processes sharing the database),
per terminal (every failed read) and per query code (the failed reads with a second
factor: what that limit protects). A reader over either limit is refused before the
case is looked at, a right guess included, until the oldest failure it counts leaves
the window.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import math
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from receiver.storage import cases
from receiver.storage.cases import factor_hash
from receiver.storage.codes import normalize_code
from receiver.storage.database import parse_stamp, stamp
from wire import schemas


@dataclass(frozen=True)
class ReadLimits:
    """Failed case reads allowed within a sliding window."""

    per_terminal: int = 20  # a hall's terminal: many citizens, some mistype
    terminal_window: timedelta = timedelta(minutes=10)
    per_code: int = 5  # 5 of the 10,000 possible last-4s per half hour
    code_window: timedelta = timedelta(minutes=30)


@dataclass(frozen=True)
class CaseRead:
    """What a reader asks for: a case by its query code, or by the reading terminal's own
    receipt number. `factor` is the citizen's last 4 phone digits (None: the terminal
    reads as one of the case's jurisdiction); `derived_factors` are the factors worked
    out from the sealed envelope of a case made before they were kept (hashes, as
    `factor_hash` makes them)."""

    terminal_id: str
    query_code: str | None  # None: `receipt_no` says which case
    factor: str | None = None
    derived_factors: tuple[str, ...] | None = None
    # A receipt number printed by the reading terminal itself (unique only per terminal)
    receipt_no: str | None = None


@dataclass(frozen=True)
class ReadOutcome:
    progress: schemas.CaseProgress | None = None  # None: no case for this reader
    retry_after: int | None = None  # set: refused, over a limit, for so many seconds


def code_hash(query_code: str) -> str:
    """A failure is counted against the code typed, kept hashed: a query code opens a case."""
    return hashlib.sha256(normalize_code(query_code).encode()).hexdigest()


@dataclass(frozen=True)
class StoredCase:
    case_no: str
    submission_id: str
    terminal_id: str
    terminal_jurisdiction: str | None
    phone_factors: tuple[str, ...] | None  # None: made before 0002, not derived yet


def find(conn: sqlite3.Connection, query_code: str) -> StoredCase | None:
    row = conn.execute("SELECT case_no, submission_id, terminal_id, terminal_jurisdiction, "
                       "phone_factors FROM cases WHERE query_code = ?",
                       (normalize_code(query_code),)).fetchone()
    if row is None:
        return None
    factors = tuple(row[4].split()) if row[4] is not None else None
    return StoredCase(row[0], row[1], row[2], row[3], factors)


def receipt_code(conn: sqlite3.Connection, terminal_id: str, receipt_no: str) -> str | None:
    """The query code of the case a terminal's receipt number became, or None. A terminal
    never reuses a number while it holds it; should a replaced terminal ever have, the
    newest case is the one its citizen holds the receipt of."""
    row = conn.execute("SELECT query_code FROM cases WHERE terminal_id = ? AND receipt_no = ? "
                       "ORDER BY received_at DESC, case_no DESC LIMIT 1",
                       (terminal_id, receipt_no)).fetchone()
    return row[0] if row else None


def find_asked(conn: sqlite3.Connection, ask: CaseRead) -> StoredCase | None:
    """The case `ask` names (by query code or by the reader's receipt number), or None."""
    code = _asked_code(conn, ask)
    return find(conn, code) if code is not None else None


def _asked_code(conn: sqlite3.Connection, ask: CaseRead) -> str | None:
    if ask.receipt_no is not None:
        return receipt_code(conn, ask.terminal_id, ask.receipt_no)
    return ask.query_code


def _limit_key(conn: sqlite3.Connection, ask: CaseRead) -> str:
    """What the per-code limit counts against: the case's query code whichever way it was
    named (so switching between code and receipt number gains no guesses), else what was
    typed (a receipt number with the terminal it belongs to)."""
    code = _asked_code(conn, ask)
    if code is not None:
        return code_hash(code)
    return hashlib.sha256(f"receipt:{ask.terminal_id}:{ask.receipt_no}".encode()).hexdigest()


def envelope(conn: sqlite3.Connection, case_no: str) -> bytes:
    return conn.execute("SELECT envelope FROM cases WHERE case_no = ?", (case_no,)).fetchone()[0]


def read(conn: sqlite3.Connection, ask: CaseRead, limits: ReadLimits,
         now: datetime) -> ReadOutcome:
    """The case `ask` may read, or a refusal; run in a write transaction, which records a
    failure (and, for an older case, the factors derived for it)."""
    code = _limit_key(conn, ask)
    windows = [("terminal_id", ask.terminal_id, limits.per_terminal, limits.terminal_window)]
    if ask.factor is not None:  # the second factor is what the per-code limit protects
        windows.append(("code_hash", code, limits.per_code, limits.code_window))
    waits = [_wait(conn, column, value, allowed, window, now)
             for column, value, allowed, window in windows]
    if any(w is not None for w in waits):
        return ReadOutcome(retry_after=max(w for w in waits if w is not None))
    found = find_asked(conn, ask)
    if found is not None and found.phone_factors is None and ask.derived_factors is not None:
        conn.execute("UPDATE cases SET phone_factors = ? WHERE case_no = ? AND phone_factors "
                     "IS NULL", (" ".join(ask.derived_factors), found.case_no))
        found = dataclasses.replace(found, phone_factors=ask.derived_factors)
    if found is not None and may_read(conn, found, ask):
        return ReadOutcome(progress=cases.progress_of(conn, found.case_no))
    conn.execute("INSERT INTO case_query_failures (terminal_id, code_hash, at) VALUES (?, ?, ?)",
                 (ask.terminal_id, code if ask.factor is not None else None, stamp(now)))
    horizon = now - max(limits.terminal_window, limits.code_window)
    conn.execute("DELETE FROM case_query_failures WHERE at < ?", (stamp(horizon),))
    return ReadOutcome()


def may_read(conn: sqlite3.Connection, case: StoredCase, ask: CaseRead) -> bool:
    if ask.factor is not None:
        wanted = factor_hash(case.case_no, ask.factor)
        # every stored factor is compared, so the time taken does not say which matched
        return sum(hmac.compare_digest(wanted, f) for f in case.phone_factors or ()) > 0
    if case.terminal_id == ask.terminal_id:
        return True
    row = conn.execute("SELECT jurisdiction FROM terminals WHERE id = ?",
                       (ask.terminal_id,)).fetchone()
    mine = row[0] if row else None
    return mine is not None and mine == case.terminal_jurisdiction


def _wait(conn: sqlite3.Connection, column: str, value: str, allowed: int, window: timedelta,
          now: datetime) -> int | None:
    """Seconds until the reader is under the limit again, or None if it is now."""
    since = stamp(now - window)
    rows = conn.execute(f"SELECT at FROM case_query_failures WHERE {column} = ? AND at > ? "
                        "ORDER BY at DESC LIMIT ?", (value, since, allowed)).fetchall()
    if len(rows) < allowed:
        return None
    oldest_counted = parse_stamp(rows[-1][0])
    assert oldest_counted is not None
    return max(1, math.ceil((oldest_counted + window - now).total_seconds()))
