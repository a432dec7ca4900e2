"""The shape every emulated resource type shares.

A ``ResourceType`` says how ARM names and addresses the type (``arm_type``,
the path-parameter input that carries its name, the parent segments of its
id), validates a request the way ARM would (raising ``ArmError``) and computes
the outputs ARM adds (ids, addresses, principal ids ...).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from azurefacts.paths import covers, get_path
from azurefacts.resource_types import RESOURCE_TYPES as RESOURCE_FACTS
from azurefacts.resource_types import ResourceFacts
from fakeazure import errors
from fakeazure.resource import stable_suffix

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource


class ResourceType:
    """Base of every emulated type; subclasses set ``token`` and override hooks.

    How ARM addresses the type and what replaces it or cannot change
    (``arm_type``, ``name_input``, ``parent_inputs``, ``in_resource_group``,
    ``has_location``, ``create_only``, ``update_refused``, ``secret_properties``)
    are Azure facts: they are copied from ``azurefacts.resource_types`` when the
    subclass is defined, never written here.
    """

    token: ClassVar[str]
    facts: ClassVar[ResourceFacts]
    arm_type: ClassVar[str] = ""
    name_input: ClassVar[str | None] = None
    parent_inputs: ClassVar[tuple[str, ...]] = ()
    # Defaults for parent names the program may omit (e.g. blobServicesName "default").
    parent_defaults: ClassVar[dict[str, str]] = {}
    in_resource_group: ClassVar[bool] = True
    has_location: ClassVar[bool] = False
    is_arm: ClassVar[bool] = True
    # How an unnamed resource is auto-named: "suffix" (logical name + 8 chars),
    # "lower" (lowercase letters/digits, for storage accounts).
    autoname: ClassVar[str] = "suffix"
    secret_properties: ClassVar[frozenset[str]] = frozenset()
    # Outputs that are secret whatever the inputs (pulumi-random's `result`).
    secret_outputs: ClassVar[frozenset[str]] = frozenset()
    create_only: ClassVar[frozenset[str]] = frozenset()
    update_refused: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        facts = RESOURCE_FACTS.get(cls.token)
        if facts is None:
            raise TypeError(f"{cls.__name__}: no row for {cls.token} in azurefacts.resource_types")
        cls.facts = facts
        cls.arm_type = facts.arm_type
        cls.name_input = facts.name_input
        cls.parent_inputs = facts.parent_inputs
        cls.in_resource_group = facts.in_resource_group
        cls.has_location = facts.has_location
        cls.create_only = facts.create_only
        cls.update_refused = facts.update_refused
        cls.secret_properties = facts.secret_properties

    def replace_triggers(self) -> frozenset[str]:
        """Inputs whose change replaces the resource (path parameters and ``create_only``)."""
        return self.facts.replace_triggers()

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

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        """Raise ``ArmError`` for an in-place change Azure refuses (``changed``: dotted input paths).

        The default refuses the type's ``update_refused`` properties (PropertyChangeNotAllowed).
        """
        for path in changed:
            refused = next((p for p in self.update_refused if covers(p, path)), None)
            if refused is not None:
                raise errors.property_change_not_allowed(
                    f"Changing property '{refused}' is not allowed.",
                    refused,
                    hint=f"Azure sets {refused} only when it creates the resource; the program must list it in "
                    "replace_on_changes so the change becomes a replacement",
                )

    def validate_delete(self, az: FakeAzure, resource: ArmResource) -> None:
        """Raise ``ArmError`` for a delete Azure refuses (the caller may not); the default accepts."""

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        """Outputs ARM computes; the default adds none."""
        return {}


# Providers read nested inputs with `dig(inputs, "a.b.c", default)`.
dig = get_path
