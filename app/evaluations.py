"""`kiosk evaluate`: the service evaluation (好差评) of a submission, as the screen after
the receipt takes it — the same rules (`kiosk.evaluation`), the same queue (the
follow-ups of the outbox, delivered by `kiosk sync` once the submission is).

Exit 2 with every problem in plain Chinese for bad input: an unknown receipt number,
level, reason, a bad rating without a reason, a text too long, a service rated before.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.registry import Command, print_problems, with_config
from kiosk import casequery, config, evaluation
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from kiosk.problems import Problem


def evaluate_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    levels = ", ".join(f"{code} ({label})" for code, label in evaluation.LEVELS)
    parser.add_argument("receipt_no", metavar="RECEIPT_NO|QUERY_CODE",
                        help="the receipt number of the submission whose service is rated; or, "
                             "for --service case, the query code of a case (with --phone-last4)")
    parser.add_argument("--phone-last4", metavar="NNNN", default="",
                        help="with a query code: the last 4 digits of the phone given (the "
                             "case is read first, as on the query screen; it must be answered)")
    parser.add_argument("--level", required=True, metavar="LEVEL",
                        help=f"one of: {levels}; the code or the Chinese word")
    parser.add_argument("--service", default="terminal", metavar="SERVICE",
                        help="terminal (the service at this terminal, the default) or case "
                             "(the handling of the answered case)")
    parser.add_argument("--reason", action="append", default=[], metavar="TAG",
                        help="a reason of a bad rating (repeat for several): "
                             + "; ".join(f"{s}: " + ", ".join(c for c, _ in tags)
                                         for s, tags in evaluation.REASONS.items()))
    parser.add_argument("--text", help=f"what else to say (bad ratings, at most "
                                       f"{evaluation.MAX_TEXT_CHARS} characters; sealed)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


@with_config
def evaluate(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError

    rating, problems = evaluation.validate(args.service, evaluation.level_code(args.level),
                                           args.reason, args.text)
    shaped, _ = casequery.read_entry(args.receipt_no, "0000")  # its shape: receipt or code
    if shaped is not None and shaped.by == "code":
        return _rate_case_by_code(args, loaded, rating, problems)
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            found = outbox.find_by_receipt(args.receipt_no)
            if found is None:
                problems.insert(0, Problem("receipt_no", "没有找到这个回执编号，请核对后再输入。",
                                           "evaluation.receipt.unknown"))
            if problems or rating is None or found is None:
                return _refused(args, problems)
            kept, new = evaluation.queue(outbox, loaded, found.submission_id, rating)
    except StoreError as exc:
        print(f"kiosk evaluate: not queued: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if not new:
        return _refused(args, [Problem("service", "这项服务已经评价过了，每项服务只评价一次。",
                                       "evaluation.already_rated")])
    if args.json:
        print(json.dumps({"ok": True, "followup_id": kept.followup_id,
                          "receipt_no": found.receipt_no, "service": rating.service,
                          "level": rating.level, "reasons": list(rating.reasons),
                          "state": kept.state}, ensure_ascii=False, indent=2))
    else:
        waits = "" if found.case_no else "; sent once the submission is delivered"
        print(f"queued: {evaluation.LEVEL_LABELS[rating.level]} for receipt "
              f"{found.display_no}{waits}")
    return EXIT_OK


def _rate_case_by_code(args: argparse.Namespace, loaded: config.LoadedConfig,
                       rating: evaluation.Rating | None, problems: list[Problem]) -> int:
    """A case named by its query code: read as the query screen reads it, rated only once
    it is answered and not rated here before, named by the code and the digits proved."""
    from app.cases import query
    from kiosk import case_actions
    from kiosk.store import Outbox, StoreError

    if args.service != "case":
        problems.append(Problem("service", "用查询码只能评价信访事项的办理（--service case）。",
                                "evaluation.code_needs_case"))
    lookup, entry_problems = casequery.read_entry(args.receipt_no, args.phone_last4, "code")
    if problems or entry_problems or rating is None or lookup is None:
        return _refused(args, problems + entry_problems)
    answer = query(loaded, lookup)
    if answer.state != "found" or answer.progress is None:
        print(f"kiosk evaluate: {casequery.message(answer)}", file=sys.stderr)
        return EXIT_FAILED
    progress = answer.progress
    if progress.status not in ("answered", "closed"):
        return _refused(args, [Problem("service", "这件事还没有出具处理意见，出具以后才能评价办理情况。",
                                       "evaluation.case_not_answered")])
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            if "case" in progress.evaluated or case_actions.rated_here(outbox, progress):
                return _refused(args, [Problem("service", "这项服务已经评价过了，每项服务只评价一次。",
                                               "evaluation.already_rated")])
            ref = case_actions.case_ref(outbox, loaded.config.terminal.id, progress, lookup)
            kept, _ = evaluation.queue(outbox, loaded, ref, rating)
    except StoreError as exc:
        print(f"kiosk evaluate: not queued: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, "followup_id": kept.followup_id, "case_no": progress.case_no,
                          "service": rating.service, "level": rating.level,
                          "reasons": list(rating.reasons), "state": kept.state},
                         ensure_ascii=False, indent=2))
    else:
        print(f"queued: {evaluation.LEVEL_LABELS[rating.level]} for case {progress.case_no}")
    return EXIT_OK


def _refused(args: argparse.Namespace, problems: list[Problem]) -> int:
    print(f"kiosk evaluate: {len(problems)} problem(s), nothing queued", file=sys.stderr)
    print_problems(problems)
    if args.json:
        print(json.dumps({"ok": False, "problems": [p.__dict__ for p in problems]},
                         ensure_ascii=False, indent=2))
    return EXIT_INVALID


COMMANDS = (
    Command("evaluate", "rate the service of a submission (好差评), queued for the platform",
            evaluate, evaluate_arguments),
)
