"""The test suite mirrors the layers (docs/architecture.md):

- `tests/core` — the Qt-free core (`kiosk/`, `wire/`) and the `kiosk` command's core
  subcommands; runs with only the core's dependencies installed;
- `tests/ui` — real Qt windows, offscreen;
- `tests/sync`, `tests/receiver` — delivery and the platform without a server;
- `tests/e2e` — whatever starts a platform server, a worker or the UI as processes,
  or kills processes with signals.

Each test is marked with its layer (`pytest -m core`, `-m "not e2e"`). Shared helpers
are modules of `tests/support/`; shared fixtures are its plugins, loaded here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.fixtures", "tests.support.qt"]

LAYERS = ("core", "ui", "sync", "receiver", "e2e")
_HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        layer = Path(item.fspath).resolve().relative_to(_HERE).parts[0]
        if layer not in LAYERS:
            raise pytest.UsageError(f"{item.nodeid}: every test lives in one of {LAYERS}")
        item.add_marker(getattr(pytest.mark, layer))
