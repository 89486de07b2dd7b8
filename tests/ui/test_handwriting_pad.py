"""手写 through the real window: the keyboard's 手写 key opens the pad in the field being
typed in, strokes sent as mouse events (a finger) give candidates from the real engine,
a tap puts the character into the field, 删除 / 重写 / 拼音 do what they say, and the
strokes go with the session."""

from __future__ import annotations

import pytest

from ui.driver import all_items, draw_strokes, find, pump, shown, tap, type_pinyin, wait_until
from ui.tour import KOU, SHI, keyboard_key


def to_name_field(k):
    w, s = k.window, k.session
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    tap(w, "field:applicants[0].name")
    assert wait_until(lambda: visible(w, "inputPanel"), 3000)
    pump(100)
    return w, s


def visible(window, name: str) -> bool:
    return find(window, name, required=False) is not None


def write(window, strokes) -> None:
    draw_strokes(window, find(window, "handwritingArea"), strokes)


def candidates(window) -> list[str]:
    """The candidates shown once recognition of every stroke drawn has answered (while it
    runs, the keys of the previous answer stay and are about to be replaced)."""
    pad = find(window, "handwritingPad", required=False)
    if pad is None or pad.property("recognising"):
        return []
    out = []
    for i in range(20):
        key = find(window, f"key:candidate:{i}", required=False)
        if key is None or not shown(key):
            break
        out.append(str(key.property("text")))
    return out


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_written_characters_go_into_the_field_and_the_strokes_go_with_the_session(kiosk_window, size):
    make, _ = kiosk_window
    k = make(size=size)
    w, s = to_name_field(k)
    tap(w, keyboard_key(w, "手写"))
    assert wait_until(lambda: visible(w, "handwritingPad") and not visible(w, "inputPanel"), 3000)
    assert visible(w, "footer") and shown(find(w, "btn:next"))  # the bottom bar stays
    area = find(w, "handwritingArea")
    assert min(area.width(), area.height()) >= 600

    write(w, SHI)
    assert wait_until(lambda: "十" in candidates(w), 5000), candidates(w)
    assert k.handwriting.strokes_held() == 2
    tap(w, find(w, f"key:candidate:{candidates(w).index('十')}"))
    pump(50)
    assert s.value("applicants[0].name") == "十"
    assert k.handwriting.strokes_held() == 0 and candidates(w) == []  # clear for the next one

    write(w, KOU)
    assert wait_until(lambda: "口" in candidates(w), 5000), candidates(w)
    tap(w, find(w, f"key:candidate:{candidates(w).index('口')}"))
    pump(50)
    assert s.value("applicants[0].name") == "十口"

    tap(w, "key:删除")  # the character before the cursor
    pump(20)
    assert s.value("applicants[0].name") == "十"

    write(w, SHI)
    assert wait_until(lambda: candidates(w) != [], 5000)
    tap(w, "key:重写")  # the strokes go, the field keeps what it has
    pump(20)
    assert k.handwriting.strokes_held() == 0 and candidates(w) == []
    assert s.value("applicants[0].name") == "十"

    # strokes left on the pad when the session ends are gone with it
    write(w, KOU)
    assert k.handwriting.strokes_held() == 3
    s.goHome()
    pump(50)
    assert k.handwriting.strokes_held() == 0 and k.handwriting.property("candidates") == []
    assert not visible(w, "handwritingPad")


def test_the_choice_of_handwriting_holds_for_the_next_field_until_pinyin(kiosk_window):
    make, _ = kiosk_window
    k = make()
    w, s = to_name_field(k)
    tap(w, keyboard_key(w, "手写"))
    assert wait_until(lambda: visible(w, "handwritingPad"), 3000)
    tap(w, "field:applicants[0].address")  # another text field opens with the pad, not the keyboard
    pump(100)
    assert visible(w, "handwritingPad") and not visible(w, "inputPanel")
    write(w, SHI)
    assert wait_until(lambda: "十" in candidates(w), 5000)
    tap(w, find(w, f"key:candidate:{candidates(w).index('十')}"))
    pump(50)
    assert s.value("applicants[0].address") == "十"
    tap(w, "key:拼音")  # back to the keyboard, in the same field
    assert wait_until(lambda: visible(w, "inputPanel"), 3000)
    assert not visible(w, "handwritingPad")
    tap(w, "field:applicants[0].name")
    pump(100)
    assert visible(w, "inputPanel") and not visible(w, "handwritingPad")


def test_without_the_model_the_pad_says_so_in_plain_chinese_and_pinyin_stays(kiosk_window, tmp_path):
    import dataclasses

    make, loaded = kiosk_window
    settings = loaded.config.handwriting.model_copy(update={"model": tmp_path / "absent.model"})
    broken = dataclasses.replace(loaded, config=loaded.config.model_copy(update={"handwriting": settings}))
    k = make(loaded=broken)
    w, s = to_name_field(k)
    tap(w, keyboard_key(w, "手写"))
    assert wait_until(lambda: not k.handwriting.property("available"), 5000)
    pump(50)
    texts = [str(i.property("text")) for i in all_items(w)
             if i.inherits("QQuickText") and shown(i) and find(w, "handwritingArea") is not None]
    assert any("手写识别的字库没有安装" in t and "拼音" in t for t in texts), texts
    tap(w, "key:拼音")
    assert wait_until(lambda: visible(w, "inputPanel"), 3000)
    assert type_pinyin(w, "xin") and s.screen == "applicant"  # typing stays possible


def test_in_elderly_landscape_the_writing_area_is_800_and_stands_in_the_footers_middle(kiosk_window):
    """大字 on the landscape canvas: between header and footer there is less than 800 px, so
    the area reaches down into the footer's middle; 上一步 and 下一步 keep their corners, no
    part of the area lies under them, and strokes drawn in the part inside the footer count."""
    make, _ = kiosk_window
    k = make(size=(1920, 1080))
    tap(k.window, "btn:elderly")
    w, s = to_name_field(k)
    tap(w, keyboard_key(w, "手写"))
    assert wait_until(lambda: visible(w, "handwritingPad"), 3000)
    pump(100)
    area = find(w, "handwritingArea")
    assert min(area.width(), area.height()) >= 800
    box = area.mapRectToScene(area.boundingRect())
    footer = find(w, "footer")
    assert box.bottom() > footer.mapRectToScene(footer.boundingRect()).top()  # it does reach in
    assert box.bottom() <= w.height()
    for name in ("btn:back", "btn:next"):
        button = find(w, name)
        assert shown(button)
        assert not box.intersects(button.mapRectToScene(button.boundingRect())), name
    # 一 drawn low in the area, inside the footer's band: recognised as any other stroke
    write(w, [[(0.15, 0.92), (0.5, 0.92), (0.85, 0.92)]])
    assert wait_until(lambda: "一" in candidates(w), 5000), candidates(w)
    assert s.screen == "applicant"  # the stroke was the pad's, not a tap on the footer
