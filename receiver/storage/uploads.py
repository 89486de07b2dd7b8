"""Attachment uploads (table `attachments`, files `attachments/<sealed digest>`).

A chunk is appended to its file and fsynced before the database records how many
bytes arrived: the database is the truth, and a longer file (a crash between the two)
is cut back on the next chunk. An appended chunk is not an atomic replace, so it is
written in place; a whole attachment (one chunk, or inline in a submission) goes
through `wire.durable.write_file`. Appends to one attachment are serialised by a lock
stripe of its digest; the files are kept still sealed, 0600.

An upload belongs to the terminal that sent its first bytes (`terminal_id`; NULL for
those made before migration 0002, and for the operator's view: anyone's): another
terminal sees nothing of it — no bytes received, not complete — and cannot append to it
(`UploadTaken`). A sealed attachment's digest is unique to one terminal's seal (fresh
ephemeral key each time), so two terminals never have a real reason to share one; what
one could otherwise do is spoil or stall another's upload after reading a digest in a
URL, or learn which digests are stored.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path

from wire.durable import fsync_dir, write_file

ATTACHMENTS_DIR = "attachments"
TEMPORARY_MAX_AGE_S = 3600  # no write of one attachment takes this long
WRITERS = 8  # files of one request written at once (a batch holds up to 32 inline)
_UPSERT = ("INSERT INTO attachments (sealed_digest, declared_size, received, complete, path, "
           "created_at, updated_at, terminal_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
           "ON CONFLICT (sealed_digest) "
           "DO UPDATE SET declared_size = excluded.declared_size, received = excluded.received, "
           "complete = excluded.complete, updated_at = excluded.updated_at")
Writing = Callable[[], AbstractContextManager[sqlite3.Connection]]


@dataclass(frozen=True)
class Upload:
    sealed_digest: str
    received: int
    complete: bool


class OffsetMismatch(Exception):
    def __init__(self, received: int):
        super().__init__(received)
        self.received = received


class UploadOverrun(Exception):
    pass


class DigestMismatch(Exception):
    pass


class UploadTaken(Exception):
    """The digest's upload belongs to another terminal."""


class Uploads:
    """The attachment files of one data directory and their rows."""

    def __init__(self, data_dir: Path):
        self.directory = Path(data_dir) / ATTACHMENTS_DIR
        self.directory.mkdir(exist_ok=True, mode=0o700)
        self._prefix = f"{self.directory}{os.sep}"  # the upload path builds no Path objects
        self._locks = [threading.Lock() for _ in range(64)]  # stripes bound the lock count
        self._writers_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None  # made on the first request that needs it
        self._sweep_temporaries()

    def _sweep_temporaries(self) -> None:
        """Removes what a write killed between `wire.durable.write_file`'s create and rename
        left behind; only old ones, as another process may be writing right now."""
        horizon = time.time() - TEMPORARY_MAX_AGE_S
        with os.scandir(self.directory) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".tmp"):
                    try:
                        if entry.stat().st_mtime < horizon:
                            os.unlink(entry.path)
                    except FileNotFoundError:
                        pass

    def file_name(self, digest: str) -> str:
        return self._prefix + digest

    def _stripe(self, digest: str) -> int:
        return int(digest[:8], 16) % len(self._locks)

    def lock(self, digest: str) -> threading.Lock:
        return self._locks[self._stripe(digest)]

    @staticmethod
    def row(conn: sqlite3.Connection, digest: str) -> tuple[int, int, int, str | None] | None:
        """(declared_size, received, complete, terminal_id) of an upload, or None."""
        return conn.execute("SELECT declared_size, received, complete, terminal_id "
                            "FROM attachments WHERE sealed_digest = ?", (digest,)).fetchone()

    @staticmethod
    def _theirs(row: tuple[int, int, int, str | None], terminal_id: str | None) -> bool:
        """Whether an upload belongs to another terminal than `terminal_id` (None: anyone)."""
        return terminal_id is not None and row[3] is not None and row[3] != terminal_id

    def _complete(self, conn: sqlite3.Connection, digest: str) -> bool:
        row = self.row(conn, digest)
        return row is not None and bool(row[2])

    def status(self, conn: sqlite3.Connection, digest: str,
               terminal_id: str | None = None) -> Upload:
        row = self.row(conn, digest)
        if row is None or self._theirs(row, terminal_id):
            return Upload(digest, 0, False)
        return Upload(digest, row[1], bool(row[2]))

    @staticmethod
    def states(conn: sqlite3.Connection, digests: Sequence[str],
               terminal_id: str | None = None) -> dict[str, tuple[int, bool]]:
        """(declared size, complete) of each of the digests the platform has a record of
        that `terminal_id` may see (None: every one)."""
        wanted = list(dict.fromkeys(digests))
        if not wanted:
            return {}
        marks = ", ".join("?" * len(wanted))
        return {digest: (size, bool(complete))
                for digest, size, complete, owner in conn.execute(
                    f"SELECT sealed_digest, declared_size, complete, terminal_id "
                    f"FROM attachments WHERE sealed_digest IN ({marks})", wanted)
                if terminal_id is None or owner is None or owner == terminal_id}

    def read(self, digest: str) -> bytes:
        """The sealed bytes of a completely uploaded attachment."""
        with open(self.file_name(digest), "rb") as fh:
            return fh.read()

    def put_chunk(self, reader: sqlite3.Connection, writing: Writing, digest: str, offset: int,
                  total: int, chunk: bytes, at: str, terminal_id: str | None = None) -> Upload:
        """Appends a chunk at `offset` of an upload of `total` bytes for `terminal_id`
        (UploadTaken if another terminal's); `writing` opens the transaction that records
        it (and spends the request's nonce)."""
        with self.lock(digest):
            row = self.row(reader, digest)
            if row is not None and self._theirs(row, terminal_id):
                raise UploadTaken(digest)
            if row is not None and row[2]:
                return Upload(digest, row[1], True)  # already here: idempotent
            path = self.file_name(digest)
            if row is not None and row[0] != total:
                # The digest fixes the length: a partial made under another length is junk.
                self._discard(writing, digest)
                row = None
            received = row[1] if row is not None else 0
            if offset != received:
                raise OffsetMismatch(received)
            if offset + len(chunk) > total:
                raise UploadOverrun(offset + len(chunk))
            complete = received + len(chunk) == total
            if complete and received == 0:  # whole in one chunk: checked before it is written
                if hashlib.sha256(chunk).hexdigest() != digest:
                    if row is not None or os.path.exists(path):
                        self._discard(writing, digest)
                    raise DigestMismatch(digest)
                write_file(path, chunk, mode=0o600)
            else:
                self._append(path, received, chunk)
                if complete and _file_sha256(path) != digest:
                    self._discard(writing, digest)
                    raise DigestMismatch(digest)
            received += len(chunk)
            with writing() as conn:
                conn.execute(_UPSERT, (digest, total, received, int(complete),
                                       f"{ATTACHMENTS_DIR}/{digest}", at, at, terminal_id))
            return Upload(digest, received, complete)

    def _append(self, path: str, received: int, chunk: bytes) -> None:
        """Writes `chunk` at `received`, dropping bytes a crash left past the recorded end."""
        created = not os.path.exists(path)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if not created:
                os.ftruncate(fd, received)
            view = memoryview(chunk)
            written = 0
            while written < len(view):
                written += os.pwrite(fd, view[written:], received + written)
            os.fsync(fd)
        finally:
            os.close(fd)
        if created:
            fsync_dir(self.directory)

    def _discard(self, writing: Writing, digest: str) -> None:
        with writing() as conn:
            conn.execute("DELETE FROM attachments WHERE sealed_digest = ?", (digest,))
        Path(self.file_name(digest)).unlink(missing_ok=True)

    def hold(self, digests: Sequence[str], held: ExitStack) -> None:
        """Takes the upload locks of `digests` (in one order, so two holders never
        deadlock) until `held` closes."""
        for stripe in sorted({self._stripe(d) for d in digests}):
            held.enter_context(self._locks[stripe])

    def write_whole(self, reader: sqlite3.Connection, files: dict[str, bytes]) -> list[str]:
        """Writes whole attachments (inline ones) that are not complete here yet: each
        through `wire.durable.write_file`, one directory fsync for the lot. Returns the digests
        written, to be recorded by `record_whole` in the caller's transaction; the caller
        holds their locks (`hold`).

        Several files are written side by side: their fsyncs then share the file
        system's journal commits instead of queueing one after another."""
        written = [digest for digest in files if not self._complete(reader, digest)]
        if len(written) == 1:
            self._write_one(written[0], files[written[0]])
        elif written:
            for _ in self._writers().map(self._write_one, written, [files[d] for d in written]):
                pass  # a failed write raises here, once the others are done
        if written:
            fsync_dir(self.directory)
        return written

    def _write_one(self, digest: str, data: bytes) -> None:
        write_file(self.file_name(digest), data, mode=0o600, sync_directory=False)

    def _writers(self) -> ThreadPoolExecutor:
        with self._writers_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(WRITERS, thread_name_prefix="attachment-write")
            return self._pool

    def close(self) -> None:
        with self._writers_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    @staticmethod
    def record_whole(conn: sqlite3.Connection, digest: str, size: int, at: str,
                     terminal_id: str | None = None) -> None:
        """An attachment received whole (inline), checked against its digest: complete,
        whoever's upload of it was under way (its owner stays)."""
        conn.execute(_UPSERT, (digest, size, size, 1, f"{ATTACHMENTS_DIR}/{digest}", at, at,
                               terminal_id))


def _file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
