"""The project files agree with Pulumi and with the config model.

- Pulumi.yaml validates against Pulumi's published project schema (vendored in
  tests/data) and passes the extra rules of Pulumi's Go ``Project.Validate``
  (sdk/go/common/workspace/project.go).
- Its ``config:`` block agrees with ``TeamStackConfig``: same keys, types,
  descriptions (equal after whitespace normalisation) and defaults.
- Every stack file loads with ``load_config`` and satisfies the declared types
  the way Pulumi's ``mergeConfig``/``ValidateConfigValue`` check them.
- docs/CONFIG.md is what ``python -m stacks.docs`` renders.
"""

from __future__ import annotations

import json
import re
import types
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

import pytest
import yaml
from jsonschema import Draft202012Validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from dsvmctl.project import read_stack, stack_names
from stacks import docs
from stacks.config import PROJECT, TeamStackConfig, load_config
from stacks.kinds import KINDS
from tests.helpers import ROOT

SCHEMA = json.loads((ROOT / "tests" / "data" / "pulumi-project.schema.json").read_text())
# Types the Pulumi CLI accepts for a project config key (older CLIs refuse "object").
ALLOWED_TYPES = {"string", "integer", "boolean", "array"}
STACK_FILES = sorted(p.name for p in ROOT.glob("Pulumi.*.yaml"))


def project() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert isinstance(data, dict)
    return data


def declared() -> dict[str, dict[str, Any]]:
    config = project().get("config") or {}
    assert isinstance(config, dict)
    return config


def is_namespaced_by_project(name: str, key: str) -> bool:
    """Go: ``configKeyIsNamespacedByProject``."""
    return ":" not in key or key.startswith(f"{name}:")


def plain_key(key: str) -> str:
    return key.removeprefix(f"{PROJECT}:")


def is_required(field: FieldInfo) -> bool:
    return field.default is PydanticUndefined and field.default_factory is None


def pulumi_type(annotation: Any) -> dict[str, Any] | None:
    """The Pulumi config type of a model field's annotation, or None if it has none."""
    simple = {str: "string", bool: "boolean", int: "integer"}
    if annotation in simple:
        return {"type": simple[annotation]}
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Literal and all(isinstance(a, str) for a in args):
        return {"type": "string"}
    if origin in (tuple, list) and args and args[0] in simple:
        return {"type": "array", "items": {"type": simple[args[0]]}}
    if origin in (Union, types.UnionType) and type(None) in args:
        present = [a for a in args if a is not type(None)]
        return pulumi_type(present[0]) if len(present) == 1 else None
    return None


def is_scalar_field(field: FieldInfo) -> bool:
    typed = pulumi_type(field.annotation)
    return typed is not None and typed["type"] != "array"


def validate_config_value(type_name: str, items: dict[str, Any] | None, value: Any) -> bool:
    """A port of Go ``ValidateConfigValue`` (sdk/go/common/workspace/project.go)."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, int) and not isinstance(value, bool):
            return True
        if isinstance(value, float):
            return value == int(value)
        if isinstance(value, str):  # strconv.Atoi: optional sign, then decimal digits
            return re.fullmatch(r"[+-]?[0-9]+", value) is not None
        return False
    if type_name == "boolean":
        return value in ("true", "false") if isinstance(value, str) else isinstance(value, bool)
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(validate_config_value(items.get("type", ""), items.get("items"), item) for item in value)


def as_pulumi_value(raw: Any) -> Any:
    """A stack-file value as ``validateStackConfigValue`` sees it.

    Scalars are config text (YAML ``true`` is the text ``"true"``); lists and
    maps are object values, JSON-decoded (Go decodes JSON numbers as float64).
    """
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int | float):
        return str(raw)
    if isinstance(raw, list | dict):
        return json.loads(json.dumps(raw), parse_int=float)
    return raw


# -- (a) the published project schema ---------------------------------------------------------


def test_schema_itself_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


def test_pulumi_yaml_validates_against_the_project_schema() -> None:
    errors = sorted(Draft202012Validator(SCHEMA).iter_errors(project()), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors)


def test_the_schema_check_would_catch_a_bad_project() -> None:
    bad = {**project(), "config": {"owner": {"type": "string", "descripton": "typo"}}}
    assert list(Draft202012Validator(SCHEMA).iter_errors(bad))


# -- (b) the rules of Go Project.Validate ------------------------------------------------------


def project_validate_problems(data: dict[str, Any]) -> list[str]:
    """The errors Go ``Project.Validate`` (and the CLI's type restriction) would report."""
    name = data.get("name") or ""
    problems: list[str] = [] if name else ["project is missing a 'name' attribute"]
    for key, decl in (data.get("config") or {}).items():
        if not isinstance(decl, dict):
            continue  # shorthand values are rewritten by the CLI; we use none
        if "default" in decl and "value" in decl:
            problems.append(f"{key}: cannot have both a 'default' and 'value' attribute")
        type_name = decl.get("type")
        if is_namespaced_by_project(name, key):
            if type_name is not None and type_name not in ALLOWED_TYPES:
                problems.append(f"{key}: type '{type_name}' is not one of {sorted(ALLOWED_TYPES)}")
            if type_name == "array" and decl.get("items") is None:
                problems.append(f"{key}: declares an array but does not specify 'items'")
            default = decl.get("default")
            if type_name is not None and default is not None and not validate_config_value(
                type_name, decl.get("items"), default
            ):
                problems.append(f"{key}: default is not of the expected type '{type_name}'")
        else:
            if type_name is not None:
                problems.append(f"{key}: not namespaced by the project and should not define a type")
            if decl.get("default") is not None:
                problems.append(f"{key}: not namespaced by the project and should not define a default")
            if decl.get("value") is None:
                problems.append(f"{key}: namespaced and must provide an attribute 'value'")
    return problems


def test_pulumi_yaml_passes_project_validate() -> None:
    assert project_validate_problems(project()) == []


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        ({"tags": {"type": "object"}}, "type 'object'"),
        ({"names": {"type": "array"}}, "does not specify 'items'"),
        ({"azure-native:location": {"type": "string", "value": "westeurope"}}, "should not define a type"),
        ({"azure-native:location": {"default": "westeurope"}}, "should not define a default"),
        ({"azure-native:location": {"description": "x"}}, "must provide an attribute 'value'"),
        ({"count": {"type": "integer", "default": "many"}}, "default is not of the expected type"),
        ({"dsvm:flag": {"type": "boolean", "default": True, "value": True}}, "both a 'default' and 'value'"),
    ],
)
def test_project_validate_rules_catch_each_mistake(config: dict[str, Any], fragment: str) -> None:
    problems = project_validate_problems({"name": "dsvm", "config": config})
    assert any(fragment in p for p in problems), problems


# -- (c) Pulumi.yaml's config block agrees with the model --------------------------------------


def test_every_declared_key_is_a_model_field_of_the_same_type() -> None:
    fields = TeamStackConfig.model_fields
    for key, decl in declared().items():
        name = plain_key(key)
        assert is_namespaced_by_project(PROJECT, key), f"{key}: declare only {PROJECT} keys"
        assert name in fields, f"Pulumi.yaml declares {key}, which TeamStackConfig has no field for"
        expected = pulumi_type(fields[name].annotation)
        assert expected is not None, f"{key}: the field's type has no Pulumi config type; do not declare it"
        actual = {k: decl[k] for k in ("type", "items") if k in decl}
        assert actual == expected, f"{key}: Pulumi.yaml says {actual}, the model {expected}"


def test_every_declared_description_equals_the_model_description() -> None:
    fields = TeamStackConfig.model_fields
    for key, decl in declared().items():
        described = " ".join(str(decl.get("description", "")).split())
        model = " ".join((fields[plain_key(key)].description or "").split())
        assert described == model, f"{key}: Pulumi.yaml description differs from the model's:\n  {described}\n  {model}"


def test_declared_defaults_exist_exactly_for_optional_keys_and_equal_the_models() -> None:
    # Pulumi refuses a stack lacking a declared key that has no default (mergeConfig:
    # "Stack ... is missing configuration value"), so only required fields may go without one.
    fields = TeamStackConfig.model_fields
    for key, decl in declared().items():
        field = fields[plain_key(key)]
        if is_required(field):
            assert "default" not in decl, f"{key} is required: it must not declare a default"
        else:
            assert "default" in decl, f"{key} is optional: declare its default or Pulumi will demand it"
            assert decl["default"] == field.get_default(call_default_factory=True), f"{key}: default differs"


def test_every_top_level_scalar_field_is_declared() -> None:
    # `location` is azure-native's key. Fields that are absent by default (default None)
    # cannot be declared: Pulumi has no "optional without default" (see the test above).
    names = {plain_key(k) for k in declared()}
    for name, field in TeamStackConfig.model_fields.items():
        if name == "location" or not is_scalar_field(field):
            continue
        if field.default is None:
            assert name not in names, f"{name} defaults to absent; declaring it would make Pulumi require it"
        else:
            assert name in names, f"Pulumi.yaml's config block lacks {PROJECT}:{name}"


# -- (d) the stack files ------------------------------------------------------------------------


def test_there_is_at_least_one_stack_file() -> None:
    assert STACK_FILES, "no Pulumi.<stack>.yaml in the project"


@pytest.mark.parametrize("stack_file", STACK_FILES)
def test_stack_file_loads_with_the_config_model(stack_file: str) -> None:
    stack = stack_file[len("Pulumi.") : -len(".yaml")]
    assert stack in stack_names(ROOT)
    config = load_config(read_stack(ROOT, stack).config)
    assert config.kind in KINDS


@pytest.mark.parametrize("stack_file", STACK_FILES)
def test_stack_file_satisfies_the_declared_types(stack_file: str) -> None:
    raw = yaml.safe_load((ROOT / stack_file).read_text()).get("config") or {}
    for key, decl in declared().items():
        full = key if ":" in key else f"{PROJECT}:{key}"
        if full not in raw:
            assert "default" in decl, f"{stack_file} lacks {full}, which Pulumi.yaml declares without a default"
            continue
        value = raw[full]
        if isinstance(value, dict) and set(value) == {"secure"}:
            continue  # ciphertext: Pulumi checks it after decryption
        assert validate_config_value(decl["type"], decl.get("items"), as_pulumi_value(value)), (
            f"{stack_file}: {full} must be of type '{decl['type']}' (Pulumi.yaml), got {value!r}"
        )


def test_stack_value_check_follows_pulumi() -> None:
    assert validate_config_value("boolean", None, as_pulumi_value(True))
    assert validate_config_value("boolean", None, "false")
    assert not validate_config_value("boolean", None, "yes")
    assert validate_config_value("integer", None, as_pulumi_value(5))
    assert validate_config_value("integer", None, "-12")
    assert not validate_config_value("integer", None, "1.5")
    assert validate_config_value("string", None, as_pulumi_value(5))  # YAML scalars are config text
    assert not validate_config_value("string", None, as_pulumi_value({"a": 1}))
    assert validate_config_value("array", {"type": "integer"}, as_pulumi_value([1, 2]))
    assert not validate_config_value("array", None, as_pulumi_value([1, 2]))


# -- (e) docs/CONFIG.md -------------------------------------------------------------------------


def test_config_docs_are_up_to_date() -> None:
    path = Path(docs.OUTPUT)
    assert path.is_file(), "docs/CONFIG.md is missing; run: python -m stacks.docs"
    assert path.read_text() == docs.render(), "docs/CONFIG.md is out of date; run: python -m stacks.docs"


def test_config_docs_cover_every_model_and_field() -> None:
    text = docs.render()
    from stacks.kinds import KINDS

    for _path, model in (s for kind in KINDS.values() for s in docs.model_sections(kind.config)):
        assert f"({model.__name__})" in text
        for name, field in model.model_fields.items():
            assert " ".join((field.description or "").split()) in text, f"{model.__name__}.{name}"


def test_docs_check_mode_reports_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "CONFIG.md"
    stale.write_text("stale\n")
    monkeypatch.setattr(docs, "OUTPUT", stale)
    monkeypatch.setattr(docs, "ROOT", tmp_path)
    assert docs.main(["--check"]) == 1
    assert docs.main([]) == 0
    assert docs.main(["--check"]) == 0
