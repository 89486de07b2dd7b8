"""`kiosk doctor`: what is wrong with this terminal, and the exact fix, one line per check.

The runner and the checks that need neither Qt nor the network live here. The Qt
checks (`ui/doctor_checks.py`) and the network checks (`sync/doctor_checks.py`)
are handed in by the `kiosk` command (`app/doctor.py`), so the core
imports neither, and a terminal without Qt gets a failed check with its fix
instead of a crash.

Every check has its own timeout; they run in threads at once (Qt checks on the
main thread, where the application object lives), so the whole run stays within
about 15 s even when a platform never answers.
"""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk import clock_trust, config, ink, paths
from kiosk.exits import EXIT_FAILED, EXIT_OK

PASS, WARN, FAIL, SKIP = "PASS", "WARN", "FAIL", "SKIP"
MiB = 1024 * 1024
GiB = 1024 * MiB
DISK_WARN_BYTES = 1 * GiB
DISK_FAIL_BYTES = 200 * MiB

@dataclass(frozen=True)
class Result:
    status: str  # PASS / WARN / FAIL / SKIP
    found: str  # what the check saw, in one line
    fix: str | None = None  # for WARN and FAIL: a command to run or a configuration key to set


@dataclass(frozen=True)
class Check:
    name: str
    run: Callable[[], Result]
    timeout: float = 5.0
    # Qt objects belong to the thread that made the application: such checks run in
    # order on the main thread (and bound their own waits).
    main_thread: bool = False
    # Checks that must have passed (or warned) first; otherwise this one is skipped,
    # so one cause (say, an unreachable platform) gives one FAIL, not three.
    needs: tuple[str, ...] = ()
    needs_pass: bool = False  # a WARN of a prerequisite blocks too (an unreachable web address)
    timeout_fix: str | None = None


@dataclass
class Context:
    """What every check may look at: the configuration (or why it could not be read)."""

    loaded: config.LoadedConfig | None
    config_error: config.ConfigError | None = None
    config_arg: Path | None = None  # --config as given, to repeat it in suggested commands
    demo_flag: bool = False

    @property
    def data_dir(self) -> Path | None:
        return self.loaded.data_dir if self.loaded else None

    def app(self, rest: str) -> str:
        """`kiosk REST` as the technician must type it to act on the same configuration."""
        if self.demo_flag:
            return f"kiosk --demo {rest}"
        if self.config_arg is not None:
            return f"kiosk --config {shlex.quote(str(self.config_arg))} {rest}"
        return f"kiosk {rest}"

    def config_file(self) -> str:
        if self.loaded is not None and self.loaded.source is not None:
            return str(self.loaded.source)
        return str(paths.SYSTEM_CONFIG)


@dataclass
class Outcome:
    name: str
    result: Result
    seconds: float
    counted: bool = True


def _qualified(path: Path) -> str:
    return shlex.quote(str(path))


# --- checks without Qt or the network -----------------------------------------------------


def check_config(ctx: Context) -> Result:
    if ctx.config_error is not None:
        exc = ctx.config_error
        where = str(exc.source) if exc.source else "demo configuration"
        return Result(FAIL, f"{where}: " + "; ".join(exc.problems),
                      f"correct the key(s) named in {where} (example: docs/examples/kiosk.toml); "
                      f"`{ctx.app('config check')}` lists them")
    assert ctx.loaded is not None
    cfg = ctx.loaded.config
    summary = (f"terminal {cfg.terminal.id}, delivers to {cfg.delivery_platform.id} "
               f"at {cfg.delivery_platform.api_url}")
    if ctx.loaded.is_demo:
        return Result(WARN, f"built-in demo default ({summary}): no --config, ${config.ENV_VAR} "
                            f"or {paths.SYSTEM_CONFIG}",
                      f"write {paths.SYSTEM_CONFIG} (example: docs/examples/kiosk.toml)")
    return Result(PASS, f"{ctx.loaded.source}: valid; {summary}")


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def check_data_dir(ctx: Context) -> Result:
    data_dir = ctx.data_dir
    assert data_dir is not None
    user = _user()
    if not data_dir.exists():
        ancestor = _existing_ancestor(data_dir)
        if os.access(ancestor, os.W_OK):
            return Result(WARN, f"{data_dir} does not exist yet (made at first start)",
                          f"{ctx.app('status')} (creates it)")
        return Result(FAIL, f"{data_dir} does not exist and {ancestor} is not writable by {user}",
                      f"sudo install -d -o {user} -m 0700 {_qualified(data_dir)}")
    if not data_dir.is_dir():
        return Result(FAIL, f"{data_dir} is not a directory",
                      f"move it away, or set [data] dir in {ctx.config_file()}")
    try:
        # A real write with fsync: a read-only remount or a full disk shows up here.
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-", delete=True) as fh:
            fh.write(b"kiosk doctor\n")
            fh.flush()
            os.fsync(fh.fileno())
    except OSError as exc:
        return Result(FAIL, f"{data_dir}: cannot write as {user}: {exc.strerror or exc}",
                      f"sudo chown -R {user} {_qualified(data_dir)}  (or check the file system "
                      "is mounted read-write)")
    return Result(PASS, f"{data_dir} writable by {user}")


def _user() -> str:
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


def _size(n: float) -> str:
    if n >= GiB:
        return f"{n / GiB:.1f} GiB"
    return f"{n / MiB:.0f} MiB"


def check_disk(ctx: Context) -> Result:
    assert ctx.data_dir is not None and ctx.loaded is not None
    where = _existing_ancestor(ctx.data_dir)
    st = os.statvfs(where)
    free = st.f_bavail * st.f_frsize
    found = f"{_size(free)} free for {where}"
    fix = (f"free space on that file system, or keep delivered items for fewer days: "
           f"[sync] retention_days in {ctx.config_file()} "
           f"(now {ctx.loaded.config.sync.retention_days})")
    if free < DISK_FAIL_BYTES:
        return Result(FAIL, found + f" (below {_size(DISK_FAIL_BYTES)})", fix)
    if free < DISK_WARN_BYTES:
        return Result(WARN, found + f" (below {_size(DISK_WARN_BYTES)})", fix)
    return Result(PASS, found)


def check_database(ctx: Context) -> Result:
    assert ctx.loaded is not None
    db = ctx.loaded.db_path
    if not db.exists():
        return Result(WARN, f"{db} does not exist yet (made at first start)",
                      f"{ctx.app('status')} (creates and migrates it)")
    recover = (f"{ctx.app('recover')} (moves the damaged file aside, starts a fresh "
               "database and puts back every submission still readable; docs/doctor.md#database)")
    from kiosk.store import recovery

    try:
        damage = recovery.find_damage(db)
    except sqlite3.Error as exc:
        return Result(FAIL, f"{db}: cannot be read: {exc}", "check the disk and the file's owner")
    if damage is not None:
        return Result(FAIL, f"{db}: damaged: {damage[:300]}", recover)
    waiting = [f for f in recovery.damaged_folders(ctx.loaded.data_dir)
               if not (f / recovery.RECOVERED_FILE).exists()]
    if waiting:
        return Result(WARN, f"{len(waiting)} damaged database(s) moved aside and not read back yet "
                            f"({', '.join(f.name for f in waiting)})", recover)

    from kiosk.store import current_revision, head_revision

    try:
        head = head_revision()
        current = current_revision(db)
    except Exception as exc:  # alembic or SQLAlchemy: any failure here is the finding
        return Result(FAIL, f"{db}: integrity ok, but its schema revision cannot be read: "
                            f"{type(exc).__name__}: {exc}", recover)
    if current == head:
        return Result(PASS, f"{db}: integrity ok; schema at head ({head})")
    if current is None:
        return Result(WARN, f"{db}: integrity ok; never migrated",
                      f"{ctx.app('status')} (migrates it)")
    if _is_known_revision(current):
        return Result(WARN, f"{db}: integrity ok; schema at {current}, this software's head is "
                            f"{head} (migrated at the next start)",
                      f"{ctx.app('status')} (migrates it now)")
    return Result(FAIL, f"{db}: schema at {current}, unknown to this software (head {head}): "
                        "written by a newer version",
                  "install the kiosk version that wrote this database (or a newer one)")


def _is_known_revision(revision: str) -> bool:
    from alembic.script import ScriptDirectory

    from kiosk.store.db import MIGRATIONS_DIR

    try:
        return ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for an unknown id
        return False


def check_outbox(ctx: Context) -> Result:
    assert ctx.loaded is not None
    from kiosk.store import Outbox, open_engine

    if not ctx.loaded.db_path.exists():
        return Result(PASS, "empty (no database yet)")
    # Not Outbox.open(): that migrates and sweeps; the doctor only looks.
    outbox = Outbox(ctx.loaded.data_dir, open_engine(ctx.loaded.db_path))
    try:
        now = datetime.now(UTC)
        st = outbox.status(now=now)
    finally:
        outbox.close()
    alert = timedelta(minutes=ctx.loaded.config.sync.alert_oldest_after_minutes)
    oldest = st.oldest_queued_age
    found = ", ".join(f"{state} {n}" for state, n in st.counts.items() if n) or "empty"
    if oldest is not None:
        found += f"; oldest waiting {format_age(oldest)}"
    problems, fixes = [], []
    if st.counts.get("needs_attention"):
        problems.append(f"{st.counts['needs_attention']} refused by the platform "
                        f"(last error: {st.last_error or 'none'})")
        fixes.append(f"`{ctx.app('status')}` shows the error; ask the platform operator")
    if oldest is not None and oldest > alert:
        problems.append(f"oldest waiting longer than [sync] alert_oldest_after_minutes "
                        f"({ctx.loaded.config.sync.alert_oldest_after_minutes})")
        fixes.append(f"check that `{ctx.app('sync')}` runs and the platform checks pass")
    if problems:
        return Result(WARN, found + "; " + "; ".join(problems), "; ".join(fixes))
    return Result(PASS, found)


def check_usb_stick(ctx: Context) -> Result:
    """The USB stick that carries the queue without network (docs/carry.md): only a stick
    plugged in but mounted read-only is a problem (an export would fail)."""
    from kiosk import removable

    found = removable.media()
    if not found:
        return Result(PASS, "no USB stick plugged in (needed only to carry the queue "
                            "without network: kiosk carry export DIR)")
    read_only = [point for point, writable in found if not writable]
    listed = ", ".join(f"{point}{'' if writable else ' (read-only)'}"
                       for point, writable in found)
    if read_only:
        return Result(WARN, f"USB stick(s): {listed}: an export cannot write there",
                      f"remount it writable: sudo mount -o remount,rw {_qualified(read_only[0])} "
                      "(or unlock the stick's write-protect switch)")
    return Result(PASS, f"USB stick(s) writable: {listed}")


SET_THE_CLOCK = ("set the clock (sudo timedatectl set-ntp true, or by hand: sudo date -s "
                 "'YYYY-MM-DD HH:MM:SS'), then let the terminal reach the platform once")


def check_clock_trust(ctx: Context, now: clock_trust.Reading | None = None) -> Result:
    """How far this terminal can trust its clock without asking anyone
    (`kiosk/clock_trust.py`): what it last learned from the platform and what the clocks
    nobody sets say since. The `clock` check (delivery side) compares with the platform."""
    assert ctx.loaded is not None
    contact = clock_trust.station_contact(ctx.loaded.data_dir, now)
    trust = contact.trust
    reached = (f"; platform last reached {contact.last_reached_at:%Y-%m-%d %H:%M} UTC"
               if contact.last_reached_at else "; never reached the platform")
    if trust.state == clock_trust.SYNCED:
        return Result(PASS, f"clock trusted: offset to the platform {-(trust.offset or 0):+.0f} s "
                            f"(this clock minus the platform's), ±{trust.bound or 0:.1f} s{reached}")
    sync_once = (f"let the terminal reach the platform once (network, then "
                 f"`{ctx.app('sync --once')}`) so it learns the platform's time again")
    if trust.state == clock_trust.DRIFTING:
        days = (trust.since_learned or 0) / 86400
        return Result(WARN, f"clock not checked against the platform for {days:.0f} d: "
                            f"confirmations may be off by up to ±{trust.bound or 0:.0f} s "
                            f"(drift {clock_trust.DRIFT_RATE * 1e6:.0f} ppm){reached}", sync_once)
    if trust.state == clock_trust.JUMPED:
        return Result(FAIL, "the clock was set or stepped since it last learned the platform's "
                            f"time: confirmations are flagged as untrusted{reached}", sync_once)
    if trust.state == clock_trust.RESET:
        return Result(FAIL, "the clock is earlier than a time already seen (went back: a dead "
                            "mainboard battery resets it to 2000 or 1970): confirmations are "
                            f"flagged as untrusted{reached}",
                      f"{SET_THE_CLOCK}; if it happens after each power cut, replace the "
                      "mainboard's coin cell (CR2032)")
    return Result(WARN, f"the clock was never checked against the platform{reached}", sync_once)


def format_age(delta: timedelta) -> str:
    """A waiting time as a technician reads it: 45 s, 12 min, 5 h, 3 d."""
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


# 十 drawn as two straight strokes: what a working library and model put first.
HANDWRITING_PROBE = ([[(100.0, 500.0), (900.0, 500.0)], [(500.0, 100.0), (500.0, 900.0)]], "十")


def check_handwriting(ctx: Context) -> Result:
    """手写: the library loads, the model opens, and a known character is recognised."""
    assert ctx.loaded is not None
    settings = ctx.loaded.config.handwriting
    try:
        with ink.Recognizer(settings.model, settings.library) as recognizer:
            strokes, expected = HANDWRITING_PROBE
            found = recognizer.characters(strokes)
    except ink.InkError as e:
        what, _, fix = e.detail.partition("; fix: ")
        return Result(FAIL, what, fix or None)
    if found[:1] != [expected]:
        return Result(FAIL, f"{settings.model} answers {''.join(found[:3]) or 'nothing'} for {expected}",
                      f"reinstall the model: sudo apt-get install --reinstall {ink.DEBIAN_PACKAGES[1]},"
                      " or set [handwriting] model to the simplified-Chinese Zinnia model")
    return Result(PASS, f"{settings.library} with {settings.model}: {expected} recognised")


def check_printer(ctx: Context) -> Result:
    """The configured receipt printer answers its status request and could print now."""
    from kiosk import printing

    assert ctx.loaded is not None
    settings = ctx.loaded.config.devices.printer
    what = printing.describe(settings)
    result = printing.check(settings)
    if result.outcome == "printed":
        return Result(PASS, f"{what}: answers, paper in, cover closed")
    fix = printing.FIXES.get(result.outcome, printing.FIXES["no_answer"])
    if result.outcome == "no_answer":
        fix += f" (then: {ctx.app('doctor')})"
    return Result(FAIL, f"{what}: {result.outcome.replace('_', ' ')}"
                        + (f" ({result.detail})" if result.outcome == "no_answer" else ""), fix)


def check_agents(ctx: Context) -> Result:
    """A proxy station has at least one agent bound, and the list of them reads."""
    from kiosk import agents

    assert ctx.loaded is not None
    try:
        bound = agents.agents(ctx.loaded.data_dir)
    except agents.AgentError as exc:
        return Result(FAIL, str(exc), "bind every agent of this station again: ask the platform "
                                      "operator for codes (kiosk-receiver agent add ID) and run "
                                      "`kiosk agent bind CODE --pin PIN`")
    if not bound:
        return Result(FAIL, "a proxy station with no agent bound: nobody can sign in",
                      "ask the platform operator for a binding code (kiosk-receiver agent add ID "
                      "--name … --station …), then 绑定代办员 on the technician screen or "
                      "`kiosk agent bind CODE --pin PIN` while the terminal is online")
    return Result(PASS, f"{len(bound)} agent(s) bound: " + ", ".join(a.agent_id for a in bound))


def core_checks(ctx: Context) -> list[Check]:
    checks = [Check("config", lambda: check_config(ctx), timeout=2)]
    if ctx.loaded is None:
        return checks
    checks += [
        Check("data-dir", lambda: check_data_dir(ctx), timeout=3),
        Check("disk", lambda: check_disk(ctx), timeout=3),
        Check("database", lambda: check_database(ctx), timeout=10,
              timeout_fix="stop the kiosk and `kiosk sync` and run the doctor again "
                          "(a long write lock, or a very slow disk)"),
        Check("outbox", lambda: check_outbox(ctx), timeout=5, needs=("database",)),
        Check("handwriting", lambda: check_handwriting(ctx), timeout=5),
        Check("id-reader", lambda: check_id_reader(ctx), timeout=15,
              timeout_fix="unplug the ID-card reader and plug it in again, then run the doctor again"),
        Check("usb-stick", lambda: check_usb_stick(ctx), timeout=3),
        Check("clock-trust", lambda: check_clock_trust(ctx), timeout=2),
    ]
    if ctx.loaded.config.terminal.proxy_station:  # a hall terminal has no agents to check
        checks.append(Check("agents", lambda: check_agents(ctx), timeout=3))
    printer = ctx.loaded.config.devices.printer
    if printer.kind != "none":  # else reported as not configured (below)
        checks.append(Check("printer", lambda: check_printer(ctx),
                            timeout=printer.timeout_seconds * 3 + 2,
                            timeout_fix="the printer hangs: switch it off and on"))
    return checks


def check_id_reader(ctx: Context) -> Result:
    """[devices.id_reader]: the port opens and a find-card command gets an answer frame."""
    from kiosk.idcard import reader  # pyserial, only when the doctor runs

    settings = ctx.loaded.config.devices.id_reader if ctx.loaded else None
    if settings is None:
        return Result(SKIP, "not configured ([devices.id_reader] in the configuration adds one)")
    if settings.plugin:
        try:
            reader.plugin(settings)
        except reader.ReadFailed as exc:
            return Result(FAIL, exc.detail, "install the reader maker's Python package (pip install "
                                            "into the kiosk's environment), or correct [devices.id_reader] "
                                            "plugin to the name its entry point has (docs/devices.md)")
        return Result(PASS, f"vendor plug-in {settings.plugin} loads (a read needs a card)")
    try:
        port, card_on = reader.probe(settings)
    except reader.ReadFailed as exc:
        fixes = {
            "unavailable": "plug the reader in (USB), check its cable, and set [devices.id_reader] "
                           "port to its device (ls /dev/ttyUSB* /dev/ttyACM*) or to auto; the kiosk's "
                           "user must be in the dialout group",
            "silent": "the port opens but nothing answers: check [devices.id_reader] baud (most "
                      "readers use 115200) and that the port is the reader's, not another device's",
        }
        fix = fixes.get(exc.kind, "the reader answers with something that is no SAM frame: check "
                                  "[devices.id_reader] baud, or the reader needs its maker's plug-in")
        return Result(FAIL, f"ID-card reader: {exc.kind}: {exc.detail}", fix)
    return Result(PASS, f"SAM reader answers on {port}" + (" (a card is on it)" if card_on else ""))


# Not configurable yet: reported so a technician sees they were not forgotten.
# Devices without a section in the configuration: reported so a technician sees they were
# not forgotten; a configured one has its own check of the same name.
NOT_CONFIGURED = ("printer", "camera")


# --- the runner ---------------------------------------------------------------------------


def _guarded(check: Check) -> Result:
    try:
        return check.run()
    except Exception as exc:  # a check that crashes still gives a line, never a traceback
        return Result(FAIL, f"the check itself failed: {type(exc).__name__}: {exc}",
                      "report this with the output of `kiosk doctor --json`")


def run_checks(checks: Sequence[Check]) -> list[Outcome]:
    """Runs every check within its timeout; results in the order given."""
    start = time.monotonic()
    done: dict[str, Outcome] = {}
    events = {c.name: threading.Event() for c in checks}
    deadlines: dict[str, float] = {}
    for c in checks:  # a dependent check may wait for its prerequisites, then run its own time
        deadlines[c.name] = max([deadlines.get(n, start) for n in c.needs] + [start]) + c.timeout

    def blocked_by(c: Check) -> str | None:
        for need in c.needs:
            if need not in events:
                continue
            events[need].wait(max(0.0, deadlines[need] - time.monotonic()))
            prior = done.get(need)
            blocking = (FAIL, SKIP, WARN) if c.needs_pass else (FAIL, SKIP)
            if prior is None or prior.result.status in blocking:
                return need
        return None

    def execute(c: Check) -> None:
        t0 = time.monotonic()
        need = blocked_by(c)
        if need is not None:
            result = Result(SKIP, f"not tried: {need} did not pass")
        else:
            t0 = time.monotonic()
            result = _guarded(c)
        done[c.name] = Outcome(c.name, result, time.monotonic() - t0,
                               counted=result.status != SKIP)
        events[c.name].set()

    threads = []
    for c in checks:
        if not c.main_thread:
            # Daemon threads: a check stuck in a system call must not keep the process alive.
            t = threading.Thread(target=execute, args=(c,), name=f"doctor-{c.name}", daemon=True)
            t.start()
            threads.append(t)
    for c in checks:
        if c.main_thread:
            execute(c)
    for c in checks:
        if not c.main_thread:
            events[c.name].wait(max(0.0, deadlines[c.name] - time.monotonic()))

    outcomes = []
    for c in checks:
        outcome = done.get(c.name)
        if outcome is None:
            outcome = Outcome(c.name, Result(
                FAIL, f"no answer within {c.timeout:g} s",
                c.timeout_fix or "run the doctor again; if it repeats, see docs/doctor.md"),
                time.monotonic() - start)
        outcomes.append(outcome)
    for name in NOT_CONFIGURED:
        if name in done or any(c.name == name for c in checks):
            continue  # configured: checked above
        outcomes.append(Outcome(name, Result(SKIP, "not configured"), 0.0, counted=False))
    return outcomes


def _line(o: Outcome, width: int) -> str:
    text = f"{o.result.status}  {o.name:<{width}}  {o.result.found}"
    if o.result.fix and o.result.status in (WARN, FAIL):
        text += f"  -- fix: {o.result.fix}"
    return text


def report(outcomes: Sequence[Outcome], seconds: float, *, as_json: bool, out=None) -> int:
    out = out or sys.stdout
    failed = sum(1 for o in outcomes if o.counted and o.result.status == FAIL)
    warned = sum(1 for o in outcomes if o.counted and o.result.status == WARN)
    passed = sum(1 for o in outcomes if o.counted and o.result.status == PASS)
    if as_json:
        print(json.dumps({
            "ok": failed == 0, "failed": failed, "warnings": warned, "passed": passed,
            "seconds": round(seconds, 2),
            "checks": [{"name": o.name, "status": o.result.status, "found": o.result.found,
                        "fix": o.result.fix, "counted": o.counted,
                        "seconds": round(o.seconds, 3)} for o in outcomes],
        }, ensure_ascii=False, indent=2), file=out)
    else:
        width = max(len(o.name) for o in outcomes)
        for o in outcomes:
            print(_line(o, width), file=out)
        print(f"{failed} failed, {warned} warning(s), {passed} passed in {seconds:.1f} s", file=out)
    return EXIT_FAILED if failed else EXIT_OK
