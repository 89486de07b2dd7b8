"""Idle: a countdown, then the session is wiped and the keyboard has learnt nothing."""

from __future__ import annotations

from PySide6.QtCore import QPoint
from PySide6.QtTest import QTest

from ui.driver import choose_candidate, drag, find, pump, tap, type_pinyin, wait_until


def _to_name_field(w, s):
    tap(w, "btn:petition")
    tap(w, "choice:applying_as:self")
    tap(w, "btn:next")
    assert s.screen == "applicant"
    tap(w, "field:applicants[0].name")
    assert wait_until(lambda: find(w, "inputPanel", required=False) is not None, 3000)


def test_countdown_wipes_the_session_and_the_keyboard_learns_nothing(kiosk_window):
    make, _ = kiosk_window
    k = make(idle_ms=(400, 3, 100))
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

    # Working keeps the screen: activity within the warning time never shows the question.
    for _ in range(6):
        QTest.mouseMove(w, QPoint(500, 900 + _))
        pump(100)
    assert not k.idle.asking

    assert wait_until(lambda: k.idle.asking, 2000)
    assert find(w, "dialog:idle:primary").property("text") == "需要，继续办理"
    assert wait_until(lambda: s.screen == "home", 2000)
    assert s.answers == {} and not s.signed and s.strokes == [] and not s.hasAnswers
    assert find(w, "dialog:idle", required=False) is None

    # The next person: the same letters offer exactly what a fresh install offers.
    _to_name_field(w, s)
    assert s.value("applicants[0].name") is None
    assert find(w, "field:applicants[0].name").property("text") == ""
    assert type_pinyin(w, "xinfang") == fresh


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
