"""Microsoft.ManagedIdentity: user-assigned managed identities.

Emulated:
- UserAssignedIdentity: the name is 3-128 characters, letters, digits, ``-`` and ``_``,
  starting with a letter or digit (``InvalidResourceName``; Microsoft Learn, 'Naming
  rules and restrictions for Azure resources', Microsoft.ManagedIdentity); computed
  ``principalId`` (the service principal's object id, which role assignments take),
  ``clientId`` (what a VM asks IMDS for a token with) and ``tenantId``, new ones when
  the identity is replaced (deleting an identity deletes its service principal).

Not emulated: federated identity credentials, Entra ID replication delay (a role
assignment right after the identity is created can fail in Azure with
``PrincipalNotFound`` for a few seconds), the regional limit on identities.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from fakeazure import errors
from fakeazure.providers.base import ResourceType
from fakeazure.resource import stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{2,127}$")


class UserAssignedIdentity(ResourceType):
    token = "azure-native:managedidentity:UserAssignedIdentity"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        if not _NAME.match(resource.name):
            raise errors.invalid_resource_name(
                f"The resource name '{resource.name}' is invalid. It must be 3-128 characters of letters, digits, "
                "hyphens and underscores, and start with a letter or digit.",
                "resourceName",
            )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        key = resource.id.lower()
        generation = az.generation(resource.id)
        seed = [str(generation)] if generation else []
        return {
            "principalId": stable_uuid(key, "principal", *seed),
            "clientId": stable_uuid(key, "client", *seed),
            "tenantId": az.tenant_id,
        }


def identity_of(az: FakeAzure, arm_id: str) -> ArmResource | None:
    """The user-assigned identity with this id, if it exists."""
    found = az.get(arm_id)
    return found if found is not None and found.arm_type == UserAssignedIdentity.arm_type else None


TYPES: list[ResourceType] = [UserAssignedIdentity()]
