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


def covers(trigger: str, path: str) -> bool:
    """Whether a change at ``path`` falls under ``trigger`` (the path itself, or below it; ``*`` is all)."""
    return trigger == "*" or path == trigger or path.startswith((trigger + ".", trigger + "["))


def comparable_leaves(
    inputs: Any,
    secret_paths: Iterator[str] | list[str] | tuple[str, ...] = (),
    fingerprints: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The leaves of ``inputs`` as ARM compares them: a location ignores case and spaces
    ("West Europe" == "westeurope"), and a secret compares by its one-way fingerprint."""
    secrets = set(secret_paths)
    prints = fingerprints or {}
    leaves: dict[str, Any] = {}
    for path, value in flatten(inputs):
        if path == "location" and isinstance(value, str):
            value = value.replace(" ", "").lower()
        elif path in secrets or value == "[secret]":
            value = ("[secret]", prints.get(path))
        leaves[path] = value
    return leaves


def changed_paths(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Dotted paths whose value differs between two ``comparable_leaves`` (added, removed, changed).

    A secret without a fingerprint on one side (an older plan) cannot be compared and is
    not reported.
    """
    changed = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if isinstance(a, tuple) and isinstance(b, tuple) and (a[1] is None or b[1] is None):
            continue
        if a != b:
            changed.append(path)
    return changed
