"""Drain throughput: 2,000 queued submissions delivered to a local reference platform.

Prints submissions per second beside the ceiling the same server reaches with
empty POSTs (no signature check, no database), from as many client connections as
the worker keeps requests in flight. Each submission of the bench carries one
attachment (the signature image, small enough to go inline). The worker sends up to
16 submissions per signed request (POST /submissions/batch); `--per-request 1` shows
the one-by-one path (one POST per submission, the attachment inline). The requests
the platform saw are counted from its access log.
Goal: >= 200 per second and within 2x of the ceiling.

    .venv/bin/python bench/drain.py [--count 2000] [--concurrency 4] [--per-request 16]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.store import Outbox  # noqa: E402
from sync import enrollment  # noqa: E402
from sync.client import PlatformClient  # noqa: E402
from sync.worker import SyncWorker  # noqa: E402
from tests.support.platform_server import issue_code, running_receiver  # noqa: E402
from tests.support.terminal import make_terminal  # noqa: E402
from wire import paths  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=4,
                        help="requests in flight at once (the [sync] default is 4)")
    parser.add_argument("--per-request", type=int, default=SyncWorker.PER_REQUEST,
                        help="submissions per request at most (1: one by one)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-drain-") as tmp, \
            running_receiver(Path(tmp) / "platform") as rx:
        term = make_terminal(Path(tmp), rx.api_url, rx.platform_public_key)
        enrolled = term.kiosk("enroll", "--code", issue_code(rx, term.terminal_id))
        assert enrolled.returncode == 0, enrolled.stderr

        started = time.perf_counter()
        term.queue(args.count)
        queued_s = time.perf_counter() - started

        loaded = term.loaded()
        cfg = loaded.config
        enrolled = enrollment.load(loaded.data_dir)
        key, platform_key = enrolled.signing_key, enrollment.require_platform_key(enrolled)

        def client() -> PlatformClient:
            # As `kiosk sync` does: every answer verified against the platform's key.
            return PlatformClient(str(cfg.delivery_platform.api_url), cfg.terminal.id, key,
                                  platform_key=platform_key)

        with Outbox.open(loaded.data_dir) as outbox:
            worker = SyncWorker(loaded, outbox, client, concurrency=args.concurrency,
                                per_request=args.per_request)
            seen_before = len(rx.output)
            started = time.perf_counter()
            sent = worker.drain()
            drain_s = time.perf_counter() - started
            time.sleep(0.2)  # the access log lines of the last answers
            seen = rx.output[seen_before:]
            requests_by_kind = {kind: sum(1 for line in seen if f"receiver.access: {kind}" in line)
                                for kind in (f"POST {paths.SUBMISSION_BATCHES} ",
                                             f"POST {paths.SUBMISSIONS} ",
                                             f"PUT {paths.API}/attachments/")}
            left = outbox.status().counts["queued"]
            worker.close()

        # The ceiling: empty POSTs (no signature, no database: an unknown route) from
        # as many connections as the worker keeps in flight.
        url = rx.url + "/api/v1/bench-empty"
        per_thread = args.count // args.concurrency

        def post_empty(_: int) -> None:
            with requests.Session() as session:
                session.trust_env = False  # as the terminal's client: no per-request env scan
                for _ in range(per_thread):
                    session.post(url, data=b"")

        with ThreadPoolExecutor(args.concurrency) as pool:
            started = time.perf_counter()
            list(pool.map(post_empty, range(args.concurrency)))
            ceiling_s = time.perf_counter() - started

    rate = sent / drain_s
    ceiling = per_thread * args.concurrency / ceiling_s
    print(f"queued {args.count} submissions in {queued_s:.1f} s "
          f"({args.count / queued_s:.0f}/s, each sealed and confirmed)")
    print(f"drained {sent} in {drain_s:.2f} s with {args.concurrency} in flight: "
          f"{rate:.0f} submissions/s ({left} left queued)")
    print("requests the platform saw: " + ", ".join(
        f"{n} × {kind.strip()}" for kind, n in requests_by_kind.items() if n))
    print(f"ceiling, empty POSTs to the same server from {args.concurrency} connections: "
          f"{ceiling:.0f} requests/s")
    print(f"ratio ceiling / drain: {ceiling / rate:.2f}x  (goal: >= 200/s and <= 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
