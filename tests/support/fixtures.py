"""Fixtures of the core's tests, for every layer (a pytest plugin: tests/conftest.py)."""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
from pathlib import Path

import pytest

from kiosk import config, taxonomy
from tests.support.common import EXAMPLE


@pytest.fixture(scope="session")
def tax() -> taxonomy.Taxonomy:
    return taxonomy.load()


@pytest.fixture
def example_doc() -> dict:
    return copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))


@pytest.fixture
def demo_config(tmp_path) -> config.LoadedConfig:
    return config.demo(tmp_path / "data")


@pytest.fixture
def isolated_env(tmp_path, monkeypatch):
    """An environment where no configuration exists and data goes under tmp_path."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv(config.ENV_VAR, raising=False)
    return tmp_path


@pytest.fixture
def root_logger():
    """Puts the root logger back as it was: setup_logging changes process-wide state."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield root
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real small file system (tmpfs, 4 MiB) that fills up for real; needs root to
    mount, else the test is skipped. Yields its mount point; unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mnt)], capture_output=True
    ).returncode == 0
    if not mounted:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield Path(mnt)
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)
