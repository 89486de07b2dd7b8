"""Confirms submissions in a loop until killed; the crash test's victim.

Usage: crash_child.py DATA_DIR [SEED]

Protocol on stdout, one flushed line each:
    ready                                   the outbox is open
    B <submission_id>                       a confirm is about to start
    R <receipt_no> <submission_id> <envelope sha256> <digest>...
                                            confirm returned: printed only then
"""

from __future__ import annotations

import hashlib
import os
import random
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store import NewSubmission, Outbox, SealedAttachment  # noqa: E402

MAX_ATTACHMENT = 200 * 1024


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main() -> None:
    data_dir = Path(sys.argv[1])
    rng = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else None)
    outbox = Outbox.open(data_dir)
    say("ready")
    while True:
        attachments = [
            SealedAttachment(
                role=rng.choice(["id_proof", "evidence"]),
                media_type="application/octet-stream",
                digest=hashlib.sha256(os.urandom(16)).hexdigest(),
                sealed=os.urandom(rng.randint(1, MAX_ATTACHMENT)),
            )
            for _ in range(rng.randint(0, 2))
        ]
        envelope = os.urandom(rng.randint(64, 16 * 1024))
        new = NewSubmission(
            submission_id=str(uuid.uuid4()),
            kind=rng.choice(["petition", "review", "re_review"]),
            category="labour",
            purpose=None,
            terminal_id="T-CRASH",
            jurisdiction="演示县",
            created_at=datetime.now(UTC),
            envelope=envelope,
            receipt_fields={"n": len(attachments)},
            attachments=attachments,
        )
        say(f"B {new.submission_id}")
        receipt = outbox.confirm(new)
        digests = " ".join(a.digest for a in attachments)
        envelope_digest = hashlib.sha256(envelope).hexdigest()
        say(f"R {receipt.receipt_no} {new.submission_id} {envelope_digest} {digests}".rstrip())


if __name__ == "__main__":
    main()
