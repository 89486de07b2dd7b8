"""Searching files for what must not be in them: a visitor's typed values (in the
encodings a Chinese system might write them) and a photo's bytes (raw or base64).

Qt-free, so both the privacy test and the kiosk process it drives can use it.
"""

from __future__ import annotations

import base64
from pathlib import Path

ENCODINGS = ("utf-8", "utf-16-le", "utf-16-be", "gb18030")
WINDOW = 48  # bytes of a photo looked for at a time: a multiple of 3, for base64


def text_needles(markers: list[str]) -> list[tuple[str, bytes]]:
    """Each marker in each encoding, with a label saying which."""
    return [(f"{marker} ({encoding})", marker.encode(encoding))
            for marker in markers for encoding in ENCODINGS]


def photo_needles(jpeg: bytes, label: str) -> list[tuple[str, bytes]]:
    """What of a JPEG would betray it in a file: the whole file, and windows of its
    entropy-coded scan (the headers before it are alike for every photo Qt encodes),
    raw and base64 at each of the three alignments a base64 stream can have."""
    start = jpeg.index(b"\xff\xda")  # start of scan
    start += 2 + int.from_bytes(jpeg[start + 2:start + 4], "big")
    end = len(jpeg) - 2  # before the end-of-image marker
    assert end - start > 8 * WINDOW, "the photo is too small to search for"
    needles = [(f"{label}: the whole JPEG", jpeg)]
    for k in range(1, 6):
        at = start + (end - start - WINDOW - 2) * k // 6
        window = jpeg[at:at + WINDOW]
        needles.append((f"{label}: scan bytes at {at}", window))
        for shift in range(3):
            needles.append((f"{label}: base64 of scan bytes at {at + shift}",
                            base64.b64encode(jpeg[at + shift:at + shift + WINDOW])))
    return needles


def files_under(root: Path, exclude: list[Path]) -> list[Path]:
    return [p for p in Path(root).rglob("*") if p.is_file() and not p.is_symlink()
            and not any(p.is_relative_to(e) for e in exclude)]


def holding(root: Path, needles: list[tuple[str, bytes]],
            exclude: list[Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """Every file under `root` (but `exclude`) and each (file, needle label) found in one.
    A file that vanishes while being read (a temporary one) is skipped."""
    files, found = [], []
    for path in files_under(root, exclude):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        files.append(path)
        found += [(str(path.relative_to(root)), label) for label, needle in needles
                  if needle in data]
    return files, found
