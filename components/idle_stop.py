"""Idle stop on one VM: its settings in ``userData``, the watcher installed by a VM extension.

Why not cloud-init: ``customData`` is create-only (a change replaces the VM and its OS disk), so
the watcher cannot be added to a deployed VM through it. Instead:

- the settings are the VM's ``userData`` (base64 JSON ``{"idle_stop": {...}}``, what
  ``scripts/dsvm_idle_watch.py`` reads from IMDS). Azure updates userData in place, without
  stopping or rebooting the VM (Microsoft Learn, 'User data for Azure Virtual Machine'), so
  tuning never replaces a VM;
- the watcher and its systemd timer are installed by a VM extension, an in-place child
  resource: Linux ``Microsoft.Azure.Extensions/CustomScript`` 2.1 runs ``linux_install_script``
  from ``protectedSettings.script`` (base64; not gzipped, so the plan's bytes do not depend on
  the zlib build); Windows ``Microsoft.Compute/CustomScriptExtension`` 1.10 runs a short
  PowerShell bootstrap (``windows_command``) that reads the installer from the userData key
  ``WINDOWS_INSTALLER_KEY`` (a Windows command line is too short for the watcher itself),
  checks its SHA-256 against the one in the command and runs it. A changed installer changes
  the extension's settings, so the extension runs again; ``forceUpdateTag`` is the VM's
  ``vmId``, so a replaced VM (a new ``vmId``) gets the extension again too.

Sources: Microsoft Learn, 'Use the Azure Custom Script Extension Version 2 with Linux virtual
machines' (``script``: base64, optionally gzipped, in protected settings) and 'Custom Script
Extension for Windows' (``commandToExecute``, version 1.10).
"""

from __future__ import annotations

import base64
import hashlib
import json
import shlex
from dataclasses import dataclass
from typing import Any

import pulumi

# What the watcher's identity may do: the subscription's idle-stop roles (azurefacts/subscription_roles.py).
from azurefacts.subscription_roles import DEALLOCATE_ACTIONS as DEALLOCATE_ACTIONS
from azurefacts.subscription_roles import SCALE_IN_ACTIONS as SCALE_IN_ACTIONS
from components import idle_units

EXTENSION_NAME = "dsvm-idle-stop"
LINUX_EXTENSION = ("Microsoft.Azure.Extensions", "CustomScript", "2.1")
WINDOWS_EXTENSION = ("Microsoft.Compute", "CustomScriptExtension", "1.10")
WINDOWS_INSTALLER_KEY = "idle_stop_windows_installer"
IMDS_USER_DATA = "http://169.254.169.254/metadata/instance/compute/userData?api-version=2021-01-01&format=text"


@dataclass(frozen=True)
class IdleStop:
    """One VM's idle stop: the watcher's settings and the id of the subscription's idle-stop role its identity gets
    on the VM (``azurefacts/subscription_roles.py``)."""

    role_definition_id: pulumi.Input[str]
    idle_minutes: int = 60
    warn_minutes: int = 10
    cpu_percent: float = 10
    gpu_percent: float = 5
    # The cost estimate's assumption (never sent to Azure): recorded as an input of the Workstation
    # component, where ``costs`` reads it.
    active_hours_per_week: float = 25

    def settings(self) -> dict[str, Any]:
        """The ``idle_stop`` object of the userData document (numbers as the config gave them)."""
        return {
            "enabled": True,
            "idle_minutes": self.idle_minutes,
            "warn_minutes": self.warn_minutes,
            "cpu_percent": _number(self.cpu_percent),
            "gpu_percent": _number(self.gpu_percent),
        }


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def user_data(idle: IdleStop, windows: bool) -> str:
    """Base64 of the userData document: the settings, and on Windows the installer the extension runs."""
    document: dict[str, Any] = {"idle_stop": idle.settings()}
    if windows:
        document[WINDOWS_INSTALLER_KEY] = windows_installer()
    return base64.b64encode(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).decode()


def user_data_off() -> str:
    """Base64 of ``{"idle_stop": {"enabled": false}}``: the userData of a VM without idle stop. A watcher that
    stays on a VM after idle stop was turned off (deleting an extension removes no files) reads it and idles."""
    return base64.b64encode(json.dumps({"idle_stop": {"enabled": False}}, separators=(",", ":")).encode()).decode()


def linux_install_script() -> str:
    """The shell script the CustomScript extension runs as root: the watcher and its units, then the timer on.

    Idempotent: each file is written to a temporary name and moved into place, so a rerun (new
    settings, a new watcher) replaces them whole.
    """
    lines = [
        "#!/bin/sh",
        "# dsvm idle stop: install the idle watcher (run as root by the CustomScript extension).",
        "set -eu",
        "umask 022",
    ]
    for entry in idle_units.write_files():
        path = entry["path"]
        encoded = base64.b64encode(entry["content"].encode()).decode()
        lines += [
            f"mkdir -p {shlex.quote(path.rsplit('/', 1)[0])}",
            f"echo '{encoded}' | base64 -d > {shlex.quote(path + '.new')}",
            f"chown {entry['owner']} {shlex.quote(path + '.new')}",
            f"chmod {entry['permissions']} {shlex.quote(path + '.new')}",
            f"mv -f {shlex.quote(path + '.new')} {shlex.quote(path)}",
        ]
    lines += [" ".join(shlex.quote(part) for part in command) for command in idle_units.runcmd()]
    return "\n".join(lines) + "\n"


def linux_protected_settings() -> dict[str, str]:
    return {"script": base64.b64encode(linux_install_script().encode()).decode()}


def windows_installer() -> str:
    """The PowerShell that installs the watcher and its scheduled task (``idle_units``), as text."""
    return "$ErrorActionPreference = 'Stop'\n" + "\n".join(idle_units.windows_install_lines()) + "\n"


def windows_command() -> str:
    """``commandToExecute``: fetch the installer from userData (IMDS, no proxy), check its hash, run it."""
    digest = hashlib.sha256(windows_installer().encode()).hexdigest()
    bootstrap = "\n".join([
        "$ErrorActionPreference = 'Stop'",
        "$web = New-Object Net.WebClient; $web.Proxy = $null; $web.Headers.Add('Metadata', 'true')",
        f"$raw = [Convert]::FromBase64String($web.DownloadString('{IMDS_USER_DATA}'))",
        "$doc = [Text.Encoding]::UTF8.GetString($raw) | ConvertFrom-Json",
        f"$bytes = [Text.Encoding]::UTF8.GetBytes([string]$doc.{WINDOWS_INSTALLER_KEY})",
        "$sha = -join ([Security.Cryptography.SHA256]::Create().ComputeHash($bytes) |"
        " ForEach-Object { $_.ToString('x2') })",
        f"if ($sha -ne '{digest}') {{ throw 'dsvm idle stop: the installer in userData is not the expected one' }}",
        "& ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString($bytes)))",
    ])  # fmt: skip
    encoded = base64.b64encode(bootstrap.encode("utf-16-le")).decode()
    return f"powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {encoded}"


def windows_protected_settings() -> dict[str, str]:
    return {"commandToExecute": windows_command()}
