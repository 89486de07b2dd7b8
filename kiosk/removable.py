"""Which USB stick is plugged in: the removable file systems the desktop's automounter
(udisks2) mounts under /media or /run/media, read from the mount table.

The mount table rather than udisks2's D-Bus API: udisks2 mounts there itself, so the
table shows the same sticks, and reading a file needs no D-Bus session on a kiosk that
runs under cage with no desktop (where udisks2 may be absent and a udev rule or the
technician mounts the stick under /media). `/proc/self/mounts` escapes a space, tab,
newline and backslash in a path as octal (`\\040`, see fstab(5)); `_unescape` undoes it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

MOUNTS = Path("/proc/self/mounts")
ROOTS = (Path("/media"), Path("/run/media"))
# File systems a stick carries; a bind mount or a tmpfs under /media is not a stick, but
# tests (and a technician) may name other types.
STICK_TYPES = frozenset({"vfat", "exfat", "ntfs", "ntfs3", "fuseblk", "ext4", "ext3", "ext2",
                         "btrfs", "f2fs", "udf", "iso9660"})
_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field: str) -> str:
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def media(mounts: Path | None = None, roots: tuple[Path, ...] | None = None,
          types: frozenset[str] | None = None) -> list[tuple[Path, bool]]:
    """Each removable medium mounted under `roots` (default `ROOTS`), in the order they
    were mounted, and whether this process may write it (not mounted read-only, and
    permitted); [] when there are none (or no mount table)."""
    mounts, roots = mounts or MOUNTS, roots or ROOTS
    types = types or STICK_TYPES
    try:
        lines = mounts.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found: dict[Path, bool] = {}
    for line in lines:
        fields = line.split()
        if len(fields) < 4:
            continue
        point, fstype, options = Path(_unescape(fields[1])), fields[2], fields[3].split(",")
        if fstype in types and any(point.is_relative_to(root) and point != root
                                   for root in roots):
            found[point] = "ro" not in options and os.access(point, os.W_OK)
    return list(found.items())


def sticks(mounts: Path | None = None, roots: tuple[Path, ...] | None = None,
           types: frozenset[str] | None = None) -> list[Path]:
    """The sticks an export can write to (`media`, writable only)."""
    return [point for point, writable in media(mounts, roots, types) if writable]
