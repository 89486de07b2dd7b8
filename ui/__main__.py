"""`python -m ui [ui|tour] ...`: the UI commands until they are wired into `kiosk`."""

from __future__ import annotations

import argparse
import sys

from kiosk import config
from ui import cli


def main(argv: list[str] | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=config.Path, metavar="FILE", default=argparse.SUPPRESS)
    common.add_argument("--demo", action="store_true", default=argparse.SUPPRESS)
    parser = argparse.ArgumentParser(prog="python -m ui", parents=[common])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    cli.add_commands(sub, common)
    argv = list(sys.argv[1:] if argv is None else argv)
    if not any(a in ("ui", "tour") for a in argv) and not {"-h", "--help"} & set(argv):
        argv.insert(0, "ui")  # like `kiosk`: no command starts the kiosk
    args = parser.parse_args(argv)
    try:
        loaded = config.resolve(getattr(args, "config", None), force_demo=getattr(args, "demo", False))
    except config.ConfigError as exc:
        print(f"configuration: {exc}", file=sys.stderr)
        return cli.EXIT_INVALID
    return cli.run(args, loaded)


if __name__ == "__main__":
    sys.exit(main())
