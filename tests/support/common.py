"""Paths and constants every layer's tests use, and the real `kiosk` command in a child
process."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "petition.json"
# A fixed "today" so time-limit rules give the same answer whenever the tests run.
TODAY = date(2026, 11, 26)


def run_kiosk(*args: str, env: dict | None = None, cwd: Path | None = None,
              input: str | None = None) -> subprocess.CompletedProcess:
    """Runs the real `kiosk` command in a child process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True,
        env=full_env, cwd=cwd or ROOT, input=input, timeout=120,
    )


def fill_up(folder: Path) -> Path:
    """Fills the file system holding `folder` to the last byte with a file of its own
    (returned; remove it to free the space again): the next write there fails with ENOSPC."""
    filler = folder / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    chunk = b"\0" * (1 << 20)
    try:
        while chunk:
            try:
                os.write(fd, chunk)
            except OSError as exc:
                if exc.errno != errno.ENOSPC:
                    raise
                chunk = chunk[: len(chunk) // 2]
    finally:
        os.close(fd)
    return filler
