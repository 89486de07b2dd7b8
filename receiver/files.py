"""The platform's small files (keys, operator switches) through the one durable-file
helper the whole project uses (`wire.durable`); attachments go through it in
`receiver/storage/uploads.py`."""

from __future__ import annotations

from pathlib import Path

from wire.durable import make_dir, write_file

__all__ = ["atomic_write"]


def atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    """Writes `text` so that readers see the old file or the new one, never half of one."""
    make_dir(path.parent, 0o755)
    write_file(path, text, mode=mode)
