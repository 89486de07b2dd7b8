"""The document camera end to end: a photo taken in the real offscreen window from the
synthetic video source (the capture path a UVC camera takes), reviewed, kept, sealed at
confirm, delivered by `kiosk sync` to a real platform on 127.0.0.1, and opened there with
the platform's key: the attachment's sha256 is the photo's. Nothing of the photo is left
on the terminal's disk in plain form."""

from __future__ import annotations

import hashlib
import sqlite3

from tests.support.platform_server import running_receiver
from tests.support.terminal import enrolled_terminal, receiver_cases


def _scene():
    from PySide6.QtGui import QColor, QImage, QPainter

    image = QImage(800, 600, QImage.Format.Format_RGB32)
    image.fill(QColor("#f4f1e8"))
    p = QPainter(image)
    for row in range(12):  # lines of "text" on the sheet, so the JPEG is not trivial
        p.fillRect(60, 60 + row * 40, 500 + (row * 37) % 180, 14, QColor("#303030"))
    p.end()
    return image


def _all_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


def test_a_photo_from_the_camera_reaches_the_platform_as_the_attachment(tmp_path, kiosk_window):
    from receiver import keys
    from receiver.storage import Store
    from ui.camera import SyntheticCamera
    from ui.driver import drag, find, pump, tap, wait_until
    from ui.tour import sample_petition
    from wire import sealing

    make, _ = kiosk_window
    with running_receiver(tmp_path / "platform") as rx:
        term = enrolled_terminal(tmp_path, rx)
        k = make(loaded=term.loaded(), camera=SyntheticCamera(_scene()))
        w, s = k.window, k.session
        tap(w, "btn:petition")
        doc = sample_petition()
        doc["consent"] = {"privacy": True, "truthful": True}
        s.load(doc)
        s.goTo("attachments")
        pump(30)
        tap(w, "shoot:evidence")
        assert wait_until(lambda: k.camera.state == "live", 3000)
        tap(w, "camera:shoot")
        assert wait_until(lambda: k.camera.state == "review", 5000), k.camera.message
        tap(w, "camera:retake")  # once more, as a citizen whose hand moved
        tap(w, "camera:shoot")
        assert wait_until(lambda: k.camera.state == "review", 5000), k.camera.message
        tap(w, "camera:keep")
        assert wait_until(lambda: len(s.photos) == 1, 3000)
        photo = s.photos[0].content
        # a sheet of paper and ink becomes a grayscale page (kiosk/pages.py), as reviewed
        assert s.photos[0].media_type == "image/png" and photo.startswith(b"\x89PNG")
        digest = hashlib.sha256(photo).hexdigest()

        s.goTo("review")
        pump(30)
        tap(w, "btn:next")
        drag(w, find(w, "signaturePad"), [(40, 40), (120, 160), (200, 60)])
        tap(w, "btn:next")
        assert wait_until(lambda: s.screen == "receipt", 15_000), (s.problems, s.general)
        receipt_no = s.receiptNo.replace(" ", "")

        # sealed at confirm: the photo's bytes are nowhere on the terminal's disk
        for path in _all_files(term.data_dir):
            assert photo[:4096] not in path.read_bytes(), path
        tap(w, "btn:finish")  # the session ends: its photos go with it
        assert s.photos == [] and k.camera.review_image is None

        assert term.kiosk("sync", "--once").returncode == 0
        (case,) = receiver_cases(rx)
        assert case["receipt_no"] == receipt_no

        with sqlite3.connect(rx.data_dir / "receiver.db") as db:
            sid = db.execute("SELECT submission_id FROM cases WHERE case_no = ?",
                             (case["case_no"],)).fetchone()[0]
            rows = db.execute("SELECT sealed_digest, media_type FROM case_attachments "
                              "WHERE case_no = ? AND role = 'evidence'",
                              (case["case_no"],)).fetchall()
        assert len(rows) == 1 and rows[0][1] == "image/png", rows  # the page's own type
        sealed = Store(rx.data_dir).attachment_bytes(rows[0][0])
        assert hashlib.sha256(sealed).hexdigest() == rows[0][0]
        opened = sealing.unseal(sealed, keys.load(rx.data_dir), sid, sealing.attachment_part(digest))
        assert hashlib.sha256(opened).hexdigest() == digest and opened == photo
