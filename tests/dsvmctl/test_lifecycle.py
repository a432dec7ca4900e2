"""`up`, `diff` and `destroy` through the CLI and its JSON: what a change does to what runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from tests.helpers import ROOT, ssh_key

runner = CliRunner()


class Project:
    """A temporary copy of the project's stack files, with its own state directory."""

    def __init__(self, tmp_path: Path, config: dict[str, Any] | None = None) -> None:
        self.dir = tmp_path / "project"
        self.dir.mkdir()
        shutil.copy(ROOT / "Pulumi.yaml", self.dir / "Pulumi.yaml")
        self.state = tmp_path / "state"
        self.config = config or yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
        self.write()

    def write(self) -> None:
        (self.dir / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": self.config}))

    def run(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--stack", "dev", "--project-dir", str(self.dir),
                                     "--state-dir", str(self.state)])
        return result.exit_code, result.output

    def diff(self) -> tuple[int, dict[str, Any]]:
        code, output = self.run("diff", "--json")
        return code, json.loads(output)

    def up(self) -> dict[str, Any]:
        code, output = self.run("up", "--json")
        assert code == 0, output
        return json.loads(output)  # type: ignore[no-any-return]


def changed(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in document["resources"] if r["change"] != "same"}


def by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    (match,) = [r for r in document["resources"] if r["name"] == name]
    return match


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = Project(tmp_path)
    first = p.up()
    assert first["changes"]["create"] == len([r for r in first["resources"] if not r["type"].startswith("dsvm:")])
    return p


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
    assert {r["type"] for r in changed(document).values()} == {"azure-native:compute:VirtualMachine"}


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
    assert "protected" in disk["errors"][0] and "leaving: true" in disk["errors"][0]
    code, output = project.run("up")
    assert code == 2 and "refused" in output and "nothing applied" in output


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


def test_destroy_keeps_protected_and_retained_data(project: Project) -> None:
    code, output = project.run("destroy")
    assert code == 0, output
    assert "kept (protected): Disk alice-data-disk" in output
    assert "kept (protected): StorageAccount dsvm-dev-storage-account" in output
    assert "deleted" in output
    state = json.loads((project.state / "dev.json").read_text())
    left = {r["type"] for r in state["plan"]["resources"] if not r["type"].startswith("dsvm:")}
    assert left == {"azure-native:compute:Disk", "azure-native:storage:StorageAccount",
                    "azure-native:storage:BlobContainer"}
    emulated = {r["armType"] for r in state["emulator"]["resources"]}
    assert "Microsoft.Compute/virtualMachines" not in emulated and "Microsoft.Compute/disks" in emulated


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
    # only the new member's resources are created.
    project.config["dsvm:members"].append({"username": "carol", "ssh_public_key": ssh_key("carol")})
    project.write()
    code, document = project.diff()
    assert code == 0
    assert {r["change"] for r in changed(document).values()} == {"create"}
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
    assert first.startswith("### dsvm stack `dev`: +") and "±2" in first
    table = [line for line in output.splitlines() if line.startswith("| ")]
    assert "replace ×2" in table[1] and "VirtualMachine" in table[1] and "⚠️" in table[1]
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
