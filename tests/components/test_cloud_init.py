"""The first-boot configuration: the data disk formatted only when blank, mounted, the home kept on it."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.cloud_init import (
    _SCRIPTS,
    DATA_DEVICE,
    PERSIST_HOME,
    linux_cloud_config,
    linux_custom_data,
    windows_custom_data,
    windows_first_logon_commands,
)


def decoded() -> dict[str, object]:
    text = base64.b64decode(linux_custom_data("alice", "Pw-1!abcdefgh")).decode()
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    assert isinstance(config, dict)
    return config


def test_the_cloud_config_parses_and_sets_the_local_password() -> None:
    config = decoded()
    assert config["ssh_pwauth"] is False
    assert config["chpasswd"]["users"] == [{"name": "alice", "password": "Pw-1!abcdefgh", "type": "text"}]


def test_formatting_is_guarded_so_a_disk_with_data_is_never_reformatted() -> None:
    config = decoded()
    assert config["disk_setup"] == {DATA_DEVICE: {"table_type": "gpt", "layout": True, "overwrite": False}}
    (fs,) = config["fs_setup"]
    assert fs["device"] == DATA_DEVICE and fs["overwrite"] is False and fs["partition"] == "auto"


def test_the_disk_mounts_by_label_with_nofail() -> None:
    (mount,) = decoded()["mounts"]
    assert mount[0] == "LABEL=dsvmdata" and mount[1] == "/data"
    assert "nofail" in mount[3].split(",")


def test_the_home_script_is_installed_and_run_for_the_member() -> None:
    config = decoded()
    (script,) = config["write_files"]
    assert script["path"] == PERSIST_HOME and script["permissions"] == "0755"
    assert script["content"] == (_SCRIPTS / "persist-home.sh").read_text()
    assert config["runcmd"] == [[PERSIST_HOME, "alice"]]
    done = subprocess.run(["bash", "-n", str(_SCRIPTS / "persist-home.sh")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_config_is_data_not_a_template() -> None:
    # A password with YAML's special characters stays one value.
    config = linux_cloud_config("bob", "a: b#'c")
    assert yaml.safe_load(yaml.safe_dump(config))["chpasswd"]["users"][0]["password"] == "a: b#'c"


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """A fake machine for the home script: /home, a mounted /data, fstab, and shims for the system tools."""
    bin_dir, data, homes = tmp_path / "bin", tmp_path / "data", tmp_path / "home"
    for d in (bin_dir, data, homes / "alice" / ".ssh"):
        d.mkdir(parents=True)
    (homes / "alice" / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA old@laptop\n")
    (homes / "alice" / "notebook.ipynb").write_text("{}")
    fstab = tmp_path / "fstab"
    fstab.write_text("")
    mounted = tmp_path / "mounted"
    mounted.write_text(f"{data}\n")
    shims = {
        "mountpoint": f'grep -qx "$2" {mounted}',
        "mount": f'echo "$1" >> {mounted}',
        "logger": "true",
        "chown": "true",
        "id": "echo 1000",
        "stat": "echo 1000",
    }
    for name, body in shims.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return {"bin": bin_dir, "data": data, "homes": homes, "fstab": fstab, "mounted": mounted}


def run_script(machine: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{machine['bin']}:{os.environ['PATH']}", "DSVM_DATA": str(machine["data"]),
           "DSVM_HOMES": str(machine["homes"]), "DSVM_FSTAB": str(machine["fstab"])}
    return subprocess.run(["bash", str(_SCRIPTS / "persist-home.sh"), "alice"], env=env, capture_output=True,
                          text=True, timeout=30)


def test_the_first_vm_moves_the_home_and_a_replacement_takes_it_back(machine: dict[str, Path]) -> None:
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    kept = machine["data"] / "home" / "alice"
    assert (kept / "notebook.ipynb").read_text() == "{}"
    line = f"{kept} {machine['homes'] / 'alice'} none bind,nofail,x-systemd.requires-mounts-for={machine['data']} 0 0"
    assert machine["fstab"].read_text().splitlines() == [line]
    (kept / "trained-model.pt").write_text("weights")  # work done on the first VM
    # The replacement VM: a fresh OS disk (a new home with the rotated key), the same data disk.
    shutil.rmtree(machine["homes"] / "alice")
    (machine["homes"] / "alice" / ".ssh").mkdir(parents=True)
    (machine["homes"] / "alice" / ".ssh" / "authorized_keys").write_text("ssh-ed25519 BBBB new@laptop\n")
    machine["fstab"].write_text("")
    machine["mounted"].write_text(f"{machine['data']}\n")
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    assert "taking it back" in done.stdout
    assert (kept / "trained-model.pt").read_text() == "weights" and (kept / "notebook.ipynb").exists()
    assert (kept / ".ssh" / "authorized_keys").read_text() == "ssh-ed25519 BBBB new@laptop\n"
    assert machine["fstab"].read_text().splitlines() == [line]
    assert str(machine["homes"] / "alice") in machine["mounted"].read_text()  # bind-mounted over the home


def test_a_second_run_changes_nothing(machine: dict[str, Path]) -> None:
    assert run_script(machine).returncode == 0
    assert run_script(machine).returncode == 0
    assert len(machine["fstab"].read_text().splitlines()) == 1


def test_without_a_data_disk_the_home_stays(machine: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    machine["mounted"].write_text("")
    (machine["bin"] / "sleep").write_text("#!/bin/bash\ntrue\n")
    (machine["bin"] / "sleep").chmod(0o755)
    done = run_script(machine)
    assert done.returncode == 0 and "stays on the OS disk" in done.stdout
    assert not (machine["data"] / "home").exists() and machine["fstab"].read_text() == ""


def test_windows_formats_only_a_raw_disk_at_first_logon() -> None:
    script = base64.b64decode(windows_custom_data()).decode()
    assert "PartitionStyle -eq 'RAW'" in script  # the guard
    assert script.index("PartitionStyle -eq 'RAW'") < script.index("Format-Volume")
    assert "New-Partition -DriveLetter F" in script and "F:\\work" in script
    commands = windows_first_logon_commands()
    assert commands.startswith("<FirstLogonCommands>") and "CustomData.bin" in commands
    assert len(commands) < 4096  # Azure's limit on unattend content
    import xml.etree.ElementTree as ElementTree

    assert ElementTree.fromstring(commands).find("SynchronousCommand/Order").text == "1"  # type: ignore[union-attr]


def test_dev_plan_fingerprints_each_members_own_custom_data(dev_plan: dict[str, Any]) -> None:
    """End to end: the plan's customData fingerprint is that of the member's own cloud-config
    (username and generated password), so "every secret gets the same fingerprint" or a fingerprint
    of the wrong value fails here."""
    import stacks
    from fakeazure import FakeAzure, run_program
    from fakeazure.resource import fingerprint
    from stacks.config import load_config
    from tests.helpers import ROOT

    vms = {r["name"]: r for r in dev_plan["resources"] if r["type"] == "azure-native:compute:VirtualMachine"}
    assert set(vms) == {"alice-vm", "bob-vm"}
    prints = {name: vm["secretFingerprints"]["osProfile.customData"] for name, vm in vms.items()}
    assert prints["alice-vm"] != prints["bob-vm"]
    for vm in vms.values():  # the plan holds the fingerprint, never the value
        assert vm["inputs"]["osProfile"]["customData"] != prints[vm["name"]]
        assert "#cloud-config" not in json.dumps(vm)

    # The emulator's passwords are a function of the logical name: rerun the dev program to learn them.
    config = load_config(yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"])
    backend = FakeAzure()
    run_program(lambda: stacks.build(config, "dev"), backend, stack="dev")
    passwords = {r.logical_name: r.outputs["result"] for r in backend.resources.values()
                 if r.token == "random:index/randomPassword:RandomPassword"}
    for username in ("alice", "bob"):
        password = passwords[f"{username}-password"]
        assert prints[f"{username}-vm"] == fingerprint(linux_custom_data(username, password)), username
        # Changing only the password (or only the username) changes the fingerprint.
        assert prints[f"{username}-vm"] != fingerprint(linux_custom_data(username, password + "x"))
    assert prints["alice-vm"] != fingerprint(linux_custom_data("bob", passwords["alice-password"]))
