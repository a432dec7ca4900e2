"""What a DSVM runs at first boot: the data disk mounted, and the member's work kept on it.

Linux (cloud-init, in ``customData``): ``write_files`` installs two scripts and ``dsvm-data.service``, which
runs at every boot (after cloud-init's network stage, before anyone can log in), and ``runcmd`` enables and
starts it on the first boot:

- ``scripts/dsvm-data-disk.sh`` finds the data disk by LUN on both disk controllers (SCSI:
  ``/dev/disk/azure/scsi1/lun0``; NVMe-only sizes, the v6 families: ``/dev/disk/azure/data/by-lun/0`` where
  the image has azure-vm-utils, else the remote controller's namespace LUN + 2), formats it only when it was
  never written to, and mounts it at ``/data`` (a Windows NTFS data volume read-only); on NVMe sizes with a
  local temp disk it formats and mounts that raw disk at ``/mnt``;
- ``scripts/persist-home.sh`` moves the member's home there (or takes it back on a replacement VM) and
  bind-mounts it over ``/home/<member>``.

cloud-init's own ``disk_setup``/``fs_setup``/``mounts`` are not used for the data disk: ``fs_setup`` picks the
first partition without a filesystem, which on a disk from a Windows VM is the 16 MiB Microsoft reserved
partition, and a user ``fs_setup`` list replaces the Azure datasource's (cloud-init merges dicts, not lists),
which drops its ``ephemeral0.1`` entry: the temp disk would be repartitioned and never formatted. Leaving
both keys out keeps Azure's built-in temp disk handling (``/mnt``) whole. The JupyterHub local password is
set with ``chpasswd``.

Windows (``customData`` holds ``scripts/first-logon.ps1``; Windows does not run custom data, so a
``FirstLogonCommands`` unattend entry runs it at the first logon): the data disk (LUN 0 on SCSI, the remote
NVMe disk on NVMe sizes, never the local NVMe temp disk) is initialised and formatted only when RAW (or when
an earlier run initialised it and stopped); its volume gets ``F:``, or the next free letter when ``F:`` is
taken, and ``<letter>:\\work`` holds the member's work. The script is idempotent: run it again to finish.

Source: Microsoft Learn, 'Custom data and cloud-init on Azure Virtual Machines' (Windows saves custom data to
C:\\AzureData\\CustomData.bin and does not run it), 'FAQ for remote NVMe disks'; cloud-init's Azure datasource
(``BUILTIN_CLOUD_EPHEMERAL_DISK_CONFIG``) and its merging rules ('Merging user data sections'); the
azure-vm-utils udev rules (``udev/80-azure-disk.rules``).
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import yaml

DATA_LABEL = "dsvmdata"
DATA_MOUNT = "/data"
DATA_DISK_SCRIPT = "/usr/local/sbin/dsvm-data-disk"
PERSIST_HOME = "/usr/local/sbin/dsvm-persist-home"
DATA_SERVICE = "dsvm-data.service"
DATA_SERVICE_PATH = f"/etc/systemd/system/{DATA_SERVICE}"
WINDOWS_SCRIPT = r"C:\AzureData\dsvm-first-logon.ps1"
_SCRIPTS = Path(__file__).parent / "scripts"
# Not libyaml's CSafeDumper, though faster: it folds long strings elsewhere, and customData is
# create-only: other bytes would replace every deployed VM.


@functools.cache
def script(name: str) -> str:
    """A script shipped in ``components/scripts`` (read once per process)."""
    return (_SCRIPTS / name).read_text()


def data_service_unit(username: str | None) -> str:
    """``dsvm-data.service``: the data disk at ``/data`` at every boot, and ``username``'s home kept on it (a
    scale set instance, ``None``: the disk only). Before user sessions, so nobody logs in to the OS disk's home."""
    home = f"ExecStart={PERSIST_HOME} {username}\n" if username else ""
    what = " and the home on it" if username else ""
    return f"""[Unit]
Description=dsvm data disk at {DATA_MOUNT} (found by LUN, formatted only when blank){what}
Documentation=file://{DATA_DISK_SCRIPT}
After=local-fs.target cloud-init.service
Before=systemd-user-sessions.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart={DATA_DISK_SCRIPT}
{home}TimeoutStartSec=30min

[Install]
WantedBy=multi-user.target
"""


def data_disk_files(username: str | None) -> list[dict[str, str]]:
    """cloud-init ``write_files`` entries: the disk script, the home script (with a member) and the unit."""
    files = [{"path": DATA_DISK_SCRIPT, "permissions": "0755", "owner": "root:root",
              "content": script("dsvm-data-disk.sh")}]  # fmt: skip
    if username:
        files.append({"path": PERSIST_HOME, "permissions": "0755", "owner": "root:root",
                      "content": script("persist-home.sh")})  # fmt: skip
    files.append({"path": DATA_SERVICE_PATH, "permissions": "0644", "owner": "root:root",
                  "content": data_service_unit(username)})  # fmt: skip
    return files


DATA_DISK_RUNCMD: list[list[str]] = [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", DATA_SERVICE]]


def linux_cloud_config(username: str, password: str) -> dict[str, Any]:
    """The cloud-config of a Linux DSVM (as data; ``linux_custom_data`` encodes it)."""
    return {
        "ssh_pwauth": False,
        "chpasswd": {"expire": False, "users": [{"name": username, "password": password, "type": "text"}]},
        "write_files": data_disk_files(username),
        "runcmd": [list(command) for command in DATA_DISK_RUNCMD],
    }


def linux_custom_data(username: str, password: str) -> str:
    """Base64 ``#cloud-config`` of a Linux DSVM."""
    text = "#cloud-config\n" + yaml.safe_dump(linux_cloud_config(username, password), sort_keys=False, width=1000)
    return base64.b64encode(text.encode()).decode()


def windows_custom_data() -> str:
    """Base64 of the first-logon PowerShell script of a Windows DSVM."""
    return base64.b64encode(script("first-logon.ps1").encode()).decode()


def windows_first_logon_commands() -> str:
    """The ``FirstLogonCommands`` unattend content that runs the custom data script once."""
    command = (
        rf"cmd /c copy /y C:\AzureData\CustomData.bin {WINDOWS_SCRIPT} &amp;&amp; "
        rf"powershell -NoProfile -ExecutionPolicy Bypass -File {WINDOWS_SCRIPT}"
    )
    return (
        "<FirstLogonCommands><SynchronousCommand><CommandLine>"
        f"{command}"
        "</CommandLine><Description>dsvm data disk</Description><Order>1</Order>"
        "</SynchronousCommand></FirstLogonCommands>"
    )
