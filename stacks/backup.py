"""The stack's disk backups: its snapshot resource group, its Backup vault, and a backup instance per data disk.

``stack_vault`` registers, when the config backs up any disk, the snapshot resource group (top level, like
the stack's own group, so ``dsvmctl bootstrap`` can create it first and the stack adopt it: the deploy
identity cannot create resource groups) and the ``DiskBackupVault``. ``protect`` adds one disk, under its
``DataDisk`` component (a unit's resources stay below the unit's top-level names: plans made in parts
merge). docs/RESTORE.md walks a restore.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native.resources as resources

from azurefacts.backup import DiskSchedule
from components.backup import DiskBackupVault, DiskBackupVaultArgs, DiskToProtect, instance_name, policy_name
from components.data_disk import DataDisk
from stacks.config.backup import DiskBackupStack
from stacks.config.storage import DataDiskConfig
from stacks.foundation import Foundation

SNAPSHOTS_SUFFIX = "-snapshots"


def snapshot_group_name(resource_group: str) -> str:
    """The snapshot resource group of a stack whose resources are in ``resource_group``."""
    return f"{resource_group}{SNAPSHOTS_SUFFIX}"


def vault_name(prefix: str) -> str:
    return f"{prefix}-backup"


def stack_vault(config: DiskBackupStack, base: Foundation, location: str) -> DiskBackupVault | None:
    """The snapshot group and the vault, when the config backs up any disk (None otherwise)."""
    if not config.backed_up_units():
        return None
    backup = config.backup
    group_name = snapshot_group_name(base.rg_plain)
    # Backups live here, apart from the disks (Microsoft Learn recommends a dedicated group): protected and
    # retained like the stack's own group, whose deletion would take the snapshots along.
    group = resources.ResourceGroup(
        group_name,
        resource_group_name=group_name,
        location=location,
        tags=base.tags,
        opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
    )
    return DiskBackupVault(
        vault_name(base.prefix),
        DiskBackupVaultArgs(
            resource_group_name=base.rg_name,
            location=location,
            subscription_id=base.subscription_id,
            vault_name=vault_name(base.prefix),
            snapshot_resource_group_id=group.id,
            schedule=DiskSchedule(backup.every_hours, backup.start_hour, backup.start_minute),
            retention_days=backup.retention_days,
            redundancy=backup.redundancy,
            soft_delete_days=backup.soft_delete_days,
            tags=base.tags,
        ),
    )


def disk_to_protect(name: str, disk: DataDisk, config: DataDiskConfig, resource_group: str) -> DiskToProtect:
    """What ``protect`` needs of a unit's data disk: a new one (named by ``DataDisk``) or an existing one by id."""
    if config.existing_disk_resource_id:
        parts = config.existing_disk_resource_id.split("/")
        return DiskToProtect(config.existing_disk_resource_id, parts[8], parts[4])
    return DiskToProtect(disk.disk_id, f"{name}-disk", resource_group)


def protect(
    vault: DiskBackupVault | None, name: str, disk: DataDisk, config: DataDiskConfig, resource_group: str
) -> str | None:
    """Back the unit's data disk up (when the stack has a vault and the disk does not opt out), and the disk a
    restore made from it, if any (the original keeps its own backups: its recovery points stay reachable); returns
    the name of the backup instance of the disk the VM attaches, for the outputs (None: not backed up)."""
    if vault is None or not config.backup_enabled:
        return None
    target = disk_to_protect(name, disk, config, resource_group)
    vault.protect_disk(name, target, disk)
    if config.restored_disk_resource_id is None:
        return instance_name(target)
    parts = config.restored_disk_resource_id.split("/")
    restored = DiskToProtect(config.restored_disk_resource_id, parts[8], parts[4])
    vault.protect_disk(f"{name}-restored", restored, disk)
    return instance_name(restored)


def attached_disk(disk: DataDisk, config: DataDiskConfig) -> tuple[pulumi.Input[str], int | None]:
    """The id of the disk the unit's VM attaches, and its size when known (a restored or existing disk: not)."""
    if config.restored_disk_resource_id:
        return config.restored_disk_resource_id, None
    return disk.disk_id, None if config.existing_disk_resource_id else config.size_gb


def backup_outputs(config: DiskBackupStack, base: Foundation) -> dict[str, Any] | None:
    """Where the backups are, for the stack outputs (the names docs/RESTORE.md's commands take)."""
    if not config.backed_up_units():
        return None
    backup = config.backup
    schedule = DiskSchedule(backup.every_hours, backup.start_hour, backup.start_minute)
    return {
        "vault_name": vault_name(base.prefix),
        "vault_resource_group": base.rg_plain,
        "snapshot_resource_group": snapshot_group_name(base.rg_plain),
        "policy_name": policy_name(schedule, backup.retention_days),
    }
