"""The local store: confirmed submissions kept durably in SQLite until delivered."""

from .db import current_revision, head_revision, migrate, open_engine, write_transaction
from .errors import DamagedAttachment, NotFoundError, StoreError, TransitionError
from .models import STATES
from .outbox import (
    Claimed,
    NewSubmission,
    Outbox,
    OutboxStatus,
    Receipt,
    SealedAttachment,
    Settlement,
    StoredAttachment,
    SubmissionInfo,
)
from .receipt import (
    damm_check_digit,
    format_receipt_no,
    is_valid_receipt_no,
    new_receipt_no,
    parse_receipt_no,
)

__all__ = [
    "STATES",
    "Claimed",
    "DamagedAttachment",
    "NewSubmission",
    "NotFoundError",
    "Outbox",
    "OutboxStatus",
    "Receipt",
    "SealedAttachment",
    "Settlement",
    "StoreError",
    "StoredAttachment",
    "SubmissionInfo",
    "TransitionError",
    "current_revision",
    "damm_check_digit",
    "format_receipt_no",
    "head_revision",
    "is_valid_receipt_no",
    "migrate",
    "new_receipt_no",
    "open_engine",
    "parse_receipt_no",
    "write_transaction",
]
