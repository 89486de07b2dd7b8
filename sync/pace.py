"""How much one request may carry on the link this terminal has: learned from its own
requests, so that none takes longer than a fraction of the read timeout.

A village station's line may carry 256 kbit/s shared by the worker's connections, about
8 KB/s each; the platform's limits (1 MB upload chunks, 8 MB batches) are made for a hall's
network. Python sends a request's body with one `sendall`, whose timeout is the whole
send's (not each piece's), so a body that needs longer than the read timeout on the line
never gets through, and every attempt costs the timeout. The pace keeps each request's
body to what the line moved in `SHARE` of the read timeout, as measured on this worker's
own requests, and never goes below `MIN_BYTES`. Before any body was measured, the first
request's round trip (GET /limits) decides: a long one (`SLOW_ROUND_TRIP`: a rural,
satellite or long-haul line, where bandwidth is scarce too) starts at `START_BYTES`; a
short one (a hall's network, 4G) takes the platform's own limits until measured. A wrong
guess costs one split request or one timeout, and the timeout teaches the pace too.

Used by `sync/sending.py` for the size of upload chunks, which attachments go inline
(base64 in the JSON body, a third larger: only where the body stays within the pace)
and how many submissions share a batch. Exactly-once is untouched: only the sizes of
requests change, never what an item's Idempotency-Key means.
"""

from __future__ import annotations

import threading

SHARE = 0.25  # of the read timeout: a quarter leaves room for a slower moment of the line
START_BYTES = 128 * 1024
SLOW_ROUND_TRIP = 0.15  # seconds for a first request (connection included): a far line
UNLIMITED = 1 << 40  # the platform's limits alone
MIN_BYTES = 32 * 1024
MEASURED_FROM = 16 * 1024  # smaller bodies say more about the round trip than the line
SMOOTHING = 0.3  # weight of the newest measurement


class LinkPace:
    """Bytes per second one request's body moved, smoothed over the recent requests;
    safe to update from several sending threads (a lock around two floats)."""

    def __init__(self, read_timeout: float):
        self.read_timeout = read_timeout
        self.rate: float | None = None  # bytes per second, once measured
        self.far = False  # the first round trip was long: start small
        self._lock = threading.Lock()

    def budget(self) -> int:
        """The most bytes one request's body should carry now."""
        if self.rate is None:
            return START_BYTES if self.far else UNLIMITED
        return max(MIN_BYTES, int(self.rate * self.read_timeout * SHARE))

    def first_round_trip(self, seconds: float) -> None:
        """How long the worker's first request (no body) took, connection included."""
        self.far = seconds >= SLOW_ROUND_TRIP

    def sent(self, size: int, seconds: float) -> None:
        """A request with a body of `size` bytes was answered after `seconds`."""
        if size < MEASURED_FROM or seconds <= 0:
            return
        with self._lock:
            measured = size / seconds
            self.rate = measured if self.rate is None else (
                SMOOTHING * measured + (1 - SMOOTHING) * self.rate)

    def timed_out(self, size: int) -> None:
        """A request with a body of `size` bytes got no answer within the read timeout:
        the line moved less than that, so the next bodies are at most a quarter of it."""
        with self._lock:
            ceiling = size / self.read_timeout
            self.rate = ceiling if self.rate is None else min(self.rate, ceiling)
