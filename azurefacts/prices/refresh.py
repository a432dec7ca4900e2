"""Rebuild the price snapshot from the public Azure Retail Prices API (standard library only).

One query per region and service, ``$filter`` on ``serviceName``, ``armRegionName``,
``priceType eq 'Consumption'`` (and ``productName`` where a service mixes products),
every ``NextPageLink`` followed. Only the first tier (``tierMinimumUnits`` 0) of an
item counts, its ``retailPrice`` in USD. The items map to snapshot schema 1:

- ``vm``: per ``armSkuName`` of ``azurefacts.sizes``, unit '1 Hour': ``linux`` from a
  productName without 'Windows', ``windows`` from one ending 'Windows', and
  ``spot_linux``/``spot_windows`` from a skuName ending 'Spot' (the pricers use
  them for Spot VMs instead of ``SPOT_ASSUMED_FRACTION``); 'Low Priority' is skipped;
- ``disk``: per SKU of ``azurefacts.disks``, meter '<tier> <LRS|ZRS> Disk' per
  month; Premium SSD v2 'Premium LRS Provisioned Capacity', per GiB-hour x 730;
- ``public_ip``: 'Standard IPv4 Static Public IP' per hour;
- ``bastion``: '<SKU> Gateway' per hour, ``scale_unit`` = 'Standard Additional Gateway',
  ``premium_scale_unit`` = 'Premium Additional Gateway' (optional: the pricers fall back to Standard's);
- ``blob_hot``: per storage SKU, 'Hot <redundancy> Data Stored' of General Block
  Blob v2, per GB-month;
- ``snapshot``: ``Incremental``, 'LRS Snapshot' of Standard HDD Managed Disks per GB-month (meter name not
  confirmed; not required).

What the API does not return is reported, never invented. When several items
answer one price, the primary meter region's newest one counts; two prices left
make it ambiguous (reported, not written).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from azurefacts.disks import DISK_SKUS, STORAGE_SKUS, DiskSku
from azurefacts.prices import REFERENCE_REGION, SCHEMA
from azurefacts.sizes import VM_SIZES

API_URL = "https://prices.azure.com/api/retail/prices"
API_VERSION = "2023-01-01-preview"
CURRENCY = "USD"
HOURS_PER_MONTH = 730  # Azure's billing month, 8,760 h / 12 (as costs.hours; azurefacts imports nothing above it)
MAX_PAGES = 1000
HOUR = frozenset({"1 Hour"})
MONTH = frozenset({"1/Month", "1 Month"})
SECTION_FILE = {"vm": "vm.json", "disk": "services.json", "public_ip": "services.json", "bastion": "services.json",
                "blob_hot": "services.json", "snapshot": "services.json"}  # fmt: skip
VM_SERVICE = "Virtual Machines"
DISK_PRODUCTS = {"Premium": "Premium SSD Managed Disks", "StandardSSD": "Standard SSD Managed Disks",
                 "Standard": "Standard HDD Managed Disks"}  # fmt: skip
BASTION_METERS = {"Basic": "Basic Gateway", "Standard": "Standard Gateway", "Premium": "Premium Gateway",
                  "scale_unit": "Standard Additional Gateway"}  # fmt: skip
PREMIUM_SCALE_UNIT = ("premium_scale_unit", "Premium Additional Gateway")  # optional
BLOB_REDUNDANCY = {"Standard_LRS": "LRS", "Standard_ZRS": "ZRS", "Standard_GRS": "GRS", "Standard_RAGRS": "RA-GRS",
                   "Standard_GZRS": "GZRS", "Standard_RAGZRS": "RA-GZRS"}  # fmt: skip

Key = tuple[str, ...]  # (section, key) or (section, key, item)
Getter = Callable[[str], dict[str, Any]]


class RefreshError(RuntimeError):
    """The API could not be read, or answered something that is not a price page."""


@dataclass(frozen=True)
class Meter:
    """Where one snapshot price comes from: the API item it is read off and how it converts."""

    key: Key
    service: str
    product: str | None  # None: any product of the service (VMs: matched by armSkuName)
    meter: str | None = None
    sku: str | None = None
    units: frozenset[str] = HOUR
    factor: float = 1.0  # API price x factor = snapshot price
    required: bool = True  # False: the pricers manage without it


def vm_meters(sizes: Iterable[str]) -> list[Meter]:
    kinds = (("linux", True), ("windows", True), ("spot_linux", False), ("spot_windows", False))
    return [Meter(("vm", size, kind), VM_SERVICE, None, required=req) for size in sizes for kind, req in kinds]


def _known(table: Mapping[str, str], key: str, what: str) -> str:
    if key not in table:
        raise ValueError(f"{what} of azurefacts has no Retail Prices API mapping in azurefacts.prices.refresh")
    return table[key]


def disk_meters(skus: Iterable[DiskSku]) -> list[Meter]:
    found = []
    for sku in skus:
        family, redundancy = sku.name.split("_", 1)
        if not sku.tiers:  # Premium SSD v2: per provisioned GiB, priced per GiB-hour
            meter = f"{family.removesuffix('V2')} {redundancy} Provisioned Capacity"
            found.append(Meter(("disk", sku.name, "GiB"), "Storage", "Azure Premium SSD v2", meter,
                               f"Premium {redundancy}", frozenset({"1 GiB/Hour"}), HOURS_PER_MONTH))  # fmt: skip
            continue
        product = _known(DISK_PRODUCTS, family, f"disk SKU {sku.name}")
        for tier, _gib in sku.tiers:
            found.append(Meter(("disk", sku.name, tier), "Storage", product, f"{tier} {redundancy} Disk",
                               f"{tier} {redundancy}", MONTH))  # fmt: skip
    return found


def service_meters(storage_skus: Iterable[str]) -> list[Meter]:
    found = [Meter(("public_ip", "Standard"), "Virtual Network", "IP Addresses", "Standard IPv4 Static Public IP",
                   "Standard")]  # fmt: skip
    for sku, meter in BASTION_METERS.items():
        found.append(Meter(("bastion", sku), "Azure Bastion", None, meter, None))
    # Incremental snapshots (the disk backups' recovery points) are Standard HDD storage per GiB-month; LRS and ZRS
    # cost the same (Microsoft Learn, 'Overview of Azure Disk Backup', Pricing). The meter name is not confirmed, so
    # it is not required: without it the backups' cost lines say their price is missing (costs/backups.py).
    found.append(Meter(("snapshot", "Incremental"), "Storage", "Standard HDD Managed Disks", "LRS Snapshot",
                       None, frozenset({"1 GB/Month", "1 GiB/Month"}), required=False))  # fmt: skip
    found.append(Meter(("bastion", PREMIUM_SCALE_UNIT[0]), "Azure Bastion", None, PREMIUM_SCALE_UNIT[1], None,
                       required=False))  # fmt: skip
    for sku in sorted(storage_skus):
        red = _known(BLOB_REDUNDANCY, sku, f"storage SKU {sku}")
        found.append(Meter(("blob_hot", sku), "Storage", "General Block Blob v2", f"Hot {red} Data Stored",
                           f"Hot {red}", frozenset({"1 GB/Month"})))  # fmt: skip
    return found


def all_meters(
    sizes: Iterable[str] | None = None,
    disks: Iterable[DiskSku] | None = None,
    storage: Iterable[str] | None = None,
) -> list[Meter]:
    """Every price the snapshot holds per region: by default the facts' sizes, disk and storage SKUs."""
    return [
        *vm_meters(sorted(VM_SIZES) if sizes is None else sizes),
        *disk_meters(DISK_SKUS.values() if disks is None else disks),
        *service_meters(STORAGE_SKUS if storage is None else storage),
    ]


def query_filter(region: str, service: str, product: str | None) -> str:
    parts = [f"serviceName eq '{service}'", f"armRegionName eq '{region}'", "priceType eq 'Consumption'"]
    if product:
        parts.append(f"productName eq '{product}'")
    return " and ".join(parts)


def query_url(base_url: str, odata_filter: str) -> str:
    return f"{base_url}?api-version={API_VERSION}&$filter={urllib.parse.quote(odata_filter)}"


def queries(meters: Iterable[Meter]) -> list[tuple[str, str | None]]:
    """The (service, product) pairs to ask for, VMs first."""
    return sorted({(m.service, m.product) for m in meters}, key=lambda q: (q[0] != VM_SERVICE, q[0], q[1] or ""))


def http_get_json(url: str, timeout: float = 60, tries: int = 4) -> dict[str, Any]:
    """GET ``url`` as JSON, retrying throttling (429), server errors and dropped connections."""
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "dsvm-price-refresh"})
    for attempt in range(tries):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                data = json.loads(response.read().decode("utf-8"))
            if not isinstance(data, dict):
                raise RefreshError(f"{url}: the answer is not a JSON object")
            return data
        except urllib.error.HTTPError as error:
            if (error.code != 429 and error.code < 500) or attempt == tries - 1:
                raise RefreshError(f"{url}: HTTP {error.code} {error.reason}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            if attempt == tries - 1:
                raise RefreshError(f"{url}: {getattr(error, 'reason', error)}") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise RefreshError(f"{url}: the answer is not JSON ({error})") from None
        time.sleep(2**attempt)
    raise RefreshError(f"{url}: no answer")  # pragma: no cover - the loop returns or raises


def fetch_items(first_url: str, get: Getter = http_get_json) -> list[dict[str, Any]]:
    """Every item of a query, following ``NextPageLink`` to the last page."""
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    url: str | None = first_url
    while url:
        if url in seen:
            raise RefreshError(f"{url}: NextPageLink points back to a page already read")
        if len(seen) >= MAX_PAGES:
            raise RefreshError(f"{first_url}: more than {MAX_PAGES} pages")
        seen.add(url)
        page = get(url)
        if not isinstance(page.get("Items"), list):
            raise RefreshError(f"{url}: no 'Items' list in the answer")
        items.extend(i for i in page["Items"] if isinstance(i, dict))
        link = page.get("NextPageLink")
        url = link if isinstance(link, str) and link else None
    return items


def vm_kind(item: Mapping[str, Any]) -> str | None:
    """``linux``, ``windows``, ``spot_linux`` or ``spot_windows`` for a VM item; None for what is skipped."""
    sku, product = str(item.get("skuName", "")), str(item.get("productName", ""))
    if "Low Priority" in sku:
        return None
    if "Windows" in product and not product.endswith("Windows"):
        return None  # not a plain Windows licence-included price
    system = "windows" if product.endswith("Windows") else "linux"
    return f"spot_{system}" if sku.split()[-1:] == ["Spot"] else system


@dataclass
class Refresh:
    """The refreshed files, and what the API did not answer."""

    regions: list[str]
    files: dict[str, dict[str, Any]]
    missing: list[tuple[str, Key, bool]] = field(default_factory=list)  # (region, key, required)
    notes: list[str] = field(default_factory=list)

    def blocking(self) -> list[tuple[str, Key, bool]]:
        """Required prices missing in the reference region: estimates could not fall back anywhere."""
        return [m for m in self.missing if m[0] == REFERENCE_REGION and m[2]]


def _pick(label: str, candidates: list[dict[str, Any]], notes: list[str]) -> float | None:
    primary = [c for c in candidates if c.get("isPrimaryMeterRegion", True) is not False] or candidates
    newest = max(str(c.get("effectiveStartDate", "")) for c in primary)
    prices = sorted({float(c["retailPrice"]) for c in primary if str(c.get("effectiveStartDate", "")) == newest})
    if len(prices) > 1:
        notes.append(f"{label}: ambiguous, the API has {len(prices)} prices {prices}; not written")
        return None
    return prices[0]


def _first_tier(item: Mapping[str, Any]) -> bool:
    tier = item.get("tierMinimumUnits", 0)
    return tier is None or (isinstance(tier, int | float) and tier == 0)


def _matches(meter: Meter, item: Mapping[str, Any]) -> bool:
    """Whether a non-VM item is this meter's (VMs are matched by armSkuName and ``vm_kind``)."""
    return (
        item.get("serviceName") == meter.service
        and (meter.product is None or item.get("productName") == meter.product)
        and item.get("meterName") == meter.meter
        and (meter.sku is None or item.get("skuName") == meter.sku)
    )


def map_items(region: str, meters: list[Meter], items: Iterable[dict[str, Any]], notes: list[str]) -> dict[Key, float]:
    """The snapshot prices of one region's items (first tier, Consumption, USD, the meter's unit)."""
    vm_index = {(m.key[1], m.key[2]): m for m in meters if m.service == VM_SERVICE}
    others = [m for m in meters if m.service != VM_SERVICE]
    candidates: dict[Key, list[dict[str, Any]]] = {}
    for item in items:
        if item.get("type", "Consumption") != "Consumption" or not _first_tier(item):
            continue
        if not isinstance(item.get("retailPrice"), int | float) or item.get("armRegionName", region) != region:
            continue
        if item.get("serviceName") == VM_SERVICE:
            found = vm_index.get((str(item.get("armSkuName")), vm_kind(item) or ""))
        else:
            found = next((m for m in others if _matches(m, item)), None)
        if found is None:
            continue
        label = f"{region}/{'/'.join(found.key)}"
        if item.get("currencyCode", CURRENCY) != CURRENCY:
            notes.append(f"{label}: currency {item.get('currencyCode')}, not {CURRENCY}; skipped")
        elif item.get("unitOfMeasure") not in found.units:
            notes.append(f"{label}: unit {item.get('unitOfMeasure')!r}, expected {sorted(found.units)}; skipped")
        else:
            candidates.setdefault(found.key, []).append(item)
    factors = {m.key: m.factor for m in meters}
    prices: dict[Key, float] = {}
    for key, found_items in candidates.items():
        price = _pick(f"{region}/{'/'.join(key)}", found_items, notes)
        if price is not None:
            prices[key] = price if factors[key] == 1 else round(price * factors[key], 6)
    return prices


def _nest(prices: Mapping[Key, float]) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    for key, price in sorted(prices.items()):
        node = sections.setdefault(key[0], {})
        for part in key[1:-1]:
            node = node.setdefault(part, {})
        node[key[-1]] = price
    return sections


def sources(base_url: str, regions: list[str], meters: list[Meter]) -> dict[str, str]:
    """Each file's ``source``: the API URL, the query and how items were read."""
    where = f"regions {', '.join(regions)}, every NextPageLink followed, first tier (tierMinimumUnits 0) retailPrice"
    url = f"Azure Retail Prices API: GET {base_url}?api-version={API_VERSION}&$filter="
    vm = (f"{url}\"{query_filter('<region>', VM_SERVICE, None)}\" ({where}): per armSkuName, '1 Hour'; linux = "
          "productName without 'Windows', windows = productName ending 'Windows', spot_* = skuName ending 'Spot'; "
          "'Low Priority' skipped")  # fmt: skip
    services = sorted({(m.service, m.product or "") for m in meters if m.service != VM_SERVICE})
    asked = "; ".join(f"{s} / {p}" if p else s for s, p in services)
    svc = (
        f'{url}"{query_filter("<region>", "<service>", "<product>")}" (no productName for Azure Bastion) for '
        f"{asked} ({where}): disks "
        "'<tier> <LRS|ZRS> Disk' per month, Premium SSD v2 'Premium LRS Provisioned Capacity' per GiB-hour x "
        f"{HOURS_PER_MONTH}; 'Standard IPv4 Static Public IP' per hour; Bastion '<SKU> Gateway' per hour, "
        "scale_unit 'Standard Additional Gateway', premium_scale_unit 'Premium Additional Gateway'; blob_hot 'Hot "
        "<redundancy> Data Stored' per GB-month"
    )
    return {"vm.json": vm, "services.json": svc}


def refresh(
    regions: Iterable[str],
    *,
    today: date,
    base_url: str = API_URL,
    meters: list[Meter] | None = None,
    get: Getter = http_get_json,
    progress: Callable[[str], None] | None = None,
) -> Refresh:
    """Query the API for ``regions`` (reference region first) and build the snapshot files."""
    asked = list(dict.fromkeys([REFERENCE_REGION, *regions]))
    meters = all_meters() if meters is None else meters
    notes: list[str] = []
    files: dict[str, dict[str, Any]] = {}
    for name, text in sources(base_url, asked, meters).items():
        files[name] = {"schema": SCHEMA, "currency": CURRENCY, "read_on": today.isoformat(), "source": text,
                       "confirmed": True, "regions": {}}  # fmt: skip
    result = Refresh(asked, files, notes=notes)
    for region in asked:
        prices: dict[Key, float] = {}
        for service, product in queries(meters):
            wanted = [m for m in meters if (m.service, m.product) == (service, product)]
            url = query_url(base_url, query_filter(region, service, product))
            if progress:
                progress(f"{region}: {service}{' / ' + product if product else ''}")
            items = fetch_items(url, get)
            prices.update(map_items(region, wanted, items, notes))
        result.missing.extend((region, m.key, m.required) for m in meters if m.key not in prices)
        for section, content in _nest(prices).items():
            files[SECTION_FILE[section]]["regions"].setdefault(region, {})[section] = content
    return result


def render(data: Mapping[str, Any]) -> str:
    """A snapshot file as shipped: sorted keys, one-space indent, a final newline."""
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def write_snapshot(directory: Path, files: Mapping[str, Mapping[str, Any]]) -> None:
    """Write each file atomically (a temporary file in ``directory``, then a rename over the old one)."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[tuple[Path, Path]] = []
    try:
        for name, data in files.items():
            handle, temp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=directory)
            temp = Path(temp_name)
            written.append((temp, directory / name))
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(render(data))
                out.flush()
                os.fsync(out.fileno())
            final = directory / name
            os.chmod(temp, final.stat().st_mode & 0o777 if final.exists() else 0o644)
        for temp, final in written:
            os.replace(temp, final)
    finally:
        for temp, _ in written:
            temp.unlink(missing_ok=True)
