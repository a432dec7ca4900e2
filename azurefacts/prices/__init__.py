"""Unit prices as data: a dated snapshot per region, and where each figure came from.

The snapshot lives in ``snapshot/`` (``vm.json``: per size, Linux and Windows
per hour; ``services.json``: managed disks per tier-month, public IPs,
Bastion and its scale units per hour, hot blob storage per GiB-month). Each
file says its currency, the day it was read and its source. ``python -m
azurefacts.prices refresh`` rebuilds it from the public Azure Retail Prices API
for the sizes, disks and services in ``azurefacts`` and its regions; offline,
the shipped snapshot is used and every estimate says its date.

``PriceBook.price(region, section, key, item)`` answers a price for a region;
when the snapshot has none for that region, it answers the reference region's
and says so (``Price.fallback_from``): an estimate never prices another region
silently.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SNAPSHOT_DIR = Path(__file__).parent / "snapshot"
SNAPSHOT_FILES = ("vm.json", "services.json")
REFERENCE_REGION = "eastus"
SCHEMA = 1
# Spot prices move with demand (Microsoft quotes discounts "up to 90%"): where the snapshot has no Spot
# price for a size, estimates assume this fraction of the pay-as-you-go price. An assumption, said so.
SPOT_ASSUMED_FRACTION = 0.3


class PriceNotFoundError(LookupError):
    """The snapshot has no price for this item in any region."""


@dataclass(frozen=True)
class Price:
    """One unit price, the region it belongs to, and the region it was asked for when different."""

    amount: float
    region: str
    fallback_from: str | None = None

    def note(self, read_on: str) -> str:
        """How the estimate should qualify this figure."""
        if self.fallback_from:
            return f"no {self.fallback_from} price in the snapshot of {read_on}: {self.region} price used"
        return ""


@dataclass(frozen=True)
class PriceBook:
    """The merged snapshot files: currency, read dates, sources, per-region sections."""

    currency: str
    read_on: dict[str, str]  # file -> date read
    sources: dict[str, str]
    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    confirmed: bool = False

    @property
    def oldest_read_on(self) -> str:
        return min(self.read_on.values())

    def price(self, region: str, section: str, key: str, item: str | None = None) -> Price:
        """The price of ``section/key[/item]`` in ``region``, else in the reference region (said so)."""
        for where in (region, REFERENCE_REGION):
            node: Any = self.regions.get(where, {}).get(section, {}).get(key)
            if item is not None and isinstance(node, dict):
                node = node.get(item)
            if isinstance(node, int | float) and not isinstance(node, bool):
                return Price(float(node), where, None if where == region else region)
        what = "/".join(p for p in (section, key, item) if p)
        raise PriceNotFoundError(f"no price for {what} in {region} or {REFERENCE_REGION} in the price snapshot")

    def has(self, region: str, section: str, key: str) -> bool:
        return key in self.regions.get(region, {}).get(section, {})


def load(directory: Path = SNAPSHOT_DIR) -> PriceBook:
    """Read and merge the snapshot files of ``directory``."""
    currency = None
    read_on: dict[str, str] = {}
    sources: dict[str, str] = {}
    regions: dict[str, dict[str, Any]] = {}
    confirmed = True
    for name in SNAPSHOT_FILES:
        data = json.loads((directory / name).read_text())
        if data.get("schema") != SCHEMA:
            raise ValueError(f"{directory / name}: price snapshot schema {data.get('schema')} is not {SCHEMA}")
        if currency is not None and data["currency"] != currency:
            raise ValueError(f"{directory / name}: currency {data['currency']} differs from {currency}")
        currency = data["currency"]
        read_on[name] = data["read_on"]
        sources[name] = data["source"]
        confirmed = confirmed and bool(data.get("confirmed", False))
        for region, sections in data["regions"].items():
            regions.setdefault(region, {}).update(sections)
    return PriceBook(str(currency), read_on, sources, regions, confirmed)


@functools.lru_cache(maxsize=1)
def shipped() -> PriceBook:
    """The snapshot shipped with the package."""
    return load()
