"""Configurable lists a petition picks from: problem categories and purposes (assets/),
the common matters offered first in everyday words, and the choice for a citizen who
cannot tell (`unclassified`: the office classifies the case).

`accepted_by` narrows the terminal's own lists to what its platform publishes, so the
screen never offers a category the platform no longer takes."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from kiosk import content, paths
from wire.categories import UNCLASSIFIED

STATUTORY_KINDS = ("suggestion", "accusation", "appeal", "other")


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    hint: str
    icon: str | None = None
    statutory: str | None = None


@dataclass(frozen=True)
class Common:
    """A common matter in everyday words ("工资被拖欠") and the category it records."""

    code: str  # names the tile, never part of a document
    label: str
    hint: str
    icon: str
    category: str


# When assets/taxonomies/common.toml has no [unsure] table.
DEFAULT_UNSURE = Entry(UNCLASSIFIED, "不知道选哪个，请工作人员帮您分",
                       "工作人员会根据您写的内容分类，不影响受理", "people")
DEFAULT_UNSURE_TERM = "请工作人员分类"


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Entry, ...]
    purposes: tuple[Entry, ...]
    common: tuple[Common, ...] = ()
    unsure: Entry = DEFAULT_UNSURE  # code UNCLASSIFIED, always valid
    unsure_term: str = DEFAULT_UNSURE_TERM  # how the review and the receipt name it

    def category(self, code: str) -> Entry | None:
        if code == UNCLASSIFIED:
            return Entry(UNCLASSIFIED, self.unsure_term, self.unsure.hint, self.unsure.icon)
        return next((e for e in self.categories if e.code == code), None)

    def category_codes(self) -> set[str]:
        """What a document's `category` may be: the categories and `unclassified`."""
        return {e.code for e in self.categories} | {UNCLASSIFIED}

    def common_matter(self, code: str) -> Common | None:
        return next((c for c in self.common if c.code == code), None)

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


def _common(path: Path, categories: tuple[Entry, ...]) -> tuple[tuple[Common, ...], Entry, str]:
    """The common matters, each checked against the categories, and the [unsure] choice."""
    if not path.exists():
        return (), DEFAULT_UNSURE, DEFAULT_UNSURE_TERM
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"{path}: cannot read: {exc}") from None
    known = {e.code for e in categories}
    rows = data.get("common", [])
    if not isinstance(rows, list):
        raise TaxonomyError(f"{path}: common must be a list of [[common]] tables")
    out, seen = [], set()
    for i, row in enumerate(rows):
        where = f"{path}: common[{i}]"
        if not isinstance(row, dict):
            raise TaxonomyError(f"{where}: must be a table")
        for key in ("code", "label", "hint", "icon", "category"):
            if not isinstance(row.get(key), str) or not row[key].strip():
                raise TaxonomyError(f"{where}.{key}: required text is missing")
        unknown = set(row) - {"code", "label", "hint", "icon", "category"}
        if unknown:
            raise TaxonomyError(f"{where}.{sorted(unknown)[0]}: unknown key")
        if row["code"] in seen:
            raise TaxonomyError(f"{where}.code: {row['code']!r} is used twice")
        if row["category"] not in known:
            raise TaxonomyError(f"{where}.category: {row['category']!r} is not a code of "
                                "categories.toml")
        seen.add(row["code"])
        out.append(Common(row["code"], row["label"], row["hint"], row["icon"], row["category"]))
    unsure = data.get("unsure", {})
    if not isinstance(unsure, dict) or set(unsure) - {"label", "hint", "icon", "term"} or not all(
            isinstance(unsure.get(k, "x"), str) and unsure.get(k, "x").strip()
            for k in ("label", "hint", "icon", "term")):
        raise TaxonomyError(f"{path}: unsure: needs label, hint, icon and term as text")
    entry = Entry(UNCLASSIFIED, unsure.get("label", DEFAULT_UNSURE.label),
                  unsure.get("hint", DEFAULT_UNSURE.hint), unsure.get("icon", DEFAULT_UNSURE.icon))
    return tuple(out), entry, unsure.get("term", DEFAULT_UNSURE_TERM)


def load(directory: Path | None = None) -> Taxonomy:
    directory = directory or paths.assets_dir() / "taxonomies"
    categories = _entries(directory / "categories.toml", "category", needs_icon=True,
                          needs_statutory=False)
    if UNCLASSIFIED in {e.code for e in categories}:
        raise TaxonomyError(f"{directory / 'categories.toml'}: {UNCLASSIFIED!r} is the "
                            "choice of common.toml's [unsure], not a category")
    common, unsure, unsure_term = _common(directory / "common.toml", categories)
    return Taxonomy(
        categories=categories,
        purposes=_entries(directory / "purposes.toml", "purpose", needs_icon=False,
                          needs_statutory=True),
        common=common, unsure=unsure, unsure_term=unsure_term,
    )


def accepted_by(local: Taxonomy, published: list[dict]) -> Taxonomy:
    """The categories the platform publishes (its labels; the terminal's icon and hint
    where it knows the code), and only the common matters that record one of them. An
    empty list means the platform leaves the taxonomy to the terminal."""
    if not published:
        return local
    ours = {e.code: e for e in local.categories}
    categories = []
    for item in published:
        code, label = str(item.get("code") or ""), str(item.get("label") or "")
        if not code or not label or code == UNCLASSIFIED or code in {e.code for e in categories}:
            continue
        mine = ours.get(code)
        categories.append(Entry(code, label, str(item.get("hint") or (mine.hint if mine else "")),
                                mine.icon if mine else "dots"))
    if not categories:
        return local
    codes = {e.code for e in categories}
    return Taxonomy(tuple(categories), local.purposes,
                    tuple(c for c in local.common if c.category in codes),
                    local.unsure, local.unsure_term)


def for_terminal(data_dir: Path, directory: Path | None = None) -> Taxonomy:
    """What this terminal offers and accepts: its own lists narrowed to the categories
    its platform last published (kiosk/content.py); the screen and `kiosk submit` both."""
    pulled = content.read(data_dir)
    return accepted_by(load(directory), pulled.categories if pulled is not None else [])
