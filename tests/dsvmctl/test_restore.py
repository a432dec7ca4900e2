"""`dsvmctl restore` (dsvmctl/restore.py): a restore drill planned offline from the saved state, the recovery points
the emulator models from the policy's schedule, and a diff that attaches the new disk and keeps the old one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from azurefacts import clock
from tests.helpers import ROOT, Project, by_name


@pytest.fixture
def deployed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """The dev stack applied on 2026-12-05 at 10:00 UTC; the clock then at 2026-12-09 12:00 (daily backups at 02:00:
    the 6th to the 9th)."""
    project = Project(tmp_path)
    monkeypatch.setenv(clock.ENV, "2026-12-05T10:00")
    project.up()
    monkeypatch.setenv(clock.ENV, "2026-12-09T12:00")
    return project


def drill(project: Project, unit: str, point: str, stack: str = "dev") -> tuple[int, str]:
    from dsvmctl.cli import app
    from tests.helpers import runner

    result = runner.invoke(app, ["restore", "--stack", stack, unit, "--point", point, "--json", "--project-dir",
                                 str(project.dir), "--state-dir", str(project.state)])  # fmt: skip
    return result.exit_code, result.output


def test_a_drill_picks_the_point_attaches_a_new_disk_and_keeps_the_old(deployed: Project) -> None:
    code, output = drill(deployed, "alice", "2026-12-08T12:00")
    assert code == 0, output
    plan = json.loads(output)
    assert plan["point"] == "2026-12-08T02:00:00+00:00"  # the newest at or before the time asked
    assert [p[8:16] for p in plan["recoveryPoints"]] == ["06T02:00", "07T02:00", "08T02:00", "09T02:00"]
    assert plan["restoredDisk"].endswith("/resourceGroups/rg-dsvm-dev/providers/Microsoft.Compute/disks/"
                                         "alice-data-r202612080200")
    assert plan["configPath"] == "members[0].data_disk.restored_disk_resource_id"
    commands = "\n".join(plan["commands"])
    for step in ("az dataprotection recovery-point list", "--role \"Disk Restore Operator\"",
                 "restore initialize-for-data-recovery --datasource-type AzureDisk",
                 # The long option: the extension's older releases have no -n on these two.
                 "validate-for-restore -g rg-dsvm-dev --vault-name dsvm-dev-backup --backup-instance-name alice-data-",
                 "restore trigger -g rg-dsvm-dev --vault-name dsvm-dev-backup --backup-instance-name alice-data-",
                 "az vm deallocate -g rg-dsvm-dev -n alice-vm", "pulumi up --stack dev"):  # fmt: skip
        assert step in commands, step
    assert commands.index("az vm deallocate") < commands.index("pulumi up")
    document = plan["diff"]
    assert document["errors"] == [] and document["changes"]["delete"] == 0 and document["changes"]["replace"] == 0
    vm = by_name(document, "alice-vm")
    assert vm["change"] == "update" and "storageProfile.dataDisks[0].managedDisk.id" in vm["changedProperties"]
    assert any("attaches alice-data-r202612080200 at LUN 0 instead of alice-data-disk" in e and "deallocate" in e
               for e in vm["effects"])  # fmt: skip
    old = by_name(document, "alice-data-disk")
    assert old["change"] == "same" and old["kept"].startswith("kept: no longer attached to alice-vm")
    assert by_name(document, "alice-data-backup")["change"] == "same"  # its recovery points stay reachable
    assert by_name(document, "alice-data-restored-backup")["change"] == "create"
    assert plan["restoredDiskMonthly"] == 19.71  # a 128 GiB Premium SSD, like its source


def test_after_the_restore_the_stack_attaches_the_new_disk_and_the_old_one_stays(deployed: Project) -> None:
    code, output = drill(deployed, "alice", "latest")
    target = json.loads(output)["restoredDisk"]
    deployed.config["dsvm:members"][0]["data_disk"] = {"restored_disk_resource_id": target}
    deployed.write()
    applied = deployed.up()
    vm = by_name(applied, "alice-vm")
    assert vm["inputs"]["storageProfile"]["dataDisks"][0]["managedDisk"]["id"] == target
    assert by_name(applied, "alice-data-disk")["protect"]  # still in the stack, protected
    code, again = deployed.diff()
    assert code == 0 and again["changes"]["create"] == again["changes"]["update"] == 0
    # Removing the setting attaches the original again: nothing was lost on either side.
    deployed.config["dsvm:members"][0].pop("data_disk")
    deployed.write()
    code, back = deployed.diff()
    assert by_name(back, "alice-vm")["change"] == "update"
    assert by_name(back, "alice-data-restored-backup")["errors"][0]["code"] == "Protected"  # its points are data


@pytest.mark.parametrize(("unit", "point", "words"), [
    ("carol", "latest", "has no member 'carol'; it has: alice, bob"),
    ("alice", "2026-12-01T00:00", "no recovery point at or before 2026-12-01 00:00 UTC; the backups hold: "
                                  "2026-12-06 02:00"),
    ("alice", "yesterday", "--point 'yesterday' is not a time"),
    # A time after today (the clock is at 2026-12-09 12:00) is a typo, not "the newest": said, not guessed.
    ("alice", "2027-12-08T12:00", "--point 2027-12-08 12:00 UTC is after today (2026-12-09)"),
    ("alice", "2026-12-10", "is after today (2026-12-09)"),
])  # fmt: skip
def test_what_cannot_be_restored_says_why(deployed: Project, unit: str, point: str, words: str) -> None:
    code, output = drill(deployed, unit, point)
    assert code == 2 and words in " ".join(output.split())


def test_a_second_restore_reaches_back_into_the_original_disks_backups(
    deployed: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The disk a restore made is backed up from then on; its first point is a day later. A restore to a time before
    that comes from the original disk's backups (still in the stack, protected), under a name no disk has yet
    (Azure refuses to restore onto an existing disk's name: UserErrorSameNameDiskAlreadyExists)."""
    code, output = drill(deployed, "alice", "latest")  # 2026-12-09 02:00: alice-data-r202612090200
    assert code == 0, output
    first = json.loads(output)["restoredDisk"]
    deployed.config["dsvm:members"][0]["data_disk"] = {"restored_disk_resource_id": first}
    deployed.write()
    deployed.up()
    monkeypatch.setenv(clock.ENV, "2026-12-10T12:00")  # the restored disk's first backup: 2026-12-10 02:00
    code, output = drill(deployed, "alice", "2026-12-09T02:30")
    plan = json.loads(output)
    assert code == 2 and plan["point"] == "2026-12-09T02:00:00+00:00"  # 2: the plan's refusal below
    assert plan["sourceDisk"].endswith("/disks/alice-data-disk") and plan["backupInstance"].startswith(
        "alice-data-disk-")
    assert plan["restoredDisk"].endswith("/disks/alice-data-r202612090200-2")
    # Attaching it replaces the first restored disk's backup instance: refused, naming the point that would go.
    (refusal,) = by_name(plan["diff"], "alice-data-restored-backup")["errors"]
    assert refusal["code"] == "Protected" and "alice-data-r202612090200-cda99ab0 holds 1 recovery point(s) of " \
        "disk alice-data-r202612090200 (oldest 2026-12-10 02:00" in refusal["message"]
    # The newest is the attached disk's own.
    _, output = drill(deployed, "alice", "latest")
    assert json.loads(output)["sourceDisk"] == first


def test_nothing_to_restore_before_the_first_backup_or_the_first_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = Project(tmp_path)
    code, output = drill(project, "alice", "latest")
    assert code == 2 and "`dsvmctl up --stack dev` first" in " ".join(output.split())
    monkeypatch.setenv(clock.ENV, "2026-12-05T10:00")
    project.up()
    code, output = drill(project, "alice", "latest")
    assert code == 2 and "holds no recovery point yet" in output


def test_a_rig_is_restored_by_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.gpu.yaml").read_text())["config"]
    project = Project(tmp_path, config)
    (project.dir / "Pulumi.gpu.yaml").write_text((project.dir / "Pulumi.dev.yaml").read_text())
    from dsvmctl.cli import app
    from tests.helpers import runner

    monkeypatch.setenv(clock.ENV, "2026-12-05T10:00")
    up = runner.invoke(app, ["up", "--stack", "gpu", "--project-dir", str(project.dir), "--state-dir",
                             str(project.state)])  # fmt: skip
    assert up.exit_code == 0, up.output
    monkeypatch.setenv(clock.ENV, "2026-12-07T03:00")
    code, output = drill(project, "vision", "latest", stack="gpu")
    assert code == 0, output
    plan: dict[str, Any] = json.loads(output)
    assert plan["configPath"] == "rigs[0].data_disk.restored_disk_resource_id"
    assert plan["point"] == "2026-12-07T02:00:00+00:00"


def test_a_scale_out_stack_has_no_disk_to_restore_deployed_or_not(tmp_path: Path) -> None:
    """Its seats keep their work in blob storage: the drill says so before it looks for a saved state."""
    config = yaml.safe_load((ROOT / "Pulumi.classroom.yaml").read_text())["config"]
    project = Project(tmp_path, config)
    shutil.copytree(ROOT / "rosters", project.dir / "rosters")
    code, output = drill(project, "cpu", "latest")
    assert code == 2 and "dev (scale_out) keeps its work in blob storage" in " ".join(output.split())
