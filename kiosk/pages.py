"""Document pages made small before they are sealed: what a village link can carry.

One function, `compress`, serves the camera's photos (the screen's review shows the page
as it will be sealed) and the files `kiosk submit` and `kiosk supplement` read. A picture
(JPEG or PNG) is turned upright (its EXIF orientation), scaled so its long side is at most
`MAX_LONG_SIDE`, and then:
- a page of paper and ink with no colour worth keeping (a letter, a form, a decision) is
  made grayscale, its paper white and its ink black, and kept in 8 grays (4 if 8 does not
  fit) as a PNG: the strokes' anti-aliased edges stay, while JPEG at the quality that
  fits the target rings around every stroke (an A4 page of text at 171 dpi needs JPEG
  quality below 40 to reach 300 KB; 8 grays take 280 KB);
- anything else (a photo of an injury, a page with a red seal, a grey photo) is a
  progressive JPEG at the highest quality that fits `TARGET_BYTES`, in colour if it has any.
A PDF is passed as it is (it is already a document; re-rendering it would need a PDF
engine and could lose its text layer) unless it is larger than `MAX_PDF_BYTES`. Nothing
is made larger: when the result is not smaller than what came in, what came in is kept.
Pages are never scaled up. A re-encoded page carries no EXIF (no place, no camera).

Why these numbers (A4 is 210 × 297 mm):
- `MAX_LONG_SIDE` 2000 px puts 171 dpi on an A4 page. Chinese body text (五号, 10.5 pt,
  3.7 mm) is then about 25 px a character and 小五 (9 pt) about 21 px: enough for the
  strokes of a common character to stay apart, in print at A4 too. 150 dpi (1754 px)
  leaves 小五 at 18 px, where dense characters (e.g. 壤, 餐) start to merge; fax's fine
  mode, made for such documents, is 200 dpi. tests/core/test_pages.py renders an A4 page
  of Chinese text at 300 dpi and holds the result to a per-glyph ink comparison.
- `TARGET_BYTES` 300 KB: at 256 kbit/s a page takes under 10 s to send.
- `MIN_QUALITY` 40: below it JPEG's 8 × 8 blocks show around strokes; a picture that does
  not fit at 40 (a busy colour photo) is sent at 40, a little over the target.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

MAX_LONG_SIDE = 2000
TARGET_BYTES = 300 * 1024
MAX_QUALITY = 85  # above it JPEG grows fast for nothing a print shows
MIN_QUALITY = 40
MAX_PDF_BYTES = 5 * 1024 * 1024  # at 256 kbit/s about 3 minutes on the wire
# More pixels than a 60-megapixel camera makes is refused before decoding (Pillow's own
# guard warns only at 89 MP and a crafted PNG can claim far more).
MAX_PIXELS = 60_000_000

# Colour worth keeping: a pixel whose chroma (Cb or Cr, 0-255) is this far from the
# page's median (the paper's own tint and the light's cast taken out)...
CHROMA_DEVIATION = 24
# (a paper's own tint, or the light's, moves the median chroma by at most PAPER_TINT:
# white, cream and recycled paper under a warm or cold lamp)
PAPER_TINT = 12
# ...on at least this share of the page: a red seal (公章, 4 cm across, its ring and
# characters) covers about 0.7 % of an A4 page; camera noise and the coloured fringes
# of black strokes, averaged over the 512 px thumbnail, stay below 0.05 %.
COLOUR_SHARE = 0.002
_COLOUR_PROBE_SIDE = 512

# A page of paper and ink: at least this share of it within PAPER_SPREAD of the paper's
# tone. A text page is 85-95 % paper; a grey photo spreads over the whole range.
PAPER_SHARE = 0.6
PAPER_SPREAD = 24
# Grays a page of paper and ink keeps (8: three bits; 4 when 8 does not fit the target).
INK_LEVELS = (8, 4)

IMAGE_TYPES = ("image/jpeg", "image/png")


class PageRefused(ValueError):
    """A file that cannot be made a page: `message` in plain Chinese for the screen."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class Page:
    """A page as it is sealed: its type and bytes, and what was done to it."""

    media_type: str
    content: bytes
    original_bytes: int
    width: int = 0  # 0 for a PDF
    height: int = 0
    grayscale: bool = False
    kept_original: bool = True

    @property
    def saved_share(self) -> float:
        return 1 - len(self.content) / self.original_bytes if self.original_bytes else 0.0


def compress(content: bytes, media_type: str) -> Page:
    """The page to seal for a photo or a file of that media type; PageRefused when it
    cannot be one (a PDF over the limit, a picture that cannot be read)."""
    if media_type == "application/pdf":
        if len(content) > MAX_PDF_BYTES:
            raise PageRefused(f"PDF文件太大（超过{MAX_PDF_BYTES // (1024 * 1024)}MB），"
                              "请把每一页拍照上传，或带原件另交", "attachment.pdf_too_large")
        return Page(media_type, content, len(content))
    if media_type not in IMAGE_TYPES:
        return Page(media_type, content, len(content))
    image = _open(content)
    grayscale = not _has_colour(image)
    if grayscale:
        image = image.convert("L")
    flat = _as_printed_page(image) if grayscale else None
    encoded = _posterized_png(flat) if flat is not None else _fit(image)
    if len(encoded) >= len(content):
        width, height = _size_of(content)
        return Page(media_type, content, len(content), width, height)
    out_type = "image/png" if flat is not None else "image/jpeg"
    return Page(out_type, encoded, len(content), image.width, image.height, grayscale,
                kept_original=False)


def _open(content: bytes):
    """The picture upright, no larger than MAX_LONG_SIDE, in RGB (or L if it has no colour
    channels), transparency laid on white paper."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(content))
        if image.width * image.height > MAX_PIXELS:
            raise PageRefused("照片太大，请用本机拍照，或换一张小一些的图片",
                              "attachment.too_many_pixels")
        # JPEG decodes at 1/2, 1/4, 1/8 directly: far less memory and time for a
        # camera's photo, and the result is still at least MAX_LONG_SIDE.
        scale = min(1.0, MAX_LONG_SIDE / max(image.size))
        image.draft(None, (round(image.width * scale), round(image.height * scale)))
        image = ImageOps.exif_transpose(image)
        image.load()
    except PageRefused:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError) as exc:
        raise PageRefused("图片文件打不开（可能已损坏），请重新拍照或换一个文件",
                          "attachment.unreadable_image") from exc
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        paper = Image.new("RGB", rgba.size, "white")
        paper.paste(rgba, mask=rgba.getchannel("A"))
        image = paper
    elif image.mode not in ("RGB", "L"):
        image = image.convert("L" if image.mode in ("1", "I", "I;16", "F") else "RGB")
    if max(image.size) > MAX_LONG_SIDE:
        image.thumbnail((MAX_LONG_SIDE, MAX_LONG_SIDE), Image.Resampling.LANCZOS)
    return image


def _has_colour(image) -> bool:
    if image.mode == "L":
        return False
    from PIL import ImageChops

    probe = image.copy()
    probe.thumbnail((_COLOUR_PROBE_SIDE, _COLOUR_PROBE_SIDE))
    _, cb, cr = probe.convert("YCbCr").split()
    far = None
    for channel in (cb, cr):
        middle = _median(channel.histogram())
        # the paper's tint is taken out; a page all of one strong colour is colour
        neutral = middle if abs(middle - 128) <= PAPER_TINT else 128
        marked = channel.point(lambda v, m=neutral: 255 if abs(v - m) > CHROMA_DEVIATION else 0)
        far = marked if far is None else ImageChops.lighter(far, marked)
    share = far.histogram()[255] / (probe.width * probe.height)
    return share >= COLOUR_SHARE


def _median(histogram: list[int]) -> int:
    half, seen = sum(histogram) / 2, 0
    for value, count in enumerate(histogram):
        seen += count
        if seen >= half:
            return value
    return 128


def _as_printed_page(image):
    """A grayscale page that is paper and ink (most of it one light tone), its paper made
    white and its darkest ink black; None for anything else (a grey photo: JPEG)."""
    histogram = image.histogram()
    total = image.width * image.height
    paper = max(range(128, 256), key=lambda v: histogram[v])  # the lightest tone's peak
    near_paper = sum(histogram[max(0, paper - PAPER_SPREAD):paper + PAPER_SPREAD + 1])
    if near_paper < PAPER_SHARE * total:
        return None
    seen, ink = 0, 0
    for value, count in enumerate(histogram):  # the darkest 0.5 % is black ink
        seen += count
        if seen >= total * 0.005:
            ink = value
            break
    if paper - ink < 32:  # no ink: a blank sheet (or a light one) keeps its tone
        return image
    span = paper - PAPER_SPREAD - ink
    return image.point([0 if v <= ink else 255 if v >= paper - PAPER_SPREAD
                        else round((v - ink) * 255 / span) for v in range(256)])


def _posterized_png(page) -> bytes:
    """A page of paper and ink in `INK_LEVELS` grays (the first that fits TARGET_BYTES):
    the strokes' anti-aliased edges stay, JPEG's ringing around every stroke does not."""
    from PIL import Image

    encoded = b""
    for levels in INK_LEVELS:
        index = page.point([round(v * (levels - 1) / 255) for v in range(256)])
        paletted = Image.frombytes("P", index.size, index.tobytes())
        paletted.putpalette([round(k * 255 / (levels - 1)) for k in range(levels)
                             for _ in range(3)])
        out = io.BytesIO()
        paletted.save(out, "PNG", compress_level=6)
        encoded = out.getvalue()
        if len(encoded) <= TARGET_BYTES:
            break
    return encoded


def _encode(image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    return out.getvalue()


def _fit(image) -> bytes:
    """The highest quality whose file fits TARGET_BYTES (a binary search: JPEG's size
    grows with quality), MIN_QUALITY's when none does."""
    best = _encode(image, MAX_QUALITY)
    if len(best) <= TARGET_BYTES:
        return best
    low, high = MIN_QUALITY, MAX_QUALITY - 1
    best = b""
    while low <= high:
        quality = (low + high) // 2
        encoded = _encode(image, quality)
        if len(encoded) <= TARGET_BYTES:
            best, low = encoded, quality + 1
        else:
            high = quality - 1
    return best or _encode(image, MIN_QUALITY)


def _size_of(content: bytes) -> tuple[int, int]:
    from PIL import Image

    with Image.open(io.BytesIO(content)) as image:
        return image.size
