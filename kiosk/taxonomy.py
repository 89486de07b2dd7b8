"""Configurable lists a petition picks from: problem categories and purposes (assets/)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk import paths

STATUTORY_KINDS = ("suggestion", "accusation", "appeal", "other")


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    hint: str
    icon: str | None = None
    statutory: str | None = None


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Entry, ...]
    purposes: tuple[Entry, ...]

    def category(self, code: str) -> Entry | None:
        return next((e for e in self.categories if e.code == code), None)

    def purpose(self, code: str) -> Entry | None:
        return next((e for e in self.purposes if e.code == code), None)


class TaxonomyError(ValueError):
    pass


def _entries(path: Path, table: str, *, needs_icon: bool, needs_statutory: bool) -> tuple[Entry, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc}") from None
    rows = data.get(table)
    if not isinstance(rows, list) or not rows:
        raise TaxonomyError(f"{path}: needs at least one [[{table}]] entry")
    entries, seen = [], set()
    for i, row in enumerate(rows):
        where = f"{path}: {table}[{i}]"
        if not isinstance(row, dict):
            raise TaxonomyError(f"{where}: must be a table")
        for key in ("code", "label", "hint") + (("icon",) if needs_icon else ()) + (
            ("statutory",) if needs_statutory else ()
        ):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise TaxonomyError(f"{where}.{key}: required text is missing")
        unknown = set(row) - {"code", "label", "hint", "icon", "statutory"}
        if unknown:
            raise TaxonomyError(f"{where}.{sorted(unknown)[0]}: unknown key")
        if row["code"] in seen:
            raise TaxonomyError(f"{where}.code: {row['code']!r} is used twice")
        if needs_statutory and row["statutory"] not in STATUTORY_KINDS:
            raise TaxonomyError(f"{where}.statutory: must be one of {', '.join(STATUTORY_KINDS)}")
        seen.add(row["code"])
        entries.append(Entry(row["code"], row["label"], row["hint"], row.get("icon"),
                             row.get("statutory")))
    return tuple(entries)


def load(directory: Path | None = None) -> Taxonomy:
    directory = directory or paths.assets_dir() / "taxonomies"
    return Taxonomy(
        categories=_entries(directory / "categories.toml", "category", needs_icon=True,
                            needs_statutory=False),
        purposes=_entries(directory / "purposes.toml", "purpose", needs_icon=False,
                          needs_statutory=True),
    )
