"""The core's boundary as it is at run time: importing every module of `kiosk/` loads
neither Qt, nor an HTTP library, nor the UI, delivery, platform or command packages,
and no module of the core loads another package by name (importlib, __import__).

The import contracts (`make lint`) check the static graph; these check what a
contract cannot see."""

from __future__ import annotations

import ast
import json
import pkgutil
import subprocess
import sys

import pytest

import kiosk
from tests.support.common import ROOT

# Reads the project's source, which a mutation run rewrites.
pytestmark = pytest.mark.source

FORBIDDEN = ("PySide6", "shiboken6", "requests", "urllib3", "httpx", "fastapi", "starlette",
             "uvicorn", "http_message_signatures", "ui", "sync", "receiver", "app")


def _core_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(kiosk.__path__, "kiosk.")
                  if ".migrations" not in m.name)


def test_importing_the_whole_core_loads_nothing_of_the_other_layers():
    modules = _core_modules()
    assert "kiosk.store.outbox" in modules and "kiosk.petition" in modules
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = set(json.loads(done.stdout))
    assert "kiosk" in loaded and "sqlalchemy" in loaded  # the probe did import the core
    assert loaded.isdisjoint(FORBIDDEN), sorted(loaded & set(FORBIDDEN))


def test_no_core_module_imports_by_name():
    offenders = []
    for path in sorted((ROOT / "kiosk").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in ("import_module", "__import__", "find_spec"):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [a.name for a in node.names] if isinstance(node, ast.Import) \
                    else [node.module or ""]
                if any(n == "importlib" or n.startswith("importlib.") and
                       n != "importlib.metadata" for n in names):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []
