"""How Azure bills each resource type of a plan (one pricer per type).

- A VM bills per running hour at its size's price in its region: the Linux
  price, or the Windows price (licence included) on a Windows image, for the
  hours ``costs.hours`` expects (schedule, idle stop). Its OS disk, and any data
  disk created with it, bill always.
- Managed disks (Premium SSD, Standard SSD, Standard HDD) bill by the tier
  their size rounds up to (``azurefacts.disks``: 150 GiB Premium SSD = P15,
  256 GiB); Premium SSD v2 per provisioned GiB.
- Standard public IPs bill per hour, attached or not; Azure Bastion per
  deployment-hour by SKU, plus each scale unit beyond the included ones
  (Standard and Premium include 2; Premium's units at their own price where the
  snapshot has one); a Developer Bastion is free.
- A backup instance bills its disk's incremental snapshots (``costs.backups``, on an
  assumed fill and daily change); the Backup vault and its policy are free for disks.
- A storage account bills hot blob data per GiB-month on an assumed
  ``ASSUMED_BLOB_GIB`` stored (the plan cannot know how much a team stores).
- A Consumption Logic App (the patch start workflow) bills each trigger and action execution: one weekly run
  executes 2 + N (its VMs) of them (``azurefacts.logic_apps``, a price outside the snapshot).
- VNets, subnets, NSGs, NICs, schedules, role assignments and definitions, budgets,
  containers and the like cost nothing; non-Azure resources (components, random) have no line. An
  ``azure-native`` type with no rule here gets a zero line that says so.

Prices are looked up in the resource's region; when the snapshot has none for
that region the reference region's price is used and the line says so.
Unknown sizes, images or SKUs raise ``ValueError`` naming the resource.

Extending: a new billed type adds a pricer to ``PRICERS``; something billed per
running hour builds its line with ``compute_line`` and its own hours.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from azurefacts.bastion import BASTION_SKUS, INCLUDED_SCALE_UNITS, SKU_SOURCE
from azurefacts.disks import DISK_SKUS, lrs_sibling
from azurefacts.images import DsvmImage, find_image
from azurefacts.paths import get_path
from azurefacts.prices import SPOT_ASSUMED_FRACTION, Price, PriceNotFoundError
from azurefacts.regions import normalize_location
from azurefacts.resource_types import (
    AUTOSCALE_SETTING,
    BACKUP_INSTANCE,
    BACKUP_POLICY,
    BACKUP_VAULT,
    BASTION,
    BLOB_CONTAINER,
    BLOB_SERVICE,
    BUDGET,
    CONFIGURATION_ASSIGNMENT,
    DISK,
    LOGIC_WORKFLOW,
    MAINTENANCE_CONFIGURATION,
    NIC,
    NSG,
    PUBLIC_IP,
    RESOURCE_GROUP,
    ROLE_ASSIGNMENT,
    ROLE_DEFINITION,
    SCHEDULE,
    STORAGE_ACCOUNT,
    SUBNET,
    USER_ASSIGNED_IDENTITY,
    VM,
    VM_EXTENSION,
    VMSS,
    VNET,
)
from azurefacts.sizes import VM_SIZES
from costs.estimate import Context, Line
from costs.hours import HOURS_PER_MONTH, WEEKS_PER_MONTH, Hours, vm_billed_hours

Resource = Mapping[str, Any]
Pricer = Callable[[Resource, Context], list[Line]]

# The program cannot know how much data a team will store: the estimate assumes this much
# per storage account (an assumption, not a price; the cost line's note repeats it).
ASSUMED_BLOB_GIB = 100
# Azure Bastion Standard and Premium include 2 scale units (instances) in their hourly price.
BASTION_INCLUDED_SCALE_UNITS = INCLUDED_SCALE_UNITS

FREE_TYPES = frozenset(
    {RESOURCE_GROUP, VNET, SUBNET, NSG, NIC, SCHEDULE, ROLE_ASSIGNMENT, BLOB_SERVICE, BLOB_CONTAINER, VM_EXTENSION,
     USER_ASSIGNED_IDENTITY, ROLE_DEFINITION, BUDGET, BACKUP_VAULT, BACKUP_POLICY,
     # Update Manager costs nothing for Azure VMs ('Azure Update Manager FAQ', Pricing)
     MAINTENANCE_CONFIGURATION, CONFIGURATION_ASSIGNMENT}
)  # fmt: skip


def _label(resource: Resource) -> str:
    return f"{resource.get('name')} ({resource.get('type')})"


def region_of(resource: Resource) -> str:
    """The resource's region (inputs, else outputs), normalized as ARM compares it."""
    location = get_path(resource, "inputs.location") or get_path(resource, "outputs.location")
    if not isinstance(location, str) or not location:
        raise ValueError(f"{_label(resource)}: no location to price it in")
    return normalize_location(location)


def _price(context: Context, resource: Resource, section: str, key: str, item: str | None = None) -> Price:
    try:
        return context.prices.price(region_of(resource), section, key, item)
    except PriceNotFoundError as error:
        raise ValueError(f"{_label(resource)}: {error}") from None


def _with(note: str, price: Price, context: Context) -> str:
    fallback = price.note(context.prices.oldest_read_on)
    return f"{note}; {fallback}" if fallback else note


def vm_hourly_price(
    context: Context, resource: Resource, vm_size: object, image: DsvmImage, spot: bool = False
) -> tuple[Price, str]:
    """The size's hourly price in the resource's region: Linux, or Windows (licence included); for Spot,
    the snapshot's Spot price, else ``SPOT_ASSUMED_FRACTION`` of pay-as-you-go (said in the note)."""
    if str(vm_size) not in VM_SIZES:
        raise ValueError(f"{_label(resource)}: VM size '{vm_size}' is not in azurefacts.sizes")
    os_item = "windows" if image.is_windows else "linux"
    if spot:
        try:
            return context.prices.price(region_of(resource), "vm", str(vm_size), f"spot_{os_item}"), "Spot"
        except PriceNotFoundError:
            payg = _price(context, resource, "vm", str(vm_size), os_item)
            assumed = replace(payg, amount=payg.amount * SPOT_ASSUMED_FRACTION)
            note = f"Spot, assumed {SPOT_ASSUMED_FRACTION:.0%} of pay-as-you-go (no Spot price in the snapshot)"
            return assumed, note
    return _price(context, resource, "vm", str(vm_size), os_item), ""


def compute_line(
    context: Context,
    resource: Resource,
    vm_size: object,
    image: DsvmImage,
    hours: Hours,
    instances: int = 1,
    spot: bool = False,
) -> Line:
    """The line of something billed per running hour: ``instances`` VMs of one size and image."""
    price, kind = vm_hourly_price(context, resource, vm_size, image, spot)
    hourly = price.amount * instances
    count = f"{instances} x " if instances != 1 else ""
    licence = " (licence included)" if image.is_windows else ""
    spot_note = f" ({kind})" if kind else ""
    return Line(
        resource,
        f"{count}{vm_size} {image.os_type} {'Spot ' if spot else ''}VM",
        hourly * hours.expected,
        hourly * HOURS_PER_MONTH,
        _with(f"${hourly:g}/h{licence}{spot_note} in {price.region}; {hours.note}", price, context),
        scheduled_monthly=None if hours.scheduled is None else hourly * hours.scheduled,
        hours=hours,
    )


def _disk_tier_price(context: Context, resource: Resource, sku: str, tier: str) -> tuple[Price, str]:
    """A tier's monthly price; a ZRS tier the snapshot lacks is priced at its LRS sibling's, and said so."""
    if sku == lrs_sibling(sku):
        return _price(context, resource, "disk", sku, tier), ""
    try:
        return context.prices.price(region_of(resource), "disk", sku, tier), ""
    except PriceNotFoundError:
        price = _price(context, resource, "disk", lrs_sibling(sku), tier)
    return price, f" (assumed: no {sku} price in the snapshot, priced as {lrs_sibling(sku)}; ZRS costs more)"


def disk_line(context: Context, resource: Resource, item: str, size_gib: object, sku_name: object) -> Line:
    """A managed disk: always billed, by the tier its size rounds up to (or per GiB without tiers)."""
    sku = DISK_SKUS.get(str(sku_name))
    if sku is None:
        raise ValueError(f"{_label(resource)}: disk SKU '{sku_name}' is not in azurefacts.disks")
    if not isinstance(size_gib, int | float) or isinstance(size_gib, bool):
        raise ValueError(f"{_label(resource)}: disk size unknown ({size_gib!r})")
    tier = sku.billed_tier(size_gib)
    if tier is None:
        price = _price(context, resource, "disk", sku.name, "GiB")
        monthly = price.amount * size_gib
        note = f"always billed; ${price.amount:g}/GiB-month"
    else:
        price, assumed = _disk_tier_price(context, resource, sku.name, tier[0])
        monthly = price.amount
        rounded = f"{size_gib:g} GiB billed as {tier[0]} ({tier[1]} GiB)" if size_gib != tier[1] else tier[0]
        note = f"always billed; {rounded}, ${price.amount:g}/month{assumed}"
    return Line(resource, f"{size_gib:g} GiB {sku.name} {item}", monthly, monthly, _with(note, price, context))


def dsvm_image(resource: Resource, profile: str = "inputs") -> DsvmImage:
    """The DSVM image of a VM (or, with ``profile`` ``inputs.virtualMachineProfile``, a scale set)."""
    ref = get_path(resource, f"{profile}.storageProfile.imageReference", {})
    image = find_image(str(ref.get("publisher", "")), str(ref.get("offer", "")), str(ref.get("sku", "")))
    if image is None:
        raise ValueError(f"{_label(resource)}: image {ref} is not a DSVM image in azurefacts.images")
    return image


def price_vm(vm: Resource, context: Context) -> list[Line]:
    """The VM's compute (running hours), its OS disk and any data disk created with it.

    The OS disk is no resource of its own: its line carries the VM's urn, name and type.
    """
    image = dsvm_image(vm)
    hours = vm_billed_hours(vm, context.schedules)
    spot = get_path(vm, "inputs.priority") == "Spot"
    lines = [compute_line(context, vm, get_path(vm, "inputs.hardwareProfile.vmSize"), image, hours, spot=spot)]
    os_disk = get_path(vm, "inputs.storageProfile.osDisk", {})
    size = os_disk.get("diskSizeGB")
    sku = get_path(os_disk, "managedDisk.storageAccountType", "Premium_LRS")
    line = disk_line(context, vm, "OS disk", size if size is not None else image.os_disk_gib, sku)
    if size is None:
        unconfirmed = "" if image.os_disk_confirmed else ", unconfirmed"
        line = replace(line, note=f"{image.key} image default size{unconfirmed}; {line.note}")
    lines.append(line)
    for disk in get_path(vm, "inputs.storageProfile.dataDisks", []):
        if disk.get("createOption") != "Attach":  # attached disks are their own Disk resources
            sku = get_path(disk, "managedDisk.storageAccountType", "Premium_LRS")
            lines.append(disk_line(context, vm, f"data disk (lun {disk.get('lun')})", disk.get("diskSizeGB"), sku))
    return lines


def price_disk(disk: Resource, context: Context) -> list[Line]:
    """A managed disk resource (data disk): always billed."""
    sku = get_path(disk, "inputs.sku.name", "Standard_LRS")  # ARM's default SKU
    return [disk_line(context, disk, "disk", get_path(disk, "inputs.diskSizeGB"), sku)]


def price_workflow(workflow: Resource, context: Context) -> list[Line]:
    """A Consumption Logic App: its weekly run's executions (trigger, loop, one HTTP call per VM it starts)."""
    from azurefacts.logic_apps import ACTION_PRICE_USD, PRICE_SOURCE, executions_per_run

    runs = len(get_path(workflow, "inputs.definition.triggers") or {}) * WEEKS_PER_MONTH  # weekly triggers
    executions = runs * executions_per_run(len(get_path(workflow, "inputs.parameters.vmIds.value") or []))
    monthly = executions * ACTION_PRICE_USD
    note = f"{executions:.0f} executions/month (weekly run) x ${ACTION_PRICE_USD:.6f}; {PRICE_SOURCE}"
    return [Line(workflow, "Logic App executions", monthly, monthly, note)]


def _hourly_line(context: Context, resource: Resource, item: str, price: Price, hourly: float, note: str) -> Line:
    monthly = hourly * HOURS_PER_MONTH
    text = f"always billed; ${hourly:g}/h x {HOURS_PER_MONTH} h in {price.region}{note}"
    return Line(resource, item, monthly, monthly, _with(text, price, context))


def price_public_ip(ip: Resource, context: Context) -> list[Line]:
    """A public IPv4 address: per hour, attached or not."""
    sku = str(get_path(ip, "inputs.sku.name", "Basic"))  # ARM's default SKU
    price = _price(context, ip, "public_ip", sku)
    return [_hourly_line(context, ip, f"{sku} public IP", price, price.amount, "")]


def price_bastion(bastion: Resource, context: Context) -> list[Line]:
    """Azure Bastion: per deployment-hour by SKU, plus scale units beyond the included ones (Standard's price, and
    Premium's own where the snapshot has it); Developer is free (Azure's shared pool, ``azurefacts.bastion``)."""
    sku = str(get_path(bastion, "inputs.sku.name", "Basic"))  # ARM's default SKU
    facts = BASTION_SKUS.get(sku)
    if facts is None:
        raise ValueError(f"{_label(bastion)}: Bastion SKU '{sku}' is not in azurefacts.bastion")
    if not facts.billed:
        region = region_of(bastion)
        note = f"free: Azure's shared pool in {region}, one connection at a time ({SKU_SOURCE})"
        return [Line(bastion, f"{sku} Bastion", 0.0, 0.0, note)]
    price = _price(context, bastion, "bastion", sku)
    hourly = price.amount
    units = ""
    if facts.host_scaling:
        asked = int(get_path(bastion, "inputs.scaleUnits", BASTION_INCLUDED_SCALE_UNITS))
        extra = max(0, asked - BASTION_INCLUDED_SCALE_UNITS)
        if extra:
            unit, assumed = _scale_unit_price(context, bastion, sku)
            hourly += extra * unit.amount
            units = f", {extra} extra scale unit(s) at ${unit.amount:g}/h{assumed}"
    return [_hourly_line(context, bastion, f"{sku} Bastion{units}", price, hourly, "; outbound data not modelled")]


def _scale_unit_price(context: Context, bastion: Resource, sku: str) -> tuple[Price, str]:
    """One scale unit's hourly price: Premium's own ('Premium Additional Gateway') if the snapshot has it, else
    Standard's, said to be assumed."""
    if sku == "Premium":
        try:
            return context.prices.price(region_of(bastion), "bastion", "premium_scale_unit"), ""
        except PriceNotFoundError:
            unit = _price(context, bastion, "bastion", "scale_unit")
            return unit, " (assumed: Standard's scale unit price; no Premium one in the snapshot)"
    return _price(context, bastion, "bastion", "scale_unit"), ""


def price_storage_account(account: Resource, context: Context) -> list[Line]:
    """A storage account: hot blob storage on ``ASSUMED_BLOB_GIB`` stored (the plan cannot know)."""
    sku = str(get_path(account, "inputs.sku.name"))
    price = _price(context, account, "blob_hot", sku)
    tier = str(get_path(account, "inputs.accessTier", "Hot"))
    tier_note = "" if tier == "Hot" else f" (accessTier {tier} priced as Hot)"
    monthly = price.amount * ASSUMED_BLOB_GIB
    note = (
        f"always billed; assumes {ASSUMED_BLOB_GIB} GiB stored x ${price.amount:g}/GiB-month in {price.region}"
        f"{tier_note}; transactions and egress not modelled"
    )
    return [Line(account, f"{sku} storage account (hot blob)", monthly, monthly, _with(note, price, context))]


from costs.backups import price_backup_instance  # noqa: E402 - builds on the helpers above
from costs.scale_sets import price_autoscale, price_scale_set  # noqa: E402 - builds on the helpers above

PRICERS: dict[str, Pricer] = {
    VM: price_vm,
    VMSS: price_scale_set,
    AUTOSCALE_SETTING: price_autoscale,
    DISK: price_disk,
    PUBLIC_IP: price_public_ip,
    BASTION: price_bastion,
    STORAGE_ACCOUNT: price_storage_account,
    BACKUP_INSTANCE: price_backup_instance,
    LOGIC_WORKFLOW: price_workflow,
}


def lines_of(resource: Resource, context: Context) -> list[Line]:
    """The cost lines of one plan resource (none for free and non-Azure types)."""
    kind = str(resource.get("type", ""))
    pricer = PRICERS.get(kind)
    if pricer is not None:
        return pricer(resource, context)
    if kind in FREE_TYPES or not kind.startswith("azure-native:"):
        return []
    return [Line(resource, kind.rsplit(":", 1)[-1], 0.0, 0.0, "not priced: no cost rule for this type")]
