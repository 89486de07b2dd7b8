"""`Camera`, the view-model of the document camera (高拍仪): live preview, 拍照, the photo
shown for review before it is kept (保留 / 重拍 / 删除), and reading a receipt's QR code
held under the camera on the query screen.

One capture path for every source: a `QMediaCaptureSession` with a `QImageCapture` and
the screen's `VideoOutput`. What feeds the session is the composition root's choice
(`ui/app.py`'s `build`): a UVC camera found through `QMediaDevices` (`[devices.camera] device` in
the configuration: its id or its description, "" the first video input), or a
`SyntheticCamera` that pushes pictures through `QVideoFrameInput` (Qt 6.8+) — what the
tests, the tour and the demo use. No configuration value selects the synthetic source.

A photo is made a page on the worker thread first (`kiosk/pages.py`: upright, scaled,
grayscale when it has no colour, compressed for a village link), and the page is what the
review shows, a `QImage` in this object's memory behind the `image://camera/` provider;
kept, that same page becomes the session's (`Session.addPage`, in memory until sealed at
confirm). Nothing is written to disk. QtMultimedia is imported
only when a camera screen opens (it is slow to load).

QR codes are decoded by zxing-cpp on a worker thread, one frame at a time and at most
every `SCAN_EVERY_MS`; the GUI thread only hands over the (shared, not copied) frame.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Property, QElapsedTimer, QObject, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPen
from PySide6.QtQml import QmlNamedElement, QmlSingleton
from PySide6.QtQuick import QQuickImageProvider

from kiosk import casequery, pages
from ui import signature, viewmodels

log = logging.getLogger(__name__)

QML_IMPORT_NAME = viewmodels.URI
QML_IMPORT_MAJOR_VERSION = 1

SCAN_EVERY_MS = 250  # a QR code held still is read within a second; the worker stays idle
SYNTHETIC_FPS = 10
PAINT_EVERY_MS = 125  # the painted preview (software rendering): 8 frames a second
OFF, LIVE, REVIEW = "off", "live", "review"
NO_PICTURE = "摄像头没有画面。可以按“不拍了”，选“带原件另交”；或请工作人员检查摄像头。"


# --- sources -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInput:
    """A camera as QMediaDevices lists it."""

    id: str
    description: str
    default: bool = False


def video_inputs() -> list[VideoInput]:
    from PySide6.QtMultimedia import QMediaDevices

    default = QMediaDevices.defaultVideoInput()
    return [VideoInput(bytes(d.id().data()).decode(errors="replace"), d.description(),
                       d.id() == default.id()) for d in QMediaDevices.videoInputs()]


def pick(inputs: list[VideoInput], wanted: str) -> VideoInput | None:
    """The configured camera: by id, else by description (case and spaces ignored), else
    ("" configured) the system's default or the first one."""
    if not inputs:
        return None
    if not wanted.strip():
        return next((i for i in inputs if i.default), inputs[0])
    for i in inputs:
        if i.id == wanted:
            return i
    key = "".join(wanted.split()).casefold()
    return next((i for i in inputs if "".join(i.description.split()).casefold() == key), None)


class UvcCamera:
    """A real camera (UVC, or whatever QtMultimedia lists), chosen by `device`."""

    kind = "uvc"

    def __init__(self, device: str = ""):
        self.device = device
        self._camera: Any = None

    def available(self) -> bool:
        try:
            return pick(video_inputs(), self.device) is not None
        except ImportError:  # QtMultimedia missing from the bundle
            return False

    def attach(self, session: Any, on_error: Callable[[], None]) -> bool:
        """The camera into the session; False when it is not connected (any more)."""
        from PySide6.QtMultimedia import QCamera, QMediaDevices

        chosen = pick(video_inputs(), self.device)
        if chosen is None:
            return False
        device = next(d for d in QMediaDevices.videoInputs()
                      if bytes(d.id().data()).decode(errors="replace") == chosen.id)
        self._camera = QCamera(device)
        self._camera.errorOccurred.connect(lambda *_: on_error())
        # The sharpest picture the camera offers: text on paper must stay legible.
        formats = sorted(device.videoFormats(), key=lambda f: f.resolution().width()
                         * f.resolution().height())
        if formats:
            self._camera.setCameraFormat(formats[-1])
        session.setCamera(self._camera)
        self._camera.start()
        return True

    def detach(self, session: Any) -> None:
        if self._camera is not None:
            self._camera.stop()
            session.setCamera(None)
            self._camera = None


def demo_scene(width: int = 1280, height: int = 960) -> QImage:
    """A sheet of paper on a dark desk, as the demo's and the tour's camera sees it."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("#3a3f44"))
    p = QPainter(image)
    w, h = width, height
    sheet = (int(w * 0.18), int(h * 0.06), int(w * 0.64), int(h * 0.88))
    p.fillRect(*sheet, QColor("#fbfbf8"))
    p.setPen(QPen(QColor("#1a1a1a")))
    font = QFont(["Noto Sans CJK SC", "Source Han Sans SC"])
    font.setPixelSize(int(h * 0.05))
    p.setFont(font)
    x, y = sheet[0] + int(w * 0.05), sheet[1] + int(h * 0.12)
    p.drawText(x, y, "示例材料")
    for line in range(9):
        top = y + int(h * 0.08) * (line + 1)
        p.fillRect(x, top, int(sheet[2] * (0.8 if line % 3 else 0.55)), int(h * 0.012),
                   QColor("#5a5a5a"))
    p.end()
    return image


def receipt_scene(qr_text: str, width: int = 1280, height: int = 960) -> QImage:
    """A printed receipt with its QR code, held under the camera (the tour, the tests)."""
    from ui import qr

    image = demo_scene(width, height)
    code = QImage.fromData(qr.png_bytes(qr_text), "PNG")
    side = int(min(width, height) * 0.55)
    p = QPainter(image)
    p.drawImage((width - side) // 2, (height - side) // 2,
                code.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio))
    p.end()
    return image


class SyntheticCamera:
    """Pictures pushed into the capture session through QVideoFrameInput, as a camera's
    frames would arrive: `show(image)` puts another sheet under the camera."""

    kind = "synthetic"

    def __init__(self, scene: QImage | None = None, fps: int = SYNTHETIC_FPS):
        self.scene = scene if scene is not None else demo_scene()
        self._interval = max(1, 1000 // fps)
        self._input: Any = None
        self._timer: QTimer | None = None
        self.frames_sent = 0

    def available(self) -> bool:
        return True

    def show(self, scene: QImage) -> None:
        self.scene = scene

    def attach(self, session: Any, on_error: Callable[[], None]) -> bool:
        from PySide6.QtMultimedia import QVideoFrameInput

        self._input = QVideoFrameInput()
        session.setVideoFrameInput(self._input)
        self._timer = QTimer()
        self._timer.setInterval(self._interval)
        self._timer.timeout.connect(self._send)
        self._timer.start()
        self._send()
        return True

    def _send(self) -> None:
        from PySide6.QtMultimedia import QVideoFrame

        if self._input is not None and self._input.sendVideoFrame(QVideoFrame(self.scene)):
            self.frames_sent += 1

    def detach(self, session: Any) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._input is not None:
            session.setVideoFrameInput(None)
            self._input = None


Source = UvcCamera | SyntheticCamera


def read_codes(frame: Any) -> list[str]:
    """The QR codes in one video frame (on the worker thread: conversion and decoding)."""
    import zxingcpp

    image = frame.toImage() if hasattr(frame, "toImage") else frame
    if image.isNull():
        return []
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    return [b.text for b in zxingcpp.read_barcodes(gray, formats=zxingcpp.BarcodeFormat.QRCode)]


# --- the view-model --------------------------------------------------------------------------


class CameraImages(QQuickImageProvider):
    """`image://camera/review/<n>`: the photo under review; `image://camera/live/<n>`: the
    latest frame, where the scene graph cannot draw video (below). From memory, never a
    file."""

    def __init__(self, camera: DocumentCamera) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)
        self._camera = camera

    def requestImage(self, id_: str, size: QSize, requested: QSize) -> QImage:  # noqa: N802
        wanted = self._camera.review_image if id_.startswith("review/") else self._camera.live_image
        image = wanted if wanted is not None else QImage(1, 1, QImage.Format.Format_RGB32)
        if size is not None:
            size.setWidth(image.width())
            size.setHeight(image.height())
        return image


@QmlNamedElement("Camera")
@QmlSingleton
class DocumentCamera(QObject):
    changed = Signal()  # state, reviewSource, message, painted
    previewChanged = Signal()  # a new frame for the painted preview
    receiptRead = Signal(str)  # a receipt number read from a QR code under the camera
    _decoded = Signal(int, object)  # from the worker: (generation, list of texts)
    _prepared = Signal(int, object)  # from the worker: (generation, the page or its failure)

    @staticmethod
    def create(engine) -> DocumentCamera:
        return viewmodels.of(engine, "Camera")

    def __init__(self, session, source: Source, *, terminal_id: str = "",
                 parent: QObject | None = None):
        super().__init__(parent)
        self._session = session
        self.source = source
        self._terminal_id = terminal_id
        self._available: bool | None = None
        self._capture: Any = None  # QMediaCaptureSession, made on first use
        self._image_capture: Any = None
        self._output: Any = None
        self._state = OFF
        self.review_image: QImage | None = None
        self.review_page: pages.Page | None = None  # what 保留 keeps: the page as shown
        self._preparing = False  # a shot on its way to become a page
        self.live_image: QImage | None = None
        self._painted = False  # the window draws in software: the preview is painted frames
        self._live_frames = 0
        self._paint_clock = QElapsedTimer()
        self._shots = 0  # a new review URL per photo: QML's cache never shows an old one
        self._message = ""
        self._scanning = False
        self._scan_busy = False
        self._scan_clock = QElapsedTimer()
        self._generation = 0
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="camera-scan")
        self._decoded.connect(self._on_decoded, Qt.ConnectionType.QueuedConnection)
        self._prepared.connect(self._on_prepared, Qt.ConnectionType.QueuedConnection)
        session.wiped.connect(self.close)

    # ---- what QML binds to ---------------------------------------------------------------
    state = Property(str, lambda self: self._state, notify=changed)
    message = Property(str, lambda self: self._message, notify=changed)
    scanning = Property(bool, lambda self: self._scanning, notify=changed)

    @Property(str, notify=changed)
    def reviewSource(self) -> str:  # noqa: N802
        return f"image://camera/review/{self._shots}" if self._state == REVIEW else ""

    @Property(str, notify=previewChanged)
    def liveSource(self) -> str:  # noqa: N802
        return f"image://camera/live/{self._live_frames}" if self.live_image is not None else ""

    painted = Property(bool, lambda self: self._painted, notify=changed)

    @Property(bool, constant=True)
    def available(self) -> bool:
        return self.is_available()

    def is_available(self) -> bool:
        """Asked when a camera screen is first needed, not at start-up."""
        if self._available is None:
            self._available = self.source.available()
        return self._available

    # ---- preview and capture ---------------------------------------------------------------
    def _ensure_session(self) -> None:
        if self._capture is not None:
            return
        from PySide6.QtMultimedia import QImageCapture, QMediaCaptureSession

        self._capture = QMediaCaptureSession()
        self._image_capture = QImageCapture()
        self._image_capture.imageCaptured.connect(self._on_captured)
        self._image_capture.errorOccurred.connect(self._on_capture_error)
        self._capture.setImageCapture(self._image_capture)

    @Slot(QObject, bool)
    def open(self, output: QObject, software: bool) -> None:
        """The live picture into `output` (a QML VideoOutput). `software`: the window's scene
        graph is Qt Quick's software renderer (QML's GraphicsInfo.api), which draws no video
        (a terminal without a GPU driver, the offscreen tests and tour); the screen then
        shows the same sink's frames as images, a few a second (`painted`, `liveSource`)."""
        self._ensure_session()
        if self._state != OFF:
            self._detach()
        self._output = output
        self._painted = software
        self._capture.setVideoOutput(output)
        sink = self._capture.videoSink()
        if sink is not None:
            sink.videoFrameChanged.connect(self._on_frame)
        if self.source.attach(self._capture, self._on_camera_error):
            self._set(LIVE, "")
        else:
            log.warning("camera not found when its screen opened")
            self._set(LIVE, NO_PICTURE)

    @Slot()
    def close(self) -> None:
        """Preview off; a photo not kept is dropped."""
        self._scanning = False
        self._generation += 1
        self.review_image = self.review_page = None
        self._preparing = False
        self.live_image = None
        if self._state != OFF:
            self._detach()
        self._set(OFF, "")

    def _detach(self) -> None:
        self.source.detach(self._capture)
        sink = self._capture.videoSink()
        if sink is not None:
            try:
                sink.videoFrameChanged.disconnect(self._on_frame)
            except (RuntimeError, TypeError):
                pass
        self._capture.setVideoOutput(None)
        self._output = None

    @Slot()
    def shoot(self) -> None:
        """拍照: the next frame becomes the photo under review."""
        if self._state != LIVE or self._preparing:
            return
        if self._image_capture.capture() < 0:
            self._set(LIVE, "没有拍到照片，请再按一次“拍照”。")

    def _on_captured(self, _id: int, image: QImage) -> None:
        if self._state != LIVE or self._preparing:
            return  # closed while the shot was on its way
        self._preparing = True
        self._set(LIVE, "正在处理照片，请稍等。")
        # Made a page off the GUI thread: scaling and compressing a camera's photo takes
        # a few hundred milliseconds.
        self._executor.submit(self._prepare, self._generation, image.copy())

    def _prepare(self, generation: int, image: QImage) -> None:
        try:
            page: object = pages.compress(signature.encode(image, "JPG"), "image/jpeg")
        except Exception as exc:  # noqa: BLE001 — said on screen, the citizen shoots again
            page = exc
        self._prepared.emit(generation, page)

    def _on_prepared(self, generation: int, page: object) -> None:
        if generation != self._generation or not self._preparing:
            return  # closed, or a new visitor, meanwhile
        self._preparing = False
        if not isinstance(page, pages.Page):
            log.warning("camera photo not made a page: %s", type(page).__name__)
            self._set(LIVE, "没有拍到照片，请再按一次“拍照”。")
            return
        self.review_page, self.review_image = page, QImage.fromData(page.content)
        self._shots += 1
        self._set(REVIEW, "")
        self._session.speak.emit("请看照片。看得清楚，就按“保留”；不清楚，就按“重拍”。")

    def _on_camera_error(self) -> None:
        log.warning("camera stopped with an error")
        self._set(self._state, NO_PICTURE)

    def _on_capture_error(self, _id: int, _error: Any, _text: str) -> None:
        log.warning("camera capture failed")
        self._set(LIVE, "没有拍到照片，请再按一次“拍照”。")

    @Slot(str)
    def keep(self, role: str) -> None:
        """保留: the photo goes to the session's material (in memory until sealed)."""
        if self._state != REVIEW or self.review_page is None:
            return
        page, self.review_page, self.review_image = self.review_page, None, None
        self._session.addPage(role, page)
        self._set(LIVE, "")

    @Slot()
    def retake(self) -> None:
        """重拍 (and 删除): the photo under review is dropped; the live picture again."""
        if self._state == REVIEW:
            self.review_image = self.review_page = None
            self._set(LIVE, "")

    @Slot(result=bool)
    def undecided(self) -> bool:
        """下一步 with a photo under review: it is neither kept nor dropped behind the
        citizen's back. Says to choose, and tells the caller to stay (True)."""
        if self._state != REVIEW:
            return False
        words = "这张照片还没有保留。字看得清楚，就按“保留”；看不清，就按“重拍”。"
        self._set(REVIEW, words)
        self._session.speak.emit(words)
        return True

    # ---- the receipt's QR code -------------------------------------------------------------
    @Slot(QObject, bool)
    def scan(self, output: QObject, software: bool) -> None:
        """The query screen: the live picture, and its QR codes read off the GUI thread."""
        self.open(output, software)
        self._scanning = True
        self._scan_clock.invalidate()
        self._set(LIVE, "")

    def _on_frame(self, frame: Any) -> None:
        if self._painted and self._state == LIVE and (
                not self._paint_clock.isValid() or self._paint_clock.elapsed() >= PAINT_EVERY_MS):
            self._paint_clock.start()
            self.live_image = frame.toImage()
            self._live_frames += 1
            self.previewChanged.emit()
        if not self._scanning or self._scan_busy:
            return
        if self._scan_clock.isValid() and self._scan_clock.elapsed() < SCAN_EVERY_MS:
            return
        self._scan_clock.start()
        self._scan_busy = True
        generation = self._generation
        self._executor.submit(self._decode, generation, frame)

    def _decode(self, generation: int, frame: Any) -> None:
        try:
            texts: object = read_codes(frame)
        except Exception as exc:  # noqa: BLE001 — the next frame tries again
            texts = exc
        self._decoded.emit(generation, texts)

    def _on_decoded(self, generation: int, texts: object) -> None:
        self._scan_busy = False
        if generation != self._generation or not self._scanning:
            return  # closed, or a new visitor, meanwhile
        if isinstance(texts, Exception):
            log.warning("camera QR decoding failed: %s", type(texts).__name__)
            return
        assert isinstance(texts, list)
        for text in texts:
            number, problem = casequery.read_scanned(text, self._terminal_id)
            if number:
                self.close()
                self.receiptRead.emit(number)
                self._session.speak.emit("已读到回执编号。请输入手机号码的最后4位，再按“查询”。")
                return
            if problem and problem != self._message:
                self._set(self._state, problem)
                self._session.speak.emit(problem)

    # ---- helpers -----------------------------------------------------------------------------
    def _set(self, state: str, message: str) -> None:
        if (state, message) != (self._state, self._message):
            self._state, self._message = state, message
            self.changed.emit()
        elif state == LIVE:
            self.changed.emit()  # a new review URL, or scanning changed

    def shutdown(self) -> None:
        self.close()
        self._executor.shutdown(wait=False, cancel_futures=True)


def source_for(loaded: Any, camera: bool | Source | None) -> tuple[Source, Callable[[], bool] | bool | None]:
    """The composition root's choice: a source handed in (tests, tour, demo), else the
    configured UVC camera; and what the session is told about the camera."""
    if isinstance(camera, UvcCamera | SyntheticCamera):
        return camera, True
    cfg = loaded.config.devices.camera
    source = UvcCamera(cfg.device if cfg is not None else "")
    return source, camera
