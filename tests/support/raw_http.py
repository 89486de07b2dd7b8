"""HTTP/1.1 spoken by hand over a socket, for what `requests` will not do: stop half-way
through a request, send headers a line at a time, send a body nobody signed.

    sock = connect(rx.port)
    sock.sendall(request_head("PUT", paths.attachment_path(DIGEST), forged_signature(),
                              content_length=20 * MiB))
    answer = read_answer(sock)             # (status, headers, body) or None if closed
    assert closed_within(sock, 10)         # the server hung up
"""

from __future__ import annotations

import base64
import json
import os
import socket
import time
from dataclasses import dataclass

MiB = 1024 * 1024


def connect(port: int, timeout: float = 10.0) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def forged_signature(terminal_id: str = "T-NOBODY") -> dict[str, str]:
    """Signature headers in exactly the form a terminal sends, signed by no key at all:
    what anyone can write without a terminal's key."""
    nonce = base64.urlsafe_b64encode(os.urandom(18)).decode()
    return {
        "Content-Digest": f"sha-256=:{base64.b64encode(os.urandom(32)).decode()}:",
        "Signature-Input": f'kiosk=("@method" "@path" "@query" "content-digest");'
                           f'created={int(time.time())};keyid="{terminal_id}";alg="ed25519";'
                           f'nonce="{nonce}"',
        "Signature": f"kiosk=:{base64.b64encode(os.urandom(64)).decode()}:",
    }


def request_head(method: str, path: str, headers: dict[str, str] | None = None, *,
                 content_length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if content_length is not None:
        lines.append(f"Content-Length: {content_length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict:
        return json.loads(self.body)


def read_answer(sock: socket.socket, timeout: float = 10.0) -> Answer | None:
    """The next answer on `sock`, or None if the server closed (or reset) it first."""
    sock.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                return None
            data += part
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            part = sock.recv(65536)
            if not part:
                break
            body += part
    except (ConnectionResetError, BrokenPipeError):
        return None
    return Answer(int(lines[0].split(" ")[1]), headers, body[:length])


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """True once the server has closed the connection (EOF or reset), reading and
    dropping whatever it still sends; False if it is still open after `seconds`."""
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            return False
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def send_slowly(sock: socket.socket, data: bytes, *, piece: int, pause: float,
                until: float) -> bool:
    """Sends `data` `piece` bytes at a time with `pause` between them, for at most `until`
    seconds; False as soon as the server stops taking them (it closed the connection)."""
    deadline = time.monotonic() + until
    for start in range(0, len(data), piece):
        if time.monotonic() > deadline:
            return True
        try:
            sock.sendall(data[start:start + piece])
        except (BrokenPipeError, ConnectionResetError):
            return False
        time.sleep(pause)
    return True


def vm_rss(pid: int, field: str = "VmRSS") -> int:
    """A process's resident memory in bytes (`VmHWM`: its peak so far), from /proc."""
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise LookupError(field)
