"""How fast the home screen is back after a crash and after a freeze, under a supervisor
that behaves as the systemd unit does (Restart=always, RestartSec, WatchdogSec).

The supervisor here is a stand-in for systemd on a machine without it: it owns the
notify socket, restarts the kiosk when it dies, and kills it (SIGABRT, as systemd
does) when the WATCHDOG=1 pings stop. "Back" means READY=1 from the new process,
which `kiosk ui` sends after the home screen's first frame.

Prints figures only. Run: .venv/bin/python bench/ui_recovery.py [rounds]
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESTART_SEC = 1.0  # as in the unit
WATCHDOG_SEC = 10.0  # as in the unit


class Supervisor:
    def __init__(self, config: Path) -> None:
        self.config = config
        self.name = f"@kiosk-bench-{secrets.token_hex(6)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        env = dict(os.environ, NOTIFY_SOCKET=self.name, WATCHDOG_USEC=str(int(WATCHDOG_SEC * 1e6)),
                   QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software", KIOSK_TTS_ENGINE="off")
        self.proc = subprocess.Popen([sys.executable, "-m", "app", "ui",
                                      "--config", str(self.config)],
                                     cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)

    def wait_for(self, prefix: str, timeout: float) -> float | None:
        """The time the next message starting with `prefix` arrives, or None after `timeout`."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            self.sock.settimeout(left)
            try:
                msg = self.sock.recv(4096).decode()
            except TimeoutError:
                return None
            if msg.startswith(prefix):
                return time.monotonic()
        return None

    def restart_after_exit(self) -> None:
        assert self.proc is not None
        self.proc.wait(timeout=30)
        time.sleep(RESTART_SEC)
        self.start()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()


def crash_round(sup: Supervisor) -> float:
    sup.proc.send_signal(signal.SIGKILL)
    crashed = time.monotonic()
    sup.restart_after_exit()
    ready = sup.wait_for("READY=1", 60)
    assert ready is not None, "the kiosk did not come back"
    return ready - crashed


def freeze_round(sup: Supervisor) -> float:
    sup.proc.send_signal(signal.SIGSTOP)  # the event loop stops: no more pings
    frozen = time.monotonic()
    while sup.wait_for("WATCHDOG=1", WATCHDOG_SEC) is not None:
        pass  # a ping already in flight
    sup.proc.send_signal(signal.SIGABRT)
    sup.proc.send_signal(signal.SIGCONT)
    sup.restart_after_exit()
    ready = sup.wait_for("READY=1", 60)
    assert ready is not None, "the kiosk did not come back"
    return ready - frozen


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    sys.path.insert(0, str(ROOT))
    from tests.support.terminal import make_terminal
    from wire import sealing

    with tempfile.TemporaryDirectory() as tmp:
        key = sealing.encode_public_key(sealing.generate_private_key().public_key())
        term = make_terminal(Path(tmp), "http://127.0.0.1:9/api", key)
        sup = Supervisor(term.config_path)
        try:
            sup.start()
            assert sup.wait_for("READY=1", 60) is not None, "the kiosk never said READY=1"
            crashes = [crash_round(sup) for _ in range(rounds)]
            freezes = [freeze_round(sup) for _ in range(rounds)]
        finally:
            sup.stop()
    for label, times in (("SIGKILL", crashes), ("frozen event loop", freezes)):
        times.sort()
        print(f"{label} to home screen back over {rounds} rounds (RestartSec={RESTART_SEC:g}, "
              f"WatchdogSec={WATCHDOG_SEC:g}): median {statistics.median(times):.2f} s, "
              f"max {times[-1]:.2f} s")


if __name__ == "__main__":
    main()
