"""Who the emulator's writes run as: the deploy identity of docs/GITOPS.md, or a subscription Owner.

Azure authorizes every write before the resource provider sees it. What matters for this
program is ``Microsoft.Authorization``: the rest of what a stack writes sits in its resource
groups, where the deploy identity is Contributor. Two callers:

- ``deploy`` (the default: what ``deploy.yml`` and ``pulumi up`` from CI run as): Contributor plus
  Role Based Access Control Administrator constrained by the ABAC condition ``dsvmctl bootstrap``
  writes. It may not write or delete role *definitions* (neither role holds
  ``Microsoft.Authorization/roleDefinitions/write`` or ``/delete``), and it may create or delete a role
  *assignment* only of a role in ``azurefacts.subscription_roles.assigned`` to that role's principal
  type (the condition's ``@Request`` attributes on write, ``@Resource`` attributes on delete).
- ``owner``: an administrator (Owner, or User Access Administrator plus Contributor) with no condition:
  the bootstrap, and the one-time move of a stack off its old per-stack role.

The caller is chosen by ``DSVMCTL_AS`` (``dsvmctl --as owner``), read at every check so the worker
processes of a plan made in parts and a base ref's plan see the same caller. A ``FakeAzure`` may pin
its own (``FakeAzure(caller=OWNER)``, for tests that build roles by hand).

Azure's answer is ``AuthorizationFailed`` (HTTP 403; Microsoft Learn, 'Troubleshoot Azure RBAC'); the
message for a condition that is not met ("... or an ABAC condition not fulfilled ...") follows what
Azure Storage answers for data actions and is not confirmed for role assignments. Not emulated:
the caller's scope (the deploy identity's roles are on its stage's resource groups only; the plan
does not know which groups a bootstrap covered), deny assignments, replication delay.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from azurefacts.subscription_roles import assigned
from fakeazure import errors
from fakeazure.errors import ArmError

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure

ENV = "DSVMCTL_AS"
ROLE_DEFINITIONS_WRITE = "Microsoft.Authorization/roleDefinitions/write"
ROLE_DEFINITIONS_DELETE = "Microsoft.Authorization/roleDefinitions/delete"
ROLE_ASSIGNMENTS_WRITE = "Microsoft.Authorization/roleAssignments/write"
ROLE_ASSIGNMENTS_DELETE = "Microsoft.Authorization/roleAssignments/delete"
OWNER_FIX = (
    "run this change once as an Owner (or User Access Administrator) of the subscription: `pulumi up` from an "
    "administrator's login, offline `dsvmctl --as owner up`; the idle-stop roles are the subscription's, "
    "created by `dsvmctl bootstrap` (docs/GITOPS.md, 'Bootstrap')"
)


class CallerError(ValueError):
    """``DSVMCTL_AS`` names no caller the emulator knows."""


@dataclass(frozen=True)
class Caller:
    """An identity the emulator's writes run as."""

    name: str
    writes_role_definitions: bool  # Microsoft.Authorization/roleDefinitions/write and /delete
    condition: bool  # role assignments only as azurefacts.subscription_roles.assigned allows

    def role_definition_refusal(self, action: str, scope: str, object_id: str) -> ArmError | None:
        """Azure's answer to writing or deleting a custom role; None when this caller may."""
        if self.writes_role_definitions:
            return None
        return errors.authorization_failed(
            _denied(object_id, action, scope, condition=False)
            + " (the deploy identity is Contributor and Role Based Access Control Administrator: neither may "
            "define roles)",
            "roleDefinitionId",
            hint=OWNER_FIX,
        )

    def assignment_refusal(
        self, subscription_id: str, action: str, scope: str, role_id: str, principal_type: str, object_id: str
    ) -> ArmError | None:
        """Azure's answer to writing or deleting an assignment of ``role_id`` (a GUID or a role definition's ARM
        id) to a principal of ``principal_type``; None when this caller may."""
        if not self.condition:
            return None
        guid = role_id.rstrip("/").rsplit("/", 1)[-1].lower()
        allowed = assigned(subscription_id)
        if allowed.get(guid, "").lower() == principal_type.lower() and principal_type:
            return None
        wanted = f"role {guid} to a {principal_type or 'principal of no stated type'}"
        return errors.authorization_failed(
            _denied(object_id, action, scope, condition=True)
            + f": the deploy identity's condition allows {_allowed_text(allowed)}, not {wanted}",
            "roleDefinitionId",
            hint=(
                "assign only the roles the bootstrap's condition lists (azurefacts/subscription_roles.py), and "
                "give each its principalType; a new role the program assigns belongs in that table and in the "
                "condition (`dsvmctl bootstrap` again). Moving off an old per-stack role: " + OWNER_FIX
            ),
        )


DEPLOY = Caller("deploy", writes_role_definitions=False, condition=True)
OWNER = Caller("owner", writes_role_definitions=True, condition=False)
CALLERS = {c.name: c for c in (DEPLOY, OWNER)}


def current() -> Caller:
    """The caller ``DSVMCTL_AS`` names (default ``deploy``)."""
    name = os.environ.get(ENV, "").strip().lower() or DEPLOY.name
    if name not in CALLERS:
        raise CallerError(f"{ENV}={name!r} is no caller the emulator knows: use one of {', '.join(CALLERS)}")
    return CALLERS[name]


def set_current(name: str) -> Caller:
    """Make ``name`` the caller of this process and the processes it starts."""
    if name not in CALLERS:
        raise CallerError(f"{name!r} is no caller the emulator knows: use one of {', '.join(CALLERS)}")
    os.environ[ENV] = name
    return CALLERS[name]


def acting(az: FakeAzure) -> Caller:
    """Who ``az``'s writes run as: its pinned caller, else the one ``DSVMCTL_AS`` names."""
    return az.caller or current()


def delete_refusal(az: FakeAzure, arm_id: str) -> ArmError | None:
    """Azure's answer if it would refuse deleting this resource of ``az`` (the caller may not); None otherwise.
    A resource that exists outside the stack (seeded) is never the program's to delete."""
    from fakeazure.providers import RESOURCE_TYPES

    resource = az.get(arm_id)
    rtype = RESOURCE_TYPES.get(resource.token) if resource is not None else None
    if resource is None or rtype is None or resource.seeded:
        return None
    try:
        rtype.validate_delete(az, resource)
    except ArmError as error:
        return error
    return None


def _denied(object_id: str, action: str, scope: str, condition: bool) -> str:
    how = "does not have authorization or an ABAC condition not fulfilled" if condition else (
        "does not have authorization")
    return (f"The client '{object_id}' with object id '{object_id}' {how} to perform action '{action}' over scope "
            f"'{scope}' or the scope is invalid")  # fmt: skip


def _allowed_text(allowed: dict[str, str]) -> str:
    return ", ".join(f"{guid} to a {kind}" for guid, kind in sorted(allowed.items()))
