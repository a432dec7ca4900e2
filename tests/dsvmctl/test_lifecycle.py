"""`up`, `diff` and `destroy` through the CLI and its JSON: what a change does to what runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from tests.helpers import ROOT, Project, by_name, changed, ssh_key

runner = CliRunner()


def test_fresh_up_then_diff_is_all_same(project: Project) -> None:
    code, document = project.diff()
    assert code == 0
    assert document["changes"] == {"create": 0, "update": 0, "replace": 0, "delete": 0,
                                   "same": document["changes"]["same"]}
    assert document["changes"]["same"] > 20
    assert all(r["change"] == "same" for r in document["resources"])
    assert document["errors"] == []


def test_vm_size_change_is_an_in_place_update_of_vm_size_only(project: Project) -> None:
    project.config["dsvm:members"][0]["vm_size"] = "Standard_D8s_v5"
    project.write()
    code, document = project.diff()
    assert code == 0
    assert {n: (r["change"], r["changedProperties"]) for n, r in changed(document).items()} == {
        "alice-vm": ("update", ["hardwareProfile.vmSize"])
    }


def test_image_offer_change_replaces_the_vm_and_leaves_its_data_disk(project: Project) -> None:
    project.config["dsvm:image"] = {"os": "ubuntu-2004", "version": "25.01.14"}
    project.write()
    code, document = project.diff()
    assert code == 0
    vm = by_name(document, "alice-vm")
    assert vm["change"] == "replace" and vm["deleteBeforeReplace"]
    assert any(reason.startswith("storageProfile.imageReference.offer") for reason in vm["replaceReasons"])
    assert by_name(document, "alice-data-disk")["change"] == "same"
    assert by_name(document, "alice-nic")["change"] == "same"
    # The new VM has a new system identity: its role assignment is replaced too (principalId is
    # create-only), as the real preview shows it.
    role = by_name(document, "alice-blob-role")
    assert role["change"] == "replace" and role["replaceReasons"] == ["principalId (create-only: principalId)"]
    assert {r["type"] for r in changed(document).values()} == {
        "azure-native:compute:VirtualMachine", "azure-native:authorization:RoleAssignment",
        "azure-native:compute:VirtualMachineExtension",
    }
    # The idle-stop extension is written again onto the new VM (its forceUpdateTag is the new vmId).
    extension = by_name(document, "alice-idle-stop")
    assert (extension["change"], extension["changedProperties"]) == ("update", ["forceUpdateTag"])
    assert by_name(document, "alice-idle-role")["change"] == "replace"  # the new identity's assignment
    assert "replaces the VM: its OS disk goes with it" in vm["effects"][0]
    assert "attached data disks are detached and kept" in vm["effects"][0]


def test_a_replaced_vm_gets_its_entra_login_extension_again(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:members"][0].update(entra_login_enabled=True, entra_object_id="0f8fad5b-d9cb-469f-a165-70867728950e")
    project = Project(tmp_path, config)
    project.up()
    project.config["dsvm:image"] = {"os": "ubuntu-2004", "version": "25.01.14"}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    assert by_name(document, "alice-vm")["change"] == "replace"
    # The extension went with the old VM: its forceUpdateTag (the new vmId) writes it onto the new one.
    extension = by_name(document, "alice-aad-ssh")
    assert (extension["change"], extension["changedProperties"]) == ("update", ["forceUpdateTag"])
    # The user's login role is on the VM's id, which the new VM keeps (same name): nothing to redo.
    assert by_name(document, "alice-login-role")["change"] == "same"


def test_member_leaving_deletes_the_workstation_and_keeps_the_data(project: Project) -> None:
    project.config["dsvm:members"][1]["leaving"] = True
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    gone = {n for n, r in changed(document).items() if r["change"] == "delete"}
    assert {"bob-vm", "bob-nic", "bob-shutdown", "bob-blob-role", "bob-password"} <= gone
    assert all(not n.startswith("alice") for n in changed(document))
    disk = by_name(document, "bob-data-disk")
    assert disk["change"] == "same" and disk["kept"] == "kept: outlives bob-vm"
    assert by_name(document, "dsvm-dev-storage-home-bob")["change"] == "same"
    assert project.run("up")[0] == 0
    code, after = project.diff()
    assert code == 0 and after["changes"]["delete"] == 0 and after["changes"]["create"] == 0


def test_removing_a_member_outright_is_refused_because_its_data_is_protected(project: Project) -> None:
    project.config["dsvm:members"] = project.config["dsvm:members"][:1]
    project.write()
    code, document = project.diff()
    assert code == 2
    disk = by_name(document, "bob-data-disk")
    assert disk["change"] == "delete" and disk["errors"]
    (error,) = disk["errors"]
    assert error["code"] == "Protected" and "cannot be deleted because it is protected" in error["message"]
    assert "leaving: true" in error["fix"]
    assert "kept" not in by_name(document, "bob-data-disk")  # no "data kept" under a refused delete
    code, output = project.run("up")
    assert code == 2 and "would be refused" in output and "nothing applied" in output
    # The disk, the member's container and the disk's backup instance (its recovery points) are protected.
    assert output.count("bob-data-disk") >= 1 and output.count("cannot be deleted because it is protected") == 3
    assert "backup instance bob-data-disk-85b51673 of disk bob-data-disk holds no recovery point yet" in output


def test_renaming_the_storage_account_is_a_refused_replace(project: Project) -> None:
    project.config["dsvm:storage"] = {"hns_enabled": True, "account_name": "dsvmrenamed01"}
    project.write()
    code, document = project.diff()
    assert code == 2
    account = by_name(document, "dsvm-dev-storage-account")
    assert account["change"] == "replace" and account["protect"]
    assert account["replaceReasons"] == ["accountName (create-only: accountName)"]
    assert any("protected" in e["message"] and "dsvm-dev-storage-account" in e["message"]
               for e in document["errors"])


def test_a_protected_resource_is_replaced_after_a_deliberate_unprotect(project: Project) -> None:
    """The way out the refusal names: `state unprotect` the account (and its containers), then the rename
    replaces them, as `pulumi up` would once the state no longer protects them (the program still does)."""
    project.config["dsvm:storage"] = {"hns_enabled": True, "account_name": "dsvmrenamed01"}
    project.write()
    code, document = project.diff()
    (error,) = by_name(document, "dsvm-dev-storage-account")["errors"]
    assert code == 2 and "dsvmctl state unprotect 'urn:pulumi:dev::dsvm::" in error["fix"]
    targets = [r["urn"] for r in document["resources"] if r["type"].startswith("azure-native:storage:")]
    code, output = project.run("state", "unprotect", *targets)
    assert code == 0, output
    code, document = project.diff()
    assert code == 0 and document["errors"] == []
    account = by_name(document, "dsvm-dev-storage-account")
    assert account["change"] == "replace" and account["protect"]  # protected again by the next up


def test_hns_change_replaces_the_account(project: Project) -> None:
    project.config["dsvm:storage"] = {"hns_enabled": False}
    project.write()
    code, document = project.diff()
    assert code == 2
    assert by_name(document, "dsvm-dev-storage-account")["replaceReasons"] == [
        "isHnsEnabled (create-only: isHnsEnabled)"]


def test_location_spelling_is_not_a_change(project: Project) -> None:
    project.config["azure-native:location"] = "West Europe"
    project.write()
    code, document = project.diff()
    assert code == 0 and not changed(document)


def test_destroy_is_refused_while_protected_resources_remain(project: Project) -> None:
    before = (project.state / "dev.json").read_text()
    code, output = project.run("destroy")
    assert code == 2, output
    assert "protected resource(s) in stack dev" in output and "Disk alice-data-disk" in output
    assert "StorageAccount dsvm-dev-storage-account" in output and "ResourceGroup rg-dsvm-dev" in output
    assert "dsvm state unprotect" in output.replace("dsvmctl", "dsvm") and "Traceback" not in output
    assert (project.state / "dev.json").read_text() == before  # nothing done


def test_destroy_after_unprotect_keeps_retained_data_in_azure(project: Project) -> None:
    from dsvmctl.lifecycle import unprotect
    from dsvmctl.state import StateStore

    # RG, 2 disks, account, 3 containers; the backups' snapshot group, vault and 2 instances
    assert len(unprotect("dev", StateStore(project.state))) == 11
    code, output = project.run("destroy")
    assert code == 0, output
    assert "kept in Azure (retained): Disk alice-data-disk" in output
    assert "kept in Azure (retained): ResourceGroup rg-dsvm-dev" in output
    state = json.loads((project.state / "dev.json").read_text())
    assert state["plan"]["resources"] == []
    emulated = {r["armType"] for r in state["emulator"]["resources"]}
    assert "Microsoft.Compute/virtualMachines" not in emulated
    kept = {"Microsoft.Compute/disks", "Microsoft.Storage/storageAccounts", "Microsoft.Resources/resourceGroups"}
    assert kept <= emulated


def test_saved_state_holds_no_secret_value(project: Project) -> None:
    import base64

    from dsvmctl.plan import make_plan
    from fakeazure import FakeAzure

    az = FakeAzure()
    make_plan(project.dir, "dev", az)
    secrets = [r.outputs["result"] for r in az.resources.values() if r.token.startswith("random:")]
    secrets += [r.inputs["osProfile"]["customData"] for r in az.resources.values()
                if r.arm_type == "Microsoft.Compute/virtualMachines"]
    assert len(secrets) == 4
    text = (project.state / "dev.json").read_text()
    for secret in secrets:
        assert secret not in text
    assert base64.b64decode(secrets[2]).decode().startswith("#cloud-config")
    assert "[secret]" in text


def test_a_changed_secret_is_seen_through_its_fingerprint(project: Project) -> None:
    # A new member name changes the cloud-init (which carries the username) of nobody else:
    # only the new member's resources are created (and the patch start workflow lists the new VM).
    project.config["dsvm:members"].append({"username": "carol", "ssh_public_key": ssh_key("carol")})
    project.write()
    code, document = project.diff()
    assert code == 0
    updates = {n: r["changedProperties"] for n, r in changed(document).items() if r["change"] != "create"}
    assert updates == {"dsvm-dev-patch-start": ["parameters.vmIds.value[2]"]}
    from dsvmctl.diff import classify

    vm = by_name(document, "alice-vm")
    other = json.loads(json.dumps(vm))
    other["secretFingerprints"]["osProfile.customData"] = "0" * 16
    result = classify(vm, other)
    assert result.change == "replace" and result.changed_properties == ["osProfile.customData"]


def test_markdown_for_a_pull_request(project: Project) -> None:
    project.config["dsvm:image"] = {"os": "ubuntu-2004", "version": "25.01.14"}
    project.config["dsvm:members"].append({"username": "carol", "ssh_public_key": ssh_key("carol")})
    project.write()
    code, output = project.run("diff", "--markdown")
    assert code == 0, output
    first = output.splitlines()[0]
    assert first.startswith("### dsvm stack `dev`: +") and "±6" in first  # 2 VMs, their 4 role assignments
    table = [line for line in output.splitlines() if line.startswith("| ")]
    vm_row = next(line for line in table if "VirtualMachine" in line)
    assert "replace ×2" in vm_row and "⚠️" in vm_row
    assert "```mermaid" in output and "graph LR" in output
    assert "<details>" in output


def test_base_ref_compares_with_the_plan_at_that_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    for name in files:
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / name, repo / name)
    for cmd in (["init", "-q"], ["add", "-A"], ["-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "base"]):
        subprocess.run(["git", *cmd], cwd=repo, check=True, capture_output=True)
    stack = repo / "Pulumi.dev.yaml"
    config = yaml.safe_load(stack.read_text())
    config["config"]["dsvm:vm_size"] = "Standard_D8s_v5"
    stack.write_text(yaml.safe_dump(config))
    result = runner.invoke(app, ["diff", "--stack", "dev", "--project-dir", str(repo), "--base-ref", "HEAD", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert {n: r["changedProperties"] for n, r in changed(document).items()} == {
        "alice-vm": ["hardwareProfile.vmSize"], "bob-vm": ["hardwareProfile.vmSize"]}
    worktrees = subprocess.run(["git", "worktree", "list"], cwd=repo, capture_output=True, text=True).stdout
    assert len(worktrees.strip().splitlines()) == 1  # the temporary worktree is gone


def test_an_image_downgrade_is_flagged_on_the_replacement(project: Project) -> None:
    project.config["dsvm:image"]["version"] = "25.01.14"  # deployed: 25.05.20
    project.write()
    code, document = project.diff()
    assert code == 0
    effects = by_name(document, "alice-vm")["effects"]
    assert effects[0].startswith("replaces the VM")
    assert effects[1] == ("image version 25.05.20 -> 25.01.14 goes back to an older release (a downgrade): make sure "
                          "it is meant")
    project.config["dsvm:image"]["version"] = "25.09.15"
    project.write()
    assert not [e for e in by_name(project.diff()[1], "alice-vm")["effects"] if "downgrade" in e]


def test_an_os_switch_to_an_older_numbered_image_is_no_downgrade(project: Project) -> None:
    # Ubuntu 20.04's newest DSVM release is numbered below 22.04's: another image, not an older release.
    project.config["dsvm:image"] = {"os": "ubuntu-2004", "version": "25.01.14"}  # deployed: ubuntu-2204 25.05.20
    project.write()
    code, document = project.diff()
    assert code == 0
    effects = by_name(document, "alice-vm")["effects"]
    assert effects[0].startswith("replaces the VM")
    assert not [e for e in effects if "downgrade" in e]


def test_connect_to_an_offboarded_member_says_the_workstation_is_gone(project: Project) -> None:
    project.config["dsvm:members"][1]["leaving"] = True
    project.write()
    project.up()
    code, output = project.run("connect", "bob")
    assert code == 0 and "offboarded (leaving: true): the workstation is gone; the data disk is kept" in output
    assert "ssh" not in output and "jupyterhub" not in output
    code, output = project.run("connect", "alice")
    assert code == 0 and "ssh:" in output
