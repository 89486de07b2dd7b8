"""The `kiosk ui` and `kiosk tour` commands (wired into kiosk/cli.py by `add_commands`)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from kiosk.config import LoadedConfig

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
EXIT_LEAVE = 10  # the technician left the kiosk: the unit must not start it again


def add_commands(subparsers, common_parent: argparse.ArgumentParser) -> None:
    """Registers `ui` and `tour` on the `kiosk` command's subparsers."""
    ui = subparsers.add_parser("ui", parents=[common_parent], help="start the touch UI (the default)")
    ui.add_argument("--windowed", action="store_true",
                    help="an ordinary window instead of full-screen and frameless (for a desktop)")
    ui.add_argument("--size", default="1080x1920", metavar="WxH",
                    help="window size in pixels (default 1080x1920; full-screen uses the screen)")
    ui.add_argument("--bench-first-frame", action="store_true", help=argparse.SUPPRESS)

    tour = subparsers.add_parser("tour", parents=[common_parent],
                                 help="drive the UI through every screen, save PNGs and audit.json")
    tour.add_argument("--out", type=Path, required=True, metavar="DIR")
    tour.add_argument("--size", default="1080x1920", choices=["1080x1920", "1920x1080"])
    tour.add_argument("--elderly", action="store_true", help="in 大字 mode")


def run(args: argparse.Namespace, loaded_config: LoadedConfig) -> int:
    """Runs `ui` or `tour` (by `args.command`); returns the exit status."""
    from kiosk import logs

    if args.command == "ui":
        logs.setup_logging(loaded_config.data_dir, "ui")
    else:  # a tour writes nothing into the terminal's logs
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("ui").setLevel(logging.INFO)
    from ui import app as app_mod

    try:
        size = app_mod.parse_size(args.size)
    except ValueError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.command == "tour":
        from ui import tour

        return tour.main(loaded_config, args.out, size, elderly=args.elderly)
    return _run_ui(loaded_config, size, windowed=args.windowed,
                   bench_first_frame=getattr(args, "bench_first_frame", False))


def _run_ui(loaded: LoadedConfig, size: tuple[int, int], *, windowed: bool,
            bench_first_frame: bool) -> int:
    import time

    from ui import app as app_mod

    if not windowed:
        from ui import lockdown

        lockdown.prepare_environment()
    qapp = app_mod.application()
    kiosk = app_mod.build(loaded, size=size, windowed=windowed)
    if bench_first_frame:
        def first_frame() -> None:
            print(f"FIRST_FRAME {time.time():.6f}", flush=True)
            qapp.exit(0)  # not quit(): the lock-down refuses to close the window
        kiosk.window.frameSwapped.connect(first_frame)
    _quit_on_signals(qapp)
    from ui import watchdog

    watchdog.start(kiosk.window)  # under systemd: READY=1 on the first frame, then pings
    if windowed:
        kiosk.window.show()
    else:
        kiosk.window.showFullScreen()
    status = qapp.exec()
    kiosk.close()
    # 10: 退出自助服务; 0: 重新启动 or stopped by the unit; anything else is a failure.
    return status if status in (EXIT_OK, EXIT_LEAVE) else EXIT_FAILED


def _quit_on_signals(qapp) -> None:
    """SIGTERM (systemd stopping the unit) and SIGINT end the event loop cleanly, so the
    session is wiped and the demo chain stopped. Python only sees a signal when it
    runs, so a short timer gives it the chance while Qt waits for input."""
    import signal

    from PySide6.QtCore import QTimer

    def quit_now(signum: int, frame: object) -> None:
        # exit(), not quit(): quit() first asks the windows to close, which the lock-down
        # refuses, so a stop by the unit would wait for its kill timeout.
        qapp.exit(0)

    signal.signal(signal.SIGTERM, quit_now)
    signal.signal(signal.SIGINT, quit_now)
    tick = QTimer(qapp)
    tick.timeout.connect(lambda: None)
    tick.start(250)
