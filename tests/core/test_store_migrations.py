"""The schema comes only from the Alembic chain: 0001 (submissions, attachments), 0002 (counts),
0003 (set aside by a technician), 0004 (the platform's signed acknowledgement), 0005 (follow-ups
to a submission: the service evaluation), 0006
(the signed receipt)."""

from __future__ import annotations

import hashlib
import multiprocessing
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import inspect

from kiosk.store import (
    Outbox,
    StoreError,
    current_revision,
    head_revision,
    migrate,
    new_receipt_no,
    open_engine,
)
from kiosk.store.models import Base
from tests.support.store import new_submission

HEAD = "0009"
SUBMISSION_COLUMNS = {
    "id", "receipt_no", "kind", "category", "purpose", "terminal_id", "jurisdiction",
    "created_at", "envelope", "receipt_fields", "state", "attempts", "next_attempt_at",
    "last_error", "case_no", "query_code", "delivered_at", "updated_at", "set_aside_reason",
    "platform_ack", "receipt_token", "agent_id", "clock_trust",
}  # fmt: skip
ATTACHMENT_COLUMNS = {
    "id", "submission_id", "role", "media_type", "size", "digest", "sealed_digest", "file_name",
}  # fmt: skip


def tables(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
        return {r[0] for r in rows}
    finally:
        conn.close()


def test_empty_database_to_head(tmp_path):
    db = tmp_path / "kiosk.db"
    assert current_revision(db) is None  # no file yet, and none is made by asking
    assert not db.exists()
    migrate(db)
    assert current_revision(db) == head_revision() == HEAD
    assert tables(db) == {"alembic_version", "submissions", "attachments", "delivery_counts",
                          "followups"}

    engine = open_engine(db)
    try:
        insp = inspect(engine)
        assert {c["name"] for c in insp.get_columns("submissions")} == SUBMISSION_COLUMNS
        assert {c["name"] for c in insp.get_columns("attachments")} == ATTACHMENT_COLUMNS
        assert {c["name"] for c in insp.get_columns("delivery_counts")} == {
            "day",
            "kind",
            "delivered",
        }
        assert insp.get_pk_constraint("delivery_counts")["constrained_columns"] == ["day", "kind"]
        fks = insp.get_foreign_keys("attachments")
        assert fks[0]["referred_table"] == "submissions"
        assert fks[0]["options"].get("ondelete") == "CASCADE"
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("attachments")}
        assert ("submission_id", "digest") in uniques
        checks = {c["name"] for c in insp.get_check_constraints("submissions")}
        assert "ck_submissions_state" in checks
    finally:
        engine.dispose()


def test_models_match_the_migrations(tmp_path):
    db = tmp_path / "kiosk.db"
    migrate(db)
    engine = open_engine(db)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_migrating_twice_is_a_no_op(tmp_path):
    db = tmp_path / "kiosk.db"
    migrate(db)
    migrate(db)
    assert current_revision(db) == HEAD


def test_state_check_constraint_holds(tmp_path):
    db = tmp_path / "kiosk.db"
    migrate(db)
    conn = sqlite3.connect(db)
    try:
        with pytest.raises(sqlite3.IntegrityError):
            insert_submission(conn, "s1", state="lost")
    finally:
        conn.close()


def insert_submission(conn: sqlite3.Connection, sid: str, state: str = "queued", **extra) -> str:
    receipt_no = new_receipt_no()
    row = {
        "id": sid,
        "receipt_no": receipt_no,
        "kind": "petition",
        "category": "labour",
        "purpose": None,
        "terminal_id": "T-0001",
        "jurisdiction": "演示县",
        "created_at": "2026-11-01 08:00:00.000000",
        "envelope": b"sealed",
        "receipt_fields": '{"applicant_name":"王*兰"}',
        "state": state,
        "attempts": 0,
        "next_attempt_at": "2026-11-01 08:00:00.000000",
        "updated_at": "2026-11-01 08:00:00.000000",
        **extra,
    }
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    conn.execute(f"INSERT INTO submissions ({cols}) VALUES ({marks})", list(row.values()))
    return receipt_no


def test_rows_written_at_0001_survive_the_upgrade(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    db = data / "kiosk.db"
    migrate(db, "0001")
    assert current_revision(db) == "0001"
    assert "delivery_counts" not in tables(db)

    conn = sqlite3.connect(db)
    sealed = hashlib.sha256(b"abc").hexdigest()
    sid = "0f8a3c2e-5d4b-4c1a-9e7f-2b6d8a1c3e5f"
    delivered_sid = "1a2b3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d"
    with conn:
        receipt_no = insert_submission(conn, sid)
        conn.execute(
            "INSERT INTO attachments (submission_id, role, media_type, size, digest,"
            " sealed_digest, file_name) VALUES (?, 'evidence', 'image/jpeg', 3, ?, ?, ?)",
            (sid, "a" * 64, sealed, f"{sid}/{sealed}"),
        )
        delivered_no = insert_submission(
            conn,
            delivered_sid,
            state="delivered",
            case_no="XF-1",
            query_code="Q-1",
            delivered_at="2026-11-02 09:00:00.000000",
        )
    conn.close()
    # The attachment file the row refers to, so the sweep on open keeps it.
    (data / "attachments" / sid).mkdir(parents=True)
    (data / "attachments" / sid / sealed).write_bytes(b"abc")

    migrate(db)
    assert current_revision(db) == HEAD

    with Outbox.open(data) as box:
        info = box.find_by_receipt(receipt_no)
        assert info.submission_id == sid and info.state == "queued"
        assert info.receipt_fields == {"applicant_name": "王*兰"}
        assert info.created_at == datetime(2026, 11, 1, 8, tzinfo=UTC)
        assert box.read_attachment(sid, "a" * 64) == b"abc"
        # delivery_counts works on the upgraded database.
        now = datetime(2026, 12, 31, tzinfo=UTC)
        assert box.purge_delivered(timedelta(days=30), now=now) == 1
        assert box.find_by_receipt(delivered_no).case_no == "XF-1"
        counts = box.delivery_counts()
        assert counts == {(datetime(2026, 11, 2).date(), "petition"): 1}
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT * FROM delivery_counts").fetchall() == [
            ("2026-11-02", "petition", 1)
        ]
    finally:
        conn.close()


def test_downgrade_to_0001_and_back(tmp_path):
    data = tmp_path / "data"
    with Outbox.open(data) as box:
        receipt = box.confirm(new_submission(attachments=1))
    db = data / "kiosk.db"

    migrate(db, "0001")
    assert current_revision(db) == "0001"
    assert "delivery_counts" not in tables(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT receipt_no FROM submissions").fetchall() == [
            (receipt.receipt_no,)
        ]
        assert conn.execute("SELECT count(*) FROM attachments").fetchone()[0] == 1
    finally:
        conn.close()

    migrate(db)
    assert current_revision(db) == HEAD
    with Outbox.open(data) as box:
        assert box.find_by_receipt(receipt.receipt_no) is not None

    migrate(db, "base")
    assert current_revision(db) is None
    assert tables(db) == {"alembic_version"}


def _migrate(db: str) -> str | None:
    migrate(Path(db))
    return current_revision(Path(db))


def test_processes_starting_together_migrate_once(tmp_path):
    db = tmp_path / "kiosk.db"
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(4) as pool:
        assert pool.map(_migrate, [str(db)] * 4) == [HEAD] * 4
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(HEAD,)]
    finally:
        conn.close()


def test_a_database_from_newer_software_is_refused(tmp_path):
    data = tmp_path / "data"
    Outbox.open(data).close()
    conn = sqlite3.connect(data / "kiosk.db")
    with conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    with pytest.raises(StoreError, match="0099"):
        Outbox.open(data)
    assert current_revision(data / "kiosk.db") == "0099"  # left as it was


def test_0004_adds_the_acknowledgement_in_place_and_goes_back(tmp_path):
    data = tmp_path / "data"
    with Outbox.open(data) as box:
        receipt = box.confirm(new_submission())
    db = data / "kiosk.db"
    migrate(db, "0003")
    conn = sqlite3.connect(db)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(submissions)")}
        assert "platform_ack" not in columns
    finally:
        conn.close()
    migrate(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT receipt_no, platform_ack FROM submissions").fetchall() == [
            (receipt.receipt_no, None)]
        table_sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'submissions'").fetchone()[0]
        # Added in place: every CHECK of the table is still there.
        for check in ("ck_submissions_state", "ck_submissions_envelope",
                      "ck_submissions_delivered", "ck_submissions_attempts"):
            assert check in table_sql
    finally:
        conn.close()


def test_0006_keeps_the_signed_receipt_in_place_and_goes_back(tmp_path):
    """On a database with rows: an older row gets NULL, a downgrade drops the column and
    keeps every row, and the upgrade again leaves the newer rows' receipts NULL too (the
    text was dropped with the column, not invented)."""
    data = tmp_path / "data"
    db = data / "kiosk.db"
    with Outbox.open(data) as box:
        older = box.confirm(new_submission())
    migrate(db, "0005")  # a database of the release before, with a row
    migrate(db)
    with Outbox.open(data) as box:
        assert box.get(older.submission_id).receipt_token is None
        signed = box.confirm(new_submission(signing_key=Ed25519PrivateKey.generate()))
        unsigned = box.confirm(new_submission())
        assert box.get(signed.submission_id).receipt_token == signed.token
    assert signed.token is not None and unsigned.token is None
    migrate(db, "0005")
    conn = sqlite3.connect(db)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(submissions)")}
        assert "receipt_token" not in columns
        assert sorted(r[0] for r in conn.execute("SELECT receipt_no FROM submissions")) == \
            sorted([older.receipt_no, signed.receipt_no, unsigned.receipt_no])
    finally:
        conn.close()
    migrate(db)
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("SELECT count(*) FROM submissions WHERE receipt_token IS NULL"
                            ).fetchone() == (3,)
        table_sql = conn.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'submissions'").fetchone()[0]
        for check in ("ck_submissions_state", "ck_submissions_envelope",
                      "ck_submissions_delivered", "ck_submissions_attempts"):
            assert check in table_sql
    finally:
        conn.close()


def test_0008_keeps_the_agent_in_place_and_goes_back(tmp_path):
    """An older row gets no agent; a submission of an agent session keeps its agent id and
    is found by it; a downgrade drops the column and its index and keeps every row."""
    import dataclasses

    data = tmp_path / "data"
    db = data / "kiosk.db"
    with Outbox.open(data) as box:
        older = box.confirm(new_submission())
    migrate(db, "0007")
    migrate(db)
    with Outbox.open(data) as box:
        assert box.get(older.submission_id).agent_id is None
        made = box.confirm(dataclasses.replace(new_submission(), agent_id="A-01"))
        assert [i.submission_id for i in box.by_agent("A-01")] == [made.submission_id]
        assert box.by_agent("A-02") == []
    migrate(db, "0007")
    conn = sqlite3.connect(db)
    try:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(submissions)")}
        assert "agent_id" not in columns
        indexes = {row[1] for row in conn.execute("PRAGMA index_list(submissions)")}
        assert "ix_submissions_agent_id" not in indexes
        assert conn.execute("SELECT count(*) FROM submissions").fetchone() == (2,)
    finally:
        conn.close()
