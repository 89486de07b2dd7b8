"""The Qt binding keeps Python's reference counts: a null crossing from QML into Python.

PySide6 6.12.0 handed Python a null or undefined QVariant as None without taking a
reference, so each null read from a QML property or passed to a slot lowered None's
count by one; a kiosk that had shown a few hundred screens aborted with "deallocating
None". pyproject.toml keeps that release out; this holds whatever binding is installed to it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import Q_ARG, QByteArray, QMetaObject, QObject, QUrl, Slot
from PySide6.QtQml import QQmlComponent, QQmlEngine

CROSSINGS = 2000
# None's count moves with whatever else the interpreter does meanwhile; a leak moves it
# by one per crossing, far past this.
SLACK = 200


class _Receiver(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.received: list[object] = []

    @Slot("QVariant")
    def take(self, value: object) -> None:
        self.received.append(value)


def _qml_object(engine: QQmlEngine, source: str) -> QObject:
    component = QQmlComponent(engine)
    component.setData(QByteArray(source.encode()), QUrl())
    made = component.create()
    assert made is not None, component.errorString()
    # kept by the test, not collected by the engine's garbage collector meanwhile
    QQmlEngine.setObjectOwnership(made, QQmlEngine.ObjectOwnership.CppOwnership)
    made.setParent(engine)
    return made


def test_a_null_qml_property_read_from_python_keeps_nones_count(qapp):
    engine = QQmlEngine()
    item = _qml_object(engine, "import QtQml\nQtObject { property var nothing: null; "
                               "property var unset }")
    before = sys.getrefcount(None)
    for _ in range(CROSSINGS):
        assert item.property("nothing") is None
        assert item.property("unset") is None
    assert sys.getrefcount(None) - before > -SLACK


def test_a_null_passed_from_qml_to_a_slot_keeps_nones_count(qapp):
    engine = QQmlEngine()
    receiver = _Receiver()
    engine.rootContext().setContextProperty("receiver", receiver)
    caller = _qml_object(engine, "import QtQml\nQtObject { function run(n) { for (var i = 0; "
                                 "i < n; i++) { receiver.take(null); receiver.take(undefined) } } }")
    before = sys.getrefcount(None)
    QMetaObject.invokeMethod(caller, "run", Q_ARG("QVariant", CROSSINGS))
    received = len(receiver.received)
    receiver.received.clear()
    assert received == 2 * CROSSINGS
    assert sys.getrefcount(None) - before > -SLACK
