"""QR codes: laid out with `qrcode`, drawn by Qt, kept as PNG in the user's cache per content.

The platforms' codes are the same for every visitor, so they are cached on disk.
A receipt's code names the citizen's receipt number and is rendered in memory
only (the `image://qr/` provider), never written to disk.
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path
from urllib.parse import quote, unquote

import platformdirs
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, QUrl
from PySide6.QtGui import QImage
from PySide6.QtQuick import QQuickImageProvider

from kiosk import paths
from wire.durable import write_file

BOX = 12  # px per module; the screen scales the image to at least 400 px


def _png(content: str) -> bytes:
    """The code as a black-on-white PNG, BOX px per module with a 4-module quiet zone.
    qrcode only lays out the modules; Qt draws and encodes (no Pillow needed)."""
    import qrcode  # only when a code is not in the cache yet

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=BOX, border=4)
    code.add_data(content)
    code.make(fit=True)
    matrix = code.get_matrix()  # rows of modules, the quiet zone included; True is dark
    side = len(matrix) * BOX
    pixels = io.BytesIO()
    for row in matrix:
        line = b"".join(b"\x00" * BOX if dark else b"\xff" * BOX for dark in row)
        pixels.write(line * BOX)
    raw = pixels.getvalue()  # alive until the copy below: the QImage only points at it
    image = QImage(raw, side, side, side, QImage.Format.Format_Grayscale8)
    image = image.convertToFormat(QImage.Format.Format_Mono)  # a copy that owns its pixels
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise RuntimeError("could not encode a QR code as PNG")
    return bytes(data.data())


def png_bytes(content: str) -> bytes:
    """The code as PNG bytes, in memory (a receipt's code printed, for the camera's tests)."""
    return _png(content)


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(paths.APP_NAME, appauthor=False)) / "qr"


def cached_file(content: str) -> Path:
    # The render settings are part of the key, so a change never serves an old picture.
    digest = hashlib.sha256(f"{BOX}|4|{content}".encode()).hexdigest()[:24]
    path = cache_dir() / f"{digest}.png"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # A cache: atomic so two kiosk processes never read half a picture, no fsync of
        # the directory needed (a lost file is drawn again).
        write_file(path, _png(content), mode=0o644, sync_directory=False)
    return path


def cached_url(content: str) -> str:
    return QUrl.fromLocalFile(str(cached_file(content))).toString()


def memory_url(content: str) -> str:
    return "image://qr/" + quote(content, safe="")


class QrImageProvider(QQuickImageProvider):
    def __init__(self) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)

    def requestImage(self, id_: str, size: QSize, requested: QSize) -> QImage:  # noqa: N802
        image = QImage.fromData(_png(unquote(id_)), "PNG")
        if size is not None:
            size.setWidth(image.width())
            size.setHeight(image.height())
        return image
