"""What `kiosk ui` and `kiosk tour` run (their options are parsed by `app/screens.py`)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from kiosk.casequery import Answer, Lookup
from kiosk.config import LoadedConfig
from kiosk.exits import EXIT_FAILED, EXIT_INVALID, EXIT_LEAVE, EXIT_OK
from kiosk.technician import Reach


def run(args: argparse.Namespace, loaded_config: LoadedConfig, *,
        network_test: Callable[[], list[Reach]] | None = None,
        case_reader: Callable[[Lookup], Answer] | None = None,
        carry_keys: Callable | None = None, agent_binder: Callable | None = None,
        case_status: Callable[[str], Answer] | None = None) -> int:
    """Runs `ui` or `tour` (by `args.command`); returns the exit status. `network_test`
    is what the technician screen's 网络测试 runs (none: the screen says it is missing);
    `case_reader` what 查询办理进度 runs (none: the screen says it cannot ask); `carry_keys`
    the enrollment's keys for the USB stick (none: the screen says the terminal is not
    enrolled)."""
    from kiosk import logs

    if args.command == "ui":
        logs.setup_logging(loaded_config.data_dir, "ui")
    else:  # a tour writes nothing into the terminal's logs
        logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("ui").setLevel(logging.INFO)
    from ui import app as app_mod

    try:
        # No --size: full-screen takes the screen, a window the canvas that fits it best.
        size = None if args.size is None else app_mod.parse_size(args.size)
    except ValueError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return EXIT_INVALID
    if args.command == "tour":
        from ui import tour

        return tour.main(loaded_config, args.out, size or app_mod.SIZES["1080x1920"],
                         elderly=args.elderly)
    return _run_ui(loaded_config, size, windowed=args.windowed,
                   bench_first_frame=getattr(args, "bench_first_frame", False),
                   network_test=network_test, case_reader=case_reader, carry_keys=carry_keys,
                   agent_binder=agent_binder, case_status=case_status)


def _run_ui(loaded: LoadedConfig, size: tuple[int, int] | None, *, windowed: bool,
            bench_first_frame: bool, network_test: Callable[[], list[Reach]] | None,
            case_reader: Callable[[Lookup], Answer] | None,
            carry_keys: Callable | None = None, agent_binder: Callable | None = None,
            case_status: Callable[[str], Answer] | None = None) -> int:
    import time

    from ui import app as app_mod

    if not windowed:
        from ui import lockdown

        lockdown.prepare_environment()
    qapp = app_mod.application()
    placement = app_mod.desktop_fit(size) if windowed else None
    canvas = placement.canvas if placement else (size or app_mod.SIZES["1080x1920"])
    kiosk = app_mod.build(loaded, size=canvas, windowed=windowed,
                          technician_options={"network_test": network_test},
                          case_reader=case_reader, camera=demo_camera(loaded),
                          carry_keys=carry_keys, agent_binder=agent_binder,
                          case_status=case_status)
    if bench_first_frame:
        def first_frame() -> None:
            print(f"FIRST_FRAME {time.time():.6f}", flush=True)
            qapp.exit(0)  # not quit(): the lock-down refuses to close the window
        kiosk.window.frameSwapped.connect(first_frame)
    _quit_on_signals(qapp)
    from ui import watchdog

    watchdog.start(kiosk.window)  # under systemd: READY=1 on the first frame, then pings
    if placement is not None:
        show_fitted(kiosk.window, placement)
    else:
        kiosk.window.showFullScreen()
    status = qapp.exec()
    kiosk.close()
    # 10: 退出自助服务; 0: 重新启动 or stopped by the unit; anything else is a failure.
    return status if status in (EXIT_OK, EXIT_LEAVE) else EXIT_FAILED


def demo_camera(loaded: LoadedConfig):
    """The demo (`--demo`, the built-in configuration) on a machine with no camera shows
    the document camera with the synthetic source; a real configuration never does."""
    if not loaded.is_demo:
        return None
    from ui.camera import SyntheticCamera, UvcCamera

    return None if UvcCamera().available() else SyntheticCamera()


def show_fitted(window, placement) -> None:
    """Shows a desktop window where `placement` puts it, then fits it again to the real
    frame the window manager gave it (known only once it is on screen)."""
    from ui import app as app_mod

    app_mod.place_window(window, placement)
    window.show()

    def once_framed() -> None:
        window.frameSwapped.disconnect(once_framed)
        if app_mod.refit_framed_window(window, placement.canvas):
            logging.getLogger("ui").info("window fitted again to its frame")
    window.frameSwapped.connect(once_framed)
    logging.getLogger("ui").info("window: canvas %dx%d at scale %.3f", *placement.canvas,
                                 placement.scale)


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
