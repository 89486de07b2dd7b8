"""Confirm to delivered with the sync worker running: how soon the confirm's wake-up
(kiosk.wake) has the worker deliver, against a local reference platform.

The worker's sweep timer is 30 s; without the wake-up a submission would wait for it.
Prints min / median / max over the runs. Goal: median under 1 s.

    .venv/bin/python bench/wake.py [--runs 10]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.platform_server import running_receiver  # noqa: E402
from tests.support.terminal import enrolled_terminal, stop, wait_for  # noqa: E402


def delivered(data_dir: Path) -> int:
    conn = sqlite3.connect(f"file:{data_dir / 'kiosk.db'}?mode=ro", uri=True, timeout=10)
    try:
        return conn.execute("SELECT count(*) FROM submissions WHERE state = 'delivered'"
                            ).fetchone()[0]
    finally:
        conn.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-wake-") as tmp, \
            running_receiver(Path(tmp) / "platform") as rx:
        term = enrolled_terminal(Path(tmp), rx)
        worker = term.start_sync()
        try:
            wait_for(lambda: (term.data_dir / "content.json").exists(), 60, what="content pull")
            seconds = []
            for run in range(args.runs):
                started = time.perf_counter()
                term.queue(1)  # confirm: the commit, then the wake-up
                wait_for(lambda r=run: delivered(term.data_dir) == r + 1, 60, interval=0.005,
                         what="delivery")
                seconds.append(time.perf_counter() - started)
        finally:
            stop(worker)
    print(f"confirm to delivered, {args.runs} runs: min {min(seconds):.3f} s  "
          f"median {statistics.median(seconds):.3f} s  max {max(seconds):.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
