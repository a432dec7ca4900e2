"""Microsoft.Authorization: role assignments, and the ``getClientConfig`` invoke.

Emulated:
- RoleAssignment: the name is a GUID (auto-named with a deterministic one);
  the scope must exist (``ResourceNotFound``); the role must be a built-in the
  ``azurefacts.roles`` knows (``RoleDefinitionDoesNotExist``); the principal id a GUID
  (``InvalidPrincipalId``); the same principal, role and scope twice
  (``RoleAssignmentExists``).
- ``azure-native:authorization:getClientConfig``: the caller's client, object,
  subscription and tenant ids.

Not emulated: custom roles, deny assignments, conditions, Entra ID (principal
ids are not checked against a directory), replication delay.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from azurefacts.roles import ROLE_DEFINITIONS
from fakeazure import errors
from fakeazure.providers.base import ResourceType
from fakeazure.resource import stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


class RoleAssignment(ResourceType):
    token = "azure-native:authorization:RoleAssignment"

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        given = inputs.get("roleAssignmentName")
        return str(given) if given else stable_uuid(self.token, logical_name)

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return f"{inputs.get('scope', '')}/providers/{self.arm_type}/{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if not _GUID.match(resource.name):
            raise errors.invalid_role_assignment_id(
                f"The role assignment ID '{resource.name}' is not valid. The role assignment ID must be a GUID.",
                "roleAssignmentName",
            )
        scope = str(inputs.get("scope", ""))
        if scope.rstrip("/").lower() != f"/subscriptions/{az.subscription_id}".lower():
            az.require(scope, "scope", code=errors.resource_not_found)
        role_id = str(inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower()
        if role_id not in ROLE_DEFINITIONS:
            raise errors.role_definition_does_not_exist(
                f"The specified role definition with ID '{role_id}' does not exist.",
                "roleDefinitionId",
            )
        principal = str(inputs.get("principalId", ""))
        if not _GUID.match(principal):
            raise errors.invalid_principal_id(
                f"A valid principal ID must be provided for role assignment: '{principal}'.",
                "principalId",
            )
        for other in az.of_type(self.arm_type):
            if other.id.lower() == resource.id.lower():
                continue
            same = (
                str(other.inputs.get("scope", "")).lower() == scope.lower()
                and str(other.inputs.get("principalId", "")).lower() == principal.lower()
                and str(other.inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower() == role_id
            )
            if same:
                raise errors.role_assignment_exists("The role assignment already exists.", "roleAssignmentName")


def get_client_config(az: FakeAzure, args: dict[str, Any]) -> dict[str, Any]:
    """``azure-native:authorization:getClientConfig``: who is calling."""
    return {
        "clientId": az.client_object_id,
        "objectId": az.client_object_id,
        "subscriptionId": az.subscription_id,
        "tenantId": az.tenant_id,
    }


TYPES: list[ResourceType] = [RoleAssignment()]
INVOKES = {"azure-native:authorization:getClientConfig": get_client_config}
