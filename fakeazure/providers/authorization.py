"""Microsoft.Authorization: role assignments, custom role definitions, and the ``getClientConfig`` invoke.

Emulated:
- RoleAssignment: the name is a GUID (auto-named with a deterministic one);
  the scope must exist (``ResourceNotFound``); the role must be a built-in the
  ``azurefacts.roles`` knows, a custom role of this subscription, or one of the
  subscription's idle-stop roles once ``dsvmctl bootstrap`` ran (``FakeAzure.bootstrapped``,
  the default; ``azurefacts/subscription_roles.py``) (``RoleDefinitionDoesNotExist``), a
  custom one assigned within its assignable scopes (``BadRequest``, code not confirmed); the principal id a GUID
  (``InvalidPrincipalId``); the same principal, role and scope twice
  (``RoleAssignmentExists``).
- RoleDefinition (custom roles; Microsoft Learn, 'Azure custom roles' and 'Role
  Definitions - Create Or Update'): the name is a GUID (auto-named with a
  deterministic one); ``roleName`` 1-512 characters and unique in the tenant
  (``RoleDefinitionWithSameNameExists``); at least one action or data action; one
  or more assignable scopes, none the root ``/``, each existing (a subscription, or a
  resource of this subscription), the definition's own ``scope`` among or below them;
  the id is ``{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}``, the
  form ``az role definition list --scope`` answers with (codes other than
  RoleDefinitionWithSameNameExists not confirmed, see errors.py).
- ``azure-native:authorization:getClientConfig``: the caller's client, object,
  subscription and tenant ids.

Who may write (``fakeazure/caller.py``): the deploy identity may not write or delete a
role definition, and creates or deletes only the role assignments its ABAC condition
allows (``AuthorizationFailed``, checked before anything else, as ARM authorizes a
request before the provider sees it); an Owner may do all of it.

Not emulated: whether an action string names a real operation, management-group
scopes, the 5,000 custom roles per tenant limit, deny assignments, conditions on
assignments the program makes, a role definition deleted while assignments still
refer to it, Entra ID (principal ids are not checked against a directory),
replication delay.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from azurefacts.roles import ROLE_DEFINITIONS
from azurefacts.subscription_roles import SUBSCRIPTION_ROLES, role_body, role_guid
from fakeazure import errors
from fakeazure.caller import (
    ROLE_ASSIGNMENTS_DELETE,
    ROLE_ASSIGNMENTS_WRITE,
    ROLE_DEFINITIONS_DELETE,
    ROLE_DEFINITIONS_WRITE,
    acting,
)
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
        refusal = acting(az).assignment_refusal(
            az.subscription_id, ROLE_ASSIGNMENTS_WRITE, resource.id, str(inputs.get("roleDefinitionId", "")),
            str(inputs.get("principalType") or ""), az.client_object_id,
        )  # fmt: skip
        if refusal is not None:  # ARM authorizes the request before the provider reads it
            raise refusal
        if not _GUID.match(resource.name):
            raise errors.invalid_role_assignment_id(
                f"The role assignment ID '{resource.name}' is not valid. The role assignment ID must be a GUID.",
                "roleAssignmentName",
            )
        scope = str(inputs.get("scope", ""))
        if scope.rstrip("/").lower() != f"/subscriptions/{az.subscription_id}".lower():
            az.require(scope, "scope", code=errors.resource_not_found)
        role_ref = str(inputs.get("roleDefinitionId", ""))
        role_id = role_ref.rsplit("/", 1)[-1].lower()
        customs = [d.inputs for d in az.of_type(RoleDefinition.arm_type) if d.name.lower() == role_id]
        custom = next((c for c in customs), None) or bootstrapped_roles(az).get(role_id)
        if role_id not in ROLE_DEFINITIONS and custom is None:
            raise errors.role_definition_does_not_exist(
                f"The specified role definition with ID '{role_id}' does not exist.",
                "roleDefinitionId",
                hint="the subscription's idle-stop roles are created once by an administrator: `dsvmctl bootstrap`"
                if role_id in {role_guid(az.subscription_id, r) for r in SUBSCRIPTION_ROLES} else None,
            )
        if custom is not None and not any(_within(scope, s) for s in custom.get("assignableScopes") or []):
            raise errors.role_not_assignable_at_scope(
                f"The role definition '{custom.get('roleName')}' is not available for assignment at scope "
                f"'{scope}': its assignable scopes are {custom.get('assignableScopes')}.",
                "scope",
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


    def validate_delete(self, az: FakeAzure, resource: ArmResource) -> None:
        refusal = acting(az).assignment_refusal(
            az.subscription_id, ROLE_ASSIGNMENTS_DELETE, resource.id, str(resource.inputs.get("roleDefinitionId", "")),
            str(resource.inputs.get("principalType") or ""), az.client_object_id,
        )  # fmt: skip
        if refusal is not None:
            raise refusal


def bootstrapped_roles(az: FakeAzure) -> dict[str, dict[str, Any]]:
    """The subscription's custom roles ``dsvmctl bootstrap`` created (none before it ran), by GUID."""
    if not az.bootstrapped:
        return {}
    sub = az.subscription_id
    return {role_guid(sub, r): role_body(sub, r)["properties"] for r in SUBSCRIPTION_ROLES}


def holds_role(az: FakeAzure, principal_id: str, role: str, scope: str) -> bool:
    """Whether ``principal_id`` holds the role (a GUID) at ``scope`` or above it (an assignment on a resource
    group covers its resources, as Azure RBAC inherits downwards)."""
    for assignment in az.of_type(RoleAssignment.arm_type):
        inputs = assignment.inputs
        same_role = str(inputs.get("roleDefinitionId", "")).rsplit("/", 1)[-1].lower() == role.lower()
        if same_role and str(inputs.get("principalId", "")).lower() == principal_id.lower() and _within(
            scope, str(inputs.get("scope", ""))
        ):
            return True
    return False


def _within(scope: str, outer: str) -> bool:
    """Whether ``scope`` is ``outer`` or below it (ARM ids compare case-insensitively)."""
    inner, outer = scope.rstrip("/").lower(), str(outer).rstrip("/").lower()
    return inner == outer or inner.startswith(outer + "/")


class RoleDefinition(ResourceType):
    token = "azure-native:authorization:RoleDefinition"

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        # azure-native generates a random GUID when it creates one: a role at a new scope gets a new one.
        given = inputs.get("roleDefinitionId")
        return str(given) if given else stable_uuid(self.token, logical_name, str(inputs.get("scope", "")).lower())

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return f"{inputs.get('scope', '')}/providers/{self.arm_type}/{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        refusal = acting(az).role_definition_refusal(ROLE_DEFINITIONS_WRITE, resource.id, az.client_object_id)
        if refusal is not None:  # the deploy identity may not define roles: the subscription's are the bootstrap's
            raise refusal
        if not _GUID.match(resource.name):
            raise errors.role_definition_invalid(
                f"The role definition ID '{resource.name}' is not valid. It must be a GUID.", "roleDefinitionId"
            )
        name = str(inputs.get("roleName") or "")
        if not 1 <= len(name) <= 512:
            raise errors.role_definition_invalid("A custom role needs a roleName of 1-512 characters.", "roleName")
        permissions = inputs.get("permissions") or []
        if not any(p.get("actions") or p.get("dataActions") for p in permissions):
            raise errors.role_definition_invalid(
                "A custom role needs at least one action or data action in its permissions.", "permissions"
            )
        scopes = [str(s) for s in inputs.get("assignableScopes") or []]
        if not scopes:
            raise errors.role_definition_invalid("A custom role needs at least one assignable scope.",
                                                 "assignableScopes")  # fmt: skip
        subscription = f"/subscriptions/{az.subscription_id}".lower()
        for i, assignable in enumerate(scopes):
            if assignable.rstrip("/") == "":
                raise errors.role_definition_invalid(
                    "The root scope '/' is not an assignable scope of a custom role.", f"assignableScopes[{i}]"
                )
            if assignable.rstrip("/").lower() != subscription:
                az.require(assignable, f"assignableScopes[{i}]", code=errors.resource_not_found)
        if not any(_within(str(inputs.get("scope", "")), s) for s in scopes):
            raise errors.role_definition_invalid(
                f"The role definition's scope {inputs.get('scope')} is not one of its assignable scopes.", "scope"
            )
        for other in az.of_type(self.arm_type):
            same_name = str(other.inputs.get("roleName", "")).lower() == name.lower()
            if other.id.lower() != resource.id.lower() and same_name:
                raise errors.role_definition_with_same_name_exists(
                    "A role definition cannot be updated with a name that already exists.", "roleName"
                )


    def validate_delete(self, az: FakeAzure, resource: ArmResource) -> None:
        refusal = acting(az).role_definition_refusal(ROLE_DEFINITIONS_DELETE, resource.id, az.client_object_id)
        if refusal is not None:
            raise refusal


def get_client_config(az: FakeAzure, args: dict[str, Any]) -> dict[str, Any]:
    """``azure-native:authorization:getClientConfig``: who is calling."""
    return {
        "clientId": az.client_object_id,
        "objectId": az.client_object_id,
        "subscriptionId": az.subscription_id,
        "tenantId": az.tenant_id,
    }


TYPES: list[ResourceType] = [RoleAssignment(), RoleDefinition()]
INVOKES = {"azure-native:authorization:getClientConfig": get_client_config}
