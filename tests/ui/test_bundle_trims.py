"""What the bundle's trims rely on, checked without building it: QR codes drawn by Qt
(no Pillow in the bundle), the ICU data kept for Qt, and the locale answers the
bundle is checked against (`kiosk -m ui.icu_check`)."""

from __future__ import annotations

import sys

import pytest
import qrcode
from PySide6.QtGui import QImage

from tests.support.common import ROOT
from ui import icu_check, qr

sys.path.insert(0, str(ROOT / "packaging"))
import icu_data  # noqa: E402


@pytest.mark.parametrize("content", ["https://xf.example-city.gov.cn/", "信访 回执 3189537447"])
def test_qr_png_has_the_modules_of_the_code(content):
    image = QImage.fromData(qr._png(content), "PNG")
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    code.add_data(content)
    code.make(fit=True)
    matrix = code.get_matrix()
    assert image.width() == image.height() == len(matrix) * qr.BOX
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            for dx, dy in ((0, 0), (qr.BOX - 1, qr.BOX - 1)):  # two corners of each module
                pixel = image.pixelColor(x * qr.BOX + dx, y * qr.BOX + dy)
                assert pixel.lightness() == (0 if dark else 255), (x, y)


def test_icu_check_passes_with_full_icu_data():
    assert all(got == expected for _what, expected, got in icu_check.checks())
    assert icu_check.main() == 0


@pytest.mark.parametrize("item, kept", [
    ("coll/zh.res", True), ("coll/root.res", True), ("coll/ucadata.icu", True),
    ("coll/zh_Hant_TW.res", True), ("coll/res_index.res", True), ("coll/de.res", False),
    ("coll/de__PHONEBOOK.res", False), ("zone/zh.res", True), ("zone/fr.res", False),
    ("zone/tzdbNames.res", True), ("zh_CN.res", True), ("en.res", True), ("en_GB.res", False),
    ("ja.res", False), ("res_index.res", True), ("root.res", True), ("pool.res", True),
    ("zoneinfo64.res", True), ("metaZones.res", True), ("supplementalData.res", True),
    ("cnvalias.icu", True), ("gb18030.cnv", True), ("windows-936-2000.cnv", True),
    ("ibm-1386_P100-2001.cnv", True), ("ibm-943_P15A-2003.cnv", False),
    ("brkitr/cjdict.dict", False), ("translit/root.res", False), ("lang/zh.res", False),
    ("unames.icu", False), ("uts46.nrm", False), ("nfkc.nrm", True),
])
def test_icu_items_kept(item, kept):
    assert icu_data.keep(item) is kept
