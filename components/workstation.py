"""Workstation: one member's DSVM with its NIC, identity, RBAC and auto-shutdown."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.compute as compute
import pulumi_azure_native.devtestlab as devtestlab
import pulumi_azure_native.network as network
import pulumi_random as random

from components.common import child_opts, standard_public_ip
from stacks.config import AutoShutdownConfig, ImageConfig
from stacks.images import IMAGES, PUBLISHER, ImageSpec, is_gpu_size, trusted_launch_supported

STORAGE_BLOB_DATA_CONTRIBUTOR = "ba92f5b4-2d11-453d-a403-e96b0029c9fe"
VIRTUAL_MACHINE_USER_LOGIN = "fb879df8-f326-4884-b1cf-06f3ad86be52"
DATA_DISK_LUN = 0

# Properties Azure refuses to change on an existing VM (PropertyChangeNotAllowed;
# pulumi-azure-native #577, #1117): a change must replace the VM. delete_before_replace
# frees the NIC and the data disk first (#2674), and the data disk survives.
VM_REPLACE_ON_CHANGES = [
    "osProfile.computerName",
    "osProfile.adminUsername",
    "osProfile.adminPassword",
    "osProfile.customData",
    "storageProfile.imageReference",
    "storageProfile.osDisk.createOption",
    "securityProfile.securityType",
]

# Characters safe inside cloud-init YAML and chpasswd (no ':' or quotes).
_PASSWORD_SPECIALS = "!#%*-_=+?"


@dataclass(frozen=True)
class WorkstationArgs:
    """Inputs of ``Workstation``."""

    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: pulumi.Input[str]
    username: str
    vm_size: str
    image: ImageConfig
    subnet_id: pulumi.Input[str]
    data_disk_id: pulumi.Input[str]
    storage_container_id: pulumi.Input[str]
    auto_shutdown: AutoShutdownConfig
    ssh_public_key: str | None = None
    public_ip_enabled: bool = False
    entra_login_enabled: bool = False
    entra_object_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def cloud_init(username: str, password: str) -> str:
    """Base64 cloud-config setting the member's local password (JupyterHub logs in with PAM)."""
    text = (
        "#cloud-config\n"
        "ssh_pwauth: false\n"
        "chpasswd:\n"
        "  expire: false\n"
        "  users:\n"
        f"    - {{name: {username}, password: '{password}', type: text}}\n"
    )
    return base64.b64encode(text.encode()).decode()


def role_definition_id(subscription_id: pulumi.Input[str], role: str) -> pulumi.Output[str]:
    """The ARM id of a built-in role in the subscription."""
    return pulumi.Output.concat(
        "/subscriptions/", subscription_id, "/providers/Microsoft.Authorization/roleDefinitions/", role
    )


class Workstation(pulumi.ComponentResource):
    """A member's Data Science VM.

    Secure by default: SSH keys only on Linux (password authentication off; the
    local password JupyterHub needs is a generated Pulumi secret set through
    cloud-init), a generated Windows admin password (secret), Trusted Launch
    where image and size support it (Secure Boot off on GPU sizes: it refuses the
    preinstalled NVIDIA driver), encryption at host, boot diagnostics with managed
    storage, a system-assigned identity with Storage Blob Data Contributor on the
    member's container only, a daily auto-shutdown schedule, and no VM extensions
    (``allowExtensionOperations: false``) unless Entra ID login needs its extension.

    A change of image, OS, username or cloud-init replaces the VM
    (delete-before-replace) and leaves the data disk, which the VM only attaches.
    """

    def __init__(self, name: str, args: WorkstationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:Workstation", name, None, opts)
        spec = IMAGES[args.image.os]
        windows = spec.os_type == "Windows"
        tags = dict(args.tags)
        vm_name = f"{name}-vm"

        public_ip = None
        if args.public_ip_enabled:
            public_ip = standard_public_ip(f"{name}-pip", args.resource_group_name, args.location, tags, self)
        self.nic = network.NetworkInterface(
            f"{name}-nic",
            network_interface_name=f"{name}-nic",
            resource_group_name=args.resource_group_name,
            location=args.location,
            ip_configurations=[
                network.NetworkInterfaceIPConfigurationArgs(
                    name="ipconfig1",
                    subnet=network.SubnetArgs(id=args.subnet_id),
                    private_ip_allocation_method="Dynamic",
                    public_ip_address=network.PublicIPAddressArgs(id=public_ip.id) if public_ip else None,
                )
            ],
            tags=tags,
            opts=child_opts(self),
        )
        self.password = random.RandomPassword(
            f"{name}-password",
            length=24,
            min_upper=2,
            min_lower=2,
            min_numeric=2,
            min_special=2,
            override_special=_PASSWORD_SPECIALS,
            opts=child_opts(self),
        )
        self.vm = compute.VirtualMachine(
            vm_name,
            vm_name=vm_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            hardware_profile=compute.HardwareProfileArgs(vm_size=args.vm_size),
            storage_profile=compute.StorageProfileArgs(
                image_reference=compute.ImageReferenceArgs(
                    publisher=PUBLISHER, offer=spec.offer, sku=spec.sku, version=args.image.version
                ),
                os_disk=compute.OSDiskArgs(
                    name=f"{vm_name}-osdisk",
                    create_option="FromImage",
                    caching="ReadWrite",
                    delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type="Premium_LRS"),
                ),
                data_disks=[
                    compute.DataDiskArgs(
                        lun=DATA_DISK_LUN,
                        create_option="Attach",
                        caching="ReadOnly",
                        delete_option="Detach",
                        managed_disk=compute.ManagedDiskParametersArgs(id=args.data_disk_id),
                    )
                ],
            ),
            os_profile=self._os_profile(args, windows),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(id=self.nic.id, primary=True, delete_option="Detach")
                ]
            ),
            security_profile=self._security_profile(args, spec),
            identity=compute.VirtualMachineIdentityArgs(type="SystemAssigned"),
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)  # managed storage
            ),
            tags=tags,
            opts=child_opts(
                self,
                replace_on_changes=VM_REPLACE_ON_CHANGES,
                delete_before_replace=True,
            ),
        )
        self.schedule = devtestlab.GlobalSchedule(
            f"{name}-shutdown",
            name=f"shutdown-computevm-{vm_name}",  # the only name Azure accepts
            resource_group_name=args.resource_group_name,
            location=args.location,
            task_type="ComputeVmShutdownTask",
            daily_recurrence=devtestlab.DayDetailsArgs(time=args.auto_shutdown.time),
            time_zone_id=args.auto_shutdown.time_zone,
            status="Enabled" if args.auto_shutdown.enabled else "Disabled",  # SDK default: Disabled
            target_resource_id=self.vm.id,
            notification_settings=devtestlab.NotificationSettingsArgs(
                status="Enabled" if args.auto_shutdown.notification_email else "Disabled",
                email_recipient=args.auto_shutdown.notification_email,
                time_in_minutes=30,
            ),
            tags=tags,
            opts=child_opts(self),
        )
        principal_id = self.vm.identity.apply(lambda i: i.principal_id if i else "")
        self.blob_role = authorization.RoleAssignment(
            f"{name}-blob-role",
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(args.subscription_id, STORAGE_BLOB_DATA_CONTRIBUTOR),
            scope=args.storage_container_id,
            opts=child_opts(self),
        )
        if args.entra_login_enabled and not windows:
            self._entra_login(name, args, vm_name, tags)

        self.vm_id = self.vm.id
        self.principal_id = principal_id
        self.private_ip = self.nic.ip_configurations.apply(
            lambda configs: (configs or [None])[0].private_ip_address if configs else None
        )
        self.public_ip = public_ip.ip_address if public_ip else None
        self.local_password = pulumi.Output.secret(self.password.result)
        self.register_outputs(
            {"vm_id": self.vm_id, "private_ip": self.private_ip, "principal_id": self.principal_id}
        )

    def _os_profile(self, args: WorkstationArgs, windows: bool) -> compute.OSProfileArgs:
        # Extensions run as root/SYSTEM: whoever may write one can run code on the VM. Allowed
        # only where the program installs one itself (Entra ID SSH login on Linux).
        allow_extensions = args.entra_login_enabled and not windows
        if windows:
            return compute.OSProfileArgs(
                computer_name=args.username,
                admin_username=args.username,
                admin_password=pulumi.Output.secret(self.password.result),
                allow_extension_operations=allow_extensions,
                windows_configuration=compute.WindowsConfigurationArgs(
                    enable_automatic_updates=True, provision_vm_agent=True
                ),
            )
        return compute.OSProfileArgs(
            computer_name=args.username,
            admin_username=args.username,
            custom_data=pulumi.Output.secret(
                self.password.result.apply(lambda pw: cloud_init(args.username, pw))
            ),
            allow_extension_operations=allow_extensions,
            linux_configuration=compute.LinuxConfigurationArgs(
                disable_password_authentication=True,
                provision_vm_agent=True,
                ssh=compute.SshConfigurationArgs(
                    public_keys=[
                        compute.SshPublicKeyArgs(
                            path=f"/home/{args.username}/.ssh/authorized_keys",
                            key_data=args.ssh_public_key,
                        )
                    ]
                ),
            ),
        )

    @staticmethod
    def _security_profile(args: WorkstationArgs, spec: ImageSpec) -> compute.SecurityProfileArgs:
        if not trusted_launch_supported(spec, args.vm_size):
            return compute.SecurityProfileArgs(encryption_at_host=True)
        return compute.SecurityProfileArgs(
            encryption_at_host=True,
            security_type="TrustedLaunch",
            uefi_settings=compute.UefiSettingsArgs(
                # Secure Boot refuses the unsigned NVIDIA kernel module of the DSVM images.
                secure_boot_enabled=not is_gpu_size(args.vm_size),
                v_tpm_enabled=True,
            ),
        )

    def _entra_login(self, name: str, args: WorkstationArgs, vm_name: str, tags: dict[str, str]) -> None:
        self.aad_extension = compute.VirtualMachineExtension(
            f"{name}-aad-ssh",
            vm_extension_name="AADSSHLoginForLinux",
            vm_name=self.vm.name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            publisher="Microsoft.Azure.ActiveDirectory",
            type="AADSSHLoginForLinux",
            type_handler_version="1.0",
            auto_upgrade_minor_version=True,
            tags=tags,
            opts=child_opts(self),
        )
        self.login_role = authorization.RoleAssignment(
            f"{name}-login-role",
            principal_id=str(args.entra_object_id),
            principal_type="User",
            role_definition_id=role_definition_id(args.subscription_id, VIRTUAL_MACHINE_USER_LOGIN),
            scope=self.vm.id,
            opts=child_opts(self),
        )
