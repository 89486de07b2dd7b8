"""The causes the delivery really records, provoked on 127.0.0.1 — a port nobody listens
on, a server that accepts and never answers, one that hangs up — have plain Chinese
words (kiosk/causes.py)."""

from __future__ import annotations

import socket
import threading

import pytest

from kiosk import causes
from sync.client import PlatformClient, Unreachable
from wire import paths


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recorded(port: int, read_timeout: float = 5.0) -> str:
    """What the delivery records when the request fails (sync/client.py Unreachable)."""
    client = PlatformClient(f"http://127.0.0.1:{port}/api/v1", "T-0001", None,
                            connect_timeout=2.0, read_timeout=read_timeout)
    try:
        with pytest.raises(Unreachable) as failed:
            client.request("GET", paths.LIMITS, signed=False)
    finally:
        client.close()
    return str(failed.value)


class Listener:
    """Accepts on 127.0.0.1; `hang_up` closes each connection at once, else holds it."""

    def __init__(self, hang_up: bool):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        self.hang_up = hang_up
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        if self.hang_up:
            conn.recv(65536)
            conn.close()
        else:
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        self.thread.join(5)
        for conn in self.held:
            conn.close()


def test_a_port_nobody_listens_on_reads_as_the_platform_refusing_the_connection():
    text = recorded(closed_port())
    cause = causes.explain(f"kiosk.sync: receipt 1234567890 will be retried: {text}")
    assert cause.known and cause.detail.endswith(text)
    assert "平台拒绝连接（平台服务可能没有运行" in cause.words
    assert "会自动重试" in cause.words


def test_a_platform_that_never_answers_reads_as_no_answer_in_time():
    silent = Listener(hang_up=False)
    try:
        text = recorded(silent.port, read_timeout=0.5)
    finally:
        silent.close()
    assert "ReadTimeout" in text
    assert "没有在规定时间内答复" in causes.explain(text).words


def test_a_platform_that_hangs_up_reads_as_a_connection_cut():
    rude = Listener(hang_up=True)
    try:
        text = recorded(rude.port)
    finally:
        rude.close()
    words = causes.explain(text).words
    assert causes.explain(text).known, text
    assert "断了" in words or "连不上平台" in words, (text, words)


def test_the_doctors_reach_check_to_a_closed_port_has_words(tmp_path):
    from kiosk import doctor
    from sync import doctor_checks
    from tests.support.terminal import make_terminal
    from wire import sealing

    key = sealing.encode_public_key(sealing.generate_private_key().public_key())
    term = make_terminal(tmp_path, f"http://127.0.0.1:{closed_port()}/api/v1", key)
    checks = [c for c in doctor_checks.checks(doctor.Context(term.loaded()))
              if c.name.startswith("reach:")]
    assert checks
    found = [o.result.found for o in doctor.run_checks(checks)]
    refused = [f for f in found if "api" in f and "Connection refused" in f]
    assert refused, found
    for f in refused:
        assert causes.explain(f).words.startswith("平台拒绝连接"), f
