"""`ui/fit.py`: the canvas and scale a desktop window gets, from the screen's available
area (taskbars excluded) and the window's frame."""

from __future__ import annotations

import pytest

from ui.fit import FRAME_GUESS, LANDSCAPE, PORTRAIT, Margins, Rect, fit_window, framed

TITLE_BAR = Margins(1, 37, 1, 1)  # a common desktop's frame


@pytest.mark.parametrize(("available", "canvas"), [
    (Rect(0, 0, 1920, 1040), LANDSCAPE),  # 1920×1080 with a 40 px taskbar at the bottom
    (Rect(0, 27, 1366, 741), LANDSCAPE),  # 1366×768 with a top bar
    (Rect(0, 0, 1280, 1024), LANDSCAPE),  # an old 5:4 monitor
    (Rect(0, 0, 1080, 1872), PORTRAIT),  # a portrait monitor with a 48 px taskbar
    (Rect(1920, 0, 1200, 1870), PORTRAIT),  # a rotated second monitor right of the first
])
def test_the_canvas_that_shows_larger_is_chosen_and_fits_the_available_area(available, canvas):
    fit = fit_window(available, TITLE_BAR)
    assert fit.canvas == canvas
    assert available.contains(framed(fit.window, TITLE_BAR))
    # The layout is kept: the window has the canvas's shape, only smaller.
    assert fit.window.width == int(canvas[0] * fit.scale)
    assert fit.window.height == int(canvas[1] * fit.scale)
    assert 0.25 <= fit.scale <= 1


def test_1920x1080_shows_the_landscape_canvas_at_nearly_full_size():
    fit = fit_window(Rect(0, 0, 1920, 1040), TITLE_BAR)
    # The height is what limits: 1040 - 38 px of frame for 1080 px of canvas.
    assert fit.scale == pytest.approx(1002 / 1080, abs=0.001)
    assert fit.window.height <= 1002 and fit.window.y >= 37


def test_1366x768_scales_down_and_centres_the_window():
    available = Rect(0, 0, 1366, 728)
    fit = fit_window(available, TITLE_BAR)
    assert fit.canvas == LANDSCAPE and fit.scale < 0.7
    left = fit.window.x - TITLE_BAR.left
    right = available.width - (fit.window.x + fit.window.width + TITLE_BAR.right)
    assert abs(left - right) <= 1


def test_a_screen_larger_than_the_canvas_shows_it_at_scale_1_never_larger():
    fit = fit_window(Rect(0, 0, 2560, 1400), TITLE_BAR)
    assert fit.canvas == LANDSCAPE and fit.scale == 1
    assert (fit.window.width, fit.window.height) == LANDSCAPE
    fit = fit_window(Rect(0, 0, 2160, 3800), TITLE_BAR)
    assert fit.canvas == PORTRAIT and fit.scale == 1


def test_a_canvas_asked_for_is_kept_and_scaled_to_fit():
    # `kiosk ui --windowed --size 1080x1920` on a landscape desktop: the standing kiosk's
    # layout, shown whole in a tall narrow window.
    available = Rect(0, 0, 1920, 1040)
    fit = fit_window(available, TITLE_BAR, canvas=PORTRAIT)
    assert fit.canvas == PORTRAIT
    assert available.contains(framed(fit.window, TITLE_BAR))
    assert fit.window.height == int(1920 * fit.scale) and fit.scale < 0.53


def test_a_square_screen_prefers_the_canvas_of_its_own_shape_on_a_tie():
    fit = fit_window(Rect(0, 0, 3000, 3000), Margins(0, 0, 0, 0))
    assert fit.canvas == LANDSCAPE and fit.scale == 1  # both fit at 1: landscape is its shape


def test_before_the_frame_is_known_room_is_kept_for_a_title_bar():
    available = Rect(0, 0, 1366, 768)
    fit = fit_window(available)
    assert available.contains(framed(fit.window, FRAME_GUESS))
    assert fit.window.y >= FRAME_GUESS.top


def test_the_scale_never_rounds_the_window_past_the_room():
    for height in range(500, 1200, 7):
        for width in (800, 1024, 1366, 1600):
            available = Rect(0, 0, width, height)
            fit = fit_window(available, TITLE_BAR)
            assert available.contains(framed(fit.window, TITLE_BAR)), (width, height, fit)
