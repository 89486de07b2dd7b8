"""Line breaks a citizen trips over, measured as the tour's audit measures them: a word's
last character alone on a line (证 under 港澳台居民居住) and an ID, phone or receipt
number broken across lines or cut off. WrappedText (every BodyText and button label)
keeps the last two characters together; the audit finds what is still wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtQml import QQmlComponent, QQmlEngine
from PySide6.QtQuick import QQuickItem, QQuickWindow

from ui import audit
from ui.driver import pump

KIOSK_QML = (Path(__file__).resolve().parents[2] / "ui" / "qml" / "Kiosk").as_uri()
WIDTH = 340  # seven characters and a bit at 44 px: 港澳台居民居住 fills a line, 证 is left over


def window_with(engine: QQmlEngine, body: str) -> QQuickWindow:
    component = QQmlComponent(engine, engine)  # kept with the engine
    component.setData(f'''import QtQuick
import "{KIOSK_QML}" as K
Window {{ width: 800; height: 600; visible: true
{body}
}}'''.encode(), KIOSK_QML + "/")
    window = component.create()
    assert window is not None, component.errorString()
    QQmlEngine.setObjectOwnership(window, QQmlEngine.ObjectOwnership.CppOwnership)
    pump(80)
    return window


def item(window: QQuickWindow, name: str) -> QQuickItem:
    found = window.findChild(QQuickItem, name)
    assert found is not None, name
    return found


@pytest.fixture
def engine(qapp):
    engine = QQmlEngine()
    yield engine
    engine.deleteLater()


def test_a_lone_last_character_is_found_in_plain_text_and_kept_away_by_wrapped_text(engine):
    window = window_with(engine, f'''
    Text {{ objectName: "plain"; width: {WIDTH}; wrapMode: Text.Wrap; font.pixelSize: 44
            text: "港澳台居民居住证" }}
    K.WrappedText {{ objectName: "wrapped"; y: 200; width: {WIDTH}; font.pixelSize: 44
                    text: "港澳台居民居住证" }}''')
    plain, wrapped = item(window, "plain"), item(window, "wrapped")
    assert plain.property("lineCount") == 2 and wrapped.property("lineCount") == 2
    assert audit.lone_character(plain) == "港澳台居民居住 / 证"
    assert audit.lone_character(wrapped) is None
    assert audit._laid_out_lines(wrapped) == ["港澳台居民居", "住证"]
    # The text itself is untouched: read aloud, searched and compared as it was written.
    assert wrapped.property("text") == "港澳台居民居住证"
    window.deleteLater()


def test_wrapped_text_follows_a_new_text_and_a_new_width(engine):
    window = window_with(engine, f'''
    K.WrappedText {{ objectName: "wrapped"; width: {WIDTH}; font.pixelSize: 44
                    text: "港澳台居民居住证" }}''')
    wrapped = item(window, "wrapped")
    # Punctuation never counts as the second character: 页。 alone is still one.
    for text in ("回到首页前请等一下页。", "都不是，或者看不准？请找工作人员帮您看。", "短"):
        wrapped.setProperty("text", text)
        pump(50)
        assert audit.lone_character(wrapped) is None, audit._laid_out_lines(wrapped)
    wrapped.setProperty("text", "港澳台居民居住证")
    for width in (WIDTH + 44, WIDTH, 250, 800):
        wrapped.setProperty("width", width)
        pump(50)
        assert audit.lone_character(wrapped) is None, (width, audit._laid_out_lines(wrapped))
    assert wrapped.property("lineCount") == 1  # at 800 px it is one line, nothing handed down
    window.deleteLater()


def test_numbers_broken_across_lines_or_cut_off_are_found(engine):
    window = window_with(engine, '''
    Text { objectName: "broken"; width: 330; wrapMode: Text.Wrap; font.pixelSize: 44
           text: "1. 王秀兰　110105********002X" }
    Text { objectName: "cut"; y: 200; width: 200; clip: true; font.pixelSize: 44
           text: "110105 19491231 002X" }
    Text { objectName: "fits"; y: 300; width: 200; font.pixelSize: 44; fontSizeMode: Text.HorizontalFit
           minimumPixelSize: 8; text: "110105 19491231 002X" }
    Text { objectName: "date"; y: 400; width: 200; wrapMode: Text.Wrap; font.pixelSize: 44
           text: "2026年12月17日告知您" }''')
    assert audit.split_number(item(window, "broken")) == "110105********002X"
    assert audit.split_number(item(window, "cut")) == "110105 19491231 002X (cut off)"
    assert audit.split_number(item(window, "fits")) is None
    assert audit.split_number(item(window, "date")) is None  # a date may wrap between its parts
    window.deleteLater()


def test_growing_wide_enough_for_one_line_hands_nothing_down(engine):
    """Beside an open pad the label wraps; the pad closes and the label has the whole width:
    one line again, nothing left over."""
    window = window_with(engine, f'''
    K.WrappedText {{ objectName: "wrapped"; width: {WIDTH}; font.pixelSize: 44
                    text: "回执编号（回执上的10位数字）" }}''')
    wrapped = item(window, "wrapped")
    assert wrapped.property("lineCount") >= 2 and audit.lone_character(wrapped) is None
    wrapped.setProperty("width", 790)
    pump(50)
    assert wrapped.property("lineCount") == 1, audit._laid_out_lines(wrapped)
    window.deleteLater()
