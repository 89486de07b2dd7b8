"""`kiosk ui` speaks systemd's notify protocol: READY=1 once the home screen is
painted (never before its first frame is swapped), WATCHDOG=1 from the GUI thread —
so a blocked event loop goes quiet."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from kiosk import sdnotify
from tests.support.common import ROOT


class NotifyListener:
    """A service manager's end of $NOTIFY_SOCKET: records each datagram with its time
    (monotonic in `received`; wall-clock in `received_wall`, to set beside a time
    another process printed)."""

    def __init__(self) -> None:
        self.name = f"@kiosk-test-{secrets.token_hex(6)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.sock.settimeout(0.1)
        self.received: list[tuple[float, str]] = []
        self.received_wall: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                continue
            wall, now = time.time(), time.monotonic()
            self.received_wall.append((wall, data.decode()))
            self.received.append((now, data.decode()))

    def messages(self, since: float = 0.0, until: float = float("inf")) -> list[str]:
        return [m for t, m in list(self.received) if since <= t < until]

    def mark(self, name: str) -> None:
        """Sends `MARK=name` to the socket: datagrams keep their order, so every ping
        sent before this call is received before the mark, and none sent after."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
            sender.sendto(f"MARK={name}".encode(), "\0" + self.name[1:])

    def between(self, first: str, last: str | None = None) -> list[str]:
        """The messages received after mark `first` (and before mark `last`)."""
        messages = [m for _, m in list(self.received)]
        start = messages.index(f"MARK={first}") + 1
        end = messages.index(f"MARK={last}") if last is not None else len(messages)
        return messages[start:end]

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


class UnreadSocket:
    """$NOTIFY_SOCKET with nobody reading it: what was sent waits in its queue (a unix
    datagram is queued when `sendto` returns) until `said()` takes it out. So a check
    run inside a Qt slot sees exactly what the process had sent before that moment."""

    def __init__(self) -> None:
        self.name = f"@kiosk-test-{secrets.token_hex(6)}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name[1:])
        self.sock.setblocking(False)

    def said(self) -> list[str]:
        out = []
        while True:
            try:
                out.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return out


@pytest.fixture
def listener(monkeypatch):
    lst = NotifyListener()
    monkeypatch.setenv("NOTIFY_SOCKET", lst.name)
    yield lst
    lst.close()


def test_notify_does_nothing_outside_systemd(monkeypatch):
    monkeypatch.delenv("NOTIFY_SOCKET", raising=False)
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    assert sdnotify.notify("READY=1") is False
    assert sdnotify.watchdog_interval() is None


def test_watchdog_interval_is_half_the_units_for_it_or_its_compositor(monkeypatch):
    monkeypatch.setenv("WATCHDOG_USEC", "10000000")
    monkeypatch.delenv("WATCHDOG_PID", raising=False)
    assert sdnotify.watchdog_interval() == 5.0
    others = {os.getpid(), os.getppid()}
    monkeypatch.setenv("WATCHDOG_PID", str(max(others) + 1))
    assert sdnotify.watchdog_interval() is None
    monkeypatch.setenv("WATCHDOG_PID", str(os.getpid()))
    assert sdnotify.watchdog_interval() == 5.0
    # the unit's main process is a kiosk compositor whose child we are
    monkeypatch.setenv("WATCHDOG_PID", str(os.getppid()))
    assert sdnotify.watchdog_interval() == 5.0


def test_ready_comes_only_after_the_first_frame_is_swapped(qapp, monkeypatch):
    from PySide6.QtQuick import QQuickWindow

    from ui import watchdog
    from ui.driver import pump, wait_until

    manager = UnreadSocket()
    monkeypatch.setenv("NOTIFY_SOCKET", manager.name)
    monkeypatch.setenv("WATCHDOG_USEC", "200000")
    window = QQuickWindow()
    window.resize(200, 200)
    said_before_first_frame: list[list[str]] = []

    def first_frame() -> None:  # connected before the watchdog's: runs first
        if not said_before_first_frame:
            said_before_first_frame.append(manager.said())

    window.frameSwapped.connect(first_frame)
    watchdog.start(window)
    try:
        pump(300)  # not shown, so nothing is rendered: nothing may be said
        assert manager.said() == []
        window.show()
        assert wait_until(lambda: said_before_first_frame, 10_000)
        assert said_before_first_frame == [[]]
        after = manager.said()
        assert after and after[0].startswith("READY=1"), after
    finally:
        window.close()
        manager.sock.close()
        pump(5)


def test_pings_stop_while_the_gui_thread_is_blocked(qapp, listener, monkeypatch):
    from PySide6.QtQuick import QQuickWindow

    from ui import watchdog
    from ui.driver import pump

    monkeypatch.setenv("WATCHDOG_USEC", "200000")  # a ping every 0.1 s
    window = QQuickWindow()
    window.resize(200, 200)
    watchdog.start(window)
    window.show()
    try:
        pump_until(lambda: listener.messages().count("WATCHDOG=1") >= 5)
        running = listener.messages()
        assert running[0].startswith("READY=1")
        assert running.count("WATCHDOG=1") >= 5

        # The event loop is blocked, as by a frozen screen, for ten ping intervals; the
        # marks, sent from this (the GUI) thread, fence what it sent in that time.
        listener.mark("blocked")
        time.sleep(1.0)
        listener.mark("unblocked")
        pump_until(lambda: "MARK=unblocked" in listener.messages())
        assert listener.between("blocked", "unblocked").count("WATCHDOG=1") == 0

        pump_until(lambda: listener.between("unblocked").count("WATCHDOG=1") >= 2)
        assert listener.between("unblocked").count("WATCHDOG=1") >= 2
    finally:
        window.close()
        pump(5)


def pump_until(condition, timeout: float = 60.0) -> None:
    """Runs the Qt event loop until `condition()` holds (the timeout only stops a hang)."""
    from ui.driver import pump

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out pumping the event loop"
        pump(20)



def test_kiosk_ui_says_ready_after_its_first_frame(tmp_path, listener):
    from tests.support.terminal import make_terminal
    from wire import sealing

    key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    term = make_terminal(tmp_path, "http://127.0.0.1:9/api", key)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software",
               KIOSK_TTS_ENGINE="off")
    env.pop("WATCHDOG_USEC", None)
    env.pop("WATCHDOG_PID", None)
    # --bench-first-frame prints the wall-clock time from the home screen's first
    # frameSwapped, then ends the event loop: the watchdog hears the same signal after it.
    result = subprocess.run([sys.executable, "-m", "app", "ui", "--windowed", "--config",
                             str(term.config_path), "--bench-first-frame"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    [first_frame] = [float(line.split()[1]) for line in result.stdout.splitlines()
                     if line.startswith("FIRST_FRAME ")]
    deadline = time.monotonic() + 5
    while not listener.received_wall and time.monotonic() < deadline:
        time.sleep(0.02)
    ready = [t for t, m in listener.received_wall if m.startswith("READY=1")]
    assert len(ready) == 1, listener.received_wall
    assert ready[0] >= first_frame, (ready[0], first_frame)


def test_kiosk_ui_says_ready_then_pings_from_the_gui_thread(tmp_path, listener):
    from tests.support.terminal import make_terminal
    from wire import sealing

    key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    term = make_terminal(tmp_path, "http://127.0.0.1:9/api", key)
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_QUICK_BACKEND="software",
               WATCHDOG_USEC="1000000", KIOSK_TTS_ENGINE="off")
    env.pop("WATCHDOG_PID", None)
    proc = subprocess.Popen([sys.executable, "-m", "app", "ui", "--config",
                             str(term.config_path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                m.startswith("READY=1") for m in listener.messages()):
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        ready_at = next(t for t, m in listener.received if m.startswith("READY=1"))
        deadline = time.monotonic() + 60  # pings after READY, however slow the machine
        while listener.messages(ready_at).count("WATCHDOG=1") < 3 and \
                time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        assert listener.messages(ready_at).count("WATCHDOG=1") >= 3
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
