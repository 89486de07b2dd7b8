"""The `kiosk` command's entry point: one registry of subcommands, one parser."""

from __future__ import annotations

import argparse
import sys

from app import (
    agents,
    carry,
    case_actions,
    cases,
    delivery,
    devices,
    doctor,
    evaluations,
    idcard,
    ink,
    logs,
    outbox,
    petitions,
    screens,
    technician,
)
from app.registry import Command, common_options
from kiosk import __version__

# In the order `kiosk --help` lists them.
COMMANDS: tuple[Command, ...] = (
    *petitions.COMMANDS,  # config, submit
    *delivery.COMMANDS,  # sync, enroll
    *cases.COMMANDS,  # case, query
    *evaluations.COMMANDS,  # evaluate
    *case_actions.COMMANDS,  # supplement, withdraw
    *screens.COMMANDS,  # ui, tour
    *devices.COMMANDS,  # print, help-alert
    *doctor.COMMANDS,
    *idcard.COMMANDS,  # idcard read
    *logs.COMMANDS,
    *ink.COMMANDS,  # ink recognize
    *technician.COMMANDS,  # set-pin, audit
    *outbox.COMMANDS,  # outbox, status, migrate, recover
    *carry.COMMANDS,  # carry export|import|relay
    *agents.COMMANDS,  # agent bind|list|signin|submissions
)
BY_NAME = {c.name: c for c in COMMANDS}
DEFAULT = "ui"  # `kiosk` alone, or with only global options, starts the kiosk


def build_parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="kiosk", parents=[common],
        description="Self-service kiosk for online petitions (网上信访自助服务区).")
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for command in COMMANDS:
        parsed = sub.add_parser(command.name, parents=[common], help=command.help)
        if command.arguments is not None:
            command.arguments(parsed, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not set(argv) & {*BY_NAME, "-h", "--help", "--version"}:
        argv.insert(0, DEFAULT)
    args = parser.parse_args(argv)
    return BY_NAME[args.command].run(args)


if __name__ == "__main__":
    sys.exit(main())
