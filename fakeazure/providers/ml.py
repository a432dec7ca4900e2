"""Microsoft.MachineLearningServices: an existing workspace, and a VM attached to it as compute.

Emulated:
- Workspace: only as an existing resource (``--existing`` or assumed); the stacks
  never create one.
- Compute (``computeType: VirtualMachine``): the workspace must exist
  (``ResourceNotFound``); the target VM must exist (``InvalidResourceReference``);
  the compute name is 3-24 letters, digits and ``-``, starting with a letter and not
  ending in ``-<digits>`` (``InvalidParameter``; AzureML's naming rule, its code unconfirmed);
  the SSH credentials must name the VM's admin user and a public key the VM accepts, or AzureML cannot log in
  (``BadRequest``: AzureML answers a failed SSH attach as a user error; the exact
  code is not confirmed).
Not emulated: the SSH connection itself, AzureML jobs, workspace networking.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig
from fakeazure.providers.compute import VirtualMachine

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{2,23}$")
_NUMBERED = re.compile(r"-\d+$")


class Workspace(ResourceType):
    token = "azure-native:machinelearningservices:Workspace"


class Compute(ResourceType):
    token = "azure-native:machinelearningservices:Compute"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        workspace_id = resource.id.rsplit("/computes/", 1)[0]
        az.require(workspace_id, "workspaceName", Workspace.arm_type, code=errors.resource_not_found)
        if not _NAME.match(resource.name) or _NUMBERED.search(resource.name):
            raise errors.compute_name_invalid(
                f"Compute name '{resource.name}' is invalid: 3-24 letters, digits and '-', starting with a letter, "
                "and not ending in '-' followed by digits.",
                "computeName",
            )
        properties = resource.inputs.get("properties") or {}
        if properties.get("computeType") != "VirtualMachine":
            raise errors.invalid_parameter("Only computeType VirtualMachine is emulated.", "properties.computeType")
        vm = az.require(properties.get("resourceId"), "properties.resourceId", VirtualMachine.arm_type)
        account = dig(properties, "properties.administratorAccount") or {}
        admin = dig(vm.inputs, "osProfile.adminUsername")
        keys = {
            str(k.get("keyData", "")).strip()
            for k in dig(vm.inputs, "osProfile.linuxConfiguration.ssh.publicKeys") or []
        }
        if account.get("username") != admin or str(account.get("publicKeyData", "")).strip() not in keys:
            raise errors.compute_ssh_failed(
                f"Failed to connect to {vm.name} over SSH as '{account.get('username')}': the user or the key is "
                "not one the VM accepts.",
                "properties.properties.administratorAccount",
            )


TYPES: list[ResourceType] = [Workspace(), Compute()]
