"""Carry files imported (migration 0007): which file, from which terminal, when, how."""

from __future__ import annotations

import sqlite3
from typing import Any


def find(conn: sqlite3.Connection, carry_id: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT carry_id, terminal_id, carry_sha256, submissions, imported_at, "
                       "via FROM carry_imports WHERE carry_id = ?", (carry_id,)).fetchone()
    if row is None:
        return None
    return dict(zip(("carry_id", "terminal_id", "carry_sha256", "submissions", "imported_at",
                     "via"), row, strict=True))


def record(conn: sqlite3.Connection, carry_id: str, terminal_id: str, carry_sha256: str,
           submissions: int, imported_at: str, via: str) -> None:
    conn.execute("INSERT OR IGNORE INTO carry_imports (carry_id, terminal_id, carry_sha256, "
                 "submissions, imported_at, via) VALUES (?, ?, ?, ?, ?, ?)",
                 (carry_id, terminal_id, carry_sha256, submissions, imported_at, via))
