"""Reading a case's progress from the platform: `kiosk case`, `kiosk query`, and the
query screen's read (`query_for`, handed to the UI, which imports no HTTP).

`kiosk case` is the technician's: without `--phone-last4` the terminal reads as one of
the case's jurisdiction (its own cases, or its area's); with it, as a citizen. `kiosk
query` is the citizen's, exactly what the query screen does: the receipt number of this
terminal or the query code, with the last 4 digits of the phone given, checked by
`kiosk.casequery` (exit 2 with every problem in plain Chinese), answered in plain words.
A receipt this terminal confirmed but has not delivered yet is answered from the outbox
("confirmed here, not arrived yet"), network or not. Either way the platform says "no
such case" for a case this reader may not read. Nothing typed is ever logged.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from datetime import date
from typing import Any

from app.registry import Command, with_config
from kiosk import casequery, config
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK

log = logging.getLogger("app.cases")
_NOT_SENT = frozenset({"queued", "sending", "needs_attention", "set_aside"})


def platform_read(loaded: config.LoadedConfig, ask: Any) -> casequery.Answer:
    """One read from the platform: `ask(client)` sends it; the answer verified and read.
    Never raises for the network or the platform: those are states of the answer."""
    from sync import answers, enrollment
    from sync.client import PlatformClient, Unreachable

    cfg = loaded.config
    try:
        enrolled = enrollment.load(loaded.data_dir)
        platform_key = enrollment.require_platform_key(enrolled)  # the answer is verified
    except enrollment.NotEnrolled as exc:
        return casequery.Answer("unavailable", detail=str(exc))
    api_url = str(cfg.delivery_platform.api_url)
    client = PlatformClient(api_url, cfg.terminal.id, enrolled.signing_key,
                            platform_key=platform_key,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=cfg.sync.read_timeout_seconds)
    try:
        answer = ask(client)
    except Unreachable as exc:
        return casequery.Answer("offline", detail=f"cannot reach {api_url}: {exc}")
    finally:
        client.close()
    try:
        reading = answers.case_reading(answer)
    except ValueError as exc:
        return casequery.Answer("unavailable", detail=f"refused by {api_url}: {exc}")
    if reading.retry_after is not None:
        return casequery.Answer("limited", retry_after=int(max(1, reading.retry_after)))
    if reading.progress is None:
        return casequery.Answer("not_found")
    return casequery.Answer("found", progress=reading.progress)


def _not_delivered(loaded: config.LoadedConfig,
                   lookup: casequery.Lookup) -> casequery.Answer | None:
    """The answer from the outbox for a receipt confirmed here and not delivered yet (the
    second factor checked against the masked phone kept for the receipt), else None."""
    from kiosk.store import Outbox, StoreError

    try:
        with Outbox.open(loaded.data_dir) as outbox:
            item = outbox.find_by_receipt(lookup.value)
    except StoreError as exc:
        log.warning("case query: the outbox cannot be read: %s", exc)
        return None
    if item is None or item.state not in _NOT_SENT:
        return None
    masked_phone = str(item.receipt_fields.get("applicant_phone") or "")
    if masked_phone[-4:] != lookup.phone_last4:
        return casequery.Answer("not_found")
    return casequery.Answer("pending", pending=casequery.Pending(
        item.kind, item.created_at, needs_help=item.state in ("needs_attention", "set_aside")))


def query(loaded: config.LoadedConfig, lookup: casequery.Lookup) -> casequery.Answer:
    """A citizen's query, as the screen and `kiosk query` make it. Slow: off the GUI thread."""
    from wire import schemas

    answer = _not_delivered(loaded, lookup) if lookup.by == "receipt" else None
    if answer is None:
        body = (schemas.receipt_query(lookup.value, lookup.phone_last4) if lookup.by == "receipt"
                else schemas.case_query(lookup.value, lookup.phone_last4))
        answer = platform_read(loaded, lambda client: client.case_query(body))
    # what happened, never what was typed
    log.info("case query by %s: %s%s", lookup.by, answer.state,
             f" ({answer.detail})" if answer.detail else "")
    return answer


def query_for(loaded: config.LoadedConfig) -> Callable[[casequery.Lookup], casequery.Answer]:
    """What the query screen runs (on its own thread)."""
    return lambda lookup: query(loaded, lookup)


def status_for(loaded: config.LoadedConfig) -> Callable[[str], casequery.Answer]:
    """The terminal's own read of a case it delivered, by query code: what the agent's list
    (我办理的) runs to say where each case stands (on its own thread)."""
    return lambda code: platform_read(loaded, lambda client: client.case(code))


# --- kiosk case -----------------------------------------------------------------------------
def case_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("query_code", metavar="QUERY_CODE",
                        help="the 8-character query code on the receipt")
    parser.add_argument("--phone-last4", metavar="DIGITS",
                        help="the last 4 digits of the phone number given in the submission "
                             "(a citizen's read, on any terminal)")
    parser.add_argument("--json", action="store_true", help="print the CaseProgress JSON")


@with_config
def case(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from wire import schemas

    try:
        if args.phone_last4 is None:
            code, body = schemas.normalize_query_code(args.query_code), None
        else:
            body = schemas.case_query(args.query_code, args.phone_last4)
            code = body.query_code
    except ValueError as exc:
        print(f"kiosk case: {exc}", file=sys.stderr)
        return EXIT_INVALID
    answer = platform_read(loaded, lambda client: client.case(code) if body is None
                           else client.case_query(body))
    if answer.state in ("offline", "unavailable"):
        print(f"kiosk case: {answer.detail}", file=sys.stderr)
        return EXIT_FAILED
    if answer.state == "limited":
        print(f"kiosk case: too many failed reads; try again in {answer.retry_after} s",
              file=sys.stderr)
        return EXIT_FAILED
    if answer.progress is None:
        which = ("and these phone digits" if body is not None
                 else "that this terminal may read (a citizen's: add --phone-last4)")
        print(f"kiosk case: no case with this query code {which}", file=sys.stderr)
        return EXIT_FAILED
    progress = answer.progress
    if args.json:
        print(json.dumps(progress.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{progress.case_no}  {progress.status_label} ({progress.status})")
    for event in progress.history:
        note = f"  {event.note}" if event.note else ""
        print(f"  {event.at.isoformat(timespec='seconds')}  {event.status_label}{note}")
    return EXIT_OK


# --- kiosk query ----------------------------------------------------------------------------
def query_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="RECEIPT_NO|QUERY_CODE",
                        help="the 10-digit receipt number printed by this terminal, or the "
                             "8-character query code the platform gave, or the receipt's QR "
                             "text (what the query screen's camera reads)")
    parser.add_argument("--phone-last4", metavar="NNNN", default="",
                        help="the last 4 digits of the phone number given in the submission")
    parser.add_argument("--json", action="store_true",
                        help="print the answer and its plain words as JSON")


def _explained_json(told: casequery.Explained) -> dict:
    return {"kind_label": told.kind_label, "status_label": told.status_label,
            "status_text": told.status_text,
            "history": [{"when": x.when, "text": x.text} for x in told.history],
            "ahead": [{"when": x.when, "text": x.text} for x in told.ahead],
            "rules": told.rules, "notes": told.notes, "answered": told.answered}


@with_config
def query_command(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    number = args.number
    if casequery.looks_scanned(number):  # the receipt's QR text, as the camera reads it
        scanned, problem = casequery.read_scanned(number, loaded.config.terminal.id)
        if scanned is None:
            print(f"kiosk query: 回执二维码：{problem}", file=sys.stderr)
            return EXIT_INVALID
        number = scanned
    lookup, problems = casequery.read_entry(number, args.phone_last4)
    if lookup is None:
        names = {casequery.NUMBER: "回执编号或查询码", casequery.PHONE_LAST4: "--phone-last4"}
        for problem in problems:
            print(f"kiosk query: {names[problem.path]}：{problem.message}", file=sys.stderr)
        return EXIT_INVALID
    answer = query(loaded, lookup)
    if answer.state not in ("found", "pending"):
        print(f"kiosk query: {casequery.message(answer)}", file=sys.stderr)
        if answer.detail:
            print(f"kiosk query: （{answer.detail}）", file=sys.stderr)
        return EXIT_FAILED
    told = (casequery.explain(answer.progress, date.today()) if answer.progress is not None
            else casequery.explain_pending(answer.pending))
    if args.json:
        out = {"state": answer.state, **_explained_json(told),
               "progress": answer.progress.model_dump(mode="json") if answer.progress else None}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    head = f"{told.case_no}  " if told.case_no else ""
    print(f"{head}{told.kind_label}：{told.status_label}")
    print(f"  {told.status_text}")
    for line in told.history:
        print(f"  {line.when}  {line.text}")
    for line in told.ahead:
        print(f"  下一步  {line.when}  {line.text}")
    for note in told.notes:
        print(f"  {note}")
    return EXIT_OK


COMMANDS = (
    Command("case", "a case's progress from the platform, by its query code", case,
            case_arguments),
    Command("query", "查询办理进度: a citizen's case by receipt number or query code and the "
            "phone's last 4 digits, in plain words", query_command, query_arguments),
)
