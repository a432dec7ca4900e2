"""Backups of the data disks: the stack's Backup vault, its disk backup policy, one backup instance per data disk.

The rules are Azure's (``azurefacts/backup.py``: schedules, retention limits, vault redundancy and soft
delete) and refused here, before any resource is registered. A member's or a rig's own disk opts out with
``data_disk.backup_enabled: false``; ``scale_out`` stacks keep their work in blob storage, not on disks,
and have no ``backup`` section.
"""

from __future__ import annotations

import re
from typing import Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from azurefacts.backup import MAX_RETENTION_DAYS, SOFT_DELETE_MAX_DAYS, SOFT_DELETE_MIN_DAYS, retention_problem
from stacks.config.base import PROMOTED, Model, PathError
from stacks.config.storage import DataDiskConfig


class BackupConfig(Model):
    """Azure Backup of every data disk (on by default): a Backup vault with a system-assigned identity, a disk
    backup policy (incremental snapshots in the stack's snapshot resource group, `rg-...-snapshots`) and one backup
    instance per data disk; the vault's identity gets Disk Backup Reader on each disk and Disk Snapshot
    Contributor on the snapshot group. docs/RESTORE.md walks a restore."""

    enabled: bool = Field(
        default=True,
        description=(
            "Optional. Back up every data disk (a member's or rig's `data_disk.backup_enabled: false` opts its disk "
            "out). Default true. Turning it off on a deployed stack is refused while recovery points exist "
            "(docs/RESTORE.md says the way out)."
        ),
        json_schema_extra=PROMOTED,
    )
    redundancy: Literal["LocallyRedundant", "ZoneRedundant"] = Field(
        default="LocallyRedundant",
        description=(
            "Optional. The vault's storage redundancy; ZoneRedundant needs a region with availability zones. Azure "
            "refuses to change it once the vault protects a disk. Disk recovery points are incremental snapshots "
            "in the snapshot resource group either way (zone-redundant where the region has zones). Default "
            "LocallyRedundant."
        ),
    )
    every_hours: Literal[1, 2, 4, 6, 8, 12, 24] = Field(
        default=24,
        description="Optional. Hours between backups: 1, 2, 4, 6, 8, 12, or 24 (daily, the default).",
        json_schema_extra=PROMOTED,
    )
    time: str = Field(
        default="0200",
        description=(
            "Optional. `HHMM`, UTC: when the daily backup starts (with `every_hours` under 24, the first backup of "
            "the day). Default `0200`."
        ),
        json_schema_extra=PROMOTED,
    )
    retention_days: int = Field(
        default=7,
        ge=1,
        le=MAX_RETENTION_DAYS,
        description=(
            f"Optional. Days each recovery point is kept, 1-{MAX_RETENTION_DAYS}, and at most 450 snapshots per disk "
            "(`retention_days` x backups a day). Default 7."
        ),
        json_schema_extra=PROMOTED,
    )
    soft_delete_days: int = Field(
        default=14,
        ge=SOFT_DELETE_MIN_DAYS,
        le=SOFT_DELETE_MAX_DAYS,
        description=(
            f"Optional. The vault's soft delete: a deleted backup instance's data is kept this long, "
            f"{SOFT_DELETE_MIN_DAYS}-{SOFT_DELETE_MAX_DAYS} days, and can be undeleted. Default 14. It does not stop "
            "anyone who may delete in the snapshot resource group from deleting the snapshots themselves: keep that "
            "group's access narrow."
        ),
    )

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3])[0-5]\d$", value):
            raise ValueError(f"'{value}' is not a time HHMM; write 02:00 as \"0200\" (quoted)")
        return value

    @model_validator(mode="after")
    def _retention(self) -> BackupConfig:
        problem = retention_problem(self.retention_days, 24 // self.every_hours)
        if problem:
            raise PathError("retention_days", f"{problem}; lower retention_days or back up less often (every_hours)")
        return self

    @property
    def start_hour(self) -> int:
        return int(self.time[:2])

    @property
    def start_minute(self) -> int:
        return int(self.time[2:])


class DiskBackupStack(Model):
    """The ``backup`` section of the kinds whose VMs have data disks (``team``, ``gpu_rig``), and what their
    units' data disks share (a restored disk attached instead of the original)."""

    backup: BackupConfig = Field(
        default_factory=BackupConfig,
        description="Optional. Backups of the data disks (on, daily at 02:00 UTC, kept 7 days; see BackupConfig).",
    )

    @property
    def units_key(self) -> str:
        """The config key of the units: ``rigs`` for ``gpu_rig``, ``members`` for ``team``."""
        return "rigs" if "rigs" in type(self).model_fields else "members"

    def data_disks(self) -> list[tuple[str, DataDiskConfig]]:
        """(unit name, its data disk's config) of every VM's data disk, in config order."""
        units = cast(Any, self).units()  # BaseStackConfig's, beside this mixin: one per entry of the units key
        return [(unit.name, entry.data_disk) for unit, entry in zip(units, getattr(self, self.units_key), strict=True)]

    def backed_up_units(self) -> set[str]:
        """The units whose data disk the stack backs up."""
        if not self.backup.enabled:
            return set()
        return {name for name, disk in self.data_disks() if disk.backup_enabled}

    def external_resources(self) -> list[tuple[str, str, str]]:
        """The kind's, plus each unit's restored disk (it exists: the restore made it)."""
        found: list[tuple[str, str, str]] = super().external_resources()  # type: ignore[misc]
        for i, (_, disk) in enumerate(self.data_disks()):
            if disk.restored_disk_resource_id:
                found.append(("disk", disk.restored_disk_resource_id,
                              f"{self.units_key}[{i}].data_disk.restored_disk_resource_id"))  # fmt: skip
        return found

    @model_validator(mode="after")
    def _restored_once(self) -> DiskBackupStack:
        attached: dict[str, int] = {}
        for i, (_, disk) in enumerate(self.data_disks()):
            if disk.restored_disk_resource_id is None:
                continue
            path = f"{self.units_key}[{i}].data_disk.restored_disk_resource_id"
            if disk.existing_disk_resource_id and disk.restored_disk_resource_id.lower() == (
                disk.existing_disk_resource_id.lower()
            ):
                raise PathError(path, "is the disk it was restored from; give the id of the disk the restore created")
            other = attached.setdefault(disk.restored_disk_resource_id.lower(), i)
            others = {str(d.existing_disk_resource_id).lower() for j, (_, d) in enumerate(self.data_disks()) if j != i}
            if other != i or disk.restored_disk_resource_id.lower() in others:
                raise PathError(path, "the disk is another unit's data disk; a managed disk attaches to one VM only")
        return self
