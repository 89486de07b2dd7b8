"""No class or function of the project above 400 lines: the classes that carried
most of the logic were split by concern, and this keeps them from growing back."""

from __future__ import annotations

import ast

import pytest

from tests.support.common import ROOT

# Reads the project's source, which a mutation run rewrites.
pytestmark = pytest.mark.source

PACKAGES = ("kiosk", "wire", "ui", "sync", "receiver", "app")
MOST_LINES = 400


def test_no_class_or_function_is_longer_than_400_lines():
    too_long = []
    files = [p for package in PACKAGES for p in sorted((ROOT / package).rglob("*.py"))]
    assert len(files) > 50  # the walk did find the project
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MOST_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}: {node.name} ({lines} lines)")
    assert too_long == []
