"""ARM ids, template expressions and nested-path edits for the ARM template export."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# Inputs ARM keeps beside `properties` (ARM resource envelope), in template order.
TOP_LEVEL_KEYS = ("sku", "kind", "identity", "zones", "plan", "extendedLocation")
_SUB_RESOURCE_KEYS = frozenset({"id", "name", "etag", "type"})
_SCOPE = re.compile(r"^/subscriptions/(?P<sub>[^/]+)(?:/resourceGroups/(?P<rg>[^/]+))?$", re.IGNORECASE)
# Computed outputs that are never referenced: bookkeeping, not values a resource consumes.
_NOT_REFERENCED = frozenset({"id", "name", "type", "provisioningState", "resourceGroupName"})


@dataclass(frozen=True)
class ArmId:
    """A parsed ARM id: subscription, resource group (or None) and provider segments."""

    subscription: str
    resource_group: str | None
    # One (type, names) per `/providers/` segment: more than one is an extension resource.
    segments: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def arm_type(self) -> str:
        return self.segments[-1][0] if self.segments else ""

    @property
    def names(self) -> tuple[str, ...]:
        return self.segments[-1][1] if self.segments else ()


def parse_arm_id(value: str) -> ArmId | None:
    """``/subscriptions/s[/resourceGroups/g]/providers/NS/t/n[/t2/n2...][/providers/...]``, else None."""
    if not value.lower().startswith("/subscriptions/"):
        return None
    base, *providers = re.split(r"/providers/", value, flags=re.IGNORECASE)
    scope = _SCOPE.match(base)
    if scope is None:
        return None
    segments: list[tuple[str, tuple[str, ...]]] = []
    for part in providers:
        namespace, *rest = part.split("/")
        if not namespace or not rest or len(rest) % 2 or not all(rest):
            return None
        segments.append(("/".join([namespace, *rest[0::2]]), tuple(rest[1::2])))
    return ArmId(scope["sub"], scope["rg"], tuple(segments))


def quote(value: str) -> str:
    """An ARM expression string literal."""
    return "'" + value.replace("'", "''") + "'"


def camel(text: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", text) if w]
    return "".join(w if i == 0 else w[:1].upper() + w[1:] for i, w in enumerate(words))


def pascal(text: str) -> str:
    text = camel(text)
    return text[:1].upper() + text[1:]


def relative(arm_id: str) -> str:
    """``Microsoft.X/t/n...`` of a resource-group-level id (lower-cased input)."""
    return arm_id.split("/providers/", 1)[-1]


def find_computed(outputs: Any, inputs: Any, value: str, path: tuple[str | int, ...] = ()) -> list[str | int] | None:
    """The output path holding ``value`` that the inputs do not set (ARM computed it), else None."""
    if isinstance(outputs, dict):
        for key, item in outputs.items():
            if not path and key in _NOT_REFERENCED:
                continue
            sub_inputs = inputs.get(key) if isinstance(inputs, dict) else None
            found = find_computed(item, sub_inputs, value, (*path, key))
            if found is not None:
                return found
    elif isinstance(outputs, list):
        for i, item in enumerate(outputs):
            sub_inputs = inputs[i] if isinstance(inputs, list) and i < len(inputs) else None
            found = find_computed(item, sub_inputs, value, (*path, i))
            if found is not None:
                return found
    elif outputs == value and inputs != value:
        return list(path)
    return None


def arm_path(path: list[str | int], key_expression: Callable[[str], str | None] | None = None) -> str:
    """An output path as a member access on ``reference(..., 'full')``: envelope keys or ``properties``.
    A key ``key_expression`` turns into an expression (an ARM id) is accessed by brackets; one that is not
    an identifier, by a quoted bracket."""

    def member(part: str | int) -> str:
        if isinstance(part, int):
            return f"[{part}]"
        expression = key_expression(part) if key_expression else None
        if expression is not None:
            return f"[{expression}]"
        return f".{part}" if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", part) else f"[{quote(part)}]"

    text = "".join(member(p) for p in path)
    return text if path and path[0] in TOP_LEVEL_KEYS else ".properties" + text


def map_path(value: Any, parts: list[str], change: Callable[[Any], Any]) -> Any:
    """``value`` with ``change`` applied at the SDK path ``parts`` (``a``, ``b[]`` = each item of list ``b``)."""
    if not parts:
        return change(value)
    head, rest = parts[0], parts[1:]
    key = head.removesuffix("[]")
    if not isinstance(value, dict) or key not in value:
        return value
    item = value[key]
    if not head.endswith("[]"):
        return {**value, key: map_path(item, rest, change)}
    if not isinstance(item, list):
        return value
    return {**value, key: [map_path(v, rest, change) for v in item]}


def rename(value: Any, parts: list[str], new_key: str) -> Any:
    """Rename the last key of an SDK path (``a.b[].c``) to its ARM name, keeping the key order."""
    old_key = parts[-1]

    def rename(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        return {(new_key if k == old_key else k): v for k, v in node.items()}

    return map_path(value, parts[:-1], rename)


def nest(value: Any, parts: list[str]) -> Any:
    """Move a flattened sub-resource's fields (all but id/name/...) under its ``properties``."""

    def nest(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        inner = {k: v for k, v in node.items() if k not in _SUB_RESOURCE_KEYS}
        outer = {k: v for k, v in node.items() if k in _SUB_RESOURCE_KEYS}
        return {**outer, "properties": inner} if inner else outer

    return map_path(value, parts, nest)
