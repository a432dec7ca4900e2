"""Day two of a workstation: image bumps keep the data, members find their way in, images are listed."""

from __future__ import annotations

import base64
import json

import yaml

from dsvmctl.lifecycle import plan_against
from dsvmctl.state import StateStore
from tests.helpers import Project, by_name, runner

VM = "Microsoft.Compute/virtualMachines"
DISK = "Microsoft.Compute/disks"


def emulated(project: Project, arm_type: str, name: str) -> dict:  # type: ignore[type-arg]
    state = json.loads((project.state / "dev.json").read_text())
    (found,) = [r for r in state["emulator"]["resources"] if r["armType"] == arm_type and r["name"] == name]
    return found  # type: ignore[no-any-return]


def test_two_image_bumps_replace_the_vm_and_keep_the_data_disk(project: Project) -> None:
    disk_before = emulated(project, DISK, "alice-data-disk")
    vm_before = emulated(project, VM, "alice-vm")
    for version in ("25.09.15", "25.01.14"):
        project.config["dsvm:image"]["version"] = version
        project.write()
        code, document = project.diff()
        assert code == 0, document["errors"]
        assert by_name(document, "alice-vm")["change"] == "replace"
        assert by_name(document, "alice-data-disk")["change"] == "same"
        project.up()
    disk_after, vm_after = emulated(project, DISK, "alice-data-disk"), emulated(project, VM, "alice-vm")
    assert disk_after["id"] == disk_before["id"]
    assert disk_after["outputs"]["uniqueId"] == disk_before["outputs"]["uniqueId"]  # the same disk, never replaced
    assert vm_after["outputs"]["vmId"] != vm_before["outputs"]["vmId"]  # a new VM, twice
    attach = vm_after["inputs"]["storageProfile"]["dataDisks"][0]
    assert attach == vm_before["inputs"]["storageProfile"]["dataDisks"][0]  # the same attach record
    assert attach["managedDisk"]["id"] == disk_before["id"] and attach["deleteOption"] == "Detach"
    # What the new VM boots with: the disk is mounted, and formatted only if blank.
    saved = StateStore(project.state).load("dev")
    backend, _, _ = plan_against(project.dir, "dev", saved)
    (vm,) = [r for r in backend.resources.values() if r.arm_type == VM and r.name == "alice-vm"]
    config = yaml.safe_load(base64.b64decode(vm.inputs["osProfile"]["customData"]).decode())
    # (dsvm-data.service at every boot: tests/components/test_on_the_vm.py runs it on a block device.)
    assert ["systemctl", "enable", "--now", "dsvm-data.service"] in config["runcmd"] and "fs_setup" not in config


def test_connect_prints_the_way_in_from_the_saved_state(project: Project) -> None:
    code, output = project.run("connect", "alice")
    assert code == 0, output
    assert "deployed (saved state)" in output
    assert "jupyterhub_tunnel: az network bastion tunnel" in output and "https://localhost:8000" in output
    assert "never kept offline" in output  # the password is a secret, not printed
    code, output = project.run("connect", "mallory")
    assert code == 2 and "no member 'mallory'" in output and "alice, bob" in output


def test_images_lists_the_known_versions_newest_first() -> None:
    from dsvmctl.cli import app

    result = runner.invoke(app, ["images", "--json"])
    assert result.exit_code == 0
    rows = [r for r in json.loads(result.output) if r["os"] == "ubuntu-2204"]
    assert [r["version"] for r in rows] == ["25.09.15", "25.05.20", "25.01.14"]
    assert rows[0]["offer"] == "ubuntu-2204" and rows[0]["generation"] == 2


def test_an_unknown_image_version_names_the_known_ones(project: Project) -> None:
    from dsvmctl.cli import app

    project.config["dsvm:image"]["version"] = "25.06.01"
    project.write()
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project.dir)])
    code, output = result.exit_code, result.output
    assert code == 2 and "dsvm:image.version" in output
    assert "'25.06.01' is not a known version of the ubuntu-2204 DSVM image" in output
    assert "25.05.20" in output and "dsvmctl images" in output
