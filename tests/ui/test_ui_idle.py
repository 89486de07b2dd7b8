"""Leaving without finishing: idle shows a countdown and 返回首页 asks first; either
way the session is wiped — answers, signature, photos, clipboard — and the keyboard
has learnt nothing."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor, QGuiApplication, QImage
from PySide6.QtTest import QTest

from ui.driver import choose_candidate, drag, find, pump, tap, type_pinyin, wait_until


def _photo() -> QImage:
    image = QImage(320, 240, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a6ea5"))
    return image


def _to_name_field(w, s):
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    tap(w, "field:applicants[0].name")
    assert wait_until(lambda: find(w, "inputPanel", required=False) is not None, 3000)


def test_countdown_wipes_the_session_and_the_keyboard_learns_nothing(kiosk_window):
    make, _ = kiosk_window
    # Typing on the keyboard's engine and the steps below send no pointer events, so the
    # warning time must outlast them on a loaded machine (or the question covers the pad).
    k = make(idle_ms=(2000, 3, 100))
    w, s = k.window, k.session

    _to_name_field(w, s)
    fresh = type_pinyin(w, "xinfang")
    assert "信访" in fresh and fresh[0] != "信访"
    choose_candidate(w, "信访")
    assert s.value("applicants[0].name") == "信访"
    s.goTo("consent")
    pump(20)
    drag(w, find(w, "signaturePad"), [(30, 30), (150, 90), (260, 40)])
    assert s.signed
    s.addPhoto("evidence", _photo())
    assert len(s.photos) == 1
    QGuiApplication.clipboard().setText("信访")

    # Working keeps the screen: activity within the warning time never shows the question.
    for _ in range(25):  # 2.5 s of moves, each within the 2 s
        QTest.mouseMove(w, QPoint(500, 900 + _))
        pump(100)
    assert not k.idle.asking

    assert wait_until(lambda: k.idle.asking, 5000)
    assert find(w, "dialog:idle:primary").property("text") == "需要，继续办理"
    assert wait_until(lambda: s.screen == "home", 2000)
    assert s.answers == {} and not s.signed and s.strokes == [] and not s.hasAnswers
    assert s.photos == []
    assert QGuiApplication.clipboard().text() == ""
    assert find(w, "dialog:idle", required=False) is None

    # The next person: the same letters offer exactly what a fresh install offers.
    _to_name_field(w, s)
    assert s.value("applicants[0].name") is None
    assert find(w, "field:applicants[0].name").property("text") == ""
    assert type_pinyin(w, "xinfang") == fresh


def test_home_asks_first_then_wipes_everything(kiosk_window):
    make, _ = kiosk_window
    k = make()
    w, s = k.window, k.session
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    s.setValue("applicants[0].name", "信访")
    s.addPhoto("evidence", _photo())
    s.goTo("consent")
    pump(20)
    drag(w, find(w, "signaturePad"), [(30, 30), (150, 90), (260, 40)])
    QGuiApplication.clipboard().setText("信访")
    assert s.signed and len(s.photos) == 1

    # A slip keeps everything: the question comes first, 继续填写 goes back to it.
    tap(w, "btn:home")
    assert find(w, "dialog:leave", required=False) is not None
    tap(w, "dialog:leave:primary")
    assert s.screen == "consent" and s.signed and len(s.photos) == 1
    assert s.value("applicants[0].name") == "信访"

    tap(w, "btn:home")
    tap(w, "dialog:leave:secondary")
    assert s.screen == "home" and s.answers == {} and not s.hasAnswers
    assert not s.signed and s.strokes == [] and s.photos == []
    assert QGuiApplication.clipboard().text() == ""
    assert find(w, "dialog:leave", required=False) is None


def test_continue_keeps_everything(kiosk_window):
    make, _ = kiosk_window
    k = make(idle_ms=(300, 5, 100))
    w, s = k.window, k.session
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    assert wait_until(lambda: k.idle.asking, 2000)
    tap(w, "dialog:idle:primary")
    assert not k.idle.asking and s.screen == "applying_as" and s.value("applying_as") == "self"


def test_home_screen_is_never_interrupted(kiosk_window):
    make, _ = kiosk_window
    k = make(idle_ms=(200, 3, 50))
    pump(600)
    assert not k.idle.asking and k.session.screen == "home"


def test_a_closed_kiosk_asks_nothing_any_more(kiosk_window):
    """Its watcher stops with the window: a closed kiosk's timers would otherwise keep
    re-arming for as long as the process lives."""
    make, _ = kiosk_window
    k = make(idle_ms=(200, 3, 50))
    tap(k.window, "btn:petition")
    assert wait_until(lambda: k.idle.asking, 2000)  # a countdown running at the close
    expired = []
    k.idle.expired.connect(lambda: expired.append(True))
    k.close()
    pump(600)  # longer than the countdown and another warning
    assert expired == [] and not k.idle.asking
