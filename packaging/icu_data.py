"""The ICU data the bundle carries: the Qt wheels' libicudata, cut down to what Qt uses.

The wheels' libicudata.so.NN is 32 MB: one read-only blob, the symbol `icudtNN_dat`,
holding the ICU data of every locale and service. In the bundle only QtCore links
to ICU, and it calls just four groups of functions (see `nm -D --undefined-only
libQt6Core.so.6`): collation (`ucol_*`, for QCollator and QML's localeCompare),
time-zone names (`ucal_*`, for QTimeZone::displayName), character-set converters
(`ucnv_*`, for QStringConverter encodings other than UTF and Latin-1) and case
mapping (`u_strToUpper/Lower`, whose data is compiled into libicuuc). So the build
keeps:

  - the data of the root, English (en, en_US, en_US_POSIX) and every Chinese
    locale (zh*) in the locale trees these reach: collation (zh carries the
    pinyin, stroke and zhuyin orders), time-zone names, and the main locale
    data (calendars and digits, which ICU's calendar and GMT-offset names read);
  - the root collation table, and what is not one locale's data (time-zone
    rules and metazones, supplemental data, likely subtags, the key pools, and
    small shared tables such as NFKC normalization and emoji properties);
  - the converter alias table and the converters for Chinese legacy text:
    GB18030, GBK, GB2312 and Big5 (ICU computes UTF-*, Latin-1 and ASCII itself);

and drops the other locales, the other converters, and the data of services
nothing calls: break iterators and their dictionaries (Qt breaks text itself),
transliteration, spelled-out numbers, language/region/currency/unit display
names, character names, confusables, StringPrep and IDNA (Qt has its own), and
locale matching. A locale whose data is gone falls back to root, as ICU does for
any locale it does not know (e.g. a German system collates and names time zones
as root/English would).

The cut blob is linked into a new libicudata.so.NN under the same SONAME and
symbol (`.incbin` in an assembler file), which the spec puts in the bundle in
place of the wheels' library; libicuuc binds to it unchanged. `kiosk -m
ui.icu_check` checks the result from a built bundle.

Needs gcc and icupkg (Debian: gcc, icu-devtools); installs them when run as root
on Debian, otherwise says what to install.

Usage: icu_data.py LIBICUDATA [OUT_DIR]   (default OUT_DIR: build/icu)
"""

from __future__ import annotations

import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

DEBIAN_PACKAGES = {"icupkg": "icu-devtools", "gcc": "gcc"}

LOCALES = re.compile(r"(root|en|en_US|en_US_POSIX|zh(_\w+)?)$")  # kept in every locale tree
LOCALE_TREES = ("", "coll/", "zone/")
DROPPED_TREES = ("brkitr/", "translit/", "rbnf/", "lang/", "region/", "curr/", "unit/")
DROPPED_FILES = re.compile(r"(unames\.icu|confusables\.cfu|.*\.spp|uts46\.nrm|langInfo\.res)$")
CONVERTERS = {"gb18030.cnv", "ibm-1383_P110-1999.cnv",                  # GB18030, GB2312 (EUC-CN)
              "windows-936-2000.cnv", "ibm-1386_P100-2001.cnv",           # GBK and its base table
              "windows-950-2000.cnv", "ibm-1373_P100-2002.cnv"}           # Big5 and its base table
# A locale's own data: language (2-3 letters) then script, region, variants, e.g. de__PHONEBOOK.
LOCALE_ITEM = re.compile(r"[a-z]{2,3}(_\w*)?\.res$")


def keep(item: str) -> bool:
    """Whether an item of the ICU package (e.g. `coll/zh.res`) stays."""
    tree, _, name = item.rpartition("/")
    tree = tree + "/" if tree else ""
    if tree.startswith(DROPPED_TREES) or DROPPED_FILES.match(name):
        return False
    if name.endswith(".cnv"):
        return name in CONVERTERS
    if tree in LOCALE_TREES and LOCALE_ITEM.match(name) and name != "res_index.res":
        return bool(LOCALES.match(name[:-len(".res")]))
    return True


def _sections(data: bytes) -> list[tuple]:
    if data[:4] != b"\x7fELF" or data[4] != 2 or data[5] != 1:
        raise SystemExit("not an ELF64 little-endian file")
    shoff, = struct.unpack_from("<Q", data, 0x28)
    shentsize, shnum = struct.unpack_from("<HH", data, 0x3A)
    return [struct.unpack_from("<IIQQQQIIQQ", data, shoff + i * shentsize) for i in range(shnum)]


def read_blob(lib: Path) -> tuple[str, str, bytes]:
    """(SONAME, data symbol, data) of an ICU data library."""
    data = lib.read_bytes()
    sections = _sections(data)
    if any(kind in (0x6FFFFFFD, 0x6FFFFFFE, 0x6FFFFFFF) for _n, kind, *_ in sections):
        raise SystemExit(f"{lib}: versioned symbols; a replacement would need the same versions")
    soname = symbol = blob = None
    for _name, kind, _flags, _addr, offset, size, link, *_ in sections:
        strtab = sections[link][4]

        def string(pos, strtab=strtab):
            return data[strtab + pos:data.index(b"\0", strtab + pos)].decode()

        if kind == 6:  # SHT_DYNAMIC
            for pos in range(offset, offset + size, 16):
                tag, value = struct.unpack_from("<qQ", data, pos)
                if tag == 14:  # DT_SONAME
                    soname = string(value)
        if kind == 11:  # SHT_DYNSYM
            for pos in range(offset, offset + size, 24):
                st_name, _info, _other, shndx, value, st_size = struct.unpack_from("<IBBHQQ", data, pos)
                name = string(st_name)
                if re.fullmatch(r"icudt\d+_dat", name) and shndx:
                    home = sections[shndx]
                    start = value - home[3] + home[4]
                    symbol, blob = name, data[start:start + st_size]
    if not (soname and symbol and blob):
        raise SystemExit(f"{lib}: no SONAME or no icudt*_dat symbol")
    return soname, symbol, blob


def find_tool(name: str) -> str | None:
    path = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    return shutil.which(name, path=path)


def ensure_tools() -> dict[str, str]:
    missing = sorted({pkg for exe, pkg in DEBIAN_PACKAGES.items() if not find_tool(exe)})
    if missing:
        if os.geteuid() == 0 and shutil.which("apt-get"):
            print(f"icu_data: installing Debian packages: {' '.join(missing)}", file=sys.stderr)
            env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
            try:
                subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
                subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing],
                               check=True, env=env, stdout=subprocess.DEVNULL)
            except subprocess.CalledProcessError as exc:
                raise SystemExit(f"could not install {' '.join(missing)} (needed for the ICU data): "
                                 f"{exc}") from None
        else:
            raise SystemExit(f"the ICU data step needs {', '.join(missing)}: "
                             f"sudo apt-get install -y {' '.join(missing)}")
    tools = {exe: find_tool(exe) for exe in DEBIAN_PACKAGES}
    if not all(tools.values()):
        raise SystemExit(f"still missing after installing: {[e for e, p in tools.items() if not p]}")
    return tools


def trim(blob: bytes, symbol: str, work: Path, icupkg: str) -> tuple[bytes, int, int]:
    """The package without the dropped items; also how many items it had and kept."""
    package = symbol[:-len("_dat")] + "l"  # icudt73l: the ToC prefix, little-endian
    source, target = work / "in" / f"{package}.dat", work / "out" / f"{package}.dat"
    for folder in (source.parent, target.parent):
        folder.mkdir(parents=True, exist_ok=True)
    source.write_bytes(blob)
    target.unlink(missing_ok=True)
    listed = subprocess.run([icupkg, "-l", str(source)], check=True, capture_output=True, text=True)
    items = listed.stdout.split()
    dropped = [item for item in items if not keep(item)]
    (work / "dropped.txt").write_text("".join(f"{item}\n" for item in dropped))
    (work / "kept.txt").write_text("".join(f"{item}\n" for item in items if keep(item)))
    done = subprocess.run([icupkg, "-r", str(work / "dropped.txt"), str(source), str(target)],
                          capture_output=True, text=True)
    if done.returncode != 0:  # e.g. a kept item depends on a dropped one
        raise SystemExit(f"icupkg -r failed:\n{done.stdout}{done.stderr}")
    return target.read_bytes(), len(items), len(items) - len(dropped)


def link(dat: Path, soname: str, symbol: str, target: Path, gcc: str) -> None:
    asm = target.with_suffix(".S")
    incbin = str(dat.resolve()).replace("\\", "\\\\").replace('"', '\\"')
    asm.write_text(
        f"""/* ICU common data, cut down from the Qt wheels' {soname} (packaging/icu_data.py). */
    .section .rodata
    .balign 16
    .globl {symbol}
    .type {symbol}, @object
{symbol}:
    .incbin "{incbin}"
    .size {symbol}, . - {symbol}
    .section .note.GNU-stack, "", @progbits
""")
    tmp = target.with_name(target.name + ".tmp")
    subprocess.run([gcc, "-shared", "-nostdlib", f"-Wl,-soname,{soname}", "-Wl,-z,noexecstack",
                    "-Wl,--hash-style=both", "-o", str(tmp), str(asm)], check=True)
    tmp.replace(target)


def build(lib: Path, out_dir: Path) -> Path:
    """Makes (or reuses) the cut-down copy of the ICU data library `lib` in out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / lib.name
    newest = max(lib.stat().st_mtime, Path(__file__).stat().st_mtime)
    if target.exists() and target.stat().st_mtime >= newest:
        return target
    soname, symbol, blob = read_blob(lib)
    tools = ensure_tools()
    cut, had, kept = trim(blob, symbol, out_dir / "work", tools["icupkg"])
    dat = out_dir / "work" / "icudt.dat"
    dat.write_bytes(cut)
    link(dat, soname, symbol, target, tools["gcc"])
    soname2, symbol2, blob2 = read_blob(target)
    if (soname2, symbol2, blob2) != (soname, symbol, cut):
        target.unlink()
        raise SystemExit(f"{target}: the linked library does not carry the cut data as {symbol}")
    print(f"icu_data: {lib.name}: {len(blob) / 1e6:.1f} MB -> {len(cut) / 1e6:.1f} MB of data, "
          f"{kept} of {had} items kept", file=sys.stderr)
    return target


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit(__doc__.rsplit("Usage: ", 1)[1])
    out = build(Path(sys.argv[1]), Path(sys.argv[2] if len(sys.argv) > 2 else "build/icu"))
    print(out, out.stat().st_size)
