"""求助: a citizen asked for the hall's staff. The alert stands until a technician clears
it — on the technician screen or with `kiosk help-alert clear`, either way a line of the
audit — and survives a restart of the kiosk: it is one small durable file in the data
directory (`wire.durable`), holding when it was raised and how often 求助 was pressed
since. Nothing personal: not who pressed, not on which screen.

The sync worker reads it for each heartbeat, so the platform's list of terminals shows it
(`kiosk-receiver terminal list`), and sends a heartbeat at once when it changed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk import technician
from wire import durable

log = logging.getLogger(__name__)

ALERT_FILE = "help-alert.json"


@dataclass(frozen=True)
class Alert:
    raised_at: datetime  # the first press since the last clear
    presses: int


def _path(data_dir: Path) -> Path:
    return Path(data_dir) / ALERT_FILE


def _read(data_dir: Path) -> dict:
    try:
        record = json.loads(_path(data_dir).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        # A damaged file must not hide a call for help: it counts as raised.
        log.warning("help alert file unreadable, taken as raised: %s", type(exc).__name__)
        return {"state": "raised", "raised_at": datetime.now(UTC).isoformat(), "presses": 1}
    return record if isinstance(record, dict) else {}


def status(data_dir: Path) -> Alert | None:
    """The standing alert, or None."""
    record = _read(data_dir)
    if record.get("state") != "raised":
        return None
    try:
        raised_at = datetime.fromisoformat(str(record["raised_at"]))
    except (KeyError, ValueError):
        raised_at = datetime.now(UTC)
    return Alert(raised_at=raised_at, presses=int(record.get("presses") or 1))


def _write(data_dir: Path, record: dict) -> None:
    Path(data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    durable.write_file(_path(data_dir), json.dumps(record), mode=0o644)


def raise_alert(data_dir: Path, *, now: datetime | None = None) -> Alert:
    """Raises the alert (a press while it stands counts, and keeps its first time)."""
    now = now or datetime.now(UTC)
    standing = status(data_dir)
    alert = Alert(raised_at=standing.raised_at if standing else now,
                  presses=(standing.presses + 1) if standing else 1)
    _write(data_dir, {"state": "raised", "raised_at": alert.raised_at.isoformat(),
                      "presses": alert.presses})
    log.info("help requested (press %d)", alert.presses)
    return alert


def clear(data_dir: Path, terminal_id: str, *, by: str, now: datetime | None = None) -> Alert | None:
    """Clears the alert; the audit says when, by which way (`by`: screen, command) and how
    long it stood. Returns what was cleared, None when nothing stood (nothing audited)."""
    now = now or datetime.now(UTC)
    standing = status(data_dir)
    if standing is None:
        return None
    _write(data_dir, {"state": "cleared", "cleared_at": now.isoformat()})
    waited = int((now - standing.raised_at).total_seconds())
    technician.audit(data_dir, terminal_id, "help_alert_cleared", by=by,
                     presses=standing.presses, waited_seconds=max(0, waited))
    log.info("help alert cleared after %d s", waited)
    return standing


def stamp(data_dir: Path) -> str:
    """What changes whenever the alert is raised, pressed again or cleared: the worker
    compares it to send a heartbeat at once."""
    try:
        st = _path(data_dir).stat()
    except OSError:
        return ""
    return f"{st.st_mtime_ns}:{st.st_size}:{st.st_ino}"
