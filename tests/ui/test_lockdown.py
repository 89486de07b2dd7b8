"""Lock-down of the full-screen kiosk: every way out is refused, through the real event
filter on a real (offscreen) window; only the technician's 退出自助服务 ends it, with 10."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QPoint, Qt, QTimer
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent
from PySide6.QtTest import QTest

from kiosk import technician as tech
from ui.driver import find, pump, tap, wait_until

K, M = Qt.Key, Qt.KeyboardModifier
ALT, CTRL, SHIFT, META = M.AltModifier, M.ControlModifier, M.ShiftModifier, M.MetaModifier
NONE = M.NoModifier

# (name, key, modifiers): every combination that closes, switches or leaves a window.
COMBOS = [
    ("Alt+F4", K.Key_F4, ALT), ("Escape", K.Key_Escape, NONE), ("Ctrl+Q", K.Key_Q, CTRL),
    ("Ctrl+W", K.Key_W, CTRL), ("Alt+Tab", K.Key_Tab, ALT), ("Alt+Shift+Tab", K.Key_Tab, ALT | SHIFT),
    ("Ctrl+Alt+Backspace", K.Key_Backspace, CTRL | ALT), ("Ctrl+Alt+Del", K.Key_Delete, CTRL | ALT),
    ("Alt+Space", K.Key_Space, ALT), ("Alt+Esc", K.Key_Escape, ALT), ("Ctrl+Esc", K.Key_Escape, CTRL),
    ("Super_L", K.Key_Super_L, META), ("Super_R", K.Key_Super_R, META), ("Meta", K.Key_Meta, META),
    ("Super+D", K.Key_D, META), ("Super+L", K.Key_L, META), ("Super+Tab", K.Key_Tab, META),
    ("Menu", K.Key_Menu, NONE), ("Ctrl+Shift+Q", K.Key_Q, CTRL | SHIFT),
    ("Ctrl+C", K.Key_C, CTRL), ("Ctrl+V", K.Key_V, CTRL), ("Ctrl+A", K.Key_A, CTRL),
    ("PowerOff", K.Key_PowerOff, NONE), ("Sleep", K.Key_Sleep, NONE), ("Close", K.Key_Close, NONE),
    ("Back", K.Key_Back, NONE), ("HomePage", K.Key_HomePage, NONE), ("SysReq", K.Key_SysReq, NONE),
] + [(f"F{i}", getattr(K, f"Key_F{i}"), NONE) for i in range(1, 13)] \
  + [(f"Ctrl+Alt+F{i}", getattr(K, f"Key_F{i}"), CTRL | ALT) for i in range(1, 13)]


def run_in_loop(app, job) -> int:
    """Runs `job` inside the application's own event loop (qapp.exec()); a failure in it
    ends the loop with -1 and is raised here, so a test never hangs."""
    errors = []

    def guarded() -> None:
        try:
            job()
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            errors.append(exc)
            QCoreApplication.exit(-1)

    QTimer.singleShot(0, guarded)
    status = app.exec()
    if errors:
        raise errors[0]
    return status


class KeyProbe(QObject):
    """On the window itself: sees what the application-level filters let through."""

    def __init__(self):
        super().__init__()
        self.keys: list[int] = []

    def eventFilter(self, obj, event):  # noqa: N802
        # Shift on its own (pressed by QTest before Alt / Ctrl) leaves nothing and passes.
        if event.type() in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride) and \
                event.key() != K.Key_Shift:
            self.keys.append(event.key())
        return False


def test_every_way_out_is_refused_and_the_window_stays(kiosk_window, qapp):
    make, loaded = kiosk_window
    k = make(windowed=False)
    w = k.window
    w.showFullScreen()
    pump(30)
    assert k.lockdown is not None
    assert QGuiApplication.overrideCursor().shape() == Qt.CursorShape.BlankCursor
    probe = KeyProbe()
    w.installEventFilter(probe)
    quits = []
    qapp.aboutToQuit.connect(lambda: quits.append(1))
    tried = []

    def press_all() -> None:
        for name, key, mods in COMBOS:
            before = k.lockdown.swallowed
            QTest.keyClick(w, key, mods)  # through the window system, like a keyboard
            QCoreApplication.sendEvent(w, QKeyEvent(QEvent.Type.KeyPress, key, mods))  # and direct
            pump()
            assert k.lockdown.swallowed >= before + 3, name  # press, release, the direct press
            assert w.isVisible() and w.visibility() == w.Visibility.FullScreen, name
            tried.append(name)
        # The window's own close: refused, from code and from the window system.
        assert w.close() is False
        pump()
        assert w.isVisible()
        tried.append("close()")
        # Long press / right click: no context menu, no right button.
        QCoreApplication.sendEvent(w, QContextMenuEvent(QContextMenuEvent.Reason.Mouse, QPoint(400, 400),
                                                        QPoint(400, 400)))
        QTest.mouseClick(w, Qt.MouseButton.RightButton, NONE, QPoint(400, 400))
        tried.extend(["context menu", "right button"])
        pump()
        QCoreApplication.exit(42)  # only this ends the loop

    status = run_in_loop(qapp, press_all)
    qapp.aboutToQuit.disconnect()
    assert status == 42  # nothing before it ended the event loop
    assert w.isVisible()
    assert probe.keys == []  # not one of them reached the window
    assert len(tried) == len(COMBOS) + 3
    print(f"lock-down: {len(COMBOS)} key combinations and {3} other ways out refused")
    # Ordinary keys still pass (a physical keyboard may type into a field).
    QTest.keyClick(w, K.Key_5, NONE)
    pump()
    assert K.Key_5 in probe.keys
    w.removeEventFilter(probe)
    k.lockdown.allow_exit()  # so the fixture may close it


def _check_field(window, field) -> None:
    assert field.property("selectByMouse") is False
    assert field.property("persistentSelection") is False


def test_text_fields_offer_no_selection_handles_or_edit_menu(kiosk_window):
    make, loaded = kiosk_window
    k = make()
    tap(k.window, "btn:petition")
    tap(k.window, "choice:applying_as:self")
    tap(k.window, "btn:next")
    _check_field(k.window, find(k.window, "field:applicants[0].name"))
    k.session.goTo("matter")
    pump(30)
    _check_field(k.window, find(k.window, "area:matter.request"))


def test_the_technician_leaves_with_status_10(kiosk_window, qapp):
    make, loaded = kiosk_window
    tech.set_pin(loaded.data_dir, "480215")
    k = make(windowed=False)
    w, t = k.window, k.technician
    w.showFullScreen()
    pump(30)
    # Should the leave not end the loop, this ends it with -2 rather than hang the test.
    fallback = QTimer(singleShot=True, interval=10_000)
    fallback.timeout.connect(lambda: QCoreApplication.exit(-2))

    def leave() -> None:
        t.openPad()
        pump(20)
        for ch in "480215":
            tap(w, f"pin:{ch}")
        tap(w, "pin:ok")
        assert wait_until(lambda: t.mode == "screen", 10_000)
        assert w.close() is False  # still refused in technician mode
        # The screen laid out with what it read, so 退出自助服务 stays where it is tapped.
        assert wait_until(lambda: t.info.get("counts") is not None, 10_000)
        pump(50)
        tap(w, "tech:leave")
        fallback.start()
        tap(w, "techConfirm:primary")  # 退出自助服务: the loop ends once this returns

    status = run_in_loop(qapp, leave)
    fallback.stop()
    assert status == 10
    assert k.lockdown.exit_allowed
    assert [x["what"] for x in tech.read_audit(loaded.data_dir)[0]] == ["open", "leave"]
    assert w.close() is True  # now the window may close


def test_a_stop_by_the_unit_still_ends_the_locked_kiosk(kiosk_window, qapp):
    """SIGTERM ends the event loop with 0 although every close is refused."""
    import os
    import signal

    from ui import cli

    make, loaded = kiosk_window
    k = make(windowed=False)
    k.window.showFullScreen()
    pump(30)
    saved = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        cli._quit_on_signals(qapp)
        fallback = QTimer(singleShot=True, interval=10_000)
        fallback.timeout.connect(lambda: QCoreApplication.exit(-2))
        fallback.start()
        status = run_in_loop(qapp, lambda: os.kill(os.getpid(), signal.SIGTERM))
        fallback.stop()
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
    assert status == 0
    assert k.window.isVisible()  # ended by the loop, not by closing the window
