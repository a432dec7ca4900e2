"""Plans over what already exists: described with --existing, or assumed, never a crash."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from azurefacts.subscription_roles import VM_IDLE_STOP, VM_PATCH_START, role_definition_id
from tests.helpers import ROOT, runner

SUB = "00000000-0000-4000-8000-000000000001"
DISK = f"/subscriptions/{SUB}/resourceGroups/rg-data/providers/Microsoft.Compute/disks/alice-old"


def project(tmp_path: Path, **changes: Any) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config.update(changes)
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def plan(directory: Path, *extra: str) -> tuple[int, str]:
    from dsvmctl.cli import app

    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(directory), *extra])
    return result.exit_code, result.output


def with_existing_disk(tmp_path: Path) -> Path:
    members = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["dsvm:members"]
    members[0]["data_disk"] = {"existing_disk_resource_id": DISK}
    return project(tmp_path, **{"dsvm:members": members})


def test_an_existing_resource_group_is_assumed_without_a_file(tmp_path: Path) -> None:
    directory = project(tmp_path, **{"dsvm:resource_group_name": "rg-shared"})
    code, output = plan(directory, "--json")
    assert code == 0, output
    document = json.loads(output)
    assert document["existing"] == [{
        "kind": "resource_group", "id": f"/subscriptions/{SUB}/resourceGroups/rg-shared",
        "configPath": "resource_group_name", "source": "assumed", "location": "westeurope",
    }, {
        "kind": "role_definition", "id": role_definition_id(SUB, VM_IDLE_STOP), "configPath": "dsvmctl bootstrap",
        "source": "assumed", "location": None,
    }, {
        "kind": "role_definition", "id": role_definition_id(SUB, VM_PATCH_START), "configPath": "dsvmctl bootstrap",
        "source": "assumed", "location": None,
    }]  # fmt: skip
    # The only group the stack creates is its disk backups' snapshot group, named after the existing one.
    groups = [r["id"] for r in document["resources"] if r["type"] == "azure-native:resources:ResourceGroup"]
    assert groups == [f"/subscriptions/{SUB}/resourceGroups/rg-shared-snapshots"]
    assert all("/resourceGroups/rg-shared/" in r["id"] for r in document["resources"] if r.get("id") and
               r["type"].startswith("azure-native:") and r["type"] not in (
                   "azure-native:authorization:RoleAssignment", "azure-native:resources:ResourceGroup"))
    code, text = plan(directory)
    assert code == 0 and "assumed to exist (no --existing); dsvm:resource_group_name" in text
    assert "assumed to exist (no --existing); made by `dsvmctl bootstrap`" in text


def test_an_existing_resource_group_described_in_a_file(tmp_path: Path) -> None:
    directory = project(tmp_path, **{"dsvm:resource_group_name": "rg-shared"})
    (tmp_path / "existing.yaml").write_text("resource_groups:\n  - {name: rg-shared, location: northeurope}\n")
    code, output = plan(directory, "--json", "--existing", str(tmp_path / "existing.yaml"))
    assert code == 0, output
    item, *roles = json.loads(output)["existing"]
    assert item["source"] == "described" and item["location"] == "northeurope"
    assert len(roles) == 2  # idle stop's and the patch start's
    assert all(r["kind"] == "role_definition" and r["source"] == "assumed" for r in roles)  # the file does not say


def test_an_existing_disk_attaches_when_it_is_where_the_vm_is(tmp_path: Path) -> None:
    directory = with_existing_disk(tmp_path)
    code, output = plan(directory, "--json")
    assert code == 0, output
    document = json.loads(output)
    (vm,) = [r for r in document["resources"] if r["name"] == "alice-vm"]
    assert vm["inputs"]["storageProfile"]["dataDisks"][0]["managedDisk"]["id"] == DISK
    assert vm["inputs"]["storageProfile"]["dataDisks"][0]["caching"] == "None"  # size unknown: no host caching
    assert {e["kind"]: e["source"] for e in document["existing"]} == {"disk": "assumed", "role_definition": "assumed"}


def test_an_existing_disk_in_another_region_is_refused(tmp_path: Path) -> None:
    directory = with_existing_disk(tmp_path)
    (tmp_path / "existing.yaml").write_text(yaml.safe_dump({"disks": [
        {"id": DISK, "location": "eastus", "size_gb": 512}]}))
    code, output = plan(directory, "--existing", str(tmp_path / "existing.yaml"))
    assert code == 2 and "InvalidParameter" in output and "alice-old is in 'eastus'" in output


def test_an_existing_disk_attached_to_another_vm_is_refused(tmp_path: Path) -> None:
    directory = with_existing_disk(tmp_path)
    other = f"/subscriptions/{SUB}/resourceGroups/rg-other/providers/Microsoft.Compute/virtualMachines/old-vm"
    (tmp_path / "existing.yaml").write_text(yaml.safe_dump({"disks": [
        {"id": DISK, "location": "westeurope", "size_gb": 512, "attached_to": other}]}))
    code, output = plan(directory, "--existing", str(tmp_path / "existing.yaml"))
    assert code == 2 and "OperationNotAllowed" in output and "already attached to VM" in output


def test_a_bad_existing_file_names_itself(tmp_path: Path) -> None:
    directory = project(tmp_path)
    (tmp_path / "existing.yaml").write_text("disks:\n  - id: x\n    size_gb: -1\n")
    code, output = plan(directory, "--existing", str(tmp_path / "existing.yaml"))
    assert code == 2 and "existing.yaml" in output and "disks.0.location" in output and "Traceback" not in output
    (tmp_path / "broken.yaml").write_text("disks: [\n")
    code, output = plan(directory, "--existing", str(tmp_path / "broken.yaml"))
    assert code == 2 and "broken.yaml line" in output


def test_the_pr_comment_lists_what_is_assumed(tmp_path: Path) -> None:
    from dsvmctl.cli import app

    directory = project(tmp_path, **{"dsvm:resource_group_name": "rg-shared"})
    result = runner.invoke(app, ["diff", "--stack", "dev", "--project-dir", str(directory), "--state-dir",
                                 str(tmp_path / "state"), "--markdown"])
    assert result.exit_code == 0, result.output
    assert "Uses without creating: `rg-shared` (resource_group, assumed)" in result.output


def test_without_the_bootstraps_roles_the_idle_role_assignment_fails_as_azure_fails_it(tmp_path: Path) -> None:
    """The subscription's idle-stop role is made once by an administrator (`dsvmctl bootstrap`): a subscription
    where it was never made refuses each VM's assignment of it, and the plan says how to make it."""
    directory = project(tmp_path)
    (tmp_path / "existing.yaml").write_text("subscription_roles: false\n")
    code, output = plan(directory, "--existing", str(tmp_path / "existing.yaml"))
    flat = " ".join(output.split())
    assert code == 2 and "RoleDefinitionDoesNotExist" in flat and "dsvmctl bootstrap" in flat, flat
    assert any(role_definition_id(SUB, r).rsplit("/", 1)[1] in flat for r in (VM_IDLE_STOP, VM_PATCH_START))
    (tmp_path / "existing.yaml").write_text("subscription_roles: true\n")
    code, output = plan(directory, "--json", "--existing", str(tmp_path / "existing.yaml"))
    assert code == 0 and json.loads(output)["existing"][0]["source"] == "described"


def test_existing_and_restored_disks_in_the_users_subscription_plan_there(tmp_path: Path) -> None:
    """A user's disk ids name their real subscription, not the emulator's stand-in: the plan runs in theirs
    (every id, the backups' snapshot group, the idle-stop role), instead of refusing the disks' backups as if
    Azure would. The restored disk is RESTORE.md's example with a subscription filled in."""
    mine = "11111111-2222-3333-4444-555555555555"
    members = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["dsvm:members"]
    members[0]["data_disk"] = {"existing_disk_resource_id": DISK.replace(SUB, mine)}
    members[1]["data_disk"] = {"restored_disk_resource_id": f"/subscriptions/{mine}/resourceGroups/rg-dsvm-dev/"
                                                            "providers/Microsoft.Compute/disks/bob-data-r202612080200"}
    code, output = plan(project(tmp_path, **{"dsvm:members": members}), "--json")
    assert code == 0, output
    document = json.loads(output)
    ids = [r["id"] for r in document["resources"] if str(r.get("id")).startswith("/subscriptions/")]
    assert ids and all(i.startswith(f"/subscriptions/{mine}/") for i in ids), [i for i in ids if mine not in i]
    instances = [r for r in document["resources"] if r["type"] == "azure-native:dataprotection:BackupInstance"]
    assert len(instances) == 3  # alice's existing disk, bob's disk and his restored one
    assert {e["id"] for e in document["existing"]} >= {role_definition_id(mine, VM_IDLE_STOP)}


def test_a_restored_disk_in_another_subscription_than_the_saved_state_says_so(tmp_path: Path) -> None:
    """Day 2 of RESTORE.md done for real: the restored disk's id names the user's subscription, the saved state
    the emulator's. The diff names the config path and the way out instead of claiming Azure would refuse it."""
    from dsvmctl.cli import app

    (tmp_path / "p").mkdir()
    directory = project(tmp_path / "p")
    state = ["--project-dir", str(directory), "--state-dir", str(tmp_path / "state")]
    assert runner.invoke(app, ["up", "--stack", "dev", *state]).exit_code == 0
    mine = "11111111-2222-3333-4444-555555555555"
    members = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["dsvm:members"]
    restored = "/resourceGroups/rg-dsvm-dev/providers/Microsoft.Compute/disks/alice-data-r202612080200"
    members[0]["data_disk"] = {"restored_disk_resource_id": f"/subscriptions/{mine}{restored}"}
    project(directory, **{"dsvm:members": members})
    result = runner.invoke(app, ["diff", "--stack", "dev", *state])
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "Azure would reject" not in text, text
    assert f"dsvm:members[0].data_disk.restored_disk_resource_id names subscription {mine}" in text
    assert f"planned in subscription {SUB}" in text and "`dsvmctl state reset`" in text
    members[0]["data_disk"] = {"restored_disk_resource_id": f"/subscriptions/{SUB}{restored}"}  # the way out
    project(directory, **{"dsvm:members": members})
    assert runner.invoke(app, ["diff", "--stack", "dev", *state]).exit_code == 0
