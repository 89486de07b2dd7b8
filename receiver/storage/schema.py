"""The platform's schema, made and changed only by the Alembic migrations in
`receiver/migrations/`.

`migrate` brings a database to a revision in one IMMEDIATE transaction, so processes
opening the same data directory together take turns and a run killed half-way leaves
the database as it was. A database made by release 0.1.0 (which created its tables
directly and has no `alembic_version`) is recognised by its tables and stamped at
revision 0001, whose schema is the same, before upgrading. Opening the store checks
the revision with one plain query and runs Alembic only when there is work to do.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from receiver.storage.database import BUSY_TIMEOUT_MS, connect

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The newest revision in MIGRATIONS_DIR (a test keeps the two equal): compared without
# loading Alembic on every open.
HEAD_REVISION = "0008"
# What release 0.1.0 made, all in one transaction: all of them or none.
UNVERSIONED_TABLES = frozenset({
    "terminals", "nonces", "idempotency", "cases", "case_events", "case_attachments",
    "case_counters", "attachments", "heartbeats", "content"})
UNVERSIONED_REVISION = "0001"


class SchemaError(Exception):
    """The database is not one this platform can use (newer, or not the platform's)."""


def current_revision(conn: sqlite3.Connection) -> str | None:
    """The revision a database is at; None when it was never migrated."""
    if not _tables(conn) >= {"alembic_version"}:
        return None
    row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return row[0] if row else None


def _tables(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def is_current(db_path: Path) -> bool:
    if not Path(db_path).exists():
        return False
    conn = connect(db_path)
    try:
        return current_revision(conn) == HEAD_REVISION
    finally:
        conn.close()


@contextmanager
def _migration_lock(db_path: Path) -> Iterator[None]:
    """One opener at a time, across threads and processes (an flock on a file beside
    the database). BEGIN IMMEDIATE alone is not enough on a new file: switching it to
    WAL needs a lock SQLite's busy handler does not wait for, so a second opener racing
    the first would get "database is locked" at once."""
    fd = os.open(f"{db_path}.migrate-lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def migrate(db_path: Path, revision: str = "head") -> tuple[str | None, str]:
    """Upgrades (or downgrades, to an older `revision`) the database; returns the
    revisions (before, after): before is None for a new database or one made by release
    0.1.0, after is "base" when no revision is left. Raises SchemaError for a database
    it cannot take."""
    with _migration_lock(db_path):
        return _migrate(db_path, revision)


def _migrate(db_path: Path, revision: str) -> tuple[str | None, str]:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool

    engine = create_engine(f"sqlite:///{db_path}", poolclass=NullPool,
                           connect_args={"timeout": BUSY_TIMEOUT_MS / 1000})

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_conn, _record) -> None:  # BEGIN is issued by the hook below
        dbapi_conn.isolation_level = None
        dbapi_conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        dbapi_conn.execute("PRAGMA journal_mode=WAL")
        dbapi_conn.execute("PRAGMA synchronous=FULL")

    @event.listens_for(engine, "begin")
    def _immediate(conn) -> None:
        conn.connection.driver_connection.execute("BEGIN IMMEDIATE")

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    try:
        with engine.connect() as conn, conn.begin():
            raw = conn.connection.driver_connection
            cfg.attributes["connection"] = conn
            before = start = current_revision(raw)
            if before is None:
                found = _tables(raw) & UNVERSIONED_TABLES
                if found == UNVERSIONED_TABLES:  # made by release 0.1.0
                    command.stamp(cfg, UNVERSIONED_REVISION)
                    start = UNVERSIONED_REVISION
                elif found:
                    raise SchemaError(f"{db_path} has some of the platform's tables but not all "
                                      f"({', '.join(sorted(found))}): not a platform database "
                                      "this release can take")
            script = ScriptDirectory.from_config(cfg)
            try:
                if revision == "base":
                    if start is not None:
                        command.downgrade(cfg, "base")
                else:
                    target = script.get_revision(revision)
                    if start is None or _is_ancestor(script, start, target.revision):
                        command.upgrade(cfg, revision)
                    elif target.revision != start:
                        command.downgrade(cfg, revision)
            except CommandError as exc:  # typically written by a newer release than this
                raise SchemaError(f"cannot migrate {db_path} from {before!r} to {revision!r}: "
                                  f"{exc}") from None
            return before, current_revision(raw) or "base"
    finally:
        engine.dispose()


def _is_ancestor(script, older: str, newer: str) -> bool:
    return older != newer and any(r.revision == older
                                  for r in script.iterate_revisions(newer, "base"))
