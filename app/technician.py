"""`kiosk set-pin` and `kiosk audit`: the technician's PIN and what technicians did."""

from __future__ import annotations

import argparse
import getpass
import hmac
import json
import os
import sys
from datetime import datetime
from pathlib import Path

from app.registry import Command, with_config
from kiosk import config, logs
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from kiosk.technician import AUDIT_FILE, PIN_FILE, audit, pin_problem, read_audit, set_pin


def set_pin_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--stdin", action="store_true",
                        help="read the PIN from the first line of standard input (no prompt)")


def audit_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN",
                        help="only lines newer than this: 30m, 1h, 2d, or 2026-11-26T08:00 (local)")
    parser.add_argument("--json", action="store_true", help="print the lines as JSON lines")


def _read_new_pin(from_stdin: bool) -> tuple[str | None, str | None]:
    """(pin, None) or (None, why not)."""
    if from_stdin:
        line = sys.stdin.readline()
        return line.rstrip("\r\n").strip(), None
    try:
        first = getpass.getpass("new technician PIN (6-12 digits): ")
        problem = pin_problem(first)
        if problem:
            return None, problem
        second = getpass.getpass("the same PIN again: ")
    except (EOFError, KeyboardInterrupt):
        return None, "no PIN given"
    if not hmac.compare_digest(first.encode(), second.encode()):
        return None, "the two PINs differ; nothing changed"
    return first, None


@with_config
def run(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    name = f"kiosk {args.command}"
    if args.command == "audit":
        try:
            since = logs.parse_since(args.since) if args.since else None
        except ValueError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_INVALID
        lines, unreadable = read_audit(loaded.data_dir, since)
        try:
            for line in lines:
                if args.json:
                    print(json.dumps(line, ensure_ascii=False))
                    continue
                when = datetime.fromisoformat(line["when"].replace("Z", "+00:00")).astimezone()
                extra = "  ".join(f"{k}={v}" for k, v in line.items()
                                  if k not in ("when", "who", "what", "terminal"))
                print(f"{when:%Y-%m-%d %H:%M:%S}  {line.get('terminal', '?')}  "
                      f"{line.get('who', '?')}  {line.get('what', '?')}  {extra}".rstrip())
            sys.stdout.flush()
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return EXIT_OK
        if not (Path(loaded.data_dir) / AUDIT_FILE).exists():
            print(f"{name}: no audit log yet in {loaded.data_dir}", file=sys.stderr)
        if unreadable:
            print(f"{name}: {unreadable} unreadable line(s) skipped", file=sys.stderr)
        return EXIT_OK
    pin, why = _read_new_pin(args.stdin)
    if pin is not None:
        why = pin_problem(pin)
    if why:
        print(f"{name}: {why}", file=sys.stderr)
        return EXIT_INVALID
    assert pin is not None
    try:
        set_pin(loaded.data_dir, pin)
        audit(loaded.data_dir, loaded.config.terminal.id, "set_pin")
    except OSError as exc:
        print(f"{name}: cannot write to {loaded.data_dir}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"technician PIN set for terminal {loaded.config.terminal.id} "
          f"(stored as a salted scrypt hash in {Path(loaded.data_dir) / PIN_FILE})")
    return EXIT_OK


COMMANDS = (
    Command("set-pin", "set the technician PIN of this terminal (6-12 digits)", run,
            set_pin_arguments),
    Command("audit", "print the technician audit log", run, audit_arguments),
)
