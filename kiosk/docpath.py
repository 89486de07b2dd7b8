"""Reading and writing a petition document by field path ("applicants[0].name")."""

from __future__ import annotations

import re
from typing import Any

_TOKEN = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def parse(path: str) -> list[str | int]:
    return [int(index) if index else key for key, index in _TOKEN.findall(path)]


def get(doc: Any, path: str) -> Any:
    node = doc
    for part in parse(path):
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return None
        elif not isinstance(node, dict):
            return None
        node = node[part] if isinstance(part, int) else node.get(part)
        if node is None:
            return None
    return node


def put(doc: dict, path: str, value: Any) -> None:
    """Sets a value, making dicts and lists on the way; None or "" removes the key."""
    parts = parse(path)
    node: Any = doc
    for part, following in zip(parts, parts[1:], strict=False):
        empty: Any = [] if isinstance(following, int) else {}
        if isinstance(part, int):
            while len(node) <= part:
                node.append({})
            if not isinstance(node[part], type(empty)):
                node[part] = empty
            node = node[part]
        else:
            if not isinstance(node.get(part), type(empty)):
                node[part] = empty
            node = node[part]
    last = parts[-1]
    if isinstance(last, int):
        while len(node) <= last:
            node.append({})
        node[last] = value
    elif value is None or value == "":
        node.pop(last, None)
    else:
        node[last] = value
