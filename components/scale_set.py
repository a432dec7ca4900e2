"""ScaleSet: identical DSVMs in a Flexible virtual machine scale set, with their identity and storage role.

Every instance runs the one ``VmProfile`` (image pin, SSH keys only, encryption at
host, Trusted Launch where image and size support it, Secure Boot off on GPU sizes):
the scale set renders its OS, storage and security profile, so a scale set and a
workstation on the same image cannot drift apart.

Azure's rules for Flexible orchestration (Microsoft Learn, 'Orchestration modes for
Virtual Machine Scale Sets'; shared/DESIGN.md section 10):
- ``orchestrationMode: Flexible`` with ``platformFaultDomainCount: 1`` (what a zonal
  Flexible scale set needs) and ``singlePlacementGroup: false`` (needed above 100
  instances); the NICs come from the profile's network interface configurations, in
  the stack's subnet, which needs a ``networkApiVersion``;
- only user-assigned identities: the component creates one and grants it
  ``role`` (Storage Blob Data Contributor by default) on ``storage_scope_id``; the
  instances reach storage through it (the account takes no shared keys);
- the mode, the fault domain count and the zones cannot change: the component lists
  them in ``replace_on_changes`` (a change is a new scale set, delete-before-replace
  since the name stays);
- zones 1-3 where the region has them (``azurefacts.regions.has_zones``).

``sku.capacity`` is the capacity at creation; afterwards autoscale owns it, and the
scale set ignores it (``ignore_changes``) so autoscale and Pulumi never fight.

With ``idle_role_definition_id`` the identity also gets that role (the stack's idle
scale-in role: read the scale set, delete its instances) on the scale set itself, so an
idle instance can leave the pool (``components/scripts/dsvm_idle_watch.py``). A role on
the scale set does not reach its Flexible instances' own VM resources (their ids are not
below the scale set's), which is why an instance leaves through the scale set's batch
delete rather than deallocating its VM.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.compute as compute
import pulumi_azure_native.managedidentity as managedidentity

from azurefacts.regions import ZONES, has_zones
from azurefacts.resource_types import RESOURCE_TYPES, VMSS
from azurefacts.roles import STORAGE_BLOB_DATA_CONTRIBUTOR
from components.common import ROLE_ASSIGNMENT_REPLACE, child_opts
from components.vm_profile import SECURITY_TYPE, VmProfile
from components.workstation import role_definition_id

# The network API version a Flexible scale set's NIC configurations need (Microsoft Learn, 'Create a Virtual
# Machine Scale Set with Flexible orchestration', networkApiVersion 2020-11-01).
NETWORK_API_VERSION = "2020-11-01"
CAPACITY = "sku.capacity"
SCALE_SET_REPLACE_ON_CHANGES: list[str] = [*RESOURCE_TYPES[VMSS].update_refused, SECURITY_TYPE]


@dataclass(frozen=True)
class ScaleSetArgs:
    """Inputs of ``ScaleSet``.

    ``profile`` builds the instances' VM profile from the scale set identity's client id
    (what an instance asks IMDS for a token with: its cloud-init may need it).
    """

    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: pulumi.Input[str]
    vm_size: str
    subnet_id: pulumi.Input[str]
    storage_scope_id: pulumi.Input[str]
    profile: Callable[[pulumi.Output[str]], VmProfile]
    computer_name_prefix: str
    capacity: int = 0
    data_disk_gb: int | None = None
    user_data: pulumi.Input[str] | None = None
    public_ip_per_instance: bool = False
    zonal: bool = True
    role: str = STORAGE_BLOB_DATA_CONTRIBUTOR
    idle_role_definition_id: pulumi.Input[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class ScaleSet(pulumi.ComponentResource):
    """A Flexible scale set of DSVMs, its user-assigned identity and the identity's storage role."""

    def __init__(self, name: str, args: ScaleSetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:ScaleSet", name, None, opts)
        tags = dict(args.tags)
        self.identity = managedidentity.UserAssignedIdentity(
            f"{name}-id",
            resource_name_=f"{name}-id",
            resource_group_name=args.resource_group_name,
            location=args.location,
            tags=tags,
            opts=child_opts(self),
        )
        profile = args.profile(self.identity.client_id)
        zones = list(ZONES) if args.zonal and has_zones(args.location) else None
        self.scale_set = compute.VirtualMachineScaleSet(
            name,
            vm_scale_set_name=name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            orchestration_mode="Flexible",
            platform_fault_domain_count=1,
            single_placement_group=False,
            zones=zones,
            sku=compute.SkuArgs(name=args.vm_size, tier="Standard", capacity=args.capacity),
            identity=compute.VirtualMachineScaleSetIdentityArgs(
                type="UserAssigned", user_assigned_identities=[self.identity.id]
            ),
            virtual_machine_profile=compute.VirtualMachineScaleSetVMProfileArgs(
                os_profile=profile.scale_set_os_profile(args.computer_name_prefix),
                storage_profile=profile.scale_set_storage_profile(args.data_disk_gb),
                security_profile=profile.security_profile(),
                diagnostics_profile=profile.diagnostics_profile(),
                network_profile=self._network_profile(name, args),
                user_data=args.user_data,
            ),
            tags=tags,
            opts=child_opts(
                self,
                ignore_changes=[CAPACITY],
                replace_on_changes=SCALE_SET_REPLACE_ON_CHANGES,
                delete_before_replace=True,
            ),
        )
        self.storage_role = authorization.RoleAssignment(
            f"{name}-storage-role",
            principal_id=self.identity.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(args.subscription_id, args.role),
            scope=args.storage_scope_id,
            opts=child_opts(self, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
        )
        self.idle_role = (
            authorization.RoleAssignment(
                f"{name}-idle-role",
                principal_id=self.identity.principal_id,
                principal_type="ServicePrincipal",
                role_definition_id=args.idle_role_definition_id,
                scope=self.scale_set.id,
                opts=child_opts(self, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
            )
            if args.idle_role_definition_id is not None
            else None
        )
        self.id = self.scale_set.id
        self.name = self.scale_set.name
        self.identity_client_id = self.identity.client_id
        self.principal_id = self.identity.principal_id
        self.register_outputs({"id": self.id, "name": self.name, "principal_id": self.principal_id})

    @staticmethod
    def _network_profile(name: str, args: ScaleSetArgs) -> compute.VirtualMachineScaleSetNetworkProfileArgs:
        public_ip = (
            compute.VirtualMachineScaleSetPublicIPAddressConfigurationArgs(
                name=f"{name}-pip",
                sku=compute.PublicIPAddressSkuArgs(name="Standard"),
                delete_option="Delete",
            )
            if args.public_ip_per_instance
            else None
        )
        return compute.VirtualMachineScaleSetNetworkProfileArgs(
            network_api_version=NETWORK_API_VERSION,
            network_interface_configurations=[
                compute.VirtualMachineScaleSetNetworkConfigurationArgs(
                    name=f"{name}-nic",
                    primary=True,
                    delete_option="Delete",
                    ip_configurations=[
                        compute.VirtualMachineScaleSetIPConfigurationArgs(
                            name="ipconfig1",
                            primary=True,
                            subnet=compute.ApiEntityReferenceArgs(id=args.subnet_id),
                            public_ip_address_configuration=public_ip,
                        )
                    ],
                )
            ],
        )
