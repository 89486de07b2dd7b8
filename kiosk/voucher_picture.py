"""The voucher drawn as the printer lays it out, at the paper's width (576 dots: 80 mm at
203 dpi), with Pillow: to look at it without a printer (`kiosk print RECEIPT --png FILE`,
the tests, the docs). Same data and order as `printing.render`: the title large, the
receipt number largest, the query code, the lines, the QR code, the footer.

Pillow and qrcode come with the printer extra (python-escpos needs both).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.printing import WIDTH_DOTS
from kiosk.voucher import Voucher

# Where Debian and the bundle keep a CJK font (fonts-noto-cjk; packaging/cjk_font.py's subset).
FONT_CANDIDATES = (
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    Path(__file__).resolve().parent.parent / "assets" / "fonts" / "NotoSansSC-Subset.otf",
)
MARGIN = 16
# A thermal printer's font A is 12 × 24 dots; Chinese characters are 24 × 24.
BODY = 24


def _font(size: int):
    from PIL import ImageFont

    for path in FONT_CANDIDATES:
        if path.exists():
            return ImageFont.truetype(str(path), size)
    raise FileNotFoundError("no CJK font found: apt-get install fonts-noto-cjk")


def _wrap(text: str, size: int) -> list[str]:
    """Lines as wide as the paper, broken between characters as the printer breaks them
    (Chinese has no spaces to break at)."""
    font, room = _font(size), WIDTH_DOTS - 2 * MARGIN
    lines, current = [], ""
    for char in text:
        if current and font.getlength(current + char) > room:
            lines.append(current)
            current = char.lstrip()
        else:
            current += char
    return [*lines, current] if current else lines


def draw(voucher: Voucher):
    """The voucher as a 1-bit PIL image, as wide as the paper."""
    import qrcode
    from PIL import Image, ImageDraw

    rows: list[tuple[str, int, str]] = []  # (text, size, align)
    lines = voucher.lines()
    rows.append((lines[0], BODY * 2, "center"))
    rows.append(("回执编号", BODY, "center"))
    rows.append((voucher.receipt_no, BODY * 3, "center"))
    rest = lines[3:]
    if voucher.query_code:
        rows.append(("查询码", BODY, "center"))
        rows.append((voucher.query_code, BODY * 2, "center"))
        rest = lines[5:]
    for line in rest[:-1]:
        rows += [(part, BODY, "left") for part in _wrap(line, BODY)]
    qr_img = None
    if voucher.qr_url:
        code = qrcode.QRCode(border=2, box_size=6)
        code.add_data(voucher.qr_url)
        qr_img = code.make_image().convert("1")
    footer = [(part, BODY, "left") for part in _wrap(rest[-1], BODY)]

    height = MARGIN * 2 + sum(int(size * 1.4) for _, size, _ in rows + footer)
    height += (qr_img.size[1] + BODY * 2) if qr_img else 0
    image = Image.new("1", (WIDTH_DOTS, height), 1)
    pen = ImageDraw.Draw(image)
    y = MARGIN

    def put(text: str, size: int, align: str) -> None:
        nonlocal y
        font = _font(size)
        width = pen.textlength(text, font=font)
        x = (WIDTH_DOTS - width) / 2 if align == "center" else MARGIN
        pen.text((x, y), text, font=font, fill=0)
        y += int(size * 1.4)

    for row in rows:
        put(*row)
    if qr_img:
        image.paste(qr_img, ((WIDTH_DOTS - qr_img.size[0]) // 2, y))
        y += qr_img.size[1]
        put("扫码查看回执和办理进度", BODY, "center")
        y += BODY // 2
    for row in footer:
        put(*row)
    return image


def save_png(voucher: Voucher, path: Path) -> None:
    draw(voucher).save(path, format="PNG")
