"""RSS growth over complete sessions in one process (each confirmed to a scratch outbox).

Prints figures only. Run: .venv/bin/python bench/ui_soak.py [sessions]
"""

from __future__ import annotations

import gc
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk import config  # noqa: E402
from ui import app as app_mod  # noqa: E402
from ui.driver import drag, find, pump, tap, wait_until  # noqa: E402
from ui.tour import TOUR_TODAY, sample_petition  # noqa: E402


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def session(w, s) -> None:
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    s.load(sample_petition())
    for _ in range(6):  # applying_as -> applicant -> category -> matter -> attachments -> review -> consent
        tap(w, "btn:next")
    tap(w, "consent:consent.privacy")
    tap(w, "consent:consent.truthful")
    drag(w, find(w, "signaturePad"), [(30, 30), (120, 120), (220, 40)])
    tap(w, "btn:next")
    if not wait_until(lambda: s.screen == "receipt", 10_000):
        raise RuntimeError(f"no receipt: {s.problems} {s.general} {s.storeError}")
    tap(w, "btn:finish")


def main() -> None:
    sessions = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    app_mod.application(offscreen=True)
    loaded = config.demo(Path(tempfile.mkdtemp()) / "data")
    k = app_mod.build(loaded, size=(1080, 1920), voice_engine="off", today=lambda: TOUR_TODAY,
                      idle_ms=(3_600_000, 20, 1000))
    k.window.show()
    pump(50)
    for _ in range(5):  # warm-up: caches, the store's first open, QML types
        session(k.window, k.session)
    gc.collect()
    start, started = rss_mb(), time.monotonic()
    samples = []
    for i in range(sessions):
        session(k.window, k.session)
        if (i + 1) % 50 == 0:
            gc.collect()
            samples.append(f"{i + 1}: {rss_mb():.1f} MB")
    gc.collect()
    pump(50)
    end = rss_mb()
    print(f"{sessions} complete sessions in {time.monotonic() - started:.1f} s; "
          f"RSS {start:.1f} MB -> {end:.1f} MB (growth {end - start:+.1f} MB)")
    print("  " + ", ".join(samples))
    k.close()


if __name__ == "__main__":
    main()
