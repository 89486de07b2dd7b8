"""Durability asserted on the real system calls of the delivery side, against the real
platform: `kiosk enroll` writes the terminal's signing key and its enrollment, `kiosk
sync --once` the pulled content, each through `wire.durable` — temporary file written
and fsync'd, renamed, its directory fsync'd (see tests/core/test_durable_syscalls.py)."""

from __future__ import annotations

import json
import stat
import sys

import pytest

from sync import enrollment
from sync.housekeeping import CONTENT_FILE
from tests.support.common import ROOT
from tests.support.platform_server import issue_code, running_receiver
from tests.support.syscalls import durable_write, record
from tests.support.terminal import make_terminal


@pytest.fixture
def platform(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        yield rx


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_enrollment_and_pulled_content_are_written_durably(tmp_path, platform):
    term = make_terminal(tmp_path, platform.api_url, platform.platform_public_key)
    code = issue_code(platform, term.terminal_id)
    kiosk = [sys.executable, "-m", "app"]
    trace = record([*kiosk, "enroll", "--code", code, "--config", str(term.config_path)],
                   tmp_path / "enroll.trace", cwd=ROOT)
    assert trace.returncode == 0, trace.stderr
    key = durable_write(trace, term.data_dir / enrollment.KEY_FILE)
    state = durable_write(trace, term.data_dir / enrollment.STATE_FILE)
    assert key.writes and state.writes
    # the key is durable before the enrollment that names it is written
    assert key.dir_sync.index < state.created.index
    assert _mode(term.data_dir / enrollment.KEY_FILE) == 0o600
    assert _mode(term.data_dir / enrollment.STATE_FILE) == 0o600
    assert enrollment.load(term.data_dir).terminal_id == term.terminal_id

    trace = record([*kiosk, "sync", "--once", "--config", str(term.config_path)],
                   tmp_path / "sync.trace", cwd=ROOT)
    assert trace.returncode == 0, trace.stderr
    content = durable_write(trace, term.data_dir / CONTENT_FILE)
    assert content.writes
    assert _mode(term.data_dir / CONTENT_FILE) == 0o644
    assert json.loads((term.data_dir / CONTENT_FILE).read_text(encoding="utf-8"))["etag"]
