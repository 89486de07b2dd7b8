"""Process start to the home screen's first frame (software rendering, offscreen).

`kiosk ui` as a terminal runs it, on a configured terminal (no demo chain behind
it). Prints figures only. Run: .venv/bin/python bench/ui_start.py [runs]
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def once(config: Path) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software")
    started = time.time()
    out = subprocess.run([sys.executable, "-m", "app", "ui", "--config", str(config), "--windowed",
                          "--bench-first-frame"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("FIRST_FRAME "):
            return float(line.split()[1]) - started
    raise RuntimeError(out.stderr[-2000:])


def main() -> None:
    from tests.support.terminal import make_terminal
    from wire import sealing

    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory() as tmp:
        key = sealing.encode_public_key(sealing.generate_private_key().public_key())
        config = make_terminal(Path(tmp), "http://127.0.0.1:9/api", key).config_path
        once(config)  # warm the file cache and the QR cache, as on a kiosk that has run before
        times = sorted(once(config) for _ in range(runs))
    print(f"ui start to first home frame over {runs} runs: median {statistics.median(times) * 1000:.0f} ms, "
          f"min {times[0] * 1000:.0f} ms, max {times[-1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
