"""Child process for the privacy test: the real kiosk window, several visitors each
completing a petition with marker values, then a clean exit.

Run as: python -m tests.support.privacy_child CONFIG MARKERS.json
Prints one JSON line: what the window saw at the end of each session.
"""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

from kiosk import config, logs
from ui import app as app_mod
from ui.driver import find, pump, tap, wait_until
from ui.tour import _sign

TODAY = date(2026, 11, 26)


def main(config_path: str, markers_path: str) -> int:
    loaded = config.load_file(Path(config_path))
    logs.setup_logging(loaded.data_dir, "ui")
    docs = json.loads(Path(markers_path).read_text(encoding="utf-8"))
    qapp = app_mod.application(offscreen=True)
    kiosk = app_mod.build(loaded, size=(1080, 1920), voice_engine="off", today=lambda: TODAY,
                          idle_ms=(3_600_000, 20, 1000))
    w, s = kiosk.window, kiosk.session
    w.show()
    pump(50)
    seen = []
    try:
        for doc in docs:
            tap(w, "btn:petition")
            tap(w, "choice:applying_as:self")
            tap(w, "btn:next")
            s.load(doc)
            # What a citizen might copy with a hardware keyboard: gone at session end.
            qapp.clipboard().setText(doc["applicants"][0]["name"])
            for _ in range(6):  # applicant, category, matter, attachments, review -> consent
                tap(w, "btn:next")
                if find(w, "btn:doneTyping", required=False) is not None:
                    tap(w, "btn:doneTyping")
            assert s.screen == "consent", (s.screen, s.problems)
            tap(w, "consent:consent.privacy")
            tap(w, "consent:consent.truthful")
            _sign(w)
            tap(w, "btn:next")
            assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.storeError)
            tap(w, "btn:finish")
            pump(20)
            seen.append({"screen": s.screen, "answers": s.answers, "signed": s.signed,
                         "photos": len(s.photos), "clipboard": qapp.clipboard().text(),
                         "last_confirmed": s.last_confirmed is not None})
    finally:
        kiosk.close()
        pump(20)
    print(json.dumps(seen, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
