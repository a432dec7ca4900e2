"""Load a stack's config: namespaced keys -> the kind's validated model, or ``ConfigError``.

Keys arrive namespaced, as the Pulumi engine hands them to a program (a stack file's
bare ``vm_size:`` has already become ``dsvm:vm_size``: see ``dsvmctl/project.py``).
``from_namespaced`` keeps the project's keys and ``azure-native:location``, lets other
providers' keys (``azure-native:*``, ``azure:``, ``pulumi:``, ``random:`` ...) pass, and
refuses a key whose namespace looks like a misspelling of the project's (``dvsm:``,
``DSVM:``): Pulumi passes such a key on and the program would never read it.

Every pydantic error becomes a message a person can act on: the expected type in
words ("must be true or false"), what a list or string needs ("a team stack needs at
least one member; add an entry with username ..."), a did-you-mean for a misspelt key.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from stacks.config.base import LOCATION_KEY, PROJECT, PROJECT_DIR, ConfigError, PathError, config_path
from stacks.config.stack import BaseStackConfig

_FIXES = {
    "missing": "required; add it to the stack file (see docs/CONFIG.md)",
    "extra_forbidden": "unknown key; remove it or fix its spelling (see docs/CONFIG.md)",
}
# A number out of its field's range (pydantic's ``ge``/``le``/``gt``/``lt``): (bound, the rule, the fix), in words.
_BOUNDS = {
    "less_than_equal": ("le", "more than the most allowed,", "at most"),
    "greater_than_equal": ("ge", "less than the least allowed,", "at least"),
    "less_than": ("lt", "not below", "less than"),
    "greater_than": ("gt", "not above", "more than"),
}
# The expected type of a type error, in words.
_EXPECTED = {
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "dict_type": "a mapping of keys to values",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "list_type": "a list",
    "tuple_type": "a list",
    "set_type": "a list",
    "frozen_set_type": "a list",
}
_NEAR = 0.7  # difflib ratio from which a namespace is taken for a misspelling of the project's


def parse_config(values: Mapping[str, Any], project_dir: Path | None = None) -> BaseStackConfig:
    """Validate plain values (field name -> value) into the model of their kind, or raise ``ConfigError``.

    ``project_dir``: where paths in the config start (a ``scale_out`` roster file); None: the
    nearest directory with a Pulumi.yaml from the current one (where ``pulumi`` runs the program)."""
    from stacks.kinds import KINDS

    kind = values.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        given = "required (a missing kind is not a stack kind)" if kind is None else f"'{kind}' is not a stack kind"
        raise ConfigError([(f"{PROJECT}:kind", f"{given}; set {PROJECT}:kind to one of: {', '.join(sorted(KINDS))}")])
    model = KINDS[kind].config
    try:
        return model.model_validate(dict(values), context={PROJECT_DIR: project_dir} if project_dir else None)
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
            problems.append((config_path(loc), _message(model, kind, loc, dict(error))))
        raise ConfigError(problems) from None


def _other_kinds_with(name: str, kind: str) -> list[str]:
    """The other stack kinds that have top-level key ``name`` (e.g. ``backup`` on a ``scale_out`` stack)."""
    from stacks.kinds import KINDS

    return [other for other, spec in sorted(KINDS.items()) if other != kind and name in spec.config.model_fields]


def _message(model: type[BaseModel], kind: str, loc: tuple[int | str, ...], error: dict[str, Any]) -> str:
    """One pydantic error as a rule and a fix, in words."""
    kind_of_error = str(error["type"])
    ctx: dict[str, Any] = error.get("ctx") or {}
    owner, annotation = _field_at(model, loc)
    name = next((str(p) for p in reversed(loc) if isinstance(p, str)), "value")
    if kind_of_error == "extra_forbidden":
        elsewhere = _other_kinds_with(name, kind) if len(loc) == 1 else []
        if elsewhere:
            return (f"a key of {' and '.join(elsewhere)} stacks, not of a {kind} stack (docs/CONFIG.md lists each "
                    f"kind's keys); remove it")  # fmt: skip
        near = difflib.get_close_matches(name.lower(), list(owner.model_fields) if owner else [], n=1, cutoff=0.6)
        return _FIXES["extra_forbidden"] + (f"; did you mean {near[0]}?" if near else "")
    if kind_of_error in _FIXES:
        return _FIXES[kind_of_error]
    if kind_of_error in ("too_short", "too_long"):
        return _length_message(kind_of_error, kind, loc, name, ctx, annotation)
    if kind_of_error == "string_too_short":
        minimum = ctx.get("min_length", 1)
        if minimum == 1:
            return "must not be empty (at least 1 character)"
        return f"must be at least {minimum} characters long"
    if kind_of_error == "string_too_long":
        return f"must be at most {ctx.get('max_length')} characters long (got {len(str(error.get('input')))})"
    if kind_of_error == "literal_error":
        return f"must be one of: {ctx.get('expected')} (got {_given(error.get('input'))})"
    if kind_of_error in _EXPECTED:
        return _type_message(kind_of_error, name, error.get("input"), annotation)
    if kind_of_error in _BOUNDS:
        bound_key, words, fix = _BOUNDS[kind_of_error]
        bound = ctx.get(bound_key)
        return f"{_given(error.get('input'))} is {words} {bound}; give {fix} {bound}"
    message = str(error["msg"]).removeprefix("Value error, ")
    if kind_of_error not in ("value_error", "assertion_error"):
        message = f"{message} (got {error.get('input')!r})"
    return message


def _type_message(kind_of_error: str, name: str, given: Any, annotation: Any) -> str:
    expected = _EXPECTED[kind_of_error]
    item = _item_type(annotation)
    if expected == "a list" and _is_model(item):
        expected = f"a list of {name.replace('_', ' ')}, one `- {_entry_keys(item)[0]}: ...` entry each"
    elif expected == "a list":
        expected = "a list, one `- item` line per item"
    elif expected == "a mapping" and _is_model(annotation):
        expected = f"a mapping with the keys {', '.join(annotation.model_fields)}"
    hint = ""
    if kind_of_error == "string_type" and isinstance(given, bool):
        hint = f"; quote it: '{json.dumps(given)}'"
    elif kind_of_error == "string_type" and isinstance(given, int | float):
        hint = (
            f"; write it in quotes as you mean it (e.g. \"0720\", \"25.10\"): unquoted, YAML read it as the "
            f"number {json.dumps(given)} (a leading 0 reads as octal, 0720 as 464; 25.10 reads as 25.1)"
        )
    return f"must be {expected} (got {_given(given)}){hint}"


def _length_message(
    kind_of_error: str, kind: str, loc: tuple[int | str, ...], name: str, ctx: dict[str, Any], annotation: Any
) -> str:
    noun = name.replace("_", " ")
    one = noun[:-1] if noun.endswith("s") else noun
    actual = ctx.get("actual_length")
    if kind_of_error == "too_long":
        limit = ctx.get("max_length")
        return f"at most {limit} {noun} are allowed and there are {actual}; remove {int(actual or 0) - int(limit or 0)}"
    minimum = int(ctx.get("min_length") or 1)
    who = f"a {kind} stack" if len(loc) == 1 else "it"
    text = f"{who} needs at least {'one' if minimum == 1 else minimum} {one if minimum == 1 else noun}"
    item = _item_type(annotation)
    if _is_model(item):
        keys = _entry_keys(item)
        listed = ", ".join(keys[:-1]) + " and " + keys[-1] if len(keys) > 1 else keys[0]
        text += f"; add an entry with {listed}"
    return text


def _entry_keys(model: type[BaseModel]) -> list[str]:
    """The keys a minimal entry of ``model`` needs: the required ones, then the conditional ones
    (with their condition) unless the condition is another key of the entry (``entra_object_id``
    is needed only with ``entra_login_enabled``)."""
    keys = [name for name, info in model.model_fields.items() if info.is_required()]
    for name, info in model.model_fields.items():
        text = info.description or ""
        match = re.match(r"Conditional \(([^)]*)\)", text)
        if match and not any(f"`{other}`" in match.group(1) for other in model.model_fields):
            keys.append(f"{name} ({match.group(1)})")
    return keys or ["..."]


def _field_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> tuple[type[BaseModel] | None, Any]:
    """The model holding the last key of ``loc``, and the annotation at ``loc`` (None if unknown)."""
    current: Any = model
    owner: type[BaseModel] | None = model
    for part in loc:
        current = _unwrap_optional(current)
        if isinstance(part, int):
            current = _item_type(current)
        elif _is_model(current) and part in current.model_fields:
            owner, current = current, current.model_fields[part].annotation
        elif get_origin(current) is dict:
            owner, current = None, get_args(current)[1]
        else:
            return (current if _is_model(current) else None), None
    return owner, _unwrap_optional(current)


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        return args[0] if len(args) == 1 else annotation
    return annotation


def _item_type(annotation: Any) -> Any:
    """``X`` of ``tuple[X, ...]``/``list[X]``, else None."""
    annotation = _unwrap_optional(annotation)
    if get_origin(annotation) in (tuple, list, set, frozenset):
        args = get_args(annotation)
        return args[0] if args else None
    return None


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _given(value: Any) -> str:
    """What the stack file held, in YAML words."""
    if value is None:
        return "no value"
    if isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list | tuple):
        return "a list"
    return repr(value)


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


def from_namespaced(config: Mapping[str, Any], project: str = PROJECT) -> dict[str, Any]:
    """`{"dsvm:owner": ..., "azure-native:location": ...}` -> model field values.

    Other namespaces pass untouched; a namespace close to ``project`` (same letters in
    another case or order, a letter off: difflib ratio >= 0.7) is refused with a
    did-you-mean, as is ``<project>:location`` (the region is ``azure-native:location``).
    """
    from stacks.kinds import KINDS

    fields = sorted({name for kind in KINDS.values() for name in kind.config.model_fields} - {"location"})
    values: dict[str, Any] = {}
    problems: list[tuple[str, str]] = []
    for key, raw in config.items():
        namespace, _, name = key.partition(":")
        if key == LOCATION_KEY:
            values["location"] = decode_value(raw)
        elif namespace == project and name == "location":
            problems.append((key, f"the region is {LOCATION_KEY} (the provider's key); rename {key} to it"))
        elif namespace == project:
            values[name] = decode_value(raw)
        elif _looks_like(namespace, project):
            near = difflib.get_close_matches(name, fields, n=1, cutoff=0.6)
            meant = f"{project}:{near[0] if near and name not in fields else name}"
            problems.append((key, f"unknown namespace '{namespace}'; did you mean {meant}?"))
    if problems:
        raise ConfigError(problems)
    return values


def _looks_like(namespace: str, project: str) -> bool:
    folded, ours = namespace.lower(), project.lower()
    return folded in ("", ours) or difflib.SequenceMatcher(None, folded, ours).ratio() >= _NEAR


def load_config(config: Mapping[str, Any], project: str = PROJECT, project_dir: Path | None = None) -> BaseStackConfig:
    """Validate a namespaced config map (what a stack file holds) into the model (``project_dir``: see
    ``parse_config``)."""
    return parse_config(from_namespaced(config, project), project_dir)
