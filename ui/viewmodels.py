"""The Python view-models QML sees, as the QML module `Kiosk.ViewModels`.

`Session`, `Theme`, `Idle` and `Technician` are QML singletons (`@QmlSingleton`),
one set per window: `ui/app.py` makes them, hands them to the window's engine with
`provide`, and each class's `create(engine)` returns its own with `of`. The QML
module of the screens themselves is `Kiosk` (ui/qml/Kiosk/qmldir).
"""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtQml import QJSEngine, QQmlEngine

URI = "Kiosk.ViewModels"
_ATTRIBUTE = "_kiosk_view_models"


def provide(engine: QQmlEngine, **models: QObject) -> None:
    """Before the engine loads anything: the objects its singletons are. They stay owned
    by Python (the engine never deletes them), so they outlive the window's teardown."""
    for model in models.values():
        QJSEngine.setObjectOwnership(model, QJSEngine.ObjectOwnership.CppOwnership)
    setattr(engine, _ATTRIBUTE, models)


def of(engine: QQmlEngine, name: str) -> QObject:
    models = getattr(engine, _ATTRIBUTE, None)
    if models is None or name not in models:
        raise LookupError(f"no {name} view-model was provided to this QML engine")
    return models[name]
