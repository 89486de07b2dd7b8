"""Lock-down of the full-screen kiosk: no way out without the technician's PIN.

An application-wide event filter, installed only when the kiosk runs full-screen
(`--windowed` stays an ordinary window for development). It swallows the key
combinations that close, switch or leave a window (Alt+F4, Escape, Ctrl+Q, Ctrl+W,
Alt+Tab, Alt+Space, the Super keys, Ctrl+Alt+Backspace, Ctrl+Alt+Del, F1-F12, the
media and power keys of some keyboards), refuses every close event unless the
technician chose 退出自助服务 or 重新启动, swallows context-menu requests (a long
press or a right click) and right / middle buttons, and hides the mouse cursor.

What the filter cannot reach — a window manager's own shortcuts, the kernel's VT
switching, an X server's zap — is switched off where the kiosk session is set up:
see docs/kiosk-session.md. For eglfs with Qt's own evdev keyboard handler,
`prepare_environment` adds `:disable-zap` before the application exists.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QCursor, QGuiApplication, QKeyEvent, QMouseEvent

log = logging.getLogger(__name__)
K = Qt.Key
M = Qt.KeyboardModifier

# Keys swallowed whatever the modifiers: leaving, switching, system and power keys.
_ALWAYS = {
    K.Key_Escape, K.Key_Meta, K.Key_Super_L, K.Key_Super_R, K.Key_Hyper_L, K.Key_Hyper_R,
    K.Key_Menu, K.Key_SysReq, K.Key_Print, K.Key_Pause, K.Key_ScrollLock,
    K.Key_Close, K.Key_Exit, K.Key_Cancel, K.Key_Back, K.Key_Forward, K.Key_HomePage,
    K.Key_Launch0, K.Key_Launch1, K.Key_Launch2, K.Key_LaunchMail, K.Key_LaunchMedia,
    K.Key_Explorer, K.Key_Search, K.Key_Favorites, K.Key_OpenUrl, K.Key_WWW,
    K.Key_TaskPane, K.Key_ApplicationLeft, K.Key_ApplicationRight, K.Key_TopMenu,
    K.Key_PowerOff, K.Key_PowerDown, K.Key_Sleep, K.Key_Suspend, K.Key_Hibernate,
    K.Key_WakeUp, K.Key_Standby, K.Key_LogOff, K.Key_ScreenSaver, K.Key_Terminal,
    K.Key_Tools, K.Key_Calculator, K.Key_Help, K.Key_Context1, K.Key_Context2, K.Key_Call,
    K.Key_Hangup, K.Key_Camera,
    K.Key_Eject, K.Key_Launch3, K.Key_Launch4, K.Key_Launch5,
}
_FUNCTION = {getattr(K, f"Key_F{i}") for i in range(1, 36)}
# With Alt, Ctrl or Super any key is swallowed: Alt+F4, Alt+Tab, Alt+Space, Ctrl+Q, Ctrl+W,
# Ctrl+Alt+Backspace, Ctrl+Alt+Del, Ctrl+C / Ctrl+V (no clipboard), Super+anything.
_GUARDED_MODIFIERS = M.AltModifier | M.ControlModifier | M.MetaModifier
_KEY_EVENTS = {QEvent.Type.KeyPress, QEvent.Type.KeyRelease, QEvent.Type.ShortcutOverride}
_MOUSE_BUTTON_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseButtonRelease,
                        QEvent.Type.MouseButtonDblClick}


def prepare_environment() -> None:
    """Before the QGuiApplication exists: eglfs / linuxfb with Qt's evdev keyboard must
    not honour the zap, and their cursor stays hidden."""
    params = os.environ.get("QT_QPA_EVDEV_KEYBOARD_PARAMETERS", "")
    if "disable-zap" not in params:
        os.environ["QT_QPA_EVDEV_KEYBOARD_PARAMETERS"] = f"{params}:disable-zap" if params \
            else "disable-zap"
    os.environ.setdefault("QT_QPA_EGLFS_HIDECURSOR", "1")
    os.environ.setdefault("QT_QPA_FB_HIDECURSOR", "1")


def is_guarded_key(key: int, modifiers: Qt.KeyboardModifier) -> bool:
    """Whether a key (with its modifiers) is one the kiosk swallows."""
    try:
        k = K(key)
    except ValueError:
        k = None
    if k in _ALWAYS or k in _FUNCTION:
        return True
    return bool(modifiers & _GUARDED_MODIFIERS)


class Lockdown(QObject):
    """The application event filter; `allow_exit()` lets the window close (technician only)."""

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._exit_allowed = False
        self.swallowed = 0  # events refused so far (for the tests and the log)
        self._cursor_hidden = False
        self._quit_on_last = True

    def install(self, app: QGuiApplication | None = None) -> None:
        app = app or QGuiApplication.instance()
        app.installEventFilter(self)
        if not self._cursor_hidden:
            QGuiApplication.setOverrideCursor(QCursor(Qt.CursorShape.BlankCursor))
            self._cursor_hidden = True
        # The last window closing must never end the kiosk by itself.
        self._quit_on_last = app.quitOnLastWindowClosed()
        app.setQuitOnLastWindowClosed(False)

    def remove(self, app: QGuiApplication | None = None) -> None:
        app = app or QGuiApplication.instance()
        app.removeEventFilter(self)
        if self._cursor_hidden:
            QGuiApplication.restoreOverrideCursor()
            self._cursor_hidden = False
            app.setQuitOnLastWindowClosed(self._quit_on_last)

    def allow_exit(self) -> None:
        self._exit_allowed = True

    @property
    def exit_allowed(self) -> bool:
        return self._exit_allowed

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        kind = event.type()
        if kind in _KEY_EVENTS:
            assert isinstance(event, QKeyEvent)
            if is_guarded_key(event.key(), event.modifiers()):
                return self._refuse(event)
            return False
        if kind == QEvent.Type.Close:
            if self._exit_allowed:
                return False
            event.ignore()
            log.info("close refused: the kiosk leaves only by the technician's PIN")
            return self._refuse(event)
        if kind == QEvent.Type.ContextMenu:
            return self._refuse(event)
        if kind in _MOUSE_BUTTON_EVENTS:
            assert isinstance(event, QMouseEvent)
            if event.button() in (Qt.MouseButton.RightButton, Qt.MouseButton.MiddleButton):
                return self._refuse(event)
        return False

    def _refuse(self, event: QEvent) -> bool:
        event.ignore()
        self.swallowed += 1
        return True
