"""Workstation: one member's DSVM with its NIC, identity, RBAC and auto-shutdown."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.compute as compute
import pulumi_azure_native.devtestlab as devtestlab
import pulumi_azure_native.network as network
import pulumi_random as random

from azurefacts.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, VIRTUAL_MACHINE_USER_LOGIN
from components.cloud_init import linux_custom_data, windows_custom_data, windows_first_logon_commands
from components.common import ROLE_ASSIGNMENT_REPLACE, child_opts, standard_public_ip
from components.idle_stop import (
    EXTENSION_NAME,
    LINUX_EXTENSION,
    WINDOWS_EXTENSION,
    IdleStop,
    linux_protected_settings,
    user_data,
    user_data_off,
    windows_protected_settings,
)
from components.patching import Patching, allow_start, assign
from components.types import AttachedDisk, ImageReference, OsDisk, ShutdownSchedule, SpotSettings
from components.vm_profile import VM_REPLACE_ON_CHANGES, VmProfile

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
    image: ImageReference
    subnet_id: pulumi.Input[str]
    data_disk_id: pulumi.Input[str]
    data_disk_size_gb: int | None  # None: an existing disk of unknown size (no host caching)
    storage_container_id: pulumi.Input[str]
    auto_shutdown: ShutdownSchedule
    ssh_public_key: str | None = None
    # More keys that may log in (e.g. the key an AzureML workspace attaches with); Linux only.
    extra_ssh_public_keys: Sequence[pulumi.Input[str]] = ()
    public_ip_enabled: bool = False
    entra_login_enabled: bool = False
    entra_object_id: str | None = None
    # The size whose facts decide the security profile (a rig that switches sizes: its GPU size), so a
    # switch between sizes changes nothing but the size. Default: ``vm_size``.
    security_size: str | None = None
    spot: SpotSettings | None = None
    os_disk: OsDisk = field(default_factory=OsDisk)
    # The VM deallocates itself when idle (settings in userData, watcher by extension); None: off.
    idle_stop: IdleStop | None = None
    # Scheduled patching (components/patching.py): the VM's patch orchestration and its assignment; None: off.
    patching: Patching | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


def cloud_init(username: str, password: str) -> str:
    """Base64 cloud-config of a member's Linux DSVM: the local password JupyterHub logs in with
    (PAM), the data disk formatted only when blank and mounted at /data, the home kept on it."""
    return linux_custom_data(username, password)


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
    (``allowExtensionOperations: false``) unless Entra ID login, idle stop or patching (Update Manager's patch
    extension) needs one.
    With idle stop the VM's identity also gets the stack's deallocate role on this VM only.

    With ``patching`` the VM is assigned to the stack's Update Manager window and its patch orchestration is
    Customer Managed Schedules (changed in place on an existing VM); when the stack's start workflow starts the VMs
    for the window, its identity gets the start role on this VM only.

    A change of image, OS, username or cloud-init replaces the VM
    (delete-before-replace) and leaves the data disk, which the VM only attaches.
    """

    def __init__(self, name: str, args: WorkstationArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # The cost estimate's assumption rides on the component (never sent to Azure): costs/ reads it.
        props = {"activeHoursPerWeek": args.idle_stop.active_hours_per_week} if args.idle_stop else None
        super().__init__("dsvm:components:Workstation", name, props, opts)
        windows = args.image.is_windows
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
        profile = self._profile(args, windows)
        self.vm = compute.VirtualMachine(
            vm_name,
            vm_name=vm_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            hardware_profile=compute.HardwareProfileArgs(vm_size=args.vm_size),
            storage_profile=profile.vm_storage_profile(
                f"{vm_name}-osdisk", [AttachedDisk(args.data_disk_id, args.data_disk_size_gb)]
            ),
            os_profile=profile.vm_os_profile(computer_name=args.username),
            network_profile=compute.NetworkProfileArgs(
                network_interfaces=[
                    compute.NetworkInterfaceReferenceArgs(id=self.nic.id, primary=True, delete_option="Detach")
                ]
            ),
            security_profile=profile.security_profile(),
            identity=profile.vm_identity(),
            priority="Spot" if args.spot else None,
            eviction_policy=args.spot.eviction_policy if args.spot else None,
            billing_profile=compute.BillingProfileArgs(max_price=args.spot.max_price) if args.spot else None,
            diagnostics_profile=profile.diagnostics_profile(),
            user_data=user_data(args.idle_stop, windows) if args.idle_stop else user_data_off(),
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
            opts=child_opts(self, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
        )
        if args.entra_login_enabled and not windows:
            self._entra_login(name, args, vm_name, tags)
        if args.idle_stop is not None:
            self._idle_stop(name, args, args.idle_stop, windows, principal_id, tags)
        if args.patching is not None:
            self.patch_assignment = assign(name, args.patching, self.vm.name, args.resource_group_name, args.location,
                                           self)  # fmt: skip
            self.patch_start_role = allow_start(name, args.patching, self.vm.id, self)

        self.vm_id = self.vm.id
        self.principal_id = principal_id
        self.private_ip = self.nic.ip_configurations.apply(
            lambda configs: (configs or [None])[0].private_ip_address if configs else None
        )
        self.public_ip = public_ip.ip_address if public_ip else None
        self.local_password = pulumi.Output.secret(self.password.result)
        self.register_outputs({"vm_id": self.vm_id, "private_ip": self.private_ip, "principal_id": self.principal_id})

    def _profile(self, args: WorkstationArgs, windows: bool) -> VmProfile:
        """The shared VM profile with this workstation's user, key and generated password."""
        password = pulumi.Output.secret(self.password.result)
        return VmProfile(
            admin_username=args.username,
            image=args.image,
            security_size=args.security_size or args.vm_size,
            ssh_public_keys=[] if windows else [
                *([args.ssh_public_key] if args.ssh_public_key else []), *args.extra_ssh_public_keys
            ],
            admin_password=password if windows else None,
            # The Windows first-logon script holds no secret: it stays readable in plans.
            custom_data=windows_custom_data()
            if windows
            else pulumi.Output.secret(self.password.result.apply(lambda pw: cloud_init(args.username, pw))),
            first_logon_commands=windows_first_logon_commands() if windows else None,
            # Extensions run as root/SYSTEM: allowed only for the program's own (Entra ID SSH login, idle stop) and
            # Update Manager's (it patches through its own extension on the VM).
            allow_extensions=(args.entra_login_enabled and not windows) or args.idle_stop is not None
            or args.patching is not None,
            os_disk=args.os_disk,
            patch_reboot=args.patching.reboot if args.patching else None,
            patch_default=True,
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
            # A replaced VM (new image, new computer name) has a new vmId: the extension is written again onto
            # it. Without this the extension's inputs stay the same, Pulumi plans no change, and the new VM
            # has no Entra ID login although the state says it does.
            force_update_tag=self.vm.vm_id,
            tags=tags,
            opts=child_opts(self),
        )
        self.login_role = authorization.RoleAssignment(
            f"{name}-login-role",
            principal_id=str(args.entra_object_id),
            principal_type="User",
            role_definition_id=role_definition_id(args.subscription_id, VIRTUAL_MACHINE_USER_LOGIN),
            scope=self.vm.id,
            opts=child_opts(self, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
        )

    def _idle_stop(
        self,
        name: str,
        args: WorkstationArgs,
        idle: IdleStop,
        windows: bool,
        principal_id: pulumi.Output[str],
        tags: dict[str, str],
    ) -> None:
        """The watcher's extension, and the role that lets the VM's identity deallocate this VM only."""
        publisher, kind, version = WINDOWS_EXTENSION if windows else LINUX_EXTENSION
        self.idle_extension = compute.VirtualMachineExtension(
            f"{name}-idle-stop",
            vm_extension_name=EXTENSION_NAME,
            vm_name=self.vm.name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            publisher=publisher,
            type=kind,
            type_handler_version=version,
            auto_upgrade_minor_version=True,
            # A replaced VM has a new vmId: the extension is written again onto the new VM.
            force_update_tag=self.vm.vm_id,
            # A secret: ARM never returns protectedSettings (it is decrypted only on the VM), and the plan
            # keeps a fingerprint instead of the 40 KB install script per VM.
            protected_settings=pulumi.Output.secret(
                windows_protected_settings() if windows else linux_protected_settings()
            ),
            tags=tags,
            opts=child_opts(self),
        )
        self.idle_role = authorization.RoleAssignment(
            f"{name}-idle-role",
            principal_id=principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=idle.role_definition_id,
            scope=self.vm.id,
            opts=child_opts(self, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
        )
