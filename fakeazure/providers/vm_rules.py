"""Rules of a virtual machine's disks and mutable settings: the OS disk and premium storage, ``userData``,
``osProfile.allowExtensionOperations``, ``storageProfile.diskControllerType`` and the patch settings.

- patch settings (``osProfile.linuxConfiguration.patchSettings``, ``windowsConfiguration.patchSettings``): patch mode
  ``AutomaticByPlatform`` needs the VM agent (``provisionVMAgent``), and on Windows ``enableAutomaticUpdates`` true
  (Microsoft Learn, 'Automatic Guest Patching for Azure Virtual Machines and Scale Sets'); the settings change in
  place on a running VM ('Configure schedule patching on Azure VMs for business continuity': a PATCH of the VM).
  The code of the refusal is not confirmed (``InvalidParameter``).
- The OS disk (``azurefacts.disks``, Microsoft Learn 'Azure managed disk types', 'Deploy a ZRS managed disk'):
  Premium SSD v2 and Ultra Disks are data disks only; ZRS only in a region with availability zones; a size
  below the image's own OS disk ("is smaller than the size of the corresponding disk in the VM image") or above
  4,095 GiB is refused. Premium SSDs (OS disk, or a data disk the VM creates) need a size with premium storage.
  On a deployed VM the OS disk's SKU changes only while it is deallocated ('Change the disk type of an Azure
  managed disk'), and its size only grows, while deallocated ('Expand virtual hard disks on a Linux VM'). The
  emulated VM is always running, so both are refused (``OperationNotAllowed``, not confirmed) with the way out:
  deallocate, apply, start. Not confirmed either: whether ARM applies a changed
  ``osDisk.managedDisk.storageAccountType`` from the VM's own PUT while the VM is deallocated, or wants
  ``az disk update --sku`` on the OS disk (both are named as the way out).
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

from azurefacts.disks import DISK_SKUS, MAX_OS_DISK_GIB, os_disk_problem, zrs_problem
from azurefacts.images import DsvmImage, find_image
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
OS_DISK = "storageProfile.osDisk"
OS_DISK_SKU = f"{OS_DISK}.managedDisk.storageAccountType"
OS_DISK_SIZE = f"{OS_DISK}.diskSizeGB"


def refuse_premium(size: VmSize, target: str, sku: object) -> None:
    """A Premium SSD (``sku``) at ``target`` on a size without premium storage is refused."""
    if not size.premium_storage and str(sku or "").lower().startswith("premium"):
        raise errors.premium_storage_not_supported(
            f"Requested operation cannot be performed because storage account type '{sku}' is not supported "
            f"for VM size '{size.name}'. Use a size with premium storage (an 's' in its name, e.g. "
            "Standard_D4s_v5) or a Standard SSD.",
            target,
        )


def check_disks(inputs: dict[str, Any], size: VmSize, image: DsvmImage, location: str) -> None:
    """The OS disk's SKU and size, and premium storage for the OS disk and the data disks the VM creates (an
    attached disk's own SKU is checked where the VM's data disks are found)."""
    storage = dig(inputs, "storageProfile") or {}
    sku = dig(storage, "osDisk.managedDisk.storageAccountType")
    if sku is not None:
        problem = os_disk_problem(str(sku))
        if problem:
            raise errors.os_disk_sku_not_supported(
                f"Storage account type '{sku}' is not supported for the OS disk: {problem}.", OS_DISK_SKU
            )
        zrs = zrs_problem(str(sku), location)
        if zrs:
            raise errors.zrs_disk_not_available(f"The disk SKU {zrs}.", OS_DISK_SKU)
    check_os_disk_size(dig(storage, "osDisk.diskSizeGB"), image)
    refuse_premium(size, OS_DISK, sku)
    for i, disk in enumerate(storage.get("dataDisks") or []):
        data_sku = dig(disk, "managedDisk.storageAccountType")
        if data_sku is not None and data_sku not in DISK_SKUS and data_sku != "UltraSSD_LRS":
            raise errors.invalid_parameter(f"Storage account type '{data_sku}' is not supported.",
                                           f"storageProfile.dataDisks[{i}]")  # fmt: skip
        refuse_premium(size, f"storageProfile.dataDisks[{i}]", data_sku)


def check_os_disk_size(value: Any, image: DsvmImage) -> None:
    """An OS disk no smaller than its image's and at most ``MAX_OS_DISK_GIB``."""
    if value is None:
        return
    if int(value) < image.os_disk_gib:
        raise errors.os_disk_smaller_than_image(
            f"Disk size {int(value)} GB is smaller than the size of the corresponding disk in the VM image: "
            f"{image.os_disk_gib} GB. This is not allowed. Please choose equal or greater size or do not specify "
            "it.",
            OS_DISK_SIZE,
        )
    if int(value) > MAX_OS_DISK_GIB:
        raise errors.invalid_parameter(
            f"The OS disk size {int(value)} GB is above the largest OS disk Azure creates ({MAX_OS_DISK_GIB} GB).",
            OS_DISK_SIZE,
        )


def check_os_disk_change(previous: ArmResource, vm: ArmResource, changed: list[str]) -> None:
    """An OS disk SKU or size change on the (always running) VM: refused, with the way out; a smaller disk never."""
    image = find_image(*(str(dig(vm.inputs, f"storageProfile.imageReference.{k}", "")) for k in
                         ("publisher", "offer", "sku")))  # fmt: skip
    default = image.os_disk_gib if image else None
    old, new = dig(previous.inputs, OS_DISK_SIZE, default), dig(vm.inputs, OS_DISK_SIZE, default)
    what = []
    if OS_DISK_SKU in changed:
        what.append(f"its SKU ({dig(previous.inputs, OS_DISK_SKU)} -> {dig(vm.inputs, OS_DISK_SKU)})")
    if old is not None and new is not None and int(new) != int(old):
        if int(new) < int(old):
            raise errors.disk_resize_down(
                f"The OS disk of {vm.name} cannot be resized down from {int(old)} to {int(new)} GB. Reducing "
                "disk size is not supported in Azure to prevent data loss.",
                OS_DISK_SIZE,
                hint=f"disks only grow: keep os_disk.size_gb at {int(old)} or more",
            )
        what.append(f"its size ({int(old)} -> {int(new)} GB)")
    if what:
        way_out = (f"az vm deallocate -g {vm.resource_group} -n {vm.name}; then apply (pulumi up); then az vm "
                   f"start -g {vm.resource_group} -n {vm.name}")  # fmt: skip
        raise errors.os_disk_change_while_running(
            f"The OS disk of {vm.name} can change {' and '.join(what)} only while the VM is deallocated.",
            OS_DISK,
            hint=f"{way_out} (the VM is down meanwhile; the data disk and the OS disk's contents stay); or keep "
            "os_disk as deployed",
        )


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


def check_update(az: FakeAzure, vm: ArmResource, changed: list[str], previous: ArmResource | None = None) -> None:
    """The rules of an update: extensions (``check_extensions_allowed``), the OS disk (against ``previous``, the
    deployed VM), a disk controller change."""
    check_extensions_allowed(az, vm, changed)
    if previous is not None:
        check_os_disk_change(previous, vm, changed)
    if DISK_CONTROLLER in changed and "hardwareProfile.vmSize" not in changed:
        raise errors.operation_not_allowed(
            f"The disk controller type of {vm.name} can be changed only while the VM is deallocated, or together "
            "with its size.",
            DISK_CONTROLLER,
        )
