"""The UI tests' fixtures (a pytest plugin: tests/conftest.py): one offscreen
QGuiApplication, real kiosk windows. Qt is imported only when a fixture is used, so
the core's tests run where PySide6 is not installed."""

from __future__ import annotations

import os

import pytest

from tests.support.common import TODAY


def qt_app():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from ui import app as app_mod

    return app_mod.application(offscreen=True)


@pytest.fixture(scope="session")
def qapp():
    pytest.importorskip("PySide6.QtQuick")
    return qt_app()


@pytest.fixture
def kiosk_window(qapp, tmp_path):
    """A real kiosk window on the demo configuration, with its data under tmp_path
    (`make(loaded=...)`: on another configuration, e.g. a data directory elsewhere)."""
    from kiosk import config
    from ui import app as app_mod
    from ui.driver import pump

    loaded = config.demo(tmp_path / "data")
    made = []

    def make(size=(1080, 1920), idle_ms=(3_600_000, 20, 1000), loaded=loaded, **kw):
        k = app_mod.build(loaded, size=size, voice_engine="off", today=lambda: TODAY,
                          idle_ms=idle_ms, **kw)
        k.window.show()
        pump(30)
        made.append(k)
        return k

    yield make, loaded
    for k in made:
        k.close()
    pump(20)
