"""Idempotency records (table `idempotency`): the answer kept for each submission id.

A key belongs to the terminal that sent it: records are keyed by (terminal id, key),
so another terminal's key is simply a different key — it can neither read nor block
the owner's answer.

The record of an accepted submission is written in the transaction that makes its case
(`cases.create`), so a crash leaves both or neither; a lasting refusal is kept on its
own. The kept JSON is answered again byte for byte.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from wire import schemas


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str  # JSON text, answered again byte for byte
    request_sha256: str


@dataclass(frozen=True)
class Accept:
    """A submission to record as a new case."""

    req: schemas.SubmissionRequest
    envelope: bytes  # sealed
    request_sha256: str
    # the last 4 digits of each contact phone of the sealed document: the second factor
    # a citizen shows to read the case (kept only hashed, `cases.create`)
    contact_last4: tuple[str, ...] = ()
    # the category the terminal sent when the platform no longer accepts it: the case is
    # kept as `unclassified` for the office to classify (`cases.create`)
    category_given: str | None = None

    @property
    def key(self) -> str:
        return self.req.submission_id

    @property
    def terminal_id(self) -> str:
        return self.req.terminal_id


@dataclass(frozen=True)
class Refuse:
    """A lasting refusal to keep as an Idempotency-Key's answer."""

    key: str
    terminal_id: str
    request_sha256: str
    status: int
    body: str  # ErrorBody JSON


def stored_answer(conn: sqlite3.Connection, terminal_id: str, key: str) -> StoredAnswer | None:
    row = conn.execute("SELECT status, response, request_sha256 FROM idempotency "
                       "WHERE terminal_id = ? AND key = ?", (terminal_id, key)).fetchone()
    return StoredAnswer(row[0], row[1], row[2]) if row else None


def keep(conn: sqlite3.Connection, key: str, terminal_id: str, answer: StoredAnswer,
         at: str) -> None:
    conn.execute("INSERT INTO idempotency (key, terminal_id, request_sha256, status, response, "
                 "created_at) VALUES (?, ?, ?, ?, ?, ?)",
                 (key, terminal_id, answer.request_sha256, answer.status, answer.body, at))
