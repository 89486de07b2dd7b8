"""The handwritten signature as a PNG, and images as bytes (Qt draws and encodes)."""

from __future__ import annotations

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QPen


def png(strokes: list[list[tuple[float, float]]], size: tuple[float, float]) -> bytes:
    """Black strokes, 5 px, round caps, on white, at the pad's size; b"" for no strokes."""
    if not strokes:
        return b""
    w, h = size
    image = QImage(max(1, int(w)), max(1, int(h)), QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor("black"), 5, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                        Qt.PenJoinStyle.RoundJoin))
    for stroke in strokes:
        path = QPainterPath(QPointF(*stroke[0]))
        for x, y in stroke[1:]:
            path.lineTo(x, y)
        if len(stroke) == 1:
            path.lineTo(stroke[0][0] + 0.5, stroke[0][1])
        painter.drawPath(path)
    painter.end()
    return encode(image, "PNG")


def encode(image: QImage, fmt: str) -> bytes:
    """PNG, or JPG at quality 90; b"" when the image cannot be encoded."""
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    ok = image.save(buffer, fmt, 90 if fmt == "JPG" else -1)
    buffer.close()
    return bytes(data.data()) if ok else b""
