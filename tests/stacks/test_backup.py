"""Disk backups and blob protection in the compositions (components/backup.py, stacks/backup.py, the storage
account): what is built, opted out, refused in config, and what turning backups off on a deployed stack says."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from azurefacts import clock
from azurefacts.roles import DISK_BACKUP_READER, DISK_SNAPSHOT_CONTRIBUTOR
from fakeazure import FakeAzure
from stacks.config import ConfigError, parse_config
from tests.helpers import ROOT, Project, by_name, of_type, one, team_values

VAULT = "azure-native:dataprotection:BackupVault"
POLICY = "azure-native:dataprotection:BackupPolicy"
INSTANCE = "azure-native:dataprotection:BackupInstance"
ROLE = "azure-native:authorization:RoleAssignment"
BLOB = "azure-native:storage:BlobServiceProperties"
DISK_ID = (
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-data/providers/Microsoft.Compute/disks/old"
)


def role_guid(record: Any) -> str:
    return str(record.inputs["roleDefinitionId"]).rsplit("/", 1)[1]


def test_every_data_disk_is_backed_up_with_the_roles_azure_requires(run_stack: Any) -> None:
    run = run_stack(team_values())
    (vault,) = of_type(run, VAULT)
    assert vault.protect and vault.retain_on_delete
    assert vault.inputs["identity"] == {"type": "SystemAssigned"}
    settings = vault.inputs["properties"]["storageSettings"]
    assert settings == [{"datastoreType": "VaultStore", "type": "LocallyRedundant"}]
    (policy,) = of_type(run, POLICY)
    assert policy.inputs["backupPolicyName"] == "disk-daily-0200utc-7d"
    principal = vault.outputs["identity"]["principalId"]
    snapshots = one(run, "azure-native:resources:ResourceGroup", "rg-dsvm-test-snapshots")
    assert snapshots.protect and snapshots.retain_on_delete
    roles = [r for r in of_type(run, ROLE) if r.inputs["principalId"] == principal]
    assert sorted((role_guid(r), r.inputs["scope"].rsplit("/", 1)[1]) for r in roles) == sorted([
        (DISK_SNAPSHOT_CONTRIBUTOR, "rg-dsvm-test-snapshots"),
        (DISK_BACKUP_READER, "alice-data-disk"), (DISK_BACKUP_READER, "bob-data-disk")])  # fmt: skip
    instances = of_type(run, INSTANCE)
    assert [i.inputs["properties"]["dataSourceInfo"]["resourceName"] for i in instances] == [
        "alice-data-disk", "bob-data-disk"]
    for instance in instances:
        assert instance.protect and instance.retain_on_delete  # deleting it would delete its recovery points
        # Azure validates the vault's roles when the instance is created: it comes after its disk's reader role,
        # which comes after the snapshot group's role.
        disk = instance.inputs["properties"]["dataSourceInfo"]["resourceName"]
        (reader,) = [r for r in roles if r.inputs["scope"].endswith(disk)]
        (snapshot_role,) = [r for r in roles if r.inputs["scope"].endswith("snapshots")]
        assert reader.urn in instance.depends_on and snapshot_role.urn in reader.depends_on
        stores = instance.inputs["properties"]["policyInfo"]["policyParameters"]["dataStoreParametersList"]
        assert stores[0]["resourceGroupId"] == snapshots.id
    assert run.outputs["backup"]["policy_name"] == "disk-daily-0200utc-7d"


def test_a_disk_opts_out_and_a_stack_turns_backups_off(run_stack: Any) -> None:
    values = team_values()
    values["members"][1]["data_disk"] = {"backup_enabled": False}
    run = run_stack(values)
    assert [i.name for i in of_type(run, INSTANCE)] == ["alice-data-backup"]
    assert run.outputs["members"]["bob"]["backup_instance"] is None
    run = run_stack(team_values(backup={"enabled": False}), backend=FakeAzure())
    assert not of_type(run, VAULT) and not of_type(run, INSTANCE) and run.outputs["backup"] is None
    assert [r.name for r in of_type(run, "azure-native:resources:ResourceGroup")] == ["rg-dsvm-test"]


def test_an_existing_disk_in_another_group_is_backed_up_by_id(run_stack: Any, fake_azure: FakeAzure) -> None:
    fake_azure.seed("azure-native:resources:ResourceGroup", "rg-data", {"resourceGroupName": "rg-data",
                                                                        "location": "westeurope"})
    fake_azure.seed("azure-native:compute:Disk", "old", {"diskName": "old", "resourceGroupName": "rg-data",
                                                         "sku": {"name": "Premium_LRS"}, "diskSizeGB": 64,
                                                         "creationData": {"createOption": "Empty"}})  # fmt: skip
    values = team_values()
    values["members"][0]["data_disk"] = {"existing_disk_resource_id": DISK_ID}
    run = run_stack(values)
    alice = one(run, INSTANCE, "alice-data-backup")
    assert alice.inputs["properties"]["dataSourceInfo"]["resourceID"] == DISK_ID
    assert alice.inputs["backupInstanceName"].startswith("old-")
    reader = one(run, ROLE, "alice-data-backup-reader")
    assert reader.inputs["scope"] == DISK_ID and role_guid(reader) == DISK_BACKUP_READER


def test_a_gpu_rig_backs_up_its_disk_and_a_scale_out_stack_has_no_vault() -> None:
    from dsvmctl.plan import make_plan

    rig = make_plan(ROOT, "gpu").to_json()
    assert [r["name"] for r in rig["resources"] if r["type"] == INSTANCE] == ["vision-data-backup"]
    classroom = make_plan(ROOT, "classroom").to_json()
    assert not [r for r in classroom["resources"] if r["type"] in (VAULT, INSTANCE)]


@pytest.mark.parametrize(("backup", "path", "words"), [
    ({"every_hours": 1, "retention_days": 30}, "backup.retention_days", "720 snapshots, over Azure's limit of 450"),
    ({"every_hours": 5}, "backup.every_hours", "1, 2, 4, 6, 8, 12"),
    ({"time": "2:00"}, "backup.time", "not a time HHMM"),
    ({"retention_days": 400}, "backup.retention_days", "365"),
    ({"soft_delete_days": 7}, "backup.soft_delete_days", "14"),
    ({"redundancy": "GeoRedundant"}, "backup.redundancy", "LocallyRedundant"),
])  # fmt: skip
def test_backup_settings_azure_refuses_are_refused_in_config(backup: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(backup=backup))
    ((where, message),) = error.value.problems
    assert where == f"dsvm:{path}" and words in message, message


def test_blob_protection_where_azure_offers_it(run_stack: Any) -> None:
    run = run_stack(team_values(storage={"soft_delete_days": 14}))
    (blob,) = of_type(run, BLOB)
    assert blob.inputs["isVersioningEnabled"] is True
    assert blob.inputs["changeFeed"] == {"enabled": True, "retentionInDays": 14}
    assert blob.inputs["restorePolicy"] == {"enabled": True, "days": 13}  # a day less than soft delete
    run = run_stack(team_values(storage={"hns_enabled": True}), backend=FakeAzure())
    (blob,) = of_type(run, BLOB)
    assert not {"isVersioningEnabled", "changeFeed", "restorePolicy"} & set(blob.inputs)  # ADLS Gen2: soft delete
    assert blob.inputs["deleteRetentionPolicy"]["enabled"] and blob.inputs["containerDeleteRetentionPolicy"]["enabled"]


@pytest.mark.parametrize(("storage", "path", "words"), [
    ({"hns_enabled": True, "versioning_enabled": True}, "storage.versioning_enabled", "Azure refuses blob versioning"),
    ({"hns_enabled": True, "point_in_time_restore_days": 3}, "storage.point_in_time_restore_days",
     "no point-in-time restore"),
    ({"point_in_time_restore_days": 14}, "storage.point_in_time_restore_days", "at least one day shorter"),
    ({"versioning_enabled": False, "point_in_time_restore_days": 3}, "storage.point_in_time_restore_days",
     "needs blob versioning"),
])  # fmt: skip
def test_blob_protection_azure_refuses_is_refused_in_config(storage: dict[str, Any], path: str, words: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(storage=storage))
    ((where, message),) = error.value.problems
    assert where == f"dsvm:{path}" and words in message, message


def test_turning_backups_off_is_refused_while_recovery_points_exist_with_the_way_out(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(tmp_path)
    monkeypatch.setenv(clock.ENV, "2026-12-05T10:00")
    project.up()
    monkeypatch.setenv(clock.ENV, "2026-12-09T12:00")  # daily at 02:00: the 6th, 7th, 8th and 9th
    project.config["dsvm:members"][0]["data_disk"] = {"backup_enabled": False}
    project.write()
    code, document = project.diff()
    assert code == 2
    (error,) = by_name(document, "alice-data-backup")["errors"]
    assert error["code"] == "Protected"
    assert "holds 4 recovery point(s) of disk alice-data-disk (oldest 2026-12-06 02:00, newest 2026-12-09 02:00" in (
        error["message"])
    suspend = "az dataprotection backup-instance suspend-backup -g rg-dsvm-dev --vault-name dsvm-dev-backup"
    assert suspend in error["fix"]
    assert "dsvmctl state unprotect" in error["fix"] and "deleted-backup-instance undelete" in error["fix"]
    # The stack-wide switch: the vault and the snapshot group say to settle the instances first.
    project.config["dsvm:backup"] = {"enabled": False}
    project.write()
    code, document = project.diff()
    assert code == 2
    assert "settle its backup instances first" in by_name(document, "dsvm-dev-backup-vault")["errors"][0]["fix"]
    assert "settle its backup instances first" in by_name(document, "rg-dsvm-dev-snapshots")["errors"][0]["fix"]


def test_a_new_schedule_is_a_new_policy_the_instances_move_to(tmp_path: Any) -> None:
    project = Project(tmp_path)
    project.up()
    project.config["dsvm:backup"] = {"every_hours": 12, "retention_days": 14}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    policy = by_name(document, "dsvm-dev-backup-policy")
    assert policy["change"] == "replace" and policy["inputs"]["backupPolicyName"] == "disk-every12h-0200utc-14d"
    alice = by_name(document, "alice-data-backup")
    assert alice["change"] == "update" and alice["changedProperties"] == ["properties.policyInfo.policyId"]
    project.up()  # the old policy goes once nothing uses it


def test_the_stack_files_back_up_by_default() -> None:
    for stack in ("dev", "staging", "prod", "gpu"):
        config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert "dsvm:backup" not in config or config["dsvm:backup"].get("enabled", True), stack
