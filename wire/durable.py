"""Durable files: a reader sees the old file or the new one, never half of one, and
what was written survives a power cut once the call returns.

The one way this project writes a key, a PIN hash, an enrollment, a configuration,
pulled content, a platform file or a sealed attachment. Standard library only; it
lives in the wire package because that is the one package the core, the delivery
side and the platform all may import.

How a write goes (`write_file`):

1. a temporary file is created next to its destination (or in `temp_dir`, on the
   same file system) under a random name with ``O_CREAT | O_EXCL | O_NOFOLLOW``:
   never an existing file, never through a symbolic link someone planted (a name
   taken is given up for another, and what is there is left untouched), and with its
   final mode from the start (``fchmod``, so the umask neither narrows nor widens it);
2. the bytes are written and the file is fsync'd;
3. it is renamed over the destination (atomic on POSIX);
4. the destination's directory is fsync'd, since a rename is durable only then;
5. on any failure the temporary file is removed and the destination is untouched.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = ["fsync_dir", "make_dir", "write_file"]

_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_TEMP_NAME_TRIES = 8  # random names taken by someone else before giving up


def fsync_dir(path: Path | str) -> None:
    """Makes the entries of a directory (new, renamed or removed files) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_dir(path: Path | str, mode: int = 0o700) -> None:
    """Creates a directory and its missing parents, each entry durable in its parent.

    An existing directory is left as it is (its mode included)."""
    path = Path(path)
    if path.is_dir():
        return
    make_dir(path.parent, mode)
    try:
        path.mkdir(mode=mode)
    except FileExistsError:
        if not path.is_dir():
            raise
        return
    os.chmod(path, mode)  # mkdir's mode is narrowed by the umask
    fsync_dir(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _create_temporary(folder: Path, name: str, mode: int) -> tuple[Path, int]:
    """A new temporary file of ours, open for writing. A name that exists (a file or a
    link planted there) is never opened nor removed: another random name is tried;
    FileExistsError after `_TEMP_NAME_TRIES` taken names."""
    for attempt in range(_TEMP_NAME_TRIES):
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return tmp, os.open(tmp, _CREATE_FLAGS, mode)
        except FileExistsError:
            if attempt == _TEMP_NAME_TRIES - 1:
                raise
    raise AssertionError("unreachable")


def write_file(path: Path | str, data: bytes | str, *, mode: int = 0o600,
               temp_dir: Path | str | None = None, sync_directory: bool = True) -> None:
    """Atomically replaces `path` with `data` (text is written as UTF-8).

    `mode` is the file's final mode whatever the umask; secrets keep the default
    0600. `temp_dir` (same file system) holds the temporary file instead of the
    destination's directory, for callers whose orphan sweep cleans that directory.
    `sync_directory=False` leaves the directory fsync to a caller that writes several
    files into one directory and syncs it once (it must, before relying on them).
    The destination's directory must exist."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode("utf-8")
    folder = Path(temp_dir) if temp_dir is not None else path.parent
    tmp, fd = _create_temporary(folder, path.name, mode)
    try:
        try:
            os.fchmod(fd, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if sync_directory:
        fsync_dir(path.parent)
