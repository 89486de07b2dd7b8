"""Bad input everywhere: property-based fuzzing of every file a person or a platform
hands the kiosk — petition documents (`kiosk submit`), the configuration (`kiosk
config check`), pulled content, taxonomies and the work calendar. Never a
traceback: either it is valid, or a clear message names the problem and the
command exits 2."""

from __future__ import annotations

import contextlib
import copy
import io
import json
import shutil
import tomllib
from pathlib import Path

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import main as cli
from kiosk import content, taxonomy
from kiosk.calendar import WorkCalendar
from tests.support.common import EXAMPLE, ROOT

EXAMPLES = 300  # per property; the note reports the total
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner,
                                                                 max_size=5),
    max_leaves=25,
)
toml_values = st.recursive(
    st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.floats(allow_nan=False)
    | st.text(max_size=40) | st.dates(),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.text(min_size=1, max_size=12), inner, max_size=4),
    max_leaves=15,
)


def _paths(tree, prefix=()):
    """Every path to a value inside a JSON/TOML tree (for mutating one of them)."""
    yield prefix
    if isinstance(tree, dict):
        for k, v in tree.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(tree, list):
        for i, v in enumerate(tree):
            yield from _paths(v, (*prefix, i))


@st.composite
def mutated(draw, base, values):
    """`base` with one value replaced, one key dropped or one unknown key added."""
    tree = copy.deepcopy(base)
    paths = [p for p in _paths(tree) if p]
    path = draw(st.sampled_from(paths))
    parent = tree
    for part in path[:-1]:
        parent = parent[part]
    action = draw(st.sampled_from(["replace", "drop", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(values)
    elif action == "drop" and isinstance(parent, dict):
        del parent[path[-1]]
    elif action == "drop":
        parent.pop(path[-1])
    elif isinstance(parent, dict):
        parent[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return tree


def run_cli(*argv: str) -> tuple[int, str, str]:
    """The real `kiosk` entry point, in-process: an uncaught exception fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def _terminal_config(tmp_path: Path) -> Path:
    data = tomllib.loads((ROOT / "docs" / "examples" / "kiosk.toml").read_text(encoding="utf-8"))
    data.setdefault("data", {})["dir"] = str(tmp_path / "data")
    path = tmp_path / "kiosk.toml"
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


# --- petition documents -----------------------------------------------------------------


EXAMPLE_DOC = json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _submit(tmp_path: Path, cfg: Path, payload: bytes) -> None:
    doc = tmp_path / "doc.json"
    doc.write_bytes(payload)
    code, out, err = run_cli("submit", str(doc), "--dry-run", "--config", str(cfg),
                             "--today", "2026-11-26")
    assert "Traceback" not in out + err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert str(doc) in err, err  # the message names the file and what is wrong with it
        assert err.strip(), "exit 2 must say why"
    else:
        assert "valid" in out


@FUZZ
@given(doc=mutated(EXAMPLE_DOC, json_values))
def test_submit_survives_a_mutated_petition(tmp_path_factory, doc):
    tmp = tmp_path_factory.mktemp("submit")
    shutil.copy(EXAMPLE.parent / "signature.png", tmp / "signature.png")
    _submit(tmp, _terminal_config(tmp), json.dumps(doc, ensure_ascii=False).encode())


@FUZZ
@given(doc=json_values)
def test_submit_survives_any_json(tmp_path_factory, doc):
    tmp = tmp_path_factory.mktemp("submit")
    _submit(tmp, _terminal_config(tmp), json.dumps(doc).encode())


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_submit_survives_any_bytes(tmp_path_factory, raw):
    tmp = tmp_path_factory.mktemp("submit")
    _submit(tmp, _terminal_config(tmp), raw)


# --- the configuration ------------------------------------------------------------------


CONFIG_DOC = tomllib.loads((ROOT / "docs" / "examples" / "kiosk.toml").read_text(encoding="utf-8"))


def _config_check(tmp_path: Path, payload: bytes) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_bytes(payload)
    code, out, err = run_cli("config", "check", "--config", str(path))
    assert "Traceback" not in out + err
    assert code in (0, 2), (code, err)
    if code == 2:
        assert str(path) in err and "error:" in err, err
    else:
        assert out.rstrip().endswith("ok")


@FUZZ
@given(data=mutated(CONFIG_DOC, toml_values))
def test_config_check_survives_a_mutated_configuration(tmp_path_factory, data):
    tmp = tmp_path_factory.mktemp("config")
    if isinstance(data.get("data"), dict):
        data["data"]["dir"] = str(tmp / "data")  # never anywhere outside the test's folder
    _config_check(tmp, tomli_w.dumps(data).encode())


@FUZZ
@given(raw=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_config_check_survives_any_bytes(tmp_path_factory, raw):
    _config_check(tmp_path_factory.mktemp("config"), raw)


# --- files the kiosk reads without a person in front of it ------------------------------


@FUZZ
@given(payload=json_values.map(lambda v: json.dumps({"etag": "x", "content": v}).encode())
       | st.binary(max_size=200))
def test_pulled_content_is_used_or_ignored_never_a_crash(tmp_path_factory, payload):
    tmp = tmp_path_factory.mktemp("content")
    (tmp / content.CONTENT_FILE).write_bytes(payload)
    found = content.read(tmp)
    assert found is None or isinstance(found, content.Content)
    if found is not None:
        assert all(t.url.startswith(("http://", "https://")) for t in found.qr_targets)


TAXONOMY_DIR = ROOT / "assets" / "taxonomies"
TAXONOMY_FILES = {p.name: tomllib.loads(p.read_text(encoding="utf-8"))
                  for p in TAXONOMY_DIR.glob("*.toml")}


@FUZZ
@given(name=st.sampled_from(sorted(TAXONOMY_FILES)), data=st.data())
def test_taxonomy_files_fail_with_a_named_problem(tmp_path_factory, name, data):
    tmp = tmp_path_factory.mktemp("taxonomy")
    for other in TAXONOMY_DIR.glob("*.toml"):
        shutil.copy(other, tmp / other.name)
    broken = data.draw(mutated(TAXONOMY_FILES[name], toml_values))
    (tmp / name).write_text(tomli_w.dumps(broken), encoding="utf-8")
    try:
        taxonomy.load(tmp)
    except taxonomy.TaxonomyError as exc:
        assert name in str(exc)


CALENDAR = ROOT / "assets" / "calendar.toml"


@FUZZ
@given(data=mutated(tomllib.loads(CALENDAR.read_text(encoding="utf-8")), toml_values)
       .map(lambda d: tomli_w.dumps(d).encode()) | st.binary(max_size=200))
def test_calendar_file_fails_with_a_named_problem(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("calendar") / "calendar.toml"
    path.write_bytes(data)
    try:
        WorkCalendar.load(path)
    except ValueError as exc:
        assert str(path) in str(exc)
