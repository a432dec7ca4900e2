"""DiskBackupVault: the stack's Azure Backup vault for managed disks, and ``protect_disk`` for each data disk.

What Azure needs for a disk backup (``azurefacts/backup.py`` has the rules and their sources):
a Backup vault with a managed identity; a disk backup policy (incremental snapshots on the operational
store, on a schedule, kept N days); a snapshot resource group the vault's identity holds Disk Snapshot
Contributor on; per disk, Disk Backup Reader on the disk for the vault's identity and a backup instance
that points at the disk, the policy and the snapshot group. The instance depends on both role assignments:
Azure validates them when the instance is created.

Data safety: the vault holds the recovery points' management and the snapshot group holds the snapshots,
so both are ``protect``-ed and retained (a vault with instances cannot be deleted anyway). A backup instance
is protected too: deleting it deletes its recovery points, so turning backups off is a deliberate step
(docs/RESTORE.md). A policy is never modified in Azure: its name says its schedule and retention, so a new
schedule is a new policy that the instances move to before the old one goes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.dataprotection as dataprotection

from azurefacts.backup import DISK_DATASOURCE, OPERATIONAL_STORE, DiskSchedule
from azurefacts.roles import DISK_BACKUP_READER, DISK_SNAPSHOT_CONTRIBUTOR
from components.common import ROLE_ASSIGNMENT_REPLACE, child_opts
from components.workstation import role_definition_id

DISK_TYPE = "Microsoft.Compute/disks"


@dataclass(frozen=True)
class DiskBackupVaultArgs:
    """Inputs of ``DiskBackupVault``: where, the snapshot group (it exists: the stack creates it), the policy."""

    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: pulumi.Input[str]
    vault_name: str
    snapshot_resource_group_id: pulumi.Input[str]
    schedule: DiskSchedule
    retention_days: int
    redundancy: str = "LocallyRedundant"
    soft_delete_days: int = 14
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class DiskToProtect:
    """A data disk to back up: its id, and its name and resource group as plain text (the backup instance's
    name is derived from them, so it is known before the disk exists)."""

    disk_id: pulumi.Input[str]
    disk_name: str
    resource_group: str


def policy_name(schedule: DiskSchedule, retention_days: int) -> str:
    """The policy's name says what it does (a policy is never modified: another schedule is another policy)."""
    every = "daily" if schedule.daily else f"every{schedule.every_hours}h"
    return f"disk-{every}-{schedule.start_hour:02d}{schedule.start_minute:02d}utc-{retention_days}d"


def instance_name(disk: DiskToProtect) -> str:
    """The backup instance's name: the disk's name and 8 hex of its group and name (two groups may hold two disks
    of one name)."""
    digest = hashlib.sha256(f"{disk.resource_group}/{disk.disk_name}".lower().encode()).hexdigest()[:8]
    return f"{disk.disk_name}-{digest}"


class DiskBackupVault(pulumi.ComponentResource):
    """A Backup vault (system-assigned identity, the configured redundancy, soft delete on) with one disk backup
    policy, and the vault identity's Disk Snapshot Contributor role on the snapshot resource group.
    ``protect_disk`` adds a disk: its Disk Backup Reader role and its backup instance."""

    def __init__(self, name: str, args: DiskBackupVaultArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:DiskBackupVault", name, None, opts)
        self.args = args
        keep = {"protect": True, "retain_on_delete": True}
        self.vault = dataprotection.BackupVault(
            f"{name}-vault",
            vault_name=args.vault_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            identity=dataprotection.DppIdentityDetailsArgs(type="SystemAssigned"),
            properties=dataprotection.BackupVaultArgs(
                storage_settings=[dataprotection.StorageSettingArgs(datastore_type="VaultStore", type=args.redundancy)],
                security_settings=dataprotection.SecuritySettingsArgs(
                    soft_delete_settings=dataprotection.SoftDeleteSettingsArgs(
                        state="On", retention_duration_in_days=args.soft_delete_days
                    )
                ),
            ),
            tags=dict(args.tags),
            opts=child_opts(self, **keep),
        )
        self.principal_id = self.vault.identity.apply(lambda i: i.principal_id if i else "")
        self.policy = dataprotection.BackupPolicy(
            f"{name}-policy",
            backup_policy_name=policy_name(args.schedule, args.retention_days),
            vault_name=self.vault.name,
            resource_group_name=args.resource_group_name,
            properties=self._policy(args),
            opts=child_opts(self),
        )
        self.snapshot_role = self._role(f"{name}-snapshot-role", DISK_SNAPSHOT_CONTRIBUTOR,
                                        args.snapshot_resource_group_id, self, None)  # fmt: skip
        self.vault_id = self.vault.id
        self.register_outputs(
            {"vault_id": self.vault.id, "policy_id": self.policy.id, "principal_id": self.principal_id}
        )

    @staticmethod
    def _policy(args: DiskBackupVaultArgs) -> dataprotection.BackupPolicyArgs:
        store = dataprotection.DataStoreInfoBaseArgs(data_store_type=OPERATIONAL_STORE, object_type="DataStoreInfoBase")
        return dataprotection.BackupPolicyArgs(
            object_type="BackupPolicy",
            datasource_types=[DISK_DATASOURCE],
            policy_rules=[
                dataprotection.AzureBackupRuleArgs(
                    name="BackupDaily" if args.schedule.daily else "BackupHourly",
                    object_type="AzureBackupRule",
                    backup_parameters=dataprotection.AzureBackupParamsArgs(
                        backup_type="Incremental", object_type="AzureBackupParams"
                    ),
                    data_store=store,
                    trigger=dataprotection.ScheduleBasedTriggerContextArgs(
                        object_type="ScheduleBasedTriggerContext",
                        schedule=dataprotection.BackupScheduleArgs(repeating_time_intervals=[args.schedule.interval()]),
                        tagging_criteria=[
                            dataprotection.TaggingCriteriaArgs(
                                is_default=True,
                                tagging_priority=99,
                                tag_info=dataprotection.RetentionTagArgs(tag_name="Default"),
                            )
                        ],
                    ),
                ),
                dataprotection.AzureRetentionRuleArgs(
                    name="Default",
                    object_type="AzureRetentionRule",
                    is_default=True,
                    lifecycles=[
                        dataprotection.SourceLifeCycleArgs(
                            delete_after=dataprotection.AbsoluteDeleteOptionArgs(
                                duration=f"P{args.retention_days}D", object_type="AbsoluteDeleteOption"
                            ),
                            source_data_store=store,
                        )
                    ],
                ),
            ],
        )

    def _role(
        self, name: str, role: str, scope: pulumi.Input[str], parent: pulumi.Resource, after: pulumi.Resource | None
    ) -> authorization.RoleAssignment:
        return authorization.RoleAssignment(
            name,
            principal_id=self.principal_id,
            principal_type="ServicePrincipal",
            role_definition_id=role_definition_id(self.args.subscription_id, role),
            scope=scope,
            opts=child_opts(parent, replace_on_changes=ROLE_ASSIGNMENT_REPLACE, depends_on=[after] if after else None),
        )

    def protect_disk(self, name: str, disk: DiskToProtect, parent: pulumi.Resource) -> dataprotection.BackupInstance:
        """Back ``disk`` up: Disk Backup Reader on it for the vault, then its backup instance (both children of
        ``parent``, the disk's component). The instance is protected and retained: deleting it would delete its
        recovery points."""
        # One explicit dependency each (the reader after the snapshot role, the instance after the reader): the SDK
        # awaits a depends_on list as a set, whose order varies run to run, and so would the registrations.
        reader = self._role(f"{name}-backup-reader", DISK_BACKUP_READER, disk.disk_id, parent, self.snapshot_role)
        args = self.args
        return dataprotection.BackupInstance(
            f"{name}-backup",
            backup_instance_name=instance_name(disk),
            vault_name=self.vault.name,
            resource_group_name=args.resource_group_name,
            properties=dataprotection.BackupInstanceArgs(
                object_type="BackupInstance",
                friendly_name=disk.disk_name,
                data_source_info=dataprotection.DatasourceArgs(
                    object_type="Datasource",
                    resource_id=disk.disk_id,
                    resource_name=disk.disk_name,
                    resource_type=DISK_TYPE,
                    resource_location=args.location,
                    resource_uri=disk.disk_id,
                    datasource_type=DISK_DATASOURCE,
                ),
                policy_info=dataprotection.PolicyInfoArgs(
                    policy_id=self.policy.id,
                    policy_parameters=dataprotection.PolicyParametersArgs(
                        data_store_parameters_list=[
                            dataprotection.AzureOperationalStoreParametersArgs(
                                data_store_type=OPERATIONAL_STORE,
                                object_type="AzureOperationalStoreParameters",
                                resource_group_id=args.snapshot_resource_group_id,
                            )
                        ]
                    ),
                ),
            ),
            opts=child_opts(parent, protect=True, retain_on_delete=True, depends_on=[reader]),
        )
