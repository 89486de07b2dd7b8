"""The reference receiving platform as a real process, for receiver, sync and end-to-end tests.

    from tests.support.platform_server import running_receiver, enroll_test_terminal, signed_request

    with running_receiver(tmp_path / "platform") as rx:          # `serve` on a port of its own
        key, platform_public_key = enroll_test_terminal(rx, "T-0001")
        answer = signed_request(rx, "GET", paths.LIMITS, "T-0001", key)
        rx.cli("maintenance", "on", "--retry-after", "5")        # any CLI command, same data
        rx.kill()                                                # SIGKILL, like a power cut
        rx.restart()                                             # same port, same data

The port is the receiver's from first start to `release()`: a socket bound to it (never
listening) keeps it, and each start binds a listening socket beside it and hands that
to `serve --fd`; no other process can take the port between a kill and a restart, and
while no server runs a connection is refused, as by a platform that is down.

Nothing here is mocked: `serve` runs as `python -m receiver` with its own SQLite
database, requests are signed with `wire.signing.sign_request` and sent with
`requests`. The platform's key pair is made by `serve` on first start (or by
`rx.cli("keygen")` before it); `rx.platform_public_key` reads it back.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel

from wire import paths, schemas, sealing, signing
from wire import receipt as wire_receipt

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 30.0
_LISTENING = re.compile(r"^listening on (http://\S+)$")
_CODE = re.compile(r"enrollment code for \S+: ([0-9A-Z-]+)")
TABLES = ("terminals", "nonces", "idempotency", "cases", "case_events", "case_attachments",
          "attachments", "heartbeats", "content")


class ReceiverProcess:
    """`python -m receiver serve` on 127.0.0.1, started by `start()` (or `running_receiver`).

    `url` is the root (`http://127.0.0.1:PORT`; protocol paths carry /api/v1) and
    `api_url` the same with /api/v1, as a terminal's configuration names it.
    `output` collects the server's stdout and stderr lines."""

    def __init__(self, data_dir: Path, port: int | None = None, *,
                 extra_args: Sequence[str] = (), env: dict[str, str] | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or 0  # 0: the first start picks a free port, restarts keep it
        self.extra_args = list(extra_args)
        self.env = env
        self.proc: subprocess.Popen[str] | None = None
        self.output: list[str] = []
        self._reader: threading.Thread | None = None
        self._reservation: socket.socket | None = None

    def _reserve_port(self) -> None:
        """Binds the port for as long as this object lives (never listening, so a
        connection while no server runs is refused)."""
        if self._reservation is not None:
            return
        self._reservation = _port_socket(self.port)
        self.port = self._reservation.getsockname()[1]
        weakref.finalize(self, self._reservation.close)

    def release(self) -> None:
        """Stops the server and gives the port back."""
        self.stop()
        if self._reservation is not None:
            self._reservation.close()
            self._reservation = None

    @property
    def url(self) -> str:
        if not self.port:
            raise RuntimeError("the receiver has not been started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + paths.API

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    @property
    def platform_public_key(self) -> str:
        """The platform's X25519 public key, base64, as terminals are configured with it."""
        return (self.data_dir / "platform.pub").read_text(encoding="ascii").strip()

    def start(self) -> ReceiverProcess:
        if self.running:
            raise RuntimeError("the receiver is already running")
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.update(self.env or {})
        self._reserve_port()
        listener = _port_socket(self.port)
        listener.listen(1024)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "receiver", "serve", "--fd", str(listener.fileno()),
                 "--data", str(self.data_dir), *self.extra_args],
                cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace",
                pass_fds=(listener.fileno(),))
        finally:
            listener.close()  # the server's now: it goes with the server's process
        ready = threading.Event()
        found: list[str] = []
        proc = self.proc

        def pump() -> None:  # keeps draining so the server never blocks on a full pipe
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip("\n")
                self.output.append(line)
                match = _LISTENING.match(line)
                if match and not ready.is_set():
                    found.append(match.group(1))
                    ready.set()
            ready.set()  # the process ended: stop waiting

        self._reader = threading.Thread(target=pump, daemon=True)
        self._reader.start()
        if not ready.wait(START_TIMEOUT) or not found:
            self.kill()
            raise RuntimeError("the receiver did not start:\n" + "\n".join(self.output[-30:]))
        assert int(found[0].rsplit(":", 1)[1]) == self.port, found
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a crash or a power cut."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self._reap()

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM and wait for a graceful shutdown (SIGKILL after `timeout`)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self._reap()

    def restart(self) -> ReceiverProcess:
        """Stops the server if it still runs (gracefully), then starts it on the same port."""
        self.stop()
        return self.start()

    def _reap(self) -> None:
        if self.proc is not None:
            self.proc.wait(30)
            if self._reader is not None:
                self._reader.join(10)
            if self.proc.stdout is not None:
                self.proc.stdout.close()

    def cli(self, *args: str, check: bool = True,
            timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
        """Runs `python -m receiver --data DATA_DIR ARGS…`; with `check`, a failure raises."""
        result = subprocess.run(
            [sys.executable, "-m", "receiver", "--data", str(self.data_dir), *args],
            cwd=ROOT, capture_output=True, text=True, encoding="utf-8", timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"kiosk-receiver {' '.join(args)} exited "
                                 f"{result.returncode}:\n{result.stderr}")
        return result

    def counts(self) -> dict[str, int]:
        """Rows per table of the platform's database, plus the attachment files on disk."""
        return table_counts(self.data_dir)


def _port_socket(port: int) -> socket.socket:
    """A TCP socket bound to 127.0.0.1:`port` (0: a free one) beside any other of this
    user's bound there the same way (SO_REUSEPORT), not listening yet."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def table_counts(data_dir: Path) -> dict[str, int]:
    conn = sqlite3.connect(f"file:{Path(data_dir) / 'receiver.db'}?mode=ro", uri=True)
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    finally:
        conn.close()
    files = Path(data_dir) / "attachments"
    counts["attachment_files"] = sum(1 for p in files.iterdir() if p.is_file()) \
        if files.exists() else 0
    return counts


@contextmanager
def running_receiver(data_dir: Path, port: int | None = None, *,
                     extra_args: Sequence[str] = (),
                     env: dict[str, str] | None = None) -> Iterator[ReceiverProcess]:
    """A started receiver, stopped (SIGTERM, then SIGKILL) and its port given back when
    the block ends."""
    receiver = ReceiverProcess(data_dir, port, extra_args=extra_args, env=env)
    try:
        yield receiver.start()
    finally:
        receiver.release()


def enroll_test_terminal(receiver: ReceiverProcess,
                         terminal_id: str) -> tuple[Ed25519PrivateKey, str]:
    """`terminal add` + POST /enrollments: returns (signing key, platform public key base64)."""
    code = issue_code(receiver, terminal_id)
    key = signing.generate_signing_key()
    answer = requests.post(receiver.url + paths.ENROLLMENTS, timeout=10, json={
        "terminal_id": terminal_id, "code": code,
        "signing_public_key": signing.encode_signing_public_key(key.public_key())})
    assert answer.status_code == 201, answer.text
    enrolled = schemas.EnrollmentResponse.model_validate(answer.json())
    return key, enrolled.platform_public_key


def issue_code(receiver: ReceiverProcess, terminal_id: str, *extra: str) -> str:
    """A one-time enrollment code from `terminal add` (as printed, grouped with dashes)."""
    out = receiver.cli("terminal", "add", terminal_id, *extra).stdout
    match = _CODE.search(out)
    assert match, out
    return match.group(1)


def _root(target: ReceiverProcess | str) -> str:
    return target.url if isinstance(target, ReceiverProcess) else target.rstrip("/")


def prepare_signed(target: ReceiverProcess | str, method: str, path: str, terminal_id: str,
                   key: Ed25519PrivateKey | None, *, json_body: Any = None,
                   data: bytes | None = None, headers: dict[str, str] | None = None,
                   now: datetime | None = None) -> requests.PreparedRequest:
    """A request to `path` (e.g. `paths.LIMITS`), signed unless `key` is None.

    `json_body` may be a pydantic model, a dict or JSON bytes; `now` backdates the
    signature's `created`. Tamper with the result, then send it with `send`."""
    hdrs = dict(headers or {})
    body = data
    if json_body is not None:
        if isinstance(json_body, BaseModel):
            body = json_body.model_dump_json().encode()
        elif isinstance(json_body, bytes):
            body = json_body
        else:
            body = json.dumps(json_body, ensure_ascii=False).encode()
        hdrs.setdefault("Content-Type", "application/json")
    prepared = requests.Request(method, _root(target) + path, data=body or b"",
                                headers=hdrs).prepare()
    if key is not None:
        signing.sign_request(prepared, terminal_id, key, now=now)
    return prepared


def send(prepared: requests.PreparedRequest, *, timeout: float = 10.0,
         session: requests.Session | None = None) -> requests.Response:
    if session is not None:
        return session.send(prepared, timeout=timeout)
    with requests.Session() as fresh:
        return fresh.send(prepared, timeout=timeout)


def signed_request(target: ReceiverProcess | str, method: str, path: str, terminal_id: str,
                   key: Ed25519PrivateKey | None, *, timeout: float = 10.0,
                   session: requests.Session | None = None, **kwargs: Any) -> requests.Response:
    """`prepare_signed` + `send`: a real signed HTTP request and the platform's answer."""
    return send(prepare_signed(target, method, path, terminal_id, key, **kwargs),
                timeout=timeout, session=session)


# --- sealed submissions and attachments ---------------------------------------------------


# What each attachment sealed here holds (sealed digest → plaintext digest and size), so
# `sealed_submission` can list it in the sealed document as the kiosk does.
_PLAINTEXT_OF: dict[str, tuple[str, int]] = {}


def seal_attachment(platform_public_key: str, submission_id: str, plaintext: bytes, *,
                    role: str = "evidence",
                    media_type: str = "image/jpeg") -> tuple[bytes, schemas.AttachmentRef]:
    """Seals `plaintext` as the kiosk does; returns the sealed bytes and their reference."""
    digest = hashlib.sha256(plaintext).hexdigest()
    sealed = sealing.seal(plaintext, sealing.decode_public_key(platform_public_key),
                           submission_id, sealing.attachment_part(digest))
    ref = schemas.AttachmentRef(sealed_digest=hashlib.sha256(sealed).hexdigest(),
                                 size=len(sealed), role=role, media_type=media_type)
    _PLAINTEXT_OF[ref.sealed_digest] = (digest, len(plaintext))
    return sealed, ref


def document_attachment(ref: schemas.AttachmentRef) -> dict[str, Any]:
    """How the sealed document lists an attachment sealed by `seal_attachment`."""
    digest, size = _PLAINTEXT_OF.get(ref.sealed_digest, ("0" * 64, ref.size))
    return {"role": ref.role, "media_type": ref.media_type, "digest": digest, "size": size}


def sealed_submission(platform_public_key: str, terminal_id: str, *,
                      submission_id: str | None = None,
                      attachments: Sequence[schemas.AttachmentRef] = (),
                      envelope: dict[str, Any] | None = None, seal_as: str | None = None,
                      receipt_no: str = "2026112601",
                      kind: schemas.Kind = "petition",
                      document: dict[str, Any] | None = None) -> schemas.SubmissionRequest:
    """A submission whose envelope `{"submission_id", "terminal_id", "document", …}` is sealed
    to the key, its document agreeing with the routing metadata as the kiosk's does (kind,
    category, purpose, and the attachments as `seal_attachment` sealed them).

    `document` updates the sealed document, `envelope` replaces the whole sealed JSON;
    `seal_as` binds the seal to another submission id (all for refusal tests)."""
    submission_id = submission_id or str(uuid.uuid4())
    doc = {"kind": kind, "category": "labour", "purpose": "demand",
           "matter": {"summary": "测试信访事项，无真实个人信息"},
           "attachments": [document_attachment(ref) for ref in attachments]}
    doc.update(document or {})
    inner = envelope if envelope is not None else {
        "submission_id": submission_id, "terminal_id": terminal_id, "jurisdiction": "测试县",
        "document": doc}
    sealed = sealing.seal(json.dumps(inner, ensure_ascii=False).encode(),
                           sealing.decode_public_key(platform_public_key),
                           seal_as or submission_id, "envelope")
    return schemas.SubmissionRequest(
        submission_id=submission_id, terminal_id=terminal_id, jurisdiction="测试县",
        kind=kind, category="labour", purpose="demand", created_at=datetime.now(UTC),
        receipt_no=receipt_no, envelope=base64.b64encode(sealed).decode(),
        attachments=list(attachments))


def submit(target: ReceiverProcess | str, terminal_id: str, key: Ed25519PrivateKey,
           request: schemas.SubmissionRequest, *, timeout: float = 10.0,
           idempotency_key: str | None = None) -> requests.Response:
    """POST /submissions with `Idempotency-Key` = the submission id (unless given)."""
    return signed_request(target, "POST", paths.SUBMISSIONS, terminal_id, key,
                          json_body=request, timeout=timeout,
                          headers={"Idempotency-Key": idempotency_key or request.submission_id})


def put_chunk(target: ReceiverProcess | str, terminal_id: str, key: Ed25519PrivateKey,
              sealed_digest: str, offset: int, total: int, chunk: bytes) -> requests.Response:
    return signed_request(target, "PUT", paths.attachment_path(sealed_digest), terminal_id,
                          key, data=chunk, headers={
                              "Upload-Offset": str(offset), "Upload-Length": str(total),
                              "Content-Type": "application/octet-stream"})


def upload(target: ReceiverProcess | str, terminal_id: str, key: Ed25519PrivateKey,
           sealed: bytes, *, chunk_bytes: int = 1024 * 1024) -> dict[str, Any]:
    """Uploads a whole sealed attachment in chunks; returns the final UploadStatus JSON."""
    digest = hashlib.sha256(sealed).hexdigest()
    offset = 0
    status: dict[str, Any] = {}
    while True:
        answer = put_chunk(target, terminal_id, key, digest, offset, len(sealed),
                           sealed[offset:offset + chunk_bytes])
        assert answer.status_code == 200, answer.text
        status = answer.json()
        if status["complete"]:
            return status
        offset = status["received"]


def with_receipt(req: schemas.SubmissionRequest, key: Ed25519PrivateKey, *,
                 clock_offset_seconds: int | None = 0, confirmed_at: datetime | None = None,
                 **signed_fields: Any) -> schemas.SubmissionRequest:
    """`req` carrying the receipt a terminal with `key` signs at confirm (`wire.receipt`),
    confirmed at `confirmed_at` (default: its `created_at`), with the clock offset it
    reports. `signed_fields` sign other values than the request's (for refusal tests)."""
    confirmed = confirmed_at or req.created_at
    fields = dict(terminal_id=req.terminal_id, receipt_no=req.receipt_no, kind=req.kind,
                  confirmed_at=confirmed, envelope=base64.b64decode(req.envelope))
    fields.update(signed_fields)
    return req.model_copy(update={"receipt": wire_receipt.sign(key, **fields),
                                  "created_at": confirmed,
                                  "clock_offset_seconds": clock_offset_seconds})
