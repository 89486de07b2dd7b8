"""The CJK font the bundle carries: Noto Sans CJK SC Regular, cut down.

The Qt wheels carry no font with Chinese characters. The build takes the system's
Noto Sans CJK collection (Debian: fonts-noto-cjk), keeps only its Simplified
Chinese face and only the characters a citizen can read or type here (Latin,
punctuation, CJK symbols, the CJK Unified Ideographs and Extension A, i.e. the
ideographs GB 18030 requires, full-width forms), without hinting: about 11 MB
instead of 20 MB for the collection. The ideographs are 96 % of that.
Characters outside the subset fall back to whatever fonts the system has.

Only the Regular weight: the bundled font is used only where the system has no
Noto Sans CJK SC (fonts-noto-cjk, with its real Bold, is a recommended package),
and there Qt draws bold text by emboldening the Regular outlines, which covers
every character and reads well at the kiosk's sizes. A Bold subset would be
another 11 MB.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

FAMILY = "Noto Sans CJK SC"
WEIGHTS = ("Regular",)
RANGES = (
    (0x0020, 0x007E), (0x00A0, 0x024F),   # Latin
    (0x02C6, 0x02DD), (0x0391, 0x03C9), (0x0401, 0x0451),  # modifiers, Greek, Cyrillic
    (0x2000, 0x206F), (0x2100, 0x22FF),   # punctuation, letter-like, arrows, maths
    (0x2460, 0x27BF),                     # enclosed numbers, boxes, shapes, symbols, dingbats
    (0x2E80, 0x2FDF), (0x3000, 0x33FF),   # radicals, CJK symbols, kana, bopomofo, enclosed
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF),   # CJK Extension A, CJK Unified Ideographs
    (0xF900, 0xFAFF), (0xFE10, 0xFE1F), (0xFE30, 0xFE4F), (0xFF00, 0xFFEF),
)


DEBIAN_FILE = "/usr/share/fonts/opentype/noto/NotoSansCJK-{weight}.ttc"  # fonts-noto-cjk
DEBIAN_SC_INDEX = 2  # JP, KR, SC, TC, HK in that collection


def find_face(weight: str) -> tuple[Path, int]:
    """The font file and the face index of Noto Sans CJK SC in that weight."""
    exe = shutil.which("fc-match")
    if exe:
        done = subprocess.run([exe, "-f", "%{family}|%{file}|%{index}", f"{FAMILY}:style={weight}"],
                              capture_output=True, text=True)
        family, _, rest = done.stdout.partition("|")
        path, _, index = rest.partition("|")
        if done.returncode == 0 and FAMILY in family:
            return Path(path), int(index or 0)
    path = Path(DEBIAN_FILE.format(weight=weight))
    if path.exists():
        return path, DEBIAN_SC_INDEX
    raise SystemExit(f"{FAMILY} {weight} is not installed: apt-get install fonts-noto-cjk")


def subset(source: Path, index: int, target: Path) -> None:
    import uharfbuzz as hb

    face = hb.Face(hb.Blob.from_file_path(str(source)), index)
    wanted = hb.SubsetInput()
    for first, last in RANGES:
        for code in range(first, last + 1):
            wanted.unicode_set.add(code)
    wanted.flags = hb.SubsetFlags.NO_HINTING
    cut = hb.subset(face, wanted)
    if cut is None:
        raise SystemExit(f"could not subset {source}")
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(cut.blob.data)
    tmp.replace(target)


def build(out_dir: Path) -> list[Path]:
    """Makes (or reuses) the subset fonts in out_dir; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    made = []
    for weight in WEIGHTS:
        source, index = find_face(weight)
        target = out_dir / f"NotoSansCJKsc-{weight}.otf"
        if not target.exists() or target.stat().st_mtime < source.stat().st_mtime:
            subset(source, index, target)
        made.append(target)
    return made


if __name__ == "__main__":
    for path in build(Path(sys.argv[1] if len(sys.argv) > 1 else "build/fonts")):
        print(path, path.stat().st_size)
