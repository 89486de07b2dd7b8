"""`kiosk ui` and `kiosk tour`: the touch UI, handed what it needs of the other sides
(the technician screen's network test; with --demo, the delivery chain behind it)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from app.registry import Command, with_config
from kiosk import config
from kiosk.exits import EXIT_FAILED


def ui_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--windowed", action="store_true",
                        help="an ordinary window instead of full-screen and frameless "
                             "(for a desktop)")
    parser.add_argument("--size", default=None, metavar="WxH",
                        help="the canvas the layout is made for, 1080x1920 or 1920x1080 "
                             "(full-screen: the screen's own size; windowed: by default the "
                             "canvas that fits the screen best, scaled to its free area)")
    parser.add_argument("--bench-first-frame", action="store_true", help=argparse.SUPPRESS)


def tour_arguments(parser: argparse.ArgumentParser, common: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, required=True, metavar="DIR")
    parser.add_argument("--size", default="1080x1920", choices=["1080x1920", "1920x1080"])
    parser.add_argument("--elderly", action="store_true", help="in 大字 mode")


def display_missing() -> str | None:
    """Why Qt could not open a window here, or None."""
    if os.environ.get("QT_QPA_PLATFORM") or os.environ.get("DISPLAY") or \
            os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a graphical "
            "session, under a kiosk compositor such as cage, or set QT_QPA_PLATFORM "
            "(eglfs on a kiosk terminal, offscreen for a test).")


@with_config
def tour(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # a tour never needs a screen
    os.environ.setdefault("QT_QUICK_BACKEND", "software")
    from ui import cli as ui_cli

    return ui_cli.run(args, loaded)


@with_config
def ui(args: argparse.Namespace, loaded: config.LoadedConfig) -> int:
    missing = display_missing()
    if missing:
        print(f"kiosk ui: {missing}", file=sys.stderr)
        return EXIT_FAILED
    from app.carry import keys_for
    from app.cases import query_for, status_for
    from app.doctor import network_test_for
    from ui import cli as ui_cli

    network_test, case_reader = network_test_for(loaded), query_for(loaded)
    carry_keys = keys_for(loaded)

    def agent_binder(code: str):  # 绑定代办员 on the technician screen: the UI reaches no network
        from sync import agents as sync_agents

        return sync_agents.redeem(loaded, code)
    if not loaded.is_demo:
        return ui_cli.run(args, loaded, network_test=network_test, case_reader=case_reader,
                          carry_keys=carry_keys, agent_binder=agent_binder,
                          case_status=status_for(loaded))
    # --demo: the whole chain on this machine — a local reference platform, this
    # terminal enrolled with it, and the sync worker — for as long as the UI runs.
    from app.demo import DemoChain, DemoError

    chain = DemoChain(loaded)
    try:
        chain.start()
    except DemoError as exc:
        chain.stop()
        print(f"kiosk ui: {exc}", file=sys.stderr)
        return EXIT_FAILED
    try:
        return ui_cli.run(args, loaded, network_test=network_test, case_reader=case_reader,
                          carry_keys=carry_keys, agent_binder=agent_binder,
                          case_status=status_for(loaded))
    finally:
        chain.stop()


COMMANDS = (
    Command("ui", "start the touch UI (the default)", ui, ui_arguments),
    Command("tour", "drive the UI through every screen, save PNGs and audit.json", tour,
            tour_arguments),
)
