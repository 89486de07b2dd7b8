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


def confirm_sample_by_touch(k) -> None:
    """The tour's sample petition confirmed as a citizen would: 我要信访, consent ticked,
    a signature drawn on the pad, 确认提交; returns once the receipt screen is up."""
    from ui.driver import drag, find, pump, tap, wait_until
    from ui.tour import sample_petition

    tap(k.window, "btn:petition")
    k.session.load(sample_petition() | {"consent": {"privacy": True, "truthful": True}})
    k.session.goTo("consent")
    pump(20)
    drag(k.window, find(k.window, "signaturePad"), [(30, 30), (200, 100)])
    tap(k.window, "btn:next")
    assert wait_until(lambda: k.session.screen == "receipt", 10_000), \
        (k.session.problems, k.session.storeError)
