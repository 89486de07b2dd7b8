"""`kiosk print` (the voucher of a confirmed submission) and `kiosk help-alert` (求助)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.registry import Command, with_config
from kiosk import config, help_alert, taxonomy
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK


def print_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("receipt", metavar="RECEIPT",
                        help="the receipt number of a submission confirmed on this terminal")
    parser.add_argument("--printer", metavar="SPEC",
                        help="this printer instead of [devices.printer]: none, network:HOST[:PORT], "
                             "serial:DEVICE[@BAUD], usb:VENDOR:PRODUCT")
    parser.add_argument("--png", type=Path, metavar="FILE",
                        help="also draw the voucher as the printer lays it out (576 px wide)")


@with_config
def run_print(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    name = "kiosk print"
    from kiosk import printing, voucher
    from kiosk.store import Outbox, StoreError
    from kiosk.store.receipt import parse_receipt_no

    settings = loaded.config.devices.printer
    if args.printer is not None:
        try:
            settings = printing.parse_spec(args.printer)
        except ValueError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_INVALID
    if parse_receipt_no(args.receipt) is None:
        print(f"{name}: {args.receipt!r} is not a receipt number (ten digits whose last is "
              "its check digit, e.g. 4827 1059 36)", file=sys.stderr)
        return EXIT_INVALID
    if settings.kind == "none" and args.png is None:
        print(f"{name}: no printer: set [devices.printer] in the configuration or give --printer",
              file=sys.stderr)
        return EXIT_INVALID
    try:
        box = Outbox.open(loaded.data_dir)
        try:
            info = box.find_by_receipt(args.receipt)
        finally:
            box.close()
    except StoreError as exc:
        print(f"{name}: the outbox cannot be read: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if info is None:
        print(f"{name}: no submission with receipt {args.receipt} on this terminal", file=sys.stderr)
        return EXIT_FAILED
    paper = voucher.for_submission(loaded, info, taxonomy.for_terminal(loaded.data_dir))
    if args.png is not None:
        from kiosk import voucher_picture

        try:
            voucher_picture.save_png(paper, args.png)
        except (ImportError, OSError) as exc:
            print(f"{name}: the picture was not drawn: {exc}", file=sys.stderr)
            return EXIT_FAILED
        print(f"voucher drawn: {args.png}")
        if settings.kind == "none":
            return EXIT_OK
    result = printing.print_voucher(settings, paper)
    if result.outcome != "printed":
        print(f"{name}: {printing.describe(settings)}: not printed: {result.outcome}: "
              f"{result.detail}", file=sys.stderr)
        return EXIT_FAILED
    print(f"voucher of receipt {paper.receipt_no} printed on {printing.describe(settings)}")
    return EXIT_OK


def help_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("action", choices=["raise", "clear", "status"],
                        help="raise: as the 求助 button does; clear: the staff came (audited); "
                             "status: whether one stands")
    parser.add_argument("--json", action="store_true", help="status as JSON")


@with_config
def run_help(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    from kiosk import wake

    data_dir = loaded.data_dir
    if args.action == "raise":
        alert = help_alert.raise_alert(data_dir)
        wake.notify(data_dir)  # the worker's next heartbeat carries it at once
        print(f"help requested: standing since {alert.raised_at.astimezone():%Y-%m-%d %H:%M:%S}"
              f" ({alert.presses} press{'es' if alert.presses > 1 else ''})")
        return EXIT_OK
    if args.action == "clear":
        cleared = help_alert.clear(data_dir, loaded.config.terminal.id, by="command")
        wake.notify(data_dir)
        if cleared is None:
            print("no help request was standing")
        else:
            print(f"help request of {cleared.raised_at.astimezone():%Y-%m-%d %H:%M:%S} cleared")
        return EXIT_OK
    alert = help_alert.status(data_dir)
    if args.json:
        print(json.dumps({"raised": alert is not None,
                          "raised_at": alert.raised_at.isoformat() if alert else None,
                          "presses": alert.presses if alert else 0}))
    elif alert is None:
        print("no help request standing")
    else:
        print(f"help requested since {alert.raised_at.astimezone():%Y-%m-%d %H:%M:%S} "
              f"({alert.presses} press{'es' if alert.presses > 1 else ''}); "
              "clear it once the staff came: kiosk help-alert clear")
    return EXIT_OK


COMMANDS = (
    Command("print", "print the voucher (回执单) of a receipt of this terminal", run_print,
            print_arguments),
    Command("help-alert", "求助: raise, clear or show the call for the hall's staff", run_help,
            help_arguments),
)
