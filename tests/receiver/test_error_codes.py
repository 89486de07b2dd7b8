"""The platform answers only with codes of the wire catalogue (`wire.errors`), at the
status the catalogue gives: checked in the source, in `ApiError` itself and in the API
document. `tests/e2e/test_receiver_errors.py` provokes them from a running server."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from receiver.cli import openapi_json
from receiver.errors import ApiError, Refusal
from wire import errors, signing
from wire.errors import ErrorCode

RECEIVER = Path(__file__).resolve().parents[2] / "receiver"
SOURCES = sorted(RECEIVER.rglob("*.py"))
# Words that are also codes but mean something else where they stand.
NOT_CODES = {("cli.py", "maintenance")}  # the operator's command that switches it on


def calls_of(names: set[str]) -> list[tuple[Path, ast.Call]]:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in names:
                found.append((path, node))
    return found


@pytest.mark.source
def test_every_refusal_in_the_source_names_a_catalogue_entry():
    calls = calls_of({"ApiError", "Refusal"})
    assert len(calls) >= 40  # every refusal the platform makes
    for path, call in calls:
        first = call.args[0] if call.args else None
        assert isinstance(first, ast.Attribute), f"{path.name}:{call.lineno}"
        if ast.unparse(first) == "exc.error":  # a refused signature: its own entry (below)
            continue
        assert getattr(first.value, "id", None) == "errors", \
            f"{path.name}:{call.lineno} does not name an entry of wire.errors"
        assert isinstance(getattr(errors, first.attr, None), ErrorCode), \
            f"{path.name}:{call.lineno}: wire.errors has no {first.attr}"
        overrides = [k.arg for k in call.keywords if k.arg == "status"]
        assert not overrides or first.attr == "HTTP_ERROR", \
            f"{path.name}:{call.lineno} answers {first.attr} with another status"


@pytest.mark.source
def test_no_error_code_is_spelt_out_in_the_receiver():
    codes = set(errors.CATALOGUE)
    for path in SOURCES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        literals = [n for n in ast.walk(tree)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)]
        spelt = [(n.lineno, n.value) for n in literals
                 if n.value in codes and (path.name, n.value) not in NOT_CODES]
        assert spelt == [], f"{path.name} spells error codes out: {spelt}"


def test_a_refused_signature_is_answered_with_a_catalogue_entry():
    def subclasses(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    refusals = subclasses(signing.SignatureRefused)
    assert len(refusals) >= 4
    for cls in refusals:
        assert errors.lookup(cls.error.code) is cls.error


def test_an_api_error_takes_only_catalogue_entries_at_their_status():
    refusal = ApiError(errors.CASE_UNKNOWN, "no case")
    assert (refusal.status, refusal.body.error) == (404, "case_unknown")
    assert Refusal(errors.ENVELOPE_MISMATCH, "x", lasting=True).status == 422
    with pytest.raises(TypeError):
        ApiError(ErrorCode("made_up", 418, "not in the catalogue"), "x")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ApiError("case_unknown", "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ApiError(errors.CASE_UNKNOWN, "x", status=410)
    assert ApiError(errors.HTTP_ERROR, "x", status=400).status == 400


def test_the_api_document_lists_every_code_at_its_status():
    doc = json.loads(openapi_json())
    for code in errors.CATALOGUE.values():
        assert f"| `{code.code}` | {code.status} | {code.meaning} |" in doc["info"]["description"]
    documented = 0
    for operations in doc["paths"].values():
        for operation in operations.values():
            for status, response in operation["responses"].items():
                if not status.startswith(("4", "5")):
                    continue
                assert response["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorBody"}
                codes = re.findall(r"`([a-z_]+)`: ", response["description"])
                assert codes, response["description"]
                for code in codes:
                    assert errors.CATALOGUE[code].status == int(status), (code, status)
                    documented += 1
    assert documented > 50
