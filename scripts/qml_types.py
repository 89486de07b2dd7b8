"""Describes the Python view-models (the QML module Kiosk.ViewModels) for QML tooling.

    python scripts/qml_types.py DIR

writes DIR/Kiosk/ViewModels/{qmldir,viewmodels.qmltypes}, so that qmllint (`-I DIR`)
knows every property, signal and slot QML uses. The running kiosk does not need
them: the classes register themselves (@QmlElement / @QmlSingleton).

The description is read from the live classes' meta-objects (PySide6's static
pyside6-metaobjectdump does not follow `Property(type, lambda ...)`), written in
moc's JSON form and turned into .qmltypes by pyside6-qmltyperegistrar, as
pyside6-project does. A slot typed `QObject*` by PySide6 is described with the
view-model its Python return annotation names.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6  # noqa: E402
from PySide6.QtCore import QMetaMethod  # noqa: E402

from ui import (  # noqa: E402
    agent_binding,
    agents,
    camera,
    carry,
    casequery,
    evaluation,
    handwriting,
    helpdesk,
    idcard,
    idle,
    printing,
    session,
    technician,
    theme,
    viewmodels,
)

# (class, QML name, singleton): as the decorators in ui/ register them.
TYPES = [
    (session.Session, "Session", True), (theme.Theme, "Theme", True),
    (idle.IdleWatcher, "Idle", True), (technician.Technician, "Technician", True),
    (evaluation.Evaluation, "Evaluation", True),
    (casequery.CaseQuery, "Query", True), (camera.DocumentCamera, "Camera", True),
    (handwriting.Handwriting, "Handwriting", True),
    (idcard.IdCard, "IdCard", True),
    (carry.Carry, "Carry", True),
    (printing.ReceiptPrinter, "Printer", True), (helpdesk.HelpDesk, "Help", True),
    (agents.Agents, "Agents", True), (agent_binding.AgentBinding, "AgentBind", True),
    (session.Answer, "Answer", False), (session.Person, "Person", False),
]
QT_MODULES = ["core", "gui", "qml"]  # whose types the view-models' properties and slots use


VIEW_MODELS = {qml_name for _, qml_name, _ in TYPES}


def _method(cls: type, m) -> dict:
    returns = m.typeName()
    if returns == "QObject*":
        annotation = getattr(getattr(cls, m.name().data().decode(), None), "__annotations__", {})
        named = str(annotation.get("return", ""))
        if named in VIEW_MODELS:
            returns = named + "*"
    return {"access": "public", "name": m.name().data().decode(), "returnType": returns,
            "arguments": [{"name": bytes(n).decode() or f"arg{i}", "type": bytes(t).decode()}
                          for i, (t, n) in enumerate(zip(m.parameterTypes(), m.parameterNames(),
                                                         strict=True))]}


def _own_meta(cls: type):
    """The meta-object of the first Qt class `cls` derives from: what lies between it and
    `cls` (Python base classes such as Session's ReceiptFacts) is described as its own."""
    python = {c.__name__ for c in cls.__mro__ if not c.__module__.startswith("PySide6")}
    base = cls.staticMetaObject
    while base.superClass() is not None and base.superClass().className() in python:
        base = base.superClass()
    return base


def describe(cls: type, qml_name: str, singleton: bool) -> dict:
    mo = cls.staticMetaObject
    first = _own_meta(cls)
    infos = [{"name": "QML.Element", "value": qml_name}]
    if singleton:
        infos.append({"name": "QML.Singleton", "value": "true"})
    else:
        infos += [{"name": "QML.Creatable", "value": "false"},
                  {"name": "QML.UncreatableReason", "value": "made by the application"}]
    properties = []
    for i in range(first.propertyOffset(), mo.propertyCount()):
        p = mo.property(i)
        entry = {"name": p.name(), "type": p.typeName(), "read": p.name(),
                 "index": i - first.propertyOffset()}
        if p.isWritable():
            entry["write"] = "set" + p.name()[:1].upper() + p.name()[1:]
        if p.hasNotifySignal():
            entry["notify"] = p.notifySignal().name().data().decode()
        if p.isConstant():
            entry["constant"] = True
        properties.append(entry)
    methods = [mo.method(i) for i in range(first.methodOffset(), mo.methodCount())]
    public = [m for m in methods if not m.name().data().decode().startswith("_")]
    return {"className": qml_name, "qualifiedClassName": qml_name, "object": True,
            "superClasses": [{"access": "public", "name": first.superClass().className()}],
            "classInfos": infos, "properties": properties,
            "signals": [_method(cls, m) for m in public if m.methodType() == QMetaMethod.MethodType.Signal],
            "slots": [_method(cls, m) for m in public if m.methodType() == QMetaMethod.MethodType.Slot]}


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit(f"qml_types: {name} not found beside {sys.executable}")
    return found


def main(out: Path) -> int:
    metatypes = Path(PySide6.__file__).parent / "Qt" / "metatypes"
    foreign = [str(next(metatypes.glob(f"qt6{m}_*metatypes.json"))) for m in QT_MODULES]
    module = out / Path(*viewmodels.URI.split("."))
    module.mkdir(parents=True, exist_ok=True)
    dump = [{"classes": [describe(*t) for t in TYPES], "outputRevision": 68,
             "QML_IMPORT_NAME": viewmodels.URI, "QML_IMPORT_MAJOR_VERSION": 1,
             "QML_IMPORT_MINOR_VERSION": 0, "QT_MODULES": ["QtCore", "QtGui", "QtQml"],
             "inputFile": "viewmodels.py"}]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "viewmodels.json"
        source.write_text(json.dumps(dump), encoding="utf-8")
        subprocess.run([_tool("pyside6-qmltyperegistrar"), "--generate-qmltypes",
                        str(module / "viewmodels.qmltypes"), "-o", str(Path(tmp) / "unused.cpp"),
                        "--import-name", viewmodels.URI, "--major-version", "1", "--minor-version", "0",
                        "--foreign-types", ",".join(foreign), str(source)], check=True)
    (module / "qmldir").write_text(f"module {viewmodels.URI}\ntypeinfo viewmodels.qmltypes\n",
                                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
