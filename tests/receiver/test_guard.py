"""The body guard without a server: its budget, its routes, and that it refuses on the
headers alone — the application behind it never sees a refused request, and never a
body byte of it (receiver/guard.py). Signatures are checked by a real authenticator
over a real platform database (`receiver.auth`, `receiver.storage`)."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from starlette.requests import ClientDisconnect

from receiver.api.common import PENDING_SIGNER
from receiver.auth import Authenticator, PendingSigner
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
from receiver.storage import Store
from tests.support.raw_http import forged_signature
from wire import paths, signing

DIGEST = "ab" * 32
T = "T-1"


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


@pytest.fixture
def store(tmp_path):
    opened = Store(tmp_path / "platform")
    yield opened
    opened.close()


@pytest.fixture
def auth(store) -> Authenticator:
    return Authenticator(store)


@pytest.fixture
def key(store):
    """The signing key of terminal `T`, enrolled on `store`."""
    private = signing.generate_signing_key()
    code = store.add_terminal(T)[0]
    store.enroll(T, code, signing.encode_signing_public_key(private.public_key()))
    return private


def signed_by(key, method: str, path: str, body: bytes, terminal_id: str = T,
              **options) -> dict[str, str]:
    """The signature headers a terminal sends for `method` `path` with `body`."""
    return signing.signature_headers(method, "http://127.0.0.1" + path, {}, body,
                                     terminal_id, key, **options)


def guard_of(app, auth: Authenticator, budget: int = 48 * MiB) -> BodyGuard:
    return BodyGuard(app, RouteLimits(max_body(LIMITS)), BodyBudget(budget), wait=0.1,
                     auth=auth)


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

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    asyncio.run(guard(scope, receive, send))
    return sent, given


def answer_of(sent: list[dict]) -> tuple[int, dict[bytes, bytes]]:
    start = sent[0]
    return start["status"], dict(start["headers"])


def test_a_refused_request_never_reaches_the_application_nor_its_body(auth):
    app = Application()
    guard = guard_of(app, auth)
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


def test_a_passed_request_holds_its_budget_while_the_application_runs(auth, key):
    seen: list[int] = []
    guard: BodyGuard

    async def app(scope, receive, send):
        await receive()
        seen.append(guard.budget.in_use)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    guard = guard_of(app, auth)
    upload = paths.attachment_path(DIGEST)
    sent, _ = call(guard, "PUT", upload,
                   {**signed_by(key, "PUT", upload, b"hello"), "Content-Length": "5"}, [b"hello"])
    assert answer_of(sent)[0] == 200 and seen == [5] and guard.budget.in_use == 0
    # A body of unknown length holds the route's limit.
    heartbeat = paths.heartbeat_path(T)
    sent, _ = call(guard, "POST", heartbeat,
                   {**signed_by(key, "POST", heartbeat, b"{}"), "Transfer-Encoding": "chunked"},
                   [b"{}"])
    assert answer_of(sent)[0] == 200 and seen[-1] == SMALL_BODY and guard.budget.in_use == 0


def test_a_chunked_body_past_the_limit_is_cut_and_answered_413(auth, key):
    app = Application()
    guard = guard_of(app, auth)
    chunks = [b"x" * 16 * 1024] * 5  # 80 KiB to a route taking 64
    heartbeat = paths.heartbeat_path(T)
    sent, given = call(guard, "POST", heartbeat,
                       {**signed_by(key, "POST", heartbeat, b"".join(chunks)),
                        "Transfer-Encoding": "chunked"}, chunks)
    status, headers = answer_of(sent)
    assert status == 413 and headers[b"connection"] == b"close"
    assert given == 5 and len(app.body) == 4 * 16 * 1024  # the fifth never reached it
    assert guard.budget.in_use == 0


def test_a_budget_smaller_than_the_largest_body_is_refused(auth):
    with pytest.raises(ValueError):
        BodyGuard(Application(), RouteLimits(max_body(LIMITS)), BodyBudget(10 * MiB), wait=1,
                  auth=auth)


def _forgeries(key) -> dict[str, dict[str, str]]:
    upload = paths.attachment_path(DIGEST)
    body = b"x" * (20 * MiB)
    return {
        "another key": signed_by(signing.generate_signing_key(), "PUT", upload, body),
        "an unknown terminal": signed_by(key, "PUT", upload, body, terminal_id="T-NOBODY"),
        "a stale created": signed_by(key, "PUT", upload, body, created=time.time() - 3600),
    }


@pytest.mark.parametrize("forgery, error", [("another key", "signature_invalid"),
                                             ("an unknown terminal", "signature_invalid"),
                                             ("a stale created", "signature_stale")])
def test_a_forged_signature_is_refused_before_the_body_and_before_the_budget(auth, key,
                                                                             forgery, error):
    app = Application()
    guard = guard_of(app, auth)
    seen_budget: list[int] = []
    original = guard.budget.acquire

    async def watched(size, wait):
        seen_budget.append(size)
        return await original(size, wait)

    guard.budget.acquire = watched
    sent, given = call(guard, "PUT", paths.attachment_path(DIGEST),
                       {**_forgeries(key)[forgery], "Content-Length": str(20 * MiB)}, [b"x"])
    status, headers = answer_of(sent)
    assert (status, given, app.called, seen_budget) == (401, 0, 0, [])
    assert headers[b"connection"] == b"close"  # 20 MiB still to come: not read
    assert json.loads(sent[1]["body"])["error"] == error


def test_a_bad_signature_gets_one_answer_whatever_terminal_it_names(auth, key):
    answers = []
    for forgery in ("another key", "an unknown terminal"):
        sent, _ = call(guard_of(Application(), auth), "PUT", paths.attachment_path(DIGEST),
                       {**_forgeries(key)[forgery], "Content-Length": str(20 * MiB)}, [b"x"])
        answers.append((answer_of(sent)[0], sent[1]["body"]))
    assert answers[0] == answers[1]


def test_a_replayed_nonce_is_refused_before_the_body(auth, key, store):
    heartbeat = paths.heartbeat_path(T)
    headers = {**signed_by(key, "POST", heartbeat, b"{}"), "Content-Length": "2"}
    spender = SpendingApplication(auth)
    sent, given = call(guard_of(spender, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 200 and given == 1 and spender.called == 1
    sent, given = call(guard_of(spender, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 401 and given == 0 and spender.called == 1
    assert json.loads(sent[1]["body"])["error"] == "signature_replayed"


def test_a_nonce_in_flight_is_refused_before_the_body(auth, key):
    heartbeat = paths.heartbeat_path(T)
    headers = {**signed_by(key, "POST", heartbeat, b"{}"), "Content-Length": "2"}
    seconds: list[tuple[int, int]] = []

    async def app(scope, receive, send):  # while this request is in flight, the same again
        inner = Application()
        sent, given = call_in_loop(guard_of(inner, auth), "POST", heartbeat, headers, [b"{}"])
        seconds.append((answer_of(await sent)[0], inner.called))
        await Application()(scope, receive, send)

    sent, _ = call(guard_of(app, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 200 and seconds == [(401, 0)]


def test_the_route_gets_the_admitted_signature_and_checks_only_the_body(auth, key):
    heartbeat = paths.heartbeat_path(T)
    headers = {**signed_by(key, "POST", heartbeat, b"{}"), "Content-Length": "2"}
    spender = SpendingApplication(auth)
    sent, _ = call(guard_of(spender, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 200
    [pending] = spender.pending
    assert isinstance(pending, PendingSigner) and pending.claimed and pending.taken
    assert pending.signer.terminal_id == T and pending.signer.spent
    assert pending.nonce_key not in auth.in_flight  # spent in the database: let go here


def test_an_admitted_request_that_never_takes_its_nonce_lets_it_go(auth, key):
    heartbeat = paths.heartbeat_path(T)
    headers = {**signed_by(key, "POST", heartbeat, b"{}"), "Content-Length": "2"}

    async def refusing(scope, receive, send):  # a test fault, say: answered before `signed`
        assert scope[PENDING_SIGNER].nonce_key in auth.in_flight
        await send({"type": "http.response.start", "status": 500, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    sent, _ = call(guard_of(refusing, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 500
    # Nothing was written: the same signed request is taken afterwards.
    spender = SpendingApplication(auth)
    sent, _ = call(guard_of(spender, auth), "POST", heartbeat, headers, [b"{}"])
    assert answer_of(sent)[0] == 200 and spender.called == 1
    # A body that does not match the signed digest does not take the nonce either.
    wrong = {**signed_by(key, "POST", heartbeat, b"{}"), "Content-Length": "2"}
    sent, _ = call(guard_of(spender, auth), "POST", heartbeat, wrong, [b"[]"])
    assert answer_of(sent)[0] == 401 and spender.called == 2
    sent, _ = call(guard_of(spender, auth), "POST", heartbeat, wrong, [b"{}"])
    assert answer_of(sent)[0] == 200 and spender.called == 3


def test_a_request_refused_for_want_of_budget_lets_its_nonce_go(auth, key):
    upload = paths.attachment_path(DIGEST)
    body = b"y" * 1000
    headers = {**signed_by(key, "PUT", upload, body), "Content-Length": str(len(body))}
    guard = guard_of(Application(), auth, budget=max_body(LIMITS))

    async def full() -> list[dict]:
        assert await guard.budget.acquire(guard.budget.total, wait=0)
        return await call_in_loop(guard, "PUT", upload, headers, [body])[0]

    sent = asyncio.run(full())
    assert answer_of(sent)[0] == 503
    sent, _ = call(guard_of(SpendingApplication(auth), auth), "PUT", upload, headers, [body])
    assert answer_of(sent)[0] == 200


class SpendingApplication:
    """An ASGI application that reads the body and authenticates it as the routes do,
    with what the guard admitted, spending the nonce."""

    def __init__(self, auth: Authenticator) -> None:
        self.auth = auth
        self.called = 0
        self.pending: list[PendingSigner] = []

    async def __call__(self, scope, receive, send) -> None:
        self.called += 1
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        pending = scope[PENDING_SIGNER]
        self.pending.append(pending)
        try:
            with self.auth.signed(pending, body):
                status = 200
        except ApiError as refusal:
            status = refusal.status
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def call_in_loop(guard: BodyGuard, method: str, path: str, headers: dict[str, str],
                 chunks: list[bytes]):
    """`call` from inside a running event loop: (a coroutine of the messages sent, the
    count of body messages given so far — read it after awaiting)."""
    sent: list[dict] = []
    given = [0]

    async def receive():
        if given[0] < len(chunks):
            given[0] += 1
            return {"type": "http.request", "body": chunks[given[0] - 1],
                    "more_body": given[0] < len(chunks)}
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "raw_path": path.encode(),
             "query_string": b"",
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]}

    async def run_it() -> list[dict]:
        await guard(scope, receive, send)
        return sent

    return run_it(), given


@pytest.mark.parametrize("option, says", [
    (["--body-budget", "10"], "--body-budget"),  # smaller than the largest body
    (["--max-header-bytes", "100"], "1024 bytes"),
    (["--min-body-rate", "-1"], "cannot be negative"),
])
def test_serve_refuses_limits_that_cannot_work(tmp_path, capsys, option, says):
    from receiver.cli import EXIT_INVALID, main

    assert main(["serve", "--data", str(tmp_path), "--port", "0", *option]) == EXIT_INVALID
    assert says in capsys.readouterr().err
