"""What one HTTP connection may cost before the platform knows who sent it.

uvicorn keeps the limits it has (`limit_concurrency`: 503 beyond it, `backlog`,
`timeout_keep_alive`: idle between requests) but, with httptools, has no header
timeout, no header-size cap and no body timeout: a client that connects and says
nothing, sends its headers a line every few seconds, or stops mid-body keeps its
connection for as long as it likes. `GuardedHttpToolsProtocol` adds those three
on top of uvicorn's own protocol class:

- a header deadline: from the connection (or a request's first byte) to the end of
  its headers, `header_timeout` seconds at most, then `408` and the connection is
  closed;
- a header-size cap: more than `max_header_bytes` before the end of the headers is
  answered `431` and the connection closed — counted on the bytes received, so a
  single endless header line is cut as surely as many short ones;
- a body pace: while the platform wants body bytes (uvicorn has not paused reading
  because the application is not reading yet), every `body_timeout` seconds at least
  `min_body_rate × body_timeout` bytes must arrive (and at least one), else the
  connection is closed. A stalled body and a trickling one are both cut.

Invariant: no timer of this class runs while the application is working on a
request whose body is complete, so a slow platform never cuts its own clients.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from receiver.limits import ServerLimits
from wire import errors, schemas

log = logging.getLogger("receiver.connections")


def _raw_answer(status: int, reason: str, message: str) -> bytes:
    body = schemas.ErrorBody(error=errors.HTTP_ERROR.code, message=message).model_dump_json()
    data = body.encode()
    return (f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(data)}\r\nconnection: close\r\n\r\n").encode() + data


def protocol_class(limits: ServerLimits) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with `limits` (passed to `uvicorn.Config(http=…)`)."""
    return type("GuardedHttpToolsProtocol", (GuardedHttpToolsProtocol,), {"limits": limits})


class GuardedHttpToolsProtocol(HttpToolsProtocol):
    """`HttpToolsProtocol` with a header deadline, a header-size cap and a body pace."""

    limits = ServerLimits()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_headers = True
        self._header_bytes = 0
        self._header_timer: asyncio.TimerHandle | None = None
        self._body_timer: asyncio.TimerHandle | None = None
        self._body_window_bytes = 0

    # --- the connection -------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._start_header_deadline()  # a connection that never says anything is cut too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_timers()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self.transport.is_closing():
            return
        if not self._in_headers:
            self._body_window_bytes += len(data)
            super().data_received(data)
            return
        room = self.limits.max_header_bytes - self._header_bytes
        if len(data) <= room:
            self._header_bytes += len(data)
            super().data_received(data)
            return
        # Feed only what the cap allows; the rest goes on only if the headers ended in it.
        self._header_bytes += room
        super().data_received(data[:room])
        if self.transport.is_closing():
            return
        if self._in_headers:
            self._refuse(431, "Request Header Fields Too Large",
                         f"request line and headers are limited to "
                         f"{self.limits.max_header_bytes} bytes")
            return
        self.data_received(data[room:])

    # --- parser callbacks -----------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._header_timer is None:  # the connection's own deadline runs already
            self._start_header_deadline()

    def on_headers_complete(self) -> None:
        self._in_headers = False
        self._cancel_header_deadline()
        super().on_headers_complete()
        self._body_window_bytes = 0
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._check_body_pace)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._cancel_body_timer()
        self._in_headers = True  # what comes next on this connection is the next request
        self._header_bytes = 0

    # --- timers ---------------------------------------------------------------------------

    def _start_header_deadline(self) -> None:
        self._header_timer = self.loop.call_later(self.limits.header_timeout,
                                                  self._header_deadline_passed)

    def _header_deadline_passed(self) -> None:
        self._header_timer = None
        if self._in_headers and not self.transport.is_closing():
            self._refuse(408, "Request Timeout", f"the request's headers did not arrive within "
                                                 f"{self.limits.header_timeout:g} s")

    def _check_body_pace(self) -> None:
        self._body_timer = None
        if self.transport.is_closing():
            return
        received, self._body_window_bytes = self._body_window_bytes, 0
        # While reading is paused the application is not asking for the body (it waits
        # for the body budget, or is busy with what it has): the client is not to blame.
        if not self.flow.read_paused:
            wanted = max(1, int(self.limits.min_body_rate * self.limits.body_timeout))
            if received < wanted:
                log.warning("closed a connection whose request body sent %d bytes in %g s",
                            received, self.limits.body_timeout)
                self.transport.abort()
                return
        self._body_timer = self.loop.call_later(self.limits.body_timeout, self._check_body_pace)

    def _refuse(self, status: int, reason: str, message: str) -> None:
        """Answers `status` if no response is under way on this connection, then closes it."""
        log.warning("closed a connection: %d %s", status, reason)
        if self.cycle is None or self.cycle.response_complete:
            self.transport.write(_raw_answer(status, reason, message))
        self._cancel_timers()
        self.transport.close()

    def _cancel_header_deadline(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _cancel_body_timer(self) -> None:
        if self._body_timer is not None:
            self._body_timer.cancel()
            self._body_timer = None

    def _cancel_timers(self) -> None:
        self._cancel_header_deadline()
        self._cancel_body_timer()
