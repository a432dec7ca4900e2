"""The shape every emulated resource type shares.

A ``ResourceType`` says how ARM names and addresses the type (``arm_type``,
the path-parameter input that carries its name, the parent segments of its
id), validates a request the way ARM would (raising ``ArmError``) and computes
the outputs ARM adds (ids, addresses, principal ids ...).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from fakeazure.backend import stable_suffix
from fakeazure.paths import get_path

if TYPE_CHECKING:
    from fakeazure.backend import ArmResource, FakeAzure


class ResourceType:
    """Base of every emulated type; subclasses set the class variables and override hooks."""

    token: ClassVar[str]
    arm_type: ClassVar[str] = ""
    # The input that carries the resource's own name (an ARM path parameter).
    name_input: ClassVar[str | None] = None
    # Inputs naming the parent segments of the id, in order, with defaults.
    parent_inputs: ClassVar[tuple[str, ...]] = ()
    parent_defaults: ClassVar[dict[str, str]] = {}
    in_resource_group: ClassVar[bool] = True
    has_location: ClassVar[bool] = False
    is_arm: ClassVar[bool] = True
    # How an unnamed resource is auto-named: "suffix" (logical name + 8 chars),
    # "lower" (lowercase letters/digits, for storage accounts).
    autoname: ClassVar[str] = "suffix"
    # Input leaves Azure treats as secrets (write-only): when the SDK marks a whole
    # enclosing object secret, only these are masked in plans and saved state.
    secret_properties: ClassVar[frozenset[str]] = frozenset()
    # Outputs that are secret whatever the inputs (pulumi-random's `result`).
    secret_outputs: ClassVar[frozenset[str]] = frozenset()
    # Inputs whose change makes azure-native replace the resource, besides the path
    # parameters (pulumi-azure-native provider/pkg/gen/replacement.go and diff.go).
    create_only: ClassVar[frozenset[str]] = frozenset()
    # Inputs Azure refuses to change in place (PropertyChangeNotAllowed): azure-native
    # plans an update that fails at apply time unless the program lists them in
    # replace_on_changes (pulumi-azure-native #577, #1117).
    update_refused: ClassVar[frozenset[str]] = frozenset()

    def replace_triggers(self) -> frozenset[str]:
        """Inputs whose change replaces the resource: its name, its parents' names, its
        resource group (ARM path parameters) and ``create_only``."""
        path = {self.name_input} if self.name_input else set()
        path |= set(self.parent_inputs)
        if self.in_resource_group:
            path.add("resourceGroupName")
        return frozenset(path) | self.create_only

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        given = inputs.get(self.name_input) if self.name_input else None
        if given:
            return str(given)
        if self.autoname == "lower":
            base = re.sub(r"[^a-z0-9]", "", logical_name.lower())[:16]
            return base + stable_suffix(self.token, logical_name)
        return f"{logical_name}{stable_suffix(self.token, logical_name)}"

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        namespace, *types = self.arm_type.split("/")
        names = [str(inputs.get(k) or self.parent_defaults.get(k, "")) for k in self.parent_inputs]
        names.append(name)
        path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
        return f"{az.resource_group_id(rg or '')}/providers/{namespace}/{path}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        """Raise ``ArmError`` for what ARM would reject; the default accepts."""

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        """Outputs ARM computes; the default adds none."""
        return {}


# Providers read nested inputs with `dig(inputs, "a.b.c", default)`.
dig = get_path
