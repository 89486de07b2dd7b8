"""A data directory as release 0.1.0 left it: `receiver.db` from the SQL dump in
`data/`, made by that release's own table-creating code, and its one uploaded file."""

from __future__ import annotations

import base64
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from wire import schemas

DUMP = Path(__file__).resolve().parent / "data" / "receiver-0.1.0.sql"
TERMINAL = "T-LEGACY"
TERMINAL_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
CASE_NO = "XF2026010500001"
QUERY_CODE = "MGWYKCRD"
AT = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ATTACHMENT = b"attachment"  # uploaded whole; its sealed digest names it
ATTACHMENT_DIGEST = "602a5e69c3021bdbd3d25156a02d2cbb467605b8203248eea6af3fb42168d663"


def make(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(data_dir / "receiver.db")
    try:
        conn.executescript(DUMP.read_text(encoding="utf-8"))
    finally:
        conn.close()
    (data_dir / "attachments").mkdir(exist_ok=True)
    (data_dir / "attachments" / ATTACHMENT_DIGEST).write_bytes(ATTACHMENT)
    return data_dir


def kept_request() -> schemas.SubmissionRequest:
    """The submission whose case the dump holds, as its terminal would send it again."""
    return schemas.SubmissionRequest(
        submission_id="00000000-0000-0000-0000-000000000001", terminal_id=TERMINAL,
        jurisdiction="某县", kind="petition", category="labour", created_at=AT,
        receipt_no="0000000001", envelope=base64.b64encode(b"sealed-bytes").decode())
