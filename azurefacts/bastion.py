"""Azure Bastion SKUs: what each one allows, costs and needs, and where the Developer SKU is offered.

Sources: Microsoft Learn, 'Choose the right Azure Bastion SKU to meet your needs' (bastion-sku-comparison,
2025-11-24: the feature table, host scaling 2-50 instances on Standard and Premium, Basic's fixed 2,
Developer's shared pool with one VM connection at a time and no peering, "Connect to VMs using Azure CLI
(native client)" on Standard and Premium only, Developer free, no AzureBastionSubnet and no public IP for
Developer, upgrades only: "Downgrading a SKU isn't supported"); 'Quickstart: Deploy Azure Bastion -
Developer SKU' ("your NSG rules must allow traffic to ports 22 and 3389 from the private IP address
168.63.129.16"; the regions, see ``DEVELOPER_REGIONS``); 'Connect to a VM using Bastion and the native
client' (``az network bastion ssh|rdp|tunnel`` need Standard or Premium with tunneling enabled). The
Developer SKU's ARM shape: ``sku.name: Developer`` and ``virtualNetwork.id``, no ``ipConfigurations``
(the azure-native SDK documents ``virtualNetwork`` as "required for Developer Bastion Host only"; Azure
answers ``BastionHostVnetIdNotProvided`` without it, MicrosoftDocs/azure-docs #117532, and
``FeatureNotSupportedForDeveloperBastionSku`` to features it lacks, pulumi/pulumi-azure-native #4000).
"""

from __future__ import annotations

from dataclasses import dataclass

SKU_SOURCE = "Microsoft Learn, 'Choose the right Azure Bastion SKU to meet your needs'"
DEVELOPER_SOURCE = "Microsoft Learn, 'Quickstart: Deploy Azure Bastion - Developer SKU'"

# The address Azure's shared Developer pool connects from: the VM's NSG must admit SSH/RDP from it.
PLATFORM_IP = "168.63.129.16"
INCLUDED_SCALE_UNITS = 2  # Basic's fixed instances; Standard and Premium's included ones
MAX_SCALE_UNITS = 50
# Concurrent sessions one instance carries for medium workloads ('About Bastion configuration settings').
SESSIONS_PER_INSTANCE = {"rdp": 20, "ssh": 40}

# The regions the Developer SKU is offered in, as the quickstart's regions include lists them (dated
# 2023-10-26: the last list this project could read). Microsoft has offered it in more regions since (the
# SKU comparison page of 2025-11-24 points to the quickstart for "the current list"): a region outside this
# list is refused here although Azure may now accept it (unconfirmed); add it here with its source.
# centraluseuap and eastus2euap are Microsoft's canary regions.
DEVELOPER_REGIONS = frozenset(
    {"westcentralus", "northcentralus", "westus", "northeurope", "centraluseuap", "eastus2euap"}
)


@dataclass(frozen=True)
class BastionSku:
    """One Bastion SKU and what it allows (``SKU_SOURCE``)."""

    name: str
    rank: int  # upgrade order: a SKU may move up, never down
    billed: bool  # per deployment-hour (Developer: free)
    dedicated: bool  # own hosts in an AzureBastionSubnet with a Standard public IP (Developer: Azure's shared pool)
    native_client: bool  # az network bastion ssh/rdp/tunnel (with tunneling enabled)
    concurrent: bool  # more than one connection at a time
    peering: bool  # reaches VMs in peered VNets (a hub Bastion needs it)
    host_scaling: bool  # 2-50 scale units

    @property
    def portal_only(self) -> bool:
        """Members connect through the Azure portal only (no CLI, no tunnels: JupyterHub unreachable)."""
        return not self.native_client


BASTION_SKUS: dict[str, BastionSku] = {
    s.name: s
    for s in [
        BastionSku("Developer", 0, billed=False, dedicated=False, native_client=False, concurrent=False,
                   peering=False, host_scaling=False),
        BastionSku("Basic", 1, billed=True, dedicated=True, native_client=False, concurrent=True, peering=True,
                   host_scaling=False),
        BastionSku("Standard", 2, billed=True, dedicated=True, native_client=True, concurrent=True, peering=True,
                   host_scaling=True),
        BastionSku("Premium", 3, billed=True, dedicated=True, native_client=True, concurrent=True, peering=True,
                   host_scaling=True),
    ]
}  # fmt: skip


def developer_region_problem(location: str) -> str | None:
    """Why a Developer Bastion cannot be created in ``location``, or None (``DEVELOPER_REGIONS``)."""
    region = location.replace(" ", "").lower()
    if region in DEVELOPER_REGIONS:
        return None
    offered = ", ".join(sorted(DEVELOPER_REGIONS - {"centraluseuap", "eastus2euap"}))
    return f"the Developer SKU is not offered in {region} (it is in {offered}; {DEVELOPER_SOURCE})"


def sessions(sku: str, scale_units: int | None, windows: bool) -> int | None:
    """Concurrent sessions the Bastion carries (None: Developer's one connection at a time is no capacity)."""
    facts = BASTION_SKUS[sku]
    if not facts.dedicated:
        return None
    units = (scale_units or INCLUDED_SCALE_UNITS) if facts.host_scaling else INCLUDED_SCALE_UNITS
    return units * SESSIONS_PER_INSTANCE["rdp" if windows else "ssh"]


def portal_url(vm_id: str) -> str:
    """The Azure portal's Bastion page of a VM (its Operations > Bastion blade; the URL form is the portal's
    resource link, not a documented API)."""
    return f"https://portal.azure.com/#@/resource{vm_id}/bastionHost"
