"""Nothing of a request's body is read before its headers say it may be worth reading.

`BodyGuard` is pure ASGI middleware in front of the routers. For each request it
knows the route's body limit (`RouteLimits`) and, for the routes that need a
signature, verifies the signature as far as the headers decide it — all before the
application reads a single body byte:

- a declared `Content-Length` above the route's limit: `413 too_large`;
- a signed route without `Signature` / `Signature-Input`, or a body without
  `Content-Digest`: `401 unsigned`; one of them not a well-formed structured field
  (RFC 8941; repeated lines combined as RFC 9421 §2.1 says): `401 signature_invalid`;
- then the header part of the verification, `Authenticator.admit` (receiver.auth):
  the key by `keyid`, the signature over the covered components with the
  `Content-Digest` value, its time window, the nonce neither in flight nor spent —
  refused with the very answers the route gave after the body (one answer for every
  bad signature, whatever terminal it names). What it admitted goes to the route in
  the scope (`PENDING_SIGNER`), which checks only the body against the digest; a
  request that ends without its route taking the nonce over lets the nonce go;
- then the body's bytes are reserved from the in-flight budget (`BodyBudget`): a
  request waits at most `wait` seconds for room, then `503 busy` with Retry-After.

A body without a Content-Length (chunked) is reserved at its route's limit and cut
with `413 too_large` the moment it streams past it. The budget is given back when
the application is done with the request, since until then it holds the body in
memory. An answer given before the body was read closes the connection when more
than `DISCARD_LIMIT` bytes of it (or an unknown amount) are still to come, so a
refused client cannot make the platform read on; a smaller rest is read and
dropped by the server (paced by `receiver.connections`) so the client sees the
answer.

Invariant: the budget's bytes in use never exceed its total, and every reservation
is given back exactly once, whatever way the request ends.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass

import http_sf
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from receiver.api.common import PENDING_SIGNER, error_response, received_request_of
from receiver.auth import Authenticator, PendingSigner
from receiver.errors import ApiError
from wire import errors, paths

log = logging.getLogger("receiver.guard")

KiB, MiB = 1024, 1024 * 1024
# The largest rest of a refused body the server still reads (and drops) so the
# client gets its answer; past it the connection is closed after the answer.
DISCARD_LIMIT = 1 * MiB
BUSY_RETRY_AFTER = 2
SMALL_BODY = 64 * KiB  # heartbeats, reads, unknown paths
ENROLLMENT_BODY = 16 * KiB
# Each signature field is a dictionary whose members are of one kind (RFC 9421 §4,
# RFC 9530 §2): the covered components as an inner list, signatures and digests as
# byte sequences.
_MEMBER_KIND = {b"signature-input": list, b"signature": bytes, b"content-digest": bytes}
# One member in the plain form terminals send, matched without the general parser (a
# strict subset of RFC 8941's grammar); any other form goes through `http_sf`.
_KEY = rb"[a-z*][a-z0-9_.*-]*"
_STRING = rb'"[\x20\x21\x23-\x5b\x5d-\x7e]*"'
_PARAMS = rb"(?:;" + _KEY + rb"(?:=(?:-?[0-9]{1,15}|" + _STRING + rb"))?)*"
_BYTES = rb":[A-Za-z0-9+/]*={0,2}:"
_PLAIN_MEMBER = {
    b"signature-input": re.compile(_KEY + rb"=\((?:" + _STRING + _PARAMS + rb"(?: " + _STRING
                                   + _PARAMS + rb")*)?\)" + _PARAMS),
    b"signature": re.compile(_KEY + rb"=" + _BYTES + _PARAMS),
    b"content-digest": re.compile(_KEY + rb"=" + _BYTES + _PARAMS),
}


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    max_body: int
    signed: bool = True


class RouteLimits:
    """The body limit of every route, and whether it needs a signature."""

    def __init__(self, max_body: int):
        segment = "SEGMENT"
        self.routes = (
            Route("POST", _exact(paths.ENROLLMENTS), ENROLLMENT_BODY, signed=False),
            Route("GET", _exact(paths.LIMITS), SMALL_BODY),
            Route("GET", _exact(paths.attachment_path(segment), literal=False), SMALL_BODY),
            Route("PUT", _exact(paths.attachment_path(segment), literal=False), max_body),
            Route("POST", _exact(paths.SUBMISSIONS), max_body),
            Route("POST", _exact(paths.SUBMISSION_BATCHES), max_body),
            Route("GET", _exact(paths.case_path(segment), literal=False), SMALL_BODY),
            Route("POST", _exact(paths.FOLLOWUPS), max_body),  # material added: pages
            Route("POST", _exact(paths.CARRY_FILES), max_body),  # a relayed carry file
            Route("POST", _exact(paths.AGENT_BINDINGS), SMALL_BODY),
            Route("POST", _exact(paths.heartbeat_path(segment), literal=False), SMALL_BODY),
            Route("GET", _exact(paths.content_path(segment), literal=False), SMALL_BODY),
        )
        self.largest = max(r.max_body for r in self.routes)
        self._elsewhere = Route("*", re.compile(".*"), SMALL_BODY, signed=False)

    def find(self, method: str, path: str) -> Route:
        """The route answering `method` `path`; anything else (the router answers 404 or
        405 without reading a body) gets a small unsigned limit."""
        for route in self.routes:
            if route.method == method and route.pattern.fullmatch(path):
                return route
        return self._elsewhere


def _exact(path: str, *, literal: bool = True) -> re.Pattern[str]:
    """`path` as a pattern; unless `literal`, its SEGMENT stands for one path segment."""
    pattern = re.escape(path)
    return re.compile(pattern if literal else pattern.replace("SEGMENT", "[^/]+"))


class BodyBudget:
    """Bytes of request bodies the platform holds at once, handed out first come first
    served (a large body waiting is not overtaken by later small ones)."""

    def __init__(self, total: int):
        if total <= 0:
            raise ValueError("the body budget must be more than 0 bytes")
        self.total = total
        self.free = total
        self._waiting: deque[tuple[int, asyncio.Future[None]]] = deque()

    @property
    def in_use(self) -> int:
        return self.total - self.free

    async def acquire(self, size: int, wait: float) -> bool:
        """Reserves `size` bytes, waiting at most `wait` seconds; False if there was no room."""
        if size > self.total:
            raise ValueError(f"{size} bytes can never fit a budget of {self.total}")
        if not self._waiting and size <= self.free:
            self.free -= size
            return True
        entry = (size, asyncio.get_running_loop().create_future())
        self._waiting.append(entry)
        try:
            await asyncio.wait_for(asyncio.shield(entry[1]), wait)
        except TimeoutError:
            pass
        except BaseException:  # cancelled: give back what may have been granted meanwhile
            self._abandon(entry)
            raise
        if entry[1].done():
            return True
        self._abandon(entry)
        return False

    def release(self, size: int) -> None:
        self.free += size
        if self.free > self.total:  # a bug, never a client's doing: fail loudly
            raise AssertionError("more body budget given back than was taken")
        self._grant()

    def _abandon(self, entry: tuple[int, asyncio.Future[None]]) -> None:
        if entry[1].done():
            self.release(entry[0])
            return
        entry[1].cancel()
        self._waiting.remove(entry)
        self._grant()  # the head may have been this one, holding smaller ones back

    def _grant(self) -> None:
        while self._waiting and self._waiting[0][0] <= self.free:
            size, future = self._waiting.popleft()
            self.free -= size
            future.set_result(None)


def combined_fields(raw: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Header fields by lower-case name; repeated lines joined with ", " (RFC 9110 §5.3,
    as RFC 9421 §2.1 has it for signed fields)."""
    fields: dict[bytes, bytes] = {}
    for name, value in raw:
        name = name.lower()
        value = value.strip(b" \t")
        fields[name] = fields[name] + b", " + value if name in fields else value
    return fields


def check_signature_headers(method: str, scope: Scope, fields: dict[bytes, bytes],
                            has_body: bool) -> None:
    """The form of a request's signature headers, judged without the database or any
    key: raises `ApiError`.

    The presence and the structured-field syntax (RFC 8941) of `Signature` and
    `Signature-Input`, and of `Content-Digest` when a body comes. What passes goes on
    to the signature itself (`BodyGuard`, through `Authenticator.admit`); a form
    refused here tells nothing of any terminal."""
    if b"signature" not in fields or b"signature-input" not in fields:
        raise ApiError(errors.UNSIGNED, "request is not signed")
    if has_body and b"content-digest" not in fields:
        raise ApiError(errors.UNSIGNED, "request has no Content-Digest")
    for name, kind in _MEMBER_KIND.items():
        if name in fields and not _is_dictionary_of(fields[name], kind, _PLAIN_MEMBER[name]):
            raise ApiError(errors.SIGNATURE_INVALID, f"header {name.decode()} is malformed")


def _is_dictionary_of(value: bytes, kind: type, plain: re.Pattern[bytes]) -> bool:
    if plain.fullmatch(value):
        return True
    try:
        parsed = http_sf.parse(value, tltype="dictionary")
    except Exception:  # noqa: BLE001 - the library raises several kinds for malformed input
        return False
    return bool(parsed) and all(isinstance(member[0], kind) for member in parsed.values())


def require_room(routes: RouteLimits, budget: BodyBudget) -> None:
    """Raises ValueError unless the budget can take the largest body a route allows."""
    if budget.total < routes.largest:
        raise ValueError(f"a body budget of {budget.total} bytes cannot take the largest "
                         f"body a route allows ({routes.largest})")


class BodyGuard:
    """ASGI middleware: route limits and the signature's header part before the body,
    the in-flight body budget while it is read and held.

    Invariant: a request this guard admitted either has its nonce taken over by its
    route (which then spends it) or let go when the request ends — never both, never
    neither."""

    def __init__(self, app: ASGIApp, routes: RouteLimits, budget: BodyBudget, wait: float,
                 auth: Authenticator):
        require_room(routes, budget)
        self.app = app
        self.routes = routes
        self.budget = budget
        self.wait = wait
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = self.routes.find(scope["method"], scope["path"])
        fields = combined_fields(scope["headers"])
        declared = _declared_length(fields)
        chunked = b"chunked" in fields.get(b"transfer-encoding", b"").lower()
        # A body of unknown length is reserved at the route's limit.
        size = route.max_body if chunked else declared or 0
        unread = None if chunked else size
        pending: PendingSigner | None = None
        try:
            if declared is not None and declared > route.max_body:
                raise ApiError(errors.TOO_LARGE, f"request bodies here are limited to "
                                                 f"{route.max_body} bytes")
            if route.signed:
                check_signature_headers(scope["method"], scope, fields, chunked or bool(size))
                pending = await self._admit(scope)
        except ApiError as refusal:
            await _answer(refusal, scope, send, unread=unread)
            return
        try:
            if size and not await self.budget.acquire(size, self.wait):
                log.warning("no room for a %d-byte body within %g s: %d of %d bytes in "
                            "flight", size, self.wait, self.budget.in_use, self.budget.total)
                await _answer(ApiError(errors.BUSY, "the platform is at capacity; retry later",
                                       headers={"Retry-After": str(BUSY_RETRY_AFTER)}),
                              scope, send, unread=unread)
                return
            try:
                routed = scope if pending is None else {**scope, PENDING_SIGNER: pending}
                await self._run(routed, receive, send, route, counted=chunked)
            finally:
                if size:
                    self.budget.release(size)
        finally:
            if pending is not None:
                self.auth.abandon(pending)

    async def _admit(self, scope: Scope) -> PendingSigner:
        """The header part of the signature's verification (`Authenticator.admit`), in
        the threadpool: it reads the terminal's key and the nonce from the database."""
        return await run_in_threadpool(self.auth.admit, received_request_of(scope))

    async def _run(self, scope: Scope, receive: Receive, send: Send, route: Route, *,
                   counted: bool) -> None:
        received = 0
        over = started = False

        async def guarded_receive() -> Message:
            nonlocal received, over
            message = await receive()
            if counted and message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > route.max_body:
                    over = True  # the application sees the client leave, and answers nothing
                    return {"type": "http.disconnect"}
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, guarded_receive, tracked_send)
        except ClientDisconnect:
            if not over:  # the client went away mid-body (or was cut off): nothing to say
                return
        if over and not started:
            await _answer(ApiError(errors.TOO_LARGE, f"request bodies here are limited to "
                                                     f"{route.max_body} bytes"),
                          scope, send, unread=None)


def _declared_length(fields: dict[bytes, bytes]) -> int | None:
    # The HTTP parser refused a Content-Length that is not one number before we get here.
    value = fields.get(b"content-length")
    if value is None:
        return None
    text = value.split(b",")[0].strip()
    return int(text) if text.isdigit() else None


async def _answer(refusal: ApiError, scope: Scope, send: Send, *, unread: int | None) -> None:
    """The refusal as JSON; `Connection: close` when the rest of the body (None: unknown)
    is more than the server should read to let the client see it."""
    response = error_response(refusal)
    if unread is None or unread > DISCARD_LIMIT:
        response.headers["connection"] = "close"

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
