"""Signed request latency against a local reference platform: a fresh connection per
request beside requests on one kept-alive connection.

40 ms per kept-alive request is Nagle's algorithm meeting a delayed ACK: the server's
sockets must have TCP_NODELAY (`receiver/cli.py`). Prints min / median / p95 of each.
Goal: kept-alive median under 5 ms; never 40 ms.

    .venv/bin/python bench/platform_requests.py [--count 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.platform_server import (  # noqa: E402
    enroll_test_terminal,
    running_receiver,
    signed_request,
)
from wire import paths  # noqa: E402

TERMINAL = "T-BENCH-01"


def timed(count: int, send) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        answer = send()
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.text
    return times


def summary(name: str, times: list[float]) -> str:
    ranked = sorted(times)
    p95 = ranked[min(len(ranked) - 1, int(len(ranked) * 0.95))]
    return (f"{name:<28} min {ranked[0]:6.2f} ms  median {statistics.median(ranked):6.2f} ms"
            f"  p95 {p95:6.2f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-requests-") as tmp, \
            running_receiver(Path(tmp) / "platform") as rx:
        key, _ = enroll_test_terminal(rx, TERMINAL)
        fresh = timed(args.count, lambda: signed_request(rx, "GET", paths.LIMITS, TERMINAL, key))
        with requests.Session() as session:
            signed_request(rx, "GET", paths.LIMITS, TERMINAL, key, session=session)  # connect
            kept = timed(args.count, lambda: signed_request(rx, "GET", paths.LIMITS, TERMINAL,
                                                            key, session=session))
    print(f"GET {paths.LIMITS}, signed, {args.count} requests each")
    print(summary("a new connection each", fresh))
    print(summary("one kept-alive connection", kept))
    return 0


if __name__ == "__main__":
    sys.exit(main())
