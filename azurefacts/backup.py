"""Azure Backup for managed disks and the storage account's blob protection: the rules, with their sources.

Disk backup (Microsoft Learn, 'Azure Disk Backup support matrix', 'Back up Azure Managed Disks', 'Create Azure Data
Protection backup policies for disks using REST API', 'Restore Azure Managed Disks', 'Troubleshooting backup
failures in Azure Disk Backup'; the pages of 2026-02-13 read for issue 25's audit):

- a Backup vault (``Microsoft.DataProtection/backupVaults``; the pinned azure-native SDK sends API version
  2025-01-01) holds a disk backup policy and one backup instance per disk; the backups are incremental snapshots
  in a *snapshot resource group* of the disk's subscription (operational tier only: nothing is copied into the
  vault, so the vault's storage redundancy does not apply to disk recovery points);
- the vault's managed identity needs **Disk Backup Reader** on each disk and **Disk Snapshot Contributor** on the
  snapshot resource group (validation fails without them; "use of other roles like owner, contributor ... isn't
  supported"); a restore needs **Disk Restore Operator** on the resource group the new disk is created in
  (revoke it afterwards, Microsoft recommends);
- the vault and the disk are in the same region; the snapshot resource group of a backup instance cannot change
  once it is configured; Microsoft says not to pick the disk's own group but a dedicated one;
- supported: Standard HDD/SSD, Premium SSD, Premium SSD v2 and Ultra Disks, shared disks, Write Accelerator disks
  (restored as normal disks), disks encrypted with platform- or customer-managed keys; not supported: unmanaged
  disks and disks encrypted with Azure Disk Encryption (ADE). A size limit (e.g. disks over 32 TiB) is not in the
  support matrix: not confirmed either way (the product's data disks are at most 32,767 GiB);
- schedule: every 1, 2, 4, 6, 8 or 12 hours, or daily; Premium SSD v2 and Ultra Disks every 12 hours or daily
  (the support matrix and the portal page; the REST page's example names only 4, 6, 8 and 12 hours and P1D);
- retention at most one year or 450 snapshots, whichever comes first (12-hourly: 225 days). A disk has at most
  500 incremental snapshots; 'Back up Azure Managed Disks' says the policy keeps 450 of them, the support matrix
  says 420 "to allow on-demand backups": ``MAX_SNAPSHOTS`` takes the 450 both pages give as the retention limit;
- an existing policy cannot be modified ("updating or modifying an existing policy isn't supported"): a new
  schedule or retention is a new policy, assigned to the backup instances;
- the vault's storage redundancy cannot change after items are protected ('Create and manage Backup vaults'); a
  vault with backup instances or policies cannot be deleted;
- a restore creates a **new** disk ("Original-Location Recovery ... isn't supported") in the target group, in the
  snapshot's region, and fails when a disk of that name is already there (UserErrorSameNameDiskAlreadyExists);
- deleting a backup instance stops the backup and deletes its recovery points; "stop backup and retain backup
  data" (``suspend-backup``) keeps them as the policy says, the newest one forever.

The vault's soft delete (Microsoft Learn, 'Enhanced soft delete for Azure Backup'): states On (the default for a
new vault), Off and AlwaysOn (irreversible); retention 14-180 days, 14 by default; turning it off deletes what it
holds at once. It covers operational disk backups too, but "unlike vaulted backups, these snapshots can be directly
accessed and deleted before the soft-delete period expires": whoever may delete in the snapshot resource group can
destroy the recovery points whatever the vault says. Keep that group's access narrow.

Not confirmed: the minimum retention (one day, what the portal offers), and that the first recovery point is
taken at the first scheduled time after protection is configured (no immediate backup; an on-demand backup,
``az dataprotection backup-instance adhoc-backup``, is not modelled).

Blob protection (Microsoft Learn, 'Soft delete for blobs', 'Soft delete for containers', 'Blob versioning',
'Point-in-time restore for block blobs', 'Change feed support in Azure Blob Storage', 'Blob Storage feature support
in Azure Storage accounts' of 2025-02-19): blob and container soft delete keep deleted data 1-365 days;
point-in-time restore needs versioning, change feed and blob soft delete, and its retention must be at least one
day shorter than the soft-delete retention; versioning, change feed, point-in-time restore (and so blob
operational backup, which is built on them, standard general-purpose v2 accounts only: 'Support matrix for Azure
Blobs backup') are "not yet supported" on an account with a hierarchical namespace (ADLS Gen2), where soft delete
is the recovery there is. Whether a revision of that table after 2025-02-19 changed this is not confirmed. The
product does not configure blob operational backup (nor the Storage Account Backup Contributor role it needs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

DISK_BACKUP_SOURCE = "Microsoft Learn, 'Azure Disk Backup support matrix' and 'Back up Azure Managed Disks'"
POLICY_SOURCE = "Microsoft Learn, 'Create Azure Data Protection backup policies for disks using REST API'"
VAULT_SOURCE = "Microsoft Learn, 'Create and manage Backup vaults'"
BLOB_SOURCE = (
    "Microsoft Learn, 'Point-in-time restore for block blobs', 'Blob versioning', 'Blob Storage features available "
    "in Azure Data Lake Storage'"
)

DISK_DATASOURCE = "Microsoft.Compute/disks"
OPERATIONAL_STORE = "OperationalStore"
# The vault's storage settings: datastore VaultStore, one of these types.
VAULT_REDUNDANCIES = ("LocallyRedundant", "ZoneRedundant", "GeoRedundant")
SOFT_DELETE_STATES = ("On", "Off", "AlwaysOn")
# A Backup vault's soft delete retention, days (Microsoft Learn, 'Secure by Default with Azure Backup': 14-180).
SOFT_DELETE_MIN_DAYS, SOFT_DELETE_MAX_DAYS = 14, 180

# The disk backup schedule: hours between backups; 24 is "daily".
BACKUP_EVERY_HOURS = (1, 2, 4, 6, 8, 12, 24)
PREMIUM_V2_EVERY_HOURS = (12, 24)  # Premium SSD v2 and Ultra disks
PREMIUM_V2_SKUS = ("PremiumV2_LRS", "UltraSSD_LRS")  # the disk SKUs ``PREMIUM_V2_EVERY_HOURS`` applies to
MIN_RETENTION_DAYS = 1  # not confirmed: the portal's smallest choice
MAX_RETENTION_DAYS = 365  # "a maximum retention limit of 1 year" (support matrix)
MAX_SNAPSHOTS = 450  # "or 450 disk snapshots, whichever reaches first" (support matrix; 500 per disk in all)

# Built-in roles the disk backup needs (ids: azurefacts/roles.py).
DISK_BACKUP_ROLES_SOURCE = (
    "Microsoft Learn, 'Back up Azure Managed Disks' (Disk Backup Reader, Disk Snapshot Contributor)"
)

# Blob and container soft delete, point-in-time restore (days).
BLOB_SOFT_DELETE_MAX_DAYS = 365
PITR_MAX_DAYS = 365


@dataclass(frozen=True)
class DiskSchedule:
    """When a disk backup policy takes its snapshots: every ``every_hours`` hours from ``start`` (UTC)."""

    every_hours: int
    start_hour: int
    start_minute: int = 0

    @property
    def daily(self) -> bool:
        return self.every_hours == 24

    def interval(self, anchor_day: str = "2024-01-01") -> str:
        """The ISO 8601 repeating interval a policy rule carries (``R/2024-01-01T02:00:00+00:00/P1D``). The
        anchor is a fixed past day: only its time of day matters to the schedule."""
        period = "P1D" if self.daily else f"PT{self.every_hours}H"
        return f"R/{anchor_day}T{self.start_hour:02d}:{self.start_minute:02d}:00+00:00/{period}"

    def per_day(self) -> int:
        return 24 // self.every_hours


_INTERVAL = re.compile(
    r"^R/(?P<anchor>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?P<offset>Z|[+-]\d{2}:\d{2})/"
    r"(?:P(?P<days>\d+)D|PT(?P<hours>\d+)H)$"
)
_DURATION = re.compile(r"^P(?P<days>\d+)D$")


def parse_interval(text: str) -> tuple[datetime, timedelta] | None:
    """A policy's repeating interval as (anchor, period); None when it is not one Azure takes for disks."""
    found = _INTERVAL.match(text.strip())
    if found is None:
        return None
    offset = found.group("offset")
    stamp = datetime.fromisoformat(found.group("anchor") + ("+00:00" if offset == "Z" else offset))
    if found.group("days"):
        period = timedelta(days=int(found.group("days")))
    else:
        period = timedelta(hours=int(found.group("hours")))
    return stamp.astimezone(UTC), period


def parse_days(duration: str) -> int | None:
    """An ISO 8601 duration of whole days (``P7D``) as days; None for any other form."""
    found = _DURATION.match(duration.strip())
    return int(found.group("days")) if found else None


def schedule_problem(every_hours: int, premium_v2: bool = False) -> str | None:
    """Why a disk backup frequency is not one Azure offers (None: it is)."""
    allowed = PREMIUM_V2_EVERY_HOURS if premium_v2 else BACKUP_EVERY_HOURS
    if every_hours in allowed:
        return None
    hours = ", ".join(str(h) for h in allowed if h != 24)
    return f"disk backups run every {hours} hours or daily (24), not every {every_hours}"


def retention_problem(retention_days: int, per_day: int) -> str | None:
    """Why a disk backup retention is not one Azure accepts (None: it is): at least a day, at most a year
    and at most ``MAX_SNAPSHOTS`` snapshots at ``per_day`` backups a day."""
    if retention_days < MIN_RETENTION_DAYS:
        return f"a retention of {retention_days} days is below Azure's minimum of {MIN_RETENTION_DAYS} day"
    if retention_days > MAX_RETENTION_DAYS:
        return f"a retention of {retention_days} days is over Azure's maximum of one year ({MAX_RETENTION_DAYS} days)"
    if retention_days * per_day > MAX_SNAPSHOTS:
        most = MAX_SNAPSHOTS // per_day
        return (f"{per_day} backups a day kept {retention_days} days are {retention_days * per_day} snapshots, over "
                f"Azure's limit of {MAX_SNAPSHOTS} per disk: keep at most {most} days at this frequency")  # fmt: skip
    return None


def recovery_points(
    anchor: datetime, period: timedelta, since: datetime, until: datetime, retention: timedelta
) -> list[datetime]:
    """The scheduled backup times after ``since`` (protection began) up to ``until`` (now) that are still
    retained at ``until``: the recovery points a backup instance holds, oldest first."""
    if period <= timedelta(0) or until <= since:
        return []
    oldest = max(since, until - retention)
    steps = (oldest - anchor) // period
    moment = anchor + steps * period
    while moment <= oldest:
        moment += period
    found = []
    while moment <= until:
        found.append(moment)
        moment += period
    return found
