"""Microsoft.Compute virtual machine extensions.

Emulated: the VM must exist and allow extensions (``osProfile.allowExtensionOperations``
not false: ``OperationNotAllowed``); the publisher/type must be one the emulator
knows (``NotFound``), for the VM's OS (``OperationNotAllowed``; that code is not
confirmed for an OS mismatch).
Not emulated: extension settings, provisioning results, the handlers themselves.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from azurefacts.images import find_image
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig
from fakeazure.providers.compute import VirtualMachine

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

# Extensions the emulator knows: (publisher, type) -> OS it runs on.
KNOWN_EXTENSIONS: dict[tuple[str, str], str] = {
    ("Microsoft.Azure.ActiveDirectory", "AADSSHLoginForLinux"): "Linux",
    ("Microsoft.Azure.ActiveDirectory", "AADLoginForWindows"): "Windows",
    ("Microsoft.Azure.Extensions", "CustomScript"): "Linux",
    ("Microsoft.Compute", "CustomScriptExtension"): "Windows",
}



class VirtualMachineExtension(ResourceType):
    token = "azure-native:compute:VirtualMachineExtension"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        vm = az.require(resource.id.rsplit("/extensions/", 1)[0], "vmName", VirtualMachine.arm_type)
        if dig(vm.inputs, "osProfile.allowExtensionOperations") is False:
            raise errors.operation_not_allowed(
                "This operation cannot be performed when extension operations are disallowed. To allow, "
                "please ensure VM Agent is installed on the VM and the osProfile.allowExtensionOperations "
                f"property is true. (VM {vm.name})",
                "vmName",
            )
        key = (str(resource.inputs.get("publisher")), str(resource.inputs.get("type")))
        os_type = KNOWN_EXTENSIONS.get(key)
        if os_type is None:
            raise errors.not_found(
                f"Extension with publisher '{key[0]}', type '{key[1]}' could not be found in the extension repository.",
                "publisher",
            )
        ref = dig(vm.inputs, "storageProfile.imageReference") or {}
        image = find_image(ref.get("publisher", ""), ref.get("offer", ""), ref.get("sku", ""))
        if image is not None and image.os_type != os_type:
            raise errors.operation_not_allowed(
                f"Extension {key[1]} runs on {os_type} only; VM {vm.name} runs {image.os_type}.",
                "type",
            )


TYPES: list[ResourceType] = [VirtualMachineExtension()]
