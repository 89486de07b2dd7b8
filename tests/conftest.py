import copy
import json
import logging
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from kiosk import config, taxonomy

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "petition.json"
# A fixed "today" so time-limit rules give the same answer whenever the tests run.
TODAY = date(2026, 11, 26)


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


def run_kiosk(*args: str, env: dict | None = None, cwd: Path | None = None,
              input: str | None = None) -> subprocess.CompletedProcess:
    """Runs the real `kiosk` command in a child process."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "app", *args], capture_output=True, text=True,
        env=full_env, cwd=cwd or ROOT, input=input, timeout=120,
    )


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
