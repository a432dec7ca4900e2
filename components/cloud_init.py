"""What a DSVM runs at first boot: the data disk mounted, and the member's work kept on it.

Linux (cloud-init, in ``customData``): the data disk at LUN 0
(``/dev/disk/azure/scsi1/lun0``, the udev name Azure gives it) is partitioned and
formatted only when it is blank (``overwrite: false``: cloud-init skips a disk with
a partition table or a filesystem), mounted at ``/data`` by filesystem label with
``nofail``, and ``scripts/persist-home.sh`` moves the member's home there (or takes
it back on a replacement VM). The JupyterHub local password is set with ``chpasswd``.

Windows (``customData`` holds ``scripts/first-logon.ps1``; Windows does not run custom
data, so a ``FirstLogonCommands`` unattend entry runs it at the first logon): only
a RAW disk is initialised and formatted; the volume becomes ``F:`` and
``F:\\work`` holds the member's work.

Source: Microsoft Learn, 'Use cloud-init to configure a data disk' and 'Custom data
and cloud-init on Azure Virtual Machines' (Windows saves custom data to
C:\\AzureData\\CustomData.bin and does not run it); cloud-init's disk_setup/fs_setup
and mounts modules.
"""

from __future__ import annotations

import base64
import functools
from pathlib import Path
from typing import Any

import yaml

DATA_DEVICE = "/dev/disk/azure/scsi1/lun0"
DATA_LABEL = "dsvmdata"
DATA_MOUNT = "/data"
PERSIST_HOME = "/usr/local/sbin/dsvm-persist-home"
WINDOWS_SCRIPT = r"C:\AzureData\dsvm-first-logon.ps1"
_SCRIPTS = Path(__file__).parent / "scripts"
# Not libyaml's CSafeDumper, though faster: it folds long strings elsewhere, and customData is
# create-only: other bytes would replace every deployed VM.


@functools.cache
def script(name: str) -> str:
    """A script shipped in ``components/scripts`` (read once per process)."""
    return (_SCRIPTS / name).read_text()


def linux_cloud_config(username: str, password: str) -> dict[str, Any]:
    """The cloud-config of a Linux DSVM (as data; ``linux_custom_data`` encodes it)."""
    return {
        "ssh_pwauth": False,
        "chpasswd": {"expire": False, "users": [{"name": username, "password": password, "type": "text"}]},
        "disk_setup": {DATA_DEVICE: {"table_type": "gpt", "layout": True, "overwrite": False}},
        "fs_setup": [
            {"label": DATA_LABEL, "filesystem": "ext4", "device": DATA_DEVICE, "partition": "auto",
             "overwrite": False},
        ],
        "mounts": [["LABEL=" + DATA_LABEL, DATA_MOUNT, "ext4", "defaults,nofail,x-systemd.device-timeout=30", "0",
                    "2"]],
        "write_files": [
            {"path": PERSIST_HOME, "permissions": "0755", "owner": "root:root",
             "content": script("persist-home.sh")},
        ],
        "runcmd": [[PERSIST_HOME, username]],
    }  # fmt: skip


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
