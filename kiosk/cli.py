"""The `kiosk` command.

Exit status: 0 done; 1 could not be done (storage, environment); 2 bad input
(a petition document, a configuration) — with every problem printed.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from kiosk import __version__, config, doctor, logs, petition, submission, taxonomy, technician, timelimits
from kiosk.problems import Problem, errors

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _common() -> argparse.ArgumentParser:
    # Accepted before or after the subcommand: `kiosk --config F status` and
    # `kiosk status --config F` both work.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS,
                        help="configuration file (default: $KIOSK_CONFIG, then "
                             f"{config.paths.SYSTEM_CONFIG}, then the demo default)")
    common.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                        help="run on the built-in demo configuration")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common()
    parser = argparse.ArgumentParser(
        prog="kiosk", parents=[common],
        description="Self-service kiosk for online petitions (网上信访自助服务区).")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    cfg = sub.add_parser("config", parents=[common], help="configuration")
    cfg_sub = cfg.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    cfg_sub.add_parser("check", parents=[common],
                       help="say which configuration file is read and what is wrong with it")

    submit = sub.add_parser("submit", parents=[common],
                            help="validate a petition document (JSON) and queue it")
    submit.add_argument("file", type=Path, metavar="FILE.json")
    submit.add_argument("--dry-run", action="store_true",
                        help="validate and read the attachments, but queue nothing")
    submit.add_argument("--json", action="store_true", help="print the result as JSON")
    submit.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)

    sync = sub.add_parser("sync", parents=[common],
                          help="deliver queued submissions to the receiving platform")
    sync.add_argument("--once", action="store_true",
                      help="send what can be sent now; exit 0 if nothing is left queued, else 1")

    enroll = sub.add_parser("enroll", parents=[common],
                            help="register this terminal with its platform (makes its key)")
    enroll.add_argument("--platform", metavar="URL",
                        help="the platform's API address (default: the configured one)")
    enroll.add_argument("--code", required=True, help="the one-time enrollment code")

    from ui import cli as ui_cli  # registers `ui` and `tour`; Qt loads only when they run

    ui_cli.add_commands(sub, common)
    doctor.add_command(sub, common)
    logs.add_command(sub, common)
    technician.add_commands(sub, common)

    outbox = sub.add_parser("outbox", parents=[common],
                            help="list outbox items; send items set aside back to the queue")
    outbox_sub = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = outbox_sub.add_parser("list", parents=[common], help="items, newest first")
    listing.add_argument("--state", choices=["queued", "sending", "delivered", "needs_attention",
                                             "set_aside", "purged"])
    listing.add_argument("--limit", type=int, default=50)
    listing.add_argument("--json", action="store_true")
    retry = outbox_sub.add_parser("retry", parents=[common],
                                  help="send needs-attention items back to the queue")
    retry.add_argument("receipts", nargs="*", metavar="RECEIPT",
                       help="receipt numbers (spaces allowed inside one when quoted)")
    retry.add_argument("--all", action="store_true", help="every item that needs attention")

    status = sub.add_parser("status", parents=[common], help="the outbox: counts per state")
    status.add_argument("--json", action="store_true", help="print the status as JSON")

    sub.add_parser("migrate", parents=[common],
                   help="create or upgrade the local database (the package runs it on install)")

    recover = sub.add_parser("recover", parents=[common],
                             help="put back what can be read from damaged databases moved aside")
    recover.add_argument("--again", action="store_true",
                         help="also read folders already recovered (nothing is added twice)")
    recover.add_argument("--json", action="store_true", help="print the reports as JSON")
    return parser


def _load_config(args: argparse.Namespace) -> config.LoadedConfig:
    return config.resolve(getattr(args, "config", None), force_demo=getattr(args, "demo", False))


def _with_config(handler: Callable[[argparse.Namespace, config.LoadedConfig], int]
                 ) -> Callable[[argparse.Namespace], int]:
    """Runs `handler(args, loaded)`; a configuration that cannot be used is said here, once
    for every command: `kiosk COMMAND: FILE: key: problem`, exit 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            loaded = _load_config(args)
        except config.ConfigError as exc:
            print(f"kiosk {args.command}: {exc}", file=sys.stderr)
            return EXIT_INVALID
        return handler(args, loaded)

    return run


def _print_problems(problems: list[Problem], out=sys.stderr) -> None:
    for p in problems:
        tag = "warning" if p.severity == "warning" else "error"
        print(f"  {tag}: {p.path or '(document)'}: {p.message} [{p.code}]", file=out)


def cmd_config_check(args: argparse.Namespace) -> int:
    try:
        loaded = _load_config(args)
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
    print("ok")
    return EXIT_OK


def cmd_submit(args: argparse.Namespace) -> int:
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
        loaded = _load_config(args)
        tax = taxonomy.load()
    except (config.ConfigError, taxonomy.TaxonomyError) as exc:
        print(f"kiosk submit: {exc}", file=sys.stderr)
        return EXIT_INVALID

    today = args.today or date.today()
    result = petition.validate(raw, taxonomy=tax, today=today)
    problems = list(result.problems)
    attachments: list[submission.AttachmentData] = []
    if result.ok:
        attachments, file_problems = submission.read_attachment_files(
            result.document, args.file.resolve().parent)
        problems += file_problems
    if errors(problems):
        print(f"kiosk submit: {args.file}: {len(errors(problems))} problem(s), nothing queued",
              file=sys.stderr)
        _print_problems(problems)
        if args.json:
            print(json.dumps({"ok": False, "problems": [p.__dict__ for p in problems]},
                             ensure_ascii=False, indent=2))
        return EXIT_INVALID
    _print_problems(problems)  # warnings only, e.g. a late review application

    if args.dry_run:
        print(f"{args.file}: valid; {len(attachments)} attachment(s); nothing queued (dry run)")
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
    milestones = timelimits.next_steps(result.document["kind"], today)
    if args.json:
        print(json.dumps({
            "ok": True,
            "receipt_no": receipt.receipt_no,
            "submission_id": receipt.submission_id,
            "created_at": receipt.created_at.isoformat(),
            "warnings": [p.__dict__ for p in problems],
            "next_steps": [{"label": m.label, "by": m.by.isoformat(), "basis": m.basis}
                           for m in milestones],
        }, ensure_ascii=False, indent=2))
    else:
        print(f"queued: receipt number {format_receipt_no(receipt.receipt_no)}")
        for m in milestones:
            print(f"  {m.label}: {timelimits.format_date_zh(m.by)} ({m.basis})")
    return EXIT_OK


def _status_dict(st: Any, now: datetime) -> dict[str, Any]:
    oldest = st.oldest_queued_age
    return {
        "counts": dict(st.counts),
        "total": st.total,
        "oldest_queued_age_seconds": None if oldest is None else round(oldest.total_seconds()),
        "last_error": st.last_error,
        "at": now.isoformat(),
    }


@_with_config
def cmd_status(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError

    try:
        outbox = Outbox.open(loaded.data_dir)
        now = datetime.now(UTC)
        data = _status_dict(outbox.status(now=now), now)
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
    print(f"last error: {data['last_error'] or 'none'}")
    return EXIT_OK


@_with_config
def cmd_sync(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    # The core reaches the network only through these subcommands, imported here.
    import logging
    import signal

    from kiosk import wake
    from kiosk.store import Outbox, StoreError
    from sync import enrollment
    from sync.client import PlatformClient
    from sync.worker import AlreadyRunning, Backoff, SyncWorker, Timers, WorkerLock

    logs.setup_logging(loaded.data_dir, "sync")
    logging.getLogger().setLevel(logging.INFO)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        lock = WorkerLock(loaded.data_dir)
    except AlreadyRunning as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        return EXIT_FAILED
    cfg = loaded.config
    try:
        enrolled = enrollment.load(loaded.data_dir)
        if enrolled.platform_public_key != cfg.delivery_platform.public_key:
            raise enrollment.NotEnrolled(
                "the configured platform public_key differs from the key the platform gave "
                "at enrollment; fix the configuration (kiosk doctor shows both)")
        outbox = Outbox.open(loaded.data_dir)
    except (enrollment.NotEnrolled, StoreError) as exc:
        print(f"kiosk sync: {exc}", file=sys.stderr)
        lock.release()
        return EXIT_FAILED
    def client() -> PlatformClient:
        return PlatformClient(str(cfg.delivery_platform.api_url), cfg.terminal.id,
                              enrolled.signing_key,
                              connect_timeout=cfg.sync.connect_timeout_seconds,
                              read_timeout=cfg.sync.read_timeout_seconds)

    worker = SyncWorker(loaded, outbox, client, concurrency=cfg.sync.concurrency,
                        timers=Timers(heartbeat_seconds=cfg.sync.heartbeat_seconds),
                        backoff=Backoff(base=cfg.sync.backoff_base_seconds,
                                        cap=cfg.sync.backoff_cap_seconds))
    try:
        if args.once:
            return EXIT_OK if worker.run_once() else EXIT_FAILED

        def stop(signum: int, frame: object) -> None:
            worker.stop_event.set()
            wake.notify(loaded.data_dir)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        print(f"kiosk sync: delivering to {cfg.delivery_platform.api_url}", file=sys.stderr,
              flush=True)
        worker.run_forever()
        return EXIT_OK
    except StoreError as exc:  # the unit starts it again; opening then moves damage aside
        print(f"kiosk sync: stopped: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        worker.close()
        worker.outbox.close()  # the one it holds now: it reopens a database moved aside
        lock.release()


@_with_config
def cmd_enroll(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from sync import enrollment
    from sync.client import PlatformClient, Unreachable
    from wire import schemas, signing

    cfg = loaded.config
    api_url = args.platform or str(cfg.delivery_platform.api_url)
    code = args.code.replace(" ", "").replace("-", "").upper()
    if not 6 <= len(code) <= 64 or not code.isalnum():
        print("kiosk enroll: --code must be the enrollment code the platform issued "
              "(letters and digits, e.g. XXXX-XXXX-XXXX)", file=sys.stderr)
        return EXIT_INVALID
    key = signing.generate_signing_key()
    client = PlatformClient(api_url, cfg.terminal.id, None,
                            connect_timeout=cfg.sync.connect_timeout_seconds,
                            read_timeout=cfg.sync.read_timeout_seconds)
    try:
        answer = client.enroll(code, signing.encode_signing_public_key(key.public_key()))
    except Unreachable as exc:
        print(f"kiosk enroll: cannot reach {api_url}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        client.close()
    if answer.status not in (200, 201):
        print(f"kiosk enroll: refused by {api_url}: {answer.error}", file=sys.stderr)
        return EXIT_FAILED
    try:
        response = schemas.EnrollmentResponse.model_validate(answer.body)
    except ValueError:
        print(f"kiosk enroll: {api_url} answered {answer.status} but not with an enrollment",
              file=sys.stderr)
        return EXIT_FAILED
    if response.platform_public_key != cfg.delivery_platform.public_key:
        # Submissions sealed to a key the platform does not hold can never be opened
        # there: refuse the enrollment until the configuration names the right key.
        index = [p.id for p in cfg.platforms].index(cfg.delivery_platform.id)
        print(f"kiosk enroll: the platform's sealing key differs from platforms[{index}]"
              f".public_key in {loaded.source or 'the demo configuration'}; set it to\n"
              f"  public_key = \"{response.platform_public_key}\"\n"
              "then ask the platform for a new code and enroll again.", file=sys.stderr)
        return EXIT_FAILED
    # Keep the key only once the platform has accepted it: a failed attempt must not
    # replace the key of an earlier, working enrollment.
    enrollment.save_key(loaded.data_dir, key)
    enrollment.save(loaded.data_dir, response, api_url)
    print(f"enrolled terminal {response.terminal_id} with {api_url}")
    return EXIT_OK


def _display_missing() -> str | None:
    """Why Qt could not open a window here, or None."""
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or \
            os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a graphical "
            "session, under a kiosk compositor such as cage, or set QT_QPA_PLATFORM "
            "(eglfs on a kiosk terminal, offscreen for a test).")


@_with_config
def cmd_ui(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from ui import cli as ui_cli

    if args.command == "tour":
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a tour never needs a screen
        os.environ.setdefault("QT_QUICK_BACKEND", "software")
        return ui_cli.run(args, loaded)
    missing = _display_missing()
    if missing:
        print(f"kiosk ui: {missing}", file=sys.stderr)
        return EXIT_FAILED
    if not loaded.is_demo:
        return ui_cli.run(args, loaded)
    # --demo: the whole chain on this machine — a local reference platform, this
    # terminal enrolled with it, and the sync worker — for as long as the UI runs.
    from sync.demo import DemoChain, DemoError

    chain = DemoChain(loaded)
    try:
        chain.start()
    except DemoError as exc:
        chain.stop()
        print(f"kiosk ui: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return ui_cli.run(args, loaded)
    finally:
        chain.stop()


@_with_config
def cmd_outbox(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError, TransitionError, format_receipt_no, parse_receipt_no

    try:
        outbox = Outbox.open(loaded.data_dir)
    except StoreError as exc:
        print(f"kiosk outbox: {loaded.data_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with outbox:
        if args.outbox_command == "list":
            items = outbox.items(args.state, limit=max(1, args.limit))
            rows = [{"receipt_no": i.receipt_no, "state": i.state, "kind": i.kind,
                     "created_at": i.created_at.isoformat(), "attempts": i.attempts,
                     "case_no": i.case_no, "last_error": i.last_error} for i in items]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=2))
            for r in [] if args.json else rows:
                print(f"{format_receipt_no(r['receipt_no'])}  {r['state']:15} {r['kind']:9} "
                      f"{r['created_at'][:19]}  attempts {r['attempts']}  "
                      f"{r['case_no'] or ''}  {r['last_error'] or ''}".rstrip())
            return EXIT_OK
        if args.all == bool(args.receipts):
            print("kiosk outbox retry: give receipt numbers or --all", file=sys.stderr)
            return EXIT_INVALID
        targets = [i.submission_id for i in outbox.items("needs_attention", limit=100000)] \
            if args.all else []
        for text in args.receipts:
            number = parse_receipt_no(text)
            info = outbox.find_by_receipt(number) if number else None
            if info is None:
                print(f"kiosk outbox retry: no item with receipt number {text!r}",
                      file=sys.stderr)
                return EXIT_INVALID
            targets.append(info.submission_id)
        for submission_id in targets:
            try:
                outbox.retry_needs_attention(submission_id)
            except TransitionError as exc:
                print(f"kiosk outbox retry: not set aside, left as it is: {exc}",
                      file=sys.stderr)
                return EXIT_INVALID
        print(f"{len(targets)} item(s) back in the queue")
        from kiosk import wake

        wake.notify(loaded.data_dir)
    return EXIT_OK


_COMMANDS = ("outbox", "config", "submit", "status", "sync", "enroll", "ui", "tour", "doctor", "logs",
             "set-pin", "audit", "recover", "migrate")


def cmd_doctor(args: argparse.Namespace) -> int:
    # A broken configuration is one failed check among the others, not an early exit.
    try:
        loaded: config.LoadedConfig | config.ConfigError = _load_config(args)
    except config.ConfigError as exc:
        loaded = exc
    return doctor.run(args, loaded)


@_with_config
def cmd_migrate(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk.store import Outbox, StoreError, current_revision

    try:
        with Outbox.open(loaded.data_dir) as outbox:  # migrates to the newest revision
            print(f"database {outbox.db_path}: at revision {current_revision(outbox.db_path)}")
    except StoreError as exc:
        print(f"kiosk migrate: {loaded.data_dir}: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


@_with_config
def cmd_logs(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    return logs.run(args, loaded)


@_with_config
def cmd_recover(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    """Reads every damaged database the store moved aside and re-queues its submissions."""
    from kiosk.store import Outbox, StoreError, recovery

    try:
        outbox = Outbox.open(loaded.data_dir)  # moves aside a database damaged right now
    except StoreError as exc:
        print(f"kiosk recover: cannot open the store: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with outbox:
        folders = [f for f in recovery.damaged_folders(loaded.data_dir)
                   if args.again or not (f / recovery.RECOVERED_FILE).exists()]
        reports = []
        for folder in folders:
            try:
                reports.append(recovery.recover(outbox, folder))
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


@_with_config
def cmd_technician(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    return technician.run(args, loaded)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    # `kiosk` alone (or with only global options) starts the kiosk, like `kiosk ui`.
    if not set(argv) & {*_COMMANDS, "-h", "--help", "--version"}:
        argv.insert(0, "ui")
    args = parser.parse_args(argv)
    handlers = {"config": cmd_config_check, "submit": cmd_submit, "status": cmd_status,
                "sync": cmd_sync, "enroll": cmd_enroll, "ui": cmd_ui, "tour": cmd_ui,
                "doctor": cmd_doctor, "logs": cmd_logs, "outbox": cmd_outbox,
                "set-pin": cmd_technician, "audit": cmd_technician, "recover": cmd_recover,
                "migrate": cmd_migrate}
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
