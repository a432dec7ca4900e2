"""Changes Azure or Pulumi would refuse, on a deployed stack: caught before apply, never approved.

Each goes through ``up`` (the fixture) and then ``diff``/``up``: exit 2, Azure's code (or
Pulumi's rule), the resource and the way out; the PR markdown says "would be refused"
and nothing is applied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT, Project, by_name, ssh_key


def refused(project: Project) -> tuple[dict[str, Any], str]:
    """The diff document and the PR markdown of a change that must be refused; ``up`` applies nothing."""
    before = (project.state / "dev.json").read_text()
    code, document = project.diff()
    assert code == 2, document.get("errors")
    code, markdown = project.run("diff", "--markdown")
    assert code == 2 and "would be refused" in markdown
    code, output = project.run("up")
    assert code == 2 and "nothing applied" in output and "Traceback" not in output
    assert (project.state / "dev.json").read_text() == before
    return document, markdown


def errors_of(document: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [e for e in document["errors"] if e["name"] == name]


def test_a_data_disk_never_shrinks(project: Project) -> None:
    project.config["dsvm:members"][1]["data_disk"]["size_gb"] = 64
    project.write()
    document, markdown = refused(project)
    (error,) = errors_of(document, "bob-data-disk")
    assert "cannot be resized down" in error["message"] and "disks only grow" in error["fix"]
    assert "keep size_gb at 256 or more" in error["fix"]
    assert "bob-data-disk" in markdown


def test_growing_a_data_disk_is_an_update(project: Project) -> None:
    project.config["dsvm:members"][1]["data_disk"]["size_gb"] = 512
    project.write()
    code, document = project.diff()
    assert code == 0 and by_name(document, "bob-data-disk")["change"] == "update"


def test_a_region_move_is_refused_everywhere_with_the_way_out(project: Project) -> None:
    project.config["azure-native:location"] = "northeurope"
    project.write()
    document, markdown = refused(project)
    codes = {e["name"]: e["code"] for e in document["errors"]}
    assert codes["rg-dsvm-dev"] == "Protected"  # the engine refuses to replace the protected group first
    for name in ("alice-vm", "alice-nic", "dsvm-dev-nsg", "dsvm-dev-bastion", "alice-shutdown"):
        assert codes[name] == "InvalidResourceLocation", name
    assert codes["alice-data-disk"] == "InvalidResourceLocation"
    vm = errors_of(document, "alice-vm")[0]
    assert "already exists in location 'westeurope'" in vm["message"] and "a region move is a new stack" in vm["fix"]
    assert "... and" in markdown  # more refusals than the comment lists


def test_a_subnet_in_use_keeps_its_range(project: Project) -> None:
    project.config["dsvm:network"] = {"workstation_subnet": "10.50.2.0/24"}
    project.write()
    document, _ = refused(project)
    (error,) = errors_of(document, "dsvm-dev-snet")
    assert error["code"] == "InUseSubnetCannotBeUpdated" and "alice-nic" in error["message"]
    assert "add a new subnet" in error["fix"]


def test_a_new_ssh_key_replaces_the_vm_and_keeps_its_data(project: Project) -> None:
    # Azure refuses to change the keys of an existing VM (PropertyChangeNotAllowed): the rotation
    # is an announced replacement that keeps the data disk.
    project.config["dsvm:members"][0]["ssh_public_key"] = ssh_key("alice-2026")
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    vm = by_name(document, "alice-vm")
    assert vm["change"] == "replace"
    assert vm["replaceReasons"] == [
        "osProfile.linuxConfiguration.ssh.publicKeys[0].keyData "
        "(replaceOnChanges: osProfile.linuxConfiguration.ssh.publicKeys)"
    ]
    assert "attached data disks are detached and kept" in vm["effects"][0]
    assert by_name(document, "alice-data-disk")["change"] == "same"
    assert by_name(document, "alice-blob-role")["change"] == "replace"  # the new VM's new identity
    project.up()
    code, after = project.diff()
    assert code == 0 and after["changes"]["replace"] == after["changes"]["update"] == 0


@pytest.mark.parametrize("size", ["Standard_E4s_v5", "Standard_E16s_v5", "Standard_E4as_v5", "Standard_B4s_v2"])
def test_a_real_size_plans_in_place(project: Project, size: str) -> None:
    from azurefacts.sizes import VM_SIZES

    assert size in VM_SIZES  # Esv5, in the facts with its price: the emulator plans it
    project.config["dsvm:members"][0]["vm_size"] = size
    project.write()
    code, document = project.diff()
    assert code == 0 and by_name(document, "alice-vm")["change"] == "update"
    assert "restarts the VM" in by_name(document, "alice-vm")["effects"][0]


@pytest.mark.parametrize("size", ["Standard_F8s_v2", "Standard_E8ads_v5", "Standard_B8s_v2"])
def test_a_new_member_on_a_newly_known_size(tmp_path: Path, size: str) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:members"][0]["vm_size"] = size
    code, document = Project(tmp_path, config).diff()
    assert code == 0 and "not in the emulator's facts" not in json.dumps(document["errors"])
    assert by_name(document, "alice-vm")["inputs"]["hardwareProfile"]["vmSize"] == size


def test_a_size_without_premium_storage_is_a_config_error_naming_its_sibling(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:members"][0]["vm_size"] = "Standard_D4_v5"
    code, output = Project(tmp_path, config).run("diff")
    assert code == 2 and "dsvm:members[0].vm_size" in output and "Traceback" not in output
    assert "has no premium storage" in output and "Standard_D4s_v5" in output
