"""The outbox: confirmed submissions, kept durably until the platform has them.

Layout of a data directory::

    kiosk.db                                   the SQLite database (WAL)
    attachments/.lock                          flock: confirms share it, the sweep takes it alone
    attachments/.tmp/                          files being written
    attachments/<submission_id>/<sealed_digest>

A confirm writes and fsyncs the attachment files first, then commits one
transaction with the submission and its attachment rows. A crash before the
commit leaves only files nobody refers to; the next `Outbox.open` sweeps them.
A crash after the commit loses nothing. The receipt is returned only after the
commit, so nothing a citizen was shown a receipt for can be missing.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, bindparam, func, insert, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from durable import fsync_dir, make_dir, write_file

from . import recovery
from .db import migrate, open_engine, write_transaction
from .errors import DamagedAttachment, NotFoundError, StoreError, TransitionError
from .models import STATES, attachments, delivery_counts, submissions
from .receipt import format_receipt_no, new_receipt_no, parse_receipt_no

log = logging.getLogger(__name__)

DB_NAME = "kiosk.db"
ATTACHMENTS_DIR = "attachments"
TMP_DIR = ".tmp"
LOCK_NAME = ".lock"

_HEX64 = re.compile(r"[0-9a-f]{64}")
_MAX_ERROR_CHARS = 2000
_RECEIPT_TRIES = 20
_CHUNK = 500  # stays well under SQLite's limit on bound parameters

T = TypeVar("T")


# --- what goes in and what comes out -------------------------------------------------------


@dataclass(frozen=True)
class SealedAttachment:
    role: str  # e.g. "id_proof", "evidence"
    media_type: str
    digest: str  # sha256 hex of the plaintext, computed by the caller before sealing
    sealed: bytes


@dataclass(frozen=True)
class NewSubmission:
    submission_id: str  # canonical lowercase UUID; the idempotency key forever
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    envelope: bytes  # sealed by the caller
    receipt_fields: dict  # masked, non-sensitive: what the receipt screen shows
    attachments: list[SealedAttachment] = field(default_factory=list)


@dataclass(frozen=True)
class Receipt:
    submission_id: str
    receipt_no: str  # ten bare digits; see `display_no`
    created_at: datetime
    receipt_fields: dict

    @property
    def display_no(self) -> str:
        return format_receipt_no(self.receipt_no)


@dataclass(frozen=True)
class StoredAttachment:
    role: str
    media_type: str
    size: int  # of the sealed bytes
    digest: str
    sealed_digest: str
    path: Path


@dataclass(frozen=True)
class Claimed:
    """An outbox item the sync worker now owns, in state `sending`."""

    submission_id: str
    receipt_no: str
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    envelope: bytes
    attempts: int  # including this one
    attachments: list[StoredAttachment]


@dataclass(frozen=True)
class Settlement:
    """What became of one claimed item, for `Outbox.settle` (see its constructors)."""

    submission_id: str
    state: str  # "delivered", "queued" (retry or release) or "needs_attention"
    case_no: str | None = None
    query_code: str | None = None
    at: datetime | None = None  # delivered_at, or when a queued item is due again
    error: str | None = None
    attempted: bool = True  # False: handed back unsent, the claim's attempt does not count

    @classmethod
    def delivered(cls, submission_id: str, case_no: str, query_code: str,
                  at: datetime | None = None) -> Settlement:
        if not case_no:
            raise ValueError("case_no is required")
        return cls(submission_id, "delivered", case_no, query_code, _aware(at, "at"))

    @classmethod
    def retry(cls, submission_id: str, error: str, next_attempt_at: datetime) -> Settlement:
        return cls(submission_id, "queued", at=_aware(next_attempt_at, "next_attempt_at"),
                   error=error[:_MAX_ERROR_CHARS])

    @classmethod
    def needs_attention(cls, submission_id: str, reason: str) -> Settlement:
        return cls(submission_id, "needs_attention", error=reason[:_MAX_ERROR_CHARS])

    @classmethod
    def release(cls, submission_id: str, next_attempt_at: datetime | None = None) -> Settlement:
        """Claimed but never sent (the queue is held, or the worker stops)."""
        return cls(submission_id, "queued", at=_aware(next_attempt_at, "next_attempt_at"),
                   attempted=False)


@dataclass(frozen=True)
class SubmissionInfo:
    """What the store knows about a submission, without its envelope."""

    submission_id: str
    receipt_no: str
    kind: str
    category: str
    purpose: str | None
    terminal_id: str
    jurisdiction: str
    created_at: datetime
    state: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    case_no: str | None
    query_code: str | None
    delivered_at: datetime | None
    updated_at: datetime
    receipt_fields: dict

    @property
    def display_no(self) -> str:
        return format_receipt_no(self.receipt_no)


@dataclass(frozen=True)
class OutboxStatus:
    counts: dict[str, int]  # every state, zero when none
    oldest_queued_age: timedelta | None  # of the oldest item not yet delivered (queued/sending)
    last_error: str | None  # the most recent error of an item still waiting
    total: int


# --- helpers -------------------------------------------------------------------------------


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime | None, name: str) -> datetime:
    if value is None:
        return _utcnow()
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")
    return value.astimezone(UTC)


def _store_errors(method: Callable[..., T]) -> Callable[..., T]:
    """Disk and database failures outside confirm surface as StoreError (generic message)."""

    @wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> T:
        try:
            return method(*args, **kwargs)
        except DBAPIError as exc:
            raise StoreError.from_exception(exc, method.__name__, confirming=False) from exc.orig
        except OSError as exc:
            raise StoreError.from_exception(exc, method.__name__, confirming=False) from exc

    return wrapper


def _info(row: Any) -> SubmissionInfo:
    return SubmissionInfo(
        submission_id=row.id,
        receipt_no=row.receipt_no,
        kind=row.kind,
        category=row.category,
        purpose=row.purpose,
        terminal_id=row.terminal_id,
        jurisdiction=row.jurisdiction,
        created_at=row.created_at,
        state=row.state,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_error=row.last_error,
        case_no=row.case_no,
        query_code=row.query_code,
        delivered_at=row.delivered_at,
        updated_at=row.updated_at,
        receipt_fields=row.receipt_fields,
    )


_INFO_COLUMNS = [c for c in submissions.c if c.name != "envelope"]

# Built once: confirm is on the citizen's critical path, and building statements per call
# costs more than the commit itself on a fast disk.
_RECEIPT_BY_ID = select(
    submissions.c.receipt_no, submissions.c.created_at, submissions.c.receipt_fields
).where(submissions.c.id == bindparam("sid"))
_SAME_ID_OR_NUMBER = select(
    submissions.c.id, submissions.c.receipt_no, submissions.c.created_at, submissions.c.receipt_fields
).where((submissions.c.id == bindparam("sid")) | (submissions.c.receipt_no == bindparam("no")))
_INSERT_SUBMISSION = insert(submissions)
_INSERT_ATTACHMENT = insert(attachments)


# The sync worker's batch statements (claim several items, settle several outcomes).
_CLAIMABLE = (
    select(submissions)
    .where(submissions.c.state == "queued", submissions.c.next_attempt_at <= bindparam("now"))
    .order_by(submissions.c.created_at, submissions.c.id)
    .limit(bindparam("limit"))
)
_MARK_SENDING = (
    update(submissions)
    .where(submissions.c.id.in_(bindparam("ids", expanding=True)))
    .values(state="sending", attempts=submissions.c.attempts + 1, updated_at=bindparam("now"))
)
_ATTACHMENTS_OF = (
    select(attachments)
    .where(attachments.c.submission_id.in_(bindparam("ids", expanding=True)))
    .order_by(attachments.c.id)
)
_STATES_OF = select(submissions.c.id, submissions.c.state, submissions.c.case_no).where(
    submissions.c.id.in_(bindparam("ids", expanding=True))
)
_BY_BATCH_ID = submissions.c.id == bindparam("b_id")
_SETTLE_DELIVERED = update(submissions).where(_BY_BATCH_ID).values(
    state="delivered", case_no=bindparam("b_case_no"), query_code=bindparam("b_query_code"),
    delivered_at=bindparam("b_at"), last_error=None, updated_at=bindparam("b_now"))
_SETTLE_RETRY = update(submissions).where(_BY_BATCH_ID).values(
    state="queued", last_error=bindparam("b_error"), next_attempt_at=bindparam("b_at"),
    updated_at=bindparam("b_now"))
_SETTLE_RELEASE = update(submissions).where(_BY_BATCH_ID).values(
    state="queued", attempts=submissions.c.attempts - 1, next_attempt_at=bindparam("b_at"),
    updated_at=bindparam("b_now"))
_SETTLE_ATTENTION = update(submissions).where(_BY_BATCH_ID).values(
    state="needs_attention", last_error=bindparam("b_error"), updated_at=bindparam("b_now"))


# --- the outbox ----------------------------------------------------------------------------


class Outbox:
    """The local store on one data directory; safe to use from several threads and processes."""

    # Where fresh receipt numbers come from (random); a subclass may draw them elsewhere.
    receipt_numbers: Callable[[], str] = staticmethod(new_receipt_no)

    def __init__(self, data_dir: Path, engine: Engine) -> None:
        # Use Outbox.open(): it prepares the directory and the schema first.
        self.data_dir = data_dir
        self.db_path = data_dir / DB_NAME
        self.attachments_dir = data_dir / ATTACHMENTS_DIR
        self.tmp_dir = self.attachments_dir / TMP_DIR
        self._lock_path = self.attachments_dir / LOCK_NAME
        self.engine = engine
        self._db_inode = self._inode()

    def _inode(self) -> int | None:
        try:
            return os.stat(self.db_path).st_ino
        except FileNotFoundError:
            return None

    def replaced(self) -> bool:
        """Whether the database file at our path is no longer the one this store opened:
        another process found it damaged and moved it aside."""
        return self._inode() != self._db_inode

    def current(self) -> Outbox:
        """This store, or (closing this one) a fresh one on the same data directory when
        another process moved a damaged database aside. Long-lived holders call it
        before each use, so nothing is written into a database set aside."""
        if not self.replaced():
            return self
        log.warning("the database was moved aside by another process; reopening")
        self.close()
        return type(self).open(self.data_dir)

    @classmethod
    def open(cls, data_dir: Path) -> Outbox:
        """Create the directories, migrate the database to head, sweep orphans."""
        data_dir = Path(data_dir).absolute()
        try:
            make_dir(data_dir)
            with recovery.open_lock(data_dir):
                # A damaged database is moved aside whole, so the kiosk keeps serving.
                recovery.open_checked(data_dir)
                # Made 0600 before SQLite opens it, whatever the umask: its WAL and
                # shared-memory files take the database's mode.
                os.close(os.open(data_dir / DB_NAME, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC,
                                 0o600))
                make_dir(data_dir / ATTACHMENTS_DIR / TMP_DIR)
                migrate(data_dir / DB_NAME)
        except (OSError, DBAPIError) as exc:
            raise StoreError.from_exception(exc, "open", confirming=False) from exc
        outbox = cls(data_dir, open_engine(data_dir / DB_NAME))
        try:
            outbox.sweep_orphans()
        except BaseException:
            outbox.close()
            raise
        return outbox

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- confirm ---------------------------------------------------------------------------

    def confirm(self, new: NewSubmission) -> Receipt:
        """Store a confirmed submission durably and return its receipt.

        Idempotent on `submission_id`: confirming the same id again returns the
        first receipt and writes nothing. Raises StoreError (after removing
        whatever this call wrote) when the disk or the commit fails, so a retry
        with the same NewSubmission is always safe.
        """
        fields = _validate(new)
        if new.attachments:
            # A repeat should not rewrite files; without files the transaction's own check
            # suffices and saves a round trip on the common path.
            try:
                existing = self._receipt_of(new.submission_id)
            except DBAPIError as exc:
                raise StoreError.from_exception(exc, "confirm: read") from exc.orig
            if existing is not None:
                return existing

        with ExitStack() as stack:
            try:
                # Shared: confirms run side by side; only the sweep needs the lock alone.
                stack.enter_context(self._attachment_lock(exclusive=False, blocking=True))
            except OSError as exc:
                raise StoreError.from_exception(exc, "confirm: lock") from exc
            return self._write_and_commit(new, fields)

    def _write_and_commit(self, new: NewSubmission, fields: dict) -> Receipt:
        written: list[Path] = []
        try:
            rows = self._write_attachments(new, self.attachments_dir / new.submission_id, written)
        except OSError as exc:
            self._discard(new.submission_id, written)
            raise StoreError.from_exception(exc, "confirm: write attachment") from exc
        try:
            receipt, inserted = self._insert(new, fields, rows)
        except DBAPIError as exc:
            # A failed COMMIT normally means nothing was committed; check before deleting.
            committed = self._receipt_of_quietly(new.submission_id)
            self._discard(new.submission_id, written)  # keeps whatever a committed row uses
            if committed is not None:
                return committed
            raise StoreError.from_exception(exc, "confirm: commit") from exc.orig
        except BaseException:
            self._discard(new.submission_id, written)
            raise
        if not inserted:
            # Another confirm of the same id committed first; keep only its files.
            self._discard(new.submission_id, written)
        return receipt

    def _write_attachments(
        self, new: NewSubmission, sub_dir: Path, written: list[Path]
    ) -> list[dict[str, Any]]:
        if not new.attachments:
            return []
        created = not sub_dir.is_dir()
        if created:
            sub_dir.mkdir(mode=0o700, exist_ok=True)
            written.append(sub_dir)
        rows = []
        for att in new.attachments:
            sealed = bytes(att.sealed)
            sealed_digest = hashlib.sha256(sealed).hexdigest()
            final = sub_dir / sealed_digest
            # The temporary file lives in tmp/, which the orphan sweep cleans after a crash.
            write_file(final, sealed, temp_dir=self.tmp_dir, sync_directory=False)
            written.append(final)
            rows.append(
                {
                    "role": att.role,
                    "media_type": att.media_type,
                    "size": len(sealed),
                    "digest": att.digest,
                    "sealed_digest": sealed_digest,
                    "file_name": f"{new.submission_id}/{sealed_digest}",
                }
            )
        # The renames are durable only once the directory itself is synced.
        fsync_dir(sub_dir)
        if created:
            fsync_dir(self.attachments_dir)
        return rows

    def _insert(
        self, new: NewSubmission, fields: dict, rows: list[dict[str, Any]]
    ) -> tuple[Receipt, bool]:
        now = _utcnow()
        with write_transaction(self.engine) as conn:
            # One query answers both "confirmed already?" and "is this number taken?";
            # inside the write transaction no other writer can change either answer.
            for _ in range(_RECEIPT_TRIES):
                receipt_no = self.receipt_numbers()
                rows_found = conn.execute(
                    _SAME_ID_OR_NUMBER, {"sid": new.submission_id, "no": receipt_no}
                ).all()
                for row in rows_found:
                    if row.id == new.submission_id:
                        receipt = Receipt(
                            row.id, row.receipt_no, row.created_at, row.receipt_fields
                        )
                        return receipt, False
                if not rows_found:
                    break
            else:
                raise StoreError("no free receipt number")
            created_at = new.created_at.astimezone(UTC)
            conn.execute(
                _INSERT_SUBMISSION,
                {
                    "id": new.submission_id,
                    "receipt_no": receipt_no,
                    "kind": new.kind,
                    "category": new.category,
                    "purpose": new.purpose,
                    "terminal_id": new.terminal_id,
                    "jurisdiction": new.jurisdiction,
                    "created_at": created_at,
                    "envelope": bytes(new.envelope),
                    "receipt_fields": fields,
                    "state": "queued",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "updated_at": now,
                },
            )
            if rows:
                conn.execute(
                    _INSERT_ATTACHMENT, [{"submission_id": new.submission_id, **r} for r in rows]
                )
        return Receipt(new.submission_id, receipt_no, created_at, fields), True

    def _receipt_of(self, submission_id: str) -> Receipt | None:
        with self.engine.connect() as conn:
            row = conn.execute(_RECEIPT_BY_ID, {"sid": submission_id}).first()
        if row is None:
            return None
        return Receipt(submission_id, row.receipt_no, row.created_at, row.receipt_fields)

    def _receipt_of_quietly(self, submission_id: str) -> Receipt | None:
        try:
            return self._receipt_of(submission_id)
        except DBAPIError:
            return None

    def _discard(self, submission_id: str, written: list[Path]) -> None:
        """Remove what a failed confirm wrote, but never a file a committed row refers to."""
        try:
            with self.engine.connect() as conn:
                keep: set[str] | None = set(
                    conn.execute(
                        select(attachments.c.file_name).where(
                            attachments.c.submission_id == submission_id
                        )
                    ).scalars()
                )
        except DBAPIError:
            keep = None  # cannot tell: leave final files to the next sweep
        dirs = []
        for path in reversed(written):
            try:
                if path.parent == self.tmp_dir:
                    path.unlink(missing_ok=True)
                elif keep is None:
                    continue
                elif path.parent == self.attachments_dir:
                    dirs.append(path)
                elif f"{path.parent.name}/{path.name}" not in keep:
                    path.unlink(missing_ok=True)
            except OSError:
                pass  # the next sweep will take it
        for path in dirs:
            try:
                path.rmdir()  # fails, rightly, while anything is left in it
            except OSError:
                pass

    # --- orphans ---------------------------------------------------------------------------

    @contextmanager
    def _attachment_lock(self, *, exclusive: bool, blocking: bool) -> Iterator[bool]:
        # A descriptor of its own each time: flock on one shared descriptor would let a
        # sweep in this process convert a confirm's shared lock instead of waiting for it.
        fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            try:
                fcntl.flock(fd, mode if blocking else mode | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)

    @_store_errors
    def sweep_orphans(self) -> int | None:
        """Delete temp files and attachment files no live row refers to.

        Returns how many files and directories went, or None when a confirm is
        writing right now (the sweep is then skipped, not waited for).
        """
        with self._attachment_lock(exclusive=True, blocking=False) as held:
            if not held:
                return None
            # Read the references only now: no confirm can add one while we hold the lock.
            with self.engine.connect() as conn:
                referenced = set(
                    conn.execute(
                        select(attachments.c.file_name)
                        .join(submissions, submissions.c.id == attachments.c.submission_id)
                        .where(submissions.c.state != "purged")
                    ).scalars()
                )
            removed = 0
            with os.scandir(self.tmp_dir) as entries:
                for entry in entries:
                    removed += _remove_entry(entry)
            with os.scandir(self.attachments_dir) as entries:
                for entry in entries:
                    if entry.name in (TMP_DIR, LOCK_NAME):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        removed += _sweep_submission_dir(Path(entry.path), referenced)
                    else:
                        removed += _remove_entry(entry)
            if removed:
                fsync_dir(self.tmp_dir)
                fsync_dir(self.attachments_dir)
            return removed

    # --- the sync worker's state machine --------------------------------------------------

    def claim_next(self, now: datetime | None = None) -> Claimed | None:
        """Move the oldest due queued item to `sending` and hand it over, or None."""
        batch = self.claim_batch(1, now)
        return batch[0] if batch else None

    @_store_errors
    def claim_batch(self, limit: int, now: datetime | None = None) -> list[Claimed]:
        """Up to `limit` of the oldest due queued items, moved to `sending` in one transaction.

        The worker owns them until it settles them; a worker that dies first leaves them
        in `sending`, which `requeue_stale_sending` puts back in the queue on the next
        start, so they are sent again (the submission id makes that safe)."""
        now = _aware(now, "now")
        with write_transaction(self.engine) as conn:
            rows = conn.execute(_CLAIMABLE, {"now": now, "limit": max(1, limit)}).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            conn.execute(_MARK_SENDING, {"ids": ids, "now": now})
            files: dict[str, list[StoredAttachment]] = {sid: [] for sid in ids}
            for a in conn.execute(_ATTACHMENTS_OF, {"ids": ids}):
                files[a.submission_id].append(self._stored(a))
        return [
            Claimed(
                submission_id=row.id,
                receipt_no=row.receipt_no,
                kind=row.kind,
                category=row.category,
                purpose=row.purpose,
                terminal_id=row.terminal_id,
                jurisdiction=row.jurisdiction,
                created_at=row.created_at,
                envelope=row.envelope,
                attempts=row.attempts + 1,
                attachments=files[row.id],
            )
            for row in rows
        ]

    @_store_errors
    def settle(self, settlements: list[Settlement]) -> list[str]:
        """Records what became of several claimed items in one transaction.

        The same rules as `mark_delivered`, `mark_retry` and `mark_needs_attention`
        hold for each; an item no longer in a state that allows its change is left
        as it is, and its id is returned."""
        if not settlements:
            return []
        now = _utcnow()
        skipped: list[str] = []
        with write_transaction(self.engine) as conn:
            current = {
                row.id: row
                for start in range(0, len(settlements), _CHUNK)
                for row in conn.execute(
                    _STATES_OF, {"ids": [x.submission_id for x in settlements[start:start + _CHUNK]]}
                )
            }
            delivered, retried, released, attention = [], [], [], []
            for x in settlements:
                row = current.get(x.submission_id)
                if x.state == "delivered":
                    if row is not None and row.state in ("delivered", "purged") \
                            and row.case_no == x.case_no:
                        continue  # already recorded: a repeat is a no-op
                    allowed: tuple[str, ...] = ("sending", "queued")
                    target = delivered
                    params = {"b_case_no": x.case_no, "b_query_code": x.query_code,
                              "b_at": x.at}
                elif x.state == "needs_attention":
                    allowed, target, params = ("sending", "queued"), attention, {"b_error": x.error}
                elif x.attempted:
                    allowed, target = ("sending",), retried
                    params = {"b_error": x.error, "b_at": x.at}
                else:
                    allowed, target, params = ("sending",), released, {"b_at": x.at}
                if row is None or row.state not in allowed:
                    skipped.append(x.submission_id)
                    continue
                target.append({"b_id": x.submission_id, "b_now": now, **params})
            for statement, rows in ((_SETTLE_DELIVERED, delivered), (_SETTLE_RETRY, retried),
                                    (_SETTLE_RELEASE, released),
                                    (_SETTLE_ATTENTION, attention)):
                if rows:
                    conn.execute(statement, rows)
        return skipped

    def read_claimed(self, attachment: StoredAttachment) -> bytes:
        """The sealed bytes of an attachment of a claimed item, checked against their digest
        (no database read: a claimed item cannot be purged meanwhile)."""
        try:
            data = attachment.path.read_bytes()
        except FileNotFoundError as exc:
            raise DamagedAttachment(f"attachment file missing: {attachment.path.parent.name}/"
                                    f"{attachment.path.name}") from exc
        except OSError as exc:  # e.g. too many open files: may pass
            raise StoreError.from_exception(exc, "read attachment", confirming=False) from exc
        if hashlib.sha256(data).hexdigest() != attachment.sealed_digest:
            raise DamagedAttachment(f"attachment file damaged: {attachment.path.parent.name}/"
                                    f"{attachment.path.name}")
        return data

    def _stored(self, a: Any) -> StoredAttachment:
        return StoredAttachment(
            role=a.role,
            media_type=a.media_type,
            size=a.size,
            digest=a.digest,
            sealed_digest=a.sealed_digest,
            path=self.attachments_dir / a.file_name,
        )

    def _transition(
        self,
        submission_id: str,
        allowed: tuple[str, ...],
        values: dict[str, Any],
        *,
        already: Callable[[Any], bool] = lambda row: False,
    ) -> None:
        with write_transaction(self.engine) as conn:
            row = conn.execute(
                select(submissions.c.state, submissions.c.case_no).where(
                    submissions.c.id == submission_id
                )
            ).first()
            if row is None:
                raise NotFoundError(submission_id)
            if already(row):
                return
            if row.state not in allowed:
                raise TransitionError(f"{submission_id} is {row.state}")
            conn.execute(
                update(submissions).where(submissions.c.id == submission_id).values(**values)
            )

    @_store_errors
    def mark_delivered(
        self, submission_id: str, case_no: str, query_code: str, at: datetime | None = None
    ) -> None:
        """The platform accepted it. Repeating this with the same case number is a no-op."""
        if not case_no:
            raise ValueError("case_no is required")
        at = _aware(at, "at")
        self._transition(
            submission_id,
            # queued too: a worker presumed dead may still finish its send.
            ("sending", "queued"),
            {
                "state": "delivered",
                "case_no": case_no,
                "query_code": query_code,
                "delivered_at": at,
                "last_error": None,
                "updated_at": _utcnow(),
            },
            already=lambda row: row.state in ("delivered", "purged") and row.case_no == case_no,
        )

    @_store_errors
    def mark_retry(self, submission_id: str, error: str, next_attempt_at: datetime) -> None:
        """Sending failed for now; back to the queue, due again at `next_attempt_at`."""
        self._transition(
            submission_id,
            ("sending",),
            {
                "state": "queued",
                "last_error": error[:_MAX_ERROR_CHARS],
                "next_attempt_at": _aware(next_attempt_at, "next_attempt_at"),
                "updated_at": _utcnow(),
            },
        )

    @_store_errors
    def mark_needs_attention(self, submission_id: str, reason: str) -> None:
        """A permanent refusal: out of the queue until a technician retries it."""
        self._transition(
            submission_id,
            ("sending", "queued"),
            {
                "state": "needs_attention",
                "last_error": reason[:_MAX_ERROR_CHARS],
                "updated_at": _utcnow(),
            },
        )

    @_store_errors
    def retry_needs_attention(self, submission_id: str) -> None:
        """A technician sends it back to the queue, due now."""
        now = _utcnow()
        self._transition(
            submission_id,
            ("needs_attention",),
            {"state": "queued", "next_attempt_at": now, "updated_at": now},
        )

    @_store_errors
    def set_aside(self, submission_id: str, reason: str) -> None:
        """A technician puts a needs-attention item aside, with a reason: it leaves the
        list that needs attention, is never sent or purged, and keeps its envelope."""
        if not reason.strip():
            raise ValueError("a reason is required")
        self._transition(
            submission_id,
            ("needs_attention",),
            {"state": "set_aside", "set_aside_reason": reason[:_MAX_ERROR_CHARS],
             "updated_at": _utcnow()},
        )

    @_store_errors
    def requeue_stale_sending(self) -> int:
        """Items a dead worker left in `sending` go back to the queue; call on worker start."""
        with write_transaction(self.engine) as conn:
            result = conn.execute(
                update(submissions)
                .where(submissions.c.state == "sending")
                .values(state="queued", updated_at=_utcnow())
            )
            return result.rowcount

    @_store_errors
    def next_due_at(self) -> datetime | None:
        """When the earliest queued item is due (maybe in the past), or None if none is queued."""
        with self.engine.connect() as conn:
            return conn.execute(
                select(func.min(submissions.c.next_attempt_at)).where(
                    submissions.c.state == "queued"
                )
            ).scalar()

    @_store_errors
    def read_attachment(self, submission_id: str, digest: str) -> bytes:
        """The sealed bytes of one attachment, checked against their digest."""
        with self.engine.connect() as conn:
            row = conn.execute(
                select(attachments.c.file_name, attachments.c.sealed_digest)
                .join(submissions, submissions.c.id == attachments.c.submission_id)
                .where(
                    attachments.c.submission_id == submission_id,
                    attachments.c.digest == digest,
                    submissions.c.state != "purged",
                )
            ).first()
        if row is None:
            raise NotFoundError(f"{submission_id}/{digest}")
        try:
            data = (self.attachments_dir / row.file_name).read_bytes()
        except FileNotFoundError as exc:
            raise DamagedAttachment(f"attachment file missing: {row.file_name}") from exc
        except OSError as exc:  # e.g. too many open files: may pass
            raise StoreError.from_exception(exc, "read attachment", confirming=False) from exc
        if hashlib.sha256(data).hexdigest() != row.sealed_digest:
            raise DamagedAttachment(f"attachment file damaged: {row.file_name}")
        return data

    # --- looking things up -----------------------------------------------------------------

    @_store_errors
    def status(self, now: datetime | None = None) -> OutboxStatus:
        now = _aware(now, "now")
        waiting = submissions.c.state.in_(("queued", "sending"))
        with self.engine.connect() as conn:
            counts = dict.fromkeys(STATES, 0)
            for state, n in conn.execute(
                select(submissions.c.state, func.count()).group_by(submissions.c.state)
            ):
                counts[state] = n
            oldest = conn.execute(
                select(func.min(submissions.c.created_at)).where(waiting)
            ).scalar()
            last_error = conn.execute(
                select(submissions.c.last_error)
                .where(
                    submissions.c.last_error.is_not(None),
                    submissions.c.state.in_(("queued", "sending", "needs_attention")),
                )
                .order_by(submissions.c.updated_at.desc())
                .limit(1)
            ).scalar()
        age = None if oldest is None else max(now - oldest, timedelta(0))
        return OutboxStatus(
            counts=counts, oldest_queued_age=age, last_error=last_error, total=sum(counts.values())
        )

    @_store_errors
    def find_by_receipt(self, receipt_no: str) -> SubmissionInfo | None:
        """Look a submission up by its receipt number, as typed (spaces, full-width digits)."""
        bare = parse_receipt_no(receipt_no)
        if bare is None:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_INFO_COLUMNS).where(submissions.c.receipt_no == bare)
            ).first()
        return None if row is None else _info(row)

    @_store_errors
    def get(self, submission_id: str) -> SubmissionInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(*_INFO_COLUMNS).where(submissions.c.id == submission_id)
            ).first()
        return None if row is None else _info(row)

    @_store_errors
    def items(self, state: str | None = None, limit: int = 100) -> list[SubmissionInfo]:
        """Submissions, newest first, optionally in one state (e.g. for the technician)."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown state {state!r}")
        query = select(*_INFO_COLUMNS).order_by(submissions.c.created_at.desc()).limit(limit)
        if state is not None:
            query = query.where(submissions.c.state == state)
        with self.engine.connect() as conn:
            return [_info(row) for row in conn.execute(query)]

    # --- retention -------------------------------------------------------------------------

    @_store_errors
    def purge_delivered(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Drop envelopes and files of items delivered more than `older_than` ago.

        The rows stay as `purged` with receipt number, case number and query code,
        so a later progress query still works; their masked receipt fields go too.
        Delivery counts per day and kind are added in the same transaction.
        """
        now = _aware(now, "now")
        cutoff = now - older_than
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                select(submissions.c.id, submissions.c.kind, submissions.c.delivered_at).where(
                    submissions.c.state == "delivered", submissions.c.delivered_at < cutoff
                )
            ).all()
            if not rows:
                return 0
            ids = [r.id for r in rows]
            file_names: list[str] = []
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                conn.execute(
                    update(submissions)
                    .where(submissions.c.id.in_(chunk))
                    .values(state="purged", envelope=None, receipt_fields={}, updated_at=now)
                )
                file_names += conn.execute(
                    select(attachments.c.file_name).where(attachments.c.submission_id.in_(chunk))
                ).scalars()
            per_day = Counter((r.delivered_at.date(), r.kind) for r in rows)
            for (day, kind), n in per_day.items():
                stmt = sqlite_insert(delivery_counts).values(day=day, kind=kind, delivered=n)
                conn.execute(
                    stmt.on_conflict_do_update(
                        index_elements=[delivery_counts.c.day, delivery_counts.c.kind],
                        set_={"delivered": delivery_counts.c.delivered + stmt.excluded.delivered},
                    )
                )
        # After the commit: a crash here leaves unreferenced files, which the sweep removes.
        for name in file_names:
            try:
                (self.attachments_dir / name).unlink(missing_ok=True)
            except OSError:
                pass
        for sid in ids:
            try:
                (self.attachments_dir / sid).rmdir()
            except OSError:
                pass
        return len(ids)

    @_store_errors
    def delivery_counts(self) -> dict[tuple[date, str], int]:
        """Deliveries per UTC day and kind, purged or not: purging never changes these."""
        with self.engine.connect() as conn:
            totals: Counter[tuple[date, str]] = Counter()
            for row in conn.execute(select(delivery_counts)):
                totals[(row.day, row.kind)] += row.delivered
            for row in conn.execute(
                select(submissions.c.kind, submissions.c.delivered_at).where(
                    submissions.c.state == "delivered"
                )
            ):
                totals[(row.delivered_at.date(), row.kind)] += 1
        return dict(totals)


def _sweep_submission_dir(path: Path, referenced: set[str]) -> int:
    # A purge in another process may remove files or the whole directory meanwhile.
    kept = dropped = 0
    try:
        with os.scandir(path) as items:
            for item in items:
                if f"{path.name}/{item.name}" in referenced and item.is_file(
                    follow_symlinks=False
                ):
                    kept += 1
                else:
                    dropped += _remove_entry(item)
    except FileNotFoundError:
        return dropped
    if kept:
        if dropped:
            fsync_dir(path)
        return dropped
    try:
        path.rmdir()
    except FileNotFoundError:
        return dropped
    return dropped + 1


def _remove_entry(entry: os.DirEntry) -> int:
    try:
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    except FileNotFoundError:
        return 0
    return 1


def _validate(new: NewSubmission) -> dict:
    """Reject malformed input before anything is written; returns the receipt fields as stored."""
    try:
        canonical = str(uuid.UUID(new.submission_id))
    except (ValueError, TypeError, AttributeError):
        canonical = None
    # The id also names a directory, so only the canonical form is accepted.
    if canonical != new.submission_id:
        raise ValueError("submission_id must be a lowercase canonical UUID")
    for name in ("kind", "category", "terminal_id", "jurisdiction"):
        value = getattr(new, name)
        if not isinstance(value, str) or not value:
            raise ValueError(f"{name} is required")
    _aware(new.created_at, "created_at")
    if not isinstance(new.envelope, bytes | bytearray | memoryview) or not len(new.envelope):
        raise ValueError("envelope must be non-empty bytes")
    if not isinstance(new.receipt_fields, dict):
        raise ValueError("receipt_fields must be a dict")
    try:
        # What comes back from the database later, so a repeat confirm returns the same.
        fields = json.loads(json.dumps(new.receipt_fields, ensure_ascii=False))
    except (TypeError, ValueError) as exc:
        raise ValueError("receipt_fields must be JSON-serialisable") from exc
    seen = set()
    for att in new.attachments:
        if not _HEX64.fullmatch(att.digest or ""):
            raise ValueError("attachment digest must be lowercase sha256 hex")
        if att.digest in seen:
            raise ValueError("the same attachment twice")
        seen.add(att.digest)
        if not att.role or not att.media_type:
            raise ValueError("attachment role and media_type are required")
        if not isinstance(att.sealed, bytes | bytearray | memoryview) or not len(att.sealed):
            raise ValueError("attachment sealed bytes must be non-empty")
    return fields
