"""`kiosk config check` and `kiosk submit`: the configuration, and a petition document
queued exactly as the touch UI queues one."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from app.registry import Command, load_config, print_problems
from kiosk import (
    agents,
    config,
    content,
    petition,
    submission,
    summary,
    taxonomy,
    terminal_key,
    timelimits,
)
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from kiosk.problems import errors


def config_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    actions.add_parser("check", parents=[common],
                       help="say which configuration file is read and what is wrong with it")


def config_check(args: argparse.Namespace) -> int:
    try:
        loaded = load_config(args)
    except config.ConfigError as exc:
        print(f"configuration: {exc.source}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    print(f"configuration: {loaded.source or 'built-in demo default'}")
    cfg = loaded.config
    print(f"terminal: {cfg.terminal.id} ({cfg.terminal.name})")
    print(f"jurisdiction: {cfg.jurisdiction.name} ({cfg.jurisdiction.level.value})")
    target = cfg.delivery_platform
    print(f"delivers to: {target.name} [{target.id}] at {target.api_url}")
    print("shows QR codes of: " + ", ".join(p.name for p in cfg.displayed_platforms))
    print(f"data directory: {loaded.data_dir}")
    camera = loaded.config.devices.camera
    print("document camera: " + ("the first one connected, if any (no [devices.camera] section)"
                                 if camera is None else repr(camera.device) if camera.device
                                 else "the system's default or first one ([devices.camera] device unset)"))
    print("ok")
    return EXIT_OK


def submit_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, metavar="FILE.json")
    parser.add_argument("--dry-run", action="store_true",
                        help="validate and read the attachments, but queue nothing")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    parser.add_argument("--agent", metavar="ID",
                        help="submit in this agent's session (proxy station): the villager is "
                             "the applicant, the document gives proxy.authorisation and the "
                             "villager's authorisation_signature; needs --pin")
    parser.add_argument("--pin", help="the agent's PIN (with --agent)")


def submit(args: argparse.Namespace) -> int:
    try:
        raw = json.loads(args.file.read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"kiosk submit: cannot read {args.file}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_INVALID
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        print(f"kiosk submit: {args.file} is not valid UTF-8 JSON: {exc}", file=sys.stderr)
        return EXIT_INVALID
    except RecursionError:
        print(f"kiosk submit: {args.file} nests too deeply to be a petition document",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        loaded = load_config(args)
        tax = taxonomy.for_terminal(loaded.data_dir)  # the categories the platform accepts
    except (config.ConfigError, taxonomy.TaxonomyError) as exc:
        print(f"kiosk submit: {exc}", file=sys.stderr)
        return EXIT_INVALID

    acting = None
    if args.agent is not None or args.pin is not None:
        acting = _agent_session(args, loaded)
        if isinstance(acting, int):
            return acting
    today = args.today or date.today()
    result = petition.validate(raw, taxonomy=tax, today=today,
                               acting_agent=acting.proxy() if acting else None)
    problems = list(result.problems)
    attachments: list[submission.AttachmentData] = []
    if result.ok:
        attachments, file_problems = submission.read_attachment_files(
            result.document, args.file.resolve().parent)
        problems += file_problems
    if errors(problems):
        print(f"kiosk submit: {args.file}: {len(errors(problems))} problem(s), nothing queued",
              file=sys.stderr)
        print_problems(problems)
        if args.json:
            print(json.dumps({"ok": False, "problems": [p.__dict__ for p in problems]},
                             ensure_ascii=False, indent=2))
        return EXIT_INVALID
    print_problems(problems)  # warnings only, e.g. a late review application

    if args.dry_run:
        size = sum(len(a.content) for a in attachments)
        print(f"{args.file}: valid; {len(attachments)} attachment(s), {size} bytes as sealed "
              "(pages scaled and compressed); nothing queued (dry run)")
        if result.deadline:
            print(result.deadline.explanation)
        return EXIT_OK

    from kiosk.store import Outbox, StoreError, format_receipt_no

    try:
        outbox = Outbox.open(loaded.data_dir)
        receipt = submission.confirm(outbox, result, attachments, loaded, tax)
    except StoreError as exc:
        print(f"kiosk submit: not queued: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if acting is not None:
        agents.audit(loaded.data_dir, acting.terminal_id, acting.agent_id, "agent_submit",
                     receipt_no=receipt.receipt_no)
    milestones = timelimits.next_steps(result.document["kind"], today)
    separate = result.document.get("separate_material") or []
    desk = content.material_desk(loaded.data_dir, loaded.config.jurisdiction.name)
    receipt_qr = submission.receipt_qr(loaded, receipt.token)
    if receipt.token is None:
        print(f"kiosk submit: {terminal_key.NOT_ENROLLED} (kiosk enroll)", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "ok": True,
            "receipt_no": receipt.receipt_no,
            "submission_id": receipt.submission_id,
            "created_at": receipt.created_at.isoformat(),
            # the signed receipt (`wire.receipt`) as its QR code carries it; null unsigned
            "receipt": receipt.token,
            "receipt_qr": receipt_qr,
            "warnings": [p.__dict__ for p in problems],
            "next_steps": [{"label": m.label, "by": m.by.isoformat(), "basis": m.basis}
                           for m in milestones],
            # handed in on paper (材料另交): what and where, as the receipt screen says it
            "separate_material": {"roles": separate, "where": desk} if separate else None,
        }, ensure_ascii=False, indent=2))
    else:
        print(f"queued: receipt number {format_receipt_no(receipt.receipt_no)}")
        if receipt_qr:
            print(f"  signed receipt: {receipt_qr}")
        for m in milestones:
            print(f"  {m.label}: {timelimits.format_date_zh(m.by)} ({m.basis})")
        if separate:
            print(f"  材料另交：{summary.separate_words(separate, desk)}")
    return EXIT_OK


def _agent_session(args: argparse.Namespace, loaded: config.LoadedConfig
                   ) -> agents.ActingAgent | int:
    """The agent session a command stands in: the PIN checked as the sign-in screen does;
    else the exit status, the reason said."""
    from app.agents import check_signin

    if not args.agent or not args.pin:
        print("kiosk submit: --agent and --pin go together", file=sys.stderr)
        return EXIT_INVALID
    refused = check_signin("kiosk submit", loaded, args.agent, args.pin)
    if refused is not None:
        return refused
    agent = agents.find(loaded.data_dir, args.agent)
    assert agent is not None  # check_signin found it
    return agents.ActingAgent(agent.agent_id, agent.station, loaded.config.terminal.id)


COMMANDS = (
    Command("config", "configuration", config_check, config_arguments),
    Command("submit", "validate a petition document (JSON) and queue it", submit,
            submit_arguments),
)
