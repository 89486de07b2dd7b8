"""Driving the live window as a finger would: find items, scroll them into view, tap.

Used by `kiosk tour`, the UI tests and the benchmarks, so all of them exercise the
same window the citizen uses. Taps and strokes are mouse events sent to the window
the way QTest sends them (press, moves, release, then the events they cause are
processed), built here so that the bundle needs neither QtTest nor QtWidgets.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QMetaObject, QPoint, QPointF, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QMouseEvent
from PySide6.QtQuick import QQuickItem, QQuickWindow

_LEFT = Qt.MouseButton.LeftButton
_timestamp = 0  # of the last mouse event sent, in ms; only ever grows, like QTest's


def pump(ms: int = 0) -> None:
    """Runs the event loop for `ms` milliseconds (at least once)."""
    if ms <= 0:
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        return
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def wait_until(predicate, timeout_ms: int = 5000, step_ms: int = 10) -> bool:
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        if predicate():
            return True
        pump(step_ms)
    return predicate()


def all_items(window: QQuickWindow) -> list[QQuickItem]:
    out: list[QQuickItem] = []
    stack = [window.contentItem()]
    while stack:
        item = stack.pop()
        out.append(item)
        stack.extend(reversed(item.childItems()))
    return out


def shown(item: QQuickItem) -> bool:
    """Visible, not transparent, and not zero-sized, all the way up."""
    node = item
    while node is not None:
        if not node.isVisible() or node.opacity() <= 0.0:
            return False
        node = node.parentItem()
    return item.width() > 0 and item.height() > 0


def find(window: QQuickWindow, name: str, *, required: bool = True) -> QQuickItem | None:
    for item in all_items(window):
        if item.objectName() == name and shown(item):
            return item
    if required:
        raise LookupError(f"no visible item named {name!r}")
    return None


def images_ready(window: QQuickWindow) -> bool:
    """No QR code of the window is still loading (the home screen's load asynchronously and say
    so by a `loading` property; only those items are asked)."""
    return not any(item.objectName().startswith("qr:") and item.property("loading") is True
                   for item in all_items(window))


def _flickables_of(item: QQuickItem) -> list[QQuickItem]:
    """The flickables around `item`, innermost first (a text area's own one, then the page)."""
    out = []
    node = item.parentItem()
    while node is not None:
        if node.inherits("QQuickFlickable") and not node.inherits("QQuickTextEdit"):
            out.append(node)
        node = node.parentItem()
    return out


def settle_layout(item: QQuickItem) -> None:
    """Lays out the positioners above `item` now (a Column places its children when it is
    polished, before the next frame): right after a page of a screen changes, the item's
    place is otherwise the one it had before, and a tap would land beside it."""
    chain = []
    node: QQuickItem | None = item
    while node is not None:
        chain.append(node)
        node = node.parentItem()
    for node in reversed(chain):
        node.ensurePolished()


def scroll_into_view(item: QQuickItem) -> None:
    settle_layout(item)
    for flick in _flickables_of(item):
        _scroll_in(flick, item)


def _scroll_in(flick: QQuickItem, item: QQuickItem) -> None:
    content = flick.property("contentItem")
    top = item.mapToItem(content, QPointF(0, 0)).y()
    view_top = flick.property("contentY")
    # A page's "下面还有内容" covers its bottom: what stands there is not in view.
    height = flick.height() - (flick.property("cueRoom") or 0)
    if top < view_top or top + item.height() > view_top + height:
        max_y = max(0.0, flick.property("contentHeight") - height)
        flick.setProperty("contentY", max(0.0, min(top - 20, max_y)))
        pump()


def tap(window: QQuickWindow, item: QQuickItem | str, *, settle_ms: int = 0) -> None:
    if isinstance(item, str):
        item = find(window, item)
    scroll_into_view(item)
    # Zero-interval timers (WrappedText's line breaks) run and the heights above may change:
    # into view again, or the tap could land on the page's 下面还有内容 band.
    pump(5)
    scroll_into_view(item)
    centre = item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()
    _mouse(window, QEvent.Type.MouseButtonPress, centre)
    _mouse(window, QEvent.Type.MouseButtonRelease, centre, advance_ms=0)
    pump(settle_ms)


def drag(window: QQuickWindow, item: QQuickItem, points: list[tuple[float, float]]) -> None:
    """A finger stroke over `item`, in its own coordinates."""
    scroll_into_view(item)
    scene = [item.mapToScene(QPointF(x, y)).toPoint() for x, y in points]
    _mouse(window, QEvent.Type.MouseButtonPress, scene[0])
    for p in scene[1:]:
        _mouse(window, QEvent.Type.MouseMove, p, advance_ms=5)
    _mouse(window, QEvent.Type.MouseButtonRelease, scene[-1])
    pump()


def draw_strokes(window: QQuickWindow, item: QQuickItem,
                 strokes: list[list[tuple[float, float]]], steps: int = 8) -> None:
    """Finger strokes over `item`, each a polyline in fractions of its size, sent as the
    mouse events of a finger moving along it (`steps` moves per segment)."""
    w, h = item.width(), item.height()
    for stroke in strokes:
        points = []
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:], strict=False):
            points += [(w * (x0 + (x1 - x0) * t / steps), h * (y0 + (y1 - y0) * t / steps))
                       for t in range(steps)]
        points.append((w * stroke[-1][0], h * stroke[-1][1]))
        drag(window, item, points)


def _mouse(window: QQuickWindow, kind: QEvent.Type, pos: QPoint, *, advance_ms: int = 1) -> None:
    """One left-button event at `pos` (window coordinates), delivered at once, then the
    events it posted are processed. Timestamps advance by `advance_ms`, and by the
    double-click interval after a release, so two taps never count as a double tap."""
    global _timestamp
    _timestamp += advance_ms
    button, buttons = {QEvent.Type.MouseButtonPress: (_LEFT, _LEFT),
                       QEvent.Type.MouseMove: (Qt.MouseButton.NoButton, _LEFT),
                       QEvent.Type.MouseButtonRelease: (_LEFT, Qt.MouseButton.NoButton)}[kind]
    local = QPointF(pos)
    event = QMouseEvent(kind, local, local, QPointF(window.mapToGlobal(pos)), button, buttons,
                        Qt.KeyboardModifier.NoModifier)
    event.setTimestamp(_timestamp)
    QGuiApplication.sendEvent(window, event)
    if kind == QEvent.Type.MouseButtonRelease:
        _timestamp += QGuiApplication.styleHints().mouseDoubleClickInterval()
    QCoreApplication.processEvents()


def call(window: QQuickWindow, method: str, *args):
    """Calls a function of Main.qml (the keyboard hooks) and returns its value."""
    from PySide6.QtCore import Q_ARG, Q_RETURN_ARG
    from PySide6.QtQml import QJSValue

    qargs = [Q_ARG("QVariant", a) for a in args]
    value = QMetaObject.invokeMethod(window, method, Q_RETURN_ARG("QVariant"), *qargs)
    return value.toVariant() if isinstance(value, QJSValue) else value


def type_pinyin(window: QQuickWindow, letters: str) -> list[str]:
    """Types letters on the keyboard's engine; returns the candidates offered."""
    for ch in letters:
        call(window, "vkbClick", int(getattr(Qt.Key, f"Key_{ch.upper()}").value), ch)
        pump()
    return list(call(window, "vkbCandidates") or [])


def choose_candidate(window: QQuickWindow, word: str) -> None:
    candidates = list(call(window, "vkbCandidates") or [])
    call(window, "vkbSelect", candidates.index(word))
    pump()


def screen_point(window: QQuickWindow, item: QQuickItem) -> QPoint:
    return item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()


def app() -> QGuiApplication:
    return QGuiApplication.instance()
