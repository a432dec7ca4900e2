"""Load a stack's config: namespaced keys -> the kind's validated model, or ``ConfigError``."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from stacks.config.base import LOCATION_KEY, PROJECT, ConfigError, PathError, config_path
from stacks.config.stack import BaseStackConfig

_FIXES = {
    "missing": "required; add it to the stack file (see docs/CONFIG.md)",
    "extra_forbidden": "unknown key; remove it or fix its spelling (see docs/CONFIG.md)",
}


def parse_config(values: Mapping[str, Any]) -> BaseStackConfig:
    """Validate plain values (field name -> value) into the model of their kind, or raise ``ConfigError``."""
    from stacks.kinds import KINDS

    kind = values.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise ConfigError(
            [(f"{PROJECT}:kind", f"'{kind}' is not a stack kind; set dsvm:kind to one of: {', '.join(sorted(KINDS))}")]
        )
    try:
        return KINDS[kind].config.model_validate(dict(values))
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        errors = exc.errors()
        for error in errors:
            loc = tuple(error["loc"])
            if error["type"] == "too_short" and any(
                len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
            ):
                continue  # its items failed validation: they are the problems, not the length
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, PathError) and cause.path:
                loc = loc + tuple(_split_path(cause.path))
            message = _FIXES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
            if error["type"] not in _FIXES and error["type"] not in ("value_error", "assertion_error"):
                message = f"{message} (got {error.get('input')!r})"
            problems.append((config_path(loc), message))
        raise ConfigError(problems) from None


def _split_path(path: str) -> list[int | str]:
    parts: list[int | str] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def decode_value(raw: Any) -> Any:
    """A config value as Pulumi hands it to a program: objects and lists arrive as JSON text."""
    if (isinstance(raw, str) and raw[:1] in ("{", "[")) or raw in ("true", "false"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def from_namespaced(config: Mapping[str, Any]) -> dict[str, Any]:
    """`{"dsvm:owner": ..., "azure-native:location": ...}` -> model field values."""
    values: dict[str, Any] = {}
    for key, raw in config.items():
        if key == LOCATION_KEY:
            values["location"] = decode_value(raw)
        elif key.startswith(f"{PROJECT}:"):
            values[key.split(":", 1)[1]] = decode_value(raw)
    return values


def load_config(config: Mapping[str, Any]) -> BaseStackConfig:
    """Validate a namespaced config map (what a stack file holds) into the model."""
    return parse_config(from_namespaced(config))
