"""Microsoft.Network: virtual networks, subnets, NSGs, NICs, public IPs, Bastion.

Emulated (each check cites the ARM behaviour it copies):
- VirtualNetwork: address prefixes must be valid CIDRs.
- Subnet: parent VNet must exist; the prefix must lie inside the VNet
  (``NetcfgSubnetRangeOutsideVnet``) and not overlap a sibling
  (``NetcfgSubnetRangesOverlap``); a referenced NSG must exist; ``serviceEndpoints``
  are kept as given (storage network rules require ``Microsoft.Storage`` there).
- NetworkSecurityGroup: rule priority 100-4096 (``SecurityRuleInvalidPriority``),
  unique per direction (``SecurityRuleConflict``), valid access/direction/protocol.
- PublicIPAddress: Basic SKU refused (retired 2025-09-30; ARM refuses new Basic
  IPs with ``IPv4BasicSkuPublicIpCountLimitReached``, a quota of 0); a
  deterministic address from 20.0.0.0/8.
- NetworkInterface: subnet and public IP must exist; a public IP may belong to
  one NIC only (``PublicIPAddressInUse``); private IPs allocated from the subnet
  the way Azure does (first four addresses and the last reserved), stable
  across runs for an existing NIC.
- BastionHost: Basic, Standard and Premium need a subnet named ``AzureBastionSubnet``
  (``SubnetNameMustBeAzureBastionSubnet``) of /26 or larger and a Standard public IP;
  host scaling (``scaleUnits`` 2-50) and tunneling only on Standard and Premium. A
  Developer Bastion needs ``virtualNetwork.id`` (``BastionHostVnetIdNotProvided``), an
  existing VNet in its region, none of a dedicated host's settings
  (``FeatureNotSupportedForDeveloperBastionSku``) and one of the regions that offer it
  (``azurefacts.bastion.DEVELOPER_REGIONS``). A SKU is upgraded in place, never downgraded.

Not emulated: routing, peering (so neither a Developer Bastion's refusal to serve a peered VNet),
one Developer Bastion per VNet, Developer's one connection at a time, service endpoint policies and
traffic, NSG flow logs, effective security rules, address exhaustion beyond the subnet size check.
"""

from __future__ import annotations

import ipaddress
import itertools
from typing import TYPE_CHECKING, Any

from azurefacts.bastion import BASTION_SKUS, INCLUDED_SCALE_UNITS, MAX_SCALE_UNITS, developer_region_problem
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig
from fakeazure.resource import stable_suffix

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_PROTOCOLS = {"Tcp", "Udp", "Icmp", "Esp", "Ah", "*"}
# What only a dedicated Bastion (Basic and up) has; a Developer Bastion refuses each (azurefacts.bastion).
_DEDICATED_ONLY = ("ipConfigurations", "enableTunneling", "scaleUnits", "enableIpConnect", "enableShareableLink",
                   "enableFileCopy", "enableSessionRecording", "enablePrivateOnlyBastion")  # fmt: skip


def _network(value: str, target: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    try:
        return ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise errors.invalid_address_prefix_format(f"Address prefix {value} is not valid: {exc}.", target) from exc


class VirtualNetwork(ResourceType):
    token = "azure-native:network:VirtualNetwork"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        prefixes = dig(resource.inputs, "addressSpace.addressPrefixes") or []
        if not prefixes:
            raise errors.invalid_request_format("addressSpace.addressPrefixes is required.", "addressSpace")
        for prefix in prefixes:
            _network(prefix, "addressSpace.addressPrefixes")

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        return {"resourceGuid": _guid(resource)}


class Subnet(ResourceType):
    token = "azure-native:network:Subnet"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        vnet_id = resource.id.rsplit("/subnets/", 1)[0]
        vnet = az.require(vnet_id, "virtualNetworkName", VirtualNetwork.arm_type)
        prefix_text = resource.inputs.get("addressPrefix")
        if not prefix_text:
            raise errors.invalid_request_format("addressPrefix is required.", "addressPrefix")
        prefix = _network(prefix_text, "addressPrefix")
        spaces = [ipaddress.ip_network(p) for p in dig(vnet.inputs, "addressSpace.addressPrefixes")]
        if not any(prefix.version == s.version and prefix.subnet_of(s) for s in spaces):  # type: ignore[arg-type]
            raise errors.subnet_range_outside_vnet(
                f"Subnet '{resource.name}' is not valid because its IP address range "
                f"{prefix} is outside the IP address range of virtual network '{vnet.name}'.",
                "addressPrefix",
            )
        for sibling in az.of_type(self.arm_type):
            if sibling.id.lower() == resource.id.lower() or not sibling.id.lower().startswith(vnet_id.lower() + "/"):
                continue
            if prefix.overlaps(ipaddress.ip_network(sibling.inputs["addressPrefix"])):
                raise errors.subnet_ranges_overlap(
                    f"Subnet '{resource.name}' is not valid because its IP address range "
                    f"overlaps with that of an existing subnet '{sibling.name}' in virtual network.",
                    "addressPrefix",
                )
        nsg_id = dig(resource.inputs, "networkSecurityGroup.id")
        if nsg_id:
            az.require(nsg_id, "networkSecurityGroup.id", NetworkSecurityGroup.arm_type)

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        if "addressPrefix" in changed:
            users = [
                user.name
                for user in az.of_type(NetworkInterface.arm_type) + az.of_type(BastionHost.arm_type)
                for config in user.inputs.get("ipConfigurations") or []
                if str(dig(config, "subnet.id", "")).lower() == resource.id.lower()
            ]
            if users:
                raise errors.in_use_subnet_cannot_be_updated(
                    f"Subnet {resource.name} is in use by {', '.join(sorted(users))} and cannot be updated: its "
                    "address prefix cannot change while IP configurations use it.",
                    "addressPrefix",
                    hint="keep the subnet's range and add a new subnet for the new one, or remove the VMs and NICs "
                    "in it first",
                )
        super().validate_update(az, previous, resource, changed)


class NetworkSecurityGroup(ResourceType):
    token = "azure-native:network:NetworkSecurityGroup"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        seen: dict[tuple[str, int], str] = {}
        for rule in resource.inputs.get("securityRules") or []:
            name = rule.get("name", "?")
            target = f"securityRules[{name}]"
            priority = int(rule.get("priority", 0))
            # ARM: "The value of parameter securityRule.priority is invalid. Valid range 100-4096."
            if not 100 <= priority <= 4096:
                raise errors.security_rule_invalid_priority(
                    f"Security rule {name} has invalid Priority {priority}. "
                    f"Value provided: {priority} Allowed range 100-4096.",
                    target,
                )
            direction = rule.get("direction")
            if direction not in ("Inbound", "Outbound"):
                raise errors.invalid_request_format(f"Rule {name}: direction must be Inbound or Outbound.", target)
            if rule.get("access") not in ("Allow", "Deny"):
                raise errors.invalid_request_format(f"Rule {name}: access must be Allow or Deny.", target)
            if rule.get("protocol") not in _PROTOCOLS:
                raise errors.invalid_request_format(f"Rule {name}: unknown protocol.", target)
            key = (direction, priority)
            if key in seen:
                raise errors.security_rule_conflict(
                    f"Security rule {name} conflicts with rule {seen[key]}. Rules cannot have the "
                    "same Priority and Direction.",
                    target,
                )
            seen[key] = name


class PublicIPAddress(ResourceType):
    token = "azure-native:network:PublicIPAddress"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        sku = dig(resource.inputs, "sku.name", "Basic")
        if sku == "Basic":
            # The code and message ARM returns since Basic IPs were retired (quota set to 0).
            raise errors.basic_public_ip_limit(
                "Cannot create more than 0 IPv4 Basic SKU public IP addresses for this subscription in this "
                "region. (Basic SKU public IP addresses were retired on 30 September 2025; use the Standard SKU.)",
                "sku.name",
            )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        digest = bytes.fromhex(stable_suffix(resource.id.lower(), length=6))
        return {"ipAddress": f"20.{digest[0]}.{digest[1]}.{max(digest[2], 1)}"}


class NetworkInterface(ResourceType):
    token = "azure-native:network:NetworkInterface"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        configs = resource.inputs.get("ipConfigurations") or []
        if not configs:
            raise errors.invalid_request_format("A NIC needs at least one IP configuration.", "ipConfigurations")
        for i, config in enumerate(configs):
            target = f"ipConfigurations[{i}].subnet.id"
            subnet = az.require(dig(config, "subnet.id"), target, Subnet.arm_type)
            vnet = az.require(subnet.id.rsplit("/subnets/", 1)[0], target, VirtualNetwork.arm_type)
            az.require_same_region(vnet, resource, target)
            pip_id = dig(config, "publicIPAddress.id")
            if not pip_id:
                continue
            az.require(pip_id, f"ipConfigurations[{i}].publicIPAddress.id", PublicIPAddress.arm_type)
            for other in az.of_type(self.arm_type):
                if other.id.lower() == resource.id.lower():
                    continue
                used = {str(dig(c, "publicIPAddress.id", "")).lower() for c in other.inputs.get("ipConfigurations", [])}
                if pip_id.lower() in used:
                    raise errors.public_ip_in_use(
                        f"Public IP address {pip_id} is already in use by {other.id}.",
                        f"ipConfigurations[{i}].publicIPAddress.id",
                    )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        previous = az.get(resource.id)
        configs = []
        for i, config in enumerate(resource.inputs.get("ipConfigurations") or []):
            config = dict(config)
            old = dig(previous.outputs, "ipConfigurations", []) if previous else []
            if config.get("privateIPAddress"):
                ip = config["privateIPAddress"]
            elif i < len(old) and old[i].get("privateIPAddress"):
                ip = old[i]["privateIPAddress"]
            else:
                ip = _allocate(az, dig(config, "subnet.id"), resource.id)
            config.update(
                privateIPAddress=ip,
                privateIPAllocationMethod=config.get("privateIPAllocationMethod", "Dynamic"),
                provisioningState="Succeeded",
            )
            configs.append(config)
        mac = stable_suffix(resource.id.lower(), length=12).upper()
        return {
            "ipConfigurations": configs,
            "macAddress": "-".join(mac[i : i + 2] for i in range(0, 12, 2)),
            "resourceGuid": _guid(resource),
        }


class BastionHost(ResourceType):
    token = "azure-native:network:BastionHost"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        sku = str(dig(resource.inputs, "sku.name", "Basic"))  # ARM's default SKU
        facts = BASTION_SKUS.get(sku)
        if facts is None:
            raise errors.invalid_parameter(f"Bastion SKU '{sku}' is not one of {', '.join(BASTION_SKUS)}.", "sku.name")
        if not facts.dedicated:
            self._developer(az, resource)
            return
        self._features(resource, sku)
        configs = resource.inputs.get("ipConfigurations") or []
        if len(configs) != 1:
            raise errors.invalid_request_format(
                "A Bastion host needs exactly one IP configuration.", "ipConfigurations"
            )
        subnet = az.require(dig(configs[0], "subnet.id"), "ipConfigurations[0].subnet.id", Subnet.arm_type)
        # ARM: "The subnet name must be AzureBastionSubnet" and "/26 or larger".
        if subnet.name != "AzureBastionSubnet":
            raise errors.bastion_subnet_name(
                f"Subnet name {subnet.id} is invalid for Azure Bastion. Azure Bastion can only be created "
                "in subnet with name 'AzureBastionSubnet'.",
                "ipConfigurations[0].subnet.id",
            )
        if ipaddress.ip_network(subnet.inputs["addressPrefix"]).prefixlen > 26:
            raise errors.bastion_subnet_size(
                "AzureBastionSubnet must be /26 or larger.",
                "ipConfigurations[0].subnet.id",
            )
        pip = az.require(
            dig(configs[0], "publicIPAddress.id"), "ipConfigurations[0].publicIPAddress.id", PublicIPAddress.arm_type
        )
        if dig(pip.inputs, "sku.name") != "Standard":
            raise errors.bastion_public_ip_sku("Bastion needs a Standard public IP.", "publicIPAddress")

    @staticmethod
    def _features(resource: ArmResource, sku: str) -> None:
        """Host scaling (2-50 instances) and tunneling exist on Standard and Premium only."""
        units = resource.inputs.get("scaleUnits")
        if units is not None and not BASTION_SKUS[sku].host_scaling:
            raise errors.bastion_feature_needs_sku(
                f"Bastion scalable host is available on Standard SKU and above; {resource.name} is {sku}.", "scaleUnits"
            )
        if units is not None and not INCLUDED_SCALE_UNITS <= int(units) <= MAX_SCALE_UNITS:
            raise errors.invalid_parameter(
                f"scaleUnits {units} is outside {INCLUDED_SCALE_UNITS}-{MAX_SCALE_UNITS}.", "scaleUnits"
            )
        if resource.inputs.get("enableTunneling") and not BASTION_SKUS[sku].native_client:
            raise errors.bastion_feature_needs_sku(
                f"Native client support (tunneling) is available on Standard SKU and above; {resource.name} is {sku}.",
                "enableTunneling",
            )

    @staticmethod
    def _developer(az: FakeAzure, resource: ArmResource) -> None:
        """A Developer Bastion: the VNet it serves, nothing of a dedicated host, only in its regions."""
        vnet_id = dig(resource.inputs, "virtualNetwork.id")
        if not vnet_id:
            raise errors.bastion_vnet_id_not_provided(
                "Virtual Network Id is a mandatory field for Developer BastionHost SKU.", "virtualNetwork.id"
            )
        vnet = az.require(vnet_id, "virtualNetwork.id", VirtualNetwork.arm_type)
        az.require_same_region(vnet, resource, "virtualNetwork.id")
        for feature in _DEDICATED_ONLY:
            if resource.inputs.get(feature):
                raise errors.bastion_developer_feature(
                    f"{feature} is not supported for the Developer Bastion SKU (a shared pool serves it: no "
                    "AzureBastionSubnet, public IP, native client or host scaling).",
                    feature,
                )
        problem = developer_region_problem(str(resource.location))
        if problem:
            raise errors.bastion_developer_region(f"Bastion {resource.name}: {problem}.", "location")

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        # Microsoft Learn, 'View or upgrade a Bastion SKU': a SKU can be upgraded, never downgraded.
        old, new = dig(previous.inputs, "sku.name", "Basic"), dig(resource.inputs, "sku.name", "Basic")
        if old in BASTION_SKUS and new in BASTION_SKUS and BASTION_SKUS[new].rank < BASTION_SKUS[old].rank:
            raise errors.bastion_sku_downgrade(
                f"Bastion {resource.name} cannot be downgraded from {old} to {new}.",
                "sku.name",
                hint=f"keep bastion_sku {old}; a smaller SKU means deleting the Bastion and creating it again",
            )
        super().validate_update(az, previous, resource, changed)

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        return {"dnsName": f"bst-{_guid(resource)}.bastion.azure.com"}


def _guid(resource: ArmResource) -> str:
    from fakeazure.resource import stable_uuid

    return stable_uuid(resource.id.lower())


def _allocate(az: FakeAzure, subnet_id: str, nic_id: str) -> str:
    """Next free address of the subnet; Azure reserves the first four and the last."""
    subnet = az.require(subnet_id, "subnet.id", Subnet.arm_type)
    network = ipaddress.ip_network(subnet.inputs["addressPrefix"])
    used: set[str] = set()
    for nic in az.of_type(NetworkInterface.arm_type):
        if nic.id.lower() == nic_id.lower():
            continue
        for config in nic.outputs.get("ipConfigurations", []):
            if str(dig(config, "subnet.id", "")).lower() == subnet_id.lower():
                used.add(config.get("privateIPAddress", ""))
    # hosts() already skips the network and broadcast addresses; Azure also keeps .1-.3.
    skip = az.allocation_skip  # a plan in parts: the parts before this one took these addresses
    for host in itertools.islice(network.hosts(), 3, None):
        if str(host) not in used:
            if skip == 0:
                return str(host)
            skip -= 1
    raise errors.subnet_is_full(
        f"Subnet {subnet.name} with address prefix {network} does not have enough capacity for 1 IP address.",
        "ipConfigurations",
    )


TYPES: list[ResourceType] = [
    VirtualNetwork(),
    Subnet(),
    NetworkSecurityGroup(),
    PublicIPAddress(),
    NetworkInterface(),
    BastionHost(),
]
