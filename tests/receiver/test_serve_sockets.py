"""The sockets `kiosk-receiver serve` listens on: its own (--host/--port) or one it
inherits (--fd), both with TCP_NODELAY on what they accept. How fast kept-alive requests
are answered is a figure of `bench/platform_requests.py`; here is what makes it so."""

from __future__ import annotations

import os
import socket

import pytest

from receiver import cli


def _accepted(listener: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(listener.getsockname()[:2], timeout=10)
    conn, _ = listener.accept()
    return client, conn


def test_its_own_socket_is_tcp_so_asyncio_sets_nodelay_on_each_connection():
    # Without an explicit IPPROTO_TCP asyncio leaves Nagle on: 40 ms per kept-alive
    # request, waiting for a delayed ACK.
    sock = cli._listening_socket("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockname()[1] != 0
    finally:
        sock.close()


def test_an_inherited_socket_is_served_as_it_is_with_nodelay():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    sock = cli._inherited_socket(listener.detach())
    client = conn = None
    try:
        assert sock.proto == socket.IPPROTO_TCP and sock.type == socket.SOCK_STREAM
        client, conn = _accepted(sock)
        assert conn.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
    finally:
        for s in (client, conn, sock):
            if s is not None:
                s.close()


@pytest.mark.parametrize("kind", ["bound, not listening", "udp", "unix"])
def test_an_inherited_socket_that_cannot_serve_is_refused(kind):
    if kind == "unix":
        sock, other = socket.socketpair()
        other.close()
    else:
        sock = socket.socket(socket.AF_INET,
                             socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
    try:
        with pytest.raises(cli.Refused, match="not a listening TCP socket") as refused:
            cli._inherited_socket(sock.fileno())
        assert refused.value.status == cli.EXIT_FAILED
        os.fstat(sock.fileno())  # still open: left to its owner
    finally:
        sock.close()


def test_serve_refuses_a_descriptor_that_is_no_socket_and_fd_with_a_port(tmp_path, capsys):
    with open(tmp_path / "plain", "w") as plain:
        assert cli.main(["serve", "--data", str(tmp_path / "rx"), "--fd",
                         str(plain.fileno())]) == cli.EXIT_FAILED
    assert "not an open socket" in capsys.readouterr().err
    assert cli.main(["serve", "--data", str(tmp_path / "rx"), "--fd", "3",
                     "--port", "8700"]) == cli.EXIT_INVALID
    assert "--fd takes the place of --host and --port" in capsys.readouterr().err
    with pytest.raises(SystemExit) as bad:
        cli.main(["serve", "--fd", "1"])
    assert bad.value.code == cli.EXIT_INVALID
