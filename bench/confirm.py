"""How long the durable confirm takes, next to the floor: one fsync'd SQLite commit.

Runs confirms without attachments and with one 2 MB attachment, and, interleaved
on the same disk (same directory), a bare single-row INSERT + COMMIT on a plain
sqlite3 connection with WAL and synchronous=FULL. Prints p50/p99 in ms and the
ratio p99 / bare p99 (goal for confirms without attachments: within 3x).

    python bench/confirm.py [--dir DIR] [--plain 300] [--attached 100]
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.store import NewSubmission, Outbox, SealedAttachment  # noqa: E402

ENVELOPE_BYTES = 4096  # about a sealed petition without its material
ATTACHMENT_BYTES = 2 * 1024 * 1024
WARMUP = 10


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


class BareCommit:
    """The floor: what any durable write to SQLite on this disk costs."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, payload BLOB)")

    def once(self) -> float:
        payload = os.urandom(ENVELOPE_BYTES)
        start = time.perf_counter()
        self.conn.execute("BEGIN")
        self.conn.execute("INSERT INTO t (payload) VALUES (?)", (payload,))
        self.conn.execute("COMMIT")
        return time.perf_counter() - start

    def close(self) -> None:
        self.conn.close()


def submission(attachment_bytes: int) -> NewSubmission:
    attachments = []
    if attachment_bytes:
        attachments.append(
            SealedAttachment(
                role="evidence",
                media_type="image/jpeg",
                digest=hashlib.sha256(os.urandom(16)).hexdigest(),
                sealed=os.urandom(attachment_bytes),
            )
        )
    return NewSubmission(
        submission_id=str(uuid.uuid4()),
        kind="petition",
        category="labour",
        purpose="demand",
        terminal_id="T-BENCH",
        jurisdiction="bench",
        created_at=datetime.now(UTC),
        envelope=os.urandom(ENVELOPE_BYTES),
        receipt_fields={"applicant_name": "王*兰"},
        attachments=attachments,
    )


def timed_confirm(outbox: Outbox, attachment_bytes: int) -> float:
    new = submission(attachment_bytes)  # made before the clock starts, as the UI would
    start = time.perf_counter()
    outbox.confirm(new)
    return time.perf_counter() - start


def run(directory: Path, plain: int, attached: int) -> None:
    outbox = Outbox.open(directory / "outbox")
    bare = BareCommit(directory / "bare.db")
    try:
        for _ in range(WARMUP):
            bare.once()
            timed_confirm(outbox, 0)
        bare_ms, plain_ms, attached_ms = [], [], []
        # Interleaved, so both see the same disk at the same moments.
        for i in range(max(plain, attached)):
            bare_ms.append(bare.once() * 1000)
            if i < plain:
                plain_ms.append(timed_confirm(outbox, 0) * 1000)
            if i < attached:
                attached_ms.append(timed_confirm(outbox, ATTACHMENT_BYTES) * 1000)
    finally:
        bare.close()
        outbox.close()

    bare_p99 = percentile(bare_ms, 99)
    print(f"directory: {directory}")
    print(f"{'':34} {'n':>4} {'p50 ms':>8} {'p99 ms':>8} {'p99/bare p99':>13}")
    for label, samples in (
        ("bare INSERT+COMMIT (WAL, FULL)", bare_ms),
        ("confirm, no attachment", plain_ms),
        (f"confirm, one {ATTACHMENT_BYTES // (1024 * 1024)} MB attachment", attached_ms),
    ):
        p50, p99 = percentile(samples, 50), percentile(samples, 99)
        print(f"{label:34} {len(samples):4d} {p50:8.2f} {p99:8.2f} {p99 / bare_p99:12.2f}x")
    print("goal: confirm without attachment p99 within 3x of the bare commit p99")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where to write (default: a new temp dir)")
    parser.add_argument("--plain", type=int, default=300, help="confirms without attachment")
    parser.add_argument("--attached", type=int, default=100, help="confirms with 2 MB attached")
    args = parser.parse_args(argv)
    if args.dir is not None:
        args.dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-") as tmp:
            run(Path(tmp), args.plain, args.attached)
    else:
        with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
            run(Path(tmp), args.plain, args.attached)
    return 0


if __name__ == "__main__":
    sys.exit(main())
