"""Tap to the next screen painted, p95 per transition (software rendering, offscreen).

Prints figures only. Run: .venv/bin/python bench/ui_steps.py [rounds]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import config  # noqa: E402
from ui import app as app_mod  # noqa: E402
from ui.driver import pump, tap, wait_until  # noqa: E402
from ui.tour import TOUR_TODAY, sample_petition  # noqa: E402


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    app_mod.application(offscreen=True)
    loaded = config.demo(Path(tempfile.mkdtemp()) / "data")
    k = app_mod.build(loaded, size=(1080, 1920), voice_engine="off", today=lambda: TOUR_TODAY,
                      idle_ms=(3_600_000, 20, 1000))
    w, s = k.window, k.session
    w.show()
    pump(50)
    frames = []
    w.frameSwapped.connect(lambda: frames.append(time.perf_counter()))
    timings: dict[str, list[float]] = {}

    def timed(label: str, name: str) -> None:
        before = s.screen
        frames.clear()
        started = time.perf_counter()
        tap(w, name)
        wait_until(lambda: s.screen != before and frames, 2000, step_ms=1)
        timings.setdefault(label, []).append((frames[-1] - started) * 1000)

    doc = sample_petition()
    for _ in range(rounds):
        timed("home -> applying_as", "btn:petition")
        tap(w, "choice:applying_as:self")
        s.load(doc)
        timed("applying_as -> applicant", "btn:next")
        timed("applicant -> category", "btn:next")
        timed("category -> matter", "btn:next")
        timed("matter -> attachments", "btn:next")
        timed("attachments -> review", "btn:next")
        timed("review -> consent", "btn:next")
        timed("consent -> review (上一步)", "btn:back")
        s.goHome()
        pump(5)
    for label, values in timings.items():
        print(f"{label:32s} p95 {p95(values):6.1f} ms  median {sorted(values)[len(values) // 2]:6.1f} ms")
    k.close()


if __name__ == "__main__":
    main()
