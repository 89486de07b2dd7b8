"""Technician mode, Qt-free: the maintenance PIN, its lock-out, the audit log, and the
`kiosk set-pin` / `kiosk audit` commands.

Files in the terminal's data directory (each 0600):

- `technician-pin.json` — the PIN as a salted scrypt hash, with the parameters used,
  so they can be raised later (a PIN set with weaker ones still verifies);
- `technician-lock.json` — wrong PINs in a row and the lock-out, kept across
  restarts, so killing the kiosk does not reset it;
- `audit.jsonl` — one JSON line per technician action: when, who ("technician":
  one PIN per terminal), what, the terminal; never personal data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk import logs
from wire.durable import make_dir, write_file

PIN_FILE = "technician-pin.json"
LOCK_FILE = "technician-lock.json"
AUDIT_FILE = "audit.jsonl"
WHO = "technician"

PIN_MIN, PIN_MAX = 6, 12
# scrypt: N=2^15, r=8 → 32 MiB and about 0.1 s per try here. Recorded with each hash.
SCRYPT = {"n": 2 ** 15, "r": 8, "p": 1, "dklen": 32}
SALT_BYTES = 16

@dataclass(frozen=True)
class PinFiles:
    """Whose PIN: its hash file, its lock-out file, and who the audit log says acted.
    The technician has one; each agent of a proxy station has their own (`kiosk.agents`),
    kept and checked exactly as the technician's."""

    pin: str
    lock: str
    who: str


TECHNICIAN = PinFiles(PIN_FILE, LOCK_FILE, WHO)

MAX_TRIES = 5  # wrong PINs in a row before a lock-out
LOCK_FIRST_SECONDS = 30  # then doubling with each further lock-out …
LOCK_CAP_SECONDS = 30 * 60  # … up to half an hour

# Why a technician sets an item aside (搁置); a typed reason is kept too, masked.
SET_ASIDE_REASONS = {
    "duplicate": "重复提交",
    "withdrawn": "信访人已撤回",
    "handled_offline": "已线下转交处理",
    "platform_advised": "平台要求搁置",
}
MAX_REASON_CHARS = 200


# --- the PIN --------------------------------------------------------------------------------


def pin_problem(pin: str) -> str | None:
    """Why `pin` cannot be the maintenance PIN, or None."""
    if not (PIN_MIN <= len(pin) <= PIN_MAX) or not all("0" <= c <= "9" for c in pin):
        return f"the PIN must be {PIN_MIN} to {PIN_MAX} digits (0-9), nothing else"
    return None


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _derive(pin: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    return hashlib.scrypt(pin.encode("ascii"), salt=salt, n=n, r=r, p=p, dklen=dklen,
                          maxmem=256 * r * n + 1024 * 1024)


def _write_private(path: Path, text: str) -> None:
    """Atomically replaces `path` with `text`, readable by the owner only."""
    make_dir(path.parent)
    write_file(path, text, mode=0o600)


def set_pin(data_dir: Path, pin: str, files: PinFiles = TECHNICIAN) -> None:
    """Stores the PIN's salted hash (never the PIN) and clears any lock-out."""
    problem = pin_problem(pin)
    if problem:
        raise ValueError(problem)
    salt = secrets.token_bytes(SALT_BYTES)
    record = {"kdf": "scrypt", **SCRYPT, "salt": _b64(salt),
              "hash": _b64(_derive(pin, salt, **SCRYPT)),
              "set_at": datetime.now(UTC).isoformat(timespec="seconds")}
    _write_private(Path(data_dir) / files.pin, json.dumps(record, indent=1) + "\n")
    (Path(data_dir) / files.lock).unlink(missing_ok=True)


def _pin_record(data_dir: Path, files: PinFiles = TECHNICIAN) -> dict | None:
    try:
        record = json.loads((Path(data_dir) / files.pin).read_text(encoding="utf-8"))
        if record.get("kdf") != "scrypt":
            return None
        base64.b64decode(record["salt"], validate=True)
        base64.b64decode(record["hash"], validate=True)
        for key in ("n", "r", "p", "dklen"):
            int(record[key])
        return record
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def pin_is_set(data_dir: Path, files: PinFiles = TECHNICIAN) -> bool:
    return _pin_record(data_dir, files) is not None


# --- the lock-out ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LockState:
    failures: int = 0  # wrong PINs since the last lock-out (or success)
    lockouts: int = 0  # lock-outs since the last success: each doubles the next
    locked_until: datetime | None = None
    lock_seconds: int = 0  # how long the current lock-out is


def lock_duration(lockouts: int) -> int:
    """The n-th lock-out in a row (1, 2, …) lasts 30 s, 60 s, 120 s, … up to the cap."""
    return min(LOCK_CAP_SECONDS, LOCK_FIRST_SECONDS * 2 ** max(0, min(lockouts - 1, 20)))


def read_lock(data_dir: Path, files: PinFiles = TECHNICIAN) -> LockState:
    try:
        d = json.loads((Path(data_dir) / files.lock).read_text(encoding="utf-8"))
        until = d.get("locked_until")
        return LockState(int(d.get("failures", 0)), int(d.get("lockouts", 0)),
                         datetime.fromisoformat(until) if until else None,
                         int(d.get("lock_seconds", 0)))
    except FileNotFoundError:
        return LockState()
    except (OSError, ValueError, TypeError, AttributeError):
        # A damaged file must not unlock the pad: treat it as one full lock-out.
        return LockState(0, 1, datetime.now(UTC) + timedelta(seconds=LOCK_FIRST_SECONDS),
                         LOCK_FIRST_SECONDS)


def _write_lock(data_dir: Path, state: LockState, files: PinFiles = TECHNICIAN) -> None:
    _write_private(Path(data_dir) / files.lock, json.dumps({
        "failures": state.failures, "lockouts": state.lockouts,
        "locked_until": state.locked_until.isoformat() if state.locked_until else None,
        "lock_seconds": state.lock_seconds}) + "\n")


def locked_seconds(data_dir: Path, now: datetime | None = None,
                   files: PinFiles = TECHNICIAN) -> int:
    """Seconds left of the lock-out (0 when none). A clock set back never lengthens it
    beyond the lock-out's own length."""
    state = read_lock(data_dir, files)
    if state.locked_until is None:
        return 0
    now = now or datetime.now(UTC)
    left = (state.locked_until - now).total_seconds()
    if left <= 0:
        return 0
    return int(min(left, state.lock_seconds or left) + 0.999)


@dataclass(frozen=True)
class Attempt:
    outcome: str  # "ok", "wrong", "locked", "not_set"
    tries_left: int = 0  # after a wrong PIN, before the lock-out
    locked_seconds: int = 0  # for "locked", and for the "wrong" that started a lock-out


def verify(data_dir: Path, pin: str, *, terminal_id: str, now: datetime | None = None,
           files: PinFiles = TECHNICIAN) -> Attempt:
    """Checks a PIN typed on the pad (constant-time compare), counts wrong ones, locks
    out after MAX_TRIES in a row, and writes the audit line for each outcome."""
    data_dir = Path(data_dir)
    now = now or datetime.now(UTC)
    record = _pin_record(data_dir, files)
    if record is None:
        return Attempt("not_set")
    left = locked_seconds(data_dir, now, files)
    if left:
        return Attempt("locked", locked_seconds=left)
    salt = base64.b64decode(record["salt"])
    expected = base64.b64decode(record["hash"])
    # Any typed text is hashed the same way, so a malformed one takes as long as a wrong one.
    typed = pin if pin.isascii() else ""
    derived = _derive(typed, salt, int(record["n"]), int(record["r"]), int(record["p"]),
                      int(record["dklen"]))
    state = read_lock(data_dir, files)
    if hmac.compare_digest(derived, expected) and pin_problem(pin) is None:
        if state != LockState():
            (data_dir / files.lock).unlink(missing_ok=True)
        audit(data_dir, terminal_id, "open", who=files.who)
        return Attempt("ok")
    failures = state.failures + 1
    if failures >= MAX_TRIES:
        lockouts = state.lockouts + 1
        seconds = lock_duration(lockouts)
        _write_lock(data_dir, LockState(0, lockouts, now + timedelta(seconds=seconds), seconds),
                    files)
        audit(data_dir, terminal_id, "wrong_pin", who=files.who, tries=failures)
        audit(data_dir, terminal_id, "lock_out", who=files.who, seconds=seconds,
              lockouts=lockouts)
        return Attempt("wrong", 0, seconds)
    _write_lock(data_dir, LockState(failures, state.lockouts, None, 0), files)
    audit(data_dir, terminal_id, "wrong_pin", who=files.who, tries=failures)
    return Attempt("wrong", MAX_TRIES - failures)


# --- the audit log --------------------------------------------------------------------------


def audit(data_dir: Path, terminal_id: str, what: str, *, who: str = WHO,
          **details: Any) -> None:
    """Appends one line: when (UTC), who (the technician, or `agent:ID`), what, terminal,
    and non-personal details (receipt numbers, counts, reason codes; any free text is
    masked like the logs)."""
    line = {"when": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "who": who, "what": what, "terminal": terminal_id}
    for key, value in details.items():
        line[key] = logs.redact(value)[:MAX_REASON_CHARS] if isinstance(value, str) else value
    path = Path(data_dir) / AUDIT_FILE
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Appended in place (a log, not a replaced file), never through a planted link.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC | os.O_NOFOLLOW,
                 0o600)
    try:
        os.write(fd, (json.dumps(line, ensure_ascii=False) + "\n").encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)


def read_audit(data_dir: Path, since: datetime | None = None) -> tuple[list[dict], int]:
    """The audit lines (oldest first) and how many could not be read."""
    out, unreadable = [], 0
    try:
        with (Path(data_dir) / AUDIT_FILE).open(encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                if not raw.strip():
                    continue
                try:
                    line = json.loads(raw)
                    when = datetime.fromisoformat(str(line["when"]).replace("Z", "+00:00"))
                except (ValueError, KeyError, TypeError):
                    unreadable += 1
                    continue
                if since is None or when >= since:
                    out.append(line)
    except FileNotFoundError:
        pass
    return out, unreadable


def reason_text(code: str, typed: str = "") -> str:
    """The reason stored with a set-aside item: a listed one, or the typed one, masked."""
    if code in SET_ASIDE_REASONS:
        return SET_ASIDE_REASONS[code]
    return logs.redact(" ".join(typed.split()))[:MAX_REASON_CHARS]


# --- the technician screen's network test (made by the kiosk command) ------------------


@dataclass(frozen=True)
class Reach:
    """One platform's reachability, as the technician screen shows it."""

    name: str  # the doctor's check name, e.g. reach:city
    platform: str  # the configured platform's name
    ok: bool
    found: str
