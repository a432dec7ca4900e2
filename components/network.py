"""Network: the stack's VNet, workstation subnet, NSG and (optionally) Bastion."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.network as network

from azurefacts.bastion import PLATFORM_IP
from components.common import child_opts, standard_public_ip
from components.types import AccessPolicy

DENY_ALL_PRIORITY = 4096
STORAGE_SERVICE_ENDPOINT = "Microsoft.Storage"


@dataclass(frozen=True)
class NetworkArgs:
    """Inputs of ``Network``."""

    resource_group_name: pulumi.Input[str]
    location: str
    access: AccessPolicy
    address_space: str
    workstation_subnet: str
    bastion_subnet: str
    windows: bool
    rstudio_enabled: bool = False
    tags: Mapping[str, str] = field(default_factory=dict)
    # Azure services that must reach the VMs over SSH, by service tag (AzureML attaches a VM over SSH from
    # `AzureMachineLearning`: Microsoft Learn, 'Use Azure Machine Learning with a firewall / network isolation').
    ssh_service_tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class InboundRule:
    """One inbound NSG allow rule."""

    name: str
    port: int
    priority: int
    sources: tuple[str, ...]


def allowed_sources(args: NetworkArgs) -> tuple[str, ...]:
    """Who may come in: the allowlist, the Bastion subnet (a Developer Bastion: Azure's platform address, where
    its shared pool connects from), or the VNet itself."""
    if args.access.mode == "allowlist":
        return tuple(args.access.allowed_cidrs)
    if args.access.shared_pool:
        return (PLATFORM_IP,)
    if args.access.mode == "bastion":
        return (args.access.existing_bastion_subnet or args.bastion_subnet,)
    return (args.address_space,)


def inbound_rules(args: NetworkArgs) -> list[InboundRule]:
    """The only ports ever opened: RDP on Windows; SSH, JupyterHub and RStudio when enabled on Linux
    (JupyterHub ships on the Ubuntu DSVM only). A Developer Bastion carries SSH/RDP sessions only (no
    tunnels), so it gets nothing else."""
    if args.windows:
        return [InboundRule("allow-rdp-in", 3389, 100, allowed_sources(args))]
    ports: list[tuple[str, int]] = [("ssh", 22)]
    if not args.access.shared_pool:
        ports.append(("jupyterhub", 8000))
    if args.rstudio_enabled and not args.access.shared_pool:
        ports.append(("rstudio", 8787))
    sources = allowed_sources(args)
    rules = [InboundRule(f"allow-{service}-in", port, 100 + 10 * i, sources) for i, (service, port) in enumerate(ports)]
    rules += [
        InboundRule(f"allow-{tag.lower()}-ssh-in", 22, 200 + 10 * i, (tag,))
        for i, tag in enumerate(args.ssh_service_tags)
    ]
    return rules


def _security_rules(args: NetworkArgs) -> Sequence[network.SecurityRuleArgs]:
    rules = [
        network.SecurityRuleArgs(
            name=rule.name,
            priority=rule.priority,
            direction="Inbound",
            access="Allow",
            protocol="Tcp",
            source_address_prefixes=list(rule.sources),
            source_port_range="*",
            destination_address_prefix=args.workstation_subnet,
            destination_port_range=str(rule.port),
            description=(
                f"{rule.name}: port {rule.port} from the {args.access.mode} sources only"
                if rule.sources == allowed_sources(args) else
                f"{rule.name}: port {rule.port} from the {', '.join(rule.sources)} service tag only"
            ),
        )
        for rule in inbound_rules(args)
    ]
    # Azure's default rules allow all VNet and load-balancer traffic; deny it explicitly so
    # only the rules above admit anything.
    rules.append(
        network.SecurityRuleArgs(
            name="deny-all-in",
            priority=DENY_ALL_PRIORITY,
            direction="Inbound",
            access="Deny",
            protocol="*",
            source_address_prefix="*",
            source_port_range="*",
            destination_address_prefix="*",
            destination_port_range="*",
            description="deny by default",
        )
    )
    return rules


class Network(pulumi.ComponentResource):
    """VNet + workstation subnet with a deny-by-default NSG; Azure Bastion in `bastion` mode (Basic, Standard
    or Premium in an ``AzureBastionSubnet`` with a Standard public IP; Developer in Azure's shared pool, tied to
    the VNet, with the NSG admitting SSH/RDP from ``168.63.129.16`` only).

    The workstation subnet has the ``Microsoft.Storage`` service endpoint: the stack's
    storage account denies all networks but this subnet (see ``Storage``).

    Subnets are standalone ``Subnet`` resources (never inline in the VNet: mixing
    both makes the two fight over the subnet list). The Bastion subnet waits for
    the workstation subnet because Azure serializes subnet operations on a VNet.
    """

    subnet_id: pulumi.Output[str]
    bastion_name: pulumi.Output[str] | None

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:Network", name, None, opts)
        tags = dict(args.tags)
        self.nsg = network.NetworkSecurityGroup(
            f"{name}-nsg",
            network_security_group_name=f"{name}-nsg",
            resource_group_name=args.resource_group_name,
            location=args.location,
            security_rules=_security_rules(args),
            tags=tags,
            opts=child_opts(self),
        )
        self.vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=f"{name}-vnet",
            resource_group_name=args.resource_group_name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[args.address_space]),
            tags=tags,
            opts=child_opts(self),
        )
        self.subnet = network.Subnet(
            f"{name}-snet",
            subnet_name="workstations",
            virtual_network_name=self.vnet.name,
            resource_group_name=args.resource_group_name,
            address_prefix=args.workstation_subnet,
            network_security_group=network.NetworkSecurityGroupArgs(id=self.nsg.id),
            # The storage account admits this subnet only (its network rules deny everything
            # else); Azure accepts such a rule only for a subnet with this endpoint.
            service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service=STORAGE_SERVICE_ENDPOINT)],
            opts=child_opts(self),
        )
        self.subnet_id = self.subnet.id
        self.bastion_name = None
        self.bastion_resource_group: pulumi.Input[str] | None = None
        self.bastion_subscription: str | None = None  # an existing (hub) Bastion's, often not the stack's
        self.bastion: network.BastionHost | None = None
        if args.access.mode == "bastion" and args.access.existing_bastion_id:
            parts = args.access.existing_bastion_id.split("/")
            self.bastion_name = pulumi.Output.from_input(parts[8])
            self.bastion_resource_group = parts[4]
            self.bastion_subscription = parts[2]
        elif args.access.mode == "bastion":
            self.bastion = self._bastion(name, args, tags)
            self.bastion_name = self.bastion.name
            self.bastion_resource_group = args.resource_group_name
        self.register_outputs({"vnet_id": self.vnet.id, "subnet_id": self.subnet_id, "nsg_id": self.nsg.id})

    def _bastion(self, name: str, args: NetworkArgs, tags: dict[str, str]) -> network.BastionHost:
        if args.access.shared_pool:
            # Developer: Azure's shared pool serves the VNet; no AzureBastionSubnet, no public IP, no tunnels.
            return network.BastionHost(
                f"{name}-bastion",
                bastion_host_name=f"{name}-bastion",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=network.SkuArgs(name=args.access.bastion_sku),
                virtual_network=network.SubResourceArgs(id=self.vnet.id),
                tags=tags,
                opts=child_opts(self, depends_on=[self.subnet]),
            )
        subnet = network.Subnet(
            f"{name}-bastion-snet",
            subnet_name="AzureBastionSubnet",  # the name Azure requires
            virtual_network_name=self.vnet.name,
            resource_group_name=args.resource_group_name,
            address_prefix=args.bastion_subnet,
            opts=child_opts(self, depends_on=[self.subnet]),
        )
        ip = standard_public_ip(f"{name}-bastion-pip", args.resource_group_name, args.location, tags, self)
        # Standard (default) and Premium: native-client tunnelling (`az network bastion ssh/rdp/tunnel`)
        # for SSH, RDP and the JupyterHub port; Basic: the Azure portal only.
        return network.BastionHost(
            f"{name}-bastion",
            bastion_host_name=f"{name}-bastion",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=network.SkuArgs(name=args.access.bastion_sku),
            # Tunnels (the native client, JupyterHub on localhost) exist on Standard and Premium only.
            enable_tunneling=args.access.native_client or None,
            scale_units=args.access.bastion_scale_units,
            ip_configurations=[
                network.BastionHostIPConfigurationArgs(
                    name="bastion-ipconfig",
                    subnet=network.SubResourceArgs(id=subnet.id),
                    public_ip_address=network.SubResourceArgs(id=ip.id),
                )
            ],
            tags=tags,
            opts=child_opts(self),
        )
