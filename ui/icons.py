"""Line icons from assets/icons/, recoloured for where they stand (`image://icon/NAME/COLOR`)."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QSize, Qt
from PySide6.QtGui import QImage, QPainter
from PySide6.QtQuick import QQuickImageProvider
from PySide6.QtSvg import QSvgRenderer

from kiosk import paths

DEFAULT_COLOR = "#0B3D91"


@lru_cache(maxsize=64)
def _svg(name: str) -> str:
    path = paths.assets_dir() / "icons" / f"{name}.svg"
    if not path.exists() or "/" in name:
        path = paths.assets_dir() / "icons" / "dots.svg"
    return path.read_text(encoding="utf-8")


class IconProvider(QQuickImageProvider):
    def __init__(self) -> None:
        super().__init__(QQuickImageProvider.ImageType.Image)

    def requestImage(self, id_: str, size: QSize, requested: QSize) -> QImage:  # noqa: N802
        name, _, color = id_.partition("/")
        svg = _svg(name).replace(DEFAULT_COLOR, "#" + color if color else DEFAULT_COLOR)
        side = max(requested.width(), requested.height(), 24) if requested.isValid() else 96
        image = QImage(side, side, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        QSvgRenderer(QByteArray(svg.encode())).render(painter)
        painter.end()
        if size is not None:
            size.setWidth(side)
            size.setHeight(side)
        return image
