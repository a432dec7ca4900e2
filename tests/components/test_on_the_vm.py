"""What runs on the VM, run with the real tools: cloud-init's schema and merge, systemd-analyze, shellcheck, and
the disk scripts on file-backed block devices (loop devices).

The tools come from Debian's packages (``.ci/os-tools``, run by ``make test``): a missing one fails its test with
the install hint. Loop devices need root and a kernel that allows them: where they are missing, those tests are
skipped with the reason (``pytest -rs`` prints it), never passed.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import idle_stop, idle_units
from components.cloud_init import _SCRIPTS, data_service_unit, linux_cloud_config, windows_custom_data
from fakeazure import FakeAzure, run_program
from stacks.config import load_config, parse_config
from stacks.scale_out import seats
from tests.helpers import ROOT, team_values

HINT = "run .ci/os-tools (make test does) or apt-get install cloud-init shellcheck systemd fdisk ntfs-3g"
SBIN = "/usr/sbin:/sbin"
VM_TYPES = ("azure-native:compute:VirtualMachine", "azure-native:compute:VirtualMachineScaleSet")


def tool(name: str) -> str:
    """The path of a system tool; fails (never skips) when it is missing."""
    found = shutil.which(name) or shutil.which(name, path=SBIN)
    if not found:
        pytest.fail(f"{name} is not installed: {HINT}")
    return found


def run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{os.environ.get('PATH', '')}:{SBIN}", **kwargs.pop("env", {})}
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, **kwargs)


# -- cloud-config: every rendered customData, cloud-init's schema and merge ---------------------------------------


def custom_data_of(values: dict[str, Any] | None = None, stack: str = "") -> dict[str, str]:
    """customData per VM or scale set of a stack's program (an example stack's file, or plain values)."""
    config = (load_config(yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]) if stack
              else parse_config(values or {}))  # fmt: skip
    import stacks

    backend = FakeAzure()
    run_program(lambda: stacks.build(config, stack or "test"), backend, stack=stack or "test")
    found = {}
    for r in backend.resources.values():
        if r.token in VM_TYPES:
            profile = r.inputs.get("osProfile") or (r.inputs.get("virtualMachineProfile") or {}).get("osProfile")
            found[r.logical_name] = base64.b64decode(profile["customData"]).decode()
    return found


NVME_TEAM = team_values(vm_size="Standard_D4s_v6")


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    """Every Linux customData the example stacks render, and an NVMe-size team."""
    found = {}
    for stack in ("dev", "gpu", "classroom", "hackathon"):
        found.update({f"{stack}/{name}": text for name, text in custom_data_of(stack=stack).items()})
    found.update({f"nvme/{name}": text for name, text in custom_data_of(NVME_TEAM).items()})
    return found


def test_every_rendered_custom_data_passes_cloud_inits_schema(rendered: dict[str, str], tmp_path: Path) -> None:
    cloud_init = tool("cloud-init")
    assert {key.split("/")[0] for key in rendered} == {"dev", "gpu", "classroom", "hackathon", "nvme"}
    for key, text in rendered.items():
        assert text.startswith("#cloud-config\n"), key
        path = tmp_path / (key.replace("/", "_") + ".yaml")
        path.write_text(text)
        done = run([cloud_init, "schema", "--config-file", str(path)])
        assert done.returncode == 0 and "Valid cloud-config" in done.stdout, (key, done.stdout, done.stderr)


def test_the_schema_check_catches_a_broken_config(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("#cloud-config\nwrite_files: [{path: /x, permissions: 755, content: 1, owner: [root]}]\n")
    assert run([tool("cloud-init"), "schema", "--config-file", str(path)]).returncode != 0


def test_an_nvme_size_gets_the_nvme_disk_controller() -> None:
    import stacks

    backend = FakeAzure()
    run_program(lambda: stacks.build(parse_config(NVME_TEAM), "test"), backend, stack="test")
    vms = [r for r in backend.resources.values() if r.token == VM_TYPES[0]]
    assert vms and {r.inputs["storageProfile"].get("diskControllerType") for r in vms} == {"NVMe"}


def test_windows_custom_data_is_the_first_logon_script_not_a_cloud_config() -> None:
    windows = custom_data_of(team_values(image={"os": "windows-2022", "version": "25.01.14"},
                                         members=[{"username": "carol"}]))  # fmt: skip
    assert list(windows.values()) == [base64.b64decode(windows_custom_data()).decode()]
    assert not windows["carol-vm"].startswith("#cloud-config")


MERGE = """
import json, sys
from cloudinit import util
from cloudinit.sources.DataSourceAzure import BUILTIN_CLOUD_EPHEMERAL_DISK_CONFIG as AZURE
# helpers.ConfigMerger._read_cfg: the instance's (user) config before the datasource's, merged by mergemanydict.
print(json.dumps({"merged": util.mergemanydict([json.load(sys.stdin), AZURE]), "azure": AZURE}))
"""


def cloud_init_merge(config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """cloud-init's own merge of a user cloud-config over the Azure datasource's built-in config."""
    python = Path(tool("cloud-init")).read_text().splitlines()[0].removeprefix("#!").split()[0]
    done = run([python, "-c", MERGE], input=json.dumps(config))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    return result["merged"], result["azure"]


def test_azures_temp_disk_config_survives_cloud_inits_merge() -> None:
    merged, azure = cloud_init_merge(linux_cloud_config("alice", "pw"))
    assert {"filesystem": "ext4", "device": "ephemeral0.1"} in merged["fs_setup"]
    assert merged["fs_setup"] == azure["fs_setup"] and merged["disk_setup"] == azure["disk_setup"]
    # What the check catches: a user fs_setup list replaces Azure's (lists are not merged), ephemeral0.1 is gone.
    dropped, _ = cloud_init_merge({"fs_setup": [{"label": "dsvmdata", "device": "/dev/sdc"}]})
    assert all(entry.get("device") != "ephemeral0.1" for entry in dropped["fs_setup"])


def test_the_seats_cloud_config_keeps_azures_temp_disk_config_too() -> None:
    values = seats.settings("account", "client", "master", "admin")
    merged, azure = cloud_init_merge(seats.cloud_config(values, idle_watcher=True, data_disk=True))
    assert merged["fs_setup"] == azure["fs_setup"]


# -- systemd units and shell scripts ---------------------------------------------------------------------------


def units() -> dict[str, str]:
    values = seats.settings("account", "client", "master", "admin")
    seat_units = {Path(f["path"]).name: f["content"] for f in seats.cloud_config(values, True, True)["write_files"]
                  if f["path"].startswith("/etc/systemd/")}  # fmt: skip
    return {"dsvm-data.service": data_service_unit("alice"), "dsvm-data-disk-only.service": data_service_unit(None),
            "dsvm-idle-watch.service": idle_units.service_unit(), "dsvm-idle-watch.timer": idle_units.timer_unit(),
            **{f"seats-{name}": text for name, text in seat_units.items()}}  # fmt: skip


def test_systemd_analyze_verifies_every_unit(tmp_path: Path) -> None:
    """In a root with the host's unit files and the commands the units start (verify checks they exist)."""
    analyze = tool("systemd-analyze")
    root = tmp_path / "root"
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system", symlinks=True)
    (root / "lib").symlink_to("usr/lib")
    for command in ("/usr/bin/python3", "/usr/local/sbin/dsvm-data-disk", "/usr/local/sbin/dsvm-persist-home",
                    "/usr/local/sbin/dsvm_idle_watch.py", "/usr/local/sbin/dsvm-seats"):  # fmt: skip
        (root / command.lstrip("/")).parent.mkdir(parents=True, exist_ok=True)
        (root / command.lstrip("/")).write_text("#!/bin/sh\n")
        (root / command.lstrip("/")).chmod(0o755)
    system = root / "etc/systemd/system"
    system.mkdir(parents=True)
    found = units()
    assert len(found) == 8  # the workstation's three, the disk-only one, the seats service and its copies
    for name, text in found.items():
        (system / name).write_text(text)
    done = run([analyze, "verify", "--man=no", f"--root={root}", *found])
    assert done.returncode == 0 and not done.stderr.strip() and not done.stdout.strip(), done.stderr + done.stdout
    # What the check catches: an unknown key is only a warning, so the test reads stderr too.
    (system / "bad.service").write_text(found["dsvm-data.service"].replace("RemainAfterExit", "RemainAfterExitt"))
    assert "Unknown key" in run([analyze, "verify", "--man=no", f"--root={root}", "bad.service"]).stderr


def test_shellcheck_passes_every_shell_script(tmp_path: Path) -> None:
    shellcheck = tool("shellcheck")
    install = tmp_path / "idle-stop-install.sh"
    install.write_text(idle_stop.linux_install_script())
    scripts = [*sorted(_SCRIPTS.glob("*.sh")), ROOT / ".ci/run", ROOT / ".ci/os-tools", install]
    assert len(scripts) >= 5
    done = run([shellcheck, "--severity=style", *map(str, scripts)])
    assert done.returncode == 0, done.stdout
    bad = tmp_path / "bad.sh"
    bad.write_text("#!/bin/bash\nrm -rf $1/\n")
    assert run([shellcheck, str(bad)]).returncode != 0


# -- the disk scripts on block devices --------------------------------------------------------------------------

DISK_SCRIPT = _SCRIPTS / "dsvm-data-disk.sh"
HOME_SCRIPT = _SCRIPTS / "persist-home.sh"
MSR, BASIC_DATA = "E3C9E316-0B5C-4DB8-817D-F92DF00215AE", "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"


class Machine:
    """A data disk (a loop device over a file), mount points and a home under ``tmp_path``."""

    def __init__(self, tmp_path: Path, attach: Callable[[Path], str]) -> None:
        self.tmp, self.attach = tmp_path, attach
        self.data, self.temp, self.homes = tmp_path / "data", tmp_path / "mnt", tmp_path / "home"
        self.image = tmp_path / "disk.img"
        with open(self.image, "wb") as handle:
            handle.truncate(96 * 1024 * 1024)
        self.device = attach(self.image)
        (self.homes / "root" / ".ssh").mkdir(parents=True)
        (self.homes / "root" / ".ssh" / "authorized_keys").write_text("ssh-ed25519 AAAA member@laptop\n")
        (self.homes / "root" / "notebook.ipynb").write_text("{}")

    def env(self, device: str | None = None, **extra: str) -> dict[str, str]:
        return {"DSVM_DATA_DEVICE": device if device is not None else self.device, "DSVM_DATA": str(self.data),
                "DSVM_TEMP": str(self.temp), "DSVM_SYS_ROOT": str(self.tmp / "no-sys"), "DSVM_WAIT_SECONDS": "0",
                "DSVM_HOMES": str(self.homes), **extra}  # fmt: skip

    def boot(self, device: str | None = None, **extra: str) -> str:
        """What dsvm-data.service does at a boot: the disk, then the home ("root": a user the test machine has)."""
        out = ""
        for script, args in ((DISK_SCRIPT, []), (HOME_SCRIPT, ["root"])):
            done = run(["bash", str(script), *args], env=self.env(device, **extra))
            assert done.returncode == 0, done.stdout + done.stderr
            out += done.stdout
        return out

    def shutdown(self) -> None:
        for path in (self.homes / "root", self.data, self.temp):
            run(["umount", str(path)])

    def fs(self, device: str, key: str) -> str:
        return run(["blkid", "-p", "-o", "value", "-s", key, device]).stdout.strip()

    def parts(self) -> list[str]:
        run(["partx", "-a", self.device])
        out = run(["lsblk", "-lnpo", "NAME,TYPE", self.device]).stdout.split("\n")
        return [line.split()[0] for line in out if line.endswith("part")]

    def table(self) -> str:
        return run(["sfdisk", "--dump", self.device]).stdout

    def mounted(self, path: Path) -> tuple[str, str]:
        out = run(["findmnt", "-no", "FSTYPE,OPTIONS", "--mountpoint", str(path)]).stdout.split()
        return (out[0], out[1]) if out else ("", "")


@pytest.fixture
def machine(tmp_path: Path) -> Iterator[Machine]:
    if os.geteuid() != 0:
        pytest.skip("loop devices need root: the disk scripts were not run on a block device")
    tool("losetup"), tool("sfdisk"), tool("mkfs.ext4"), tool("partx")
    devices: list[str] = []

    def attach(image: Path) -> str:
        done = run(["losetup", "--show", "-f", str(image)])
        if done.returncode != 0:
            pytest.skip(f"this machine allows no loop device ({done.stderr.strip()}): the disk scripts were not run")
        devices.append(done.stdout.strip())
        return devices[-1]

    m = Machine(tmp_path, attach)
    try:
        yield m
    finally:
        m.shutdown()
        for device in devices:
            run(["partx", "-d", device])
            run(["losetup", "-d", device])


def test_a_blank_disk_is_formatted_once_and_the_home_moves_onto_it(machine: Machine) -> None:
    out = machine.boot()
    assert "is blank" in out and "moved" in out
    (part,) = machine.parts()
    assert machine.fs(part, "LABEL") == "dsvmdata" and machine.fs(part, "PART_ENTRY_NAME") == "dsvmdata"
    assert machine.mounted(machine.data)[0] == "ext4"
    assert (machine.data / "home" / "root" / "notebook.ipynb").exists()
    assert machine.mounted(machine.homes / "root")[0] == "ext4"  # the bind mount over the home
    (machine.homes / "root" / "model.pt").write_text("weights")  # written through the bind: on the data disk
    uuid = machine.fs(part, "UUID")
    machine.shutdown()
    # The next boot (a replacement VM: a new OS disk with a fresh home): the disk is untouched, the home back.
    shutil.rmtree(machine.homes / "root")
    (machine.homes / "root" / ".ssh").mkdir(parents=True)
    (machine.homes / "root" / ".ssh" / "authorized_keys").write_text("ssh-ed25519 BBBB rotated@laptop\n")
    out = machine.boot()
    assert "is blank" not in out and "taking it back" in out
    assert machine.fs(part, "UUID") == uuid and (machine.homes / "root" / "model.pt").read_text() == "weights"
    assert (machine.homes / "root" / ".ssh" / "authorized_keys").read_text() == "ssh-ed25519 BBBB rotated@laptop\n"


def test_a_disk_from_a_windows_vm_is_never_repartitioned_or_formatted(machine: Machine) -> None:
    """Windows' layout: the 16 MiB reserved partition first (no filesystem), then NTFS 'dsvmdata'. cloud-init's
    fs_setup formatted the reserved partition; the script leaves the table and both partitions as they are."""
    tool("mkfs.ntfs")
    layout = f"label: gpt\nsize=16MiB, type={MSR}\ntype={BASIC_DATA}\n"
    assert run(["sfdisk", "-q", machine.device], input=layout).returncode == 0
    msr, ntfs = machine.parts()
    assert run(["mkfs.ntfs", "-Q", "-q", "-L", "dsvmdata", ntfs]).returncode == 0
    (ntfs_uuid, table) = (machine.fs(ntfs, "UUID"), machine.table())
    out = machine.boot()
    assert machine.table() == table and machine.fs(msr, "TYPE") == "" and machine.fs(ntfs, "UUID") == ntfs_uuid
    assert "Windows (NTFS) data volume" in out and "not the Linux data volume" in out
    fstype, options = machine.mounted(machine.data)
    assert not fstype or "ro" in options.split(",")  # reachable read-only where the kernel or ntfs-3g mounts NTFS
    assert machine.mounted(machine.homes / "root") == ("", "") and not (machine.data / "home").exists()


def test_a_disk_with_an_unknown_layout_is_left_alone(machine: Machine) -> None:
    with open(machine.device, "r+b") as handle:  # something written, no table, no filesystem
        handle.seek(4096)
        handle.write(b"not zeros")
    out = machine.boot()
    assert "holds data but no volume labelled dsvmdata" in out and machine.parts() == []
    assert machine.mounted(machine.data) == ("", "") and "stays on the OS disk" in out


def test_a_format_cut_short_is_finished(machine: Machine) -> None:
    assert run(["sfdisk", "-q", machine.device], input="label: gpt\ntype=linux, name=dsvmdata\n").returncode == 0
    out = machine.boot()
    assert "finishing the format" in out and machine.mounted(machine.data)[0] == "ext4"


def test_a_missing_disk_waits_for_nothing_and_a_later_boot_finds_it(machine: Machine) -> None:
    out = machine.boot(device=str(machine.tmp / "no-such-disk"), PATH=f"{fail_sleep(machine.tmp)}:{os.environ['PATH']}")
    assert "no data disk at LUN 0" in out and "stays on the OS disk" in out
    assert machine.mounted(machine.data) == ("", "") and machine.mounted(machine.homes / "root") == ("", "")
    out = machine.boot()  # the disk is there at the next boot (the service runs at every boot)
    assert "moved" in out and machine.mounted(machine.homes / "root")[0] == "ext4"


def fail_sleep(tmp: Path) -> Path:
    shim = tmp / "shim"
    shim.mkdir(exist_ok=True)
    (shim / "sleep").write_text("#!/bin/sh\nexit 1\n")
    (shim / "sleep").chmod(0o755)
    return shim


def test_a_raw_nvme_temp_disk_is_formatted_and_mounted_at_mnt(machine: Machine) -> None:
    image = machine.tmp / "temp.img"
    with open(image, "wb") as handle:
        handle.truncate(32 * 1024 * 1024)
    temp = machine.attach(image)
    out = machine.boot(DSVM_TEMP_DEVICE=temp)
    assert "formatting the local NVMe temp disk" in out and machine.mounted(machine.temp)[0] == "ext4"
    uuid = machine.fs(temp, "UUID")
    machine.shutdown()
    assert "formatting" not in machine.boot(DSVM_TEMP_DEVICE=temp) and machine.fs(temp, "UUID") == uuid


def test_the_data_disk_is_found_by_lun_on_scsi_and_nvme(tmp_path: Path) -> None:
    """``--which``: the WALinuxAgent SCSI link, the azure-vm-utils link, else the NVMe namespace LUN + 2."""

    def which(**env: str) -> str:
        roots = {"DSVM_DEV_ROOT": str(tmp_path / "r"), "DSVM_SYS_ROOT": str(tmp_path / "r")}
        done = run(["bash", str(DISK_SCRIPT), "--which"], env={**roots, **env})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert which() == ""
    remote, local = "MSFT NVMe Accelerator v1.0", "Microsoft NVMe Direct Disk v2"
    for nsid, name, model in ((1, "nvme0n1", remote), (2, "nvme0n2", remote), (1, "nvme1n1", local)):
        ns = tmp_path / "r/sys/block" / name
        (ns / "device").mkdir(parents=True)
        (ns / "nsid").write_text(f"{nsid}\n")
        (ns / "device/model").write_text(model.ljust(40) + "\n")
    assert which() == f"{tmp_path}/r/dev/nvme0n2"  # LUN 0 is namespace 2; namespace 1 is the OS disk
    assert which(DSVM_LUN="1") == ""
    links = tmp_path / "r/dev/disk/azure"
    (links / "data/by-lun").mkdir(parents=True)
    (tmp_path / "r/dev/nvme0n2").write_text("")
    (links / "data/by-lun/0").symlink_to(tmp_path / "r/dev/nvme0n2")
    assert which() == f"{tmp_path}/r/dev/nvme0n2"
    (links / "scsi1").mkdir()
    (tmp_path / "r/dev/sdc").write_text("")
    (links / "scsi1/lun0").symlink_to(tmp_path / "r/dev/sdc")
    assert which() == f"{tmp_path}/r/dev/sdc"
