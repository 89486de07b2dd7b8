"""The platform's key files written durably, on the real system calls of
`kiosk-receiver keygen` (see tests/core/test_durable_syscalls.py): each temporary file
written and fsync'd, renamed, the data directory fsync'd."""

from __future__ import annotations

import stat
import sys

from receiver import keys
from tests.support.common import ROOT
from tests.support.syscalls import durable_write, record


def test_the_platform_key_pair_is_written_durably(tmp_path):
    data = tmp_path / "platform"
    trace = record([sys.executable, "-m", "receiver", "keygen", "--data", str(data)],
                   tmp_path / "keygen.trace", cwd=ROOT)
    assert trace.returncode == 0, trace.stderr
    private = durable_write(trace, data / keys.PRIVATE_KEY_FILE)
    public = durable_write(trace, data / keys.PUBLIC_KEY_FILE)
    assert private.writes and public.writes
    # The private half is durable before its public half is published beside it.
    assert private.dir_sync.index < public.created.index
    assert stat.S_IMODE((data / keys.PRIVATE_KEY_FILE).stat().st_mode) == 0o600
    assert keys.public_text(keys.load(data)) in trace.stdout
