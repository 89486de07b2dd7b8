"""The document camera (高拍仪) in the real offscreen window, fed by a synthetic video
source through the same capture path a UVC camera takes (QVideoFrameInput into the
QMediaCaptureSession, QImageCapture, the screen's VideoOutput): the live picture, 拍照,
the photo shown before it is kept, 重拍, 删除, 保留 into the session's memory; and on the
query screen a receipt's QR code held under the camera filling the receipt number."""

from __future__ import annotations

import pytest

from ui.driver import find, pump, shown, tap, wait_until


def _scene(color: str, text: str = ""):
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(640, 480, QImage.Format.Format_RGB32)
    image.fill(QColor(color))
    if text:
        p = QPainter(image)
        p.drawText(40, 240, text)
        p.end()
    return image


def _material_step(k):
    from ui.tour import sample_petition

    w, s = k.window, k.session
    tap(w, "btn:petition")
    s.load(sample_petition())
    s.goTo("attachments")
    pump(30)
    assert s.screen == "attachments"
    return w, s


def _center(item):
    from PySide6.QtCore import QPointF

    return item.mapToScene(QPointF(item.width() / 2, item.height() / 2)).toPoint()


def _pixel(window, item):
    """What the screen shows at the middle of `item`."""
    return window.grabWindow().pixelColor(_center(item)).name()


def _centre_colour(content: bytes) -> str:
    from PySide6.QtGui import QImage

    image = QImage.fromData(content)
    return image.pixelColor(image.width() // 2, image.height() // 2).name()


def _near(colour: str, expected: str, within: int = 3) -> bool:
    from PySide6.QtGui import QColor

    a, b = QColor(colour), QColor(expected)
    return all(abs(x - y) <= within for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_capture_review_retake_delete_keep(kiosk_window, size):
    from ui.camera import SyntheticCamera

    make, _ = kiosk_window
    camera = SyntheticCamera(_scene("#c83c28"))
    k = make(size=size, camera=camera)
    w, s = _material_step(k)
    assert k.camera.state == "off" and camera.frames_sent == 0  # nothing runs before 拍照
    tap(w, "shoot:evidence")
    preview = find(w, "camera:frame")  # what the screen shows there, video or painted
    # the live picture: the synthetic frames arrive on the screen
    assert wait_until(lambda: camera.frames_sent > 2 and _pixel(w, preview) == "#c83c28", 5000)
    assert k.camera.state == "live" and shown(find(w, "camera:shoot"))

    tap(w, "camera:shoot")
    assert wait_until(lambda: k.camera.state == "review", 5000), k.camera.message
    review = find(w, "camera:review")
    # what the review shows is the page as it will be sealed (kiosk/pages.py): a JPEG of
    # the sheet, its colour kept within JPEG's rounding
    page = k.camera.review_page
    assert page is not None and page.media_type == "image/jpeg" and not page.grayscale
    sealed = _centre_colour(page.content)
    assert _near(sealed, "#c83c28"), sealed
    assert wait_until(lambda: shown(review) and _pixel(w, review) == sealed, 3000)
    assert s.photos == []  # shown before it is kept
    for name in ("camera:keep", "camera:retake", "camera:discard"):
        assert shown(find(w, name)), name
    assert find(w, "camera:shoot", required=False) is None  # no 拍照 while a photo waits

    # 重拍: the photo goes, the live picture is back (now another sheet)
    camera.show(_scene("#2850c8"))
    tap(w, "camera:retake")
    assert k.camera.state == "live" and s.photos == []
    assert wait_until(lambda: _pixel(w, preview) == "#2850c8", 3000)

    # 删除: the photo goes and the camera closes; nothing kept
    tap(w, "camera:shoot")
    assert wait_until(lambda: k.camera.state == "review", 5000)
    tap(w, "camera:discard")
    assert wait_until(lambda: find(w, "camera:frame", required=False) is None, 3000)
    assert k.camera.state == "off" and s.photos == []
    sent = camera.frames_sent
    pump(300)
    assert camera.frames_sent == sent  # closed: no more frames pushed

    # 保留: the photo is the session's, as a JPEG in memory, of what was under the camera
    tap(w, "shoot:evidence")
    assert wait_until(lambda: k.camera.state == "live", 3000)
    tap(w, "camera:shoot")
    assert wait_until(lambda: k.camera.state == "review", 5000)
    shown_page = k.camera.review_page
    tap(w, "camera:keep")
    assert wait_until(lambda: len(s.photos) == 1, 3000)
    photo = s.photos[0]
    assert photo.role == "evidence" and photo.media_type == "image/jpeg"
    assert photo.content == shown_page.content  # the page kept is the page reviewed
    from PySide6.QtGui import QImage

    kept = QImage.fromData(photo.content, "JPG")
    assert (kept.width(), kept.height()) == (640, 480)
    c = kept.pixelColor(320, 240)
    assert abs(c.red() - 0x28) < 16 and abs(c.blue() - 0xc8) < 16, c.name()
    assert find(w, "camera:frame", required=False) is None  # one shot: the camera closed
    assert find(w, "material:evidence:state").property("text") == "已拍 1 张"
    # the kept photo can be deleted from the material list
    tap(w, "removePhotos:evidence")
    assert s.photos == []
    assert k.camera.review_image is None


def test_a_photo_under_review_goes_with_the_session(kiosk_window):
    from ui.camera import SyntheticCamera

    make, _ = kiosk_window
    k = make(camera=SyntheticCamera(_scene("#c83c28")))
    w, s = _material_step(k)
    tap(w, "shoot:evidence")
    assert wait_until(lambda: k.camera.state == "live", 3000)
    tap(w, "camera:shoot")
    assert wait_until(lambda: k.camera.state == "review", 5000)
    s.wipe()  # 返回首页 or the idle timeout
    pump(50)
    assert k.camera.state == "off" and k.camera.review_image is None and s.photos == []


def test_next_with_a_photo_under_review_asks_to_keep_or_retake_first(kiosk_window):
    """下一步 while a photo waits is not the screen's primary action (保留 is), and a tap on
    it neither loses the photo nor keeps it unseen: the step stays and says what to do."""
    from ui.camera import SyntheticCamera

    make, _ = kiosk_window
    k = make(camera=SyntheticCamera(_scene("#c83c28")))
    w, s = _material_step(k)
    assert find(w, "btn:next").property("primary") is True
    tap(w, "shoot:evidence")
    assert wait_until(lambda: k.camera.state == "live", 3000)
    tap(w, "camera:shoot")
    assert wait_until(lambda: k.camera.state == "review", 5000)
    assert find(w, "btn:next").property("primary") is False
    assert find(w, "camera:keep").property("primary") is True
    tap(w, "btn:next")
    pump(50)
    assert s.screen == "attachments" and k.camera.state == "review" and s.photos == []
    message = find(w, "camera:message")
    assert shown(message) and "还没有保留" in message.property("text")
    tap(w, "camera:keep")
    assert wait_until(lambda: len(s.photos) == 1, 3000)
    assert find(w, "btn:next").property("primary") is True
    tap(w, "btn:next")
    pump(50)
    assert s.screen != "attachments"


def _signed_receipt_text(terminal_id: str, receipt_no: str) -> str:
    from datetime import UTC, datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from wire import receipt

    text = receipt.sign(Ed25519PrivateKey.generate(), terminal_id=terminal_id,
                        receipt_no=receipt_no, kind="petition",
                        confirmed_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC), envelope=b"sealed")
    return receipt.receipt_url("http://127.0.0.1:8700", text)


@pytest.mark.parametrize("size", [(1080, 1920), (1920, 1080)])
def test_the_query_screen_reads_a_receipts_qr_code_under_the_camera(kiosk_window, size):
    from ui.camera import SyntheticCamera, demo_scene, receipt_scene
    from ui.tour import TOUR_RECEIPT

    make, loaded = kiosk_window
    camera = SyntheticCamera(demo_scene())  # no code under the camera yet
    k = make(size=size, camera=camera)
    w = k.window
    tap(w, "btn:startQuery")
    tap(w, "btn:scanReceipt")
    assert wait_until(lambda: k.camera.state == "live" and k.camera.scanning, 3000)
    assert find(w, "scan:prompt").property("text") == "把回执二维码放到摄像头下"
    pump(600)  # frames without a code are decoded and nothing happens
    assert k.query.number == "" and k.camera.scanning

    # another terminal's receipt: said plainly, the camera stays on
    camera.show(receipt_scene(_signed_receipt_text("T-ELSEWHERE", TOUR_RECEIPT)))
    assert wait_until(lambda: k.camera.message != "", 5000)
    assert "查询码" in find(w, "scan:message").property("text")
    assert k.query.number == "" and k.camera.scanning

    # this terminal's receipt: the number is filled in as if typed, the camera closes
    camera.show(receipt_scene(_signed_receipt_text(loaded.config.terminal.id, TOUR_RECEIPT)))
    assert wait_until(lambda: k.query.number == TOUR_RECEIPT, 5000)
    assert k.query.by == "receipt"
    assert wait_until(lambda: find(w, "query:scan", required=False) is None
                      or find(w, "scan:preview", required=False) is None, 2000)
    assert k.camera.state == "off" and not k.camera.scanning
    field = find(w, "digits:query.number")
    shown_texts = [str(c.property("text")) for c in field.childItems()]
    assert any(t.replace(" ", "") == TOUR_RECEIPT for t in shown_texts), shown_texts  # on screen


def test_the_scan_is_checked_as_kiosk_query_checks_it():
    from kiosk import casequery

    text = _signed_receipt_text("T-HERE", "4827105933")
    assert casequery.looks_scanned(text) and casequery.looks_scanned(text.rsplit("/", 1)[1])
    assert casequery.read_scanned(text, "T-HERE") == ("4827105933", "")
    assert casequery.read_scanned(text, "T-THERE") == (None, casequery.OTHER_TERMINAL)
    assert casequery.read_scanned("http://example.org/", "T-HERE") == (None, casequery.NOT_A_RECEIPT)
    assert casequery.read_scanned(text[:-6], "T-HERE") == (None, casequery.NOT_A_RECEIPT)


def test_the_configured_camera_is_picked_by_id_then_description_else_the_default():
    from ui.camera import VideoInput, pick

    built_in = VideoInput("/dev/video0", "Integrated Webcam")
    doc_cam = VideoInput("/dev/video2", "Eloam S500 高拍仪", default=True)
    inputs = [built_in, doc_cam]
    assert pick(inputs, "/dev/video0") is built_in
    assert pick(inputs, "eloam s500高拍仪") is doc_cam  # case and spaces as typed
    assert pick(inputs, "") is doc_cam  # the system's default
    assert pick([built_in], " ") is built_in
    assert pick(inputs, "Brand X") is None and pick([], "") is None


def test_a_configured_camera_that_is_not_there_says_so_and_paper_stays_possible(kiosk_window):
    """A real UVC source naming a camera this machine does not have (QMediaDevices asked
    for real): the picture stays dark, the screen says so plainly, and 不拍了 / 带原件另交
    go on as without a camera."""
    from ui.camera import NO_PICTURE, UvcCamera
    from ui.tour import REVIEW_SAMPLE, sample_petition

    make, _ = kiosk_window
    k = make(camera=UvcCamera("no camera of this name is connected"))
    w, s = k.window, k.session
    tap(w, "btn:review")
    tap(w, "choice:kind:review")
    doc = sample_petition()
    doc.pop("purpose")
    doc.update(kind="review")
    doc["matter"]["earlier_reply"] = dict(REVIEW_SAMPLE)
    s.load(doc)
    s.goTo("attachments")
    pump(30)
    tap(w, "shoot:reply_opinion")
    assert wait_until(lambda: k.camera.message == NO_PICTURE, 3000)
    assert find(w, "camera:message").property("text") == NO_PICTURE
    tap(w, "camera:shoot")  # nothing comes of it, and nothing breaks
    pump(200)
    assert k.camera.state == "live" and s.photos == []
    tap(w, "camera:close")
    assert wait_until(lambda: find(w, "camera:frame", required=False) is None, 2000)
    tap(w, "separate:reply_opinion")
    assert find(w, "material:reply_opinion:state").property("text").startswith("材料另交")
