"""Validate an exported template's resources against Azure's published resource schemas.

The schemas are github.com/Azure/azure-resource-manager-schemas (``schemas/<apiVersion>/<Provider>.json``, JSON
Schema draft 4, referring to each other by their https://schema.management.azure.com/ ids). They are not part of this
repository whole (some megabytes, Microsoft's): the files the exported types need at the pinned SDK's API versions
ship in ``tests/data/arm-schemas.tar.xz`` (60 files, 6 MB unpacked, 0.25 MB packed, MIT licence included), taken
from Azure/azure-resource-manager-schemas at commit a1454431151fd3e9c1b254b1a11d00c2d8474611 (2026-08-16), so the
tests run offline and in CI. ``make arm-schemas`` checks out the current folders
(``python -m tests.dsvmctl.arm_schemas`` names them) into ``.arm-schemas/``, or ``ARM_SCHEMAS_DIR`` names another
checkout (its root or its ``schemas`` folder): either is used instead of the bundle. After an SDK pin bump that
moves an API version, rebuild the bundle from a checkout (the files ``_load`` reads).

A resource is checked against the definition whose ``type`` and ``apiVersion`` enums name it (or, for a type whose
schemas stop before the API version the SDK sends, the newest published one: ``SCHEMA_FALLBACKS``) (a plain, nested or
extension resource definition); the template-level keys every resource may carry (``dependsOn``, ``scope``...) are
ARM's, not the type's, and are left out.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

ENV = "ARM_SCHEMAS_DIR"
BASE = "https://schema.management.azure.com/schemas/"
DEFINITION_GROUPS = (
    "resourceDefinitions", "extension_resourceDefinitions", "subscription_resourceDefinitions",
    "managementGroup_resourceDefinitions", "tenant_resourceDefinitions", "unknown_resourceDefinitions",
)  # fmt: skip
TEMPLATE_KEYS = {"dependsOn", "scope", "condition", "copy", "comments", "resourceGroup", "subscriptionId"}


ROOT = Path(__file__).resolve().parents[2]
CHECKOUT = ROOT / ".arm-schemas"


BUNDLE = ROOT / "tests" / "data" / "arm-schemas.tar.xz"


def schemas_dir() -> Path | None:
    """The ``schemas`` folder of ``ARM_SCHEMAS_DIR``, else of ``.arm-schemas``, else of the bundle unpacked once per
    process (None: none of them)."""
    root = Path(os.environ.get(ENV) or CHECKOUT)
    folder = root / "schemas" if (root / "schemas").is_dir() else root
    if (folder / "common" / "definitions.json").is_file():
        return folder
    return _unpacked_bundle()


@cache
def _unpacked_bundle() -> Path | None:
    import tarfile
    import tempfile

    if not BUNDLE.is_file():
        return None
    target = Path(tempfile.mkdtemp(prefix="arm-schemas-"))
    with tarfile.open(BUNDLE, "r:xz") as archive:
        archive.extractall(target, filter="data")
    return target / "schemas"


# (ARM type, API version the SDK sends) -> (the published schema's API version used instead, why). The published
# definition's apiVersion enum then names that version; the rest of the resource is checked as it is exported.
SCHEMA_FALLBACKS: dict[tuple[str, str], tuple[str, str]] = {
    ("Microsoft.Logic/workflows", "2019-05-01"): (
        "2017-07-01",
        "the repository has no Microsoft.Logic schema after 2017-07-01 (generator/autogenlist.ts: Microsoft.Logic is "
        "not generated, its schemas are hand-written); a Consumption workflow's ARM shape (location, tags, identity, "
        "properties.definition/parameters/state) is the same in both versions",
    ),
}


# Where a published schema is wrong for what Azure takes, the definition used instead: (file name, path in it) ->
# (replacement, why). Each is applied wherever the file and path exist, whatever the API version.
EXPRESSION = {"$ref": BASE + "common/definitions.json#/definitions/expression"}
CORRECTIONS: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], str]] = {
    ("Microsoft.Compute.json", ("definitions", "HardwareProfile", "properties", "vmSize")): (
        {"type": "string"},
        "a closed enum the schema itself calls deprecated ('will be removed by December 23rd 2023'), with no size "
        "newer than the v3 series: every size Azure offers today is a string (the sizes come from the Resource SKUs "
        "API, azurefacts/sizes.py)",
    ),
    ("Microsoft.Compute.Extensions.json", ("resourceDefinitions", "virtualMachines_extensions", "properties",
                                           "properties")): (
        {"oneOf": [{"$ref": "Microsoft.Compute.json#/definitions/VirtualMachineExtensionProperties"}, EXPRESSION]},
        "a hand-written list of extensions whose CustomScript needs settings.fileUris and a storage account key, and "
        "whose generic extension needs settings: the REST API's VirtualMachineExtensionProperties (the generated "
        "definition in Microsoft.Compute.json) requires none of them",
    ),
    ("Microsoft.Logic.json", ("definitions", "WorkflowParameter", "properties", "value")): (
        {},
        "a parameter's value is any JSON value (the REST API's WorkflowParameter.value is untyped, the SDK's `Any`; "
        "the Workflow Definition Language's Array parameters take a list): the hand-written schema made it an object",
    ),
}  # fmt: skip


@cache
def _load(path: Path) -> dict[str, Any]:
    document = _open_discriminators(json.loads(path.read_text(encoding="utf-8-sig")))
    for (name, where), (replacement, _why) in CORRECTIONS.items():
        node: Any = document
        for key in where[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if path.name == name and isinstance(node, dict) and where[-1] in node:
            node[where[-1]] = replacement
    return document


def _open_discriminators(node: Any) -> Any:
    """The schemas write a polymorphic type as ``allOf: [base, oneOf: [subtypes]]`` where the base lists only the
    discriminator and says ``additionalProperties: false``: no subtype's own property passes that under draft 4, so
    no instance is valid (a generator defect, not Azure's rule). The base's ``additionalProperties`` is dropped."""
    if isinstance(node, dict):
        parts = node.get("allOf")
        if isinstance(parts, list) and len(parts) == 2 and isinstance(parts[0], dict) and "oneOf" in parts[1]:
            parts[0].pop("additionalProperties", None)
        for value in node.values():
            _open_discriminators(value)
    elif isinstance(node, list):
        for value in node:
            _open_discriminators(value)
    return node


def _definitions(folder: Path, api_version: str) -> Iterator[tuple[Path, str, str, dict[str, Any]]]:
    for path in sorted((folder / api_version).glob("*.json")):
        document = _load(path)
        for group in DEFINITION_GROUPS:
            for name, definition in (document.get(group) or {}).items():
                yield path, group, name, definition


def definition_of(folder: Path, arm_type: str, api_version: str) -> tuple[Path, str] | None:
    """The schema file and JSON pointer of the definition of ``arm_type`` at ``api_version`` (None: none)."""
    for path, group, name, definition in _definitions(folder, api_version):
        properties = definition.get("properties") or {}
        types = (properties.get("type") or {}).get("enum") or []
        versions = (properties.get("apiVersion") or {}).get("enum") or []
        if arm_type in types and api_version in versions:
            return path, f"#/{group}/{name}"
    return None


def errors_of(folder: Path, resource: dict[str, Any]) -> list[str]:
    """Why ``resource`` (one template resource) does not validate against its type's schema (empty: it does)."""
    from jsonschema import Draft4Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    api_version = SCHEMA_FALLBACKS.get((resource["type"], resource["apiVersion"]), (resource["apiVersion"], ""))[0]
    found = definition_of(folder, resource["type"], api_version)
    if found is None:
        return [f"no schema for {resource['type']} {resource['apiVersion']} in {folder}"]
    path, pointer = found

    def retrieve(uri: str) -> Resource[Any]:
        if not uri.startswith(BASE):
            raise LookupError(uri)
        return Resource.from_contents(_load(folder / uri[len(BASE):].split("#")[0]), default_specification=DRAFT4)

    uri = BASE + path.relative_to(folder).as_posix()
    registry: Registry[Any] = Registry(retrieve=retrieve)  # type: ignore[call-arg]
    schema = {"$ref": uri + pointer}
    body = {k: v for k, v in resource.items() if k not in TEMPLATE_KEYS} | {"apiVersion": api_version}
    validator = Draft4Validator(schema, registry=registry)
    return [_deepest(e) for e in validator.iter_errors(body)]


def _deepest(error: Any) -> str:
    """The innermost reason of a ``oneOf``/``anyOf`` failure (every value may also be an ARM expression, so the
    outer error only says that neither branch matched); where it is, and what the schema wanted."""
    while error.context:
        candidates = [e for e in error.context if e.validator != "pattern" or "expression" not in str(e.schema)]
        error = max(candidates or error.context, key=lambda e: len(e.absolute_path))
    where = "/".join(map(str, error.absolute_path)) or "(resource)"
    return f"{where}: {error.message[:240]}"


def folders() -> list[str]:
    """The schema folders the exported types need: ``common`` and one per API version the pinned SDK sends."""
    from azurefacts.resource_types import RESOURCE_TYPES

    versions = {facts.api_version() for facts in RESOURCE_TYPES.values() if facts.is_azure}
    versions |= {version for version, _why in SCHEMA_FALLBACKS.values()}
    return ["schemas/common", *(f"schemas/{version}" for version in sorted(versions))]


if __name__ == "__main__":
    print(" ".join(folders()))
