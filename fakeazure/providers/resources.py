"""Microsoft.Resources: resource groups.

Emulates: ``ResourceGroup`` (name 1-90 chars of letters, digits, ``._-()``, not
ending in a period; location required and known).
Not emulated: tags inheritance, locks, deployments.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fakeazure import errors
from fakeazure.providers.base import ResourceType

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_RG_NAME = re.compile(r"^[-\w._()]{1,90}$")


class ResourceGroup(ResourceType):
    token = "azure-native:resources:ResourceGroup"

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return az.resource_group_id(name)

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        # ARM: "Resource group names only allow alphanumeric characters, periods,
        # underscores, hyphens and parenthesis and cannot end in a period."
        if not _RG_NAME.match(resource.name) or resource.name.endswith("."):
            raise errors.invalid_resource_group_name(
                f"Resource group name '{resource.name}' is invalid: use 1-90 letters, digits, "
                "periods, underscores, hyphens or parentheses, not ending in a period.",
                "resourceGroupName",
            )


TYPES = [ResourceGroup()]
