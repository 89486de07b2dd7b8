"""`kiosk case`: a case's progress from the platform, as the query screen would show it.

Without `--phone-last4` the terminal reads as one of the case's jurisdiction (its own
cases, or its area's); with it, as a citizen showing the query code of the receipt
and the last 4 digits of the phone number given in the submission. Either way the
platform says "no such case" for a case this terminal may not read.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.registry import Command, with_config
from kiosk import config
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def case_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("query_code", metavar="QUERY_CODE",
                        help="the 8-character query code on the receipt")
    parser.add_argument("--phone-last4", metavar="DIGITS",
                        help="the last 4 digits of the phone number given in the submission "
                             "(a citizen's read, on any terminal)")
    parser.add_argument("--json", action="store_true", help="print the CaseProgress JSON")


@with_config
def case(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from sync import answers, enrollment
    from sync.client import PlatformClient, Unreachable
    from wire import schemas

    try:
        if args.phone_last4 is None:
            code, query = schemas.normalize_query_code(args.query_code), None
        else:
            query = schemas.case_query(args.query_code, args.phone_last4)
            code = query.query_code
    except ValueError as exc:
        print(f"kiosk case: {exc}", file=sys.stderr)
        return EXIT_INVALID
    cfg = loaded.config
    try:
        enrolled = enrollment.load(loaded.data_dir)
        platform_key = enrollment.require_platform_key(enrolled)  # the answer is verified
    except enrollment.NotEnrolled as exc:
        print(f"kiosk case: {exc}", file=sys.stderr)
        return EXIT_FAILED
    api_url = str(cfg.delivery_platform.api_url)
    client = PlatformClient(api_url, cfg.terminal.id, enrolled.signing_key,
                            platform_key=platform_key,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=cfg.sync.read_timeout_seconds)
    try:
        answer = client.case(code) if query is None else client.case_query(query)
    except Unreachable as exc:
        print(f"kiosk case: cannot reach {api_url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        client.close()
    try:
        reading = answers.case_reading(answer)
    except ValueError as exc:
        print(f"kiosk case: refused by {api_url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if reading.retry_after is not None:
        print(f"kiosk case: too many failed reads; try again in {reading.retry_after:.0f} s",
              file=sys.stderr)
        return EXIT_FAILED
    if reading.progress is None:
        which = ("and these phone digits" if query is not None
                 else "that this terminal may read (a citizen's: add --phone-last4)")
        print(f"kiosk case: no case with this query code {which}", file=sys.stderr)
        return EXIT_FAILED
    progress = reading.progress
    if args.json:
        print(json.dumps(progress.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{progress.case_no}  {progress.status_label} ({progress.status})")
    for event in progress.history:
        note = f"  {event.note}" if event.note else ""
        print(f"  {event.at.isoformat(timespec='seconds')}  {event.status_label}{note}")
    return EXIT_OK


COMMANDS = (
    Command("case", "a case's progress from the platform, by its query code", case,
            case_arguments),
)
