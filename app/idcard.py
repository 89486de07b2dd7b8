"""`kiosk idcard read`: one read of the ID-card reader, printed masked, for technicians
and tests; the same read the identity screen's 刷身份证 runs (kiosk/idcard/)."""

from __future__ import annotations

import argparse
import json
import sys

import pydantic

from app.registry import Command, with_config
from kiosk import config
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_OK
from kiosk.idcard import ReadFailed, read_card

LABELS = (("name", "姓名"), ("sex", "性别"), ("birth_date", "出生日期"), ("id_number", "证件号码"),
          ("address", "住址"), ("id_type", "证件类型"))


def idcard_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    read = actions.add_parser("read", parents=[common],
                              help="read the card on the reader and print it masked")
    read.add_argument("--port", help="serial port, or auto (default: [devices.id_reader] port)")
    read.add_argument("--baud", type=int, help="baud rate (default: [devices.id_reader] baud)")
    read.add_argument("--timeout", type=float, metavar="SECONDS",
                      help="how long each command waits for its answer")
    read.add_argument("--json", action="store_true", help="print the result as JSON")


def settings_for(args: argparse.Namespace, loaded: config.LoadedConfig) -> config.IdReader:
    """The configured reader with the options on top; ValueError says what is wrong."""
    configured = loaded.config.devices.id_reader
    given = {k: v for k, v in (("port", args.port), ("baud", args.baud),
                               ("timeout_seconds", args.timeout)) if v is not None}
    if configured is None and "port" not in given:
        raise ValueError("no ID-card reader is configured: set [devices.id_reader] in the "
                         "configuration or give --port")
    base = configured.model_dump() if configured is not None else {}
    try:
        return config.IdReader(**{**base, **given})
    except pydantic.ValidationError as exc:
        option = {"timeout_seconds": "--timeout"}
        raise ValueError("; ".join(
            f"{option.get(str(e['loc'][0]), '--' + str(e['loc'][0]))}: {e['msg']}"
            for e in exc.errors())) from None


@with_config
def run_idcard(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    try:
        settings = settings_for(args, loaded)
    except ValueError as exc:
        print(f"kiosk idcard read: {exc}", file=sys.stderr)
        return EXIT_INVALID
    try:
        card = read_card(settings)
    except ReadFailed as exc:
        if args.json:
            print(json.dumps({"ok": False, "kind": exc.kind, "words": exc.words,
                              "detail": exc.detail}, ensure_ascii=False))
        else:
            print(f"kiosk idcard read: {exc.kind}: {exc.detail}\n{exc.words}", file=sys.stderr)
        return EXIT_FAILED
    shown = card.masked()
    if args.json:
        print(json.dumps({"ok": True, "card": shown}, ensure_ascii=False))
    else:
        for key, label in LABELS:
            print(f"{label}: {shown[key]}")
    return EXIT_OK


COMMANDS = (
    Command("idcard", "the ID-card reader: `read` reads the card on it and prints it masked",
            run_idcard, idcard_arguments),
)
