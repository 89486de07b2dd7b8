"""The body guard without a server: its budget, its routes, and that it refuses on the
headers alone — the application behind it never sees a refused request, and never a
body byte of it (receiver/guard.py)."""

from __future__ import annotations

import asyncio

import pytest
from starlette.requests import ClientDisconnect

from receiver.errors import ApiError
from receiver.guard import (
    DISCARD_LIMIT,
    SMALL_BODY,
    BodyBudget,
    BodyGuard,
    RouteLimits,
    check_signature_headers,
    combined_fields,
)
from receiver.limits import LIMITS, MiB, max_body
from tests.support.raw_http import forged_signature
from wire import paths

DIGEST = "ab" * 32


def run(coro):
    return asyncio.run(coro)


# --- the budget -----------------------------------------------------------------------


def test_the_budget_hands_out_at_most_its_total_and_takes_back_what_it_gave():
    async def scenario():
        budget = BodyBudget(10)
        assert await budget.acquire(6, wait=0)
        assert not await budget.acquire(5, wait=0.05)  # no room, and no wait long enough
        assert budget.in_use == 6
        budget.release(6)
        assert budget.in_use == 0
        with pytest.raises(ValueError):
            await budget.acquire(11, wait=1)  # could never fit
        with pytest.raises(AssertionError):
            budget.release(1)  # more than was taken
    run(scenario())


def test_the_budget_serves_waiters_first_come_first_served():
    async def scenario():
        budget = BodyBudget(10)
        assert await budget.acquire(8, wait=0)
        order: list[str] = []

        async def take(name: str, size: int) -> None:
            assert await budget.acquire(size, wait=5)
            order.append(name)

        large = asyncio.create_task(take("large", 9))
        await asyncio.sleep(0)
        small = asyncio.create_task(take("small", 2))  # would fit now, but comes second
        await asyncio.sleep(0.05)
        assert order == []
        budget.release(8)
        await asyncio.wait_for(large, 1)
        assert order == ["large"] and not small.done()
        budget.release(9)
        await asyncio.wait_for(small, 1)
        assert order == ["large", "small"] and budget.in_use == 2
    run(scenario())


def test_a_waiter_that_gives_up_or_is_cancelled_leaves_the_budget_whole():
    async def scenario():
        budget = BodyBudget(10)
        assert await budget.acquire(10, wait=0)
        assert not await budget.acquire(4, wait=0.01)  # gave up
        waiter = asyncio.create_task(budget.acquire(4, wait=5))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        budget.release(10)
        assert budget.in_use == 0
        assert await budget.acquire(10, wait=0)  # nobody left holding a part of it
    run(scenario())


# --- routes and headers ---------------------------------------------------------------


def test_every_route_has_its_limit_and_only_enrollment_goes_unsigned():
    routes = RouteLimits(max_body(LIMITS))
    assert routes.find("PUT", paths.attachment_path(DIGEST)).max_body == max_body(LIMITS)
    assert routes.find("POST", paths.SUBMISSIONS).max_body == max_body(LIMITS)
    assert routes.find("POST", paths.SUBMISSION_BATCHES).max_body == max_body(LIMITS)
    for method, path in [("GET", paths.LIMITS), ("GET", paths.attachment_path(DIGEST)),
                         ("GET", paths.case_path("ABCDEFGH")),
                         ("POST", paths.heartbeat_path("T-1")),
                         ("GET", paths.content_path("T-1"))]:
        route = routes.find(method, path)
        assert route.signed and route.max_body == SMALL_BODY, (method, path)
    assert not routes.find("POST", paths.ENROLLMENTS).signed
    unknown = routes.find("GET", "/api/v1/nothing")
    assert not unknown.signed and unknown.max_body == SMALL_BODY
    assert routes.find("PUT", paths.attachment_path(DIGEST) + "/more").max_body == SMALL_BODY
    assert routes.largest == max_body(LIMITS)


def test_repeated_lines_are_combined_as_rfc_9421_says():
    fields = combined_fields([(b"Signature", b"a=:AA==: "), (b"signature", b" b=:BB==:"),
                              (b"Host", b"x")])
    assert fields == {b"signature": b"a=:AA==:, b=:BB==:", b"host": b"x"}


@pytest.mark.parametrize("change, error", [
    ({"Signature": None}, "unsigned"),
    ({"Signature-Input": None}, "unsigned"),
    ({"Content-Digest": None}, "unsigned"),
    ({"Signature": "kiosk=abc"}, "signature_invalid"),
    ({"Signature-Input": "kiosk=:AAAA:"}, "signature_invalid"),
    ({"Content-Digest": "sha-256=(a b)"}, "signature_invalid"),
    ({"Content-Digest": ""}, "signature_invalid"),
])
def test_signature_headers_are_judged_before_the_body(change, error):
    headers = {**forged_signature(), **change}
    fields = combined_fields((k.lower().encode(), v.encode())
                             for k, v in headers.items() if v is not None)
    with pytest.raises(ApiError) as refused:
        check_signature_headers("PUT", {}, fields, has_body=True)
    assert refused.value.error.code == error


def test_well_formed_signature_headers_pass_and_a_read_needs_no_digest():
    fields = combined_fields((k.lower().encode(), v.encode())
                             for k, v in forged_signature().items())
    check_signature_headers("PUT", {}, fields, has_body=True)
    del fields[b"content-digest"]
    check_signature_headers("GET", {}, fields, has_body=False)


# --- the guard in front of an application ---------------------------------------------


class Application:
    """An ASGI application that reads the whole body and answers 200 with its size."""

    def __init__(self) -> None:
        self.called = 0
        self.body = b""

    async def __call__(self, scope, receive, send) -> None:
        self.called += 1
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientDisconnect()
            self.body += message.get("body", b"")
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(len(self.body)).encode()})


def call(guard: BodyGuard, method: str, path: str, headers: dict[str, str],
         chunks: list[bytes]) -> tuple[list[dict], int]:
    """Runs one request through the guard: (messages sent, body messages the client gave)."""
    sent: list[dict] = []
    given = 0

    async def receive():
        nonlocal given
        if given < len(chunks):
            given += 1
            return {"type": "http.request", "body": chunks[given - 1],
                    "more_body": given < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(guard(scope, receive, send))
    return sent, given


def answer_of(sent: list[dict]) -> tuple[int, dict[bytes, bytes]]:
    start = sent[0]
    return start["status"], dict(start["headers"])


def test_a_refused_request_never_reaches_the_application_nor_its_body():
    app = Application()
    guard = BodyGuard(app, RouteLimits(max_body(LIMITS)), BodyBudget(48 * MiB), wait=0.1)
    upload = paths.attachment_path(DIGEST)
    sent, given = call(guard, "PUT", upload, {"Content-Length": str(20 * MiB)}, [b"x"])
    assert answer_of(sent)[0] == 401 and given == 0 and app.called == 0
    assert answer_of(sent)[1][b"connection"] == b"close"  # 20 MiB still to come
    sent, given = call(guard, "PUT", upload, {"Content-Length": "3"}, [b"abc"])
    assert answer_of(sent)[0] == 401 and given == 0
    assert b"connection" not in answer_of(sent)[1]  # 3 bytes: read and dropped by the server
    assert DISCARD_LIMIT >= 3
    over = str(max_body(LIMITS) + 1)
    sent, given = call(guard, "PUT", upload, {**forged_signature(), "Content-Length": over},
                       [b"x"])
    assert answer_of(sent)[0] == 413 and given == 0 and app.called == 0
    assert guard.budget.in_use == 0


def test_a_passed_request_holds_its_budget_while_the_application_runs():
    seen: list[int] = []
    guard: BodyGuard

    async def app(scope, receive, send):
        await receive()
        seen.append(guard.budget.in_use)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = BodyGuard(app, RouteLimits(max_body(LIMITS)), BodyBudget(48 * MiB), wait=0.1)
    sent, _ = call(guard, "PUT", paths.attachment_path(DIGEST),
                   {**forged_signature(), "Content-Length": "5"}, [b"hello"])
    assert answer_of(sent)[0] == 200 and seen == [5] and guard.budget.in_use == 0
    # A body of unknown length holds the route's limit.
    sent, _ = call(guard, "POST", paths.heartbeat_path("T-1"),
                   {**forged_signature(), "Transfer-Encoding": "chunked"}, [b"{}"])
    assert answer_of(sent)[0] == 200 and seen[-1] == SMALL_BODY and guard.budget.in_use == 0


def test_a_chunked_body_past_the_limit_is_cut_and_answered_413():
    app = Application()
    guard = BodyGuard(app, RouteLimits(max_body(LIMITS)), BodyBudget(48 * MiB), wait=0.1)
    chunks = [b"x" * 16 * 1024] * 5  # 80 KiB to a route taking 64
    sent, given = call(guard, "POST", paths.heartbeat_path("T-1"),
                       {**forged_signature(), "Transfer-Encoding": "chunked"}, chunks)
    status, headers = answer_of(sent)
    assert status == 413 and headers[b"connection"] == b"close"
    assert given == 5 and len(app.body) == 4 * 16 * 1024  # the fifth never reached it
    assert guard.budget.in_use == 0


def test_a_budget_smaller_than_the_largest_body_is_refused():
    with pytest.raises(ValueError):
        BodyGuard(Application(), RouteLimits(max_body(LIMITS)), BodyBudget(10 * MiB), wait=1)


@pytest.mark.parametrize("option, says", [
    (["--body-budget", "10"], "--body-budget"),  # smaller than the largest body
    (["--max-header-bytes", "100"], "1024 bytes"),
    (["--min-body-rate", "-1"], "cannot be negative"),
])
def test_serve_refuses_limits_that_cannot_work(tmp_path, capsys, option, says):
    from receiver.cli import EXIT_INVALID, main

    assert main(["serve", "--data", str(tmp_path), "--port", "0", *option]) == EXIT_INVALID
    assert says in capsys.readouterr().err
