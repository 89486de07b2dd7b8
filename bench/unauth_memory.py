"""The platform's memory under many large unauthenticated bodies at once.

Starts a reference platform (default limits), then N clients at once each send a
20 MiB body under forged signature headers (well formed, signed by no key): the body
guard verifies the signature on the headers and refuses each before reading a byte of
its body (a client that gets its answer before it starts the body is counted
"<status> on headers"). Prints the server's resident memory before, its peak (VmHWM) during,
the growth, the documented bound (docs/receiver.md: twice the body budget plus
64 MiB) and what the clients were answered.

    .venv/bin/python bench/unauth_memory.py [--clients 50] [--mib 20] [--body-budget 48]
"""

from __future__ import annotations

import argparse
import select
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.platform_server import running_receiver  # noqa: E402
from tests.support.raw_http import (  # noqa: E402
    MiB,
    connect,
    forged_signature,
    read_answer,
    request_head,
    vm_rss,
)
from wire import paths  # noqa: E402

UPLOAD = paths.attachment_path("ab" * 32)
# How long a client waits, its headers sent, for an answer before it sends the body.
HEADERS_ANSWER_WAIT = 1.0


def client(port: int, size_mib: int, answers: list[str]) -> None:
    try:
        with connect(port, timeout=120) as sock:
            sock.sendall(request_head("PUT", UPLOAD, forged_signature(),
                                      content_length=size_mib * MiB))
            if select.select([sock], [], [], HEADERS_ANSWER_WAIT)[0]:
                answer = read_answer(sock, timeout=120)
                answers.append(f"{answer.status} on headers" if answer else "closed")
                return
            chunk = b"\0" * MiB
            for _ in range(size_mib):
                sock.sendall(chunk)
            answer = read_answer(sock, timeout=120)
            answers.append(str(answer.status) if answer else "closed")
    except OSError as exc:
        answers.append(type(exc).__name__)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--mib", type=int, default=20, help="body size per client (MiB)")
    parser.add_argument("--body-budget", type=int, default=48, help="serve --body-budget (MiB)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-unauth-") as tmp, running_receiver(
            Path(tmp) / "platform", extra_args=("--body-budget", str(args.body_budget))) as rx:
        time.sleep(0.5)
        before = vm_rss(rx.proc.pid)
        answers: list[str] = []
        threads = [threading.Thread(target=client, args=(rx.port, args.mib, answers))
                   for _ in range(args.clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - started
        peak = vm_rss(rx.proc.pid, "VmHWM")
    bound = 2 * args.body_budget + 64
    print(f"{args.clients} clients × {args.mib} MiB forged bodies at once, body budget "
          f"{args.body_budget} MiB, in {took:.1f} s")
    print(f"server RSS before {before / MiB:.0f} MiB, peak {peak / MiB:.0f} MiB: "
          f"+{(peak - before) / MiB:.0f} MiB (documented bound +{bound} MiB)")
    print("answers: " + ", ".join(f"{n} × {a}" for a, n in sorted(Counter(answers).items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
