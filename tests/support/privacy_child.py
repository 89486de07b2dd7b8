"""Child process for the privacy test: the real kiosk window, several visitors each
typing marker values, photographing a document and signing, then leaving the way
their plan says — 完成 on the receipt, 返回首页, or walking away until the idle
countdown ends the session — and a clean exit.

Run as: python -m tests.support.privacy_child CONFIG PLAN.json
PLAN: {"idle_warn_ms": N, "scan_root": DIR, "scan_exclude": [DIR…],
       "sessions": [{"doc": {…}, "end": "finish" | "home" | "idle", "markers": […]}…]}
Prints one JSON line: per session what the window held once it ended, the photo's
bytes as the session held them (base64), and which files under `scan_root` held any
of that session's markers or photo at that moment, while the kiosk still runs.
"""

from __future__ import annotations

import base64
import json
import random
import sys
from datetime import date
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QImage, QPainter

from kiosk import config, logs
from tests.support import traces
from ui import app as app_mod
from ui.driver import find, pump, tap, wait_until
from ui.tour import _sign

TODAY = date(2026, 11, 26)
COUNTDOWN = (3, 100)  # steps of the idle countdown, ms each


def distinctive_photo(seed: int) -> QImage:
    """A document photo no other could be mistaken for: seeded noise under a caption."""
    width, height = 240, 180
    noise = random.Random(seed).randbytes(width * height * 3)
    # copy(): the image must own its pixels, not borrow the bytes object's
    image = QImage(noise, width, height, width * 3, QImage.Format.Format_RGB888).copy()
    painter = QPainter(image)
    painter.setPen(QColor("black"))
    painter.setFont(QFont("Noto Sans CJK SC", 20))
    painter.drawText(10, 100, f"证明材料 {seed}")
    painter.end()
    return image


def _begin(w, s, qapp, doc: dict, seed: int) -> bytes:
    """Starts a petition with the document's answers, a photo, the clipboard set and the
    consent signed; returns the photo's bytes as the session holds them."""
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    s.load(doc)
    s.addPhoto("evidence", distinctive_photo(seed))
    assert len(s.photos) == 1, s.photos
    # What a citizen might copy with a hardware keyboard: gone at session end.
    qapp.clipboard().setText(doc["applicants"][0]["name"])
    return s.photos[0].content


def _finish(w, s) -> None:
    for _ in range(6):  # applicant, category, matter, attachments, review -> consent
        tap(w, "btn:next")
        if find(w, "btn:doneTyping", required=False) is not None:
            tap(w, "btn:doneTyping")
    assert s.screen == "consent", (s.screen, s.problems)
    tap(w, "consent:consent.privacy")
    tap(w, "consent:consent.truthful")
    _sign(w)
    assert s.signed
    tap(w, "btn:next")
    assert wait_until(lambda: s.screen == "receipt", 10_000), (s.problems, s.storeError)
    tap(w, "btn:finish")


def _to_consent_signed(w, s) -> None:
    s.goTo("consent")
    pump(20)
    _sign(w)
    assert s.signed and s.strokes


def _home(w, s) -> bool:
    _to_consent_signed(w, s)
    tap(w, "btn:home")
    asked = find(w, "dialog:leave", required=False) is not None
    tap(w, "dialog:leave:secondary")
    return asked


def _walk_away(w, s, idle, warn_ms: int) -> bool:
    _to_consent_signed(w, s)
    assert wait_until(lambda: idle.asking, warn_ms + 10_000)
    asked = find(w, "dialog:idle", required=False) is not None
    assert wait_until(lambda: s.screen == "home", 10_000)
    return asked


def main(config_path: str, plan_path: str) -> int:
    loaded = config.load_file(Path(config_path))
    logs.setup_logging(loaded.data_dir, "ui")
    plan = json.loads(Path(plan_path).read_text(encoding="utf-8"))
    scan_root = Path(plan["scan_root"])
    exclude = [Path(p) for p in plan["scan_exclude"]]
    qapp = app_mod.application(offscreen=True)
    kiosk = app_mod.build(loaded, size=(1080, 1920), voice_engine="off", today=lambda: TODAY,
                          idle_ms=(plan["idle_warn_ms"], *COUNTDOWN))
    w, s = kiosk.window, kiosk.session
    expired = []
    kiosk.idle.expired.connect(lambda: expired.append(s.screen))
    w.show()
    pump(50)
    seen = []
    try:
        for seed, visit in enumerate(plan["sessions"]):
            photo = _begin(w, s, qapp, visit["doc"], seed + plan.get("seed", 0))
            idle_before = len(expired)
            if visit["end"] == "finish":
                _finish(w, s)
                asked = True
            elif visit["end"] == "home":
                asked = _home(w, s)
            else:
                asked = _walk_away(w, s, kiosk.idle, plan["idle_warn_ms"])
            pump(20)
            needles = traces.text_needles(visit["markers"]) + traces.photo_needles(photo, "photo")
            _, on_disk = traces.holding(scan_root, needles, exclude)
            seen.append({
                "end": visit["end"], "asked": asked, "idle_ended": len(expired) - idle_before,
                "photo": base64.b64encode(photo).decode("ascii"), "on_disk": on_disk,
                "after": {"screen": s.screen, "answers": s.answers, "signed": s.signed,
                          "strokes": len(s.strokes), "photos": len(s.photos),
                          "clipboard": qapp.clipboard().text(),
                          "last_confirmed": s.last_confirmed is not None}})
    finally:
        kiosk.close()
        pump(20)
    print(json.dumps(seen, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
