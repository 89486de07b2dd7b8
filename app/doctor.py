"""`kiosk doctor`, and the technician screen's network test: the core's checks with
the delivery side's (network, TLS, clock, enrollment) and the UI's (Qt, fonts,
keyboard, speech) handed in.

A side that cannot be imported (the UI extra not installed, a bundle without Qt)
is itself one failed check with what to install, never a crash.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable

from app.registry import Command, load_config
from kiosk import config, doctor
from kiosk.doctor import FAIL, PASS, Check, Context, Result
from kiosk.technician import Reach

# The modules with more checks, each with a `checks(ctx) -> list[Check]`.
SIDES = ("sync.doctor_checks", "ui.doctor_checks")


def _side_missing(module: str, exc: ImportError) -> Check:
    """A module of checks that cannot load is itself a failed check, with what to install."""
    missing = getattr(exc, "name", None) or str(exc)
    frozen = getattr(sys, "frozen", False)
    if module.startswith("ui."):
        name, what = "qt", "Qt (PySide6)"
        fix = ("reinstall the kiosk package: the bundle lacks Qt" if frozen
               else "pip install 'petition-kiosk[ui]' (or `make run`, which sets it up)")
    else:
        name, what = "network", "the network client"
        fix = ("reinstall the kiosk package" if frozen else "pip install petition-kiosk")
    found = f"{what} cannot be loaded ({type(exc).__name__}: {missing}); its checks did not run"
    return Check(name, lambda: Result(FAIL, found, fix), timeout=1)


def side_checks(module: str, ctx: Context) -> list[Check]:
    try:
        side = importlib.import_module(module)
    except ImportError as exc:
        return [_side_missing(module, exc)]
    return side.checks(ctx)


def all_checks(ctx: Context) -> list[Check]:
    checks = doctor.core_checks(ctx)
    for module in SIDES:
        checks += side_checks(module, ctx)
    return checks


def network_test(loaded: config.LoadedConfig) -> list[Reach]:
    """The doctor's reachability checks (DNS + TCP) to every configured platform, with
    their own timeouts, for the technician screen. Slow: call it off the GUI thread."""
    checks = [c for c in side_checks("sync.doctor_checks", doctor.Context(loaded))
              if c.name.startswith("reach:") or c.name == "network"]
    names = {p.id: p.name for p in loaded.config.platforms}
    out = []
    for outcome in doctor.run_checks(checks):
        if outcome.name == "network":  # the delivery side itself is missing
            out.append(Reach("reach", "", False, outcome.result.found))
        if not outcome.name.startswith("reach:"):
            continue
        pid = outcome.name.split(":")[1]
        out.append(Reach(outcome.name, names.get(pid, pid), outcome.result.status == PASS,
                         outcome.result.found))
    return out


def network_test_for(loaded: config.LoadedConfig) -> Callable[[], list[Reach]]:
    return lambda: network_test(loaded)


def doctor_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the results as JSON")


def run_doctor(args: argparse.Namespace) -> int:
    """Runs every check and prints one line each; exit 1 when any check failed. A broken
    configuration is one failed check among the others, not an early exit."""
    config_arg = getattr(args, "config", None)
    demo_flag = bool(getattr(args, "demo", False))
    try:
        ctx = Context(load_config(args), None, config_arg, demo_flag)
    except config.ConfigError as exc:
        ctx = Context(None, exc, config_arg, demo_flag)
    start = time.monotonic()
    outcomes = doctor.run_checks(all_checks(ctx))
    return doctor.report(outcomes, time.monotonic() - start, as_json=args.json)


COMMANDS = (
    Command("doctor",
            "check this terminal (configuration, storage, platforms, Qt) and say how to fix it",
            run_doctor, doctor_arguments),
)
