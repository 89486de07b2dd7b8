"""Process start to the home screen's first frame (software rendering, offscreen).

Prints figures only. Run: .venv/bin/python bench/ui_start.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def once() -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software")
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "ui", "--demo", "ui", "--windowed", "--bench-first-frame"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME "):
            return float(line.split()[1]) - started
    raise RuntimeError(out.stderr[-2000:])


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    once()  # warm the file cache and the QR cache, as on a kiosk that has run before
    times = sorted(once() for _ in range(runs))
    print(f"ui start to first home frame over {runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
          f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
