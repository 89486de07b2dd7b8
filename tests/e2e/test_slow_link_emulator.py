"""bench/slow_link.py's emulated village line is what it claims: its arithmetic (each
segment leaves when the line is free and arrives a one-way delay later), the bytes and
segments it counts, and, through a real TCP connection on 127.0.0.1, a rate and a delay
within loose bounds of the configured ones (a check of the emulator, not of the kiosk)."""

from __future__ import annotations

import importlib.util
import socket
import sys
import threading
import time

import pytest

from tests.support.common import ROOT


@pytest.fixture(scope="module")
def slow_link():
    spec = importlib.util.spec_from_file_location("slow_link", ROOT / "bench" / "slow_link.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["slow_link"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_a_line_serialises_segments_and_adds_its_delay(slow_link):
    line = slow_link.Line(rate=1000.0, delay=0.2)  # 1000 bytes a second
    assert line.send(500, now=10.0) == pytest.approx(10.7)  # 0.5 s on the line, 0.2 s flying
    assert line.send(500, now=10.1) == pytest.approx(11.2)  # waits for the line: queued
    assert line.send(100, now=20.0) == pytest.approx(20.3)  # an idle line: at once
    assert line.send(100, now=30.0, not_before=31.0) == pytest.approx(31.3)  # the handshake
    assert (line.bytes, line.segments) == (1200, 4)


class _Peer:
    """A TCP server on 127.0.0.1 that reads `expect` bytes, then answers `answer` bytes."""

    def __init__(self, expect: int, answer: int):
        self.expect, self.answer = expect, answer
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        conn, _ = self.sock.accept()
        with conn:
            got = 0
            while got < self.expect:
                data = conn.recv(65536)
                if not data:
                    return
                got += len(data)
            conn.sendall(b"a" * self.answer)


def _exchange(link, size: int, answer: int) -> float:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", link.port)) as conn:
        conn.sendall(b"q" * size)
        got = 0
        while got < answer:
            data = conn.recv(65536)
            assert data, "the link closed early"
            got += len(data)
    return time.monotonic() - started


def test_bytes_segments_rate_and_delay_through_a_real_connection(slow_link):
    rate_bits, rtt = 400_000, 0.2  # 50 KB/s each way
    peer = _Peer(expect=40_000, answer=10_000)
    with slow_link.SlowLink(("127.0.0.1", peer.port), bandwidth_bits=rate_bits, rtt=rtt) as link:
        took = _exchange(link, 40_000, 10_000)
    assert link.up.bytes == 40_000 and link.down.bytes == 10_000  # counted exactly
    assert link.up.segments >= 40_000 // slow_link.SEGMENT  # at most one segment's bytes each
    assert link.counts.connections == 1 and link.counts.turns == 1
    # the least it can take: handshake, the request's bytes on the line and its flight,
    # the answer's bytes and flight (0.2 + 0.8 + 0.1 + 0.2 + 0.1 = 1.4 s)
    least = rtt + 40_000 / (rate_bits / 8) + rtt / 2 + 10_000 / (rate_bits / 8) + rtt / 2
    assert least * 0.95 <= took < least * 3, (took, least)
