"""Azure Backup of managed disks in the emulator (fakeazure/providers/dataprotection.py): what Azure refuses, and the
recovery points a backup instance holds as the product clock moves on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from azurefacts import clock
from azurefacts.backup import DiskSchedule, recovery_points, retention_problem, schedule_problem
from azurefacts.roles import DISK_BACKUP_READER, DISK_SNAPSHOT_CONTRIBUTOR
from fakeazure import FakeAzure
from fakeazure.caller import OWNER, delete_refusal
from fakeazure.providers.dataprotection import recovery_points as points_of
from tests.fakeazure.test_rules import (
    DISK,
    RESOURCE_GROUP,
    RG,
    ROLE_ASSIGNMENT,
    changed,
    disk_inputs,
    make_disk,
    make_network,
    rejected,
    role_inputs,
)

VAULT = "azure-native:dataprotection:BackupVault"
POLICY = "azure-native:dataprotection:BackupPolicy"
INSTANCE = "azure-native:dataprotection:BackupInstance"
SNAPSHOTS = "rg-dsvm-snapshots"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    fake_azure.caller = OWNER  # the roles here are the test's, not the deploy identity's condition
    make_network(fake_azure)
    fake_azure.create(RESOURCE_GROUP, SNAPSHOTS, {"resourceGroupName": SNAPSHOTS, "location": "westeurope"})
    return fake_azure


def vault_inputs(redundancy: str = "LocallyRedundant", soft_delete: str = "On") -> dict[str, Any]:
    return {
        "vaultName": "dsvm-backup", "resourceGroupName": RG, "identity": {"type": "SystemAssigned"},
        "properties": {
            "storageSettings": [{"datastoreType": "VaultStore", "type": redundancy}],
            "securitySettings": {"softDeleteSettings": {"state": soft_delete, "retentionDurationInDays": 14}},
        },
    }  # fmt: skip


def policy_inputs(interval: str = "R/2024-01-01T02:00:00+00:00/P1D", keep: str = "P7D") -> dict[str, Any]:
    return {
        "vaultName": "dsvm-backup", "resourceGroupName": RG, "backupPolicyName": "disk-daily",
        "properties": {
            "objectType": "BackupPolicy", "datasourceTypes": ["Microsoft.Compute/disks"],
            "policyRules": [
                {"name": "BackupDaily", "objectType": "AzureBackupRule",
                 "backupParameters": {"objectType": "AzureBackupParams", "backupType": "Incremental"},
                 "dataStore": {"objectType": "DataStoreInfoBase", "dataStoreType": "OperationalStore"},
                 "trigger": {"objectType": "ScheduleBasedTriggerContext",
                             "schedule": {"repeatingTimeIntervals": [interval]},
                             "taggingCriteria": [{"isDefault": True, "taggingPriority": 99,
                                                  "tagInfo": {"tagName": "Default", "id": "Default_"}}]}},
                {"name": "Default", "objectType": "AzureRetentionRule", "isDefault": True,
                 "lifecycles": [{"deleteAfter": {"objectType": "AbsoluteDeleteOption", "duration": keep},
                                 "sourceDataStore": {"objectType": "DataStoreInfoBase",
                                                     "dataStoreType": "OperationalStore"}}]},
            ],
        },
    }  # fmt: skip


def instance_inputs(az: FakeAzure, disk_id: str, policy_id: str, group: str = SNAPSHOTS) -> dict[str, Any]:
    return {
        "vaultName": "dsvm-backup", "resourceGroupName": RG, "backupInstanceName": "alice-data",
        "properties": {
            "objectType": "BackupInstance", "friendlyName": "alice-data",
            "dataSourceInfo": {"objectType": "Datasource", "resourceID": disk_id, "resourceName": "alice-data",
                               "resourceType": "Microsoft.Compute/disks", "resourceLocation": "westeurope",
                               "datasourceType": "Microsoft.Compute/disks"},
            "policyInfo": {"policyId": policy_id, "policyParameters": {"dataStoreParametersList": [{
                "objectType": "AzureOperationalStoreParameters", "dataStoreType": "OperationalStore",
                "resourceGroupId": az.resource_group_id(group)}]}},
        },
    }  # fmt: skip


def grant(az: FakeAzure, principal: str, role: str, scope: str, name: str) -> None:
    az.create(ROLE_ASSIGNMENT, name, role_inputs(az, scope, role, principal))


def protect(az: FakeAzure, roles: bool = True) -> tuple[str, str, str]:
    """Vault, policy, the roles (unless not), a disk; returns (vault principal, disk id, policy id)."""
    vault = az.create(VAULT, "vault", vault_inputs())
    principal = vault.outputs["identity"]["principalId"]
    policy = az.create(POLICY, "policy", policy_inputs()).id
    disk = make_disk(az, "alice-data")
    if roles:
        grant(az, principal, DISK_BACKUP_READER, disk, "reader")
        grant(az, principal, DISK_SNAPSHOT_CONTRIBUTOR, az.resource_group_id(SNAPSHOTS), "snapshots")
    return principal, disk, policy


def test_a_vault_has_a_managed_identity_and_a_redundancy_its_region_offers(az: FakeAzure) -> None:
    vault = az.create(VAULT, "vault", vault_inputs("ZoneRedundant"))
    assert vault.outputs["identity"]["principalId"] != vault.outputs["identity"].get("tenantId")
    assert rejected(az, VAULT, "v2", changed(vault_inputs(), "vaultName", "2vault")).code == "InvalidResourceName"
    bad = changed(vault_inputs(), "properties.securitySettings.softDeleteSettings.retentionDurationInDays", 7)
    assert "14-180 days" in rejected(az, VAULT, "v2", {**bad, "vaultName": "v2"}).message
    az.create(RESOURCE_GROUP, "rg-uk", {"resourceGroupName": "rg-uk", "location": "ukwest"})  # no zones there
    uk = {**vault_inputs("ZoneRedundant"), "vaultName": "v3", "resourceGroupName": "rg-uk"}
    error = rejected(az, VAULT, "v3", uk)
    assert "no availability zones" in error.message


def test_an_instance_needs_the_vaults_roles_on_the_disk_and_the_snapshot_group(az: FakeAzure) -> None:
    principal, disk, policy = protect(az, roles=False)
    # The codes of Microsoft Learn's 'Troubleshooting backup failures in Azure Disk Backup'.
    error = rejected(az, INSTANCE, "alice-backup", instance_inputs(az, disk, policy))
    assert error.code == "UserErrorNotEnoughPermissionOnDisk"
    assert "Disk Backup Reader on" in error.message and "Disk Snapshot Contributor on" in error.message
    grant(az, principal, DISK_BACKUP_READER, disk, "reader")
    error = rejected(az, INSTANCE, "alice-backup", instance_inputs(az, disk, policy))
    assert error.code == "UserErrorNotEnoughPermissionOnSnapshotRG"
    assert "Disk Backup Reader" not in error.message and "Disk Snapshot Contributor" in error.message
    # A role on the whole snapshot group's subscription covers the group (RBAC inherits downwards).
    grant(az, principal, DISK_SNAPSHOT_CONTRIBUTOR, f"/subscriptions/{az.subscription_id}", "sub")
    instance = az.create(INSTANCE, "alice-backup", instance_inputs(az, disk, policy))
    assert instance.outputs["properties"]["currentProtectionState"] == "ProtectionConfigured"
    assert instance.outputs["systemData"]["createdAt"] == clock.moment().isoformat()
    second = {**instance_inputs(az, disk, policy), "backupInstanceName": "again"}
    error = rejected(az, INSTANCE, "again", second)
    assert error.code == "UserErrorDppDatasourceAlreadyProtected" and "already protected" in error.message


def test_the_snapshot_group_and_the_policy_must_exist_and_the_group_never_changes(az: FakeAzure) -> None:
    _, disk, policy = protect(az)
    assert rejected(az, INSTANCE, "bi", instance_inputs(az, disk, policy, "rg-nowhere")).code == (
        "UserErrorSnapshotRGNotFound")
    elsewhere = changed(instance_inputs(az, disk, policy), "properties.policyInfo.policyParameters."
                        "dataStoreParametersList.0.resourceGroupId", "/subscriptions/other/resourceGroups/snaps")
    assert rejected(az, INSTANCE, "bi", elsewhere).code == "UserErrorSnapshotRGSubscriptionMismatch"
    gone = changed(instance_inputs(az, disk, policy), "properties.dataSourceInfo.resourceID", f"{disk}-gone")
    assert rejected(az, INSTANCE, "bi", gone).code == "UserErrorManagedDiskNotFound"
    instance = az.create(INSTANCE, "bi", instance_inputs(az, disk, policy))
    az.create(RESOURCE_GROUP, "rg-other", {"resourceGroupName": "rg-other", "location": "westeurope"})
    az.begin_run()
    kept = az.create(INSTANCE, "bi", instance_inputs(az, disk, policy, "rg-other"))
    refusal = az.refusals[instance.id.lower()][0]
    assert refusal.code == "PropertyChangeNotAllowed" and "policyParameters" in refusal.message
    assert kept.inputs == instance.inputs


def test_premium_ssd_v2_and_ultra_disks_take_a_12_hour_or_daily_policy_and_ade_disks_none(az: FakeAzure) -> None:
    """'Azure Disk Backup support matrix': Premium SSD v2 and Ultra Disks back up every 12 hours or daily only; "ADE
    encrypted disks can't be protected"."""
    principal, _, daily = protect(az)
    every4 = {**policy_inputs("R/2024-01-01T02:00:00+00:00/PT4H"), "backupPolicyName": "every4"}
    hourly = az.create(POLICY, "every4", every4).id
    v2 = az.create(DISK, "fast", {**disk_inputs("fast", sku="PremiumV2_LRS"), "zones": ["1"]}).id
    grant(az, principal, DISK_BACKUP_READER, v2, "reader-v2")
    error = rejected(az, INSTANCE, "fast", {**instance_inputs(az, v2, hourly), "backupInstanceName": "fast"})
    assert error.code == "UserErrorDiskBackupDiskTypeNotSupported" and "PremiumV2_LRS" in error.message
    az.create(INSTANCE, "fast", {**instance_inputs(az, v2, daily), "backupInstanceName": "fast"})
    # A Standard or Premium SSD takes the 4-hour policy.
    ssd = make_disk(az, "ssd")
    grant(az, principal, DISK_BACKUP_READER, ssd, "reader-ssd")
    az.create(INSTANCE, "ssd", {**instance_inputs(az, ssd, hourly), "backupInstanceName": "ssd"})
    ade = az.create(DISK, "ade", {**disk_inputs("ade"), "encryptionSettingsCollection": {"enabled": True}}).id
    grant(az, principal, DISK_BACKUP_READER, ade, "reader-ade")
    error = rejected(az, INSTANCE, "ade", {**instance_inputs(az, ade, daily), "backupInstanceName": "ade"})
    assert error.code == "UserErrorDiskBackupDiskTypeNotSupported" and "Azure Disk Encryption" in error.message


def test_a_policy_is_a_schedule_azure_offers_and_is_never_modified(az: FakeAzure) -> None:
    az.create(VAULT, "vault", vault_inputs())
    for interval in ("R/2024-01-01T02:00:00+00:00/PT3H", "2024-01-01T02:00:00Z/P1D"):
        assert "Invalid backup schedule" in rejected(az, POLICY, "p", policy_inputs(interval)).message
    for keep in ("P0D", "P400D", "PT12H"):
        assert rejected(az, POLICY, "p", policy_inputs(keep=keep)).code == "BadRequest", keep
    # Hourly backups kept too long exceed the 450 snapshots a disk may hold.
    error = rejected(az, POLICY, "p", policy_inputs("R/2024-01-01T00:00:00+00:00/PT1H", "P30D"))
    assert "720 snapshots" in error.message and "at most 18 days" in error.message
    policy = az.create(POLICY, "p", policy_inputs())
    az.begin_run()
    az.create(POLICY, "p", policy_inputs(keep="P14D"))
    assert az.refusals[policy.id.lower()][0].code == "PropertyChangeNotAllowed"


def test_the_vault_keeps_its_redundancy_once_it_protects_a_disk_and_is_not_deleted_while_it_holds_any(
    az: FakeAzure,
) -> None:
    _, disk, policy = protect(az)
    vault_id = az.get(policy.rsplit("/backupPolicies/", 1)[0])
    assert vault_id is not None
    az.begin_run()
    az.create(VAULT, "vault", vault_inputs("ZoneRedundant"))  # nothing protected yet: allowed
    az.create(INSTANCE, "bi", instance_inputs(az, disk, policy))
    az.begin_run()
    az.create(VAULT, "vault", vault_inputs("LocallyRedundant"))
    refusal = az.refusals[vault_id.id.lower()][0]
    assert "cannot be changed after protecting items" in refusal.message and "new vault" in str(refusal.hint)
    refusal = delete_refusal(az, vault_id.id)
    assert refusal is not None and "existing backup instances or backup policies" in refusal.message
    assert "in use by backup instance" in str(delete_refusal(az, policy))


def test_always_on_soft_delete_stays_on(az: FakeAzure) -> None:
    vault = az.create(VAULT, "vault", vault_inputs(soft_delete="AlwaysOn"))
    az.begin_run()
    az.create(VAULT, "vault", vault_inputs(soft_delete="On"))
    assert "AlwaysOn cannot be turned off" in az.refusals[vault.id.lower()][0].message


def test_recovery_points_follow_the_schedule_from_protection_within_retention(
    az: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(clock.ENV, "2026-12-05T10:00")
    _, disk, policy = protect(az)
    instance = az.create(INSTANCE, "bi", instance_inputs(az, disk, policy))
    assert points_of(az, instance) == []  # the first daily backup is at 02:00 tomorrow
    monkeypatch.setenv(clock.ENV, "2026-12-06T02:00")
    assert points_of(az, instance) == [datetime(2026, 12, 6, 2, tzinfo=UTC)]
    monkeypatch.setenv(clock.ENV, "2026-12-20")  # 7 days kept: the 13th to the 19th
    got = points_of(az, instance)
    assert got[0] == datetime(2026, 12, 13, 2, tzinfo=UTC) and got[-1] == datetime(2026, 12, 19, 2, tzinfo=UTC)
    assert len(got) == 7
    az.begin_run()  # an update (tags, a new policy) keeps when protection began
    again = az.create(INSTANCE, "bi", instance_inputs(az, disk, policy))
    assert again.outputs["systemData"]["createdAt"] == "2026-12-05T10:00:00+00:00"


def test_the_rules_of_schedules_and_retention() -> None:
    assert DiskSchedule(24, 2).interval() == "R/2024-01-01T02:00:00+00:00/P1D"
    assert DiskSchedule(4, 1, 30).interval() == "R/2024-01-01T01:30:00+00:00/PT4H"
    assert schedule_problem(4) is None and "not every 5" in str(schedule_problem(5))
    assert schedule_problem(4, premium_v2=True) is not None
    assert retention_problem(7, 1) is None and "maximum of one year" in str(retention_problem(400, 1))
    anchor = datetime(2024, 1, 1, 2, tzinfo=UTC)
    since, until = datetime(2026, 1, 1, 12, tzinfo=UTC), datetime(2026, 1, 2, 12, tzinfo=UTC)
    assert recovery_points(anchor, timedelta(hours=4), since, until, timedelta(days=7)) == [
        since + timedelta(hours=2 + 4 * i) for i in range(6)
    ]
