"""What the emulator knows of Azure: regions, VM sizes, DSVM images, disk SKUs, quotas.

Every entry names its source. Facts were entered by hand from Microsoft Learn
pages (cited per table) and could not be re-checked online from the machine
this was written on; where no source confirmed a fact, the entry says
``confirmed=False`` and the emulator still enforces it, so a test documents the
assumption.

Fidelity gaps:
- Only the regions, sizes and images listed here exist; everything else is
  rejected the way Azure rejects an unknown one. Add entries rather than
  loosening checks.
- Size availability per region is a simplification of the Resource SKUs API
  (no zone restrictions, no per-subscription restrictions).
- Prices are list prices (pay-as-you-go, Linux unless stated) for the
  catalog's reference region; regional price differences are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PRICES_SOURCE = "Azure retail prices (prices.azure.com), pay-as-you-go, eastus, read 2026-11"

# Region name -> display name. Source: `az account list-locations` (Microsoft Learn,
# "Azure regions list"). Location strings are compared the way ARM does:
# case-insensitive, spaces ignored ("East US" == "eastus").
REGIONS: dict[str, str] = {
    "eastus": "East US",
    "eastus2": "East US 2",
    "westus2": "West US 2",
    "westus3": "West US 3",
    "centralus": "Central US",
    "southcentralus": "South Central US",
    "westeurope": "West Europe",
    "northeurope": "North Europe",
    "uksouth": "UK South",
    "swedencentral": "Sweden Central",
    "japaneast": "Japan East",
    "australiaeast": "Australia East",
}


def normalize_location(location: str) -> str:
    """ARM compares locations case-insensitively and ignores spaces."""
    return location.replace(" ", "").lower()


@dataclass(frozen=True)
class VmSize:
    """One VM size. ``family`` is the quota family name ARM's usages API reports."""

    name: str
    family: str
    vcpus: int
    memory_gib: float
    gpus: int
    hyperv_generations: tuple[int, ...]
    trusted_launch: bool
    encryption_at_host: bool
    price_per_hour: float
    regions: frozenset[str]
    source: str
    confirmed: bool = True

    @property
    def is_gpu(self) -> bool:
        return self.gpus > 0


_ALL = frozenset(REGIONS)
_GPU_T4 = frozenset(
    {"eastus", "eastus2", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth",
     "japaneast", "australiaeast"}
)
_GPU_V100 = frozenset({"eastus", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth"})
_GPU_A100 = frozenset({"eastus", "eastus2", "westus3", "southcentralus", "westeurope", "swedencentral"})
_GPU_A10 = frozenset({"eastus", "southcentralus", "westus3", "westeurope", "northeurope", "swedencentral"})

_LEARN_SIZES = "Microsoft Learn, 'Sizes for virtual machines in Azure' (series pages)"
_LEARN_TL = "Microsoft Learn, 'Trusted launch for Azure VMs' (supported sizes)"

VM_SIZES: dict[str, VmSize] = {
    s.name: s
    for s in [
        VmSize("Standard_B2s", "standardBSFamily", 2, 4, 0, (1, 2), True, True, 0.0416, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_B4ms", "standardBSFamily", 4, 16, 0, (1, 2), True, True, 0.166, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_D2s_v5", "standardDSv5Family", 2, 8, 0, (1, 2), True, True, 0.096, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_D4s_v5", "standardDSv5Family", 4, 16, 0, (1, 2), True, True, 0.192, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_D8s_v5", "standardDSv5Family", 8, 32, 0, (1, 2), True, True, 0.384, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_D16s_v5", "standardDSv5Family", 16, 64, 0, (1, 2), True, True, 0.768, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        VmSize("Standard_E8s_v5", "standardESv5Family", 8, 64, 0, (1, 2), True, True, 0.504, _ALL,
               f"{_LEARN_SIZES}; {_LEARN_TL}"),
        # Av2 is Generation 1 only and not in the Trusted Launch list: the size that
        # proves the Gen2 / Trusted Launch rejections.
        VmSize("Standard_A4_v2", "standardAv2Family", 4, 8, 0, (1,), False, False, 0.16, _ALL,
               f"{_LEARN_SIZES} (Av2: 'VM Generation Support: Generation 1')"),
        VmSize("Standard_NC4as_T4_v3", "Standard NCASv3_T4 Family", 4, 28, 1, (1, 2), True, True,
               0.526, _GPU_T4, f"{_LEARN_SIZES}; {_LEARN_TL}", confirmed=False),
        VmSize("Standard_NC8as_T4_v3", "Standard NCASv3_T4 Family", 8, 56, 1, (1, 2), True, True,
               0.752, _GPU_T4, f"{_LEARN_SIZES}; {_LEARN_TL}", confirmed=False),
        VmSize("Standard_NC6s_v3", "standardNCSv3Family", 6, 112, 1, (1, 2), False, False, 3.06,
               _GPU_V100, f"{_LEARN_SIZES} (NCv3 not in the Trusted Launch list)", confirmed=False),
        VmSize("Standard_NC24ads_A100_v4", "StandardNCADSA100v4Family", 24, 220, 1, (2,), False,
               True, 3.673, _GPU_A100, f"{_LEARN_SIZES} (NC A100 v4: Generation 2 only)",
               confirmed=False),
        VmSize("Standard_NV6ads_A10_v5", "StandardNVADSA10v5Family", 6, 55, 1, (1, 2), True, True,
               0.454, _GPU_A10, f"{_LEARN_SIZES}; {_LEARN_TL}", confirmed=False),
    ]
}

# Windows licence surcharge per vCPU-hour added to the Linux price (approximation of
# the retail price difference; the retail API lists Windows prices per size).
WINDOWS_LICENSE_PER_VCPU_HOUR = 0.046

DSVM_PUBLISHER = "microsoft-dsvm"


@dataclass(frozen=True)
class DsvmImage:
    """One DSVM marketplace image (publisher microsoft-dsvm)."""

    key: str
    os_type: str  # "Linux" | "Windows"
    offer: str
    sku: str
    hyperv_generation: int
    trusted_launch: bool
    versions: tuple[str, ...]
    os_disk_gib: int  # size of the OS disk the image ships (what a VM gets without osDisk.diskSizeGB)
    source: str
    confirmed: bool = True
    # The OS disk sizes were entered by hand (figures commonly given for the DSVM images) and
    # not checked against the marketplace listings' "OS disk size": they stay unconfirmed.
    os_disk_confirmed: bool = False


_DSVM_DOCS = "Microsoft Learn, 'Data Science Virtual Machine release notes' and the DSVM ARM quickstarts"
# OS disk sizes: the Ubuntu DSVM images ship a ~150 GiB OS disk (the preinstalled toolchains
# and CUDA); the Windows Server DSVM images the Windows default of 127 GiB.
_UBUNTU_OS_DISK_GIB = 150
_WINDOWS_OS_DISK_GIB = 127

DSVM_IMAGES: dict[str, DsvmImage] = {
    i.key: i
    for i in [
        DsvmImage("ubuntu-2204", "Linux", "ubuntu-2204", "2204-gen2", 2, True,
                  ("25.01.14", "25.05.20", "25.09.15"), _UBUNTU_OS_DISK_GIB, _DSVM_DOCS),
        DsvmImage("ubuntu-2004", "Linux", "ubuntu-2004", "2004-gen2", 2, True,
                  ("24.06.10", "25.01.14"), _UBUNTU_OS_DISK_GIB, _DSVM_DOCS, confirmed=False),
        DsvmImage("windows-2022", "Windows", "dsvm-win-2022", "winserver-2022", 2, True,
                  ("25.01.14", "25.05.20", "25.09.15"), _WINDOWS_OS_DISK_GIB, _DSVM_DOCS, confirmed=False),
        # The Windows Server 2019 DSVM is Generation 1 only: no Trusted Launch.
        DsvmImage("windows-2019", "Windows", "dsvm-win-2019", "server-2019", 1, False,
                  ("24.06.10", "25.01.14"), _WINDOWS_OS_DISK_GIB, _DSVM_DOCS),
    ]
}


def find_image(publisher: str, offer: str, sku: str) -> DsvmImage | None:
    """The DSVM image with this publisher/offer/sku (case-insensitive), if any."""
    if publisher.lower() != DSVM_PUBLISHER:
        return None
    for image in DSVM_IMAGES.values():
        if image.offer.lower() == offer.lower() and image.sku.lower() == sku.lower():
            return image
    return None


@dataclass(frozen=True)
class DiskSku:
    """A managed disk SKU with its size limits (GiB) and price per GiB-month."""

    name: str
    min_gib: int
    max_gib: int
    price_per_gib_month: float


# Source: Microsoft Learn, 'Azure managed disk types' (max sizes); prices approximate
# the per-tier prices divided by tier size (DISK_PRICES_SOURCE). Azure bills Standard HDD,
# Standard SSD and Premium SSD (v1) disks by tier, the size rounded up to the next tier
# (a 150 GiB Premium_LRS disk bills as a P15, 256 GiB); a per-GiB price does not model that.
DISK_PRICES_SOURCE = (
    "entered by hand from azure.microsoft.com/pricing/details/managed-disks (pay-as-you-go, eastus; "
    "tier price / tier size), not re-checked (noted 2026-11-23)"
)
DISK_SKUS: dict[str, DiskSku] = {
    d.name: d
    for d in [
        DiskSku("Standard_LRS", 1, 32767, 0.045),
        DiskSku("StandardSSD_LRS", 1, 32767, 0.075),
        DiskSku("StandardSSD_ZRS", 1, 32767, 0.094),
        DiskSku("Premium_LRS", 4, 32767, 0.135),
        DiskSku("Premium_ZRS", 4, 32767, 0.169),
        DiskSku("PremiumV2_LRS", 1, 65536, 0.082),
    ]
}

# Storage account SKUs accepted for kind StorageV2 (Microsoft Learn, 'Storage account overview').
STORAGE_SKUS = frozenset(
    {"Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS",
     "Standard_RAGZRS"}
)


@dataclass(frozen=True)
class UnitPrice:
    """One list price (USD) per ``unit`` ("hour" or "GiB-month"), with where it came from.

    ``confirmed=False``: entered by hand and not re-checked against the retail prices API
    (no network on the machine this was written on).
    """

    usd: float
    unit: str
    source: str
    confirmed: bool = False


# Prices for the cost estimate (dsvmctl/cost.py), all pay-as-you-go list prices for the
# catalog's reference region (eastus, like PRICES_SOURCE); regional differences, reservations,
# savings plans and Azure Hybrid Benefit are not modelled. Entered 2026-11-23.
PUBLIC_IP_PRICES_SOURCE = (
    "entered by hand from azure.microsoft.com/pricing/details/ip-addresses (eastus), 2026-11-23, not re-checked "
    "(Standard $0.005/h agrees with a third-party page, c3x.dev/resources/azure/azurerm_public_ip)"
)
BASTION_PRICES_SOURCE = (
    "entered by hand from azure.microsoft.com/pricing/details/azure-bastion (eastus), 2026-11-23, not re-checked "
    "(Basic ~$0.19/h agrees with a third-party page, getstratolens.com/footguns/idle-azure-bastion)"
)
BLOB_PRICES_SOURCE = (
    "entered by hand from azure.microsoft.com/pricing/details/storage/blobs (block blob, general purpose v2, "
    "hot tier, first 50 TB, eastus), 2026-11-23, not re-checked"
)

# Public IPv4 by SKU, per hour, billed whether attached or not. Basic is retired (the
# emulator refuses it), so it has no price.
PUBLIC_IP_PRICES: dict[str, UnitPrice] = {
    "Standard": UnitPrice(0.005, "hour", PUBLIC_IP_PRICES_SOURCE),
}

# Azure Bastion by SKU, per deployment-hour (billed from deployment to deletion, used or not).
# Standard's price includes its 2 base instances; each further scale unit costs
# BASTION_EXTRA_SCALE_UNIT. Outbound data transfer through Bastion is billed per GB and is not
# modelled. Developer is free (shared infrastructure). Premium is not priced here.
BASTION_PRICES: dict[str, UnitPrice] = {
    "Developer": UnitPrice(0.0, "hour", BASTION_PRICES_SOURCE),
    "Basic": UnitPrice(0.19, "hour", BASTION_PRICES_SOURCE),
    "Standard": UnitPrice(0.29, "hour", BASTION_PRICES_SOURCE),
}
BASTION_INCLUDED_SCALE_UNITS = 2
BASTION_EXTRA_SCALE_UNIT = UnitPrice(0.14, "hour", BASTION_PRICES_SOURCE)

# Blob storage (hot tier) by storage account SKU, per GiB-month of data stored. LRS is the
# page's figure; the others are approximations of the same page's redundancy columns.
# Transactions, geo-replication transfer, egress and soft-deleted data are not modelled;
# an ADLS Gen2 (hierarchical namespace) account is priced as flat blob storage.
BLOB_HOT_PRICES: dict[str, UnitPrice] = {
    "Standard_LRS": UnitPrice(0.0184, "GiB-month", BLOB_PRICES_SOURCE),
    "Standard_ZRS": UnitPrice(0.023, "GiB-month", "approximation; " + BLOB_PRICES_SOURCE),
    "Standard_GRS": UnitPrice(0.0368, "GiB-month", "approximation; " + BLOB_PRICES_SOURCE),
    "Standard_RAGRS": UnitPrice(0.046, "GiB-month", "approximation; " + BLOB_PRICES_SOURCE),
    "Standard_GZRS": UnitPrice(0.0414, "GiB-month", "approximation; " + BLOB_PRICES_SOURCE),
    "Standard_RAGZRS": UnitPrice(0.0518, "GiB-month", "approximation; " + BLOB_PRICES_SOURCE),
}
# The program cannot know how much data a team will store: the estimate assumes this much
# per storage account (an assumption, not a price; the cost line's note repeats it).
ASSUMED_BLOB_GIB = 100

# Built-in role definition GUIDs (Microsoft Learn, 'Azure built-in roles').
ROLE_DEFINITIONS: dict[str, str] = {
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "fb879df8-f326-4884-b1cf-06f3ad86be52": "Virtual Machine User Login",
    "1c0163c0-47e6-4577-8991-ea5c82e286e4": "Virtual Machine Administrator Login",
}

# Admin usernames Azure refuses (Microsoft Learn, 'FAQ for Linux/Windows VMs':
# "the following usernames are not allowed").
RESERVED_ADMIN_USERNAMES = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1",
        "1", "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david",
        "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0",
        "sys", "test2", "test3", "user4", "user5",
    }
)


@dataclass(frozen=True)
class QuotaProfile:
    """vCPU quotas of a subscription: per VM family and in total, per region."""

    name: str
    total_regional_vcpus: int
    family_vcpus: dict[str, int] = field(default_factory=dict)
    default_family_vcpus: int = 0
    description: str = ""

    def family_limit(self, family: str) -> int:
        return self.family_vcpus.get(family, self.default_family_vcpus)


_GPU_FAMILIES = {s.family for s in VM_SIZES.values() if s.is_gpu}

QUOTA_PROFILES: dict[str, QuotaProfile] = {
    # Free accounts: 4 regional vCPUs, no N-series (Microsoft Learn, 'Azure free account FAQ').
    "free": QuotaProfile(
        "free", 4, {f: 0 for f in _GPU_FAMILIES}, default_family_vcpus=4,
        description="Azure free account: 4 vCPUs per region, no GPU sizes",
    ),
    # Pay-as-you-go after typical quota requests: generous CPU, some GPU.
    "payg": QuotaProfile(
        "payg", 1500, {f: 48 for f in _GPU_FAMILIES}, default_family_vcpus=1200,
        description="pay-as-you-go subscription with raised quotas (default for offline plans)",
    ),
}

# Windows time zone ids accepted by DevTest Labs schedules (a subset of
# `tzutil /l`; Microsoft Learn, 'Default time zones').
WINDOWS_TIME_ZONES = frozenset(
    {
        "UTC", "Pacific Standard Time", "Mountain Standard Time", "Central Standard Time",
        "Eastern Standard Time", "GMT Standard Time", "W. Europe Standard Time",
        "Central Europe Standard Time", "Romance Standard Time", "E. Europe Standard Time",
        "FLE Standard Time", "India Standard Time", "China Standard Time", "Tokyo Standard Time",
        "Singapore Standard Time", "AUS Eastern Standard Time", "E. South America Standard Time",
    }
)
