"""Agents of proxy stations (代办员) and their one-time binding codes (migration 0008).

The operator registers an agent (`kiosk-receiver agent add`): a code is issued, only its
hash kept, valid `CODE_VALIDITY`. An enrolled terminal redeems it (`POST
/agent-bindings`, signed): the platform answers who the agent is and the code is spent.
A wrong code counts against the terminal that sent it; past `FAILURES_ALLOWED` within
`FAILURE_WINDOW` the terminal is refused until the oldest of them ages out. With seven
random digits a code is found by nobody guessing at that pace (5 tries per half hour
against at most a few pending codes out of 10^7) before it expires.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from receiver.storage.database import parse_stamp, stamp
from wire import agents as wire_agents

CODE_VALIDITY = timedelta(days=7)
FAILURES_ALLOWED = 5
FAILURE_WINDOW = timedelta(minutes=30)


class AgentUnknown(Exception):
    """No agent has this id."""


class CodeRefused(Exception):
    """The code is wrong, spent or expired, or its agent revoked."""


class CodeLimited(Exception):
    """Too many wrong codes from this terminal lately."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Bound:
    agent_id: str
    name: str
    station: str
    bound_at: datetime


def code_hash(code: str) -> str:
    # A plain hash: the code is spent once and lives a week; the lock-out, not the hash,
    # is what keeps it from being guessed.
    return hashlib.sha256(("agent-code:" + wire_agents.normalize_code(code)).encode()).hexdigest()


def add(conn: sqlite3.Connection, agent_id: str, name: str | None, station: str | None,
        valid_for: timedelta, now: datetime) -> tuple[str, datetime, bool]:
    """Issues a binding code (a new agent needs name and station; a known one gets a new
    code, replacing any pending one, for another terminal or a lost code). Returns (code,
    expiry, the agent existed)."""
    row = conn.execute("SELECT name, station FROM agents WHERE agent_id = ?",
                       (agent_id,)).fetchone()
    if row is None and not (name and station):
        raise AgentUnknown(agent_id)
    while True:  # a pending code names one agent
        code = wire_agents.new_code()
        taken = conn.execute("SELECT 1 FROM agents WHERE code_hash = ?",
                             (code_hash(code),)).fetchone()
        if taken is None:
            break
    expires = now + valid_for
    if row is None:
        conn.execute("INSERT INTO agents (agent_id, name, station, code_hash, code_expires_at, "
                     "created_at, revoked) VALUES (?, ?, ?, ?, ?, ?, 0)",
                     (agent_id, name, station, code_hash(code), stamp(expires), stamp(now)))
    else:
        conn.execute("UPDATE agents SET name = ?, station = ?, code_hash = ?, "
                     "code_expires_at = ?, revoked = 0 WHERE agent_id = ?",
                     (name or row[0], station or row[1], code_hash(code), stamp(expires),
                      agent_id))
    return code, expires, row is not None


def limited(conn: sqlite3.Connection, terminal_id: str, now: datetime) -> int | None:
    """Seconds this terminal must wait before sending a code again, or None."""
    since = stamp(now - FAILURE_WINDOW)
    rows = conn.execute("SELECT at FROM agent_code_failures WHERE terminal_id = ? AND at > ? "
                        "ORDER BY at", (terminal_id, since)).fetchall()
    if len(rows) < FAILURES_ALLOWED:
        return None
    oldest = parse_stamp(rows[-FAILURES_ALLOWED][0])
    assert oldest is not None
    return max(1, int((oldest + FAILURE_WINDOW - now).total_seconds() + 0.999))


def record_failure(conn: sqlite3.Connection, terminal_id: str, now: datetime) -> None:
    conn.execute("INSERT INTO agent_code_failures (terminal_id, at) VALUES (?, ?)",
                 (terminal_id, stamp(now)))
    conn.execute("DELETE FROM agent_code_failures WHERE at <= ?",
                 (stamp(now - FAILURE_WINDOW),))


def redeem(conn: sqlite3.Connection, terminal_id: str, code: str,
           now: datetime) -> Bound | CodeRefused | CodeLimited:
    """The agent a right, pending code names, the code then spent; or why not, as a value,
    so the caller commits a wrong code's count with the request's nonce before it answers.
    While the terminal is locked out the code is not even looked at."""
    wait = limited(conn, terminal_id, now)
    if wait is not None:
        return CodeLimited(wait)
    row = conn.execute("SELECT agent_id, name, station, code_expires_at, revoked FROM agents "
                       "WHERE code_hash = ?", (code_hash(code),)).fetchone()
    if row is None or row[4] or row[3] is None or row[3] <= stamp(now):
        record_failure(conn, terminal_id, now)
        return CodeRefused(terminal_id)
    conn.execute("UPDATE agents SET code_hash = NULL, code_expires_at = NULL, "
                 "bound_terminal = ?, bound_at = ? WHERE agent_id = ?",
                 (terminal_id, stamp(now), row[0]))
    return Bound(row[0], row[1], row[2], now)


def revoke(conn: sqlite3.Connection, agent_id: str) -> bool:
    cur = conn.execute("UPDATE agents SET revoked = 1, code_hash = NULL, code_expires_at = NULL "
                       "WHERE agent_id = ?", (agent_id,))
    return cur.rowcount == 1


def list_all(conn: sqlite3.Connection, now: datetime) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT agent_id, name, station, code_expires_at, revoked, "
                        "bound_terminal, bound_at, created_at FROM agents "
                        "ORDER BY agent_id").fetchall()
    out = []
    for agent_id, name, station, expires, revoked, terminal, bound_at, created in rows:
        if revoked:
            state = "revoked"
        elif expires is not None and expires > stamp(now):
            state = "code issued"
        elif terminal is not None:
            state = "bound"
        else:
            state = "code expired"
        out.append({"agent_id": agent_id, "name": name, "station": station, "state": state,
                    "code_expires_at": parse_stamp(expires), "bound_terminal": terminal,
                    "bound_at": parse_stamp(bound_at), "created_at": parse_stamp(created)})
    return out
