"""Managed disk SKUs: size limits, billing tiers, caching and resize rules.

Sources: Microsoft Learn, 'Azure managed disk types' (maximum sizes, which SKUs
can be OS disks) and 'Understand Azure Disk Storage billing' (Premium SSD,
Standard SSD and Standard HDD disks are billed by the tier their size rounds up
to: a 150 GiB Premium SSD is billed as a P15, 256 GiB; Premium SSD v2 is billed
per GiB); 'Expand virtual hard disks' (a disk can grow, never shrink);
'Virtual machine and disk performance' / managed disks FAQ (host caching is not
supported on disks of 4 TiB and larger).
"""

from __future__ import annotations

from dataclasses import dataclass

DISKS_SOURCE = "Microsoft Learn, 'Azure managed disk types'"
BILLING_SOURCE = "Microsoft Learn, 'Understand Azure Disk Storage billing' (billed by the tier the size rounds up to)"
CACHING_SOURCE = "Microsoft Learn, managed disks FAQ: host caching is not supported for disks of 4 TiB and larger"
RESIZE_SOURCE = "Microsoft Learn, 'Expand virtual hard disks attached to a VM' (disks can only grow)"
OS_DISK_SOURCE = (
    "Microsoft Learn, 'Azure managed disk types' (Ultra Disks and Premium SSD v2 are data disks only) and "
    "'Expand virtual hard disks on a Linux VM' (an OS disk grows only while its VM is deallocated; the "
    "expansion without downtime is for data disks)"
)
SKU_CHANGE_SOURCE = (
    "Microsoft Learn, 'Change the disk type of an Azure managed disk' (a disk's type changes only while it is "
    "unattached or its VM deallocated)"
)
ZRS_SOURCE = (
    "Microsoft Learn, 'Deploy a ZRS managed disk' (ZRS for Premium SSD and Standard SSD only; available in the "
    "regions with availability zones)"
)

# Host caching (ReadOnly/ReadWrite) only below this size; 'None' above.
MAX_CACHED_DISK_GIB = 4095
# The largest managed OS disk Azure creates (OS_DISK_SOURCE; the Compute REST reference's OSDisk.diskSizeGB and
# the 4,095 GiB the platform accepts). A Generation 1 VM boots from MBR and uses at most 2 TiB of it.
MAX_OS_DISK_GIB = 4095
MBR_USABLE_GIB = 2048
# SKUs Azure refuses as an OS disk, and why (OS_DISK_SOURCE).
NOT_OS_DISK_SKUS: dict[str, str] = {
    "PremiumV2_LRS": "Premium SSD v2 can only be a data disk",
    "UltraSSD_LRS": "Ultra Disks can only be data disks",
}

_P = (
    ("P1", 4),
    ("P2", 8),
    ("P3", 16),
    ("P4", 32),
    ("P6", 64),
    ("P10", 128),
    ("P15", 256),
    ("P20", 512),
    ("P30", 1024),
    ("P40", 2048),
    ("P50", 4096),
    ("P60", 8192),
    ("P70", 16384),
    ("P80", 32767),
)
_E = (
    ("E1", 4),
    ("E2", 8),
    ("E3", 16),
    ("E4", 32),
    ("E6", 64),
    ("E10", 128),
    ("E15", 256),
    ("E20", 512),
    ("E30", 1024),
    ("E40", 2048),
    ("E50", 4096),
    ("E60", 8192),
    ("E70", 16384),
    ("E80", 32767),
)
_S = (("S4", 32), ("S6", 64), ("S10", 128), ("S15", 256), ("S20", 512), ("S30", 1024), ("S40", 2048),
      ("S50", 4096), ("S60", 8192), ("S70", 16384), ("S80", 32767))  # fmt: skip


@dataclass(frozen=True)
class DiskSku:
    """A managed disk SKU: size limits (GiB) and its billing tiers (name, size GiB), smallest first.

    ``tiers`` empty means billed per provisioned GiB (Premium SSD v2).
    """

    name: str
    min_gib: int
    max_gib: int
    tiers: tuple[tuple[str, int], ...]
    os_disk: bool = True
    source: str = DISKS_SOURCE

    @property
    def premium(self) -> bool:
        """Premium SSD (v1, LRS or ZRS; v2): needs a VM size with premium storage."""
        return self.name.startswith("Premium")

    @property
    def zone_redundant(self) -> bool:
        """ZRS: only in regions with availability zones (ZRS_SOURCE)."""
        return self.name.endswith("_ZRS")

    @property
    def tier_family(self) -> str:
        """What the SKU is called on the pricing pages: Premium SSD, Standard SSD, Standard HDD."""
        if self.name.startswith("PremiumV2"):
            return "Premium SSD v2"
        return {"Premium": "Premium SSD", "StandardSSD": "Standard SSD"}.get(self.name.split("_")[0], "Standard HDD")

    def billed_tier(self, size_gib: float) -> tuple[str, int] | None:
        """The tier a disk of ``size_gib`` is billed as (rounded up), or None when billed per GiB."""
        if not self.tiers:
            return None
        for tier in self.tiers:
            if size_gib <= tier[1]:
                return tier
        raise ValueError(f"{size_gib:g} GiB is above the largest {self.name} tier ({self.tiers[-1][1]} GiB)")


DISK_SKUS: dict[str, DiskSku] = {
    d.name: d
    for d in [
        DiskSku("Standard_LRS", 1, 32767, _S),
        DiskSku("StandardSSD_LRS", 1, 32767, _E),
        DiskSku("StandardSSD_ZRS", 1, 32767, _E),
        DiskSku("Premium_LRS", 4, 32767, _P),
        DiskSku("Premium_ZRS", 4, 32767, _P),
        DiskSku("PremiumV2_LRS", 1, 65536, (), os_disk=False),
    ]
}

# Storage account SKUs accepted for kind StorageV2 (Microsoft Learn, 'Storage account overview').
STORAGE_SKUS = frozenset(
    {"Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_RAGRS", "Standard_GZRS", "Standard_RAGZRS"}
)


def lrs_sibling(sku: str) -> str:
    """The locally redundant SKU of a ZRS one (``Premium_ZRS`` -> ``Premium_LRS``); other SKUs unchanged."""
    return sku[: -len("_ZRS")] + "_LRS" if sku.endswith("_ZRS") else sku


def os_disk_problem(sku: str) -> str | None:
    """Why Azure refuses ``sku`` as an OS disk, or None (OS_DISK_SOURCE)."""
    if sku in NOT_OS_DISK_SKUS:
        return NOT_OS_DISK_SKUS[sku]
    if sku not in DISK_SKUS or not DISK_SKUS[sku].os_disk:
        return f"'{sku}' is not a managed disk SKU an OS disk can have"
    return None


def zrs_problem(sku: str, location: str) -> str | None:
    """Why a ZRS disk cannot be created in ``location`` (a region without availability zones), or None."""
    from azurefacts.regions import has_zones

    if not sku.endswith("_ZRS") or has_zones(location):
        return None
    return (
        f"{sku} (zone-redundant) is offered only in regions with availability zones, and {location} has none "
        "(or is not in azurefacts/regions.py)"
    )


def caching_allowed(size_gib: int) -> bool:
    """Whether a disk of this size may use host caching (CACHING_SOURCE)."""
    return size_gib <= MAX_CACHED_DISK_GIB
