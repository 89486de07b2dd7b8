"""kiosk/ink.py: the ctypes binding gives what Zinnia's own tool gives, real strokes are
recognised, the strokes are made regular first, bad input is said precisely, and
`kiosk ink recognize` exits 0 / 1 / 2."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import ink

pytestmark = pytest.mark.core

DATA = Path(__file__).parent / "data" / "ink_medians.json"
SHI = [[(100, 500), (900, 500)], [(500, 100), (500, 900)]]
KOU = [[(200, 200), (200, 800)], [(200, 200), (800, 200), (800, 800)], [(200, 800), (800, 800)]]
needs_model = pytest.mark.skipif(not ink.DEFAULT_MODEL.is_file(),
                                 reason="Debian tegaki-zinnia-simplified-chinese not installed")


@pytest.fixture(scope="module")
def recognizer():
    if not ink.DEFAULT_MODEL.is_file():
        pytest.skip("Debian tegaki-zinnia-simplified-chinese not installed")
    with ink.Recognizer() as r:
        yield r


def medians() -> dict[str, list]:
    return json.loads(DATA.read_text(encoding="utf-8"))["characters"]


@needs_model
@pytest.mark.skipif(shutil.which("zinnia") is None, reason="zinnia-utils not installed")
def test_the_binding_answers_as_zinnias_own_tool(recognizer):
    for strokes in (SHI, KOU, *medians().values()):
        prepared = ink.normalise(strokes)
        sexp = "(character (width {0})(height {0})(strokes {1}))".format(
            ink.BOX, "".join("(" + "".join(f"({x} {y})" for x, y in s) + ")" for s in prepared))
        tool = subprocess.run(["zinnia", "-m", str(ink.DEFAULT_MODEL), "-n", "10"], input=sexp + "\n",
                              capture_output=True, text=True, timeout=30, check=True).stdout
        lines = [line.split() for line in tool.splitlines() if line and not line.startswith("Answer")]
        theirs = [(c, float(score)) for c, score in lines]
        ours = recognizer.engine_candidates(strokes, 10)
        assert [c.character for c in ours] == [c for c, _ in theirs]
        assert [round(c.score, 3) for c in ours] == [round(s, 3) for _, s in theirs]


def test_real_strokes_are_recognised(recognizer):
    assert recognizer.characters(SHI)[0] == "十"
    assert "口" in recognizer.characters(KOU)[:3]
    for character, strokes in medians().items():
        assert character in recognizer.characters(strokes), character


def test_common_characters_come_first_among_the_engines_best(recognizer):
    assert [ink.gb2312_level(c) for c in "的芷堃A"] == [1, 2, 0, 0]
    for strokes in (SHI, KOU, *medians().values()):
        engine = recognizer.engine_candidates(strokes, ink.POOL)
        ranked = recognizer.candidates(strokes, ink.POOL)
        assert sorted(c.character for c in ranked) == sorted(c.character for c in engine)  # none dropped
        levels = [ink.gb2312_level(c.character) for c in recognizer.candidates(strokes, 10)]
        bonus = {1: ink.LEVEL_1, 2: ink.LEVEL_2, 0: 0.0}
        boosted = [c.score + bonus[level] for c, level in zip(recognizer.candidates(strokes, 10), levels,
                                                              strict=True)]
        assert boosted == sorted(boosted, reverse=True)
    # 亻 (a radical, GB 2312 level 2) is the engine's first for these strokes; 人 comes first
    ren = [[(500, 100), (480, 400), (300, 700), (100, 900)], [(500, 400), (700, 700), (900, 900)]]
    assert recognizer.engine_candidates(ren)[0].character == "亻"
    assert recognizer.characters(ren)[0] == "人"


def test_size_and_place_on_the_pad_do_not_change_the_answer(recognizer):
    # the same 十 small in a corner of a large pad, drawn with many touch events
    small = [[(40 + t, 60.0) for t in range(0, 81)], [(80.0, 20 + t) for t in range(0, 81)]]
    assert recognizer.characters(small)[:3] == recognizer.characters(SHI)[:3]
    box = ink.normalise(small)
    xs = [x for s in box for x, _ in s]
    assert min(xs) >= ink.BOX * ink.MARGIN - 1 and max(xs) <= ink.BOX * (1 - ink.MARGIN) + 1


def test_strokes_are_resampled_evenly_and_kept_in_drawing_order():
    dense = [[(0.0, 0.0)] + [(x / 10, 0.0) for x in range(1, 1001)], [(50.0, -50.0), (50.0, 50.0)]]
    out = ink.normalise(dense)
    assert len(out) == 2
    first = out[0]
    steps = [b[0] - a[0] for a, b in zip(first, first[1:], strict=False)]
    assert all(abs(s - ink.SPACING) <= 1 for s in steps[:-1]), steps
    assert out[1][0][1] < out[1][-1][1]  # the second stroke drawn downwards stays so
    dot = ink.normalise([[(5.0, 5.0)], [(0.0, 0.0), (10.0, 10.0)]])
    assert len(dot[0]) == 2  # a tap stays a stroke of its own


@pytest.mark.parametrize(("data", "path"), [
    ([], "$"), ({"lines": []}, "$"), ([[]], "$[0]"), ([[[1, 2, 3]]], "$[0][0]"),
    ([[[1, "a"]]], "$[0][0]"), ([[[1, 2]], [[True, 2]]], "$[1][0]"),
    ({"strokes": [[[1, float("nan")]]]}, "strokes[0][0]"),
    ([[[0, 0]]] * (ink.MAX_STROKES + 1), "$"),
])
def test_bad_strokes_are_named_where(data, path):
    with pytest.raises(ink.InkInputError) as e:
        ink.parse_strokes(data)
    assert e.value.path == path


def test_a_missing_model_or_library_is_said_in_plain_chinese(tmp_path):
    with pytest.raises(ink.InkError) as e:
        ink.Recognizer(tmp_path / "none.model")
    assert "字库" in e.value.message and "apt-get install" in e.value.detail
    with pytest.raises(ink.InkError) as e:
        ink.Recognizer(library="libzinnia-not-there.so.0")
    assert "拼音" in e.value.message
    broken = tmp_path / "broken.model"
    broken.write_bytes(b"not a model")
    with pytest.raises(ink.InkError) as e:
        ink.Recognizer(broken)
    assert "打不开" in e.value.message


def kiosk(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app", "--demo", *args], capture_output=True,
                          text=True, timeout=60, cwd=cwd,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "XDG_DATA_HOME": str(cwd / "d"),
                               "PYTHONPATH": str(Path(__file__).resolve().parents[2])})


@needs_model
def test_kiosk_ink_recognize_prints_candidates_and_exits_2_on_bad_input(tmp_path):
    good = tmp_path / "shi.json"
    good.write_text(json.dumps(SHI))
    done = kiosk("ink", "recognize", str(good), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[0] == "十" and len(done.stdout.split()) == 10
    as_json = json.loads(kiosk("ink", "recognize", str(good), "--json", "-n", "3", cwd=tmp_path).stdout)
    assert [c["character"] for c in as_json][0] == "十" and len(as_json) == 3

    bad = tmp_path / "bad.json"
    bad.write_text('[[[1, 2]], [[3, "x"]]]')
    done = kiosk("ink", "recognize", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "$[1][0]: y must be a finite number" in done.stderr
    bad.write_text("[[[1, 2]")
    done = kiosk("ink", "recognize", str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "is not JSON" in done.stderr
    done = kiosk("ink", "recognize", str(tmp_path / "absent.json"), cwd=tmp_path)
    assert done.returncode == 2 and "cannot be read" in done.stderr
    done = kiosk("ink", "recognize", str(good), "-n", "0", cwd=tmp_path)
    assert done.returncode == 2 and "--count 0" in done.stderr

    done = kiosk("ink", "recognize", str(good), "--model", str(tmp_path / "none.model"), cwd=tmp_path)
    assert done.returncode == 1 and "字库没有安装" in done.stderr
