"""Azure regions the facts cover, and which of them have availability zones.

Sources: region names and display names as ``az account list-locations`` prints
them (Microsoft Learn, 'Azure regions list'); zones from Microsoft Learn,
'Azure regions with availability zone support'. Location strings compare the
way ARM compares them: case-insensitive, spaces ignored ("East US" == "eastus").
"""

from __future__ import annotations

from dataclasses import dataclass

ZONES_SOURCE = "Microsoft Learn, 'Azure regions with availability zone support' (list of regions)"


@dataclass(frozen=True)
class Region:
    """One region: its ARM name, display name and whether it has availability zones."""

    name: str
    display_name: str
    availability_zones: bool
    source: str = ZONES_SOURCE


REGIONS: dict[str, Region] = {
    r.name: r
    for r in [
        Region("eastus", "East US", availability_zones=True),
        Region("eastus2", "East US 2", availability_zones=True),
        Region("westus2", "West US 2", availability_zones=True),
        Region("westus3", "West US 3", availability_zones=True),
        Region("centralus", "Central US", availability_zones=True),
        Region("southcentralus", "South Central US", availability_zones=True),
        Region("westcentralus", "West Central US", availability_zones=False),
        # Two of the Developer Bastion's regions (azurefacts/bastion.py), which the plan names as the way out
        # of a region without it: modelled so that way out plans (neither has availability zones).
        Region("westus", "West US", availability_zones=False),
        Region("northcentralus", "North Central US", availability_zones=False),
        Region("westeurope", "West Europe", availability_zones=True),
        Region("northeurope", "North Europe", availability_zones=True),
        Region("uksouth", "UK South", availability_zones=True),
        Region("ukwest", "UK West", availability_zones=False),
        Region("swedencentral", "Sweden Central", availability_zones=True),
        Region("japaneast", "Japan East", availability_zones=True),
        Region("australiaeast", "Australia East", availability_zones=True),
    ]
}

ZONES = ("1", "2", "3")  # the logical zones of a region that has them


def normalize_location(location: str) -> str:
    """ARM compares locations case-insensitively and ignores spaces."""
    return location.replace(" ", "").lower()


def has_zones(location: str) -> bool:
    """Whether the region offers availability zones (unknown regions: no)."""
    region = REGIONS.get(normalize_location(location))
    return bool(region and region.availability_zones)
