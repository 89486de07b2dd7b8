"""The platform's one SQLite file and how it is reached: plain `sqlite3`, nothing else.

`receiver.db` in the data directory (WAL, synchronous=FULL, a busy timeout), shared by
the server and the `kiosk-receiver` commands an operator runs next to it. Every
statement the platform runs goes through this module: one writer connection per
process, serialised by a lock here (BEGIN IMMEDIATE still queues it behind other
processes), and one reader connection per thread, all with cached prepared
statements. SQLAlchemy and Alembic are used only to migrate the schema
(`storage/schema.py`), never to read or write rows.

Writes commit as a group (`Database.writing`): blocks that queue up while one runs
join its transaction, each in a savepoint of its own, and the last of the group
commits for all with one fsync. Every block returns only after the commit holding
its writes, so nothing is answered before it is durable.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

DB_FILE = "receiver.db"
BUSY_TIMEOUT_MS = 15_000
# Aware UTC datetimes are stored as fixed-width text, so they sort and compare as strings.
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def now() -> datetime:
    return datetime.now(UTC)


def stamp(at: datetime) -> str:
    """A datetime as the database stores it (`STAMP_FORMAT`, UTC)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the receiver store")
    at = at.astimezone(UTC)
    if at.year < 1000:  # strftime does not pad the year; isoformat does
        return at.strftime(STAMP_FORMAT)
    # The same text as strftime(STAMP_FORMAT), several times faster.
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def parse_stamp(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.strptime(text, STAMP_FORMAT).replace(tzinfo=UTC)


def connect(db_path: Path | str) -> sqlite3.Connection:
    """A connection in autocommit mode (BEGIN is issued explicitly), set up as every
    connection to the platform's database is."""
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=False, cached_statements=256,
                           isolation_level=None)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


class Database:
    """The connections of one process to `receiver.db` (see the module doc)."""

    def __init__(self, db_path: Path):
        self.db_path = Path(db_path)
        # Writers of this process queue here rather than on SQLite's busy handler, which
        # sleeps in steps of milliseconds; other processes still meet BEGIN IMMEDIATE.
        self._write_lock = threading.RLock()
        # Group commit: writers waiting to join, the open group, the last committed one,
        # and the commit errors of recent failed ones.
        self._commit_cv = threading.Condition(self._write_lock)
        self._pending_lock = threading.Lock()
        self._pending = 0
        self._in_group = False
        self._group = 0
        self._committed = 0
        self._failed: dict[int, BaseException] = {}
        self._writer: sqlite3.Connection | None = None
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()
        self._local = threading.local()

    def reader(self) -> sqlite3.Connection:
        """This thread's connection for single-statement reads (autocommit)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.db_path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """This thread's reader inside one read transaction: several statements, one
        snapshot."""
        conn = self.reader()
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    @contextmanager
    def writing(self, first: Callable[[sqlite3.Connection], None] | None = None
                ) -> Iterator[sqlite3.Connection]:
        """A write on the writer connection, committed (fsynced) when the block exits.

        `first` runs inside the block's savepoint before the block itself (the spend of
        a request's nonce); what it raises rolls the block back like the block's own.
        A block that raises rolls back only itself; if the group's commit fails, every
        block of the group raises."""
        with self._pending_lock:
            self._pending += 1
        with self._commit_cv:
            own_error: BaseException | None = None
            group = 0
            try:
                if self._writer is None:
                    self._writer = connect(self.db_path)
                conn = self._writer
                if not self._in_group:
                    conn.execute("BEGIN IMMEDIATE")
                    self._in_group = True
                    self._group += 1
                group = self._group
                conn.execute("SAVEPOINT request")
                try:
                    if first is not None:
                        first(conn)
                    yield conn
                except BaseException as exc:
                    own_error = exc
                    conn.execute("ROLLBACK TO request")
                conn.execute("RELEASE request")
            except BaseException as exc:  # the connection itself failed
                own_error = own_error or exc
            finally:
                with self._pending_lock:
                    self._pending -= 1
                    last = self._pending == 0
            if group:
                if last:
                    self._commit(group)
                else:
                    while self._committed < group and group not in self._failed:
                        self._commit_cv.wait()
            if own_error is not None:
                raise own_error
            if group in self._failed:
                raise self._failed[group]

    def _commit(self, group: int) -> None:
        """Commits the open group (the caller holds the lock) and wakes its members."""
        conn = self._writer
        assert conn is not None
        try:
            conn.execute("COMMIT")  # synchronous=FULL: durable before it returns
            self._committed = group
        except BaseException as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self._failed[group] = exc
            if len(self._failed) > 100:
                del self._failed[min(self._failed)]
        finally:
            self._in_group = False
            self._commit_cv.notify_all()
