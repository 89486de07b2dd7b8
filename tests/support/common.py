"""Paths and constants every layer's tests use, and the real `kiosk` command in a child
process."""

from __future__ import annotations

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
