"""What a client the platform does not know can cost it, against a real `kiosk-receiver
serve`: no body is read before its signature checks out as far as the headers decide
it (form, key, signature over the digest, time window, nonce), bodies
held at once stay within the budget, and slow or stalled clients are cut off
(docs/receiver.md, "Limits").

Timeouts are configured small (1 s) and waited for on the socket itself, with a
generous bound; the memory figure is printed by `bench/unauth_memory.py`, this file
checks the documented bound."""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterator

import pytest
import requests

from receiver.limits import LIMITS, max_body
from tests.support.platform_server import (
    ReceiverProcess,
    enroll_test_terminal,
    put_chunk,
    running_receiver,
    signed_request,
)
from tests.support.raw_http import (
    MiB,
    closed_within,
    connect,
    forged_signature,
    read_answer,
    request_head,
    send_slowly,
    vm_rss,
)
from wire import paths, signing

T = "T-0001"
DIGEST = hashlib.sha256(b"never uploaded").hexdigest()
UPLOAD = paths.attachment_path(DIGEST)
# Waits on a socket the server should close after 1 s: generous for a loaded machine.
CUT_OFF_BOUND = 15.0
QUICK = ("--header-timeout", "1", "--body-timeout", "1", "--keep-alive-timeout", "1",
         "--max-header-bytes", "8192")
# The documented bound (docs/receiver.md): the server's resident memory grows by at most
# twice the body budget plus this, however many bodies are sent at once.
RSS_ALLOWANCE = 64 * MiB
# … and by at most this when every body is refused on its headers (docs/receiver.md).
NEAR_IDLE = 16 * MiB


@pytest.fixture(scope="module")
def rx(tmp_path_factory) -> Iterator[ReceiverProcess]:
    with running_receiver(tmp_path_factory.mktemp("platform"), extra_args=QUICK) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def key(rx):
    return enroll_test_terminal(rx, T)[0]


def still_serves(rx: ReceiverProcess, key) -> bool:
    return signed_request(rx, "GET", paths.LIMITS, T, key).status_code == 200


def signed_by(rx: ReceiverProcess, key, method: str, path: str, body: bytes,
              terminal_id: str = T, **options) -> dict[str, str]:
    """The signature headers a terminal with `key` sends for `method` `path` and `body`."""
    return signing.signature_headers(method, rx.url + path, {}, body, terminal_id, key,
                                     **options)


# --- before the body ------------------------------------------------------------------


@pytest.mark.parametrize("headers, status, error", [
    ({}, 401, "unsigned"),
    ({k: v for k, v in forged_signature().items() if k != "Content-Digest"}, 401, "unsigned"),
    ({**forged_signature(), "Signature": "kiosk=:not base64!:"}, 401, "signature_invalid"),
    ({**forged_signature(), "Signature-Input": "kiosk=(((("}, 401, "signature_invalid"),
    ({**forged_signature(), "Content-Digest": "sha-256=nothing"}, 401, "signature_invalid"),
])
def test_a_body_is_refused_on_its_headers_before_a_byte_of_it_is_sent(rx, key, headers,
                                                                      status, error):
    with connect(rx.port) as sock:
        sock.sendall(request_head("PUT", UPLOAD, headers, content_length=20 * MiB))
        answer = read_answer(sock)  # not one byte of the 20 MiB was sent
        assert answer is not None
        assert (answer.status, answer.json()["error"]) == (status, error)
        assert answer.headers["connection"] == "close"  # the client cannot make it read on
        assert closed_within(sock, CUT_OFF_BOUND)
    assert still_serves(rx, key)


FORGERIES = {  # signature headers a terminal's key did not make, as whoever forged them sent
    "another key": (lambda rx, _key, body: signed_by(rx, signing.generate_signing_key(),
                                                     "PUT", UPLOAD, body), "signature_invalid"),
    "an unknown key id": (lambda rx, key, body: signed_by(rx, key, "PUT", UPLOAD, body,
                                                          terminal_id="T-NOBODY"),
                          "signature_invalid"),
    "a stale created": (lambda rx, key, body: signed_by(rx, key, "PUT", UPLOAD, body,
                                                        created=time.time() - 3600),
                        "signature_stale"),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forged_signature_is_refused_while_the_client_has_sent_headers_only(rx, key,
                                                                            forgery):
    make, error = FORGERIES[forgery]
    headers = make(rx, key, b"\0" * (20 * MiB))  # well formed, valid-looking
    with connect(rx.port) as sock:
        sock.sendall(request_head("PUT", UPLOAD, headers, content_length=20 * MiB))
        answer = read_answer(sock)  # not one byte of the 20 MiB was sent
        assert answer is not None
        assert (answer.status, answer.json()["error"]) == (401, error)
        assert answer.headers["connection"] == "close"
        assert closed_within(sock, CUT_OFF_BOUND)
    assert still_serves(rx, key)


def test_a_bad_signature_is_answered_alike_for_an_enrolled_and_an_unknown_terminal(rx, key):
    answers = []
    for forgery in ("another key", "an unknown key id"):
        with connect(rx.port) as sock:
            sock.sendall(request_head("PUT", UPLOAD, FORGERIES[forgery][0](rx, key, b"x"),
                                      content_length=20 * MiB))
            answer = read_answer(sock)
            assert answer is not None
            answers.append((answer.status, answer.body))
    assert answers[0] == answers[1]


def test_a_replayed_nonce_is_refused_while_the_client_has_sent_headers_only(rx, key):
    headers = signed_by(rx, key, "PUT", UPLOAD, b"abc")
    with connect(rx.port) as sock:  # the real request, sent whole: its nonce is spent
        sock.sendall(request_head("PUT", UPLOAD, headers, content_length=3) + b"abc")
        first = read_answer(sock)
        assert first is not None and first.status != 401, first
    with connect(rx.port) as sock:  # the same signature again, announcing a large body
        sock.sendall(request_head("PUT", UPLOAD, headers, content_length=20 * MiB))
        answer = read_answer(sock)
        assert answer is not None
        assert (answer.status, answer.json()["error"]) == (401, "signature_replayed")
        assert answer.headers["connection"] == "close"
        assert closed_within(sock, CUT_OFF_BOUND)


def test_a_signed_request_answered_before_its_body_is_taken_when_sent_again(rx, key):
    """The header check holds the nonce in flight only while its request lives: one cut
    off mid-body wrote nothing, and the same signed request is taken afterwards."""
    data = b"z" * 4096
    digest = hashlib.sha256(data).hexdigest()
    path = paths.attachment_path(digest)
    headers = signing.signature_headers(
        "PUT", rx.url + path, {"Upload-Offset": "0", "Upload-Length": str(len(data))}, data,
        T, key)
    headers.update({"Upload-Offset": "0", "Upload-Length": str(len(data))})
    with connect(rx.port) as sock:  # half the body, then gone
        sock.sendall(request_head("PUT", path, headers, content_length=len(data)) + data[:100])
    deadline = time.monotonic() + CUT_OFF_BOUND
    while True:
        with connect(rx.port) as sock:
            sock.sendall(request_head("PUT", path, headers, content_length=len(data)) + data)
            answer = read_answer(sock)
        assert answer is not None
        if answer.status != 401 or time.monotonic() > deadline:
            break  # 401 replayed only while the server has not yet seen the first go
        time.sleep(0.1)
    assert answer.status == 200, answer.body
    assert answer.json()["complete"] is True


def test_a_body_over_the_routes_limit_is_refused_before_it_is_sent(rx, key):
    with connect(rx.port) as sock:
        sock.sendall(request_head("PUT", UPLOAD, forged_signature(),
                                  content_length=max_body(LIMITS) + 1))
        answer = read_answer(sock)
        assert answer is not None and (answer.status, answer.json()["error"]) == \
            (413, "too_large")
    with connect(rx.port) as sock:  # a heartbeat is small
        sock.sendall(request_head("POST", paths.heartbeat_path(T), forged_signature(),
                                  content_length=1 * MiB))
        answer = read_answer(sock)
        assert answer is not None and (answer.status, answer.json()["error"]) == \
            (413, "too_large")


def test_a_chunked_body_is_cut_at_the_routes_limit(rx, key):
    chunk = b"%x\r\n%s\r\n" % (64 * 1024, b"x" * 64 * 1024)
    headers = {**signed_by(rx, key, "POST", paths.heartbeat_path(T), b"x" * 4 * 64 * 1024),
               "Transfer-Encoding": "chunked"}
    with connect(rx.port) as sock:
        sock.sendall(request_head("POST", paths.heartbeat_path(T), headers))
        sent = send_slowly(sock, chunk * 4, piece=len(chunk), pause=0, until=CUT_OFF_BOUND)
        assert sent
        answer = read_answer(sock)
        assert answer is not None and (answer.status, answer.json()["error"]) == \
            (413, "too_large")
    assert still_serves(rx, key)


def test_a_small_refused_body_is_read_and_dropped_so_the_connection_lives_on(rx, key):
    with connect(rx.port) as sock:
        sock.sendall(request_head("PUT", UPLOAD, {}, content_length=3) + b"abc")
        answer = read_answer(sock)
        assert answer is not None and answer.status == 401
        assert answer.headers.get("connection") != "close"
        sock.sendall(request_head("GET", paths.LIMITS))
        again = read_answer(sock)
        assert again is not None and (again.status, again.json()["error"]) == (401, "unsigned")


# --- headers: size and time -----------------------------------------------------------


def test_headers_over_the_cap_get_431_and_the_connection_closes(rx, key):
    with connect(rx.port) as sock:
        sock.sendall(request_head("GET", paths.LIMITS, {f"X-Pad-{i}": "y" * 100
                                                        for i in range(100)}))
        answer = read_answer(sock)
        assert answer is not None and answer.status == 431
        assert answer.json()["error"] == "http_error"
        assert closed_within(sock, CUT_OFF_BOUND)
    with connect(rx.port) as sock:  # one endless line is cut as surely
        sock.sendall(b"GET " + paths.LIMITS.encode() + b" HTTP/1.1\r\nX-Long: ")
        assert send_slowly(sock, b"z" * 64 * 1024, piece=4096, pause=0, until=5) is False \
            or closed_within(sock, CUT_OFF_BOUND)
    assert still_serves(rx, key)


def test_headers_sent_a_line_at_a_time_are_cut_off(rx, key):
    lines = [b"GET " + paths.LIMITS.encode() + b" HTTP/1.1\r\n"] + \
            [b"X-Slow-%d: y\r\n" % i for i in range(100)]
    with connect(rx.port) as sock:
        still_sending = send_slowly(sock, b"".join(lines), piece=len(lines[1]), pause=0.3,
                                    until=CUT_OFF_BOUND)
        assert not still_sending or closed_within(sock, CUT_OFF_BOUND)
    with connect(rx.port) as sock:  # connected, and then nothing at all
        answer = read_answer(sock, timeout=CUT_OFF_BOUND)
        assert answer is not None and answer.status == 408
        assert closed_within(sock, CUT_OFF_BOUND)
    assert still_serves(rx, key)


def test_an_idle_keep_alive_connection_is_closed(rx, key):
    with connect(rx.port) as sock:
        sock.sendall(request_head("GET", paths.LIMITS))
        answer = read_answer(sock)
        assert answer is not None and answer.status == 401
        assert closed_within(sock, CUT_OFF_BOUND)


# --- bodies: time ---------------------------------------------------------------------


def test_a_stalled_body_is_cut_off_and_its_budget_given_back(rx, key):
    stalled = [connect(rx.port) for _ in range(2)]
    whole = b"x" * max_body(LIMITS)
    for sock in stalled:  # together they hold 40 of the 48 MiB of the body budget
        sock.sendall(request_head("PUT", UPLOAD, signed_by(rx, key, "PUT", UPLOAD, whole),
                                  content_length=max_body(LIMITS)))
        sock.sendall(b"x" * 1000)
    for sock in stalled:  # and then nothing: cut off
        assert closed_within(sock, CUT_OFF_BOUND)
        sock.close()
    # Their budget came back: a whole attachment fits again (else 503 busy after 5 s).
    data = b"y" * (20 * MiB)
    answer = put_chunk(rx, T, key, hashlib.sha256(data).hexdigest(), 0, len(data), data)
    assert answer.status_code == 200, answer.text


def test_a_trickling_body_is_cut_off(rx, key):
    with connect(rx.port) as sock:
        sock.sendall(request_head("PUT", UPLOAD, signed_by(rx, key, "PUT", UPLOAD, b"x" * MiB),
                                  content_length=1 * MiB))
        # 100 bytes every 0.2 s is 500 bytes/s: below the 1024 bytes/s asked for.
        still_sending = send_slowly(sock, b"x" * MiB, piece=100, pause=0.2,
                                    until=CUT_OFF_BOUND)
        assert not still_sending or closed_within(sock, CUT_OFF_BOUND)
    assert still_serves(rx, key)


# --- many at once ---------------------------------------------------------------------


def test_bodies_beyond_the_budget_wait_then_get_503_busy(tmp_path):
    # The smallest budget that takes the largest body: one large body fills it.
    budget_mib = -(-max_body(LIMITS) // MiB)
    with running_receiver(tmp_path / "platform", extra_args=(
            "--body-budget", str(budget_mib), "--body-wait", "0.5",
            "--body-timeout", "5")) as rx:
        key = enroll_test_terminal(rx, T)[0]
        with connect(rx.port) as holder:
            holder.sendall(request_head("PUT", UPLOAD, signed_by(
                rx, key, "PUT", UPLOAD, b"x" * max_body(LIMITS)), content_length=max_body(LIMITS)))
            holder.sendall(b"x" * 4096)  # held: the body is coming, slowly
            answer = put_chunk(rx, T, key, DIGEST, 0, 2 * MiB, b"x" * (2 * MiB))
            assert (answer.status_code, answer.json()["error"]) == (503, "busy")
            assert int(answer.headers["Retry-After"]) >= 1
            assert still_serves(rx, key)  # a request without a body needs no budget
        # The holder is gone: the budget is free again.
        answer = put_chunk(rx, T, key, DIGEST, 0, 2 * MiB, b"x" * (2 * MiB))
        assert answer.status_code != 503, answer.text


def test_connections_beyond_the_limit_get_503(tmp_path):
    with running_receiver(tmp_path / "platform", extra_args=(
            "--max-connections", "4", "--header-timeout", "30")) as rx:
        idle = [connect(rx.port) for _ in range(4)]
        try:
            answer = requests.get(rx.url + paths.LIMITS, timeout=10)
            assert answer.status_code == 503
        finally:
            for sock in idle:
                sock.close()


def send_forged_body(port: int, size: int, results: list[int | None]) -> None:
    """One unauthenticated client sending `size` bytes; what it was answered (None: cut)."""
    try:
        with connect(port, timeout=60) as sock:
            sock.sendall(request_head("PUT", UPLOAD, forged_signature(), content_length=size))
            chunk = b"\0" * MiB
            for _ in range(size // MiB):
                sock.sendall(chunk)
            answer = read_answer(sock, timeout=60)
            results.append(answer.status if answer else None)
    except OSError:
        results.append(None)


def test_many_large_unauthenticated_bodies_at_once_keep_memory_within_the_bound(tmp_path):
    budget = 48 * MiB  # the default
    with running_receiver(tmp_path / "platform") as rx:
        key = enroll_test_terminal(rx, T)[0]
        assert still_serves(rx, key)
        before = vm_rss(rx.proc.pid)
        results: list[int | None] = []
        clients = [threading.Thread(target=send_forged_body, args=(rx.port, 20 * MiB, results))
                   for _ in range(50)]
        for client in clients:
            client.start()
        for client in clients:
            client.join(300)
        peak = vm_rss(rx.proc.pid, "VmHWM")
        assert len(results) == 50
        # Read and refused on their signature, or refused for want of budget, or cut.
        assert set(results) <= {401, 403, 503, None}, results
        assert peak - before <= 2 * budget + RSS_ALLOWANCE, (before, peak)
        assert still_serves(rx, key)


def test_many_forged_requests_at_once_are_refused_on_their_headers_with_memory_near_idle(
        tmp_path):
    with running_receiver(tmp_path / "platform") as rx:
        key = enroll_test_terminal(rx, T)[0]
        assert still_serves(rx, key)
        before = vm_rss(rx.proc.pid)
        forged = FORGERIES["another key"][0](rx, key, b"\0" * (20 * MiB))
        socks = [connect(rx.port, timeout=60) for _ in range(50)]
        try:
            for sock in socks:  # 50 × 20 MiB announced, at once
                sock.sendall(request_head("PUT", UPLOAD, forged, content_length=20 * MiB))
            answers = [read_answer(sock, timeout=60) for sock in socks]
        finally:
            for sock in socks:
                sock.close()
        peak = vm_rss(rx.proc.pid, "VmHWM")
        assert [(a.status, a.json()["error"]) if a else None for a in answers] == \
            [(401, "signature_invalid")] * 50
        assert peak - before <= NEAR_IDLE, (before, peak)
        assert still_serves(rx, key)
