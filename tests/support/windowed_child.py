"""A desktop window of the kiosk, fitted as `kiosk ui --windowed` fits it, on the screen
Qt's offscreen platform is told to have; the windowed-UI test's child (a process of its
own: the screens are fixed when the QGuiApplication is made).

Usage: windowed_child.py OUT_DIR DATA_DIR [WxH]
    (QT_QPA_PLATFORM=offscreen:configfile=SCREENS.json)

Taps 我要信访 and goes on to the next step, saving a PNG of each, and prints one JSON
line: the screen's available area, the window's geometry with its frame, the canvas and
scale, and where the header and the footer's buttons are on the screen at each step.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("QT_QUICK_BACKEND", "software")


def rect_of(window, item) -> list[int]:
    """An item's rectangle in screen coordinates (the window's content origin added)."""
    from PySide6.QtCore import QRectF

    r = item.mapRectToScene(QRectF(0, 0, item.width(), item.height()))
    g = window.geometry()
    return [round(g.x() + r.x()), round(g.y() + r.y()), round(r.width()), round(r.height())]


def main() -> None:
    out, data = Path(sys.argv[1]), Path(sys.argv[2])
    from kiosk import config
    from ui import app as app_mod
    from ui import cli
    from ui.driver import find, pump, tap, wait_until

    qapp = app_mod.application()  # the platform (and its screens) from QT_QPA_PLATFORM
    size = app_mod.parse_size(sys.argv[3]) if len(sys.argv) > 3 else None
    placement = app_mod.desktop_fit(size)
    k = app_mod.build(config.demo(data), size=placement.canvas, windowed=True,
                      voice_engine="off")
    w = k.window
    cli.show_fitted(w, placement)
    assert wait_until(lambda: w.isExposed(), 5000)
    pump(300)
    avail = qapp.primaryScreen().availableGeometry()
    report = {
        "available": [avail.x(), avail.y(), avail.width(), avail.height()],
        "canvas": list(placement.canvas), "scale": placement.scale,
        "window": [w.x(), w.y(), w.width(), w.height()],
        "frame": [w.frameGeometry().x(), w.frameGeometry().y(), w.frameGeometry().width(),
                  w.frameGeometry().height()],
        "steps": [],
    }
    name = f"{avail.width()}x{avail.height()}"

    def record(step: str) -> None:
        pump(200)
        entry = {"step": step, "screen": k.session.screen, "stepText": k.session.stepText}
        for key in ("btn:home", "btn:elderly", "btn:back", "btn:next"):
            item = find(w, key, required=False)
            entry[key] = rect_of(w, item) if item is not None and item.isVisible() else None
        header = find(w, "btn:elderly").parentItem().parentItem()  # the header bar
        entry["header"] = rect_of(w, header)
        report["steps"].append(entry)
        w.grabWindow().save(str(out / f"windowed-{name}-{step}.png"))

    tap(w, "btn:petition")
    record("1")
    tap(w, "btn:next")
    record("2")
    k.session.elderly = True
    record("2-elderly")
    print(json.dumps(report), flush=True)
    k.close()
    qapp.quit()


if __name__ == "__main__":
    main()
