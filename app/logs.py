"""`kiosk logs`: the JSON-lines logs of every component, merged by time."""

from __future__ import annotations

import argparse
import json
import os
import sys

from app.registry import Command, with_config
from kiosk import config
from kiosk.exits import EXIT_INVALID, EXIT_OK
from kiosk.logs import components, format_entry, log_dir, parse_since, read_entries


def logs_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--since", metavar="WHEN",
                        help="only lines newer than this: 30m, 1h, 2d, or 2026-11-26T08:00 (local)")
    parser.add_argument("--component", action="append", metavar="NAME",
                        help="only this component (ui, sync, …); may be given more than once")
    parser.add_argument("--json", action="store_true", help="print the lines as JSON lines")


@with_config
def run(args: argparse.Namespace, loaded_config: config.LoadedConfig) -> int:
    try:
        since = parse_since(args.since) if args.since else None
    except ValueError as exc:
        print(f"kiosk logs: {exc}", file=sys.stderr)
        return EXIT_INVALID
    data_dir = loaded_config.data_dir
    known = components(data_dir)
    if args.component:
        unknown = [c for c in args.component if c not in known]
        if unknown:
            print(f"kiosk logs: no logs of {', '.join(unknown)} in {log_dir(data_dir)} "
                  f"(found: {', '.join(known) or 'none'})", file=sys.stderr)
            return EXIT_INVALID
    entries, unreadable = read_entries(data_dir, since=since, only=args.component)
    try:
        for entry in entries:
            print(json.dumps(entry.data, ensure_ascii=False) if args.json else format_entry(entry))
        sys.stdout.flush()
    except BrokenPipeError:  # `kiosk logs | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    if not known:
        print(f"kiosk logs: no logs yet in {log_dir(data_dir)}", file=sys.stderr)
    if unreadable:
        print(f"kiosk logs: {unreadable} unreadable line(s) skipped", file=sys.stderr)
    return EXIT_OK


COMMANDS = (
    Command("logs", "print the logs of every component, merged by time", run, logs_arguments),
)
