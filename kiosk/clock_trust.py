"""How far this terminal can trust its own clock, and how long it has been cut off from
the platform ([offline.md](../docs/offline.md)).

A proxy station may go weeks without network, yet the platform judges time limits on
the moment a submission was confirmed here. So the terminal keeps, in one small durable
file of the data directory (`clock-trust.json`, `wire.durable`; nothing personal):

- the offset it last learned from the platform (platform minus local, as
  `sync.client.PlatformClock` measures it) with the platform's time, the local wall time,
  the boot id and the boot-time clock (`CLOCK_BOOTTIME`: counts suspend, never set by
  anyone) at that moment, and the measurement's own uncertainty;
- a high-water mark of the wall time seen, so a clock that went back (a dead RTC
  battery back to 2000) is noticed across reboots;
- a standing disturbance (a jump or a reset seen since that learn), so a reboot after
  someone set the clock does not hide it;
- when the platform was last reached (the last verified exchange).

Only the delivery writes it (`Keeper`, from the sync worker: one process per data
directory); the confirm and the screens read it (`assess`, `station_contact`).

The states (`assess`):

- `synced` — learned in this boot less than `SYNCED_FOR` ago, and the wall clock moved
  with the boot-time clock since (within `JUMP_TOLERANCE`);
- `drifting` — learned long ago or before a reboot: the offset still holds, but the
  bound grows with `DRIFT_RATE` (20 ppm, about 1.7 s a day: a plain quartz crystal's
  specification at room temperature), plus `REBOOT_MARGIN` once the boot changed;
- `jumped` — the wall clock moved differently from the boot-time clock since the learn by
  more than the tolerance: someone set the clock, or a time daemon stepped it;
- `reset` — the wall clock is earlier than a time already seen (high-water mark);
- `unknown` — never learned from the platform.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from wire import durable, schemas

log = logging.getLogger(__name__)

TRUST_FILE = "clock-trust.json"
BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"

DRIFT_RATE = 20e-6  # seconds per second: 20 ppm, ~1.7 s a day
SYNCED_FOR = 86400.0  # learned within a day of this boot: synced (bound ≤ ~2 s)
JUMP_TOLERANCE = 5.0  # wall and boot-time clock apart by more (beyond the drift): a jump
RESET_TOLERANCE = 120.0  # wall clock this much earlier than a time seen: a reset
REBOOT_MARGIN = 2.0  # the RTC is read with whole seconds at boot (and may lag a little)
# How often the keeper writes at most, when nothing else changed: a learn, a mark.
LEARN_EVERY = 60.0
MARK_EVERY = 3600.0

SYNCED, DRIFTING, JUMPED, RESET, UNKNOWN = "synced", "drifting", "jumped", "reset", "unknown"
STATES = (SYNCED, DRIFTING, JUMPED, RESET, UNKNOWN)
TRUSTED = (SYNCED, DRIFTING)


# --- the moment ------------------------------------------------------------------------------


def boot_id() -> str:
    """This boot's id (changes at every boot); "" where the kernel does not say."""
    try:
        return Path(BOOT_ID_FILE).read_text(encoding="ascii").strip()
    except OSError:
        return ""


def boot_time() -> float:
    """Seconds since boot, suspend included (CLOCK_BOOTTIME; monotonic elsewhere)."""
    clock = getattr(time, "CLOCK_BOOTTIME", None)
    return time.clock_gettime(clock) if clock is not None else time.monotonic()


@dataclass(frozen=True)
class Reading:
    """One moment as this machine tells it: the wall clock and the clocks nobody sets."""

    wall: float  # seconds since the epoch, this terminal's (maybe wrong) clock
    boot: str
    since_boot: float

    @classmethod
    def now(cls, wall: float | None = None) -> Reading:
        return cls(time.time() if wall is None else wall, boot_id(), boot_time())


# --- the file --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Learned:
    """The offset as last learned from the platform, and the moment it was learned."""

    offset: float  # platform minus local, seconds (as `PlatformClock.offset`)
    platform_time: float
    local_time: float
    boot: str
    since_boot: float
    uncertainty: float  # half the round trip plus the platform time's resolution


@dataclass(frozen=True)
class Record:
    learned: Learned | None = None
    high_water: float | None = None  # the latest wall time seen since the learn
    disturbed: str | None = None  # JUMPED or RESET, seen since the learn
    disturbed_at: float | None = None  # wall time when it was seen
    last_reached: float | None = None  # the platform's time of the last verified exchange
    last_reached_local: Reading | None = None  # this machine's reading then


def _path(data_dir: Path) -> Path:
    return Path(data_dir) / TRUST_FILE


def load(data_dir: Path) -> Record:
    """The record; an empty one when there is none or it cannot be read (then the clock
    is `unknown`: never trusted on a damaged file's word)."""
    try:
        raw = json.loads(_path(data_dir).read_text(encoding="utf-8"))
        learned = raw.get("learned")
        reached = raw.get("last_reached_local")
        return Record(
            learned=Learned(**learned) if learned else None,
            high_water=raw.get("high_water"), disturbed=raw.get("disturbed"),
            disturbed_at=raw.get("disturbed_at"), last_reached=raw.get("last_reached"),
            last_reached_local=Reading(**reached) if reached else None)
    except FileNotFoundError:
        return Record()
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        log.warning("clock trust file unreadable, the clock counts as unknown: %s",
                    type(exc).__name__)
        return Record()


def save(data_dir: Path, record: Record) -> None:
    def plain(value: Any) -> Any:
        return value.__dict__ if isinstance(value, Learned | Reading) else value

    Path(data_dir).mkdir(mode=0o700, parents=True, exist_ok=True)
    durable.write_file(_path(data_dir), json.dumps({k: plain(v) for k, v in
                                                    record.__dict__.items()}), mode=0o644)


# --- the judgement ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Trust:
    state: str  # one of STATES
    offset: float | None = None  # platform minus local, seconds; None when unknown
    bound: float | None = None  # ± seconds the corrected time may be off (trusted states)
    learned_at: datetime | None = None  # the platform's time when the offset was learned
    since_learned: float | None = None  # seconds

    @property
    def trusted(self) -> bool:
        return self.state in TRUSTED

    def platform_time(self, wall: float) -> float | None:
        """The platform's time for a wall-clock reading, when the offset holds."""
        return wall + self.offset if self.trusted and self.offset is not None else None


def _elapsed(learned: Learned, now: Reading) -> tuple[float, bool]:
    """Seconds since the learn and whether the boot-time clock measured them."""
    if learned.boot and learned.boot == now.boot and now.since_boot >= learned.since_boot:
        return now.since_boot - learned.since_boot, True
    return max(0.0, now.wall - learned.local_time), False


def assess(record: Record, now: Reading) -> Trust:
    """How far the clock can be trusted at `now` (see the module's states)."""
    learned = record.learned
    marks = [m for m in (record.high_water, learned.local_time if learned else None)
             if m is not None]
    reset = bool(marks) and now.wall < max(marks) - RESET_TOLERANCE
    if learned is None:
        return Trust(RESET if reset else UNKNOWN)
    learned_at = datetime.fromtimestamp(learned.platform_time, UTC)
    elapsed, same_boot = _elapsed(learned, now)
    kept = {"offset": learned.offset, "learned_at": learned_at, "since_learned": elapsed}
    if reset or record.disturbed == RESET:
        return Trust(RESET, **kept)
    if same_boot:
        moved_apart = abs((now.wall - learned.local_time) - elapsed)
        if moved_apart > JUMP_TOLERANCE + DRIFT_RATE * elapsed:
            return Trust(JUMPED, **kept)
    if record.disturbed == JUMPED:
        return Trust(JUMPED, **kept)
    bound = learned.uncertainty + DRIFT_RATE * elapsed + (0.0 if same_boot else REBOOT_MARGIN)
    state = SYNCED if same_boot and elapsed <= SYNCED_FOR else DRIFTING
    return Trust(state, bound=bound, **kept)


def current(data_dir: Path, wall: float | None = None) -> Trust:
    return assess(load(data_dir), Reading.now(wall))


def confirmation_clock(trust: Trust, confirmed_at: datetime) -> dict[str, Any]:
    """What a confirm records with its submission (store column `clock_trust`, and the
    wire's `ConfirmationClock`): the local confirmation time, the state, the offset in
    the wire's sign (terminal minus platform), the bound, when it was learned."""
    return {
        "confirmed_local": confirmed_at.astimezone(UTC).isoformat(),
        "state": trust.state,
        "offset_seconds": None if trust.offset is None else round(-trust.offset, 3),
        "bound_seconds": None if trust.bound is None else round(trust.bound, 3),
        "learned_at": trust.learned_at.isoformat() if trust.learned_at else None,
    }


def wire_record(kept: dict[str, Any] | None) -> schemas.ConfirmationClock | None:
    """The stored record as the wire carries it (None: confirmed before it was kept)."""
    return schemas.ConfirmationClock.model_validate(kept) if kept else None


# --- the keeper (the delivery's side) --------------------------------------------------------


@dataclass
class Keeper:
    """Keeps the file up to date from the sync worker: `learned` on every verified answer
    that tells the platform's time (written at most every `LEARN_EVERY` unless the offset
    moved), `seen` from the worker's loop (a disturbance written at once, the high-water
    mark at most every `MARK_EVERY`). `local` is the same clock `PlatformClock` reads."""

    data_dir: Path
    local: Callable[[], float] = time.time
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    _written_at: float = field(default=-math.inf, repr=False)  # boot-time clock

    def learned(self, offset: float, platform_time: float, sent: float, received: float,
                uncertainty: float) -> None:
        reading = Reading(received, boot_id(), boot_time())
        with self._lock:
            record = load(self.data_dir)
            old = record.learned
            fresh = Learned(offset=offset, platform_time=platform_time, local_time=received,
                            boot=reading.boot, since_boot=reading.since_boot,
                            uncertainty=uncertainty)
            moved = old is None or old.boot != fresh.boot or record.disturbed is not None \
                or abs(old.offset - offset) > max(1.0, uncertainty) \
                or assess(record, reading).state not in TRUSTED
            if not moved and reading.since_boot - self._written_at < LEARN_EVERY:
                return
            self._write(Record(learned=fresh, high_water=received, last_reached=platform_time,
                               last_reached_local=reading), reading)

    def seen(self) -> Trust:
        """Looks at the clock now (the worker's loop); returns the trust."""
        reading = Reading(self.local(), boot_id(), boot_time())
        with self._lock:
            record = load(self.data_dir)
            trust = assess(record, reading)
            if trust.state in (JUMPED, RESET) and record.disturbed != trust.state:
                log.warning("this terminal's clock was %s since it last learned the "
                            "platform's time; confirmations are flagged until it learns again",
                            "set back" if trust.state == RESET else "set or stepped")
                self._write(_replace(record, disturbed=trust.state, disturbed_at=reading.wall),
                            reading)
            elif (trust.state != RESET and reading.wall > (record.high_water or -math.inf)
                  and reading.since_boot - self._written_at >= MARK_EVERY):
                self._write(_replace(record, high_water=reading.wall), reading)
        return trust

    def _write(self, record: Record, reading: Reading) -> None:
        try:
            save(self.data_dir, record)
            self._written_at = reading.since_boot
        except OSError as exc:
            log.warning("clock trust file not written: %s", exc.strerror or exc)


def _replace(record: Record, **changes: Any) -> Record:
    return Record(**{**record.__dict__, **changes})


# --- cut off since ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Contact:
    """When this station last reached the platform, and what the clock is worth now."""

    last_reached_at: datetime | None  # the platform's time of the last verified exchange
    cut_off_seconds: float | None  # since then (None: never reached, or cannot tell)
    trust: Trust
    words: str  # 已 3 天 5 小时未连上平台 / 刚刚连上平台 / 从未连上平台
    clock_words: str  # 本机时钟：可信 / 可能不准（…）/ 曾被调整 / …

    def as_dict(self) -> dict[str, Any]:
        return {
            "last_reached_at": self.last_reached_at.isoformat() if self.last_reached_at else None,
            "cut_off_seconds": None if self.cut_off_seconds is None
            else round(self.cut_off_seconds),
            "words": self.words, "clock_state": self.trust.state,
            "clock_bound_seconds": None if self.trust.bound is None
            else round(self.trust.bound, 1),
            "clock_words": self.clock_words,
        }


def duration_words(seconds: float) -> str:
    """3 天 5 小时 / 5 小时 12 分钟 / 12 分钟."""
    minutes = int(seconds // 60)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return f"{days} 天 {hours} 小时" if hours else f"{days} 天"
    if hours:
        return f"{hours} 小时 {mins} 分钟" if mins else f"{hours} 小时"
    return f"{max(1, mins)} 分钟"


CONNECTED_WITHIN = 300.0  # reached this recently: 刚刚连上平台


def _cut_off(record: Record, now: Reading) -> float | None:
    then = record.last_reached_local
    if then is None:
        return None
    if then.boot and then.boot == now.boot and now.since_boot >= then.since_boot:
        return now.since_boot - then.since_boot  # whatever anyone did to the wall clock
    return now.wall - then.wall if now.wall >= then.wall else None


def clock_words(trust: Trust, cut_off_seconds: float | None) -> str:
    if trust.state == SYNCED:
        return "本机时钟：可信"
    if trust.state == DRIFTING:
        days = int((cut_off_seconds if cut_off_seconds is not None
                    else trust.since_learned or 0) // 86400)
        bound = math.ceil(trust.bound or 0)
        return f"本机时钟：可能不准（已离线 {days} 天，误差可能达 ±{bound} 秒）"
    if trust.state == JUMPED:
        return "本机时钟：曾被调整（连上平台后会重新校准）"
    if trust.state == RESET:
        return "本机时钟：曾被调回过去（可能是主板电池没电，请校准时间）"
    return "本机时钟：还没有和平台对过时间"


def station_contact(data_dir: Path, now: Reading | None = None) -> Contact:
    """The one answer to "when did this station last reach the platform, for how long has
    it been cut off, and how far can its clock be trusted" — for the technician screen,
    `kiosk status`, the doctor and the agent's list alike."""
    record = load(data_dir)
    now = now or Reading.now()
    trust = assess(record, now)
    gone = _cut_off(record, now)
    reached = datetime.fromtimestamp(record.last_reached, UTC) \
        if record.last_reached is not None else None
    if reached is None:
        words = "从未连上平台"
    elif gone is None:
        words = "上次连上平台的时间无法确定（本机时钟被调回过去）"
    elif gone < CONNECTED_WITHIN:
        words = "刚刚连上平台"
    else:
        words = f"已 {duration_words(gone)}未连上平台"
    return Contact(reached, gone, trust, words, clock_words(trust, gone))

