"""Signed receipts (table `terminal_keys`, columns of `cases`): every key a terminal has
bound, checking a receipt against them, and the moment an application counts as made.

An application counts as made when the terminal confirmed it (seed document 4, Art. 12
is judged on that date, not on the day a slow link delivered it) — when the platform can
trust the terminal's word for that moment (`application_date`):

- the receipt's signature holds with a key the terminal had bound at that time;
- the terminal knew its clock's offset to the platform's when it sent, and it was small
  (at most `CLOCK_TOLERANCE`);
- the time is neither after the case arrived nor before the key was bound (each with
  the same tolerance).

Otherwise the platform relies on its own arrival time, and records why.

A terminal of this release also says how far it could trust its clock at the moment it
confirmed (`confirmation_clock`, recorded then, not when it sent: a station may send weeks
later, by a USB stick). That record decides instead of the offset at sending:

- `synced` / `drifting` with a bound up to `RELY_BOUND`: the confirmation time corrected
  by the offset the terminal had learned (`terminal_corrected`), so a terminal whose clock
  is days wrong but knew it still has its confirmation time count;
- `drifting` beyond that bound: the latest moment the confirmation can have been
  (corrected time plus the bound), when that is before the arrival (`clock_bound`);
- `jumped` / `reset`: the clock was set or went back since it learned: not relied on
  (`clock_jumped`, `clock_reset`), the arrival time counts;
- `unknown`: as for a terminal that sent no record (the offset at sending).

The record's confirmation time must be the receipt's signed one, else it is not about
this receipt and is not used (`clock_mismatch`).
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta

from receiver.storage.database import parse_stamp, stamp
from wire import keys, schemas
from wire import receipt as wire_receipt

CLOCK_TOLERANCE = timedelta(minutes=5)
# The largest error bound of a terminal's corrected clock relied on as it is: below an hour
# the day an application was made is rarely in doubt (the bound is shown with the case).
RELY_BOUND = timedelta(hours=1)

# How the application date was decided, for the operator and the receipt page.
BASES: dict[str, str] = {
    "terminal": "以自助终端签名确认的时间为准",
    "no_receipt": "提交时没有终端签名的回执，以平台收到的时间为准",
    "signature_unverified": "回执签名无法用该终端的密钥核验，以平台收到的时间为准",
    "clock_unknown": "终端当时的时钟误差未知，以平台收到的时间为准",
    "clock_off": "终端时钟误差超过5分钟，以平台收到的时间为准",
    "after_arrival": "终端确认时间晚于平台收到时间，以平台收到的时间为准",
    "before_key": "终端确认时间早于该终端密钥的启用时间，以平台收到的时间为准",
    "terminal_corrected": "以自助终端签名确认的时间为准（已按终端与平台的时钟差校正）",
    "clock_bound": "终端离线较久、时钟误差可能较大，以最晚可能的确认时间为准",
    "clock_jumped": "终端时钟在确认前被调整过，以平台收到的时间为准",
    "clock_reset": "终端时钟在确认前被调回过去，以平台收到的时间为准",
    "clock_mismatch": "终端的时钟记录与回执的确认时间不符，以平台收到的时间为准",
}

# How far the confirmation time is trusted, in one flag (`kiosk-receiver case show`).
CLOCK_FLAGS: dict[str, str] = {
    "terminal": "时间可信", "terminal_corrected": "时间可信（已校正终端时钟）",
    "clock_bound": "时间可能不准（终端离线过久）", "clock_jumped": "时钟曾被调整",
    "clock_reset": "时钟曾被调回过去", "clock_unknown": "终端时钟误差未知",
    "clock_off": "终端时钟误差过大", "clock_mismatch": "时钟记录与回执不符",
}
NOT_FROM_TERMINAL = "未采用终端时间"


@dataclass(frozen=True)
class TerminalKey:
    terminal_id: str
    public_key: str
    bound_at: datetime
    replaced_at: datetime | None

    def covers(self, at: datetime) -> bool:
        """Whether the key was the terminal's at `at` (within the clock tolerance)."""
        return (self.bound_at - CLOCK_TOLERANCE <= at
                and (self.replaced_at is None or at <= self.replaced_at + CLOCK_TOLERANCE))


@dataclass(frozen=True)
class ApplicationDate:
    receipt: str | None
    confirmed_at: datetime | None  # the signed confirmation time, when its signature holds
    clock_offset_seconds: int | None
    applied_at: datetime
    basis: str  # a key of BASES
    clock: schemas.ConfirmationClock | None = None  # what the terminal knew of its clock


def bind_key(conn: sqlite3.Connection, terminal_id: str, public_key: str, now: datetime) -> None:
    """Records a key the terminal bound at enrollment; the one it had is replaced now."""
    current = conn.execute("SELECT public_key FROM terminal_keys WHERE terminal_id = ? AND "
                           "replaced_at IS NULL", (terminal_id,)).fetchall()
    if [row[0] for row in current] == [public_key]:
        return  # the same key enrolled again
    conn.execute("UPDATE terminal_keys SET replaced_at = ? WHERE terminal_id = ? AND "
                 "replaced_at IS NULL", (stamp(now), terminal_id))
    conn.execute("INSERT INTO terminal_keys (terminal_id, public_key, bound_at) VALUES (?, ?, ?)",
                 (terminal_id, public_key, stamp(now)))


def keys_of(conn: sqlite3.Connection, terminal_id: str | None = None) -> list[TerminalKey]:
    """Every key of a terminal (None: of every terminal), oldest first."""
    sql = "SELECT terminal_id, public_key, bound_at, replaced_at FROM terminal_keys"
    rows = conn.execute(sql + " WHERE terminal_id = ? ORDER BY id", (terminal_id,)) \
        if terminal_id is not None else conn.execute(sql + " ORDER BY id")
    return [TerminalKey(t, k, parse_stamp(b), parse_stamp(r)) for t, k, b, r in rows]


def signing_key_at(conn: sqlite3.Connection, signed: wire_receipt.SignedReceipt
                   ) -> TerminalKey | None:
    """The key of the receipt's terminal that verifies it, preferring one bound at its
    confirmation time; None when none does."""
    found = keys_of(conn, signed.terminal_id)
    for key in sorted(found, key=lambda k: not k.covers(signed.confirmed_at)):
        try:
            signed.verify(keys.decode_signing_public_key(key.public_key))
        except (wire_receipt.ReceiptInvalid, ValueError):
            continue
        return key
    return None


def other_signer(conn: sqlite3.Connection, signed: wire_receipt.SignedReceipt) -> str | None:
    """Another terminal whose key made this receipt's signature (a receipt that names one
    terminal but was signed by another), or None."""
    for key in keys_of(conn):
        if key.terminal_id == signed.terminal_id:
            continue
        try:
            signed.verify(keys.decode_signing_public_key(key.public_key))
        except (wire_receipt.ReceiptInvalid, ValueError):
            continue
        return key.terminal_id
    return None


def application_date(conn: sqlite3.Connection, req: schemas.SubmissionRequest, envelope: bytes,
                     received_at: datetime) -> ApplicationDate:
    """When the application of an accepted submission counts as made, and why. The
    receipt's fields were checked against the submission already (`intake`)."""
    offset = req.clock_offset_seconds

    def platform(basis: str, confirmed: datetime | None = None) -> ApplicationDate:
        return ApplicationDate(req.receipt, confirmed, offset, received_at, basis,
                               req.confirmation_clock)

    if req.receipt is None:
        return platform("no_receipt")
    signed = wire_receipt.parse(req.receipt)
    key = signing_key_at(conn, signed)
    if key is None:
        return platform("signature_unverified")
    confirmed = signed.confirmed_at
    clock = req.confirmation_clock
    if clock is not None and clock.state != "unknown":
        return _by_confirmation_clock(req, clock, key, confirmed, received_at)
    if offset is None:
        return platform("clock_unknown", confirmed)
    if abs(offset) > CLOCK_TOLERANCE.total_seconds():
        return platform("clock_off", confirmed)
    if confirmed > received_at + CLOCK_TOLERANCE:
        return platform("after_arrival", confirmed)
    if not key.covers(confirmed):
        return platform("before_key", confirmed)
    return ApplicationDate(req.receipt, confirmed, offset, min(confirmed, received_at),
                           "terminal", req.confirmation_clock)


def _by_confirmation_clock(req: schemas.SubmissionRequest, clock: schemas.ConfirmationClock,
                           key: TerminalKey, confirmed: datetime,
                           received_at: datetime) -> ApplicationDate:
    """The application date from what the terminal knew of its clock when it confirmed."""

    def decided(basis: str, at: datetime = received_at) -> ApplicationDate:
        return ApplicationDate(req.receipt, confirmed, req.clock_offset_seconds, at, basis,
                               clock)

    if abs((clock.confirmed_local - confirmed).total_seconds()) >= 1:
        return decided("clock_mismatch")
    if clock.state in ("jumped", "reset"):
        return decided(f"clock_{clock.state}")
    if clock.offset_seconds is None or clock.bound_seconds is None:
        return decided("clock_unknown")
    corrected = confirmed - timedelta(seconds=clock.offset_seconds)
    if corrected > received_at + CLOCK_TOLERANCE:
        return decided("after_arrival")
    if not key.covers(corrected):
        return decided("before_key")
    bound = timedelta(seconds=clock.bound_seconds)
    if bound > RELY_BOUND:
        latest = corrected + bound
        return decided("clock_bound", latest) if latest < received_at else decided("clock_bound")
    return decided("terminal_corrected", min(corrected, received_at))


def clock_flag(basis: str) -> str:
    """The one flag of how far a case's confirmation time is trusted."""
    return CLOCK_FLAGS.get(basis, NOT_FROM_TERMINAL)


@dataclass(frozen=True)
class ReceiptCase:
    """What the platform holds for a receipt's case, once it arrived."""

    case_no: str
    kind: str
    status: str
    received_at: datetime
    updated_at: datetime
    applied_at: datetime
    applied_basis: str
    envelope_sha256: str
    terminal_name: str | None
    history: list[schemas.CaseEvent]


def cases_of(conn: sqlite3.Connection, terminal_id: str, receipt_no: str) -> list[ReceiptCase]:
    """The cases a terminal's receipt number became, oldest first: none before it arrived,
    normally one (a terminal whose store started afresh may give a number again: the
    receipt's envelope digest tells them apart, `ReceiptCase.envelope_sha256`)."""
    rows = conn.execute(
        "SELECT c.case_no, c.kind, c.status, c.received_at, c.updated_at, c.applied_at, "
        "c.applied_basis, c.envelope, t.name FROM cases AS c LEFT OUTER JOIN terminals AS t "
        "ON t.id = c.terminal_id WHERE c.terminal_id = ? AND c.receipt_no = ? "
        "ORDER BY c.received_at, c.case_no", (terminal_id, receipt_no)).fetchall()
    return [_receipt_case(conn, row) for row in rows]


def _receipt_case(conn: sqlite3.Connection, row: tuple) -> ReceiptCase:
    case_no, kind, status, received, updated, applied, basis, envelope, name = row
    events = conn.execute("SELECT at, status, note FROM case_events WHERE case_no = ? "
                          "ORDER BY id", (case_no,)).fetchall()
    received_at = parse_stamp(received)
    return ReceiptCase(
        case_no=case_no, kind=kind, status=status, received_at=received_at,
        updated_at=parse_stamp(updated), applied_at=parse_stamp(applied) or received_at,
        applied_basis=basis or "no_receipt", envelope_sha256=hashlib.sha256(envelope).hexdigest(),
        terminal_name=name,
        history=[schemas.CaseEvent(at=parse_stamp(at), status=s,
                                   status_label=schemas.CASE_STATUSES[s], note=note)
                 for at, s, note in events])


class ReceiptRefused(Exception):
    """A receipt that does not prove itself: the message says precisely why; `kind` is
    one of malformed, unknown_terminal, other_terminal, forged, other_envelope."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class ReceiptCheck:
    """A receipt whose signature holds, with the case it became (None: not arrived)."""

    receipt: wire_receipt.SignedReceipt
    key: TerminalKey
    case: ReceiptCase | None
    terminal_name: str | None = None


def check(conn: sqlite3.Connection, text: str) -> ReceiptCheck:
    """Checks a receipt's text (or its QR code's URL) against the keys of the terminal it
    names; ReceiptRefused for one that is not a receipt, names an unknown terminal, was
    signed by another terminal or altered, or whose case holds another envelope."""
    try:
        signed = wire_receipt.parse(text)
    except wire_receipt.ReceiptInvalid as exc:
        raise ReceiptRefused(str(exc), "malformed") from None
    if not keys_of(conn, signed.terminal_id):
        raise ReceiptRefused(f"no terminal {signed.terminal_id} has enrolled with this "
                             "platform: not a receipt of its terminals", "unknown_terminal")
    key = signing_key_at(conn, signed)
    if key is None:
        other = other_signer(conn, signed)
        if other is not None:
            raise ReceiptRefused(f"the receipt names terminal {signed.terminal_id} but was "
                                 f"signed with the key of terminal {other}: it is not a "
                                 f"receipt of {signed.terminal_id}", "other_terminal")
        raise ReceiptRefused(f"the signature does not hold with any key terminal "
                             f"{signed.terminal_id} has had: the receipt was altered or forged",
                             "forged")
    found = cases_of(conn, signed.terminal_id, signed.receipt_no)
    matching = [c for c in found if c.envelope_sha256 == signed.envelope_sha256]
    if found and not matching:
        raise ReceiptRefused(f"receipt {signed.receipt_no} of terminal {signed.terminal_id} "
                             "is signed, but the case of that number holds another sealed "
                             "envelope than the one the receipt names", "other_envelope")
    name = conn.execute("SELECT name FROM terminals WHERE id = ?",
                        (signed.terminal_id,)).fetchone()
    return ReceiptCheck(signed, key, matching[0] if matching else None,
                        name[0] if name else None)
