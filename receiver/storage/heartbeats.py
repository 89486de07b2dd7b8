"""Heartbeats (table `heartbeats`): what each terminal last said of its health."""

from __future__ import annotations

import sqlite3

from wire import schemas


def record(conn: sqlite3.Connection, terminal_id: str, beat: schemas.Heartbeat, at: str) -> None:
    conn.execute("INSERT INTO heartbeats (terminal_id, received_at, payload) VALUES (?, ?, ?)",
                 (terminal_id, at, beat.model_dump_json()))
