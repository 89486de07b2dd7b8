"""What a `kiosk` subcommand is, and the options every one of them takes."""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk import config
from kiosk.exits import EXIT_INVALID
from kiosk.problems import Problem


@dataclass(frozen=True)
class Command:
    """One subcommand: `kiosk NAME …`.

    `arguments(parser, common)` adds its options (and sub-actions, which take the
    `common` parent too); `run(args)` does the work and returns an exit status."""

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    arguments: Callable[[argparse.ArgumentParser, argparse.ArgumentParser], None] | None = None


def common_options() -> argparse.ArgumentParser:
    """--config and --demo, accepted before or after the subcommand: `kiosk --config F
    status` and `kiosk status --config F` both work."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, metavar="FILE", default=argparse.SUPPRESS,
                        help="configuration file (default: $KIOSK_CONFIG, then "
                             f"{config.paths.SYSTEM_CONFIG}, then the demo default)")
    common.add_argument("--demo", action="store_true", default=argparse.SUPPRESS,
                        help="run on the built-in demo configuration")
    return common


def load_config(args: argparse.Namespace) -> config.LoadedConfig:
    return config.resolve(getattr(args, "config", None), force_demo=getattr(args, "demo", False))


def with_config(handler: Callable[[argparse.Namespace, config.LoadedConfig], int]
                ) -> Callable[[argparse.Namespace], int]:
    """Runs `handler(args, loaded)`; a configuration that cannot be used is said here, once
    for every command: `kiosk COMMAND: FILE: key: problem`, exit 2."""

    @functools.wraps(handler)
    def run(args: argparse.Namespace) -> int:
        try:
            loaded = load_config(args)
        except config.ConfigError as exc:
            print(f"kiosk {args.command}: {exc}", file=sys.stderr)
            return EXIT_INVALID
        return handler(args, loaded)

    return run


def print_problems(problems: list[Problem], out=None) -> None:
    out = out or sys.stderr
    for p in problems:
        tag = "warning" if p.severity == "warning" else "error"
        print(f"  {tag}: {p.path or '(document)'}: {p.message} [{p.code}]", file=out)
