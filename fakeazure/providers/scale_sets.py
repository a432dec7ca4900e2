"""Microsoft.Compute: virtual machine scale sets in Flexible orchestration.

Emulated (codes marked ``confirmed=False`` in errors.py are not confirmed; the
Flexible rules are from Microsoft Learn, 'Orchestration modes for Virtual Machine
Scale Sets' and 'Create a Virtual Machine Scale Set with Flexible orchestration'):
- Flexible only: a scale set in another mode is not emulated (``FakeAzureError``);
- ``platformFaultDomainCount`` is required, 1-3, and 1 in a zonal scale set; with more
  than 100 instances ``singlePlacementGroup`` must be false; only user-assigned
  identities (a ``SystemAssigned`` identity is refused), each of which must exist
  (``FailedIdentityOperation``); NICs from ``networkInterfaceConfigurations`` need a
  ``networkApiVersion``; ``sku.capacity`` 0-1000 (a Flexible scale set holds at most
  1,000 instances); zones only in a region that has them
  (``azurefacts.regions.has_zones``), each one of 1, 2, 3;
- the instance profile gets the virtual machine's checks, imported from
  ``compute.VirtualMachine`` (not copied): size offered in the region
  (``SkuNotAvailable``), image and version (``PlatformImageNotFound``), image
  generation, Trusted Launch and encryption at host (``BadRequest``), the OS disk's SKU,
  size and zone redundancy and premium storage (``vm_rules.check_disks``), admin user
  name, SSH keys, host name (``InvalidParameter``; the host name is checked as
  ``computerNamePrefix`` plus a 6-character suffix: the suffix length is not
  confirmed), base64 custom data;
- each IP configuration's subnet must exist in the scale set's region
  (``InvalidResourceReference``);
- vCPU quota: ``sku.capacity`` instances of the size count against their family and
  the regional total, with the virtual machines and the other scale sets of the
  region (``QuotaExceeded``, the message ``azurefacts.quotas`` words);
- on an update: ``orchestrationMode``, ``platformFaultDomainCount`` and ``zones``
  (``PropertyChangeNotAllowed``, the row in ``azurefacts.resource_types``); any other
  change of the instance model (an OS disk's SKU or size, the image) is accepted and
  reaches only instances created afterwards (Microsoft Learn, 'Modify a Virtual Machine
  Scale Set': existing instances keep the old model until reimaged or replaced);
- computed: ``uniqueId``, the user-assigned identities' ``principalId``/``clientId``.

Not emulated: the instances themselves (names, NICs, disks, power state: Azure
creates them; here a scale set is its model and its capacity), Uniform
orchestration, scale-in policy, rolling upgrades, extensions, capacity
(allocation) failures, a scale set's own load balancer or public IP prefix,
what autoscale does to ``sku.capacity`` at run time.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from azurefacts.quotas import Need, shortfalls
from azurefacts.regions import ZONES, has_zones
from azurefacts.sizes import VmSize
from fakeazure import errors
from fakeazure.errors import ArmError, FakeAzureError
from fakeazure.providers.base import ResourceType, dig
from fakeazure.providers.compute import VirtualMachine
from fakeazure.providers.identity import identity_of
from fakeazure.providers.network import Subnet
from fakeazure.providers.vm_rules import check_disks
from fakeazure.resource import ArmResource, stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure

FLEXIBLE = "Flexible"
MAX_FLEXIBLE_INSTANCES = 1000
SINGLE_PLACEMENT_GROUP_MAX = 100
# Flexible instance host names: the prefix plus a suffix Azure adds (length not confirmed).
COMPUTER_NAME_SUFFIX = 6
_VM = VirtualMachine()
_PROFILE = "virtualMachineProfile"


def _as_vm(resource: ArmResource) -> ArmResource:
    """The scale set's instance model seen as one virtual machine, for the VM's own checks."""
    profile = resource.inputs.get(_PROFILE) or {}
    os_profile = dict(profile.get("osProfile") or {})
    os_profile["computerName"] = str(os_profile.get("computerNamePrefix") or resource.name) + "0" * COMPUTER_NAME_SUFFIX
    inputs = {
        "hardwareProfile": {"vmSize": dig(resource.inputs, "sku.name")},
        "storageProfile": copy.deepcopy(profile.get("storageProfile") or {}),
        "securityProfile": copy.deepcopy(profile.get("securityProfile") or {}),
        "osProfile": os_profile,
    }
    return ArmResource(
        id=resource.id, token=resource.token, arm_type=resource.arm_type, name=resource.name,
        logical_name=resource.logical_name, resource_group=resource.resource_group, location=resource.location,
        inputs=inputs,
    )  # fmt: skip


def _scale_set_target(target: str | None) -> str | None:
    """A VM property path as the same property of a scale set."""
    if target is None:
        return None
    if target == "hardwareProfile.vmSize":
        return "sku.name"
    if target == "imageReference":
        return f"{_PROFILE}.storageProfile.imageReference"
    if target == "osProfile.computerName":
        return f"{_PROFILE}.osProfile.computerNamePrefix"
    if target.startswith("linuxConfiguration"):
        return f"{_PROFILE}.osProfile.{target}"
    return f"{_PROFILE}.{target}"


def capacity_of(resource: ArmResource) -> int:
    """The scale set's instance count (``sku.capacity``; absent: 0)."""
    return int(dig(resource.inputs, "sku.capacity", 0))


def scale_set_needs(resource: ArmResource) -> list[Need]:
    """What the scale set's instances take of the vCPU quotas (unknown sizes: nothing)."""
    from azurefacts.sizes import VM_SIZES

    size = str(dig(resource.inputs, "sku.name", ""))
    count = capacity_of(resource)
    if size not in VM_SIZES or count <= 0:
        return []
    return [Need(size, dig(resource.inputs, f"{_PROFILE}.priority") == "Spot", count)]


class VirtualMachineScaleSet(ResourceType):
    token = "azure-native:compute:VirtualMachineScaleSet"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if inputs.get("orchestrationMode") != FLEXIBLE:
            raise FakeAzureError(
                f"fakeazure emulates Flexible scale sets only ({resource.name} has orchestrationMode "
                f"{inputs.get('orchestrationMode')!r}); Uniform orchestration is not modelled"
            )
        self._check_flexible(az, resource)
        self._check_zones(resource)
        if not inputs.get(_PROFILE):
            raise errors.invalid_parameter("virtualMachineProfile is required.", _PROFILE)
        size = self._check_instance_model(resource)
        self._check_network(az, resource)
        self._check_quota(az, resource, size)

    @staticmethod
    def _check_flexible(az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        capacity = capacity_of(resource)
        if not 0 <= capacity <= MAX_FLEXIBLE_INSTANCES:
            raise errors.scale_set_capacity_out_of_range(
                f"The capacity {capacity} is outside 0-{MAX_FLEXIBLE_INSTANCES}: a scale set in Flexible "
                f"orchestration holds at most {MAX_FLEXIBLE_INSTANCES} instances.",
                "sku.capacity",
            )
        domains = inputs.get("platformFaultDomainCount")
        if domains is None:
            raise errors.flexible_rule_violated(
                "platformFaultDomainCount is required for a scale set in Flexible orchestration.",
                "platformFaultDomainCount",
            )
        if not 1 <= int(domains) <= 3 or (inputs.get("zones") and int(domains) != 1):
            raise errors.flexible_rule_violated(
                f"platformFaultDomainCount {domains} is not valid: 1-3, and 1 for a zonal scale set.",
                "platformFaultDomainCount",
            )
        if capacity > SINGLE_PLACEMENT_GROUP_MAX and inputs.get("singlePlacementGroup") is not False:
            raise errors.flexible_rule_violated(
                f"singlePlacementGroup must be false for a Flexible scale set of more than "
                f"{SINGLE_PLACEMENT_GROUP_MAX} instances (capacity {capacity}).",
                "singlePlacementGroup",
            )
        identity = inputs.get("identity") or {}
        if "SystemAssigned" in str(identity.get("type", "")):
            raise errors.flexible_rule_violated(
                "A scale set in Flexible orchestration supports user-assigned identities only; use a "
                "UserAssignedIdentity.",
                "identity.type",
            )
        for arm_id in sorted(identity.get("userAssignedIdentities") or {}):
            if identity_of(az, arm_id) is None:
                raise errors.identity_not_found(
                    f"Resource '{arm_id}' was not found (user-assigned identity of {resource.name}).",
                    "identity.userAssignedIdentities",
                )

    @staticmethod
    def _check_zones(resource: ArmResource) -> None:
        zones = [str(z) for z in resource.inputs.get("zones") or []]
        if zones and not has_zones(str(resource.location)):
            raise errors.zones_not_supported(
                f"The region '{resource.location}' has no availability zones; remove zones.", "zones"
            )
        bad = sorted(set(zones) - set(ZONES))
        if bad:
            raise errors.invalid_parameter(f"Zones {bad} are not valid; use {', '.join(ZONES)}.", "zones")

    @staticmethod
    def _check_instance_model(resource: ArmResource) -> VmSize:
        """The virtual machine's own checks on the instance model (errors point at the scale set's paths)."""
        view = _as_vm(resource)
        try:
            size = _VM._size(view)
            image = _VM._image(view)
            VirtualMachine._check_generation_and_security(view.inputs, size, image)
            check_disks(view.inputs, size, image, str(resource.location))
            VirtualMachine._check_os_profile(view, image)
        except ArmError as error:
            raise ArmError(error.code, error.message, _scale_set_target(error.target), error.hint) from None
        return size

    @staticmethod
    def _check_network(az: FakeAzure, resource: ArmResource) -> None:
        network = dig(resource.inputs, f"{_PROFILE}.networkProfile") or {}
        configs = network.get("networkInterfaceConfigurations") or []
        if configs and not network.get("networkApiVersion"):
            raise errors.flexible_rule_violated(
                "networkApiVersion is required when a Flexible scale set's NICs come from "
                "networkInterfaceConfigurations.",
                f"{_PROFILE}.networkProfile.networkApiVersion",
            )
        for i, config in enumerate(configs):
            for j, ip in enumerate(config.get("ipConfigurations") or []):
                target = f"{_PROFILE}.networkProfile.networkInterfaceConfigurations[{i}].ipConfigurations[{j}].subnet"
                subnet = az.require(dig(ip, "subnet.id"), target, Subnet.arm_type)
                vnet = az.get(subnet.id.rsplit("/subnets/", 1)[0])
                if vnet is not None:
                    az.require_same_region(vnet, resource, target)

    @staticmethod
    def _check_quota(az: FakeAzure, resource: ArmResource, size: VmSize) -> None:
        here = str(resource.location)
        used = [
            Need(str(dig(vm.inputs, "hardwareProfile.vmSize")), dig(vm.inputs, "priority") == "Spot")
            for vm in az.of_type(VirtualMachine.arm_type)
            if vm.location == here
        ]
        for other in az.of_type(resource.arm_type):
            if other.id.lower() != resource.id.lower() and other.location == here:
                used.extend(scale_set_needs(other))
        for shortfall in shortfalls(az.quota, scale_set_needs(resource), used):
            raise errors.quota_exceeded(shortfall.message(here), "sku.capacity")

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        generation = az.generation(resource.id)
        outputs: dict[str, Any] = {
            "uniqueId": stable_uuid(resource.id.lower(), "uniqueId", *([str(generation)] if generation else []))
        }
        identity = resource.inputs.get("identity")
        if identity:
            assigned = {}
            for arm_id in sorted(identity.get("userAssignedIdentities") or {}):
                found = identity_of(az, arm_id)
                assigned[arm_id] = {
                    "principalId": found.outputs.get("principalId") if found else None,
                    "clientId": found.outputs.get("clientId") if found else None,
                }
            outputs["identity"] = {**identity, "userAssignedIdentities": assigned}
        return outputs


TYPES: list[ResourceType] = [VirtualMachineScaleSet()]
