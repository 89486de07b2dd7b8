"""`kiosk supplement` (补充材料) and `kiosk withdraw` (撤回申请): what the query screen lets a
citizen do to their case, for scripts and tests — the same read of the case
(`app.cases.query`), the same checks and the same queue (`kiosk.case_actions`).

Exit 2 with every problem in plain Chinese for bad input (what was typed, the pages or
the signature, a case that does not allow it now); exit 1 when the case cannot be read
(the platform unreachable, no such case for these digits, too many failed reads): what
the case allows is the platform's word, so nothing is queued without it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.registry import Command, print_problems, with_config
from kiosk import case_actions, casequery, config
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from kiosk.problems import Problem
from wire import schemas

_MAGIC = (("image/jpeg", b"\xff\xd8\xff"), ("image/png", b"\x89PNG\r\n\x1a\n"),
          ("application/pdf", b"%PDF-"))


def _case_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("number", metavar="RECEIPT_NO|QUERY_CODE",
                        help="the 10-digit receipt number printed by this terminal, or the "
                             "8-character query code the platform gave")
    parser.add_argument("--phone-last4", metavar="NNNN", default="",
                        help="the last 4 digits of the phone number given in the submission")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def supplement_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser
                         ) -> None:
    _case_arguments(parser)
    parser.add_argument("--page", action="append", default=[], metavar="FILE",
                        help="a page of the material (JPEG, PNG or PDF; repeat for each page, "
                             f"at most {case_actions.MAX_PAGES})")


def withdraw_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser
                       ) -> None:
    _case_arguments(parser)
    parser.add_argument("--signature", metavar="FILE.png",
                        help="the citizen's signature, a PNG image (on screen: signed with a "
                             "finger)")


def _read_pages(paths: list[str]) -> tuple[list, list[Problem]]:
    from kiosk.pages import PageRefused
    from kiosk.submission import AttachmentData, as_page, check_attachment

    pages, problems = [], []
    for i, name in enumerate(paths):
        try:
            content = Path(name).read_bytes()
        except (OSError, ValueError) as exc:
            reason = getattr(exc, "strerror", None) or "文件名无效"
            problems.append(Problem(f"pages[{i}]", f"读不到第{i + 1}页“{name}”：{reason}",
                                    "supplement.unreadable"))
            continue
        media_type = next((t for t, magic in _MAGIC if content.startswith(magic)), "image/jpeg")
        page = AttachmentData("evidence", media_type, content)
        if not check_attachment(page, f"pages[{i}]"):  # else said by check_supplement
            try:  # scaled and compressed as the camera's pages are
                page = as_page(page)
            except PageRefused as refused:
                problems.append(Problem(f"pages[{i}]", refused.message, refused.code))
                continue
        pages.append(page)
    return pages, problems


def _read_case(loaded: config.LoadedConfig, args: argparse.Namespace, name: str
               ) -> tuple[schemas.CaseProgress | None, casequery.Lookup | None,
                          list[Problem], int]:
    """The case as the query screen reads it: (progress, lookup, problems, exit)."""
    from app.cases import query

    lookup, problems = casequery.read_entry(args.number, args.phone_last4)
    if lookup is None:
        return None, None, problems, EXIT_INVALID
    answer = query(loaded, lookup)
    if answer.state == "pending":
        return None, lookup, [Problem("case", "这份申请还没有送到受理平台，送到后办理单位才会处理，"
                                      "现在还不能办这件事。", "case.not_arrived")], EXIT_INVALID
    if answer.state != "found" or answer.progress is None:
        print(f"kiosk {name}: {casequery.message(answer)}", file=sys.stderr)
        if answer.detail:
            print(f"kiosk {name}: （{answer.detail}）", file=sys.stderr)
        return None, lookup, [], EXIT_FAILED
    return answer.progress, lookup, [], EXIT_OK


def _refused(args: argparse.Namespace, name: str, problems: list[Problem], code: int) -> int:
    if problems:
        print(f"kiosk {name}: {len(problems)} problem(s), nothing queued", file=sys.stderr)
        print_problems(problems)
        if args.json:
            print(json.dumps({"ok": False, "problems": [p.__dict__ for p in problems]},
                             ensure_ascii=False, indent=2))
    return code


@with_config
def supplement(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError

    pages, page_problems = _read_pages(args.page)
    progress, lookup, problems, code = _read_case(loaded, args, "supplement")
    if progress is None or lookup is None:
        return _refused(args, "supplement", problems + page_problems, code)
    problems = page_problems + case_actions.check_supplement(progress, pages)
    if problems:
        return _refused(args, "supplement", problems, EXIT_INVALID)
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            ref = case_actions.case_ref(outbox, loaded.config.terminal.id, progress, lookup)
            added = case_actions.queue_supplement(outbox, loaded, ref, pages)
    except StoreError as exc:
        print(f"kiosk supplement: not queued: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, "followup_id": added.followup_id, "pages": len(pages),
                          "case_no": progress.case_no, "state": added.state},
                         ensure_ascii=False, indent=2))
    else:
        print(f"queued: {len(pages)} page(s) of material for case {progress.case_no}")
    return EXIT_OK


@with_config
def withdraw(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError

    signature, read_problems = None, []
    if args.signature:
        try:
            signature = Path(args.signature).read_bytes()
        except (OSError, ValueError) as exc:
            read_problems.append(Problem(case_actions.SIGNATURE, f"读不到签名文件“{args.signature}”："
                                         f"{getattr(exc, 'strerror', None) or '文件名无效'}",
                                         "withdrawal.signature_unreadable"))
    progress, lookup, problems, code = _read_case(loaded, args, "withdraw")
    if progress is None or lookup is None:
        if not args.signature and code == EXIT_INVALID:
            problems.append(Problem(case_actions.SIGNATURE, "请用 --signature 给出签名图片。",
                                    "withdrawal.signature_missing"))
        return _refused(args, "withdraw", problems + read_problems, code)
    try:
        with Outbox.open(loaded.data_dir) as outbox:
            held = case_actions.withdrawal_held(outbox, progress)
            problems = case_actions.check_withdrawal(progress, signature, held)
            if read_problems:  # the file could not be read: say that, not "missing"
                problems = read_problems + [p for p in problems
                                            if p.path != case_actions.SIGNATURE]
            if problems:
                return _refused(args, "withdraw", problems, EXIT_INVALID)
            assert signature is not None
            ref = case_actions.case_ref(outbox, loaded.config.terminal.id, progress, lookup)
            asked, _ = case_actions.queue_withdrawal(outbox, loaded, ref, signature)
    except StoreError as exc:
        print(f"kiosk withdraw: not queued: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps({"ok": True, "followup_id": asked.followup_id,
                          "case_no": progress.case_no, "state": asked.state},
                         ensure_ascii=False, indent=2))
    else:
        print(f"queued: a request to withdraw case {progress.case_no}; the office confirms it")
    return EXIT_OK


COMMANDS = (
    Command("supplement", "补充材料: add pages to a case the office asked material for",
            supplement, supplement_arguments),
    Command("withdraw", "撤回申请: ask to withdraw a case before its opinion, signed",
            withdraw, withdraw_arguments),
)
