"""What the integrity check costs when the store opens, by outbox size.

Every process (UI, sync worker, CLI) runs SQLite's integrity_check when it opens the
store, so a damaged database is moved aside before anything is written to it.
Prints figures only. Run: .venv/bin/python bench/store_open.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.store import Outbox, recovery  # noqa: E402
from tests.support.store import new_submission  # noqa: E402


def main() -> None:
    for size in (0, 1_000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp)
            with Outbox.open(data) as box:
                for _ in range(size):
                    box.confirm(new_submission(envelope=b"e" * 3000))
            db_mb = (data / "kiosk.db").stat().st_size / 1e6
            checks, opens = [], []
            for _ in range(5):
                t0 = time.perf_counter()
                assert recovery.find_damage(data / "kiosk.db") is None
                checks.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                Outbox.open(data).close()
                opens.append(time.perf_counter() - t0)
            print(f"{size:>6} items ({db_mb:6.1f} MB): integrity_check median "
                  f"{statistics.median(checks) * 1000:7.1f} ms; whole open median "
                  f"{statistics.median(opens) * 1000:7.1f} ms")


if __name__ == "__main__":
    main()
