"""Confirms one submission under a real file-size limit, so the disk write really fails.

Usage: store_fault_child.py DATA_DIR attachment|commit

RLIMIT_FSIZE makes the kernel refuse writes past the limit (EFBIG), a real I/O
failure without needing a full disk: "attachment" sends an attachment too big to
write, "commit" an envelope too big for the database while its attachment fits.
Prints one JSON line describing what confirm raised.
"""

from __future__ import annotations

import json
import resource
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.store import Outbox, StoreError  # noqa: E402
from tests.support.store import new_submission, sealed_attachment  # noqa: E402

LIMIT = 1024 * 1024


def main() -> int:
    data_dir, mode = Path(sys.argv[1]), sys.argv[2]
    outbox = Outbox.open(data_dir)
    if mode == "attachment":
        new = new_submission(attachments=[sealed_attachment(2 * LIMIT)])
    else:
        new = new_submission(attachments=[sealed_attachment(10_000)], envelope=b"x" * 2 * LIMIT)
    # Without this the kernel kills the process instead of failing the write.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))
    try:
        receipt = outbox.confirm(new)
    except StoreError as exc:
        print(json.dumps({"raised": "StoreError", "disk_full": exc.disk_full,
                          "user_message": exc.user_message, "detail": str(exc)}))
        return 0
    print(json.dumps({"raised": None, "receipt_no": receipt.receipt_no}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
