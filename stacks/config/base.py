"""What every config section shares: the frozen model base, errors that name a config path.

Stack files (``Pulumi.<stack>.yaml``) use namespaced keys: ``dsvm:<field>`` for
a stack's fields and ``azure-native:location`` for the region, so the same
files work with ``pulumi up`` and with the offline ``dsvmctl plan``. A bad value
raises ``ConfigError``, whose message names the config path
(``dsvm:members[1].username``), the rule and the fix.
"""

from __future__ import annotations

import types
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator
from pydantic.config import JsonDict
from pydantic.fields import FieldInfo

PROJECT = "dsvm"
LOCATION_KEY = "azure-native:location"
# Validation context key (``parse_config``): the project directory, where relative paths in a config start.
PROJECT_DIR = "project_dir"

# The field marker of a key `dsvmctl promote SRC DST` copies: settings proved on one stack that the next one
# should run too (image version, VM sizes, schedule and idle-stop defaults), as opposed to what belongs to
# one environment (location, network, access, people, names, owner, tags, budgets). Put it on the Field:
# ``Field(..., json_schema_extra=PROMOTED)``; a nested model's marked fields are promoted key by key.
PROMOTE_MARKER = "promote"
PROMOTED: JsonDict = {PROMOTE_MARKER: True}

GUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


class ConfigError(Exception):
    """A stack config that cannot be built; each problem names path, rule and fix."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"{path}: {message}" for path, message in problems]
        super().__init__("invalid stack config:\n  " + "\n  ".join(lines))


class Model(BaseModel):
    """Config models are frozen and refuse unknown keys, and a number field refuses true/false (pydantic's
    lax mode reads ``capacity: true`` as 1)."""

    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if isinstance(value, bool) and info.field_name is not None:
            kinds = _scalar_kinds(cls.model_fields[info.field_name].annotation)
            if kinds & {int, float} and bool not in kinds:
                raise ValueError(f"must be a number, not {str(value).lower()}")
        return value


def _scalar_kinds(annotation: Any) -> set[Any]:
    """The plain types an annotation admits (``int | None`` -> {int, NoneType})."""
    args = get_args(annotation)
    if get_origin(annotation) in (Union, types.UnionType) and args:
        return {kind for arg in args for kind in _scalar_kinds(arg)}
    return {annotation}


def is_promoted(field: FieldInfo) -> bool:
    """Whether ``dsvmctl promote`` copies this field from one stack to the next (``PROMOTED``)."""
    extra = field.json_schema_extra
    return isinstance(extra, dict) and extra.get(PROMOTE_MARKER) is True


class PathError(ValueError):
    """A model-level rule that points at a nested path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def config_path(loc: tuple[int | str, ...]) -> str:
    """`("members", 2, "username")` -> `dsvm:members[2].username`."""
    if loc and loc[0] == "location":
        return LOCATION_KEY
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return f"{PROJECT}:{text}"
