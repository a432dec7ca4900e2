"""Microsoft.Compute: managed disks and virtual machines (extensions: extensions.py).

Emulated (the ARM code each rejection carries is the one Azure returns; codes marked
``confirmed=False`` in errors.py are not confirmed):
- Disk: SKU known; size within the SKU's limits (``InvalidParameter``);
  ``createOption: Empty`` needs a size; on an update, a smaller size is refused
  (``BadRequest``) and a SKU change while attached to a VM too
  (``OperationNotAllowed``); a replaced disk gets a new ``uniqueId``.
- VirtualMachine:
  - size offered in the region (``SkuNotAvailable``);
  - image exists in ``azurefacts.images``, at that version (``PlatformImageNotFound``);
  - Gen2 image on a Gen1-only size, Trusted Launch on an image or size that
    does not support it, encryption at host on a size without it (``BadRequest``);
  - Windows computer name at most 15 characters and not all digits, Linux at
    most 64; reserved admin usernames; malformed SSH public keys or a key path
    outside the admin's home; Windows passwords failing the complexity rule
    (``InvalidParameter``);
  - NICs and data disks must exist, NICs in the VM's region
    (``InvalidResourceReference``); a NIC in use by another VM (``NicInUse``); a
    data disk attached to another VM (``OperationNotAllowed``); two data disks on
    one LUN (``InvalidParameter``); host caching on a disk of 4 TiB or more
    (``InvalidParameter``);
  - vCPU quota per VM family and per region from the subscription's quota
    profile (``QuotaExceeded``);
  - on an update, the properties Azure sets only at creation
    (``PropertyChangeNotAllowed``, ``azurefacts.resource_types``), and
    ``osProfile.allowExtensionOperations`` turned false while the VM has extensions
    (``OperationNotAllowed``; Azure allows false only on a VM without extensions);
  - ``userData`` base64 of at most 64 KB (``InvalidParameter``); the disk controller, the OS disk (SKU,
    size, zone redundancy) and premium storage, an OS disk change on a running VM, and the patch settings
    (vm_rules.py);
  - computed: ``vmId``, system-assigned ``identity.principalId``/``tenantId``
    (new ones when the VM is replaced), the OS disk's name.

Not emulated: the OS disk as a separate resource, power state (a VM is always
running: a change that needs it deallocated is refused), retired sizes (the
config refuses them), capacity (allocation) failures, zones, proximity groups,
the guest (cloud-init runs nowhere: its content is only checked for being
base64), spot eviction.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any

from azurefacts.accounts import (
    LINUX_USERNAME,
    RESERVED_ADMIN_USERNAMES,
    WINDOWS_ADMIN_USERNAME_MAX,
    linux_computer_name_problem,
    windows_computer_name_problem,
)
from azurefacts.disks import DISK_SKUS, caching_allowed
from azurefacts.images import DsvmImage, find_image
from azurefacts.quotas import Need, shortfalls
from azurefacts.sizes import VM_SIZES, VmSize
from fakeazure import errors
from fakeazure.errors import UnknownFact
from fakeazure.providers.base import ResourceType, dig
from fakeazure.providers.credentials import check_ssh_key, check_windows_password
from fakeazure.providers.network import NetworkInterface
from fakeazure.providers.vm_rules import check_disk_controller, check_disks, check_guest, check_update, refuse_premium
from fakeazure.resource import stable_suffix, stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

class Disk(ResourceType):
    token = "azure-native:compute:Disk"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        sku_name = dig(resource.inputs, "sku.name", "Standard_LRS")
        sku = DISK_SKUS.get(sku_name)
        if sku is None:
            raise errors.invalid_parameter(
                f"Disk SKU '{sku_name}' is not supported; use one of {', '.join(DISK_SKUS)}.",
                "sku.name",
            )
        option = dig(resource.inputs, "creationData.createOption")
        if not option:
            raise errors.invalid_parameter("creationData.createOption is required.", "creationData.createOption")
        size = resource.inputs.get("diskSizeGB")
        if option == "Empty" and size is None:
            raise errors.invalid_parameter("diskSizeGB is required when createOption is Empty.", "diskSizeGB")
        if size is not None and not sku.min_gib <= int(size) <= sku.max_gib:
            raise errors.invalid_parameter(
                f"The specified disk size {int(size)} GB is outside the range allowed for "
                f"{sku_name} ({sku.min_gib}-{sku.max_gib} GB).",
                "diskSizeGB",
            )

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        old, new = previous.inputs.get("diskSizeGB"), resource.inputs.get("diskSizeGB")
        if old is not None and new is not None and int(new) < int(old):
            raise errors.disk_resize_down(
                f"The disk/snapshot resource with id {resource.id} cannot be resized down. Reducing disk/snapshot "
                "size is not supported in Azure to prevent data loss. If you do need to reduce the size of the "
                "disk, please create new snapshot/disks with the appropriate size.",
                "diskSizeGB",
                hint=f"disks only grow: keep size_gb at {int(old)} or more; for a smaller disk create a new one "
                "and copy the data",
            )
        if "sku.name" in changed:
            users = [vm.name for vm in az.of_type(VirtualMachine.arm_type) if _attaches(vm, resource.id)]
            if users:
                # Microsoft Learn, 'Change the disk type of an Azure managed disk': the disk must be
                # unattached or its VM deallocated. Error code not confirmed.
                raise errors.disk_change_while_attached(
                    f"Cannot change the SKU of disk {resource.name} while it is attached to running VM "
                    f"{users[0]}. Deallocate the VM first.",
                    "sku.name",
                    hint=f"deallocate {users[0]} (az vm deallocate), then apply; or keep the SKU",
                )
        super().validate_update(az, previous, resource, changed)

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        return {"uniqueId": stable_uuid(resource.id.lower(), *_generation(az, resource)), "diskState": "Unattached"}


def _attaches(vm: ArmResource, disk_id: str) -> bool:
    """Whether the VM has the disk attached as a data disk."""
    return any(
        str(dig(d, "managedDisk.id", "")).lower() == disk_id.lower()
        for d in dig(vm.inputs, "storageProfile.dataDisks") or []
    )


def _generation(az: FakeAzure, resource: ArmResource) -> list[str]:
    """Seed parts for values Azure computes anew when a resource is replaced (none the first time)."""
    generation = az.generation(resource.id)
    return [str(generation)] if generation else []


class VirtualMachine(ResourceType):
    token = "azure-native:compute:VirtualMachine"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        size = self._size(resource)
        image = self._image(resource)
        self._check_generation_and_security(inputs, size, image)
        check_disk_controller(inputs, size)
        check_disks(inputs, size, image, str(resource.location))
        self._check_os_profile(resource, image)
        check_guest(inputs)
        self._check_nics(az, resource)
        self._check_data_disks(az, resource, size)
        self._check_quota(az, resource, size)

    def _size(self, resource: ArmResource) -> VmSize:
        name = str(dig(resource.inputs, "hardwareProfile.vmSize"))
        size = VM_SIZES.get(name)
        if size is None:
            raise UnknownFact(
                f"VM size '{name}' is not in the emulator's facts; add it to azurefacts/sizes.py "
                "or run against real Azure"
            )
        if not size.offered_in(str(resource.location)):
            raise errors.sku_not_available(
                f"The requested VM size for resource 'Following SKUs have failed for Capacity "
                f"Restrictions: {name}' is currently not available in location "
                f"'{resource.location}'. Please try another size or deploy to a different location.",
                "hardwareProfile.vmSize",
            )
        return size

    def _image(self, resource: ArmResource) -> DsvmImage:
        ref = dig(resource.inputs, "storageProfile.imageReference") or {}
        image = find_image(ref.get("publisher", ""), ref.get("offer", ""), ref.get("sku", ""))
        version = ref.get("version", "latest")
        if image is None or (version != "latest" and version not in image.version_names):
            urn = ":".join(str(ref.get(k, "")) for k in ("publisher", "offer", "sku", "version"))
            raise errors.platform_image_not_found(
                f"The platform image '{urn}' is not available. Verify that all fields in the "
                "storage profile are correct.",
                "imageReference",
            )
        return image

    @staticmethod
    def _check_generation_and_security(inputs: dict[str, Any], size: VmSize, image: DsvmImage) -> None:
        if image.hyperv_generation not in size.generations:
            raise errors.bad_request(
                f"The selected VM size '{size.name}' cannot boot Hypervisor Generation "
                f"'{image.hyperv_generation}'. If this was a Create operation please check that the "
                "Hypervisor Generation of the Image matches the Hypervisor Generation of the "
                "selected VM Size.",
                "hardwareProfile.vmSize",
            )
        security_type = dig(inputs, "securityProfile.securityType")
        if security_type == "TrustedLaunch":
            if not image.trusted_launch:
                raise errors.bad_request(
                    f"The image '{image.offer}:{image.sku}' does not support security type "
                    "'TrustedLaunch' (Generation 1 images cannot use Trusted Launch).",
                    "securityProfile.securityType",
                )
            if not size.trusted_launch:
                raise errors.bad_request(
                    f"The VM size '{size.name}' is not supported for creation of VMs and Virtual "
                    "Machine Scale Set with 'TrustedLaunch' security type.",
                    "securityProfile.securityType",
                )
        elif dig(inputs, "securityProfile.uefiSettings.secureBootEnabled") or dig(
            inputs, "securityProfile.uefiSettings.vTpmEnabled"
        ):
            raise errors.bad_request(
                "uefiSettings can only be set when securityType is TrustedLaunch or ConfidentialVM.",
                "securityProfile.uefiSettings",
            )
        if dig(inputs, "securityProfile.encryptionAtHost") and not size.encryption_at_host:
            raise errors.bad_request(
                f"Encryption at host is not supported for VM size '{size.name}'.",
                "securityProfile.encryptionAtHost",
            )

    @staticmethod
    def _check_os_profile(resource: ArmResource, image: DsvmImage) -> None:
        profile = resource.inputs.get("osProfile") or {}
        computer_name = str(profile.get("computerName") or resource.name)
        username = str(profile.get("adminUsername") or "")
        windows = image.os_type == "Windows"
        problem = (windows_computer_name_problem if windows else linux_computer_name_problem)(computer_name)
        if problem and windows:
            raise errors.invalid_parameter(
                f"Windows computer name '{computer_name}' is {problem}: it cannot be more than 15 characters long, "
                "be entirely numeric, or contain the following characters: ` ~ ! @ # $ % ^ & * ( ) = + _ [ ] "
                "{ } \\ | ; : . ' \" , < > / ?.",
                "osProfile.computerName",
            )
        if problem:
            raise errors.invalid_parameter(
                f"Linux host name '{computer_name}' {problem}: it cannot exceed 64 characters in length or "
                "contain characters other than letters, digits and hyphens.",
                "osProfile.computerName",
            )
        if not username:
            raise errors.invalid_parameter("adminUsername is required.", "osProfile.adminUsername")
        if (
            username.lower() in RESERVED_ADMIN_USERNAMES
            or (not windows and not LINUX_USERNAME.match(username))
            or (windows and len(username) > WINDOWS_ADMIN_USERNAME_MAX)
        ):
            raise errors.invalid_parameter(
                "The Admin Username specified is not allowed.",
                "osProfile.adminUsername",
            )
        linux = profile.get("linuxConfiguration")
        if windows:
            if linux:
                raise errors.invalid_parameter("linuxConfiguration is not valid for a Windows image.", "osProfile")
            check_windows_password(str(profile.get("adminPassword") or ""))
            return
        if profile.get("windowsConfiguration"):
            raise errors.invalid_parameter("windowsConfiguration is not valid for a Linux image.", "osProfile")
        keys = dig(linux or {}, "ssh.publicKeys") or []
        if (linux or {}).get("disablePasswordAuthentication") and not keys:
            raise errors.invalid_parameter(
                "Authentication using either SSH or by user name and password must be enabled in Linux profile.",
                "linuxConfiguration",
            )
        for i, key in enumerate(keys):
            target = f"linuxConfiguration.ssh.publicKeys[{i}].keyData"
            check_ssh_key(str(key.get("keyData", "")), target)
            expected = f"/home/{username}/.ssh/authorized_keys"
            if key.get("path") != expected:
                raise errors.invalid_parameter(
                    f"Destination path for SSH public keys is currently limited to its default "
                    f"value {expected} due to a known issue in Linux provisioning agent.",
                    f"linuxConfiguration.ssh.publicKeys[{i}].path",
                )
        custom_data = profile.get("customData")
        if custom_data:
            try:
                base64.b64decode(str(custom_data), validate=True)
            except (binascii.Error, ValueError) as exc:
                raise errors.invalid_parameter("customData must be base64-encoded.", "osProfile.customData") from exc

    @staticmethod
    def _check_nics(az: FakeAzure, resource: ArmResource) -> None:
        nics = dig(resource.inputs, "networkProfile.networkInterfaces") or []
        if not nics:
            raise errors.invalid_parameter("At least one network interface is required.", "networkProfile")
        for i, nic in enumerate(nics):
            target = f"networkProfile.networkInterfaces[{i}].id"
            found = az.require(nic.get("id"), target, NetworkInterface.arm_type)
            az.require_same_region(found, resource, target)
            for other in az.of_type(VirtualMachine.arm_type):
                if other.id.lower() == resource.id.lower():
                    continue
                used = {
                    str(n.get("id", "")).lower() for n in dig(other.inputs, "networkProfile.networkInterfaces") or []
                }
                if found.id.lower() in used:
                    raise errors.nic_in_use(
                        f"Network Interface {found.id} is used by existing resource {other.id}. In "
                        "order to delete the network interface, it must be dissociated from the resource.",
                        target,
                    )

    @staticmethod
    def _check_data_disks(az: FakeAzure, resource: ArmResource, vm_size: VmSize) -> None:
        luns: set[int] = set()
        for i, disk in enumerate(dig(resource.inputs, "storageProfile.dataDisks") or []):
            lun = int(disk.get("lun", -1))
            target = f"storageProfile.dataDisks[{i}]"
            if not 0 <= lun <= 63:
                raise errors.invalid_parameter(f"LUN {lun} is outside 0-63.", f"{target}.lun")
            if lun in luns:
                raise errors.invalid_parameter(f"A disk at LUN {lun} already exists.", f"{target}.lun")
            luns.add(lun)
            if disk.get("createOption") != "Attach":
                continue
            found = az.require(dig(disk, "managedDisk.id"), f"{target}.managedDisk.id", Disk.arm_type)
            if dig(disk, "managedDisk.storageAccountType") is None:  # else checked with the disks the VM creates
                refuse_premium(vm_size, target, dig(found.inputs, "sku.name"))
            owner = found.outputs.get("managedBy")
            if owner and str(owner).lower() != resource.id.lower():
                raise errors.operation_not_allowed(
                    f"Disk {found.name} is already attached to VM {owner}.", f"{target}.managedDisk.id"
                )
            size = found.inputs.get("diskSizeGB")
            if size is not None and not caching_allowed(int(size)) and disk.get("caching", "None") != "None":
                raise errors.disk_caching_not_supported(
                    f"Disk {found.name} is {int(size)} GiB: host caching ({disk.get('caching')}) is not supported "
                    f"for disks of 4 TiB and larger. Set caching to None.",
                    f"{target}.caching",
                )
            if found.location != resource.location:
                raise errors.invalid_parameter(
                    f"Disk {found.name} is in '{found.location}', the VM in '{resource.location}'.",
                    f"{target}.managedDisk.id",
                )
            for other in az.of_type(VirtualMachine.arm_type):
                if other.id.lower() == resource.id.lower():
                    continue
                attached = {
                    str(dig(d, "managedDisk.id", "")).lower()
                    for d in dig(other.inputs, "storageProfile.dataDisks") or []
                }
                if found.id.lower() in attached:
                    raise errors.operation_not_allowed(
                        f"Disk {found.name} is already attached to VM {other.id}.",
                        f"{target}.managedDisk.id",
                    )

    @staticmethod
    def _check_quota(az: FakeAzure, resource: ArmResource, size: VmSize) -> None:
        used = [
            Need(str(dig(other.inputs, "hardwareProfile.vmSize")), dig(other.inputs, "priority") == "Spot")
            for other in az.of_type(VirtualMachine.arm_type)
            if other.id.lower() != resource.id.lower() and other.location == resource.location
        ]
        need = Need(size.name, dig(resource.inputs, "priority") == "Spot")
        for shortfall in shortfalls(az.quota, [need], used):
            raise errors.quota_exceeded(shortfall.message(str(resource.location)), "hardwareProfile.vmSize")

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        check_update(az, resource, changed, previous)
        super().validate_update(az, previous, resource, changed)

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        outputs: dict[str, Any] = {"vmId": stable_uuid(resource.id.lower(), "vmId", *_generation(az, resource))}
        identity = resource.inputs.get("identity") or {}
        if "SystemAssigned" in str(identity.get("type", "")):
            outputs["identity"] = {
                **identity,
                "principalId": stable_uuid(resource.id.lower(), "principal", *_generation(az, resource)),
                "tenantId": az.tenant_id,
            }
        storage = dict(resource.inputs.get("storageProfile") or {})
        os_disk = dict(storage.get("osDisk") or {})
        os_disk.setdefault("name", f"{resource.name}_OsDisk_1_{stable_suffix(resource.id.lower(), length=32)}")
        storage["osDisk"] = os_disk
        outputs["storageProfile"] = storage
        return outputs


TYPES: list[ResourceType] = [Disk(), VirtualMachine()]
