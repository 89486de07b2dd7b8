"""Which system libraries the bundle needs, and whether the .deb's Depends cover them.

Usage: check_deps.py BUNDLE_DIR CONTROL_FILE
Lists every DT_NEEDED library of the bundle's ELF files that the bundle does not
carry, finds the Debian package that ships it on this (build) machine, and exits 1
when that package is missing from Depends. The C library's own parts are taken
as given.
"""

from __future__ import annotations

import re
import struct
import subprocess
import sys
from pathlib import Path

BASE = re.compile(r"lib(c|m|dl|pthread|rt|util|resolv|crypt)\.so|ld-linux")


def needed(path: Path) -> list[str]:
    data = path.read_bytes()
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        return []
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = []
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        if kind != 6:
            continue
        strtab = sections[link][4]
        for pos in range(offset, offset + size, 16):
            tag, value = struct.unpack_from("<qQ", data, pos)
            if tag == 0:
                break
            if tag == 1:
                names.append(data[strtab + value:data.index(b"\0", strtab + value)].decode())
    return names


def main() -> int:
    bundle, control = Path(sys.argv[1]), Path(sys.argv[2])
    files = [p for p in bundle.rglob("*") if p.is_file() and not p.is_symlink()]
    carried = {p.name for p in bundle.rglob("*")}
    wanted: dict[str, list[str]] = {}
    for path in files:
        with path.open("rb") as f:
            if f.read(4) != b"\x7fELF":
                continue
        for lib in needed(path):
            if lib not in carried and not BASE.match(lib):
                wanted.setdefault(lib, []).append(str(path.relative_to(bundle)))
    depends_line = next(line for line in control.read_text().splitlines() if line.startswith("Depends:"))
    depends = {re.split(r"[\s(]", alt.strip())[0] for alt in re.split(r"[,|]", depends_line[8:])}
    missing = 0
    for lib in sorted(wanted):
        found = subprocess.run(["dpkg", "-S", f"*/{lib}"], capture_output=True, text=True)
        packages = sorted({line.split(":")[0] for line in found.stdout.splitlines()})
        ok = any(p in depends for p in packages)
        if not ok:
            missing += 1
        print(f"{'ok ' if ok else 'MISSING'} {lib:32} {', '.join(packages) or '(not on this machine)'}"
              f"  <- {wanted[lib][0]}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
