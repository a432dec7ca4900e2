"""One VM profile: the OS, security, image, disk and identity settings of every DSVM.

``VmProfile`` holds the settings as plain values and renders them for a
virtual machine (``Workstation``, the GPU rig) or for a scale set's VM profile
(``ScaleSet``): the same inputs give the same settings in both, so the
compositions cannot drift apart.

Secure by default:
- Linux: SSH keys only (password authentication off); a local password for
  JupyterHub, if any, reaches the VM through cloud-init (``custom_data``).
  Windows: the admin password is a Pulumi secret.
- Extensions run as root/SYSTEM: allowed only when the composition installs
  one itself (``allow_extensions``).
- Trusted Launch (vTPM, Secure Boot) where the image (Generation 2) and the size
  support it; Secure Boot off on GPU sizes, whose preinstalled NVIDIA driver is
  an unsigned kernel module Secure Boot refuses. Encryption at host always.
- The OS disk (``os_disk``: Premium SSD at the image's size unless the composition
  says otherwise) is deleted with the VM; data disks attached separately are never
  deleted with it (``deleteOption: Detach``). A scale set's per-instance data disk
  takes the OS disk's SKU.
- With ``patch_reboot`` set, the patch orchestration Azure Update Manager's schedules need ("Customer Managed
  Schedules": ``patchMode`` and ``assessmentMode`` AutomaticByPlatform, ``bypassPlatformSafetyChecksOnUserSchedule``,
  the reboot setting), which Azure changes in place on an existing VM (``components/patching.py``); with
  ``patch_default`` and no schedule, the image's own (a VM with the bypass flag and no schedule is patched by
  nothing: 'Configure schedule patching on Azure VMs for business continuity').
- ``diskControllerType: NVMe`` on sizes whose disks attach over NVMe only (the v6
  families, ``azurefacts.sizes``), where the first-boot script finds the data disk by
  its NVMe namespace; other sizes keep Azure's default (SCSI).
- ``replace_on_changes``: the properties Azure refuses to change on an existing
  VM (``azurefacts.resource_types``) plus the security type; with
  ``delete_before_replace`` the NIC and data disks are free for the new VM.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.compute as compute

from azurefacts.disks import caching_allowed
from azurefacts.resource_types import RESOURCE_TYPES, VM
from azurefacts.size_series import NVME, SCSI
from azurefacts.sizes import VM_SIZES
from components.types import AttachedDisk, ImageReference, OsDisk

# A change of security type is a new VM (its OS disk goes with the old one).
SECURITY_TYPE = "securityProfile.securityType"
VM_REPLACE_ON_CHANGES: list[str] = [*RESOURCE_TYPES[VM].update_refused, SECURITY_TYPE]
DATA_DISK_LUN = 0


def is_gpu_size(vm_size: str) -> bool:
    """Whether the size carries GPUs: its facts, else the N-series naming rule."""
    size = VM_SIZES.get(vm_size)
    return size.is_gpu if size is not None else vm_size.startswith("Standard_N")


def disk_controller_type(vm_size: str) -> str | None:
    """``NVMe`` for a size whose disks attach over NVMe only; None (Azure's default, SCSI) otherwise.

    The SDK's ``StorageProfile.diskControllerType`` (API 2022-08-01+): set to the default for the size when
    not given; changing it needs the VM deallocated unless the size changes with it."""
    size = VM_SIZES.get(vm_size)
    return NVME if size is not None and NVME in size.disk_controllers and SCSI not in size.disk_controllers else None


def trusted_launch_supported(image: ImageReference, vm_size: str) -> bool:
    """Trusted Launch needs a Generation 2 image and a size that supports it (unknown sizes: assumed)."""
    size = VM_SIZES.get(vm_size)
    return image.generation == 2 and (size is None or size.trusted_launch)


@dataclass(frozen=True)
class VmProfile:
    """The settings one DSVM (or every instance of a scale set) runs with.

    ``security_size`` is the size whose facts decide the security profile: for a
    VM that switches sizes it is the most demanding one (the GPU size), so a
    switch changes nothing but the size.
    """

    admin_username: str
    image: ImageReference
    security_size: str
    ssh_public_keys: Sequence[pulumi.Input[str]] = ()
    admin_password: pulumi.Input[str] | None = None
    custom_data: pulumi.Input[str] | None = None
    first_logon_commands: str | None = None  # Windows: unattend FirstLogonCommands (runs the custom data)
    allow_extensions: bool = False
    os_disk: OsDisk = field(default_factory=OsDisk)
    # Scheduled patching (a VM only: Update Manager does not patch scale sets): the reboot setting; None: off.
    patch_reboot: str | None = None
    # Without a schedule, say the image's own patching explicitly (Linux ImageDefault, Windows AutomaticByOS), so
    # turning patching off puts a VM back rather than leaving it waiting for a schedule that is gone.
    patch_default: bool = False

    @property
    def windows(self) -> bool:
        return self.image.is_windows

    # -- the settings ------------------------------------------------------------------------
    def image_reference(self) -> compute.ImageReferenceArgs:
        return compute.ImageReferenceArgs(
            publisher=self.image.publisher, offer=self.image.offer, sku=self.image.sku, version=self.image.version
        )

    def security_profile(self) -> compute.SecurityProfileArgs:
        if not trusted_launch_supported(self.image, self.security_size):
            return compute.SecurityProfileArgs(encryption_at_host=True)
        return compute.SecurityProfileArgs(
            encryption_at_host=True,
            security_type="TrustedLaunch",
            uefi_settings=compute.UefiSettingsArgs(
                # Secure Boot refuses the unsigned NVIDIA kernel module of the DSVM images.
                secure_boot_enabled=not is_gpu_size(self.security_size),
                v_tpm_enabled=True,
            ),
        )

    def linux_configuration(self) -> compute.LinuxConfigurationArgs:
        patch = None
        if self.patch_reboot:
            patch = compute.LinuxPatchSettingsArgs(
                patch_mode="AutomaticByPlatform",
                assessment_mode="AutomaticByPlatform",
                automatic_by_platform_settings=compute.LinuxVMGuestPatchAutomaticByPlatformSettingsArgs(
                    bypass_platform_safety_checks_on_user_schedule=True, reboot_setting=self.patch_reboot
                ),
            )
        elif self.patch_default:
            patch = compute.LinuxPatchSettingsArgs(patch_mode="ImageDefault", assessment_mode="ImageDefault")
        return compute.LinuxConfigurationArgs(
            disable_password_authentication=True,
            provision_vm_agent=True,
            patch_settings=patch,
            ssh=compute.SshConfigurationArgs(
                public_keys=[
                    compute.SshPublicKeyArgs(path=f"/home/{self.admin_username}/.ssh/authorized_keys", key_data=key)
                    for key in self.ssh_public_keys
                ]
            ),
        )

    def windows_configuration(self) -> compute.WindowsConfigurationArgs:
        unattend = (
            [
                compute.AdditionalUnattendContentArgs(
                    pass_name=compute.PassName.OOBE_SYSTEM,
                    component_name=compute.ComponentName.MICROSOFT_WINDOWS_SHELL_SETUP,
                    setting_name=compute.SettingNames.FIRST_LOGON_COMMANDS,
                    content=self.first_logon_commands,
                )
            ]
            if self.first_logon_commands
            else None
        )
        patch = None
        if self.patch_reboot:
            patch = compute.PatchSettingsArgs(
                patch_mode="AutomaticByPlatform",
                assessment_mode="AutomaticByPlatform",
                automatic_by_platform_settings=compute.WindowsVMGuestPatchAutomaticByPlatformSettingsArgs(
                    bypass_platform_safety_checks_on_user_schedule=True, reboot_setting=self.patch_reboot
                ),
            )
        elif self.patch_default:
            patch = compute.PatchSettingsArgs(patch_mode="AutomaticByOS", assessment_mode="ImageDefault")
        return compute.WindowsConfigurationArgs(
            enable_automatic_updates=True, provision_vm_agent=True, additional_unattend_content=unattend,
            patch_settings=patch,
        )

    def diagnostics_profile(self) -> compute.DiagnosticsProfileArgs:
        return compute.DiagnosticsProfileArgs(
            boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)  # managed storage
        )

    # -- a virtual machine -------------------------------------------------------------------
    def vm_os_profile(self, computer_name: str) -> compute.OSProfileArgs:
        if self.windows:
            return compute.OSProfileArgs(
                computer_name=computer_name,
                admin_username=self.admin_username,
                admin_password=self.admin_password,
                custom_data=self.custom_data,
                allow_extension_operations=self.allow_extensions,
                windows_configuration=self.windows_configuration(),
            )
        return compute.OSProfileArgs(
            computer_name=computer_name,
            admin_username=self.admin_username,
            custom_data=self.custom_data,
            allow_extension_operations=self.allow_extensions,
            linux_configuration=self.linux_configuration(),
        )

    def vm_storage_profile(
        self, os_disk_name: str, data_disks: Sequence[AttachedDisk] = ()
    ) -> compute.StorageProfileArgs:
        """Image, OS disk and the attached data disks (LUN 0, 1, ...; detached, never deleted, with the VM)."""
        return compute.StorageProfileArgs(
            image_reference=self.image_reference(),
            disk_controller_type=disk_controller_type(self.security_size),
            os_disk=compute.OSDiskArgs(
                name=os_disk_name,
                create_option="FromImage",
                caching="ReadWrite",
                delete_option="Delete",
                disk_size_gb=self.os_disk.size_gb,
                managed_disk=compute.ManagedDiskParametersArgs(storage_account_type=self.os_disk.sku),
            ),
            data_disks=[
                compute.DataDiskArgs(
                    lun=DATA_DISK_LUN + i,
                    create_option="Attach",
                    caching=disk.caching,
                    delete_option="Detach",
                    managed_disk=compute.ManagedDiskParametersArgs(id=disk.disk_id),
                )
                for i, disk in enumerate(data_disks)
            ],
        )

    def vm_identity(self) -> compute.VirtualMachineIdentityArgs:
        return compute.VirtualMachineIdentityArgs(type="SystemAssigned")

    # -- a scale set's VM profile ------------------------------------------------------------
    def scale_set_os_profile(self, computer_name_prefix: str) -> compute.VirtualMachineScaleSetOSProfileArgs:
        if self.windows:
            return compute.VirtualMachineScaleSetOSProfileArgs(
                computer_name_prefix=computer_name_prefix,
                admin_username=self.admin_username,
                admin_password=self.admin_password,
                custom_data=self.custom_data,
                allow_extension_operations=self.allow_extensions,
                windows_configuration=self.windows_configuration(),
            )
        return compute.VirtualMachineScaleSetOSProfileArgs(
            computer_name_prefix=computer_name_prefix,
            admin_username=self.admin_username,
            custom_data=self.custom_data,
            allow_extension_operations=self.allow_extensions,
            linux_configuration=self.linux_configuration(),
        )

    def scale_set_storage_profile(
        self, data_disk_gb: int | None = None
    ) -> compute.VirtualMachineScaleSetStorageProfileArgs:
        """Image, OS disk and (optionally) one empty data disk per instance at LUN 0."""
        data_disks = []
        if data_disk_gb:
            data_disks.append(
                compute.VirtualMachineScaleSetDataDiskArgs(
                    lun=DATA_DISK_LUN,
                    create_option="Empty",
                    caching="ReadOnly" if caching_allowed(data_disk_gb) else "None",
                    disk_size_gb=data_disk_gb,
                    delete_option="Delete",
                    managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                        storage_account_type=self.os_disk.sku
                    ),
                )
            )
        return compute.VirtualMachineScaleSetStorageProfileArgs(
            image_reference=self.image_reference(),
            disk_controller_type=disk_controller_type(self.security_size),
            os_disk=compute.VirtualMachineScaleSetOSDiskArgs(
                create_option="FromImage",
                caching="ReadWrite",
                delete_option="Delete",
                disk_size_gb=self.os_disk.size_gb,
                managed_disk=compute.VirtualMachineScaleSetManagedDiskParametersArgs(
                    storage_account_type=self.os_disk.sku
                ),
            ),
            data_disks=data_disks,
        )
