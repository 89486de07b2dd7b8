"""Which canvas, at which scale, fits a desktop window (`kiosk ui --windowed`).

The kiosk's layouts are made for two canvases, portrait 1080×1920 and landscape
1920×1080; shared/UX.md's measures hold on them at scale 1, as on a kiosk. A desktop
window shows one of them whole, scaled down to the screen's available area (taskbars
and docks excluded, the window's frame included), so the header and the footer with
下一步 are always on screen. Pure arithmetic, without Qt: `ui/cli.py` hands it the
screen's available geometry and, once the window is up, its real frame.
"""

from __future__ import annotations

from dataclasses import dataclass

PORTRAIT = (1080, 1920)
LANDSCAPE = (1920, 1080)
CANVASES = (PORTRAIT, LANDSCAPE)
# Never shown larger than designed: at scale 1 the measures of UX.md are true.
MAX_SCALE = 1.0
# Below this the text is too small to read on any desktop; the window is then cut
# by the screen rather than shrunk further (no screen this small runs a kiosk).
MIN_SCALE = 0.25


@dataclass(frozen=True)
class Rect:
    x: int
    y: int
    width: int
    height: int

    def contains(self, other: Rect) -> bool:
        return (other.x >= self.x and other.y >= self.y
                and other.x + other.width <= self.x + self.width
                and other.y + other.height <= self.y + self.height)


@dataclass(frozen=True)
class Margins:
    left: int
    top: int
    right: int
    bottom: int


# The frame a window manager adds is known only once the window is shown: until then,
# room for a title bar and thin borders (a common desktop's are 30–40 px and 0–8 px).
FRAME_GUESS = Margins(8, 40, 8, 8)


@dataclass(frozen=True)
class Fit:
    canvas: tuple[int, int]  # the layout's size, one of CANVASES
    scale: float  # window size / canvas size
    window: Rect  # where the window's content goes, in screen coordinates (frame outside it)


def scale_for(canvas: tuple[int, int], room_width: int, room_height: int) -> float:
    """The largest scale (at most MAX_SCALE) at which the canvas fits the room,
    rounded down to 1/1000 so the rounded window size never exceeds the room."""
    exact = min(room_width / canvas[0], room_height / canvas[1], MAX_SCALE)
    return max(MIN_SCALE, int(exact * 1000) / 1000)


def fit_window(available: Rect, frame: Margins = FRAME_GUESS,
               canvas: tuple[int, int] | None = None) -> Fit:
    """The canvas (the one asked for, else whichever can be shown larger; on a tie the
    one shaped like the screen) and the scale at which it fits `available` with its
    frame, the window centred there."""
    room_w = max(1, available.width - frame.left - frame.right)
    room_h = max(1, available.height - frame.top - frame.bottom)
    if canvas is None:
        screen_landscape = available.width >= available.height
        canvas = max(CANVASES, key=lambda c: (scale_for(c, room_w, room_h),
                                              (c[0] > c[1]) == screen_landscape))
    scale = scale_for(canvas, room_w, room_h)
    width, height = int(canvas[0] * scale), int(canvas[1] * scale)
    x = available.x + frame.left + max(0, (room_w - width) // 2)
    y = available.y + frame.top + max(0, (room_h - height) // 2)
    return Fit(canvas, scale, Rect(x, y, width, height))


def framed(window: Rect, frame: Margins) -> Rect:
    """The window with its frame, as the screen sees it."""
    return Rect(window.x - frame.left, window.y - frame.top,
                window.width + frame.left + frame.right, window.height + frame.top + frame.bottom)
