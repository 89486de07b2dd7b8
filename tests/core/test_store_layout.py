"""How `kiosk/store/` is put together, read from its source: no import cycle (not even
one under TYPE_CHECKING or inside a function), no module reaching for another's
private names, nothing over the project's 400-line limit for a class or function."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

# Reads the project's source, which a mutation run rewrites.
pytestmark = pytest.mark.source

STORE = Path(__file__).resolve().parents[2] / "kiosk" / "store"
PACKAGE = "kiosk.store"


def _modules() -> dict[str, ast.Module]:
    return {p.stem: ast.parse(p.read_text(encoding="utf-8"), str(p))
            for p in sorted(STORE.glob("*.py"))}


def _sibling_imports(tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(module, names) for every import of a sibling module, wherever it stands."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                if node.module:
                    found.append((node.module.split(".")[0], [a.name for a in node.names]))
                else:  # from . import a, b
                    found += [(a.name, []) for a in node.names]
            elif node.level == 0 and (node.module or "").startswith(PACKAGE + "."):
                found.append((node.module.split(".")[2], [a.name for a in node.names]))
            elif node.level == 0 and node.module == PACKAGE:
                found += [(a.name, []) for a in node.names]
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith(PACKAGE + "."):
                    found.append((a.name.split(".")[2], []))
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: {m for m, _ in _sibling_imports(tree) if m in modules and m != name}
            for name, tree in modules.items() if name != "__init__"}


def test_the_package_is_read():
    graph = _graph()
    assert {"outbox", "states", "files", "recovery", "intake", "damage", "records"} <= graph.keys()
    assert "states" in graph["outbox"] and "outbox" in graph["recovery"]


def test_no_module_of_the_store_imports_one_that_imports_it_back():
    graph = _graph()
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            cycle = path[path.index(name):] + [name]
            raise AssertionError("import cycle: " + " -> ".join(cycle))
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, [*path, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])


def test_the_outbox_does_not_know_recovery_and_the_leaves_stay_leaves():
    graph = _graph()
    assert "recovery" not in graph["outbox"]
    for leaf in ("errors", "receipt"):
        assert graph[leaf] == set(), leaf
    assert graph["states"] <= {"errors"}
    assert graph["files"] <= {"errors"}


def test_no_module_takes_a_private_name_from_another():
    for name, tree in _modules().items():
        for module, names in _sibling_imports(tree):
            private = [n for n in names if n.startswith("_")]
            assert not private, f"{name} imports {private} from {module}"


def test_recovery_uses_only_public_attributes_of_what_it_is_given():
    tree = _modules()["recovery"]
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") \
                and not node.attr.startswith("__"):
            raise AssertionError(f"recovery.py line {node.lineno} uses .{node.attr}")


def test_no_class_or_function_of_the_store_is_over_400_lines():
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                assert lines <= 400, f"{name}.{node.name}: {lines} lines"
