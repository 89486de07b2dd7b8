"""The yardstick itself: `ui/audit` measured against values known beforehand — WCAG
contrast ratios, and small scenes whose targets, text sizes and backgrounds are set
by hand — so a wrong measurement cannot pass the tour and the technician screens."""

from __future__ import annotations

import pytest

WCAG_RATIOS = [  # (foreground, background, ratio to two decimals), from the WCAG formula
    ("#000000", "#ffffff", 21.0),
    ("#767676", "#ffffff", 4.54),  # the lightest grey that passes AA on white
    ("#777777", "#ffffff", 4.48),  # one step lighter: fails AA
    ("#595959", "#ffffff", 7.0),  # AAA for body text
    ("#ff0000", "#ffffff", 4.0),
    ("#0000ff", "#ffffff", 8.59),
    ("#ffffff", "#ffffff", 1.0),
]


@pytest.fixture
def engine(qapp):
    from PySide6.QtQml import QQmlApplicationEngine

    from ui.driver import pump

    made = []

    def load(body: str, imports: str = ""):
        """A white 600x600 window holding `body`, shown and painted."""
        e = QQmlApplicationEngine()
        e.loadData((f"import QtQuick\n{imports}Window {{\n width: 600; height: 600; visible: true\n"
                    f" color: \"#ffffff\"\n{body}\n}}\n").encode())
        assert e.rootObjects(), "the scene did not load"
        made.append(e)
        window = e.rootObjects()[0]
        pump(30)
        return window

    yield load
    for e in made:
        for window in e.rootObjects():
            window.close()
        e.deleteLater()
    pump(10)


@pytest.mark.parametrize(("fg", "bg", "ratio"), WCAG_RATIOS)
def test_contrast_is_the_wcag_ratio_either_way_round(qapp, fg, bg, ratio):
    from PySide6.QtGui import QColor

    from ui import audit

    assert round(audit.contrast(QColor(fg), QColor(bg)), 2) == ratio
    assert audit.contrast(QColor(bg), QColor(fg)) == audit.contrast(QColor(fg), QColor(bg))


def test_targets_are_what_a_finger_can_press_and_the_smallest_is_named(engine):
    from ui import audit

    window = engine("""
        MouseArea { objectName: "wide"; x: 0; y: 0; width: 300; height: 100 }
        MouseArea { objectName: "narrow"; x: 320; y: 0; width: 90; height: 400 }
        TextInput { objectName: "field"; x: 0; y: 120; width: 200; height: 96; text: "" }
        MouseArea { objectName: "off"; enabled: false; x: 500; y: 0; width: 20; height: 20 }
        MouseArea { objectName: "hidden"; visible: false; x: 500; y: 40; width: 20; height: 20 }
        MouseArea { objectName: "clear"; opacity: 0; x: 500; y: 80; width: 20; height: 20 }
        TextInput { objectName: "shown"; readOnly: true; x: 500; y: 120; width: 20; height: 20 }
        Item {
            objectName: "inputPanel"; x: 0; y: 420; width: 600; height: 180
            MouseArea { x: 0; y: 0; width: 30; height: 30 }
            Item { property int key: 65; property int keyType: 0; property string displayText: "a"
                   property bool functionKey: false; x: 100; width: 50; height: 64
                   Text { text: "a"; font.pixelSize: 34 } }
            Item { property int key: 66; property int keyType: 0; property string displayText: "b"
                   property bool functionKey: false; x: 200; width: 70; height: 80
                   Text { text: "b"; font.pixelSize: 34 } }
        }
    """)
    m = audit.measure(window, 52)
    assert m["targets"] == 3  # wide, narrow, the editable field; not the disabled, hidden,
    #                           transparent or read-only ones, nor the keyboard's own
    assert m["smallest_target"] == "90x400"  # the shortest side decides, not the area
    assert m["smallest_target_px"] == 90
    assert m["smallest_target_item"] == "narrow"
    assert m["keyboard_smallest_key"] == "50x64"


def test_text_sizes_in_pixels_and_points_and_only_shown_text_counts(engine):
    from ui import audit

    window = engine("""
        Text { x: 0; y: 0; text: "像素"; font.pixelSize: 40; color: "black" }
        Text { x: 0; y: 100; text: "磅值"; font.pointSize: 27; color: "black" }
        Text { x: 0; y: 200; text: "隐藏"; font.pixelSize: 8; color: "black"; visible: false }
        Text { x: 0; y: 300; text: "透明"; font.pixelSize: 8; color: "black"; opacity: 0 }
        Text { x: 0; y: 400; text: ""; font.pixelSize: 8; color: "black" }
        Item { visible: false; Text { text: "父项隐藏"; font.pixelSize: 8 } }
    """)
    m = audit.measure(window, 52)
    assert m["texts"] == 2
    assert m["smallest_text_px"] == 36  # 27 pt at 96 dpi
    assert m["smallest_text"] == "磅值"
    assert m["targets"] == 0 and "smallest_target_px" not in m


def test_contrast_is_read_against_what_is_painted_behind_the_text(engine):
    from ui import audit

    window = engine("""
        Text { x: 10; y: 10; text: "灰字"; font.pixelSize: 34; color: "#767676" }
        Rectangle {
            x: 0; y: 100; width: 600; height: 100; color: "black"
            Text { x: 10; y: 10; text: "白字"; font.pixelSize: 34; color: "white" }
        }
        Text { x: 10; y: 310; text: "盖住"; font.pixelSize: 34; color: "black" }
        Rectangle { x: 0; y: 300; width: 600; height: 100; color: "#00000000" }
        Text { x: 10; y: 410; text: "大标题"; font.pixelSize: 60; color: "#959595" }
    """)
    m = audit.measure(window, 52)
    assert m["lowest_contrast"] == 3.0  # the heading: #959595 on white
    assert m["lowest_contrast_text"] == "大标题 (#959595 on #ffffff)"
    assert m["lowest_body_contrast"] == 4.54  # #767676 on the white window; white on black is 21
    #                                            and the fully transparent rectangle adds nothing


def test_a_rectangle_painted_after_the_text_is_not_behind_it(engine):
    from ui import audit

    window = engine("""
        Text { x: 10; y: 10; text: "在下面"; font.pixelSize: 34; color: "black" }
        Rectangle { x: 0; y: 0; width: 600; height: 100; color: "black"; opacity: 0.5 }
    """)
    assert audit.measure(window, 52)["lowest_contrast"] == 21.0
    window = engine("""
        Rectangle { x: 0; y: 0; width: 600; height: 100; color: "black"; z: 1 }
        Text { x: 10; y: 10; text: "被盖住"; font.pixelSize: 34; color: "white"; z: 0 }
        Text { x: 10; y: 200; text: "底下"; font.pixelSize: 34; color: "white"; z: 2
               Rectangle { z: -1; anchors.fill: parent; color: "black" } }
    """)
    m = audit.measure(window, 52)
    # z orders painting: the black rectangle (z 1) is painted after the first text (z 0),
    # so that text is white on the white window; the second one's child at z -1 is behind it.
    assert m["lowest_contrast"] == 1.0
    assert m["lowest_contrast_text"] == "被盖住 (#ffffff on #ffffff)"


def test_translucent_layers_are_blended_over_the_window(engine):
    from ui import audit

    window = engine("""
        Rectangle {
            x: 0; y: 0; width: 600; height: 200; color: "#80000000"
            Text { x: 10; y: 10; text: "半透明"; font.pixelSize: 34; color: "white" }
        }
    """)
    m = audit.measure(window, 52)
    # #80000000 (alpha 128/255) over white is #7f7f7f: white on it is 4.0
    assert m["lowest_contrast"] == 4.0
    assert m["lowest_contrast_text"] == "半透明 (#ffffff on #7f7f7f)"

    window = engine("""
        Rectangle {
            x: 0; y: 0; width: 600; height: 200; color: "black"; opacity: 0.5
            Rectangle {
                x: 0; y: 0; width: 600; height: 200; color: "black"; opacity: 0.5
                Text { x: 10; y: 10; text: "叠加"; font.pixelSize: 34; color: "white" }
            }
        }
    """)
    m = audit.measure(window, 52)
    # opacity multiplies down the tree: black at 0.5 over white, then black at 0.25 over that
    # (0.5 x 0.75 = 0.375 of white left, shown as #606060): white on it is 6.32
    assert m["lowest_contrast_text"] == "叠加 (#ffffff on #606060)"
    assert m["lowest_contrast"] == 6.32


def test_keyboard_keys_are_measured_with_their_labels(engine):
    from ui import audit

    window = engine("""
        Rectangle {
            objectName: "inputPanel"; x: 0; y: 300; width: 600; height: 300; color: "#dce3ee"
            Item { property int keyType: 0; property string displayText: "a"
                   property bool functionKey: false; x: 0; width: 120; height: 130
                   Text { text: "a"; font.pixelSize: 44; color: "#1a1a1a" } }
            Item { property int keyType: 1; property string displayText: ""
                   property bool functionKey: true; x: 130; width: 120; height: 130 }
            Item { property int keyType: 2; property string displayText: "&123"
                   property bool functionKey: true; x: 260; width: 100; height: 86
                   Text { text: "&123"; font.pixelSize: 34; color: "#0b3d91" } }
            Item { property int keyType: 3; property string displayText: "删除"
                   property bool functionKey: true; x: 370; width: 120; height: 130
                   Text { text: "删除"; font.pixelSize: 34; color: "#767676" } }
        }
    """)
    m = audit.measure(window, 52)
    assert m["keyboard_keys"] == 4
    assert m["keyboard_smallest_key"] == "100x86" and m["keyboard_smallest_key_px"] == 86
    assert len(m["keyboard_unlabelled"]) == 1  # the key with nothing on its face
    assert m["keyboard_not_chinese"] == ["&123"]  # a function key must say what it does in words
    # its labels count with the screen's text: #767676 on the panel's #dce3ee
    assert m["lowest_contrast_text"] == "删除 (#767676 on #dce3ee)"


def test_pads_count_their_blank_cells_and_primary_buttons(engine):
    from ui import audit

    window = engine("""
        Rectangle {
            objectName: "digitPad"; width: 600; height: 300; color: "#dce3ee"
            Button { objectName: "key:1"; text: "1"; x: 0; width: 120; height: 110 }
            Button { objectName: "key:"; text: ""; x: 130; width: 120; height: 110 }
            Button { objectName: "key:X"; text: "X"; opacity: 0; x: 260; width: 120; height: 110 }
            Button { objectName: "key:完成"; text: "确定"; property bool primary: true
                     x: 390; width: 90; height: 110 }
            Item { visible: false
                   Button { objectName: "key:other"; text: "别处"; width: 10; height: 10 } }
        }
    """, imports="import QtQuick.Controls.Basic\n")
    m = audit.measure(window, 52)
    assert m["pad_keys"] == 2  # 1 and 确定; the hidden row is not part of this layout
    assert m["pad_blank_cells"] == 2  # the unlabelled cell and the one kept transparent
    assert m["pad_primary_buttons"] == 1 and m["primary_buttons"] == 1
    assert m["pad_smallest_key_px"] == 90
