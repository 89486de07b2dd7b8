"""The files of a data directory: where things live, and the sealed attachment files.

Layout of a data directory::

    kiosk.db, kiosk.db-wal, kiosk.db-shm       the SQLite database (WAL), mode 0600
    .store.lock                                flock held while opening (damage.py)
    attachments/.lock                          flock: writers share it, the sweep takes it alone
    attachments/.tmp/                          files being written
    attachments/<submission_id>/<sealed_digest>
    damaged/<time>-<id>/                       a damaged database moved aside (damage.py)

Invariants:

- Every attachment file is written through `wire.durable.write_file`: the temporary file
  in `.tmp/`, fsync'd, renamed into place; the submission's directory (and, for a
  new one, `attachments/`) is fsync'd before `write` returns. Only then may a
  transaction commit a row referring to it.
- A file no live row refers to is an orphan: `sweep` removes it, but never while a
  writer holds the shared lock, so it cannot take a file whose row is about to commit.
- What is read back (`read_verified`) is checked against its sealed digest.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from wire.durable import fsync_dir, make_dir, write_file

from .errors import DamagedAttachment, StoreError

DB_NAME = "kiosk.db"
DB_FILES = (DB_NAME, f"{DB_NAME}-wal", f"{DB_NAME}-shm")
ATTACHMENTS_DIR = "attachments"
DAMAGED_DIR = "damaged"
TMP_DIR = ".tmp"
LOCK_NAME = ".lock"


def create_database_file(data_dir: Path) -> None:
    """Makes the database file 0600 before SQLite opens it, whatever the umask: its
    WAL and shared-memory files take the database's mode. An existing one is kept."""
    os.close(os.open(data_dir / DB_NAME, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))


@dataclass(frozen=True)
class WrittenFile:
    """One sealed file in place: what its `attachments` row records about it."""

    file_name: str  # "<submission_id>/<sealed_digest>", relative to the attachments directory
    sealed_digest: str
    size: int


class AttachmentFiles:
    """The attachments directory of one data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.tmp_dir = root / TMP_DIR
        self._lock_path = root / LOCK_NAME

    def prepare(self) -> None:
        """Creates the directories (each durable in its parent)."""
        make_dir(self.tmp_dir)

    def path(self, file_name: str) -> Path:
        return self.root / file_name

    # --- the lock ------------------------------------------------------------------------

    @contextmanager
    def _lock(self, *, exclusive: bool, blocking: bool) -> Iterator[bool]:
        # A descriptor of its own each time: flock on one shared descriptor would let a
        # sweep in this process convert a writer's shared lock instead of waiting for it.
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

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Held (shared) from writing a submission's files until its transaction ends:
        writers run side by side, and the sweep keeps away from all of them."""
        with self._lock(exclusive=False, blocking=True):
            yield

    # --- writing -------------------------------------------------------------------------

    def write(self, submission_id: str, sealed: Iterable[bytes],
              written: list[Path]) -> list[WrittenFile]:
        """Writes the sealed files of one submission durably; call under `writing()`.

        Every path it creates is appended to `written` as it goes, so that after a
        failure half-way `discard` can remove exactly those."""
        blobs = [bytes(b) for b in sealed]
        if not blobs:
            return []
        sub_dir = self.root / submission_id
        if not sub_dir.is_dir():
            make_dir(sub_dir)  # durable in attachments/ before any file lands in it
            written.append(sub_dir)
        files = []
        for blob in blobs:
            sealed_digest = hashlib.sha256(blob).hexdigest()
            final = sub_dir / sealed_digest
            # The temporary file lives in .tmp/, which the orphan sweep cleans after a crash;
            # one fsync of the directory below covers every rename.
            write_file(final, blob, temp_dir=self.tmp_dir, sync_directory=False)
            written.append(final)
            files.append(WrittenFile(f"{submission_id}/{sealed_digest}", sealed_digest, len(blob)))
        fsync_dir(sub_dir)
        return files

    def discard(self, written: list[Path], keep: set[str] | None) -> None:
        """Removes what a failed write left (the paths `write` recorded), except the files
        named in `keep` (a committed row refers to them). `keep=None`: cannot tell, so
        only temporary files go and the rest waits for the next sweep."""
        dirs = []
        for path in reversed(written):
            try:
                if path.parent == self.tmp_dir:
                    path.unlink(missing_ok=True)
                elif keep is None:
                    continue
                elif path.parent == self.root:
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

    def remove(self, file_names: Iterable[str], submission_ids: Iterable[str]) -> None:
        """Removes files and then the submissions' directories, after a commit that
        dropped their rows. Best effort: a crash or failure here leaves orphans, which
        the next sweep removes."""
        for name in file_names:
            try:
                self.path(name).unlink(missing_ok=True)
            except OSError:
                pass
        for sid in submission_ids:
            try:
                (self.root / sid).rmdir()
            except OSError:
                pass

    # --- reading -------------------------------------------------------------------------

    @staticmethod
    def read_verified(path: Path, sealed_digest: str) -> bytes:
        """The sealed bytes at `path`, checked against their digest. A missing or damaged
        file raises DamagedAttachment (sending again cannot help); any other read error
        StoreError (e.g. too many open files: may pass)."""
        label = f"{path.parent.name}/{path.name}"
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise DamagedAttachment(f"attachment file missing: {label}") from exc
        except OSError as exc:
            raise StoreError.from_exception(exc, "read attachment", confirming=False) from exc
        if hashlib.sha256(data).hexdigest() != sealed_digest:
            raise DamagedAttachment(f"attachment file damaged: {label}")
        return data

    # --- the orphan sweep ----------------------------------------------------------------

    def sweep(self, referenced: Callable[[], Iterable[str]]) -> int | None:
        """Deletes temporary files and every file whose name `referenced()` does not list.

        `referenced` is called only once the exclusive lock is held, so no writer can add
        a reference meanwhile. Returns how many files and directories went, or None when
        a writer holds the lock right now (the sweep is then skipped, not waited for)."""
        with self._lock(exclusive=True, blocking=False) as held:
            if not held:
                return None
            names = set(referenced())
            removed = 0
            with os.scandir(self.tmp_dir) as entries:
                for entry in entries:
                    removed += _remove_entry(entry)
            with os.scandir(self.root) as entries:
                for entry in entries:
                    if entry.name in (TMP_DIR, LOCK_NAME):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        removed += _sweep_submission_dir(Path(entry.path), names)
                    else:
                        removed += _remove_entry(entry)
            if removed:
                fsync_dir(self.tmp_dir)
                fsync_dir(self.root)
            return removed


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
