"""Operator switches kept in the data directory: planned maintenance and test faults.

Files, not database rows, so that they can be flipped while the server runs and
survive restarts; a running server re-reads them when they change (a stat per
request), so a switch takes effect on the next request.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from receiver.files import atomic_write

MAINTENANCE_FILE = "maintenance.json"
FAULT_FILE = "fault.json"
FaultMode = Literal["hang", "slow", "error"]
FAULT_MODES: tuple[FaultMode, ...] = ("hang", "slow", "error")
ERROR_STATUSES = range(400, 600)  # what `error` may answer: a refusal or a failure


@dataclass(frozen=True)
class Maintenance:
    retry_after: int


@dataclass(frozen=True)
class Fault:
    """hang: wait `seconds` before anything; slow: wait `seconds` per submission while
    holding its key; error: answer `status` before anything, so nothing is stored — or,
    `after`, once the submissions are handled and committed, so the terminal never hears
    of the cases it made."""

    mode: FaultMode
    seconds: float = 0.0
    status: int | None = None  # error only: 400-599
    after: bool = False  # error only


def set_maintenance(data_dir: Path, retry_after: int | None) -> None:
    path = Path(data_dir) / MAINTENANCE_FILE
    if retry_after is None:
        path.unlink(missing_ok=True)
    else:
        atomic_write(path, json.dumps({"retry_after": int(retry_after)}) + "\n")


def set_fault(data_dir: Path, fault: Fault | None) -> None:
    path = Path(data_dir) / FAULT_FILE
    if fault is None:
        path.unlink(missing_ok=True)
    else:
        record: dict[str, object] = {"mode": fault.mode, "seconds": fault.seconds}
        if fault.status is not None:
            record.update(status=fault.status, after=fault.after)
        atomic_write(path, json.dumps(record) + "\n")


class _Watched:
    """One small JSON file, parsed again only when its stat changes."""

    def __init__(self, path: Path):
        self.path = path
        self._name = os.fspath(path)  # stat on a str: no Path conversion per request
        self._lock = threading.Lock()
        self._stamp: tuple | None = None
        self._value: dict | None = None

    def read(self) -> dict | None:
        try:
            st = os.stat(self._name)
        except FileNotFoundError:
            return None
        stamp = (st.st_ino, st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._stamp:
                try:
                    value = json.loads(self.path.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    value = None  # removed or replaced between stat and read: next request
                self._stamp, self._value = stamp, value if isinstance(value, dict) else None
            return self._value


class Switches:
    def __init__(self, data_dir: Path):
        self._maintenance = _Watched(Path(data_dir) / MAINTENANCE_FILE)
        self._fault = _Watched(Path(data_dir) / FAULT_FILE)

    def maintenance(self) -> Maintenance | None:
        value = self._maintenance.read()
        if value is None:
            return None
        try:
            return Maintenance(max(0, int(value.get("retry_after", 60))))
        except (TypeError, ValueError):
            return Maintenance(60)

    def fault(self) -> Fault | None:
        value = self._fault.read()
        if value is None or value.get("mode") not in FAULT_MODES:
            return None
        try:
            seconds = max(0.0, float(value.get("seconds", 0)))
            if value["mode"] != "error":
                return Fault(value["mode"], seconds)
            status = int(value.get("status", 500))
        except (TypeError, ValueError):
            return None
        if status not in ERROR_STATUSES:
            return None
        return Fault("error", seconds, status, after=value.get("after") is True)
