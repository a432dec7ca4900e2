"""Rules of a virtual machine's mutable settings: ``userData``, ``osProfile.allowExtensionOperations``,
``storageProfile.diskControllerType`` and the patch settings.

- patch settings (``osProfile.linuxConfiguration.patchSettings``, ``windowsConfiguration.patchSettings``): patch mode
  ``AutomaticByPlatform`` needs the VM agent (``provisionVMAgent``), and on Windows ``enableAutomaticUpdates`` true
  (Microsoft Learn, 'Automatic Guest Patching for Azure Virtual Machines and Scale Sets'); the settings change in
  place on a running VM ('Configure schedule patching on Azure VMs for business continuity': a PATCH of the VM).
  The code of the refusal is not confirmed (``InvalidParameter``).

- ``userData``: base64, at most 64 KB; Azure updates it in place, without stopping or rebooting
  the VM (Microsoft Learn, 'User data for Azure Virtual Machine').
- ``allowExtensionOperations``: true may be set on a running VM at any time; false "may only be
  set to False when no extensions are present on the virtual machine" (Compute REST reference,
  ``OSProfile.allowExtensionOperations``). Pulumi updates a VM before it deletes an extension the
  program dropped, so turning extensions off in the same change is refused: delete the extension
  first. The codes of both refusals are not confirmed (errors.py).
- ``diskControllerType``: a size whose disks attach over NVMe only takes ``NVMe`` (or nothing: Azure then
  sets the size's default), a SCSI-only size ``SCSI`` (or nothing); changing it on an existing VM "needs the
  VM deallocated unless the VM size changes with it" (Compute REST reference, ``StorageProfile``, as the
  azure-native SDK documents it; 'Convert SCSI to NVMe'). The emulated VM is always running, so a change
  without a size change is refused (``OperationNotAllowed``, not confirmed).
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from azurefacts.sizes import VmSize
from fakeazure import errors
from fakeazure.providers.base import dig

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

EXTENSION_TYPE = "Microsoft.Compute/virtualMachines/extensions"
ALLOW_EXTENSIONS = "osProfile.allowExtensionOperations"
USER_DATA_MAX_BYTES = 64 * 1024
DISK_CONTROLLER = "storageProfile.diskControllerType"


def check_guest(inputs: dict[str, Any]) -> None:
    """The guest-facing settings a VM is created or updated with: its userData and its patch settings."""
    check_user_data(inputs.get("userData"))
    profile = inputs.get("osProfile") or {}
    for key in ("linuxConfiguration", "windowsConfiguration"):
        config = profile.get(key) or {}
        if dig(config, "patchSettings.patchMode") != "AutomaticByPlatform":
            continue
        if config.get("provisionVMAgent") is False:
            raise errors.invalid_parameter(
                "Patch mode AutomaticByPlatform needs the VM agent: set provisionVMAgent true.",
                f"osProfile.{key}.provisionVMAgent",
            )
        if key == "windowsConfiguration" and config.get("enableAutomaticUpdates") is False:
            raise errors.invalid_parameter(
                "Patch mode AutomaticByPlatform needs enableAutomaticUpdates true on Windows.",
                "osProfile.windowsConfiguration.enableAutomaticUpdates",
            )


def check_user_data(value: Any) -> None:
    """Refuse userData that is not base64 or larger than 64 KB decoded."""
    if value is None:
        return
    try:
        size = len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError) as exc:
        raise errors.user_data_invalid("userData must be base64-encoded.", "userData") from exc
    if size > USER_DATA_MAX_BYTES:
        raise errors.user_data_invalid(f"userData is {size} bytes; at most 64 KB are allowed.", "userData")


def installed_extensions(az: FakeAzure, vm: ArmResource) -> list[str]:
    """The names of the extensions the VM has (in the emulator's state)."""
    prefix = vm.id.lower() + "/extensions/"
    return [e.name for e in az.of_type(EXTENSION_TYPE) if e.id.lower().startswith(prefix)]


def check_extensions_allowed(az: FakeAzure, vm: ArmResource, changed: list[str]) -> None:
    """Refuse turning ``allowExtensionOperations`` off on a VM that still has extensions."""
    if ALLOW_EXTENSIONS not in changed or dig(vm.inputs, ALLOW_EXTENSIONS) is not False:
        return
    installed = installed_extensions(az, vm)
    if installed:
        raise errors.extensions_present(
            f"allowExtensionOperations can be set to false only when no extensions are present on the virtual "
            f"machine; {vm.name} has {', '.join(installed)}.",
            ALLOW_EXTENSIONS,
            hint=f"delete the extension first (az vm extension delete -g {vm.resource_group} --vm-name {vm.name} "
            f"-n {installed[0]}), then apply; the VM keeps running",
        )


def check_disk_controller(inputs: dict[str, Any], size: VmSize) -> None:
    """Refuse a disk controller type the size does not offer."""
    wanted = dig(inputs, DISK_CONTROLLER)
    if wanted is not None and str(wanted) not in size.disk_controllers:
        raise errors.invalid_parameter(
            f"The VM size '{size.name}' does not support the disk controller type '{wanted}'; it supports "
            f"{', '.join(size.disk_controllers)}.",
            DISK_CONTROLLER,
        )


def check_update(az: FakeAzure, vm: ArmResource, changed: list[str]) -> None:
    """The rules of an update: extensions (``check_extensions_allowed``) and a disk controller change."""
    check_extensions_allowed(az, vm, changed)
    if DISK_CONTROLLER in changed and "hardwareProfile.vmSize" not in changed:
        raise errors.operation_not_allowed(
            f"The disk controller type of {vm.name} can be changed only while the VM is deallocated, or together "
            "with its size.",
            DISK_CONTROLLER,
        )
