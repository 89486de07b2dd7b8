"""The receiving platform's own SQLite database and attachment files.

One file, `receiver.db`, in the data directory (WAL, synchronous=FULL, a busy
timeout), shared by the server and the `kiosk-receiver` commands an operator
runs next to it. Write transactions start with BEGIN IMMEDIATE so two writers
queue on the busy timeout instead of one failing when it upgrades a read lock.

A case and its idempotency record are written in one transaction, so a crash
at any moment leaves both or neither: a retry after a restart finds the case.
Attachments are appended to `attachments/<sealed digest>` and fsynced before
the database records how many bytes arrived; the database is the truth and a
longer file (a crash between the two) is cut back on the next chunk.

The request paths a terminal drives (signature keys, nonces, idempotency
records, cases, uploads, heartbeats) use plain `sqlite3` connections with
cached prepared statements: one writer connection, serialised by a lock in
this process (BEGIN IMMEDIATE still queues it behind other processes), and one
reader connection per thread. A signed request's nonce is inserted in the same
transaction as the request's own write, after checking in that transaction
that the terminal still has the key the signature was checked with; a request
that writes nothing else spends its nonce in a transaction of its own. Either
way the nonce is durable before the answer. The operator's commands and the
rarer requests go through SQLAlchemy Core on the same file.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    URL,
    Boolean,
    Column,
    Connection,
    Engine,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.types import TypeDecorator

from receiver.files import fsync_dir
from wire import schemas

DB_FILE = "receiver.db"
ATTACHMENTS_DIR = "attachments"
BUSY_TIMEOUT_MS = 15_000
NONCE_KEEP = timedelta(minutes=15)  # > the 10-minute window in which a signature is valid
CODE_VALIDITY = timedelta(days=7)
# Case numbers count per calendar day in China (UTC+8 all year, no daylight saving).
CASE_DAY_TZ = timezone(timedelta(hours=8), "CST")
# No 0/O, 1/I/L: a query code is read off paper and typed on a touch screen.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
QUERY_CODE_LENGTH = 8
ENROLLMENT_CODE_LENGTH = 12
_BEGIN = "receiver_sqlite_begin"


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes as fixed-width text, so they sort and compare as strings."""

    impl = String(27)
    cache_ok = True
    _FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

    def process_bind_param(self, value: datetime | None, dialect: Any) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the receiver store")
        return value.astimezone(UTC).strftime(self._FORMAT)

    def process_result_value(self, value: str | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return datetime.strptime(value, self._FORMAT).replace(tzinfo=UTC)


metadata = MetaData()

terminals = Table(
    "terminals", metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("signing_public_key", String(64)),  # base64 raw Ed25519; NULL until enrolled
    Column("code_hash", String(64)),  # sha256 of the pending one-time code; NULL once used
    Column("code_expires_at", UtcDateTime),
    Column("created_at", UtcDateTime, nullable=False),
    Column("enrolled_at", UtcDateTime),
    Column("revoked", Boolean, nullable=False, default=False),
)

nonces = Table(
    "nonces", metadata,
    Column("terminal_id", String(64), primary_key=True),
    Column("nonce", String(128), primary_key=True),  # the key refuses a second use
    Column("created_at", UtcDateTime, nullable=False, index=True),
)

idempotency = Table(
    "idempotency", metadata,
    Column("key", String(36), primary_key=True),  # the submission id
    Column("terminal_id", String(64), nullable=False),
    Column("request_sha256", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("response", Text, nullable=False),  # the exact JSON answered the first time
    Column("created_at", UtcDateTime, nullable=False),
)

cases = Table(
    "cases", metadata,
    Column("case_no", String(32), primary_key=True),
    Column("query_code", String(16), nullable=False, unique=True),
    Column("submission_id", String(36), nullable=False, unique=True),
    Column("terminal_id", String(64), nullable=False),
    Column("receipt_no", String(10), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("category", String(64), nullable=False),
    Column("purpose", String(64)),
    Column("jurisdiction", String(200), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),  # on the terminal
    Column("received_at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("envelope", LargeBinary, nullable=False),  # still sealed
    Column("updated_at", UtcDateTime, nullable=False),
)

case_events = Table(
    "case_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_no", String(32), ForeignKey("cases.case_no"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("status", String(16), nullable=False),
    Column("note", Text),
    Index("ix_case_events_case", "case_no", "id"),
)

case_attachments = Table(
    "case_attachments", metadata,
    Column("case_no", String(32), ForeignKey("cases.case_no"), primary_key=True),
    Column("sealed_digest", String(64), primary_key=True),
    Column("role", String(32), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
)

case_counters = Table(
    "case_counters", metadata,
    Column("day", String(8), primary_key=True),  # YYYYMMDD in China
    Column("last", Integer, nullable=False),
)

attachments = Table(
    "attachments", metadata,
    Column("sealed_digest", String(64), primary_key=True),
    Column("declared_size", Integer, nullable=False),
    Column("received", Integer, nullable=False),
    Column("complete", Boolean, nullable=False),
    Column("path", String(200), nullable=False),  # relative to the data directory
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
)

heartbeats = Table(
    "heartbeats", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("terminal_id", String(64), nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_heartbeats_terminal", "terminal_id", "id"),
)

content = Table(
    "content", metadata,
    Column("version", Integer, primary_key=True),
    Column("body", Text, nullable=False),  # TerminalContent JSON
    Column("etag", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

DEFAULT_NOTICE = schemas.Notice(
    title="网上信访须知",
    body=(
        "一、信访人应当如实反映情况，对所提供材料内容的真实性负责，不得捏造、歪曲事实，"
        "不得诬告、陷害他人。\n"
        "二、请向依法有权处理的本级或者上一级机关提出信访事项。已经或者依法应当通过诉讼、"
        "仲裁、行政复议等法定途径解决的，请按照法定途径提出。\n"
        "三、有关机关收到信访事项后，能够当场告知的当场书面告知；不能当场告知的，自收到之日起"
        "15日内书面告知是否受理。\n"
        "四、对处理意见不服的，可以自收到书面答复之日起30日内请求原办理机关的上一级机关复查；"
        "对复查意见不服的，可以自收到书面答复之日起30日内向复查机关的上一级机关请求复核。\n"
        "五、提交后请妥善保管回执和查询码，可在本终端或网上信访平台查询办理进展。\n"
        "六、您提供的个人信息仅用于办理本信访事项，依法予以保护。"
    ),
)
# Empty categories / purposes: the terminal keeps its own taxonomy.
DEFAULT_CONTENT = schemas.TerminalContent(version=1, notices=[DEFAULT_NOTICE])


# --- results ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str  # JSON text, answered again byte for byte
    request_sha256: str


@dataclass(frozen=True)
class Accept:
    """A submission to record as a new case (`Store.record`)."""

    req: schemas.SubmissionRequest
    envelope: bytes  # sealed
    request_sha256: str

    @property
    def key(self) -> str:
        return self.req.submission_id


@dataclass(frozen=True)
class Refuse:
    """A lasting refusal to keep as an Idempotency-Key's answer (`Store.record`)."""

    key: str
    terminal_id: str
    request_sha256: str
    status: int
    body: str  # ErrorBody JSON


@dataclass(frozen=True)
class Upload:
    sealed_digest: str
    received: int
    complete: bool


@dataclass
class Signer:
    """A request whose signature checked out with `key` (base64): its nonce is spent once,
    in the transaction of the request's own write or in one of its own (`spent` after)."""

    terminal_id: str
    nonce: str
    key: str
    spent: bool = field(default=False, compare=False)


class NonceReused(Exception):
    """The signer's nonce was spent before."""


class SignerRefused(Exception):
    """The terminal is no longer enrolled with the key the signature was checked with:
    `revoked` when it has no usable key at all (revoked, unknown), else its key changed."""

    def __init__(self, revoked: bool):
        super().__init__(revoked)
        self.revoked = revoked


class EnrollmentRefused(Exception):
    pass


class OffsetMismatch(Exception):
    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


class UploadOverrun(Exception):
    pass


class DigestMismatch(Exception):
    pass


class NotFound(Exception):
    pass


# --- helpers ----------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(at: datetime) -> str:
    """A datetime as `UtcDateTime` stores it (for the plain-sqlite3 paths)."""
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the receiver store")
    at = at.astimezone(UTC)
    if at.year < 1000:  # strftime does not pad the year; isoformat does
        return at.strftime(UtcDateTime._FORMAT)
    # The same text as strftime(_FORMAT), several times faster.
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


# Random bytes at or above this are skipped, so every character is equally likely.
_CODE_BYTE_LIMIT = 256 - 256 % len(CODE_ALPHABET)


def random_code(length: int) -> str:
    """`length` characters of CODE_ALPHABET, uniformly from the system's CSPRNG (one read
    of random bytes for all of them, rather than one per character)."""
    chars: list[str] = []
    while len(chars) < length:
        chars += [CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in secrets.token_bytes(2 * length)
                  if b < _CODE_BYTE_LIMIT]
    return "".join(chars[:length])


def normalize_code(text: str) -> str:
    """What was typed or read aloud → the code: no spaces or dashes, upper case."""
    return "".join(ch for ch in text if ch.isalnum()).upper()


def group_code(code: str, size: int = 4) -> str:
    return "-".join(code[i:i + size] for i in range(0, len(code), size))


def _code_hash(code: str) -> str:
    # The code carries ~59 bits and lives 7 days: a plain hash is enough at rest.
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


def content_etag(version: int, body: str) -> str:
    return f'"{version}-{hashlib.sha256(body.encode()).hexdigest()[:16]}"'


def _pragmas(dbapi_conn: sqlite3.Connection) -> None:
    dbapi_conn.isolation_level = None  # BEGIN is issued explicitly
    cur = dbapi_conn.cursor()
    try:
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        cur.close()


def _connect(db_path: Path) -> sqlite3.Connection:
    """A plain connection for the request paths, set up as the engine's are."""
    conn = sqlite3.connect(str(db_path), timeout=BUSY_TIMEOUT_MS / 1000,
                           check_same_thread=False, cached_statements=256)
    _pragmas(conn)
    return conn


def _make_engine(db_path: Path) -> Engine:
    engine = create_engine(
        URL.create("sqlite", database=str(db_path)),
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000},
        pool_size=8, max_overflow=32,  # the server's threadpool has 40 workers
        hide_parameters=True,  # an error message must not carry a petition into the log
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        _pragmas(dbapi_conn)  # BEGIN is issued by the hook below

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(_BEGIN, "DEFERRED")
        conn.connection.driver_connection.execute(f"BEGIN {mode}")

    return engine


class Store:
    def __init__(self, data_dir: Path):
        self.data_dir = Path(data_dir)
        self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.attachments_dir = self.data_dir / ATTACHMENTS_DIR
        self.attachments_dir.mkdir(exist_ok=True, mode=0o700)
        self._attachments_prefix = f"{self.attachments_dir}{os.sep}"  # for `_file_name`
        self.db_path = self.data_dir / DB_FILE
        self.engine = _make_engine(self.db_path)
        # Writers of this process queue here rather than on SQLite's busy handler, which
        # sleeps in steps of milliseconds; other processes still meet BEGIN IMMEDIATE.
        self._write_lock = threading.RLock()
        # Group commit (see `_writing`): writers waiting to join, the open group, the
        # last committed one, and the commit errors of recent failed ones.
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
        with self.write() as conn:
            metadata.create_all(conn)
            if conn.execute(select(func.count()).select_from(content)).scalar_one() == 0:
                self._insert_content(conn, DEFAULT_CONTENT.model_dump(mode="json"), _now())
        self._last_prune = 0.0
        # Appends to one attachment are serialised; 64 stripes bound the lock count.
        self._upload_locks = [threading.Lock() for _ in range(64)]

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
        self.engine.dispose()

    def _reader(self) -> sqlite3.Connection:
        """This thread's plain connection for single-statement reads (autocommit)."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.db_path)
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    @contextmanager
    def _writing(self, signer: Signer | None = None,
                 now: datetime | None = None) -> Iterator[sqlite3.Connection]:
        """A write on the plain writer connection, committed (fsynced) when the block exits.

        With a `signer` whose nonce is not spent yet, the write first checks the
        terminal still has the signature's key and spends the nonce (NonceReused /
        SignerRefused roll the block's writes back).

        Group commit: writes that queue up while one is running join its transaction,
        each in a savepoint of its own (a block that raises rolls back only itself),
        and the last of the group commits for all with one fsync. Every block returns
        only once the commit holding its writes is done; if that commit fails, every
        block of the group raises."""
        with self._pending_lock:
            self._pending += 1
        with self._commit_cv:
            own_error: BaseException | None = None
            group = 0
            try:
                if self._writer is None:
                    self._writer = _connect(self.db_path)
                conn = self._writer
                if not self._in_group:
                    conn.execute("BEGIN IMMEDIATE")
                    self._in_group = True
                    self._group += 1
                group = self._group
                conn.execute("SAVEPOINT request")
                try:
                    if signer is not None and not signer.spent:
                        self._spend(conn, signer, now or _now())
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
            if signer is not None:
                signer.spent = True

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

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A transaction holding the write lock from its first statement; commits on exit."""
        with self._commit_cv, self.engine.connect() as conn:
            while self._in_group:  # a group's members wait for its commit: let them finish
                self._commit_cv.wait()
            conn.execution_options(**{_BEGIN: "IMMEDIATE"})
            with conn.begin():
                yield conn

    # --- terminals ------------------------------------------------------------------------

    def add_terminal(self, terminal_id: str, name: str | None = None,
                     valid_for: timedelta = CODE_VALIDITY,
                     now: datetime | None = None) -> tuple[str, datetime, bool]:
        """Issues a one-time enrollment code; returns (code, expiry, terminal existed).

        For a terminal already known the new code replaces any pending one; its
        current key stays valid until the code is used (a replaced disk, say)."""
        now = now or _now()
        code = random_code(ENROLLMENT_CODE_LENGTH)
        expires = now + valid_for
        with self.write() as conn:
            row = conn.execute(select(terminals.c.id, terminals.c.name)
                               .where(terminals.c.id == terminal_id)).first()
            values = {"code_hash": _code_hash(code), "code_expires_at": expires}
            if row is None:
                conn.execute(insert(terminals).values(id=terminal_id, name=name or terminal_id,
                                                      created_at=now, revoked=False, **values))
            else:
                if name:
                    values["name"] = name
                conn.execute(update(terminals).where(terminals.c.id == terminal_id)
                             .values(**values))
        return code, expires, row is not None

    def enroll(self, terminal_id: str, code: str, signing_public_key: str,
               now: datetime | None = None) -> datetime:
        """Binds the key if the code is right, unused and unexpired; the code is then spent."""
        now = now or _now()
        with self.write() as conn:
            row = conn.execute(select(terminals).where(terminals.c.id == terminal_id)).first()
            if (row is None or row.code_hash is None or row.code_expires_at is None
                    or row.code_expires_at <= now
                    or not hmac.compare_digest(row.code_hash, _code_hash(code))):
                raise EnrollmentRefused(terminal_id)
            conn.execute(update(terminals).where(terminals.c.id == terminal_id).values(
                signing_public_key=signing_public_key, enrolled_at=now, code_hash=None,
                code_expires_at=None, revoked=False))
        return now

    def signing_key(self, terminal_id: str) -> str | None:
        """The enrolled, non-revoked terminal's public key (base64), else None."""
        return self._signing_key(self._reader(), terminal_id)

    @staticmethod
    def _signing_key(conn: sqlite3.Connection, terminal_id: str) -> str | None:
        row = conn.execute("SELECT signing_public_key FROM terminals WHERE id = ? AND revoked = 0 "
                           "AND signing_public_key IS NOT NULL", (terminal_id,)).fetchone()
        return row[0] if row else None

    def revoke_terminal(self, terminal_id: str) -> bool:
        with self.write() as conn:
            result = conn.execute(update(terminals).where(terminals.c.id == terminal_id)
                                  .values(revoked=True, code_hash=None, code_expires_at=None))
            return result.rowcount == 1

    def list_terminals(self) -> list[dict[str, Any]]:
        last = (select(heartbeats.c.terminal_id, func.max(heartbeats.c.id).label("id"))
                .group_by(heartbeats.c.terminal_id).subquery())
        query = (select(terminals, heartbeats.c.received_at.label("beat_at"),
                        heartbeats.c.payload.label("beat"))
                 .select_from(terminals.outerjoin(last, last.c.terminal_id == terminals.c.id)
                              .outerjoin(heartbeats, heartbeats.c.id == last.c.id))
                 .order_by(terminals.c.id))
        out = []
        with self.read() as conn:
            for row in conn.execute(query):
                if row.revoked:
                    state = "revoked"
                elif row.signing_public_key:
                    state = "enrolled"
                else:
                    state = "code issued"
                beat = json.loads(row.beat) if row.beat else None
                out.append({
                    "terminal_id": row.id, "name": row.name, "state": state,
                    "enrolled_at": row.enrolled_at, "code_expires_at": row.code_expires_at,
                    "last_heartbeat_at": row.beat_at,
                    "version": beat.get("version") if beat else None,
                    "queue_depth": beat.get("queue_depth") if beat else None,
                    "needs_attention": beat.get("needs_attention") if beat else None,
                })
        return out

    # --- nonces ---------------------------------------------------------------------------

    def use_nonce(self, terminal_id: str, nonce: str, now: datetime | None = None) -> bool:
        """Records a nonce on its own (no key check); False if this terminal used it before."""
        with self._writing() as conn:
            return self._insert_nonce(conn, terminal_id, nonce, now or _now())

    def nonce_used(self, terminal_id: str, nonce: str) -> bool:
        """Whether the nonce was spent (a look before any work; the spend itself decides)."""
        return self._reader().execute("SELECT 1 FROM nonces WHERE terminal_id = ? AND nonce = ?",
                                      (terminal_id, nonce)).fetchone() is not None

    def spend(self, signer: Signer, now: datetime | None = None) -> None:
        """Spends the nonce of a request that writes nothing else (NonceReused, SignerRefused)."""
        if not signer.spent:
            with self._writing(signer, now):
                pass

    def _spend(self, conn: sqlite3.Connection, signer: Signer, now: datetime) -> None:
        key = self._signing_key(conn, signer.terminal_id)
        if key != signer.key:  # revoked, or enrolled anew, since the signature was checked
            raise SignerRefused(revoked=key is None)
        if not self._insert_nonce(conn, signer.terminal_id, signer.nonce, now):
            raise NonceReused(signer.nonce)

    def _insert_nonce(self, conn: sqlite3.Connection, terminal_id: str, nonce: str,
                      now: datetime) -> bool:
        if now.timestamp() - self._last_prune > 60:
            conn.execute("DELETE FROM nonces WHERE created_at < ?", (_stamp(now - NONCE_KEEP),))
            self._last_prune = now.timestamp()
        cur = conn.execute("INSERT INTO nonces (terminal_id, nonce, created_at) VALUES (?, ?, ?) "
                           "ON CONFLICT DO NOTHING", (terminal_id, nonce, _stamp(now)))
        return cur.rowcount == 1

    # --- submissions ----------------------------------------------------------------------

    def stored_answer(self, key: str) -> StoredAnswer | None:
        return self._stored_answer(self._reader(), key)

    @staticmethod
    def _stored_answer(conn: sqlite3.Connection, key: str) -> StoredAnswer | None:
        row = conn.execute("SELECT status, response, request_sha256 FROM idempotency WHERE key = ?",
                           (key,)).fetchone()
        return StoredAnswer(row[0], row[1], row[2]) if row else None

    def record(self, outcomes: Sequence[Accept | Refuse], inline: dict[str, bytes] | None = None,
               now: datetime | None = None, signer: Signer | None = None) -> list[StoredAnswer]:
        """Records the outcomes of one request in one transaction (one fsync for all), each
        as its Idempotency-Key's answer, and returns the answers in the same order.

        An accepted submission gets its case; a lasting refusal is kept. A key answered
        meanwhile (by another request, another process) keeps that answer. `inline`
        attachments (sealed digest -> bytes) are stored as complete uploads in the same
        transaction: their files are written and fsynced first, under their upload locks,
        so an upload of the same digest running meanwhile cannot interleave."""
        now = now or _now()
        inline = inline or {}
        locks = sorted({self._upload_lock_index(d) for d in inline})
        with ExitStack() as held:
            for index in locks:
                held.enter_context(self._upload_locks[index])
            rows = [self._write_whole(digest, data) for digest, data in inline.items()]
            with self._writing(signer, now) as conn:
                at = _stamp(now)
                for digest, size in rows:
                    if size is None:
                        continue  # already complete here
                    conn.execute(
                        "INSERT INTO attachments (sealed_digest, declared_size, received, "
                        "complete, path, created_at, updated_at) VALUES (?, ?, ?, 1, ?, ?, ?) "
                        "ON CONFLICT (sealed_digest) DO UPDATE SET declared_size = "
                        "excluded.declared_size, received = excluded.received, complete = 1, "
                        "updated_at = excluded.updated_at",
                        (digest, size, size, f"{ATTACHMENTS_DIR}/{digest}", at, at))
                return [self._record_one(conn, outcome, now) for outcome in outcomes]

    def _write_whole(self, digest: str, data: bytes) -> tuple[str, int | None]:
        """Writes a whole attachment's file unless it is complete here already; returns
        (digest, size to record) or (digest, None). The caller holds its upload lock."""
        row = self._upload_row(self._reader(), digest)
        if row is not None and row[2]:
            return digest, None
        path = self._file_name(digest)
        created = not os.path.exists(path)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            view = memoryview(data)
            written = 0
            while written < len(view):
                written += os.write(fd, view[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.attachments_dir)
        return digest, len(data)

    def _record_one(self, conn: sqlite3.Connection, outcome: Accept | Refuse,
                    now: datetime) -> StoredAnswer:
        stored = self._stored_answer(conn, outcome.key)
        if stored is not None:
            return stored
        if isinstance(outcome, Refuse):
            conn.execute("INSERT INTO idempotency (key, terminal_id, request_sha256, status, "
                         "response, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                         (outcome.key, outcome.terminal_id, outcome.request_sha256,
                          outcome.status, outcome.body, _stamp(now)))
            return StoredAnswer(outcome.status, outcome.body, outcome.request_sha256)
        return self._accept(conn, outcome.req, outcome.envelope, outcome.request_sha256, now)

    def _accept(self, conn: sqlite3.Connection, req: schemas.SubmissionRequest, envelope: bytes,
                request_sha256: str, now: datetime) -> StoredAnswer:
        """Creates the case and its idempotency record."""
        at = _stamp(now)
        case_no = self._next_case_no(conn, now)
        query_code = self._new_query_code(conn)
        conn.execute(
            "INSERT INTO cases (case_no, query_code, submission_id, terminal_id, receipt_no, "
            "kind, category, purpose, jurisdiction, created_at, received_at, status, envelope, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'received', ?, ?)",
            (case_no, query_code, req.submission_id, req.terminal_id, req.receipt_no, req.kind,
             req.category, req.purpose, req.jurisdiction, _stamp(req.created_at), at,
             envelope, at))
        conn.execute("INSERT INTO case_events (case_no, at, status, note) "
                     "VALUES (?, ?, 'received', NULL)", (case_no, at))
        seen: set[str] = set()
        for ref in req.attachments:
            if ref.sealed_digest in seen:
                continue
            seen.add(ref.sealed_digest)
            conn.execute("INSERT INTO case_attachments (case_no, sealed_digest, role, "
                         "media_type, size) VALUES (?, ?, ?, ?, ?)",
                         (case_no, ref.sealed_digest, ref.role, ref.media_type, ref.size))
        body = schemas.SubmissionAccepted(
            submission_id=req.submission_id, case_no=case_no, query_code=query_code,
            received_at=now).model_dump_json()
        conn.execute("INSERT INTO idempotency (key, terminal_id, request_sha256, status, "
                     "response, created_at) VALUES (?, ?, ?, 201, ?, ?)",
                     (req.submission_id, req.terminal_id, request_sha256, body, at))
        return StoredAnswer(201, body, request_sha256)

    @staticmethod
    def _next_case_no(conn: sqlite3.Connection, now: datetime) -> str:
        day = now.astimezone(CASE_DAY_TZ).strftime("%Y%m%d")
        last = conn.execute("INSERT INTO case_counters (day, last) VALUES (?, 1) ON CONFLICT (day) "
                            "DO UPDATE SET last = last + 1 RETURNING last", (day,)).fetchall()[0][0]
        return f"XF{day}{last:05d}"

    @staticmethod
    def _new_query_code(conn: sqlite3.Connection) -> str:
        while True:  # 31^8 codes: a collision is rare, two in a row rarer still
            code = random_code(QUERY_CODE_LENGTH)
            taken = conn.execute("SELECT 1 FROM cases WHERE query_code = ?", (code,)).fetchone()
            if taken is None:
                return code

    # --- cases ----------------------------------------------------------------------------

    def case_progress(self, query_code: str) -> schemas.CaseProgress | None:
        code = normalize_code(query_code)
        with self.read() as conn:
            row = conn.execute(select(cases.c.case_no, cases.c.query_code, cases.c.kind,
                                      cases.c.status, cases.c.received_at, cases.c.updated_at)
                               .where(cases.c.query_code == code)).first()
            if row is None:
                return None
            events = conn.execute(select(case_events).where(case_events.c.case_no == row.case_no)
                                  .order_by(case_events.c.id)).all()
        return schemas.CaseProgress(
            case_no=row.case_no, query_code=row.query_code, kind=row.kind, status=row.status,
            status_label=schemas.CASE_STATUSES[row.status], received_at=row.received_at,
            updated_at=row.updated_at,
            history=[schemas.CaseEvent(at=e.at, status=e.status,
                                        status_label=schemas.CASE_STATUSES[e.status],
                                        note=e.note) for e in events])

    def set_case_status(self, case_no: str, status: str, note: str | None = None,
                        now: datetime | None = None) -> None:
        if status not in schemas.CASE_STATUSES:
            raise ValueError(status)
        now = now or _now()
        with self.write() as conn:
            result = conn.execute(update(cases).where(cases.c.case_no == case_no)
                                  .values(status=status, updated_at=now))
            if result.rowcount != 1:
                raise NotFound(case_no)
            conn.execute(insert(case_events).values(case_no=case_no, at=now, status=status,
                                                    note=note))

    def list_cases(self) -> list[dict[str, Any]]:
        with self.read() as conn:
            rows = conn.execute(select(
                cases.c.case_no, cases.c.receipt_no, cases.c.submission_id, cases.c.terminal_id,
                cases.c.kind, cases.c.status, cases.c.received_at, cases.c.query_code)
                .order_by(cases.c.received_at, cases.c.case_no)).all()
        return [dict(row._mapping) for row in rows]

    # --- attachments ----------------------------------------------------------------------

    def _file(self, digest: str) -> Path:
        return self.attachments_dir / digest

    def _file_name(self, digest: str) -> str:
        """`_file` as a string: the upload path builds no Path objects."""
        return self._attachments_prefix + digest

    def upload_status(self, digest: str) -> Upload:
        row = self._upload_row(self._reader(), digest)
        return Upload(digest, row[1], bool(row[2])) if row else Upload(digest, 0, False)

    @staticmethod
    def _upload_row(conn: sqlite3.Connection, digest: str) -> tuple[int, int, int] | None:
        """(declared_size, received, complete) of an upload, or None."""
        return conn.execute("SELECT declared_size, received, complete FROM attachments "
                            "WHERE sealed_digest = ?", (digest,)).fetchone()

    def put_chunk(self, digest: str, offset: int, total: int, chunk: bytes,
                  now: datetime | None = None, signer: Signer | None = None) -> Upload:
        """Appends a chunk at `offset` of an upload of `total` bytes (see the module doc).

        With a `signer`, its nonce is spent in the transaction that records the chunk."""
        now = now or _now()
        with self._upload_locks[self._upload_lock_index(digest)]:
            row = self._upload_row(self._reader(), digest)
            if row is not None and row[2]:
                return Upload(digest, row[1], True)  # already here: idempotent
            path = self._file_name(digest)
            if row is not None and row[0] != total:
                # The digest fixes the length: a partial made under another length is junk.
                self._discard(digest, signer)
                row = None
            received = row[1] if row is not None else 0
            if offset != received:
                raise OffsetMismatch(received)
            if offset + len(chunk) > total:
                raise UploadOverrun(offset + len(chunk))
            complete = received + len(chunk) == total
            # A whole upload in one chunk is checked before anything is written.
            whole = complete and received == 0
            if whole and hashlib.sha256(chunk).hexdigest() != digest:
                if row is not None or os.path.exists(path):
                    self._discard(digest, signer)
                raise DigestMismatch(digest)
            created = not os.path.exists(path)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if not created:
                    os.ftruncate(fd, received)  # drops bytes a crash left past the recorded end
                view = memoryview(chunk)
                written = 0
                while written < len(view):
                    written += os.pwrite(fd, view[written:], received + written)
                os.fsync(fd)
            finally:
                os.close(fd)
            if created:
                fsync_dir(self.attachments_dir)
            received += len(chunk)
            if complete and not whole and _file_sha256(path) != digest:
                self._discard(digest, signer)
                raise DigestMismatch(digest)
            at = _stamp(now)
            with self._writing(signer, now) as conn:
                conn.execute(
                    "INSERT INTO attachments (sealed_digest, declared_size, received, complete, "
                    "path, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (sealed_digest) DO UPDATE SET declared_size = excluded.declared_size, "
                    "received = excluded.received, complete = excluded.complete, "
                    "updated_at = excluded.updated_at",
                    (digest, total, received, int(complete), f"{ATTACHMENTS_DIR}/{digest}", at, at))
            return Upload(digest, received, complete)

    def _upload_lock_index(self, digest: str) -> int:
        return int(digest[:8], 16) % len(self._upload_locks)

    def _discard(self, digest: str, signer: Signer | None = None) -> None:
        with self._writing(signer) as conn:
            conn.execute("DELETE FROM attachments WHERE sealed_digest = ?", (digest,))
        self._file(digest).unlink(missing_ok=True)

    def incomplete_attachments(self, digests: Sequence[str]) -> list[str]:
        """The digests, in order and once each, that are not completely uploaded."""
        wanted = list(dict.fromkeys(digests))
        if not wanted:
            return []
        marks = ", ".join("?" * len(wanted))
        done = {r[0] for r in self._reader().execute(
            f"SELECT sealed_digest FROM attachments WHERE sealed_digest IN ({marks}) "
            "AND complete = 1", wanted)}
        return [d for d in wanted if d not in done]

    def attachment_states(self, digests: Sequence[str]) -> dict[str, tuple[int, bool]]:
        """(declared size, complete) of each of the digests the platform has a record of:
        what `incomplete_attachments` and `attachment_sizes` say, in one query."""
        wanted = list(dict.fromkeys(digests))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return {digest: (size, bool(complete)) for digest, size, complete in self._reader().execute(
            f"SELECT sealed_digest, declared_size, complete FROM attachments "
            f"WHERE sealed_digest IN ({marks})", wanted)}

    def attachment_bytes(self, digest: str) -> bytes:
        """The sealed bytes of a completely uploaded attachment."""
        with open(self._file_name(digest), "rb") as fh:
            return fh.read()

    def attachment_sizes(self, digests: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(digests))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return dict(self._reader().execute(
            f"SELECT sealed_digest, declared_size FROM attachments WHERE sealed_digest IN ({marks})",
            wanted).fetchall())

    # --- heartbeats -----------------------------------------------------------------------

    def record_heartbeat(self, terminal_id: str, beat: schemas.Heartbeat,
                         now: datetime | None = None, signer: Signer | None = None) -> datetime:
        now = now or _now()
        with self._writing(signer, now) as conn:
            conn.execute("INSERT INTO heartbeats (terminal_id, received_at, payload) "
                         "VALUES (?, ?, ?)", (terminal_id, _stamp(now), beat.model_dump_json()))
        return now

    # --- content --------------------------------------------------------------------------

    def current_content(self) -> tuple[str, str]:
        """(TerminalContent JSON, ETag) of the newest version."""
        with self.read() as conn:
            row = conn.execute(select(content.c.body, content.c.etag)
                               .order_by(content.c.version.desc()).limit(1)).one()
        return row.body, row.etag

    def set_content(self, data: dict[str, Any], now: datetime | None = None) -> tuple[int, str]:
        """Publishes new content (its `version` is assigned here); returns (version, ETag)."""
        with self.write() as conn:
            return self._insert_content(conn, data, now or _now())

    @staticmethod
    def _insert_content(conn: Connection, data: dict[str, Any],
                        now: datetime) -> tuple[int, str]:
        last = conn.execute(select(func.max(content.c.version))).scalar_one_or_none() or 0
        doc = schemas.TerminalContent.model_validate({**data, "version": last + 1})
        body = doc.model_dump_json()
        etag = content_etag(doc.version, body)
        conn.execute(insert(content).values(version=doc.version, body=body, etag=etag,
                                            created_at=now))
        return doc.version, etag


def _file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
