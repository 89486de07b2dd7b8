"""How a terminal reads the platform's answer to a request: delivered, retry, or refused.

The one place that decides it, for every request the terminal makes. Error codes
that change what the terminal does are named from the wire catalogue
(`wire.errors`), never written as literals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

Outcome = Literal["delivered", "retry", "refused"]

# Transient: the same request may succeed later. 401/403 are the terminal's own
# problem (clock, enrollment), never the item's, so they are retried (and alerted)
# rather than setting the item aside.
RETRYABLE = frozenset({401, 403, 408, 409, 425, 429, 500, 502, 503, 504})


def outcome(status: int) -> Outcome:
    if 200 <= status < 300:
        return "delivered"
    if status in RETRYABLE or status >= 500:
        return "retry"
    return "refused"  # 400, 404, 413, 422…: resending the same bytes cannot help


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A Retry-After header (seconds or an HTTP date) as seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
