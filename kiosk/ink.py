"""Handwriting (手写): strokes as drawn → the characters they may be, without Qt.

The engine is Zinnia (Debian `libzinnia0`) with the Tegaki simplified-Chinese model
(Debian `tegaki-zinnia-simplified-chinese`). Debian has no Python binding for it, so
this module is a small `ctypes` binding to the library's C API: eight functions, no
build step, and the library Debian keeps up to date. `tests/core/test_ink.py` holds it
to the library's own tool (`zinnia` of `zinnia-utils`), so the binding cannot drift
from what the library answers by itself.

Before the engine sees a character it is made regular, because a finger on a kiosk
glass draws it at any size, anywhere in the pad, and with touch events of any density:

- the box: the strokes' bounding box is scaled uniformly (the aspect ratio kept, so 一
  stays flat) into a square of `BOX` with a margin, centred — where the model's own
  training characters sit;
- resampling: each stroke becomes points at an even spacing along its path, so a slow
  stroke (many events) and a fast one (few) give the same input, and the jitter of a
  finger standing still goes;
- the order: strokes stay in the order they were drawn, each its own stroke id; a dot
  (a tap) stays a stroke of its own.

Strokes are personal data (what a citizen writes): they live only in memory, in the
caller's hands; this module keeps none, logs none and writes none.
"""

from __future__ import annotations

import ctypes
import json
import math
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MODEL = Path("/usr/share/tegaki/models/zinnia/handwriting-zh_CN.model")
LIBRARY = "libzinnia.so.0"
DEBIAN_PACKAGES = ("libzinnia0", "tegaki-zinnia-simplified-chinese")

BOX = 1000  # the square every character is drawn into before it is classified
MARGIN = 0.25  # of BOX on each side (bench/handwriting.py: 0.25 beat 0, 0.1, 0.2 and 0.3)
SPACING = 20.0  # between resampled points, in BOX units (a 2 % step)
CANDIDATES = 10
# The engine's first ranks hold radicals (亻, 囗, 彐) and rare characters (卣, 芷) as readily
# as the common ones a citizen writes. Of its best POOL, the characters of GB 2312's first
# level (3,755 常用字) gain LEVEL_1, its second level (3,008 次常用字) LEVEL_2, on the
# engine's score; nothing is dropped, so a rarer character written clearly still comes.
# (bench/handwriting.py: top-10 89.4 % → 90.2 %, top-1 74.4 % → 75.9 %.)
POOL = 50
LEVEL_1, LEVEL_2 = 0.5, 0.25
MAX_STROKES = 64  # more is not a character: a hand resting on the pad
MAX_POINTS = 4096  # per stroke, before resampling

Point = tuple[float, float]
Stroke = Sequence[Point]


class InkError(Exception):
    """Why handwriting cannot be recognised here: `message` in plain Chinese for the
    screen, `detail` in English for the technician and the log."""

    def __init__(self, message: str, detail: str) -> None:
        super().__init__(detail)
        self.message = message
        self.detail = detail


class InkInputError(ValueError):
    """Strokes that are not strokes: `path` says where (e.g. `strokes[2][5]`)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


# --- the strokes -------------------------------------------------------------------------


def parse_strokes(data: object) -> list[list[Point]]:
    """Strokes as JSON gives them: a list of strokes, each a list of [x, y] points (or an
    object with `strokes` holding that). Every problem is an `InkInputError` naming where."""
    if isinstance(data, dict):
        if "strokes" not in data:
            raise InkInputError("$", "an object needs a 'strokes' key (a list of strokes)")
        data = data["strokes"]
        where = "strokes"
    else:
        where = "$"
    if not isinstance(data, list):
        raise InkInputError(where, "must be a list of strokes")
    if not data:
        raise InkInputError(where, "no strokes: write at least one")
    if len(data) > MAX_STROKES:
        raise InkInputError(where, f"{len(data)} strokes; at most {MAX_STROKES}")
    strokes: list[list[Point]] = []
    for i, stroke in enumerate(data):
        at = f"{where}[{i}]"
        if not isinstance(stroke, list) or not stroke:
            raise InkInputError(at, "a stroke must be a non-empty list of [x, y] points")
        if len(stroke) > MAX_POINTS:
            raise InkInputError(at, f"{len(stroke)} points; at most {MAX_POINTS}")
        points: list[Point] = []
        for j, point in enumerate(stroke):
            here = f"{at}[{j}]"
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise InkInputError(here, "a point must be [x, y]")
            x, y = point
            for name, v in (("x", x), ("y", y)):
                if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
                    raise InkInputError(here, f"{name} must be a finite number, not {v!r}")
            points.append((float(x), float(y)))
        strokes.append(points)
    return strokes


def load_strokes(path: Path) -> list[list[Point]]:
    """A strokes file (`kiosk ink recognize FILE.json`); unreadable or not JSON is an
    `InkInputError` too."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InkInputError(str(path), f"cannot be read ({e.strerror or e})") from e
    except UnicodeDecodeError as e:
        raise InkInputError(str(path), "is not UTF-8 text") from e
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise InkInputError(str(path), f"is not JSON (line {e.lineno}, column {e.colno}: {e.msg})") from e
    return parse_strokes(data)


def _resample(stroke: Sequence[Point], spacing: float) -> list[Point]:
    """Points every `spacing` along the stroke's path, its first and last point kept."""
    out = [stroke[0]]
    need = spacing  # path still to walk before the next point
    for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
        seg = math.hypot(x1 - x0, y1 - y0)
        walked = 0.0
        while seg - walked >= need:
            walked += need
            out.append((x0 + (x1 - x0) * walked / seg, y0 + (y1 - y0) * walked / seg))
            need = spacing
        need -= seg - walked
    last = stroke[-1]
    if math.hypot(last[0] - out[-1][0], last[1] - out[-1][1]) > spacing / 4:
        out.append(last)
    return out


def normalise(strokes: Sequence[Stroke], *, box: int = BOX) -> list[list[tuple[int, int]]]:
    """The strokes in drawing order, scaled into the centre of a `box` square (aspect ratio
    kept) and resampled at an even spacing; a dot stays a short stroke of its own."""
    points = [p for s in strokes for p in s]
    if not points:
        return []
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    left, top = min(xs), min(ys)
    width, height = max(xs) - left, max(ys) - top
    inner = box * (1 - 2 * MARGIN)
    side = max(width, height)
    # A character that is one dot (or very small) is not blown up to the whole box.
    scale = inner / side if side > 0 else 1.0
    off_x = (box - width * scale) / 2
    off_y = (box - height * scale) / 2
    out: list[list[tuple[int, int]]] = []
    for stroke in strokes:
        if not stroke:
            continue
        placed = [((x - left) * scale + off_x, (y - top) * scale + off_y) for x, y in stroke]
        even = _resample(placed, SPACING)
        if len(even) == 1:  # a dot: the engine needs a stroke with a direction
            x, y = even[0]
            even = [(x, y), (x + 1, y + 1)]
        out.append([(round(x), round(y)) for x, y in even])
    return out


def gb2312_level(character: str) -> int:
    """1 or 2 for a character of GB 2312's first or second level of hanzi, else 0: read from
    Python's own GB 2312 codec (rows 16-55 are level 1, 56-87 level 2), no table of ours."""
    try:
        code = character.encode("gb2312")
    except UnicodeEncodeError:
        return 0
    if len(code) != 2:
        return 0
    row = code[0] - 0xA0
    return 1 if 16 <= row <= 55 else 2 if 56 <= row <= 87 else 0


def _ranked(found: list[Candidate], n: int) -> list[Candidate]:
    bonus = {1: LEVEL_1, 2: LEVEL_2, 0: 0.0}
    return sorted(found, key=lambda c: -(c.score + bonus[gb2312_level(c.character)]))[:n]


# --- the engine --------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    character: str
    score: float


def _bind(library: str) -> ctypes.CDLL:
    lib = ctypes.CDLL(library)
    c_p = ctypes.c_void_p
    signatures = {
        "zinnia_recognizer_new": ([], c_p),
        "zinnia_recognizer_destroy": ([c_p], None),
        "zinnia_recognizer_open": ([c_p, ctypes.c_char_p], ctypes.c_int),
        "zinnia_recognizer_strerror": ([c_p], ctypes.c_char_p),
        "zinnia_recognizer_classify": ([c_p, c_p, ctypes.c_size_t], c_p),
        "zinnia_character_new": ([], c_p),
        "zinnia_character_destroy": ([c_p], None),
        "zinnia_character_set_width": ([c_p, ctypes.c_size_t], None),
        "zinnia_character_set_height": ([c_p, ctypes.c_size_t], None),
        "zinnia_character_add": ([c_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int], ctypes.c_int),
        "zinnia_result_value": ([c_p, ctypes.c_size_t], ctypes.c_char_p),
        "zinnia_result_score": ([c_p, ctypes.c_size_t], ctypes.c_float),
        "zinnia_result_size": ([c_p], ctypes.c_size_t),
        "zinnia_result_destroy": ([c_p], None),
    }
    for name, (args, result) in signatures.items():
        fn = getattr(lib, name)
        fn.argtypes = args
        fn.restype = result
    return lib


def _packages_fix() -> str:
    return "sudo apt-get install " + " ".join(DEBIAN_PACKAGES)


class Recognizer:
    """One loaded model. Opening maps the 26 MB model (do it off the GUI thread);
    `candidates` is safe from any thread (calls are serialised: the library does not
    promise more)."""

    def __init__(self, model: Path = DEFAULT_MODEL, library: str = LIBRARY) -> None:
        self.model = Path(model)
        try:
            self._lib = _bind(library)
        except (OSError, AttributeError) as e:
            raise InkError(
                "手写识别程序没有安装，暂时不能手写，请用拼音输入。",
                f"cannot load the handwriting library {library} ({e}); fix: {_packages_fix()}",
            ) from e
        if not self.model.is_file():
            raise InkError(
                "手写识别的字库没有安装，暂时不能手写，请用拼音输入。",
                f"handwriting model {self.model} not found; fix: {_packages_fix()}"
                " or set [handwriting] model in the configuration",
            )
        self._lock = threading.Lock()
        self._recognizer = self._lib.zinnia_recognizer_new()
        if not self._lib.zinnia_recognizer_open(self._recognizer, os.fsencode(self.model)):
            why = (self._lib.zinnia_recognizer_strerror(self._recognizer) or b"").decode(errors="replace")
            self._lib.zinnia_recognizer_destroy(self._recognizer)
            self._recognizer = None
            raise InkError(
                "手写识别的字库打不开，暂时不能手写，请用拼音输入。",
                f"handwriting model {self.model} cannot be opened ({why.strip()}); fix: reinstall"
                f" {DEBIAN_PACKAGES[1]} (sudo apt-get install --reinstall {DEBIAN_PACKAGES[1]})",
            )

    def candidates(self, strokes: Sequence[Stroke], n: int = CANDIDATES) -> list[Candidate]:
        """The `n` likeliest characters for the strokes as drawn, best first (common ones
        first among the engine's best, see POOL)."""
        return _ranked(self.engine_candidates(strokes, max(n, POOL)), n)

    def engine_candidates(self, strokes: Sequence[Stroke], n: int = CANDIDATES) -> list[Candidate]:
        """The engine's own `n` best, by its score alone."""
        prepared = normalise(strokes)
        if not prepared:
            return []
        lib = self._lib
        with self._lock:
            if self._recognizer is None:
                raise InkError("手写识别已经关闭。", "recognizer closed")
            character = lib.zinnia_character_new()
            try:
                lib.zinnia_character_set_width(character, BOX)
                lib.zinnia_character_set_height(character, BOX)
                for stroke_id, stroke in enumerate(prepared):
                    for x, y in stroke:
                        lib.zinnia_character_add(character, stroke_id, x, y)
                result = lib.zinnia_recognizer_classify(self._recognizer, character, n)
                if not result:
                    return []
                try:
                    return [
                        Candidate(lib.zinnia_result_value(result, i).decode("utf-8"),
                                  float(lib.zinnia_result_score(result, i)))
                        for i in range(lib.zinnia_result_size(result))
                    ]
                finally:
                    lib.zinnia_result_destroy(result)
            finally:
                lib.zinnia_character_destroy(character)

    def characters(self, strokes: Sequence[Stroke], n: int = CANDIDATES) -> list[str]:
        return [c.character for c in self.candidates(strokes, n)]

    def close(self) -> None:
        with self._lock:
            if self._recognizer is not None:
                self._lib.zinnia_recognizer_destroy(self._recognizer)
                self._recognizer = None

    def __enter__(self) -> Recognizer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
