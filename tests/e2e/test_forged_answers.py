"""A forger between terminal and platform: every answer the terminal acts on must carry
the platform's signature bound to the request it answers, and the signed answer kept
with the item proves, after the purge too, what the platform accepted and when.

The forger is a real HTTP server on 127.0.0.1 in front of the real platform process:
it passes every request through, except the submissions, which it answers itself with
a made-up acceptance (unsigned, signed with another key, or a genuine signed answer of
another request replayed) and never forwards: a terminal that believed it would lose
them."""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from kiosk.store import Outbox
from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, receiver_cases
from wire import ack, paths, signing

HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date",
              "server"}
SUBMITTING = (paths.SUBMISSIONS, paths.SUBMISSION_BATCHES)


class Forger(ThreadingHTTPServer):
    """Passes requests through to `upstream`, answering submissions itself (`mode`)."""

    daemon_threads = True

    def __init__(self, upstream: str, mode: str):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.upstream = upstream
        self.mode = mode
        self.forger_key = signing.generate_signing_key()
        self.genuine: tuple[int, list[tuple[str, str]], bytes] | None = None  # to replay
        self.forged = 0
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{paths.API}"


class _Handler(BaseHTTPRequestHandler):
    server: Forger
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:  # quiet
        pass

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _answer(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
        answer = requests.request(self.command, self.server.upstream + self.path, data=body,
                                  headers=headers, timeout=10)
        return answer.status_code, list(answer.headers.items()), answer.content

    def _made_up(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        now = datetime.now(UTC).isoformat()
        request = json.loads(body)

        def case(n: int, sid: str) -> dict:
            return {"submission_id": sid, "case_no": f"XF20261201{90000 + n}",
                    "query_code": "FRGD2345", "received_at": now}

        if self.path == paths.SUBMISSIONS:
            status, answer = 201, case(0, request["submission_id"])
        else:
            status, answer = 200, {"results": [
                {"submission_id": s["submission_id"], "status": 201,
                 "accepted": case(n, s["submission_id"])}
                for n, s in enumerate(request["submissions"])]}
        data = json.dumps(answer).encode()
        headers = [("Content-Type", "application/json")]
        if self.server.mode == "wrong_key":  # bound to this very request, but not the key
            headers += ack.sign_answer(status, headers, data, method=self.command,
                                       path=self.path,
                                       request_signature=self.headers.get("Signature"),
                                       key=self.server.forger_key).items()
        return status, headers, data

    def _handle(self) -> None:
        body = self._body()
        if self.command != "POST" or self.path not in SUBMITTING:
            self._answer(*self._forward(body))
            return
        if self.server.mode == "replay":
            if self.server.genuine is None:  # the first one goes through, once
                self.server.genuine = self._forward(body)
                self._answer(*self.server.genuine)
                return
            self.server.forged += 1
            self._answer(*self.server.genuine)
            return
        self.server.forged += 1
        self._answer(*self._made_up(body))

    do_GET = do_POST = do_PUT = _handle


@pytest.fixture
def platform(tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        yield rx


def _point_at(term, api_url: str) -> None:
    text = term.config_path.read_text(encoding="utf-8")
    text = re.sub(r'api_url = "[^"]*"', f'api_url = "{api_url}"', text)
    term.config_path.write_text(text, encoding="utf-8")


def _make_due(term) -> None:
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    conn.execute("UPDATE submissions SET next_attempt_at = '2000-01-01 00:00:00.000000'"
                 " WHERE state = 'queued'")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("mode", ["unsigned", "wrong_key", "replay"])
def test_a_forged_acceptance_delivers_nothing_and_the_real_platform_gets_each_once(
        tmp_path, platform, mode):
    term = enrolled_terminal(tmp_path, platform)
    forger = Forger(platform.url, mode)
    forger.thread.start()
    try:
        _point_at(term, forger.api_url)
        first = []
        if mode == "replay":  # a genuine signed acceptance, for the forger to replay
            first = term.queue(1)
            assert term.kiosk("sync", "--once").returncode == 0
        receipts = term.queue(4)
        for _attempt in range(2):
            result = term.kiosk("sync", "--once")
            assert result.returncode == 1, result.stderr
            _make_due(term)
        assert forger.forged >= 2
        status = term.status()
        assert status["counts"]["delivered"] == len(first)
        assert status["counts"]["queued"] == 4 and status["counts"]["needs_attention"] == 0
        assert "unverified answer" in status["last_error"]
        assert len(receiver_cases(platform)) == len(first)  # the platform never had them
        log = (term.data_dir / "logs").glob("*.jsonl")
        logged = "".join(p.read_text(encoding="utf-8") for p in log)
        assert "unverified answer" in logged and "测试" not in logged  # no personal data
    finally:
        forger.shutdown()
        forger.server_close()

    _point_at(term, platform.api_url)  # the real platform reachable again
    _make_due(term)
    assert term.kiosk("sync", "--once").returncode == 0
    cases = receiver_cases(platform)
    assert len(cases) == len(first) + 4
    assert len({c["submission_id"] for c in cases}) == len(cases)  # each exactly once
    with Outbox.open(term.data_dir) as box:
        for receipt in first + receipts:
            info = box.find_by_receipt(receipt)
            assert info.state == "delivered" and info.platform_ack
            assert info.case_no in {c["case_no"] for c in cases}
            assert "FRGD" not in (info.query_code or "")


def test_a_kept_acknowledgement_verifies_offline_after_the_purge(tmp_path, platform):
    term = enrolled_terminal(tmp_path, platform)
    receipts = term.queue(3)
    assert term.kiosk("sync", "--once").returncode == 0
    with Outbox.open(term.data_dir) as box:
        assert box.purge_delivered(timedelta(0), now=datetime.now(UTC) + timedelta(days=1)) == 3
        assert all(box.find_by_receipt(r).state == "purged" for r in receipts)
    shown = term.kiosk("outbox", "show", receipts[0])
    assert shown.returncode == 0 and "signed by the platform at" in shown.stdout
    assert "query_code" not in shown.stdout
    verified = term.kiosk("outbox", "verify", receipts[0])
    assert verified.returncode == 0, verified.stderr
    case_no = Outbox.open(term.data_dir).find_by_receipt(receipts[0]).case_no
    assert case_no in verified.stdout
    # Against the platform's published key, as a third party would check it.
    published = (platform.data_dir / "platform-signing.pub").read_text().strip()
    assert term.kiosk("outbox", "verify", receipts[1], "--platform-key",
                      published).returncode == 0
    other = signing.encode_signing_public_key(signing.generate_signing_key().public_key())
    assert term.kiosk("outbox", "verify", receipts[1], "--platform-key", other).returncode == 1
    # A kept acknowledgement altered on disk no longer holds.
    conn = sqlite3.connect(term.data_dir / "kiosk.db")
    conn.execute("UPDATE submissions SET platform_ack = replace(platform_ack, ?, ?) "
                 "WHERE receipt_no = ?", (case_no, case_no[:-1] + "9", receipts[0]))
    conn.commit()
    conn.close()
    tampered = term.kiosk("outbox", "verify", receipts[0])
    assert tampered.returncode == 1 and "does NOT hold" in tampered.stderr
