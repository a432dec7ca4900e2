"""The first-boot configuration: the data disk formatted only when blank, mounted, the home kept on it.

The scripts run for real (loop devices, cloud-init, systemd-analyze, shellcheck) in test_on_the_vm.py; here the
config's shape, and the home script against a fake machine (shims for mount and friends)."""

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
    DATA_DISK_SCRIPT,
    DATA_SERVICE,
    DATA_SERVICE_PATH,
    PERSIST_HOME,
    data_service_unit,
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


def test_cloud_inits_own_disk_modules_are_left_to_the_temp_disk() -> None:
    """No disk_setup/fs_setup/mounts of ours: a user fs_setup list replaces Azure's (dropping ephemeral0.1), and
    fs_setup's "first partition without a filesystem" is the Windows reserved partition of a switched disk."""
    config = decoded()
    assert not {"disk_setup", "fs_setup", "mounts", "device_aliases"} & set(config)


def test_the_data_service_is_installed_enabled_and_runs_both_scripts_for_the_member() -> None:
    config = decoded()
    files = {f["path"]: f for f in config["write_files"]}
    assert files[DATA_DISK_SCRIPT]["content"] == (_SCRIPTS / "dsvm-data-disk.sh").read_text()
    assert files[PERSIST_HOME]["content"] == (_SCRIPTS / "persist-home.sh").read_text()
    assert {files[DATA_DISK_SCRIPT]["permissions"], files[PERSIST_HOME]["permissions"]} == {"0755"}
    unit = files[DATA_SERVICE_PATH]["content"]
    assert unit == data_service_unit("alice")
    assert f"ExecStart={DATA_DISK_SCRIPT}\nExecStart={PERSIST_HOME} alice\n" in unit  # the disk first, then the home
    assert "Before=systemd-user-sessions.service" in unit and "WantedBy=multi-user.target" in unit  # every boot
    assert config["runcmd"] == [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", DATA_SERVICE]]
    assert PERSIST_HOME not in data_service_unit(None)  # a scale set instance: the disk only


def test_the_config_is_data_not_a_template() -> None:
    # A password with YAML's special characters stays one value.
    config = linux_cloud_config("bob", "a: b#'c")
    assert yaml.safe_load(yaml.safe_dump(config))["chpasswd"]["users"][0]["password"] == "a: b#'c"


@pytest.fixture
def machine(tmp_path: Path) -> dict[str, Path]:
    """A fake machine for the home script: /home, a mounted ext4 /data, and shims for the system tools (the
    shim ``mount --bind`` records the bind; ``sleep`` fails: the script must never wait)."""
    bin_dir, data, homes = tmp_path / "bin", tmp_path / "data", tmp_path / "home"
    for d in (bin_dir, data, homes / "alice" / ".ssh"):
        d.mkdir(parents=True)
    (homes / "alice" / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA old@laptop\n")
    (homes / "alice" / "notebook.ipynb").write_text("{}")
    mounted, fstype = tmp_path / "mounted", tmp_path / "fstype"
    mounted.write_text(f"{data}\n")
    fstype.write_text("ext4\n")
    shims = {
        "mountpoint": f'grep -qx "$2" {mounted}',
        "mount": f'[ "$1" = --bind ] && echo "$3" >> {mounted}',
        "findmnt": f"cat {fstype}",
        "logger": "true",
        "chown": "true",
        "id": "echo 1000",
        "stat": "echo 1000",
        "sleep": "exit 1",
    }
    for name, body in shims.items():
        (bin_dir / name).write_text(f"#!/bin/bash\n{body}\n")
        (bin_dir / name).chmod(0o755)
    return {"bin": bin_dir, "data": data, "homes": homes, "mounted": mounted, "fstype": fstype}


def run_script(machine: dict[str, Path]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{machine['bin']}:{os.environ['PATH']}", "DSVM_DATA": str(machine["data"]),
           "DSVM_HOMES": str(machine["homes"])}  # fmt: skip
    return subprocess.run(["bash", str(_SCRIPTS / "persist-home.sh"), "alice"], env=env, capture_output=True,
                          text=True, timeout=30)  # fmt: skip


def new_vm(machine: dict[str, Path], key: str | None = "ssh-ed25519 BBBB new@laptop\n") -> None:
    """A replacement VM: a fresh OS disk (a new home, with the key it was given), the same data disk."""
    shutil.rmtree(machine["homes"] / "alice")
    (machine["homes"] / "alice" / ".ssh").mkdir(parents=True)
    if key:
        (machine["homes"] / "alice" / ".ssh" / "authorized_keys").write_text(key)
    machine["mounted"].write_text(f"{machine['data']}\n")


def test_the_first_vm_moves_the_home_and_a_replacement_takes_it_back(machine: dict[str, Path]) -> None:
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    kept = machine["data"] / "home" / "alice"
    assert (kept / "notebook.ipynb").read_text() == "{}" and (kept / ".dsvm-home-complete").exists()
    assert not (machine["data"] / "home" / ".alice.partial").exists()
    assert str(machine["homes"] / "alice") in machine["mounted"].read_text()  # bind-mounted, no fstab line
    (kept / "trained-model.pt").write_text("weights")  # work done on the first VM
    new_vm(machine)
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    assert "taking it back" in done.stdout
    assert (kept / "trained-model.pt").read_text() == "weights" and (kept / "notebook.ipynb").exists()
    assert (kept / ".ssh" / "authorized_keys").read_text() == "ssh-ed25519 BBBB new@laptop\n"
    assert str(machine["homes"] / "alice") in machine["mounted"].read_text()


def test_a_copy_cut_short_is_never_taken_for_the_home(machine: dict[str, Path]) -> None:
    """A copy that fails half way leaves only a staging directory; the next boot copies again, whole."""
    (machine["bin"] / "cp").write_text('#!/bin/bash\nmkdir -p "${@: -1}"; echo half > "${@: -1}/half"; exit 1\n')
    (machine["bin"] / "cp").chmod(0o755)
    done = run_script(machine)
    assert done.returncode != 0
    kept = machine["data"] / "home" / "alice"
    assert not kept.exists() and (machine["data"] / "home" / ".alice.partial" / "half").exists()
    assert str(machine["homes"] / "alice") not in machine["mounted"].read_text()  # the home stays put
    (machine["bin"] / "cp").unlink()
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    assert (kept / "notebook.ipynb").exists() and not (kept / "half").exists()
    assert not (machine["data"] / "home" / ".alice.partial").exists()


def test_a_replacement_without_a_key_still_takes_the_home_back_and_drops_the_old_key(machine: dict[str, Path]) -> None:
    assert run_script(machine).returncode == 0
    new_vm(machine, key=None)  # e.g. Entra ID login only
    done = run_script(machine)
    assert done.returncode == 0, done.stderr
    kept = machine["data"] / "home" / "alice"
    assert not (kept / ".ssh" / "authorized_keys").exists() and (kept / "notebook.ipynb").exists()
    assert str(machine["homes"] / "alice") in machine["mounted"].read_text()


def test_a_home_kept_by_an_earlier_version_is_taken_back(machine: dict[str, Path]) -> None:
    kept = machine["data"] / "home" / "alice"
    kept.mkdir(parents=True)
    (kept / "old-work.py").write_text("print(1)")  # no marker: the earlier script wrote none
    done = run_script(machine)
    assert done.returncode == 0 and "taking it back" in done.stdout
    assert (kept / "old-work.py").exists() and (kept / ".dsvm-home-complete").exists()
    assert not (kept / "notebook.ipynb").exists()  # never overwritten by the new VM's empty home


def test_a_second_run_changes_nothing(machine: dict[str, Path]) -> None:
    assert run_script(machine).returncode == 0
    assert run_script(machine).returncode == 0
    assert machine["mounted"].read_text().count(str(machine["homes"] / "alice")) == 1


def test_without_a_data_disk_the_home_stays_and_nothing_waits(machine: dict[str, Path]) -> None:
    machine["mounted"].write_text("")
    done = run_script(machine)  # the shim sleep fails: a wait would show
    assert done.returncode == 0 and "stays on the OS disk" in done.stdout
    assert not (machine["data"] / "home").exists()


def test_a_windows_data_volume_keeps_the_home_on_the_os_disk(machine: dict[str, Path]) -> None:
    machine["fstype"].write_text("ntfs3\n")
    done = run_script(machine)
    assert done.returncode == 0 and "not the Linux data volume" in done.stdout
    assert not (machine["data"] / "home").exists()


def windows_script() -> str:
    return base64.b64decode(windows_custom_data()).decode()


def test_windows_formats_only_a_raw_or_unfinished_disk() -> None:
    script = windows_script()
    raw, fmt = script.index("PartitionStyle -eq 'RAW'"), script.index("Format-Volume")
    assert raw < fmt
    guard = script[script.index("$parts.Count -eq 0") - 60:fmt]
    assert "-ne 'MBR'" in guard  # a GPT disk with only the reserved partition: a run cut short
    assert "Where-Object { $_.Type -ne 'Reserved' }" in script
    commands = windows_first_logon_commands()
    assert commands.startswith("<FirstLogonCommands>") and "CustomData.bin" in commands
    assert len(commands) < 4096  # Azure's limit on unattend content
    import xml.etree.ElementTree as ElementTree

    assert ElementTree.fromstring(commands).find("SynchronousCommand/Order").text == "1"  # type: ignore[union-attr]


def test_windows_finds_the_disk_on_scsi_and_nvme_never_the_temp_disk() -> None:
    script = windows_script()
    finder = script[script.index("function Get-DataDisk"):script.index("function Get-FreeLetter")]
    assert "'NVMe Accelerator'" in finder and "'LUN 0$'" in finder  # NVMe remote disk, or SCSI LUN 0
    assert "-notmatch 'NVMe Direct Disk'" in finder and "-not $_.IsBoot" in finder
    assert "$disks.Count -gt 1" in finder  # ambiguous: never guess with a format


def test_windows_takes_the_next_free_letter_when_f_is_taken() -> None:
    script = windows_script()
    assert "DriveLetter F" not in script and "-DriveLetter $letter" in script
    assert "'FGHIJKLMNOPQRSTUVWXYZ'" in script and "Get-PSDrive -PSProvider FileSystem" in script
    assert '$work = "${letter}:\\work"' in script


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
