"""The monthly cost estimate of a plan's resources (USD, pay-as-you-go list prices).

``estimate(plan["resources"])`` returns the plan document's ``cost`` field::

    {"currency": "USD", "monthly": float, "alwaysOnMonthly": float,
     "lines": [{"urn", "name", "type", "item", "monthly", "alwaysOnMonthly", "note"}]}

Billing model:

- A VM bills per running hour (size price; on Windows plus
  ``WINDOWS_LICENSE_PER_VCPU_HOUR`` per vCPU, the OS taken from the image).
  ``monthly`` uses the VM's expected running hours (``vm_running_hours``);
  ``alwaysOnMonthly`` bills every VM ``HOURS_PER_MONTH`` hours.
- Everything else bills always, running VM or not, and is the same in both
  figures: managed disks (data disks and each VM's OS disk, per GiB-month),
  Standard public IPs and Azure Bastion (per hour), storage accounts (hot blob
  per GiB-month, on an assumed ``ASSUMED_BLOB_GIB`` stored).
- VNets, subnets, NSGs, NICs, schedules, role assignments, containers and the
  like cost nothing; non-Azure resources (components, random) have no line.
  An ``azure-native`` type with no rule here gets a zero line that says so.

Running hours of a VM: an ``Enabled`` DevTest Labs ``GlobalSchedule`` that
targets the VM (``targetResourceId`` equals the VM's id) shuts it down daily at
``dailyRecurrence.time`` (HHmm, in the schedule's time zone). The member is
assumed to start it at ``WORKDAY_START`` (08:00, same time zone) on
``WORKDAYS_PER_MONTH`` working days and never at weekends, so it runs
``shutdown - 08:00`` hours a workday. A shutdown at or before 08:00 means the
VM ran through the night until the shutdown the next morning:
``24 - 8 + shutdown`` hours (16 to 24 h; exactly 08:00 counts as a full 24 h,
the conservative reading). No enabled schedule means always on
(``HOURS_PER_MONTH``). Manual stops, restarts after the shutdown and weekend use
are not modelled.

Not modelled: regional price differences (the catalog's prices are for its
reference region), reservations, savings plans, Azure Hybrid Benefit, disk tier
rounding (Premium SSD bills the next tier size; priced per GiB here), disk
snapshots, storage transactions and egress, Bastion outbound data, bandwidth.
An existing disk attached by id is not one of the plan's resources and has no line.

Unknown VM sizes, images, disk SKUs, IP, Bastion or storage SKUs raise
``ValueError`` naming the resource (fakeazure would have refused them already).

Extending: a new billed type adds a ``Pricer`` to ``PRICERS``. Something billed
per running hour builds its line with ``compute_line`` and its own
``RunningHoursRule`` (e.g. a scale set with class-hours schedules or scale to
zero), so the VM rule above stays untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fakeazure.catalog import (
    ASSUMED_BLOB_GIB,
    BASTION_EXTRA_SCALE_UNIT,
    BASTION_INCLUDED_SCALE_UNITS,
    BASTION_PRICES,
    BLOB_HOT_PRICES,
    DISK_SKUS,
    PUBLIC_IP_PRICES,
    VM_SIZES,
    WINDOWS_LICENSE_PER_VCPU_HOUR,
    DsvmImage,
    find_image,
)
from fakeazure.paths import get_path

CURRENCY = "USD"
WORKDAY_START = 8  # hour of day the member starts the VM (local time of the schedule)
WORKDAYS_PER_MONTH = 22
HOURS_PER_MONTH = 730  # Azure's billing month: 8,760 h / 12

VM = "azure-native:compute:VirtualMachine"
DISK = "azure-native:compute:Disk"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
BASTION = "azure-native:network:BastionHost"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
SCHEDULE = "azure-native:devtestlab:GlobalSchedule"

# Azure resources with no charge of their own.
FREE_TYPES = frozenset(
    {
        "azure-native:resources:ResourceGroup",
        "azure-native:network:VirtualNetwork",
        "azure-native:network:Subnet",
        "azure-native:network:NetworkSecurityGroup",
        "azure-native:network:NetworkInterface",
        "azure-native:devtestlab:GlobalSchedule",
        "azure-native:authorization:RoleAssignment",
        "azure-native:storage:BlobServiceProperties",
        "azure-native:storage:BlobContainer",
        "azure-native:compute:VirtualMachineExtension",
    }
)

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class Hours:
    """Expected billed hours a month of something billed per running hour, and why."""

    expected: float
    note: str


@dataclass(frozen=True)
class Line:
    """One cost line: what bills, on which resource, per month (unrounded)."""

    resource: Resource
    item: str
    monthly: float
    always_on_monthly: float
    note: str

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.resource.get("urn"),
            "name": self.resource.get("name"),
            "type": self.resource.get("type"),
            "item": self.item,
            "monthly": round(self.monthly, 2),
            "alwaysOnMonthly": round(self.always_on_monthly, 2),
            "note": self.note,
        }


class Stack:
    """The plan's resources, indexed for the lookups the rules need."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self.resources = list(resources)
        self._schedules: dict[str, Resource] = {}
        for r in self.resources:
            target = get_path(r, "inputs.targetResourceId")
            if r.get("type") == SCHEDULE and isinstance(target, str):
                self._schedules[target.lower()] = r  # ARM ids compare case-insensitively

    def shutdown_schedule(self, target_id: object) -> Resource | None:
        """The auto-shutdown schedule that targets this resource id, if any."""
        return self._schedules.get(target_id.lower()) if isinstance(target_id, str) else None


Pricer = Callable[[Resource, Stack], list[Line]]
RunningHoursRule = Callable[[Resource, Stack], Hours]


def _label(resource: Resource) -> str:
    return f"{resource.get('name')} ({resource.get('type')})"


def workday_hours(shutdown: str) -> float:
    """Hours a VM started at ``WORKDAY_START`` runs before an ``HHmm`` shutdown (overnight if earlier)."""
    if len(shutdown) != 4 or not shutdown.isdigit() or int(shutdown[:2]) > 23 or int(shutdown[2:]) > 59:
        raise ValueError(f"auto-shutdown time '{shutdown}' is not HHmm")
    at = int(shutdown[:2]) + int(shutdown[2:]) / 60
    return at - WORKDAY_START if at > WORKDAY_START else at + 24 - WORKDAY_START


def vm_running_hours(vm: Resource, stack: Stack) -> Hours:
    """A VM's running hours: workdays until its enabled auto-shutdown, else always on."""
    schedule = stack.shutdown_schedule(vm.get("id"))
    if schedule is None or get_path(schedule, "inputs.status", "Disabled") != "Enabled":
        reason = "no auto-shutdown schedule" if schedule is None else "auto-shutdown disabled"
        return Hours(HOURS_PER_MONTH, f"{reason}: always on, {HOURS_PER_MONTH} h/month")
    time = str(get_path(schedule, "inputs.dailyRecurrence.time", ""))
    try:
        per_day = workday_hours(time)
    except ValueError as e:
        raise ValueError(f"{_label(schedule)}: {e}") from None
    hours = min(HOURS_PER_MONTH, per_day * WORKDAYS_PER_MONTH)
    zone = get_path(schedule, "inputs.timeZoneId", "")
    return Hours(
        hours,
        f"{hours:g} h/month: started {WORKDAY_START:02d}:00 on {WORKDAYS_PER_MONTH} workdays, "
        f"auto-shutdown {time[:2]}:{time[2:]} {zone}".rstrip(),
    )


def vm_hourly_price(resource: Resource, vm_size: object, image: DsvmImage) -> float:
    """Linux list price of the size, plus the Windows licence per vCPU on Windows images."""
    size = VM_SIZES.get(str(vm_size))
    if size is None:
        raise ValueError(f"{_label(resource)}: VM size '{vm_size}' has no price in fakeazure.catalog.VM_SIZES")
    licence = WINDOWS_LICENSE_PER_VCPU_HOUR * size.vcpus if image.os_type == "Windows" else 0.0
    return size.price_per_hour + licence


def compute_line(resource: Resource, vm_size: object, image: DsvmImage, hours: Hours, instances: int = 1) -> Line:
    """The line of something billed per running hour: ``instances`` VMs of one size and image."""
    hourly = vm_hourly_price(resource, vm_size, image) * instances
    count = f"{instances} x " if instances != 1 else ""
    return Line(
        resource,
        f"{count}{vm_size} {image.os_type} VM",
        hourly * hours.expected,
        hourly * HOURS_PER_MONTH,
        f"${hourly:g}/h; {hours.note}",
    )


def _image(resource: Resource) -> DsvmImage:
    ref = get_path(resource, "inputs.storageProfile.imageReference", {})
    image = find_image(str(ref.get("publisher", "")), str(ref.get("offer", "")), str(ref.get("sku", "")))
    if image is None:
        raise ValueError(f"{_label(resource)}: image {ref} is not a DSVM image in fakeazure.catalog")
    return image


def disk_line(resource: Resource, item: str, size_gib: object, sku_name: object, note: str = "") -> Line:
    """A managed disk: always billed, per GiB-month of provisioned size."""
    sku = DISK_SKUS.get(str(sku_name))
    if sku is None:
        raise ValueError(f"{_label(resource)}: disk SKU '{sku_name}' has no price in fakeazure.catalog.DISK_SKUS")
    if not isinstance(size_gib, int | float) or isinstance(size_gib, bool):
        raise ValueError(f"{_label(resource)}: disk size unknown ({size_gib!r})")
    monthly = sku.price_per_gib_month * size_gib
    text = f"always billed; ${sku.price_per_gib_month:g}/GiB-month (per GiB, tier rounding not modelled)"
    return Line(resource, f"{size_gib:g} GiB {sku.name} {item}", monthly, monthly, f"{note}{text}")


def price_vm(vm: Resource, stack: Stack) -> list[Line]:
    """The VM's compute (running hours), its OS disk and any data disk created with it.

    The OS disk is no resource of its own: its line carries the VM's urn, name and type.
    """
    image = _image(vm)
    lines = [compute_line(vm, get_path(vm, "inputs.hardwareProfile.vmSize"), image, vm_running_hours(vm, stack))]
    os_disk = get_path(vm, "inputs.storageProfile.osDisk", {})
    size = os_disk.get("diskSizeGB")
    unconfirmed = "" if image.os_disk_confirmed else " (unconfirmed)"
    source = "" if size is not None else f"{image.key} image default size{unconfirmed}; "
    sku = get_path(os_disk, "managedDisk.storageAccountType", "Premium_LRS")
    lines.append(disk_line(vm, "OS disk", size if size is not None else image.os_disk_gib, sku, source))
    for disk in get_path(vm, "inputs.storageProfile.dataDisks", []):
        if disk.get("createOption") != "Attach":  # attached disks are their own Disk resources
            sku = get_path(disk, "managedDisk.storageAccountType", "Premium_LRS")
            lines.append(disk_line(vm, f"data disk (lun {disk.get('lun')})", disk.get("diskSizeGB"), sku))
    return lines


def price_disk(disk: Resource, stack: Stack) -> list[Line]:
    """A managed disk resource (data disk): always billed."""
    sku = get_path(disk, "inputs.sku.name", "Standard_LRS")  # ARM's default SKU
    return [disk_line(disk, "disk", get_path(disk, "inputs.diskSizeGB"), sku)]


def _hourly_line(resource: Resource, item: str, usd_per_hour: float, note: str) -> Line:
    monthly = usd_per_hour * HOURS_PER_MONTH
    return Line(resource, item, monthly, monthly, f"always billed; ${usd_per_hour:g}/h x {HOURS_PER_MONTH} h{note}")


def price_public_ip(ip: Resource, stack: Stack) -> list[Line]:
    """A public IPv4 address: per hour, attached or not."""
    sku = str(get_path(ip, "inputs.sku.name", "Basic"))  # ARM's default SKU
    price = PUBLIC_IP_PRICES.get(sku)
    if price is None:
        raise ValueError(f"{_label(ip)}: public IP SKU '{sku}' has no price in fakeazure.catalog.PUBLIC_IP_PRICES")
    return [_hourly_line(ip, f"{sku} public IP", price.usd, "")]


def price_bastion(bastion: Resource, stack: Stack) -> list[Line]:
    """Azure Bastion: per deployment-hour by SKU, plus scale units beyond the included ones."""
    sku = str(get_path(bastion, "inputs.sku.name", "Basic"))  # ARM's default SKU
    price = BASTION_PRICES.get(sku)
    if price is None:
        raise ValueError(f"{_label(bastion)}: Bastion SKU '{sku}' has no price in fakeazure.catalog.BASTION_PRICES")
    units_asked = int(get_path(bastion, "inputs.scaleUnits", BASTION_INCLUDED_SCALE_UNITS))
    extra = max(0, units_asked - BASTION_INCLUDED_SCALE_UNITS)
    hourly = price.usd + extra * BASTION_EXTRA_SCALE_UNIT.usd
    units = f", {extra} extra scale unit(s)" if extra else ""
    return [_hourly_line(bastion, f"{sku} Bastion{units}", hourly, "; outbound data not modelled")]


def price_storage_account(account: Resource, stack: Stack) -> list[Line]:
    """A storage account: hot blob storage on ``ASSUMED_BLOB_GIB`` stored (the plan cannot know)."""
    sku = str(get_path(account, "inputs.sku.name"))
    price = BLOB_HOT_PRICES.get(sku)
    if price is None:
        raise ValueError(f"{_label(account)}: storage SKU '{sku}' has no price in fakeazure.catalog.BLOB_HOT_PRICES")
    tier = str(get_path(account, "inputs.accessTier", "Hot"))
    tier_note = "" if tier == "Hot" else f" (accessTier {tier} priced as Hot)"
    monthly = price.usd * ASSUMED_BLOB_GIB
    return [
        Line(
            account,
            f"{sku} storage account (hot blob)",
            monthly,
            monthly,
            f"always billed; assumes {ASSUMED_BLOB_GIB} GiB stored x ${price.usd:g}/GiB-month{tier_note}; "
            "transactions and egress not modelled",
        )
    ]


PRICERS: dict[str, Pricer] = {
    VM: price_vm,
    DISK: price_disk,
    PUBLIC_IP: price_public_ip,
    BASTION: price_bastion,
    STORAGE_ACCOUNT: price_storage_account,
}


def _lines(resource: Resource, stack: Stack) -> list[Line]:
    kind = str(resource.get("type", ""))
    pricer = PRICERS.get(kind)
    if pricer is not None:
        return pricer(resource, stack)
    if kind in FREE_TYPES or not kind.startswith("azure-native:"):
        return []
    return [Line(resource, kind.rsplit(":", 1)[-1], 0.0, 0.0, "not priced: no cost rule for this type")]


def estimate(resources: Sequence[Resource]) -> dict[str, Any]:
    """The monthly cost of the plan's resources; see the module docstring for the model.

    Totals add the unrounded lines and are rounded once; every figure has 2 decimals.
    """
    stack = Stack(resources)
    lines = [line for resource in stack.resources for line in _lines(resource, stack)]
    return {
        "currency": CURRENCY,
        "monthly": round(sum(line.monthly for line in lines), 2),
        "alwaysOnMonthly": round(sum(line.always_on_monthly for line in lines), 2),
        "lines": [line.to_json() for line in lines],
    }


def delta(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, Any]:
    """``head - base`` of two estimates; a missing or null figure (no such stack yet) counts as 0."""
    for cost in (base, head):
        if cost.get("currency", CURRENCY) != CURRENCY:
            raise ValueError(f"cannot compare a {cost.get('currency')} estimate with {CURRENCY}")

    def diff(key: str) -> float:
        return round(float(head.get(key) or 0.0) - float(base.get(key) or 0.0), 2)

    return {"monthly": diff("monthly"), "alwaysOnMonthly": diff("alwaysOnMonthly")}
