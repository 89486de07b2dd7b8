"""The keyboard and the pads on the real window: the project's keyboard style and layouts
are the ones loaded, every key has a word or a letter, the pads' grids have no blank cell,
清空 can be undone, and the citizen's and the technician's pads use the same words."""

from __future__ import annotations

import pytest

from ui import audit
from ui.driver import all_items, find, pump, shown, tap, type_pinyin, wait_until
from ui.tour import keyboard_key, sample_petition

ID_NUMBER = "11010519491231002X"


def to_applicant(k):
    w, s = k.window, k.session
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    return w, s


def pad_labels(window) -> dict[str, str]:
    """Role (objectName) -> the word shown, for every cell of the open digit pad."""
    grid = find(window, "digitPadGrid")
    return {i.objectName(): str(i.property("text")) for i in grid.childItems()
            if i.objectName().startswith("key:")}


def test_the_id_pad_has_x_and_the_phone_pad_none_and_no_cell_is_blank(kiosk_window):
    make, _ = kiosk_window
    w, s = to_applicant(make())
    tap(w, "digits:applicants[0].id_number")
    id_keys = pad_labels(w)
    assert set(id_keys.values()) == set("0123456789X") | {"删除", "清空", "确定"}
    tap(w, "digits:applicants[0].phone")
    phone_keys = pad_labels(w)
    assert set(phone_keys.values()) == set("0123456789") | {"删除", "清空", "确定"}
    grid = find(w, "digitPadGrid")
    cells = [i for i in grid.childItems() if i.objectName().startswith("key:")]
    assert all(shown(c) for c in cells)  # nothing kept invisible to hold a place
    m = audit.measure(w, 52)
    assert m["pad_blank_cells"] == 0 and m["pad_unlabelled"] == [] and m["pad_primary_buttons"] == 0
    assert m["primary_buttons"] == 1  # 下一步, the one primary action while the pad is open
    rows = {round(c.y()) for c in cells}
    assert len(rows) == 4
    for row in rows:
        right = max(c.x() + c.width() for c in cells if round(c.y()) == row or
                    (c.y() < row < c.y() + c.height()))
        assert round(right) == round(grid.width()), row  # every row reaches the right edge


def test_clear_then_undo_brings_the_digits_back_and_a_key_ends_the_undo(kiosk_window):
    make, _ = kiosk_window
    w, s = to_applicant(make())
    tap(w, "digits:applicants[0].id_number")
    for ch in ID_NUMBER:
        tap(w, f"key:{ch}")
    assert s.value("applicants[0].id_number") == ID_NUMBER
    tap(w, "key:清空")
    assert not s.value("applicants[0].id_number")
    assert find(w, "key:清空").property("text") == "撤销"
    tap(w, "key:清空")  # 撤销
    assert s.value("applicants[0].id_number") == ID_NUMBER
    assert find(w, "key:清空").property("text") == "清空"

    tap(w, "key:清空")
    tap(w, "key:1")  # typing again: what was cleared is gone for good
    assert find(w, "key:清空").property("text") == "清空"
    tap(w, "key:⌫")
    assert not s.value("applicants[0].id_number")
    tap(w, "key:清空")  # nothing to clear, nothing to undo
    assert not s.value("applicants[0].id_number") and find(w, "key:清空").property("text") == "清空"


def test_what_was_cleared_goes_with_the_session(kiosk_window):
    make, _ = kiosk_window
    k = make()
    w, s = to_applicant(k)
    tap(w, "digits:applicants[0].phone")
    for ch in "13912345678":
        tap(w, f"key:{ch}")
    tap(w, "key:清空")
    field = find(w, "digits:applicants[0].phone").parentItem()
    assert field.property("undoValue") == "13912345678"
    s.wiped.emit()
    pump(20)
    assert field.property("undoValue") == ""


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)], ids=["portrait", "landscape"])
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_the_keyboard_is_the_kiosks_own_and_grows_in_elderly_mode(kiosk_window, size, elderly):
    make, _ = kiosk_window
    k = make(size=size, elderly=elderly)
    w, s = k.window, k.session
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    s.load(sample_petition())
    s.goTo("matter")
    pump(50)
    tap(w, "area:matter.request")
    assert wait_until(lambda: find(w, "inputPanel", required=False) is not None, 3000)
    pump(100)
    panel = find(w, "inputPanel")
    # the kiosk's style: the light panel of the digit pad behind the keys, not Qt's dark one
    backgrounds = {i.property("color").name() for i in _below(panel)
                   if i.inherits("QQuickRectangle") and shown(i)}
    assert "#dce3ee" in backgrounds and "#263238" not in backgrounds, backgrounds
    m = audit.measure(w, 78 if elderly else 52)
    target = 120 if elderly else 88
    assert m["keyboard_keys"] == 34  # 26 letters, 删除, 符号, 英文, 手写, ，, 空格, 。, 收起键盘
    assert m["keyboard_smallest_key_px"] >= target, m["keyboard_smallest_key"]
    assert m["keyboard_unlabelled"] == [] and m["keyboard_not_chinese"] == []
    assert m["smallest_text_px"] >= (48 if elderly else 32)
    assert m["lowest_body_contrast"] >= 7.0
    for label in ("删除", "符号", "英文", "手写", "空格", "收起键盘"):
        keyboard_key(w, label)  # each there, in words
    # the space bar: dark words on a light face
    space = keyboard_key(w, "空格")
    texts = [i for i in all_items(w) if i.inherits("QQuickText") and str(i.property("text")) == "空格"
             and shown(i)]
    assert texts and audit.contrast(texts[0].property("color"), _face_colour(space)) >= 7.0

    # 英文 switches to the English letters and says 中文 to come back; 符号 and back.
    tap(w, keyboard_key(w, "英文"))
    assert w.vkbLocale() == "en_US"
    tap(w, keyboard_key(w, "中文"))
    assert w.vkbLocale() == "zh_CN"
    tap(w, keyboard_key(w, "符号"))
    keyboard_key(w, "1")
    tap(w, keyboard_key(w, "拼音"))
    assert "信访" in type_pinyin(w, "xinfang")  # still the Pinyin engine behind the keys


def _face_colour(key):
    from PySide6.QtGui import QColor

    faces = [i for i in _below(key) if i.inherits("QQuickRectangle") and shown(i)]
    return QColor(faces[0].property("color"))


def _below(item):
    out = []
    for child in item.childItems():
        out.append(child)
        out.extend(_below(child))
    return out


def test_the_pin_pad_uses_the_same_words(kiosk_window):
    make, loaded = kiosk_window
    from kiosk import technician as tech

    tech.set_pin(loaded.data_dir, "24681357")
    k = make()
    k.technician.openPad()
    pump(50)
    w = k.window
    for word in ("删除", "清空"):
        assert find(w, f"pin:{word}").property("text") == word
    assert find(w, "pin:ok").property("text") == "确定"
    m = audit.measure(w, 52)
    assert m["pad_keys"] == 14 and m["pad_blank_cells"] == 0 and m["pad_unlabelled"] == []
    assert m["pad_primary_buttons"] == 1 and m["pad_smallest_key_px"] >= 88
