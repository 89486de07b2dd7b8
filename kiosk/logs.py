"""Logs for technicians: rotating JSON-lines files without personal data, and `kiosk logs`.

Each process logs to `DATA_DIR/logs/COMPONENT.jsonl` (5 files of 5 MB at most)
and to stderr. A line holds the time (UTC), level, component, logger, message
and, for an exception, only its type and where it was raised: never its text or
the traceback, which may hold what a citizen typed. The code does not log
personal data; a filter on every handler also masks whatever looks like an ID
number, a mobile number or a long run of Chinese text, in case it ever does.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

LOG_DIR = "logs"
SUFFIX = ".jsonl"
MAX_BYTES = 5 * 1024 * 1024
BACKUP_COUNT = 4  # + the current file: 5 files per component
_COMPONENT = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
_HANDLER_MARK = "_kiosk_log_handler"

# --- redaction ----------------------------------------------------------------------------

_D = "[0-9\uff10-\uff19]"  # a digit, ASCII or full-width
# An 18-character resident ID (17 digits and a digit or X), not part of a longer number.
_ID_NUMBER = re.compile(rf"(?<!{_D}){_D}{{17}}[0-9\uff10-\uff19Xx\uff38](?!{_D})")
# A mainland mobile number, with or without +86 and separators (138 1234 5678, 138-1234-5678).
_MOBILE = re.compile(rf"(?<!{_D})(?:\+?86[ -]?)?[1\uff11][3-9\uff13-\uff19]{_D}"
                     rf"(?:[ -]?{_D}{{4}}){{2}}(?!{_D})")
_CJK = r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]"
_CJK_PUNCT = r"[\u3000-\u303f\uff00-\uffef]"  # full-width punctuation inside a sentence
# More than 12 CJK characters in a row (full-width punctuation between them allowed):
# free text a citizen typed, not one of the kiosk's own short labels.
_CJK_RUN = re.compile(rf"(?:{_CJK}{_CJK_PUNCT}*){{13,}}")

ID_MASK = "[ID number removed]"
MOBILE_MASK = "[mobile number removed]"
CJK_MASK = "[Chinese text removed]"


def redact(text: str) -> str:
    """`text` with ID numbers, mobile numbers and long runs of Chinese text masked."""
    text = _ID_NUMBER.sub(ID_MASK, text)
    text = _MOBILE.sub(MOBILE_MASK, text)
    return _CJK_RUN.sub(CJK_MASK, text)


class RedactFilter(logging.Filter):
    """On a handler (a logger's own filters miss records from its children)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template, drop the arguments
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        return True


# --- formatting ---------------------------------------------------------------------------


def _utc_iso(created: float) -> str:
    return datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds") \
        .replace("+00:00", "Z")


def _exception_fields(record: logging.LogRecord) -> dict[str, str]:
    if not record.exc_info or record.exc_info[0] is None:
        return {}
    exc_type, _exc, tb = record.exc_info
    fields = {"exc_type": f"{exc_type.__module__}.{exc_type.__qualname__}"
              if exc_type.__module__ != "builtins" else exc_type.__qualname__}
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is not None:  # where it was raised: a code location, no values
        fields["exc_where"] = f"{Path(tb.tb_frame.f_code.co_filename).name}:{tb.tb_lineno}"
    return fields


class JsonLinesFormatter(logging.Formatter):
    def __init__(self, component: str):
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": _utc_iso(record.created), "level": record.levelname,
                "component": self.component, "logger": record.name,
                "message": record.getMessage()}
        line.update(_exception_fields(record))
        return json.dumps(line, ensure_ascii=False)


class HumanFormatter(logging.Formatter):
    """For stderr (journald under systemd): the same fields, and the same restraint."""

    def __init__(self, component: str):
        super().__init__()
        self.component = component

    def format(self, record: logging.LogRecord) -> str:
        text = f"{_utc_iso(record.created)} {record.levelname} {self.component} " \
               f"{record.name}: {record.getMessage()}"
        exc = _exception_fields(record)
        if exc:
            text += f" [{exc['exc_type']}{' at ' + exc['exc_where'] if 'exc_where' in exc else ''}]"
        return text


# --- setup --------------------------------------------------------------------------------


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR


def setup_logging(data_dir: Path, component: str, *, level: int = logging.INFO,
                  stderr: bool = True, max_bytes: int = MAX_BYTES,
                  backup_count: int = BACKUP_COUNT) -> Path | None:
    """Logs of this process to `data_dir/logs/{component}.jsonl` (rotating) and stderr.

    Calling it again replaces the handlers it installed. Returns the log file, or
    None when it cannot be written: the kiosk then logs to stderr only rather
    than refusing to start."""
    if not _COMPONENT.match(component):
        raise ValueError(f"component must match {_COMPONENT.pattern}, not {component!r}")
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _HANDLER_MARK, False)]:
        root.removeHandler(handler)
        handler.close()
    root.setLevel(level)
    redactor = RedactFilter()
    path: Path | None = log_dir(data_dir) / f"{component}{SUFFIX}"
    problem = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=max_bytes, backupCount=backup_count, encoding="utf-8")
    except OSError as exc:
        problem, path = exc, None
    else:
        file_handler.setFormatter(JsonLinesFormatter(component))
        file_handler.addFilter(redactor)
        setattr(file_handler, _HANDLER_MARK, True)
        root.addHandler(file_handler)
    if stderr:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(HumanFormatter(component))
        stream.addFilter(redactor)
        setattr(stream, _HANDLER_MARK, True)
        root.addHandler(stream)
    if problem is not None:
        logging.getLogger("kiosk.logs").warning(
            "cannot write logs under %s (%s); logging to stderr only",
            log_dir(data_dir), problem.strerror or type(problem).__name__)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    return path


# --- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    time: datetime
    component: str
    data: dict[str, Any]


_SINCE = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def parse_since(text: str, now: datetime | None = None) -> datetime:
    """`30m`, `1h`, `2d` (ago), or an ISO date / time (local time unless it says otherwise)."""
    now = now or datetime.now(UTC)
    match = _SINCE.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since: {text!r} is neither a duration like 30m, 1h, 2d "
                         "nor a date like 2026-11-26T08:00") from None
    if when.tzinfo is None:
        when = when.astimezone()  # the technician's local time
    return when.astimezone(UTC)


def _files_of(folder: Path, component: str) -> list[Path]:
    """A component's files, oldest first: name.jsonl.4 … name.jsonl.1, name.jsonl."""
    base = folder / f"{component}{SUFFIX}"
    rotated = []
    for p in folder.glob(f"{component}{SUFFIX}.*"):
        if p.suffix[1:].isdigit():
            rotated.append((int(p.suffix[1:]), p))
    ordered = [p for _, p in sorted(rotated, reverse=True)]
    return ordered + ([base] if base.exists() else [])


def components(data_dir: Path) -> list[str]:
    folder = log_dir(data_dir)
    if not folder.is_dir():
        return []
    names = {p.name.split(SUFFIX)[0] for p in folder.iterdir() if SUFFIX in p.name}
    return sorted(n for n in names if _COMPONENT.match(n))


def read_entries(data_dir: Path, *, since: datetime | None = None,
                 only: Iterable[str] | None = None) -> tuple[list[Entry], int]:
    """Every readable line of the chosen components, merged by time; and how many were not."""
    folder = log_dir(data_dir)
    wanted = set(only) if only else None
    entries: list[Entry] = []
    unreadable = 0
    for component in components(data_dir):
        if wanted is not None and component not in wanted:
            continue
        for path in _files_of(folder, component):
            for data in _lines(path):
                if data is None:
                    unreadable += 1
                    continue
                try:
                    when = datetime.fromisoformat(str(data["time"]).replace("Z", "+00:00"))
                except (KeyError, ValueError):
                    unreadable += 1
                    continue
                if when.tzinfo is None:
                    when = when.replace(tzinfo=UTC)
                if since is not None and when < since:
                    continue
                entries.append(Entry(when, str(data.get("component", component)), data))
    entries.sort(key=lambda e: e.time)  # stable: a file's own order holds within a second
    return entries, unreadable


def _lines(path: Path) -> Iterator[dict[str, Any] | None]:
    try:
        with path.open(encoding="utf-8", errors="replace") as fh:
            for raw in fh:
                raw = raw.strip()
                if not raw:
                    continue
                try:
                    data = json.loads(raw)
                except ValueError:  # a line cut short by a crash or a power cut
                    yield None
                    continue
                yield data if isinstance(data, dict) else None
    except OSError:
        return


def format_entry(entry: Entry) -> str:
    d = entry.data
    local = entry.time.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    text = f"{local}  {str(d.get('level', '?')):<7}  {entry.component:<6}  " \
           f"{d.get('logger', '?')}: {d.get('message', '')}"
    if d.get("exc_type"):
        text += f"  [{d['exc_type']}{' at ' + d['exc_where'] if d.get('exc_where') else ''}]"
    return text
