"""The outbox: confirmed submissions kept durably until the platform has them.

One `Outbox` per data directory and process; several processes (the UI, the sync
worker, the CLI) share the database. Its parts, by concern:

- `files.py` — the data directory's layout and the sealed attachment files;
- `intake.py` — how a submission enters: a confirm, a restore;
- `states.py` — the states and the one table of changes between them, which every
  state change here checks;
- `queries.py` — what the outbox answers without changing anything;
- this module — opening, the state machine's changes, retention, and the methods
  everything else calls.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from wire.durable import make_dir

from . import damage, intake, queries, settling, states
from .db import migrate, open_engine, write_transaction
from .errors import NotFoundError, StoreError
from .files import ATTACHMENTS_DIR, DB_NAME, AttachmentFiles, create_database_file
from .followups import FollowUps
from .models import attachments, delivery_counts, submissions
from .receipt import new_receipt_no, parse_receipt_no
from .records import (
    MAX_REASON_CHARS,
    MAX_RETRY_DELAY,
    Claimed,
    NewSubmission,
    OutboxStatus,
    Receipt,
    RecoveredSubmission,
    Settlement,
    StoredAttachment,
    SubmissionInfo,
    as_utc,
    utcnow,
)
from .states import Event

log = logging.getLogger(__name__)

_CHUNK = 500  # stays well under SQLite's limit on bound parameters

T = TypeVar("T")


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


def _in_sources(event: Event):
    """SQL: the row's state is one `event` may start from (the table decides, not the query)."""
    return submissions.c.state.in_(states.sources(event))


# The sync worker's batch statements (claim several items, settle several outcomes).
_CLAIMABLE = (
    select(submissions)
    .where(_in_sources(Event.CLAIM),
           queries.is_due(submissions.c.next_attempt_at, bindparam("now"), bindparam("later")))
    .order_by(submissions.c.created_at, submissions.c.id)
    .limit(bindparam("limit"))
)
_MARK_SENDING = (
    update(submissions)
    .where(submissions.c.id.in_(bindparam("ids", expanding=True)), _in_sources(Event.CLAIM))
    .values(state=states.target(Event.CLAIM), attempts=submissions.c.attempts + 1,
            updated_at=bindparam("now"))
)
_ATTACHMENTS_OF = (
    select(attachments)
    .where(attachments.c.submission_id.in_(bindparam("ids", expanding=True)))
    .order_by(attachments.c.id)
)
_STATES_OF = select(submissions.c.id, submissions.c.state, submissions.c.case_no).where(
    submissions.c.id.in_(bindparam("ids", expanding=True))
)
# What each settled event writes besides the state the table gives it.
_SETTLE = settling.statements(submissions, with_query_code=True)


def _is_repeat(x: Settlement, row: Any) -> bool:
    """The same delivery recorded already (a retried worker): a no-op, not a change."""
    return (x.event is Event.DELIVER and row.state in (states.DELIVERED, states.PURGED)
            and row.case_no == x.case_no)


def _stored(a: Any, path: Path) -> StoredAttachment:
    return StoredAttachment(role=a.role, media_type=a.media_type, size=a.size, digest=a.digest,
                            sealed_digest=a.sealed_digest, path=path)


def _claimed(row: Any, files: list[StoredAttachment]) -> Claimed:
    return Claimed(
        submission_id=row.id, receipt_no=row.receipt_no, kind=row.kind, category=row.category,
        purpose=row.purpose, terminal_id=row.terminal_id, jurisdiction=row.jurisdiction,
        created_at=row.created_at, envelope=row.envelope,
        attempts=row.attempts + 1,  # the claim's own, just counted
        attachments=files, receipt_token=row.receipt_token, clock_trust=row.clock_trust,
    )


def _add_counts(conn: Connection, per_day: dict[tuple[date, str], int]) -> None:
    for (day, kind), n in per_day.items():
        stmt = sqlite_insert(delivery_counts).values(day=day, kind=kind, delivered=n)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=[delivery_counts.c.day, delivery_counts.c.kind],
            set_={"delivered": delivery_counts.c.delivered + stmt.excluded.delivered},
        ))


class Outbox:
    """The local store on one data directory; safe to use from several threads and processes."""

    # Where fresh receipt numbers come from (random); a subclass may draw them elsewhere.
    receipt_numbers: Callable[[], str] = staticmethod(new_receipt_no)

    def __init__(self, data_dir: Path, engine: Engine) -> None:
        # Use Outbox.open(): it prepares the directory and the schema first.
        self.data_dir = data_dir
        self.db_path = data_dir / DB_NAME
        self.files = AttachmentFiles(data_dir / ATTACHMENTS_DIR)
        self.attachments_dir = self.files.root
        self.tmp_dir = self.files.tmp_dir
        self.engine = engine
        # What the citizen does after the receipt (a rating…), sent once its submission is.
        self.followups = FollowUps(engine)
        self._db_inode = self._inode()

    # --- opening and closing ---------------------------------------------------------------

    @classmethod
    def open(cls, data_dir: Path) -> Outbox:
        """Create the directories, set a damaged database aside, migrate to head, sweep orphans."""
        data_dir = Path(data_dir).absolute()
        try:
            make_dir(data_dir)
            with damage.open_lock(data_dir):
                # A damaged database is moved aside whole, so the kiosk keeps serving.
                damage.open_checked(data_dir)
                create_database_file(data_dir)
                AttachmentFiles(data_dir / ATTACHMENTS_DIR).prepare()
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

    # --- how submissions enter -------------------------------------------------------------

    def confirm(self, new: NewSubmission) -> Receipt:
        """Store a confirmed submission durably and return its receipt.

        Attachment files are written and renamed and their directory fsync'd, then one
        transaction commits the row; the receipt exists only after the commit.
        Idempotent on `submission_id`: confirming the same id again returns the
        first receipt and writes nothing. Raises StoreError (after removing
        whatever this call wrote) when the disk or the commit fails, so a retry
        with the same NewSubmission is always safe.
        """
        return intake.confirm(self.engine, self.files, new, self.receipt_numbers)

    @_store_errors
    def restore(self, item: RecoveredSubmission) -> str | None:
        """Put back a submission read from a damaged database, under its own id, with its
        files, in one transaction (`kiosk recover`). Returns its receipt number (a fresh
        one when another submission took its number meanwhile), or None when the live
        outbox has it already: repeating a recovery changes nothing."""
        return intake.restore(self.engine, self.files, item, self.receipt_numbers)

    @_store_errors
    def add_delivery_counts(self, per_day: dict[tuple[date, str], int]) -> None:
        """Adds deliveries per UTC day and kind (those of a damaged database recovered)."""
        with write_transaction(self.engine) as conn:
            _add_counts(conn, per_day)

    @_store_errors
    def sweep_orphans(self) -> int | None:
        """Delete temp files and attachment files no live row refers to.

        Returns how many files and directories went, or None when a confirm is
        writing right now (the sweep is then skipped, not waited for).
        """

        def referenced() -> list[str]:
            with self.engine.connect() as conn:
                return queries.live_file_names(conn)

        return self.files.sweep(referenced)

    # --- the state machine (every change checks `states.TRANSITIONS`) ----------------------

    @_store_errors
    def claim_batch(self, limit: int, now: datetime | None = None) -> list[Claimed]:
        """Up to `limit` of the oldest due queued items, moved to `sending` in one transaction.

        The worker owns them until it settles them; a worker that dies first leaves them
        in `sending`, which `requeue_stale_sending` puts back in the queue on the next
        start, so they are sent again (the submission id makes that safe)."""
        now = as_utc(now, "now")
        with write_transaction(self.engine) as conn:
            rows = conn.execute(_CLAIMABLE, {"now": now, "later": now + MAX_RETRY_DELAY,
                                             "limit": max(1, limit)}).all()
            if not rows:
                return []
            ids = [row.id for row in rows]
            conn.execute(_MARK_SENDING, {"ids": ids, "now": now})
            files: dict[str, list[StoredAttachment]] = {sid: [] for sid in ids}
            for a in conn.execute(_ATTACHMENTS_OF, {"ids": ids}):
                files[a.submission_id].append(_stored(a, self.files.path(a.file_name)))
        return [_claimed(row, files[row.id]) for row in rows]

    @_store_errors
    def undelivered(self) -> list[Claimed]:
        """Every item not delivered yet that the worker would send (`queued`, `sending`),
        oldest first, as a claim would give it, without claiming it: what a carry file
        takes (`kiosk/carry.py`). Nothing changes; the items stay in the queue."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(submissions)
                .where(submissions.c.state.in_((states.QUEUED, states.SENDING)))
                .order_by(submissions.c.created_at, submissions.c.id)).all()
            files: dict[str, list[StoredAttachment]] = {row.id: [] for row in rows}
            ids = list(files)
            for start in range(0, len(ids), _CHUNK):
                for a in conn.execute(_ATTACHMENTS_OF, {"ids": ids[start:start + _CHUNK]}):
                    files[a.submission_id].append(_stored(a, self.files.path(a.file_name)))
        return [_claimed(row, files[row.id]) for row in rows]

    @_store_errors
    def settle(self, settlements: list[Settlement]) -> list[str]:
        """Records what became of several claimed items in one transaction.

        Each is one event of the transition table (deliver, retry, release, refuse);
        an item unknown or in a state the table does not allow its event from is left
        as it is, and its id is returned. A delivery recorded already with the same
        case number is a no-op (neither changed nor returned)."""
        if not settlements:
            return []
        for x in settlements:
            if x.event not in _SETTLE:
                raise ValueError(f"{x.event} is not an outcome of a send")
        now = utcnow()
        skipped: list[str] = []
        with write_transaction(self.engine) as conn:
            current = {
                row.id: row
                for start in range(0, len(settlements), _CHUNK)
                for row in conn.execute(
                    _STATES_OF, {"ids": [x.submission_id for x in settlements[start:start + _CHUNK]]}
                )
            }
            by_event: dict[Event, list[dict[str, Any]]] = {}
            for x in settlements:
                row = current.get(x.submission_id)
                if row is not None and _is_repeat(x, row):
                    continue
                if row is None or not states.allows(x.event, row.state):
                    skipped.append(x.submission_id)
                    continue
                by_event.setdefault(x.event, []).append(
                    {"b_id": x.submission_id, "b_now": now, **settling.params(x, with_query_code=True)})
            for event, params in by_event.items():
                conn.execute(_SETTLE[event], params)
        return skipped

    def _change_one(self, event: Event, submission_id: str, values: dict[str, Any]) -> None:
        """One item's change by `event`, checked against the table in the same transaction."""
        with write_transaction(self.engine) as conn:
            state = conn.execute(
                select(submissions.c.state).where(submissions.c.id == submission_id)
            ).scalar()
            if state is None:
                raise NotFoundError(submission_id)
            target = states.check(event, state, submission_id)
            conn.execute(update(submissions).where(submissions.c.id == submission_id)
                         .values(state=target, **values))

    @_store_errors
    def retry_needs_attention(self, submission_id: str) -> None:
        """A technician sends it back to the queue, due now."""
        now = utcnow()
        self._change_one(Event.TECHNICIAN_RETRY, submission_id,
                         {"next_attempt_at": now, "updated_at": now})

    @_store_errors
    def set_aside(self, submission_id: str, reason: str) -> None:
        """A technician puts a needs-attention item aside, with a reason: it leaves the
        list that needs attention, is never sent or purged, and keeps its envelope."""
        if not reason.strip():
            raise ValueError("a reason is required")
        self._change_one(Event.SET_ASIDE, submission_id,
                         {"set_aside_reason": reason[:MAX_REASON_CHARS], "updated_at": utcnow()})

    @_store_errors
    def requeue_stale_sending(self) -> int:
        """Items a dead worker left in `sending` go back to the queue; call on worker start."""
        with write_transaction(self.engine) as conn:
            return conn.execute(
                update(submissions).where(_in_sources(Event.REQUEUE_STALE))
                .values(state=states.target(Event.REQUEUE_STALE), updated_at=utcnow())
            ).rowcount

    @_store_errors
    def purge_delivered(self, older_than: timedelta, now: datetime | None = None) -> int:
        """Drop envelopes and files of items delivered more than `older_than` ago.

        The rows stay as `purged` with receipt number, case number and query code,
        so a later progress query still works; their masked receipt fields go too.
        Delivery counts per day and kind are added in the same transaction.
        """
        now = as_utc(now, "now")
        with write_transaction(self.engine) as conn:
            rows = conn.execute(
                select(submissions.c.id, submissions.c.kind, submissions.c.delivered_at).where(
                    _in_sources(Event.PURGE), submissions.c.delivered_at < now - older_than
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
                    .where(submissions.c.id.in_(chunk), _in_sources(Event.PURGE))
                    .values(state=states.target(Event.PURGE), envelope=None, receipt_fields={},
                            updated_at=now)
                )
                file_names += conn.execute(
                    select(attachments.c.file_name).where(attachments.c.submission_id.in_(chunk))
                ).scalars()
            _add_counts(conn, Counter((r.delivered_at.date(), r.kind) for r in rows))
        # After the commit: a crash here leaves unreferenced files, which the sweep removes.
        self.files.remove(file_names, ids)
        return len(ids)

    # --- reading attachments ---------------------------------------------------------------

    def read_claimed(self, attachment: StoredAttachment) -> bytes:
        """The sealed bytes of an attachment of a claimed item, checked against their digest
        (no database read: a claimed item cannot be purged meanwhile)."""
        return self.files.read_verified(attachment.path, attachment.sealed_digest)

    @_store_errors
    def read_attachment(self, submission_id: str, digest: str) -> bytes:
        """The sealed bytes of one attachment, checked against their digest."""
        with self.engine.connect() as conn:
            row = queries.attachment_file(conn, submission_id, digest)
        if row is None:
            raise NotFoundError(f"{submission_id}/{digest}")
        return self.files.read_verified(self.files.path(row.file_name), row.sealed_digest)

    # --- looking things up (queries.py) ----------------------------------------------------

    @_store_errors
    def next_due_at(self, now: datetime | None = None) -> datetime | None:
        """When the earliest queued item is due (maybe in the past), or None if none is queued."""
        with self.engine.connect() as conn:
            return queries.next_due_at(conn, now)

    @_store_errors
    def status(self, now: datetime | None = None) -> OutboxStatus:
        now = as_utc(now, "now")
        with self.engine.connect() as conn:
            return queries.status(conn, now)

    @_store_errors
    @_store_errors
    def find_by_case_no(self, case_no: str) -> SubmissionInfo | None:
        """The submission of this terminal that became the case `case_no`, if any."""
        with self.engine.connect() as conn:
            return queries.by_case_no(conn, case_no)

    def find_by_receipt(self, receipt_no: str) -> SubmissionInfo | None:
        """Look a submission up by its receipt number, as typed (spaces, full-width digits)."""
        bare = parse_receipt_no(receipt_no)
        if bare is None:
            return None
        with self.engine.connect() as conn:
            return queries.by_receipt(conn, bare)

    @_store_errors
    def get(self, submission_id: str) -> SubmissionInfo | None:
        with self.engine.connect() as conn:
            return queries.by_id(conn, submission_id)

    @_store_errors
    def by_agent(self, agent_id: str, limit: int = 1000) -> list[SubmissionInfo]:
        """What one agent of this proxy station submitted here, newest first."""
        with self.engine.connect() as conn:
            return queries.by_agent(conn, agent_id, limit)

    @_store_errors
    def newest_delivery(self) -> datetime | None:
        with self.engine.connect() as conn:
            return queries.newest_delivery(conn)

    @_store_errors
    def items(self, state: str | None = None, limit: int = 100) -> list[SubmissionInfo]:
        """Submissions, newest first, optionally in one state (e.g. for the technician)."""
        if state is not None and state not in states.STATES:
            raise ValueError(f"unknown state {state!r}")
        with self.engine.connect() as conn:
            return queries.newest(conn, state, limit)

    @_store_errors
    def delivery_counts(self) -> dict[tuple[date, str], int]:
        """Deliveries per UTC day and kind, purged or not: purging never changes these."""
        with self.engine.connect() as conn:
            return queries.delivered_per_day(conn)
