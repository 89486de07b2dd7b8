"""`kiosk -m ui.icu_check`: checks that Qt finds the locale data the kiosk relies on.

The bundle carries a cut-down ICU data library (packaging/icu_data.py keeps root,
English and Chinese). This runs what Qt asks ICU for, with Chinese, and compares
with known answers: pinyin collation of names (QCollator), a time zone's Chinese
name (QTimeZone), the Chinese legacy encodings (QStringDecoder), and, from Qt's
own locale tables, a Chinese date and number. Exits 1 and says what differs when
anything is missing; packaging/bundle-check.sh runs it on every built bundle.
"""

from __future__ import annotations

import sys

# Pinyin order: a, chen, li, ouyang, wang, zhang, zhao, zhu. Without ICU's Chinese
# collation the order falls back to code points (张 李 王 ...).
NAMES_PINYIN = ["阿明", "陈静", "李娜", "欧阳明", "王芳", "张伟", "赵磊", "诸葛亮"]
SHUFFLED = ["张伟", "诸葛亮", "李娜", "阿明", "王芳", "欧阳明", "赵磊", "陈静"]


def checks() -> list[tuple[str, object, object]]:
    """(what, expected, got) for each check."""
    from PySide6.QtCore import QCollator, QDate, QLocale, QStringDecoder, QTimeZone

    zh = QLocale("zh_CN")
    collator = QCollator(zh)
    out = [("QCollator(zh_CN) sorts names by pinyin", NAMES_PINYIN,
            sorted(SHUFFLED, key=collator.sortKey))]
    zone = QTimeZone(b"Asia/Shanghai")
    out.append(("QTimeZone(Asia/Shanghai) name in zh_CN", "中国标准时间",
                zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, zh)
                if zone.isValid() else "(time zone Asia/Shanghai not found)"))
    for encoding in ("GB18030", "GBK", "GB2312", "Big5"):
        decoder = QStringDecoder(encoding)
        out.append((f"QStringDecoder({encoding})", encoding, decoder.name() if decoder.isValid() else None))
    out.append(("QLocale(zh_CN) long date", "2024年3月5日星期二",
                zh.toString(QDate(2024, 3, 5), QLocale.FormatType.LongFormat)))
    out.append(("QLocale(zh_CN) number", "1,234,567.5", zh.toString(1234567.5, "f", 1)))
    return out


def main() -> int:
    failed = 0
    for what, expected, got in checks():
        if got == expected:
            print(f"icu-check: ok   {what}: {got}")
        else:
            failed += 1
            print(f"icu-check: FAIL {what}: expected {expected}, got {got}", file=sys.stderr)
    if failed:
        print(f"icu-check: {failed} check(s) failed: the bundle's ICU data lacks what Qt needs "
              "(see packaging/icu_data.py)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
