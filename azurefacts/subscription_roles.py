"""The custom roles this project defines once per subscription, and the roles its deploy identity may assign.

Idle stop needs a custom role: a VM's own identity may read and deallocate that VM, a scale-out
pool's identity may read its scale set and delete its instances. Patching needs one too: the stack's
start workflow (a Logic App's identity) may read and start the stack's VMs, each assignment on one VM. No
built-in role is that narrow: Desktop Virtualization Power On Contributor, the smallest that starts VMs,
also holds ``Microsoft.Resources/deployments/*``, ``Microsoft.Insights/alertRules/*`` and
``Microsoft.Support/*`` ('Azure built-in roles', Compute). Creating a custom role needs
``Microsoft.Authorization/roleDefinitions/write`` (Owner, User Access Administrator), which neither
Contributor nor Role Based Access Control Administrator holds (Microsoft Learn, 'Azure custom roles';
'Azure built-in roles': Contributor's NotActions exclude ``Microsoft.Authorization/*/Write``, RBAC
Administrator holds role *assignments* only). So the roles are **defined once per subscription by an
administrator** (``dsvmctl bootstrap`` prints the commands), never by the program:

- each role's name (its id, a GUID) is derived from the subscription id (``role_guid``), so a stack
  knows the role's ARM id before it exists and the bootstrap PUT is idempotent (Microsoft Learn,
  'Role Definitions - Create Or Update': the caller chooses the GUID);
- each ``roleName`` carries the subscription id: a custom role's name is unique in the tenant, and
  two subscriptions (or two stacks in one resource group) can never clash;
- assignable at the subscription, so every stack in it assigns the same role on its own VMs or
  scale sets.

The deploy identity holds Role Based Access Control Administrator constrained by an ABAC condition
(Microsoft Learn, 'Delegate Azure role assignment management to others with conditions', 'Examples
to delegate Azure role assignment management with conditions') to exactly the roles the program
assigns, each to the principal type the program gives it: ``ASSIGNED`` here. The emulator refuses an
assignment outside it as Azure would (``fakeazure/caller.py``) and the bootstrap writes the condition
from the same table, so the program, the plan and the bootstrap cannot drift apart.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from azurefacts.roles import (
    DISK_BACKUP_READER,
    DISK_SNAPSHOT_CONTRIBUTOR,
    STORAGE_BLOB_DATA_CONTRIBUTOR,
    VIRTUAL_MACHINE_USER_LOGIN,
)

ROLES_API_VERSION = "2022-04-01"  # Microsoft Learn, 'Role Definitions - Create Or Update' (REST)
# Fixed forever: a new namespace would give every subscription new role ids.
_NAMESPACE = uuid.UUID("0d1c2a5e-6f3b-5d4e-9a8b-7c6d5e4f3a2b")

# What the watcher's identity may do: read its VM and deallocate it.
DEALLOCATE_ACTIONS = ("Microsoft.Compute/virtualMachines/deallocate/action", "Microsoft.Compute/virtualMachines/read")
# What the stack's start workflow may do before the patch window: read a VM and start it ('Virtual Machines - Start').
START_ACTIONS = ("Microsoft.Compute/virtualMachines/start/action", "Microsoft.Compute/virtualMachines/read")
# What a scale set instance's identity may do to leave its pool: read the scale set (its capacity) and delete
# instances of it (POST .../delete, 'Virtual Machine Scale Sets - Delete Instances'). Not the scale set's own
# `virtualMachineScaleSets/delete`, which deletes the whole scale set. Microsoft Learn, 'Azure permissions
# for Compute' lists both actions; not confirmed: that a Flexible instance's batch delete needs no
# `virtualMachines/delete` on the instance VM as well.
SCALE_IN_ACTIONS = (
    "Microsoft.Compute/virtualMachineScaleSets/delete/action", "Microsoft.Compute/virtualMachineScaleSets/read",
)


@dataclass(frozen=True)
class SubscriptionRole:
    """One custom role defined once per subscription."""

    key: str  # stable: part of the GUID derivation
    title: str
    actions: tuple[str, ...]
    description: str


VM_IDLE_STOP = SubscriptionRole(
    "vm-idle-stop",
    "DSVM idle stop: a VM deallocates itself",
    DEALLOCATE_ACTIONS,
    "Lets a DSVM deallocate itself when idle (assigned to each VM's own identity, on that VM only). "
    "Created once per subscription by `dsvmctl bootstrap`.",
)
POOL_IDLE_STOP = SubscriptionRole(
    "pool-idle-stop",
    "DSVM idle stop: an instance leaves its scale set",
    SCALE_IN_ACTIONS,
    "Lets an idle scale set instance leave its pool (assigned to each scale set's identity, on that scale set "
    "only). Created once per subscription by `dsvmctl bootstrap`.",
)
VM_PATCH_START = SubscriptionRole(
    "vm-patch-start",
    "DSVM patching: start a VM for its patch window",
    START_ACTIONS,
    "Lets a stack's start workflow start a deallocated DSVM before the Update Manager window (assigned to the "
    "workflow's identity, on each of the stack's VMs). Created once per subscription by `dsvmctl bootstrap`.",
)
SUBSCRIPTION_ROLES = (VM_IDLE_STOP, POOL_IDLE_STOP, VM_PATCH_START)


def role_guid(subscription_id: str, role: SubscriptionRole) -> str:
    """The role definition's name (a GUID), the same for a subscription every time."""
    return str(uuid.uuid5(_NAMESPACE, f"{role.key}/{subscription_id.strip().lower()}"))


def role_name(subscription_id: str, role: SubscriptionRole) -> str:
    """The role's ``roleName``: unique in the tenant because it names the subscription."""
    return f"{role.title} ({subscription_id.strip().lower()})"


def subscription_scope(subscription_id: str) -> str:
    return f"/subscriptions/{subscription_id.strip().lower()}"


def role_definition_id(subscription_id: str, role: SubscriptionRole) -> str:
    """The ARM id a role assignment refers to (the form built-in roles take too)."""
    return (f"{subscription_scope(subscription_id)}/providers/Microsoft.Authorization/roleDefinitions/"
            f"{role_guid(subscription_id, role)}")  # fmt: skip


def role_body(subscription_id: str, role: SubscriptionRole) -> dict[str, Any]:
    """The body of the PUT that creates or updates the role (Role Definitions - Create Or Update)."""
    return {
        "properties": {
            "roleName": role_name(subscription_id, role),
            "description": role.description,
            "type": "CustomRole",
            "permissions": [
                {"actions": list(role.actions), "notActions": [], "dataActions": [], "notDataActions": []}
            ],
            "assignableScopes": [subscription_scope(subscription_id)],
        }
    }


# The roles the program assigns, each to one principal type (components/workstation.py, components/scale_set.py,
# components/backup.py, components/patch_start.py): a VM's, a pool's, the Backup vault's or the start workflow's
# managed identity is a ServicePrincipal; Entra ID
# login is granted to a member, a User.
BUILT_IN_ASSIGNED = {
    STORAGE_BLOB_DATA_CONTRIBUTOR: "ServicePrincipal",
    VIRTUAL_MACHINE_USER_LOGIN: "User",
    DISK_BACKUP_READER: "ServicePrincipal",
    DISK_SNAPSHOT_CONTRIBUTOR: "ServicePrincipal",
}


def assigned(subscription_id: str) -> dict[str, str]:
    """Role definition GUID -> the principal type the deploy identity may assign it to."""
    return {**BUILT_IN_ASSIGNED, **{role_guid(subscription_id, r): "ServicePrincipal" for r in SUBSCRIPTION_ROLES}}
