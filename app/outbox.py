"""The local outbox from the command line: `status`, `outbox list|retry`, `migrate`,
`recover`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from app.registry import Command, with_config
from kiosk import causes, config, doctor, wake
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK

STATES = ("queued", "sending", "delivered", "needs_attention", "set_aside", "purged")


def status_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print the status as JSON")


def _status_dict(st: Any, now: datetime, contact: Any) -> dict[str, Any]:
    oldest = st.oldest_queued_age
    return {
        "platform_contact": contact.as_dict(),
        "counts": dict(st.counts),
        "total": st.total,
        "oldest_queued_age_seconds": None if oldest is None else round(oldest.total_seconds()),
        "last_error": st.last_error,
        "last_error_words": causes.explain(st.last_error).words if st.last_error else None,
        "at": now.isoformat(),
    }


@with_config
def status(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk import clock_trust
    from kiosk.store import Outbox, StoreError

    try:
        outbox = Outbox.open(loaded.data_dir)
        now = datetime.now(UTC)
        data = _status_dict(outbox.status(now=now), now,
                            clock_trust.station_contact(loaded.data_dir))
    except StoreError as exc:
        print(f"kiosk status: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"outbox: {loaded.data_dir}")
    for state, count in data["counts"].items():
        print(f"  {state:16} {count}")
    age = data["oldest_queued_age_seconds"]
    print(f"oldest queued: {'none' if age is None else doctor.format_age(timedelta(seconds=age))}")
    last = data["last_error"]
    # The technician's words first (kiosk/causes.py, as the technician screen says it), the
    # recorded English after them for a search or a bug report.
    print(f"last error: {data['last_error_words']}  [{last}]" if last else "last error: none")
    contact = data["platform_contact"]
    reached = contact["last_reached_at"] or "never"
    print(f"platform: {contact['words']} (last reached {reached})")
    print(f"clock: {contact['clock_words']} [{contact['clock_state']}]")
    return EXIT_OK


def outbox_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = actions.add_parser("list", parents=[common], help="items, newest first")
    listing.add_argument("--state", choices=STATES)
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    retry = actions.add_parser("retry", parents=[common],
                               help="send needs-attention items back to the queue")
    retry.add_argument("receipts", nargs="*", metavar="RECEIPT",
                       help="receipt numbers (spaces allowed inside one when quoted)")
    retry.add_argument("--all", action="store_true", help="every item that needs attention")
    show = actions.add_parser("show", parents=[common],
                              help="one item, with the platform's signed acknowledgement")
    show.add_argument("receipt", metavar="RECEIPT")
    show.add_argument("--json", action="store_true")
    verify = actions.add_parser(
        "verify", parents=[common],
        help="check an item's kept acknowledgement against the platform's key, offline")
    verify.add_argument("receipt", metavar="RECEIPT")
    verify.add_argument("--platform-key", metavar="BASE64",
                        help="the platform's signing key (platform-signing.pub); default: the "
                             "one learned at enrollment")


@with_config
def outbox(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError

    try:
        box = Outbox.open(loaded.data_dir)
    except StoreError as exc:
        print(f"kiosk outbox: {loaded.data_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with box:
        if args.outbox_command == "list":
            return _list(box, args)
        if args.outbox_command in ("show", "verify"):
            return _acknowledged(box, args, loaded)
        return _retry(box, args, loaded)


def _list(box: Any, args: argparse.Namespace) -> int:
    from kiosk.store import format_receipt_no

    items = box.items(args.state, limit=max(1, args.limit))
    rows = [{"receipt_no": i.receipt_no, "state": i.state, "kind": i.kind,
             "created_at": i.created_at.isoformat(), "attempts": i.attempts,
             "case_no": i.case_no, "last_error": i.last_error} for i in items]
    if args.json:
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in rows:
        print(f"{format_receipt_no(r['receipt_no'])}  {r['state']:15} {r['kind']:9} "
              f"{r['created_at'][:19]}  attempts {r['attempts']}  "
              f"{r['case_no'] or ''}  {r['last_error'] or ''}".rstrip())
    return EXIT_OK


def _what_it_says(acknowledgement: Any, submission_id: str) -> dict[str, Any] | None:
    """The platform's word on this submission in an acknowledgement: the answer itself,
    or its own result in a batch's answer; None if it does not name the submission."""
    body = acknowledgement.json_body()
    if isinstance(body, dict) and isinstance(body.get("results"), list):
        for result in body["results"]:
            if isinstance(result, dict) and result.get("submission_id") == submission_id:
                return {"status": result.get("status"),
                        **(result.get("accepted") or result.get("error") or {})}
        return None
    if isinstance(body, dict) and body.get("submission_id", submission_id) == submission_id:
        return {"status": acknowledgement.status, **body}
    return None


def _acknowledged(box: Any, args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    """`outbox show`: an item and its kept acknowledgement; `outbox verify`: that
    acknowledgement checked again, offline, against the platform's signing key (exit 0
    when it holds and names this item as the outbox records it, 1 when not)."""
    from sync import enrollment
    from wire import ack, signing

    command = f"kiosk outbox {args.outbox_command}"
    info = box.find_by_receipt(args.receipt)
    if info is None:
        print(f"{command}: no item with receipt number {args.receipt!r}", file=sys.stderr)
        return EXIT_INVALID
    kept = ack.Acknowledgement.from_document(info.platform_ack) if info.platform_ack else None
    said = _what_it_says(kept, info.submission_id) if kept else None
    if args.outbox_command == "show":
        row = {"receipt_no": info.receipt_no, "state": info.state, "case_no": info.case_no,
               "delivered_at": info.delivered_at.isoformat() if info.delivered_at else None,
               "last_error": info.last_error,
               "acknowledgement": json.loads(info.platform_ack) if info.platform_ack else None}
        if args.json:
            print(json.dumps(row, ensure_ascii=False, indent=2))
            return EXIT_OK
        print(f"{info.display_no}  {info.state}  {info.case_no or ''}".rstrip())
        # The query code opens the citizen's case: never printed (the --json proof has it).
        shown = {k: v for k, v in (said or {}).items() if k != "query_code"}
        if kept is None:
            print("platform acknowledgement: none kept (settled before the platform signed "
                  "its answers, or not settled yet)")
        else:
            print(f"platform acknowledgement: HTTP {kept.status} to {kept.method} {kept.path}, "
                  f"signed by the platform at {kept.created.isoformat()}"
                  f"{'; for this item: ' + json.dumps(shown, ensure_ascii=False) if shown else ''}")
        return EXIT_OK
    if kept is None:
        print(f"{command}: receipt {info.display_no} has no acknowledgement kept",
              file=sys.stderr)
        return EXIT_FAILED
    try:
        if args.platform_key:
            key = signing.decode_signing_public_key(args.platform_key)
        else:
            key = enrollment.require_platform_key(enrollment.load(loaded.data_dir))
    except (ValueError, enrollment.NotEnrolled) as exc:
        print(f"{command}: no platform signing key to check against: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        kept = kept.verify(key)  # its time from now on is the signature's own
    except ack.Unverified as exc:
        print(f"{command}: receipt {info.display_no}: the acknowledgement does NOT hold: {exc}",
              file=sys.stderr)
        return EXIT_FAILED
    if said is None or (info.case_no and said.get("case_no") not in (None, info.case_no)):
        print(f"{command}: receipt {info.display_no}: the platform signed this answer, but "
              "it does not say what the outbox records of this item", file=sys.stderr)
        return EXIT_FAILED
    print(f"receipt {info.display_no}: the platform ({ack.fingerprint(key)}) signed at "
          f"{kept.created.isoformat()}: HTTP {said.get('status')}"
          f"{', case ' + str(said['case_no']) if said.get('case_no') else ''}"
          f"{', ' + str(said['error']) if said.get('error') else ''}")
    return EXIT_OK


def _retry(box: Any, args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import TransitionError, parse_receipt_no

    if args.all == bool(args.receipts):
        print("kiosk outbox retry: give receipt numbers or --all", file=sys.stderr)
        return EXIT_INVALID
    targets = [i.submission_id for i in box.items("needs_attention", limit=100000)] \
        if args.all else []
    for text in args.receipts:
        number = parse_receipt_no(text)
        info = box.find_by_receipt(number) if number else None
        if info is None:
            print(f"kiosk outbox retry: no item with receipt number {text!r}", file=sys.stderr)
            return EXIT_INVALID
        targets.append(info.submission_id)
    for submission_id in targets:
        try:
            box.retry_needs_attention(submission_id)
        except TransitionError as exc:
            print(f"kiosk outbox retry: not set aside, left as it is: {exc}", file=sys.stderr)
            return EXIT_INVALID
    print(f"{len(targets)} item(s) back in the queue")
    wake.notify(loaded.data_dir)
    return EXIT_OK


@with_config
def migrate(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError, current_revision

    try:
        with Outbox.open(loaded.data_dir) as box:  # migrates to the newest revision
            print(f"database {box.db_path}: at revision {current_revision(box.db_path)}")
    except StoreError as exc:
        print(f"kiosk migrate: {loaded.data_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def recover_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--again", action="store_true",
                        help="also read folders already recovered (nothing is added twice)")
    parser.add_argument("--json", action="store_true", help="print the reports as JSON")


@with_config
def recover(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    """Reads every damaged database the store moved aside and re-queues its submissions."""
    from kiosk.store import Outbox, StoreError, recovery

    try:
        box = Outbox.open(loaded.data_dir)  # moves aside a database damaged right now
    except StoreError as exc:
        print(f"kiosk recover: cannot open the store: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with box:
        folders = [f for f in recovery.damaged_folders(loaded.data_dir)
                   if args.again or not (f / recovery.RECOVERED_FILE).exists()]
        reports = []
        for folder in folders:
            try:
                reports.append(recovery.recover(box, folder))
            except StoreError as exc:
                print(f"kiosk recover: {folder.name}: stopped: {exc}", file=sys.stderr)
                return EXIT_FAILED
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2))
    elif not reports:
        print("nothing to recover: no damaged database is waiting")
    for r in reports if not args.json else []:
        if not r.readable:
            print(f"{r.folder}: nothing could be read ({r.problem}); the folder is kept")
            continue
        print(f"{r.folder}: {r.restored} submission(s) put back — {r.queued} to send, "
              f"{r.kept_delivered} delivered before, {r.needs_attention} need attention; "
              f"{r.already_present} already present; {r.read_errors} unreadable row(s)")
        for old, new in r.new_receipt_numbers.items():
            print(f"  receipt {old} was taken and is now {new}")
    return EXIT_OK if all(r.readable for r in reports) else EXIT_FAILED


COMMANDS = (
    Command("outbox", "list outbox items, show one with its platform acknowledgement and "
            "verify it; send items set aside back to the queue", outbox,
            outbox_arguments),
    Command("status", "the outbox: counts per state", status, status_arguments),
    Command("migrate", "create or upgrade the local database (the package runs it on install)",
            migrate),
    Command("recover", "put back what can be read from damaged databases moved aside", recover,
            recover_arguments),
)
