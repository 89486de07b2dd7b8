"""A village line. bench/slow_link.py's emulated line is what it claims: its arithmetic
(each segment leaves when the line is free and arrives a one-way delay later), the bytes
and segments it counts, and, through a real TCP connection on 127.0.0.1, a rate and a
delay within loose bounds of the configured ones (a check of the emulator, not of the
kiosk). And the real `kiosk sync` delivers submissions with pages through such a line to
a real platform, each once, though one request with all of them would take longer than
the read timeout (sync/pace.py keeps each request to what the line carries)."""

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


def _pages(n: int) -> list:
    """Two different pages of about 220 KB each, colour photos with sensor noise: under
    the platform's inline limit (256 KB), so unpaced they would go in the batch, base64."""
    import io

    from PIL import Image

    from kiosk import pages, submission

    out = []
    for k in range(2):
        photo = Image.merge("RGB", (Image.effect_noise((840, 630), 60 + n * 2 + k),
                                    Image.linear_gradient("L").resize((840, 630)),
                                    Image.effect_noise((840, 630), 30)))
        raw = io.BytesIO()
        photo.save(raw, "JPEG", quality=90)
        page = pages.compress(raw.getvalue(), "image/jpeg")
        out.append(submission.AttachmentData("evidence", page.media_type, page.content))
    return out


def test_sync_delivers_pages_through_a_slow_line_each_once(slow_link, tmp_path):
    import sqlite3

    from kiosk import petition, submission, taxonomy
    from kiosk.store import Outbox
    from tests.support import factories
    from tests.support.common import TODAY
    from tests.support.platform_server import issue_code, running_receiver
    from tests.support.terminal import SIGNATURE_PNG, make_terminal, receiver_cases
    from wire import paths

    with running_receiver(tmp_path / "platform") as rx, \
            slow_link.SlowLink(("127.0.0.1", rx.port), bandwidth_bits=800_000, rtt=0.1) as link:
        # 100 KB/s: the two submissions' pages (about 0.9 MB, 1.2 MB in base64, inline
        # by the platform's limits) would take 12 s in one request, one submission 6 s;
        # the read timeout is 4 s.
        term = make_terminal(tmp_path, link.url + paths.API, rx.platform_public_key,
                             read_timeout=4.0)
        assert term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id)).returncode == 0
        loaded, tax = term.loaded(), taxonomy.load()
        with Outbox.open(term.data_dir) as outbox:
            for n in range(2):
                result = petition.validate(factories.petition(), taxonomy=tax, today=TODAY)
                files = [submission.AttachmentData("signature", "image/png", SIGNATURE_PNG),
                         *_pages(n)]
                assert all(150_000 < len(f.content) < 240_000 for f in files[1:])
                submission.confirm(outbox, result, files, loaded, tax)
        link.reset()
        synced = term.kiosk("sync", "--once")
        assert synced.returncode == 0, synced.stderr
        assert "ReadTimeout" not in synced.stderr
        assert len(receiver_cases(rx)) == 2
        conn = sqlite3.connect(rx.data_dir / "receiver.db")
        try:
            attachments = conn.execute("SELECT count(*) FROM case_attachments").fetchone()[0]
        finally:
            conn.close()
        assert attachments == 6  # the signature and two pages of each, once
        pages_bytes = sum(len(p.content) for n in range(2) for p in _pages(n))
        seen = [line for line in rx.output if "receiver.access" in line]
        assert link.up.bytes > pages_bytes, seen  # the pages did cross the line
        assert link.up.bytes < pages_bytes * 1.1, (pages_bytes, seen)  # raw, not base64
