"""Terminals and their one-time enrollment codes (table `terminals`).

A terminal is known from `terminal add` on (a code issued), enrolled once a code was
used to bind its Ed25519 key, and revoked by the operator. Only a code's hash is kept.
"""

from __future__ import annotations

import hmac
import json
import sqlite3
from datetime import datetime, timedelta
from typing import Any

from receiver.storage import receipts
from receiver.storage.cases import NotFound
from receiver.storage.codes import ENROLLMENT_CODE_LENGTH, code_hash, random_code
from receiver.storage.database import parse_stamp, stamp

CODE_VALIDITY = timedelta(days=7)


class EnrollmentRefused(Exception):
    """The code is wrong, used or expired (or the terminal unknown)."""


def signing_key(conn: sqlite3.Connection, terminal_id: str) -> str | None:
    """The enrolled, non-revoked terminal's public key (base64), else None."""
    row = conn.execute("SELECT signing_public_key FROM terminals WHERE id = ? AND revoked = 0 "
                       "AND signing_public_key IS NOT NULL", (terminal_id,)).fetchone()
    return row[0] if row else None


def key_state(conn: sqlite3.Connection, terminal_id: str) -> tuple[str, bool] | None:
    """(public key, revoked) of a terminal that ever bound a key, else None. A revoked
    terminal's key still checks its signature: only its holder learns it is revoked."""
    row = conn.execute("SELECT signing_public_key, revoked FROM terminals WHERE id = ? "
                       "AND signing_public_key IS NOT NULL", (terminal_id,)).fetchone()
    return (row[0], bool(row[1])) if row else None


def add(conn: sqlite3.Connection, terminal_id: str, name: str | None, valid_for: timedelta,
        now: datetime) -> tuple[str, datetime, bool]:
    """Issues a one-time enrollment code; returns (code, expiry, terminal existed).

    For a terminal already known the new code replaces any pending one; its current key
    stays valid until the code is used (a replaced disk, say)."""
    code = random_code(ENROLLMENT_CODE_LENGTH)
    expires = now + valid_for
    existed = conn.execute("SELECT 1 FROM terminals WHERE id = ?",
                           (terminal_id,)).fetchone() is not None
    if not existed:
        conn.execute("INSERT INTO terminals (id, name, code_hash, code_expires_at, created_at, "
                     "revoked) VALUES (?, ?, ?, ?, ?, 0)",
                     (terminal_id, name or terminal_id, code_hash(code), stamp(expires),
                      stamp(now)))
    elif name:
        conn.execute("UPDATE terminals SET code_hash = ?, code_expires_at = ?, name = ? "
                     "WHERE id = ?", (code_hash(code), stamp(expires), name, terminal_id))
    else:
        conn.execute("UPDATE terminals SET code_hash = ?, code_expires_at = ? WHERE id = ?",
                     (code_hash(code), stamp(expires), terminal_id))
    return code, expires, existed


def enroll(conn: sqlite3.Connection, terminal_id: str, code: str, signing_public_key: str,
           now: datetime) -> None:
    """Binds the key if the code is right, unused and unexpired; the code is then spent."""
    row = conn.execute("SELECT code_hash, code_expires_at FROM terminals WHERE id = ?",
                       (terminal_id,)).fetchone()
    if row is None or row[0] is None or row[1] is None or row[1] <= stamp(now) \
            or not hmac.compare_digest(row[0], code_hash(code)):
        raise EnrollmentRefused(terminal_id)
    conn.execute("UPDATE terminals SET signing_public_key = ?, enrolled_at = ?, code_hash = NULL, "
                 "code_expires_at = NULL, revoked = 0 WHERE id = ?",
                 (signing_public_key, stamp(now), terminal_id))
    receipts.bind_key(conn, terminal_id, signing_public_key, now)


def set_jurisdiction(conn: sqlite3.Connection, terminal_id: str,
                     jurisdiction: str | None) -> int:
    """Sets a terminal's jurisdiction: the cases it submits from now on belong to it, and
    it may read the cases of that jurisdiction. Its cases made while it had none (all of
    those made before migration 0002) take it too; cases made under another jurisdiction
    keep theirs. Returns how many took it; raises NotFound for an unknown terminal."""
    cur = conn.execute("UPDATE terminals SET jurisdiction = ? WHERE id = ?",
                       (jurisdiction, terminal_id))
    if cur.rowcount != 1:
        raise NotFound(terminal_id)
    if jurisdiction is None:
        return 0
    return conn.execute("UPDATE cases SET terminal_jurisdiction = ? WHERE terminal_id = ? "
                        "AND terminal_jurisdiction IS NULL", (jurisdiction, terminal_id)).rowcount


def revoke(conn: sqlite3.Connection, terminal_id: str) -> bool:
    cur = conn.execute("UPDATE terminals SET revoked = 1, code_hash = NULL, "
                       "code_expires_at = NULL WHERE id = ?", (terminal_id,))
    return cur.rowcount == 1


def _help_since(beat: dict | None) -> datetime | None:
    """Since when the terminal's last heartbeat says a citizen waits for the staff (求助)."""
    value = beat.get("help_requested_at") if beat else None
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def list_all(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    """Every terminal with its state and what its last heartbeat said, by id."""
    rows = conn.execute(
        "SELECT t.id, t.name, t.jurisdiction, t.signing_public_key, t.revoked, t.enrolled_at, "
        "t.code_expires_at, h.received_at, h.payload FROM terminals AS t "
        "LEFT OUTER JOIN (SELECT terminal_id, max(id) AS id FROM heartbeats "
        "GROUP BY terminal_id) AS last ON last.terminal_id = t.id "
        "LEFT OUTER JOIN heartbeats AS h ON h.id = last.id ORDER BY t.id").fetchall()
    out = []
    for terminal_id, name, jurisdiction, key, revoked, enrolled_at, expires, beat_at, payload \
            in rows:
        if revoked:
            state = "revoked"
        elif key:
            state = "enrolled"
        else:
            state = "code issued"
        beat = json.loads(payload) if payload else None
        out.append({
            "terminal_id": terminal_id, "name": name, "jurisdiction": jurisdiction,
            "state": state,
            "enrolled_at": parse_stamp(enrolled_at), "code_expires_at": parse_stamp(expires),
            "last_heartbeat_at": parse_stamp(beat_at),
            "version": beat.get("version") if beat else None,
            "queue_depth": beat.get("queue_depth") if beat else None,
            "needs_attention": beat.get("needs_attention") if beat else None,
            # 求助 at the terminal, until a technician clears it there (then a beat without it)
            "help_requested_at": _help_since(beat),
        })
    return out
