"""`kiosk ui --windowed` on a desktop: the window fits the screen's available area and
shows the canvas whole, so the header and the footer with 下一步 are on screen from the
first step on. Each screen is a real offscreen screen of the given size (Qt's offscreen
platform, `configfile` with its `screens`), in a process of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD = ROOT / "tests" / "support" / "windowed_child.py"


def inside(outer: list[int], inner: list[int]) -> bool:
    ox, oy, ow, oh = outer
    x, y, w, h = inner
    return x >= ox and y >= oy and x + w <= ox + ow and y + h <= oy + oh


def run_windowed(tmp_path: Path, width: int, height: int, size: str | None = None) -> dict:
    screens = tmp_path / "screens.json"
    screens.write_text(json.dumps({"screens": [{
        "name": "desktop", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    env = dict(os.environ, QT_QPA_PLATFORM=f"offscreen:configfile={screens}",
               QT_QUICK_BACKEND="software")
    args = [sys.executable, str(CHILD), str(tmp_path), str(tmp_path / "data")]
    done = subprocess.run(args + ([size] if size else []), capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(("width", "height", "canvas"), [
    (1920, 1080, [1920, 1080]),
    (1366, 768, [1920, 1080]),
    (1080, 1920, [1080, 1920]),  # a portrait monitor
])
def test_the_window_fits_the_screen_with_header_and_footer_in_view(tmp_path, width, height,
                                                                    canvas):
    report = run_windowed(tmp_path, width, height)
    available = report["available"]
    assert available == [0, 0, width, height]
    assert report["canvas"] == canvas
    assert inside(available, report["frame"]), report  # the frame too, title bar and all
    window = report["window"]
    # The canvas's layout, scaled as a whole: the window has the canvas's shape.
    assert abs(window[2] / window[3] - canvas[0] / canvas[1]) < 0.01
    assert report["scale"] <= 1
    for step in report["steps"]:
        assert step["screen"] != "home", step  # in the flow, where the footer is
        for part in ("header", "btn:home", "btn:elderly", "btn:back", "btn:next"):
            assert step[part] is not None, (part, step)
            assert inside(window, step[part]), (part, step, window)
            assert inside(available, step[part]), (part, step, available)
        # The footer is at the bottom of the window, not somewhere below the screen.
        assert step["btn:next"][1] + step["btn:next"][3] > window[1] + 0.85 * window[3]
    for step in ("1", "2", "2-elderly"):
        assert (tmp_path / f"windowed-{width}x{height}-{step}.png").stat().st_size > 10_000


def test_a_portrait_canvas_asked_for_on_a_1080_high_desktop_is_shown_whole(tmp_path):
    # What `make run` did before: the standing kiosk's canvas, 1920 px tall, in a window
    # on a 1080-high screen, its footer off-screen from the second step on.
    report = run_windowed(tmp_path, 1920, 1080, size="1080x1920")
    assert report["canvas"] == [1080, 1920] and report["scale"] < 0.55
    assert inside(report["available"], report["frame"])
    for step in report["steps"]:
        assert inside(report["window"], step["btn:next"]), step
        assert inside(report["window"], step["header"]), step
