"""`kiosk-receiver carry import DIR`: every carry file in DIR (a station's USB stick)
checked, its cases made exactly once, and the platform's signed acknowledgement written
back beside it (`receiver/carry.py` holds the rules; docs/carry.md what they mean).

Exit 0 when every file was taken (or was taken before with its acknowledgement still
beside it), 2 when a file was refused (it stored nothing; the others were taken), 1 when
the acknowledgement could not be written (the cases exist; importing again writes it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wire import carry

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def add_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    parser = sub.add_parser("carry", parents=[common],
                            help="carry files from a station's USB stick")
    csub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    imp = csub.add_parser("import", parents=[common],
                          help="import every carry file in DIR and write the acknowledgements "
                               "back into DIR")
    imp.add_argument("dir", type=Path, metavar="DIR", help="the stick's folder")


def carry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and carry.is_carry_name(p.name))


def _acknowledged_beside(path: Path, carry_id: str) -> bool:
    ack_path = path.with_name(carry.ack_name(path.name))
    try:
        return carry.ack_carry_id(ack_path.read_bytes()) == carry_id
    except OSError:
        return False


def run(args: argparse.Namespace, store: Any, importer: Any) -> int:
    folder: Path = args.dir
    if not folder.is_dir():
        print(f"kiosk-receiver carry import: {folder} is not a folder", file=sys.stderr)
        return EXIT_INVALID
    files = carry_files(folder)
    if not files:
        print(f"kiosk-receiver carry import: no carry file (*{carry.SUFFIX}) in {folder}",
              file=sys.stderr)
        return EXIT_INVALID
    status = EXIT_OK
    for path in files:
        data = path.read_bytes()
        try:
            found = carry.read(data)
            if store.carry_import(found.manifest.carry_id) is not None and \
                    _acknowledged_beside(path, found.manifest.carry_id):
                print(f"{path.name}: imported before; its acknowledgement is beside it "
                      "(nothing to do)")
                continue
            imported = importer.take(data, via="stick")
        except carry.CarryRefused as exc:
            print(f"kiosk-receiver carry import: {path.name} refused, nothing stored: {exc}",
                  file=sys.stderr)
            status = max(status, EXIT_INVALID)
            continue
        ack_path = path.with_name(carry.ack_name(path.name))
        try:
            carry.write_on_stick(ack_path, lambda out, d=imported.acknowledgement: out.write(d))
        except carry.StickFull as exc:
            print(f"kiosk-receiver carry import: {path.name}: the cases are made, but the "
                  f"acknowledgement could not be written ({exc}); make room and import again",
                  file=sys.stderr)
            status = EXIT_FAILED
            continue
        print(f"{path.name}: {len(imported.carry.manifest.submissions)} submission(s) of "
              f"terminal {imported.carry.manifest.terminal_id}: {imported.cases} with a case, "
              f"{imported.refused} refused; acknowledgement written to {ack_path.name}")
    return status
