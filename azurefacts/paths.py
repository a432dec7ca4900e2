"""Dotted ARM property paths (``storageProfile.dataDisks[0].lun``) over nested dicts and lists."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

_TOKEN = re.compile(r"[^.\[\]]+|\[\d+\]")


def split_path(path: str) -> list[str | int]:
    """``a.b[0].c`` -> ``["a", "b", 0, "c"]``."""
    return [int(t[1:-1]) if t.startswith("[") else t for t in _TOKEN.findall(path)]


def get_path(data: Any, path: str, default: Any = None) -> Any:
    """The value at ``path``, or ``default`` where any step is missing or the value is null
    (ARM treats a null property as an absent one)."""
    node = data
    for part in split_path(path):
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            continue
        if not (isinstance(node, dict) and isinstance(part, str) and part in node):
            return default
        node = node[part]
    return default if node is None else node


def set_path(data: Any, path: str, value: Any) -> bool:
    """Replace the value at an existing ``path`` in place; False if the path is absent."""
    parts = split_path(path)
    if not parts:
        return False
    parent = get_path(data, _join(parts[:-1]), None) if len(parts) > 1 else data
    last = parts[-1]
    if isinstance(last, int) and isinstance(parent, list) and last < len(parent):
        parent[last] = value
        return True
    if isinstance(last, str) and isinstance(parent, dict) and last in parent:
        parent[last] = value
        return True
    return False


def flatten(data: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf as (path, value); empty dicts and lists are leaves too."""
    if isinstance(data, dict) and data:
        for key in sorted(data):
            yield from flatten(data[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, list) and data:
        for i, item in enumerate(data):
            yield from flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix, data


def _join(parts: list[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
