"""The platform imports the wire package, nothing else of the project; its HTTP
framework stays in its HTTP layer."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

# Reads the project's source, which a mutation run rewrites.
pytestmark = pytest.mark.source

RECEIVER = Path(__file__).resolve().parents[2] / "receiver"
OURS = {"kiosk", "ui", "sync", "app", "wire", "receiver", "tests"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_the_receiver_imports_only_wire_of_the_project():
    for path in RECEIVER.rglob("*.py"):
        assert imported(path) & OURS <= {"wire", "receiver"}, path


def test_intake_auth_and_storage_need_no_http_framework():
    plain = [RECEIVER / "intake.py", RECEIVER / "auth.py", RECEIVER / "errors.py",
             *(RECEIVER / "storage").glob("*.py")]
    for path in plain:
        assert not imported(path) & {"fastapi", "starlette", "uvicorn"}, path
    storage = [*(RECEIVER / "storage").glob("*.py")]
    for path in storage:  # one access stack: SQLAlchemy only for Alembic, in schema.py
        if path.name != "schema.py":
            assert not imported(path) & {"sqlalchemy", "alembic"}, path
