"""kiosk/pages.py: a page of material made small enough for a village link and still
legible. An A4 page of Chinese text rendered at 300 dpi with the CJK font comes out at
300 KB or less with every character's ink where it was; colour worth keeping stays;
nothing is scaled up or made larger; PDFs pass as they are up to their limit."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageFont

from kiosk import pages, petition, submission, taxonomy
from tests.support import factories as f
from tests.support.common import EXAMPLE, TODAY, run_kiosk

FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")  # fonts-noto-cjk
A4_300DPI = (2480, 3508)
GLYPH = 44  # 五号 (10.5 pt) at 300 dpi: 10.5 / 72 × 300 = 43.75 px
TEXT = ("本人于二〇二五年三月向县人民政府申请信息公开，要求公开村集体土地征收补偿标准及分配方案。"
        "县政府逾期未予答复，本人认为其行为违反了政府信息公开条例的规定，侵害了本人的合法权益。"
        "现依法申请复查，请求责令被申请人限期答复并公开相关信息。壤餐赢疆馨鬻籍")

# Per-glyph ink comparison (see `_ink_mismatch`). Thresholds set from what tells a
# legible page from an illegible one on this very page: the compressed page differs by
# about 5 % of a glyph's ink on average (JPEG at quality 40 of the same page: 5.5 %;
# the page at 150 dpi: 8 %), while a page at 86 dpi, where 五号 characters blur into
# blots, differs by 35 % and JPEG at quality 5 by 19 %. The worst single glyph of the
# compressed page is at 24 %, of the 86 dpi page at 80 %.
MEAN_MISMATCH = 0.08
WORST_MISMATCH = 0.35


def _text_page(tint: tuple[int, int, int] | None = None):
    """An A4 page of 五号 Chinese text at 300 dpi, margins 2 cm; with the boxes of its
    characters (punctuation left out: a comma's ink is a few pixels)."""
    if not FONT.exists():
        pytest.skip("fonts-noto-cjk is not installed (scripts/setup.sh installs it)")
    mode, paper = ("RGB", tint) if tint else ("L", 255)
    page = Image.new(mode, A4_300DPI, paper)
    pen, font = ImageDraw.Draw(page), ImageFont.truetype(str(FONT), GLYPH)
    boxes, i, y = [], 0, 240
    while y < A4_300DPI[1] - 240 - GLYPH:
        x = 240
        while x + GLYPH < A4_300DPI[0] - 240:
            char = TEXT[i % len(TEXT)]
            pen.text((x, y), char, font=font, fill=(0, 0, 0) if tint else 0)
            if char not in "，。、〇":
                boxes.append((x, y + 8, x + GLYPH, y + 8 + GLYPH))  # the em box, below the ascent
            x, i = x + GLYPH, i + 1
        y += 70  # line spacing 1.6
    return page, boxes


def _encoded(image, fmt: str = "PNG", **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def _ink_mismatch(reference, candidate, boxes, scale: float) -> tuple[float, float]:
    """Per glyph: the pixels where one image has ink (darker than mid-grey) and the other
    has not, as a share of the reference's ink in that glyph's box. (mean, worst)."""
    def ink(image):
        return image.convert("L").point(lambda v: 255 if v < 128 else 0)
    ref, cand = ink(reference), ink(candidate)
    shares = []
    for x0, y0, x1, y1 in boxes:
        box = (int(x0 * scale) - 2, int(y0 * scale) - 2, int(x1 * scale) + 2, int(y1 * scale) + 2)
        glyph = ref.crop(box)
        inked = glyph.histogram()[255]
        if inked:
            shares.append(ImageChops.difference(glyph, cand.crop(box)).histogram()[255] / inked)
    return sum(shares) / len(shares), max(shares)


def test_an_a4_page_of_chinese_text_fits_300_kb_and_every_character_survives(tmp_path):
    page, boxes = _text_page()
    original = _encoded(page)
    result = pages.compress(original, "image/png")

    assert len(result.content) <= pages.TARGET_BYTES, len(result.content)
    assert len(result.content) < len(original) / 2  # a lossless PNG of the same page
    assert result.grayscale and not result.kept_original
    shown = Image.open(io.BytesIO(result.content))
    assert max(shown.size) == pages.MAX_LONG_SIDE  # 171 dpi on A4
    assert shown.size == (result.width, result.height)
    scale = shown.width / page.width
    reference = page.resize(shown.size, Image.Resampling.LANCZOS)  # the same page, same size
    mean, worst = _ink_mismatch(reference, shown, boxes, scale)
    assert mean <= MEAN_MISMATCH and worst <= WORST_MISMATCH, (mean, worst)

    # The measure tells an illegible page: at 86 dpi, and as JPEG at quality 5.
    blurred = reference.resize((reference.width // 2, reference.height // 2),
                               Image.Resampling.LANCZOS).resize(reference.size)
    assert _ink_mismatch(reference, blurred, boxes, scale)[0] > 3 * MEAN_MISMATCH
    blocky = Image.open(io.BytesIO(_encoded(reference, "JPEG", quality=5)))
    assert _ink_mismatch(reference, blocky, boxes, scale)[0] > 2 * MEAN_MISMATCH

    # Before and after, side by side, for a person to look at (kept with the test's files).
    crop = (200, 200, 700, 460)
    side = Image.new("L", (1020, 260), 128)
    side.paste(reference.crop(crop), (0, 0))
    side.paste(shown.convert("L").crop(crop), (520, 0))
    side.save(tmp_path / "before-after.png")


def test_a_photographed_page_on_cream_paper_is_made_grayscale_and_white():
    page, _ = _text_page(tint=(244, 236, 216))  # cream paper under a warm lamp
    shrunk = page.resize((1200, 1697))
    result = pages.compress(_encoded(shrunk, "JPEG", quality=92), "image/jpeg")
    assert result.grayscale and result.media_type == "image/png"
    shown = Image.open(io.BytesIO(result.content)).convert("L")
    assert shown.size == (1200, 1697)  # already below the long side: not scaled, not up
    assert shown.getpixel((20, 20)) == 255  # the paper is white


def test_a_red_seal_on_a_page_keeps_its_colour():
    page, _ = _text_page(tint=(255, 255, 255))
    pen = ImageDraw.Draw(page)
    pen.ellipse((1700, 2900, 2180, 3380), outline=(210, 30, 30), width=18)  # 4 cm
    pen.regular_polygon((1940, 3140, 90), 5, fill=(210, 30, 30))
    result = pages.compress(_encoded(page, "JPEG", quality=92), "image/jpeg")
    assert not result.grayscale and result.media_type == "image/jpeg"
    shown = Image.open(io.BytesIO(result.content)).convert("RGB")
    r, g, b = shown.getpixel((round(1940 * result.width / page.width),
                              round(3140 * result.height / page.height)))
    assert r > 150 and g < 90 and b < 90, (r, g, b)


def test_a_colour_photo_stays_in_colour_and_is_scaled_down():
    photo = Image.radial_gradient("L").resize((3264, 2448))
    photo = Image.merge("RGB", (photo, photo.rotate(90, expand=False), Image.effect_noise(
        (3264, 2448), 40)))  # an injury photographed: colour everywhere, and sensor noise
    original = _encoded(photo, "JPEG", quality=95)
    result = pages.compress(original, "image/jpeg")
    assert not result.grayscale and result.media_type == "image/jpeg"
    assert (result.width, result.height) == (2000, 1500)
    assert len(result.content) < len(original)
    assert Image.open(io.BytesIO(result.content)).mode == "RGB"


def test_the_exif_orientation_is_applied():
    landscape = Image.new("RGB", (3000, 2000), "white")
    ImageDraw.Draw(landscape).rectangle((0, 0, 300, 2000), fill="black")  # the left edge
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: show it rotated 90° clockwise
    result = pages.compress(_encoded(landscape, "JPEG", exif=exif.tobytes()), "image/jpeg")
    shown = Image.open(io.BytesIO(result.content)).convert("L")
    assert shown.size == (1333, 2000)  # upright, long side 2000
    assert shown.getpixel((666, 20)) < 60  # the left edge is now the top
    assert shown.getpixel((666, 1900)) > 200


def test_nothing_is_scaled_up_or_made_larger():
    small = _encoded(Image.new("1", (300, 200), 1), "PNG")  # a tiny bilevel picture
    result = pages.compress(small, "image/png")
    assert result.kept_original and result.content == small and result.media_type == "image/png"
    assert (result.width, result.height) == (300, 200)


def test_a_pdf_passes_as_it_is_up_to_its_limit():
    pdf = b"%PDF-1.4\n" + b"x" * 1000
    assert pages.compress(pdf, "application/pdf").content == pdf
    with pytest.raises(pages.PageRefused) as refused:
        pages.compress(b"%PDF-1.4\n" + b"x" * pages.MAX_PDF_BYTES, "application/pdf")
    assert "PDF文件太大" in refused.value.message and "5MB" in refused.value.message


@pytest.mark.parametrize("content", [b"\xff\xd8\xff\xe0" + b"\x00" * 100,
                                     b"\x89PNG\r\n\x1a\n" + b"\x00" * 40])
def test_a_picture_that_cannot_be_read_is_refused_in_plain_words(content):
    with pytest.raises(pages.PageRefused) as refused:
        pages.compress(content, "image/jpeg" if content[0] == 0xFF else "image/png")
    assert refused.value.code == "attachment.unreadable_image"
    assert "打不开" in refused.value.message


def test_a_picture_claiming_too_many_pixels_is_refused_before_decoding():
    huge = _encoded(Image.new("1", (10_000, 8_000), 1), "PNG")  # 80 MP of one colour
    with pytest.raises(pages.PageRefused) as refused:
        pages.compress(huge, "image/png")
    assert refused.value.code == "attachment.too_many_pixels"


def test_the_sealed_digest_is_the_compressed_pages(tmp_path):
    page, _ = _text_page()
    folder = tmp_path / "doc"
    folder.mkdir()
    (folder / "page.png").write_bytes(_encoded(page))
    shutil.copy(EXAMPLE.parent / "signature.png", folder / "signature.png")
    doc = f.petition()
    doc["attachments"].append({"role": "evidence", "media_type": "image/png", "file": "page.png"})
    result = petition.validate(doc, taxonomy=taxonomy.load(), today=TODAY)
    assert result.ok, result.problems
    found, problems = submission.read_attachment_files(result.document, folder)
    assert problems == []
    signature, evidence = found
    assert signature.content == (folder / "signature.png").read_bytes()  # the pad's own PNG
    assert len(evidence.content) <= pages.TARGET_BYTES
    assert evidence.digest == hashlib.sha256(evidence.content).hexdigest()
    assert evidence.content == pages.compress((folder / "page.png").read_bytes(),
                                              "image/png").content


def _env(tmp_path):
    return {"XDG_DATA_HOME": str(tmp_path / "xdg-data"),
            "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"), "KIOSK_CONFIG": ""}


def _document_with(tmp_path, name: str, content: bytes, media_type: str) -> Path:
    folder = tmp_path / "doc"
    folder.mkdir()
    shutil.copy(EXAMPLE.parent / "signature.png", folder / "signature.png")
    (folder / name).write_bytes(content)
    doc = f.petition()
    doc["attachments"].append({"role": "evidence", "media_type": media_type, "file": name})
    path = folder / "petition.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def test_kiosk_submit_says_a_pdf_is_too_large_and_queues_nothing(tmp_path):
    path = _document_with(tmp_path, "big.pdf", b"%PDF-1.4\n" + b"x" * pages.MAX_PDF_BYTES,
                          "application/pdf")
    result = run_kiosk("submit", str(path), env=_env(tmp_path))
    assert result.returncode == 2, result.stderr
    assert "attachments[1].file:" in result.stderr and "PDF文件太大" in result.stderr
    assert "nothing queued" in result.stderr


def test_kiosk_submit_dry_run_counts_the_pages_as_sealed(tmp_path):
    page, _ = _text_page()
    path = _document_with(tmp_path, "page.png", _encoded(page), "image/png")
    result = run_kiosk("submit", str(path), "--dry-run", env=_env(tmp_path))
    assert result.returncode == 0, result.stderr
    sealed = int(result.stdout.split(" bytes as sealed")[0].rsplit(" ", 1)[1])
    signature = (EXAMPLE.parent / "signature.png").stat().st_size
    assert sealed - signature <= pages.TARGET_BYTES
