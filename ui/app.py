"""Builds the kiosk window: QML engine, view-models, idle watcher, voice."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QEventLoop, QObject, QRect, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtQml import QQmlApplicationEngine
from PySide6.QtQuick import QQuickWindow

from kiosk import taxonomy as taxonomy_mod
from kiosk.config import LoadedConfig
from ui import env, fit, icons, qr, viewmodels
from ui.agent_binding import AgentBinding
from ui.agents import Agents
from ui.camera import CameraImages, DocumentCamera, Source, source_for
from ui.carry import Carry
from ui.casequery import CaseQuery, Reader
from ui.evaluation import Evaluation
from ui.handwriting import Handwriting
from ui.helpdesk import HelpDesk
from ui.idcard import CardReader, IdCard
from ui.idle import IdleWatcher
from ui.lockdown import Lockdown
from ui.printing import PrintFn, ReceiptPrinter
from ui.session import Session
from ui.speech import Voice
from ui.technician import Technician
from ui.theme import Theme

log = logging.getLogger(__name__)
QML_DIR = Path(__file__).resolve().parent / "qml"  # the import path of the QML module
QML_MODULE = "Kiosk"  # ui/qml/Kiosk/qmldir: the window, its components and the screens
SIZES = {"1080x1920": (1080, 1920), "1920x1080": (1920, 1080)}


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"size must look like 1080x1920, not {text!r}") from None
    if w < 480 or h < 480:
        raise ValueError("size must be at least 480x480")
    return w, h


def desktop_fit(canvas: tuple[int, int] | None = None, *, screen=None,
                frame: fit.Margins = fit.FRAME_GUESS) -> fit.Fit:
    """The canvas and scale at which a desktop window fits `screen`'s available area
    (the primary screen's by default; taskbars and docks are not available)."""
    screen = screen or QGuiApplication.primaryScreen()
    g = screen.availableGeometry()
    return fit.fit_window(fit.Rect(g.x(), g.y(), g.width(), g.height()), frame, canvas)


def place_window(window: QQuickWindow, placement: fit.Fit) -> None:
    w = placement.window
    window.setGeometry(QRect(w.x, w.y, w.width, w.height))


def refit_framed_window(window: QQuickWindow, canvas: tuple[int, int]) -> bool:
    """Once shown, the window manager's real frame and the screen the window is on are
    known: the window is fitted again with them when it does not fit. True if moved."""
    m = window.frameMargins()
    placement = desktop_fit(canvas, screen=window.screen(),
                            frame=fit.Margins(m.left(), m.top(), m.right(), m.bottom()))
    g = window.frameGeometry()
    available = window.screen().availableGeometry()
    if available.contains(g):
        return False
    place_window(window, placement)
    return True


def application(argv: list[str] | None = None, *, offscreen: bool = False) -> QGuiApplication:
    """The one QGuiApplication, made after the environment the keyboard needs."""
    env.prepare(offscreen=offscreen)
    app = QGuiApplication.instance()
    if app is None:
        app = QGuiApplication(argv or [sys.argv[0]])
        app.setApplicationName("petition-kiosk")
        from ui import fonts

        fonts.load_bundled()  # the CJK font an installed kiosk carries
        font = app.font()
        font.setFamilies(["Noto Sans CJK SC", "Source Han Sans SC", "Noto Sans"])
        font.setPixelSize(34)
        app.setFont(font)
    return app


@dataclass
class Kiosk:
    engine: QQmlApplicationEngine
    window: QQuickWindow
    session: Session
    idle: IdleWatcher
    voice: Voice
    technician: Technician
    lockdown: Lockdown | None  # full-screen only
    query: CaseQuery
    evaluation: Evaluation | None = None
    handwriting: Handwriting | None = None
    idcard: IdCard | None = None
    camera: DocumentCamera | None = None
    carry: Carry | None = None
    printer: ReceiptPrinter | None = None
    help: HelpDesk | None = None
    agents: Agents | None = None
    agent_binding: AgentBinding | None = None
    closed: bool = False

    @property
    def root(self) -> QObject:
        return self.window

    def close(self) -> None:
        """Tears down QML before the view-models it binds to, then the session's store.
        Once only: closing a closed kiosk does nothing."""
        if self.closed:
            return
        self.closed = True
        app = QGuiApplication.instance()
        app.removeEventFilter(self.idle)
        app.removeEventFilter(self.technician)
        self.idle.stop()
        if self.lockdown is not None:
            self.lockdown.allow_exit()
            self.lockdown.remove(app)
        self.voice.stop()
        self.window.close()
        self.engine.deleteLater()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)
        # bounded: what is still due is handled within the time, never waited on for ever
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 500)
        self.session.shutdown()
        if self.evaluation is not None:
            self.evaluation.shutdown()
        if self.printer is not None:
            self.printer.shutdown()
        if self.help is not None:
            self.help.shutdown()
        if self.agents is not None:
            self.agents.shutdown()
        if self.agent_binding is not None:
            self.agent_binding.shutdown()
        self.technician.shutdown()
        self.query.shutdown()
        if self.handwriting is not None:
            self.handwriting.shutdown()
        if self.idcard is not None:
            self.idcard.shutdown()
        if self.camera is not None:
            self.camera.shutdown()
        if self.carry is not None:
            self.carry.shutdown()


def build(loaded: LoadedConfig, *, size: tuple[int, int] = (1080, 1920), windowed: bool = True,
          elderly: bool = False, voice_engine: str | None = None,
          today: Callable[[], date] = date.today, idle_ms: tuple[int, int, int] | None = None,
          technician_options: dict | None = None, case_reader: Reader | None = None,
          camera: bool | Source | None = None, id_reader: CardReader | None = None,
          carry_keys: Callable | None = None, print_fn: PrintFn | None = None,
          agent_binder: Callable | None = None, case_status: Callable | None = None) -> Kiosk:
    """Makes the window. `idle_ms` = (warn after, countdown steps, step length) for tests;
    `technician_options` (clock, exit_app, idle times) likewise; `case_reader` is what
    查询办理进度 runs (handed in by the kiosk command: the UI reaches no network). Full-screen (not
    `windowed`) installs the lock-down: no way out but the technician's. `camera`: the document
    camera's source (ui/camera.py: a `SyntheticCamera` in tests, the tour and the demo), or
    whether the terminal can photograph material at all (None: the configured UVC camera,
    asked of QMediaDevices when a visit starts). `id_reader`: what 刷身份证 runs (None: the
    configured `[devices.id_reader]`, if any). `carry_keys` gives the enrollment's keys to the
    technician screen's USB stick (`ui/carry.py`).
    `print_fn` prints the voucher instead of `[devices.printer]` (the tour, tests).
    `agent_binder` redeems an agent's binding code at the platform (`sync.agents.redeem`,
    handed in by the kiosk command) for the technician screen's 绑定代办员; `case_status` reads
    a delivered case's status by query code for the agent's list (`app.cases.status_for`).
    The categories offered are those the platform last published (`taxonomy.for_terminal`)."""
    app = QGuiApplication.instance()
    tax = taxonomy_mod.for_terminal(loaded.data_dir)
    source, told = source_for(loaded, camera)
    session = Session(loaded, tax, today=today, camera=source.available if told is None else told)
    document_camera = DocumentCamera(session, source, terminal_id=loaded.config.terminal.id)
    session.elderly = elderly
    voice = Voice(voice_engine)
    session.speak.connect(lambda text: voice.say(text) if session.voice else None)
    session.replay.connect(voice.say)
    if idle_ms is None:
        idle_ms = (loaded.config.idle.warn_after_seconds * 1000, loaded.config.idle.countdown_seconds,
                   1000)
    agent_desk = Agents(loaded, session, print_fn=print_fn, case_status=case_status)
    agent_binding = AgentBinding(loaded, binder=agent_binder)
    # An agent's session times out on its own home screen too, back to the sign-in.
    idle = IdleWatcher(idle_ms[0], idle_ms[1],
                       active=lambda: session.screen != "home" or agent_desk.signedIn,
                       tick_ms=idle_ms[2])
    idle.expired.connect(session.wipe)
    idle.expired.connect(lambda: agent_desk.end("idle"))
    app.installEventFilter(idle)

    lockdown = None if windowed else Lockdown()
    technician = Technician(loaded, session, lockdown=lockdown, **(technician_options or {}))
    app.installEventFilter(technician)

    query = CaseQuery(session, reader=case_reader, today=today, loaded=loaded)
    idcard = IdCard(session, id_reader or configured_id_reader(loaded))
    document_camera.receiptRead.connect(query.scanned)  # as if typed

    engine = QQmlApplicationEngine()
    engine.addImageProvider("qr", qr.QrImageProvider())
    engine.addImageProvider("icon", icons.IconProvider())
    engine.addImageProvider("camera", CameraImages(document_camera))
    engine.addImportPath(str(QML_DIR))
    # The QML singletons of Kiosk.ViewModels are this window's own objects.
    evaluation = Evaluation(loaded, session)
    evaluation.case_target = query.case_target  # a `case` rating rates the case read
    evaluation.on_case_rated = query.rated
    carry = Carry(loaded, carry_keys)
    printer = ReceiptPrinter(loaded, session, print_fn=print_fn)
    help_desk = HelpDesk(loaded, session, technician)
    handwriting = Handwriting(loaded, session)  # strokes in memory, wiped with the session
    viewmodels.provide(engine, Session=session, Theme=Theme(session, session), Idle=idle,
                       Technician=technician, Evaluation=evaluation, Query=query,
                       Handwriting=handwriting, IdCard=idcard, Camera=document_camera,
                       Carry=carry, Printer=printer, Help=help_desk, Agents=agent_desk,
                       AgentBind=agent_binding)
    engine.setInitialProperties({"initialWidth": size[0], "initialHeight": size[1],
                                 "windowed": windowed})
    engine.loadFromModule(QML_MODULE, "Main")
    roots = engine.rootObjects()
    if not roots:
        raise RuntimeError("the kiosk's QML did not load")
    window = roots[0]
    assert isinstance(window, QQuickWindow)
    technician.attach(window)
    if lockdown is not None:
        lockdown.install(app)
    # Off the start path: what only 确认提交 needs is imported once the home screen is up.
    QTimer.singleShot(1500, session.preload)
    return Kiosk(engine, window, session, idle, voice, technician, lockdown, query, evaluation,
                 handwriting, idcard, camera=document_camera, carry=carry,
                 printer=printer, help=help_desk, agents=agent_desk,
                 agent_binding=agent_binding)


def configured_id_reader(loaded: LoadedConfig) -> CardReader | None:
    """The read of `[devices.id_reader]`, or None: the form then offers no 刷身份证."""
    settings = loaded.config.devices.id_reader
    if settings is None:
        return None
    from kiosk.idcard import read_card  # pyserial: only on a terminal with a reader

    return lambda: read_card(settings)
