"""What the disk backups cost: the incremental snapshots each backup instance keeps.

Microsoft Learn, 'Overview of Azure Disk Backup' (Pricing): Azure Backup charges no protected-instance fee and
no backup storage for disks (nothing is copied into the vault); the snapshots in the snapshot resource group bill
as snapshot storage per GiB-month of what they occupy: the first one the disk's *used* size, each later one
the blocks changed since the one before; LRS and ZRS cost the same. The vault and the policy are free.

The plan cannot know how full a disk is or how much changes a day, so the estimate assumes it
(docs/COSTS.md repeats it): ``ASSUMED_USED_FRACTION`` of the provisioned size is data, and
``ASSUMED_DAILY_CHANGE`` of that data changes a day. The snapshots a policy keeps then hold the used data once
plus each retained day's changes: ``used x (1 + change x retention_days)`` GiB. Backing up more often than
daily stores about the same changes in more, smaller snapshots (blocks rewritten between two snapshots are
counted once here). An existing disk the plan does not hold (attached or restored by id) has no known size: its
line says so and counts nothing.
"""

from __future__ import annotations

from azurefacts.backup import parse_days
from azurefacts.paths import get_path
from azurefacts.prices import PriceNotFoundError
from azurefacts.resource_types import BACKUP_POLICY, DISK
from costs.estimate import Context, Line, Resource

ASSUMED_USED_FRACTION = 0.5
ASSUMED_DAILY_CHANGE = 0.02


def snapshot_gib(size_gib: float, retention_days: int) -> float:
    """GiB the recovery points of a disk of ``size_gib`` occupy under the assumptions above."""
    used = size_gib * ASSUMED_USED_FRACTION
    return used * (1 + ASSUMED_DAILY_CHANGE * retention_days)


def _of_type(context: Context, kind: str) -> list[Resource]:
    return [r for r in context.by_id.values() if r.get("type") == kind]


def _disk_of(instance: Resource, context: Context) -> Resource | None:
    """The instance's disk: by id, else (during ``pulumi preview`` a new disk has no id yet) by name."""
    found = context.by_id.get(str(get_path(instance, "inputs.properties.dataSourceInfo.resourceID", "")).lower())
    if found is not None:
        return found
    name = get_path(instance, "inputs.properties.dataSourceInfo.resourceName")
    named = [d for d in _of_type(context, DISK) if get_path(d, "inputs.diskName") == name]
    return named[0] if len(named) == 1 else None


def _retention_days(instance: Resource, context: Context) -> int | None:
    policy = context.by_id.get(str(get_path(instance, "inputs.properties.policyInfo.policyId", "")).lower())
    policies = _of_type(context, BACKUP_POLICY)
    if policy is None and len(policies) == 1:  # a new policy has no id yet during a preview: the stack has one
        policy = policies[0]
    rules = get_path(policy or {}, "inputs.properties.policyRules", []) or []
    for rule in rules:
        if rule.get("objectType") == "AzureRetentionRule" and rule.get("isDefault"):
            lifecycles = rule.get("lifecycles") or [{}]
            return parse_days(str(get_path(lifecycles[0], "deleteAfter.duration", "")))
    return None


def price_backup_instance(instance: Resource, context: Context) -> list[Line]:
    """One backed-up disk: its snapshots' storage, always billed."""
    from costs.pricers import _with, region_of  # costs.pricers registers this pricer: imported when it runs

    disk = _disk_of(instance, context)
    size = get_path(disk or {}, "inputs.diskSizeGB")
    name = str(get_path(instance, "inputs.properties.dataSourceInfo.resourceName", "the disk"))
    days = _retention_days(instance, context)
    if not isinstance(size, int | float) or days is None:
        why = "an existing disk of unknown size" if disk is None else "its size or retention is unknown"
        return [Line(instance, f"backups of {name}", 0.0, 0.0, f"not priced: {why}")]
    try:
        # The snapshots are in the disk's region (a backup instance has no location of its own).
        where = get_path(instance, "inputs.properties.dataSourceInfo.resourceLocation") or get_path(
            disk, "inputs.location")
        price = context.prices.price(region_of({"name": name, "inputs": {"location": where}}), "snapshot",
                                     "Incremental")  # fmt: skip
    except (PriceNotFoundError, ValueError) as error:
        return [Line(instance, f"backups of {name}", 0.0, 0.0, f"not priced: {error}")]
    gib = snapshot_gib(float(size), days)
    monthly = gib * price.amount
    note = (
        f"always billed; incremental snapshots of a {size:g} GiB disk kept {days} days: assumes "
        f"{ASSUMED_USED_FRACTION:.0%} of it used and {ASSUMED_DAILY_CHANGE:.0%} of that changed a day, {gib:.0f} GiB x "
        f"${price.amount:g}/GiB-month in {price.region}; no protected-instance fee for disks"
    )
    return [Line(instance, f"disk backups ({days} days)", monthly, monthly, _with(note, price, context))]
