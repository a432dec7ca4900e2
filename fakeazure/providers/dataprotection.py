"""Microsoft.DataProtection: Backup vaults, disk backup policies, backup instances and their recovery points.

Emulated (the rules and their sources are in ``azurefacts/backup.py``; the codes are not confirmed, errors.py):
- BackupVault: name 2-50 letters, digits and hyphens, starting with a letter (``InvalidResourceName``); one
  or more storage settings of a known redundancy, ZoneRedundant only in a region with availability zones;
  soft delete On/Off/AlwaysOn with a retention of 14-180 days; AlwaysOn cannot be switched off again; the
  storage redundancy cannot change once the vault protects something; a vault with backup instances or
  policies cannot be deleted; computed: a system-assigned identity's ``principalId``/``tenantId`` (new ones
  when the vault is replaced).
- BackupPolicy: in an existing vault; disk policies only (``datasourceTypes`` ``Microsoft.Compute/disks``:
  another data source raises, it is not emulated); one ``AzureBackupRule`` on the operational store with an
  incremental backup on a schedule Azure offers (every 1, 2, 4, 6, 8, 12 hours or daily) and one default
  ``AzureRetentionRule`` whose ``deleteAfter`` is whole days within Azure's limits (a day to a year, at most
  450 snapshots); never modified in place (``azurefacts.resource_types``); not deleted while an instance uses it.
- BackupInstance: in an existing vault, with a policy of that vault; its data source an existing managed disk
  (``UserErrorManagedDiskNotFound``) in the vault's region, not encrypted with Azure Disk Encryption, and a
  Premium SSD v2 or Ultra Disk only with a 12-hour or daily policy (``UserErrorDiskBackupDiskTypeNotSupported``);
  its snapshot resource group an existing group (``UserErrorSnapshotRGNotFound``) of the disk's subscription
  (``UserErrorSnapshotRGSubscriptionMismatch``); the vault's identity must hold Disk Backup Reader on the disk
  (``UserErrorNotEnoughPermissionOnDisk``) and Disk Snapshot Contributor on the snapshot resource group
  (``UserErrorNotEnoughPermissionOnSnapshotRG``), at that scope or above, as Azure's validation checks before it
  protects anything; a disk is protected by one instance only (``UserErrorDppDatasourceAlreadyProtected``). The
  codes are those Microsoft Learn's 'Troubleshooting backup failures in Azure Disk Backup' lists; that the PUT
  (rather than a later job) answers with them is not confirmed. Computed: ``protectionStatus``,
  ``currentProtectionState`` and ``systemData.createdAt`` (the product clock's ``moment()`` when protection
  began; kept by updates, new when the instance is replaced).
- Recovery points (``recovery_points``): one at each scheduled time of the instance's policy after protection
  began, up to the product clock's ``moment()``, that the policy's retention still keeps. That is what
  ``dsvmctl restore`` plans from, offline.

Not emulated: backups that fail (a deallocated or busy disk is still snapshotted by Azure), on-demand backups,
"stop protection and retain data" (an action, not a PUT), the vault's soft-deleted instances, restores
themselves (``dsvmctl restore`` describes the disk a restore creates), immutability, cross-region restore,
resource guards, the 500-snapshot limit of a disk that is also snapshotted outside the backup.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from azurefacts import clock
from azurefacts.backup import (
    DISK_DATASOURCE,
    OPERATIONAL_STORE,
    PREMIUM_V2_SKUS,
    SOFT_DELETE_MAX_DAYS,
    SOFT_DELETE_MIN_DAYS,
    SOFT_DELETE_STATES,
    VAULT_REDUNDANCIES,
    parse_days,
    parse_interval,
    retention_problem,
    schedule_problem,
)
from azurefacts.backup import recovery_points as scheduled_points
from azurefacts.regions import has_zones
from azurefacts.roles import DISK_BACKUP_READER, DISK_SNAPSHOT_CONTRIBUTOR, ROLE_DEFINITIONS
from fakeazure import errors
from fakeazure.errors import FakeAzureError
from fakeazure.providers.authorization import holds_role
from fakeazure.providers.base import ResourceType, dig
from fakeazure.resource import stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_VAULT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,49}$")
DISK_TYPE = "Microsoft.Compute/disks"
GROUP_TYPE = "Microsoft.Resources/resourceGroups"
REDUNDANCY = "properties.storageSettings"


def _generation(az: FakeAzure, resource: ArmResource) -> list[str]:
    generation = az.generation(resource.id)
    return [str(generation)] if generation else []


def _children(az: FakeAzure, vault_id: str, arm_type: str) -> list[ArmResource]:
    prefix = vault_id.lower() + "/"
    return [r for r in az.of_type(arm_type) if r.id.lower().startswith(prefix)]


def _vault_of(az: FakeAzure, resource: ArmResource) -> ArmResource:
    vault_id = resource.id.rsplit("/", 2)[0]
    return az.require(vault_id, "vaultName", BackupVault.arm_type, code=errors.resource_not_found)


class BackupVault(ResourceType):
    token = "azure-native:dataprotection:BackupVault"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        if not _VAULT_NAME.match(resource.name):
            raise errors.invalid_resource_name(
                f"The vault name '{resource.name}' is invalid: use 2-50 letters, digits and hyphens, starting with "
                "a letter.",
                "vaultName",
            )
        settings = dig(resource.inputs, REDUNDANCY) or []
        if not settings:
            raise errors.backup_request_invalid("A Backup vault needs at least one storage setting.", REDUNDANCY)
        for i, setting in enumerate(settings):
            kind = setting.get("type")
            if kind not in VAULT_REDUNDANCIES:
                raise errors.backup_request_invalid(
                    f"Storage setting type '{kind}' is not one of {', '.join(VAULT_REDUNDANCIES)}.",
                    f"{REDUNDANCY}[{i}].type",
                )
            if kind == "ZoneRedundant" and not has_zones(str(resource.location)):
                raise errors.backup_request_invalid(
                    f"Zone-redundant storage is not available in {resource.location}, which has no availability "
                    "zones: use LocallyRedundant or GeoRedundant.",
                    f"{REDUNDANCY}[{i}].type",
                )
        soft = dig(resource.inputs, "properties.securitySettings.softDeleteSettings") or {}
        state = soft.get("state", "On")
        if state not in SOFT_DELETE_STATES:
            raise errors.backup_request_invalid(
                f"Soft delete state '{state}' is not one of {', '.join(SOFT_DELETE_STATES)}.",
                "properties.securitySettings.softDeleteSettings.state",
            )
        days = soft.get("retentionDurationInDays")
        if state != "Off" and days is not None and not SOFT_DELETE_MIN_DAYS <= float(days) <= SOFT_DELETE_MAX_DAYS:
            raise errors.backup_request_invalid(
                f"Soft delete retention must be {SOFT_DELETE_MIN_DAYS}-{SOFT_DELETE_MAX_DAYS} days, not {days}.",
                "properties.securitySettings.softDeleteSettings.retentionDurationInDays",
            )

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        old = [s.get("type") for s in dig(previous.inputs, REDUNDANCY) or []]
        new = [s.get("type") for s in dig(resource.inputs, REDUNDANCY) or []]
        protected = _children(az, resource.id, BackupInstance.arm_type)
        if old != new and protected:
            raise errors.backup_request_invalid(
                f"Storage redundancy cannot be changed after protecting items to the vault ({len(protected)} backup "
                f"instance(s) in {resource.name}): it stays {', '.join(str(o) for o in old)}.",
                REDUNDANCY,
                hint=f"keep the vault's redundancy ({', '.join(str(o) for o in old)}); for another one, create a "
                "new vault and protect the disks there (the old vault keeps its recovery points until they expire)",
            )
        was = dig(previous.inputs, "properties.securitySettings.softDeleteSettings.state")
        now = dig(resource.inputs, "properties.securitySettings.softDeleteSettings.state")
        if was == "AlwaysOn" and now != "AlwaysOn":
            raise errors.backup_request_invalid(
                "Soft delete set to AlwaysOn cannot be turned off or changed.",
                "properties.securitySettings.softDeleteSettings.state",
                hint="keep softDeleteSettings.state AlwaysOn (it is irreversible by design)",
            )
        super().validate_update(az, previous, resource, changed)

    def validate_delete(self, az: FakeAzure, resource: ArmResource) -> None:
        inside = _children(az, resource.id, BackupInstance.arm_type) + _children(az, resource.id, BackupPolicy.arm_type)
        if inside:
            raise errors.backup_vault_not_empty(
                "Cannot delete the Backup vault as there are existing backup instances or backup policies in the "
                f"vault ({', '.join(r.name for r in inside)}). Delete all backup instances and backup policies that "
                "are present in the vault and then try deleting the vault.",
                "vaultName",
            )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        identity = resource.inputs.get("identity") or {}
        if "SystemAssigned" not in str(identity.get("type", "")):
            return {}
        principal = stable_uuid(resource.id.lower(), "principal", *_generation(az, resource))
        return {"identity": {**identity, "principalId": principal, "tenantId": az.tenant_id}}


def _policy_rules(resource: ArmResource) -> tuple[dict[str, Any], dict[str, Any]]:
    """The policy's one backup rule and its default retention rule, or Azure's refusal."""
    rules = dig(resource.inputs, "properties.policyRules") or []
    backups = [r for r in rules if r.get("objectType") == "AzureBackupRule"]
    retentions = [r for r in rules if r.get("objectType") == "AzureRetentionRule" and r.get("isDefault")]
    if len(backups) != 1 or len(retentions) != 1:
        raise errors.backup_request_invalid(
            "A disk backup policy takes one AzureBackupRule and one default AzureRetentionRule "
            f"({len(backups)} and {len(retentions)} given).",
            "properties.policyRules",
        )
    return backups[0], retentions[0]


def policy_schedule(policy: ArmResource) -> tuple[datetime, timedelta, timedelta]:
    """A valid policy's (schedule anchor, period, retention)."""
    backup, retention = _policy_rules(policy)
    parsed = parse_interval(str((dig(backup, "trigger.schedule.repeatingTimeIntervals") or [""])[0]))
    days = parse_days(str(dig(retention, "lifecycles")[0]["deleteAfter"]["duration"]))
    assert parsed is not None and days is not None  # validated when the policy was created
    return parsed[0], parsed[1], timedelta(days=days)


class BackupPolicy(ResourceType):
    token = "azure-native:dataprotection:BackupPolicy"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        _vault_of(az, resource)
        kinds = dig(resource.inputs, "properties.datasourceTypes") or []
        if kinds != [DISK_DATASOURCE]:
            raise FakeAzureError(f"fakeazure emulates disk backup policies only, not datasourceTypes {kinds}")
        backup, retention = _policy_rules(resource)
        target = "properties.policyRules"
        if dig(backup, "dataStore.dataStoreType") != OPERATIONAL_STORE:
            raise errors.backup_request_invalid("Disk backups go to the OperationalStore only.", f"{target}.dataStore")
        if dig(backup, "backupParameters.backupType") != "Incremental":
            raise errors.backup_request_invalid("Disk backups are Incremental.", f"{target}.backupParameters")
        intervals = dig(backup, "trigger.schedule.repeatingTimeIntervals") or []
        parsed = parse_interval(str(intervals[0])) if len(intervals) == 1 else None
        period_hours = int(parsed[1].total_seconds() // 3600) if parsed else 0
        problem = "one repeating time interval R/<start>/PT<n>H or P1D is needed" if parsed is None else (
            schedule_problem(period_hours))
        if problem:
            raise errors.backup_request_invalid(f"Invalid backup schedule {intervals}: {problem}.",
                                                f"{target}.trigger.schedule.repeatingTimeIntervals")  # fmt: skip
        lifecycles = retention.get("lifecycles") or []
        days = parse_days(str(dig(lifecycles[0], "deleteAfter.duration") or "")) if len(lifecycles) == 1 else None
        if days is None or dig(lifecycles[0], "sourceDataStore.dataStoreType") != OPERATIONAL_STORE:
            raise errors.backup_request_invalid(
                "The default retention rule needs one lifecycle on the OperationalStore deleting after P<n>D.",
                f"{target}.lifecycles",
            )
        problem = retention_problem(days, max(1, 24 // period_hours))
        if problem:
            raise errors.backup_request_invalid(f"Invalid retention: {problem}.", f"{target}.lifecycles")

    def validate_delete(self, az: FakeAzure, resource: ArmResource) -> None:
        users = [
            i.name for i in az.of_type(BackupInstance.arm_type)
            if str(dig(i.inputs, "properties.policyInfo.policyId", "")).lower() == resource.id.lower()
        ]  # fmt: skip
        if users:
            raise errors.backup_request_invalid(
                f"Backup policy {resource.name} is in use by backup instance(s) {', '.join(users)}.",
                "backupPolicyName",
                hint="its backup instances go first (they are protected: their refusal says how)",
            )


class BackupInstance(ResourceType):
    token = "azure-native:dataprotection:BackupInstance"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        vault = _vault_of(az, resource)
        props = resource.inputs.get("properties") or {}
        disk_id = str(dig(props, "dataSourceInfo.resourceID") or "")
        disk = az.require(disk_id, "properties.dataSourceInfo.resourceID", DISK_TYPE, code=errors.backup_disk_not_found)
        if dig(props, "dataSourceInfo.datasourceType") != DISK_DATASOURCE:
            raise FakeAzureError(f"fakeazure emulates disk backup instances only (datasourceType {DISK_DATASOURCE})")
        if disk.location != vault.location:
            raise errors.backup_request_invalid(
                f"Disk {disk.name} is in {disk.location} and vault {vault.name} in {vault.location}: the Backup vault "
                "and the disk to back up must be in the same region.",
                "properties.dataSourceInfo.resourceID",
            )
        policy_id = str(dig(props, "policyInfo.policyId") or "")
        policy = az.require(policy_id, "properties.policyInfo.policyId", BackupPolicy.arm_type)
        if not policy.id.lower().startswith(vault.id.lower() + "/"):
            raise errors.backup_request_invalid(
                f"Policy {policy.id} is not a policy of vault {vault.name}.", "properties.policyInfo.policyId"
            )
        self._check_disk_type(disk, policy)
        stores = dig(props, "policyInfo.policyParameters.dataStoreParametersList") or []
        group_id = str(stores[0].get("resourceGroupId") or "") if len(stores) == 1 else ""
        target = "properties.policyInfo.policyParameters.dataStoreParametersList[0].resourceGroupId"
        if not group_id:
            raise errors.backup_request_invalid(
                "Could not perform the operation as Snapshot Data store Resource Group parameter is not provided.",
                target,
            )
        parts = group_id.split("/")
        if len(parts) > 2 and parts[2].lower() != disk.id.split("/")[2].lower():
            raise errors.backup_snapshot_group_subscription(
                "Invalid subscription selected for Snapshot Data store: the snapshot resource group must be in the "
                "disk's subscription.",
                target,
            )
        group = az.require(group_id, target, GROUP_TYPE, code=errors.backup_snapshot_group_not_found)
        self._check_roles(az, vault, disk, group)
        for other in az.of_type(self.arm_type):
            same = str(dig(other.inputs, "properties.dataSourceInfo.resourceID", "")).lower() == disk.id.lower()
            if same and other.id.lower() != resource.id.lower():
                raise errors.backup_disk_already_protected(
                    f"The disk you are trying to configure backup is already being protected: disk {disk.name} is "
                    f"already protected by backup instance {other.id}.",
                    "properties.dataSourceInfo.resourceID",
                )

    @staticmethod
    def _check_disk_type(disk: ArmResource, policy: ArmResource) -> None:
        """Premium SSD v2 and Ultra Disks take a 12-hour or daily schedule only; ADE-encrypted disks none."""
        if dig(disk.inputs, "encryptionSettingsCollection.enabled"):
            raise errors.backup_disk_type_not_supported(
                f"Unsupported disk type: disk {disk.name} is encrypted with Azure Disk Encryption (ADE), which Azure "
                "Disk Backup cannot protect.",
                "properties.dataSourceInfo.resourceID",
            )
        sku = str(dig(disk.inputs, "sku.name") or "")
        period_hours = int(policy_schedule(policy)[1].total_seconds() // 3600)
        problem = schedule_problem(period_hours, premium_v2=sku in PREMIUM_V2_SKUS)
        if problem:
            raise errors.backup_disk_type_not_supported(
                f"Unsupported disk type for policy {policy.name}: disk {disk.name} is {sku}, and for Premium SSD v2 "
                f"and Ultra Disks {problem}.",
                "properties.policyInfo.policyId",
            )

    @staticmethod
    def _check_roles(az: FakeAzure, vault: ArmResource, disk: ArmResource, group: ArmResource) -> None:
        principal = str(dig(vault.outputs, "identity.principalId") or "")
        wanted = [(DISK_BACKUP_READER, disk, errors.backup_no_permission_on_disk, "the Disk"),
                  (DISK_SNAPSHOT_CONTRIBUTOR, group, errors.backup_no_permission_on_snapshot_group,
                   "the Snapshot Data store Resource Group")]  # fmt: skip
        missing = [entry for entry in wanted if not principal or not holds_role(az, principal, entry[0], entry[1].id)]
        if missing:
            what = "; ".join(f"{ROLE_DEFINITIONS[role]} on {where.id}" for role, where, _, _ in missing)
            code, place = missing[0][2], missing[0][3]
            raise code(
                f"Azure Backup Service requires additional permissions on {place} to do this operation: the vault "
                f"{vault.name}'s managed identity needs {what}.",
                "properties.dataSourceInfo",
                hint="assign the vault's identity those roles before the backup instance (components/backup.py "
                "does, and makes the instance depend on them)",
            )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        previous = az.get(resource.id)
        began = dig(previous.outputs, "systemData.createdAt") if previous is not None else None
        now = clock.moment().isoformat()
        return {
            "properties": {
                **(resource.inputs.get("properties") or {}),
                "protectionStatus": {"status": "ProtectionConfigured"},
                "currentProtectionState": "ProtectionConfigured",
                "provisioningState": "Succeeded",
            },
            "systemData": {"createdAt": began or now, "lastModifiedAt": now},
        }


def protected_since(instance: ArmResource) -> datetime | None:
    """When the instance began protecting its disk (None: not known, e.g. a state saved before backups existed)."""
    stamp = dig(instance.outputs, "systemData.createdAt")
    return datetime.fromisoformat(str(stamp)) if stamp else None


def recovery_points(az: FakeAzure, instance: ArmResource, until: datetime | None = None) -> list[datetime]:
    """The instance's recovery points at ``until`` (default: the product clock's ``moment()``), oldest first."""
    since = protected_since(instance)
    policy = az.get(str(dig(instance.inputs, "properties.policyInfo.policyId") or ""))
    if since is None or policy is None:
        return []
    anchor, period, retention = policy_schedule(policy)
    return scheduled_points(anchor, period, since, until or clock.moment(), retention)


TYPES: list[ResourceType] = [BackupVault(), BackupPolicy(), BackupInstance()]
