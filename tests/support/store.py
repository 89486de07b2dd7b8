"""Submissions for store tests: random opaque bytes standing in for sealed data."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kiosk.store import (
    Claimed,
    NewSubmission,
    NotFoundError,
    Outbox,
    SealedAttachment,
    Settlement,
    TransitionError,
)


def sealed_attachment(size: int = 1000, role: str = "evidence") -> SealedAttachment:
    plaintext_digest = hashlib.sha256(os.urandom(32)).hexdigest()
    return SealedAttachment(role, "image/jpeg", plaintext_digest, os.urandom(size))


def new_submission(
    *,
    attachments: int | list[SealedAttachment] = 0,
    created_at: datetime | None = None,
    kind: str = "petition",
    envelope: bytes | None = None,
    submission_id: str | None = None,
    signing_key: Ed25519PrivateKey | None = None,
) -> NewSubmission:
    if isinstance(attachments, int):
        attachments = [sealed_attachment(500 + 100 * i) for i in range(attachments)]
    return NewSubmission(
        submission_id=submission_id or str(uuid.uuid4()),
        kind=kind,
        category="labour",
        purpose="demand",
        terminal_id="T-0001",
        jurisdiction="演示县",
        created_at=created_at or datetime.now(UTC),
        envelope=envelope if envelope is not None else os.urandom(2000),
        receipt_fields={"applicant_name": "王*兰", "kind_label": "信访事项"},
        attachments=attachments,
        signing_key=signing_key,
    )


def files_under(attachments_dir: Path) -> set[str]:
    """Every file below the attachments directory, relative to it, except the lock."""
    return {
        str(p.relative_to(attachments_dir))
        for p in attachments_dir.rglob("*")
        if p.is_file() and p.name != ".lock"
    }


def count_rows(db_path: Path, table: str) -> int:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    finally:
        conn.close()


def claim_one(box: Outbox, now: datetime | None = None) -> Claimed | None:
    """The oldest due queued item, claimed through the worker's one path (`claim_batch`)."""
    batch = box.claim_batch(1, now)
    return batch[0] if batch else None


def settle_one(box: Outbox, settlement: Settlement) -> None:
    """Records one outcome through the worker's one path (`settle`), and says so when
    `settle` left it unrecorded: NotFoundError for an id the outbox does not have,
    TransitionError for one whose state the transition table does not allow it from."""
    if box.settle([settlement]) == [settlement.submission_id]:
        if box.get(settlement.submission_id) is None:
            raise NotFoundError(settlement.submission_id)
        raise TransitionError(f"{settlement.submission_id} was not settled")


def _page_size(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]


def overwrite_pages(db: Path, pages: list[int]) -> None:
    """Damages a database for real: random bytes over these pages, fsync'd."""
    size = _page_size(db)
    with open(db, "r+b") as f:
        for page in pages:
            f.seek((page - 1) * size)
            f.write(os.urandom(size))
        f.flush()
        os.fsync(f.fileno())


def pages_of(db: Path, name: str, pagetype: str | None = None) -> list[int]:
    """The page numbers a table or index occupies (SQLite's dbstat)."""
    query = "SELECT pageno FROM dbstat WHERE name = ?"
    args: tuple = (name,)
    if pagetype:
        query += " AND pagetype = ?"
        args += (pagetype,)
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute(query + " ORDER BY pageno", args)]
    finally:
        conn.close()
