"""How the idle watcher (``scripts/dsvm_idle_watch.py``) is installed on a DSVM: text only, standard library only.

Linux: cloud-init ``write_files`` puts the script in ``SCRIPT_PATH`` and two systemd units next to
the system's own; ``runcmd`` enables the timer. The timer starts the oneshot service 10 minutes
after boot, then 5 minutes after each run (``OnUnitActiveSec``); ``Persistent=false`` because
missed runs of a stopped VM mean nothing. The service runs as root (IMDS tokens are root-only on
the scale-out instances) with its state in ``StateDirectory=dsvm-idle`` (``/var/lib/dsvm-idle``) and
the rest of the file system read-only (``ProtectSystem=strict``, ``ProtectHome=read-only``: it reads the
Jupyter servers' runtime files in the users' homes); no ``PrivateDevices`` (``wall``
writes to the users' terminals, ``nvidia-smi`` opens ``/dev/nvidia*``) and no ``ProtectProc``.
``python3 -I`` keeps the script's directory and the environment out of ``sys.path``.

Windows: PowerShell lines (for the first-logon script) that write the script to ``WINDOWS_SCRIPT``
in a folder only SYSTEM and Administrators can write (it runs as SYSTEM: a user must not be able to
drop a module next to it), find a ``python.exe``, and register the scheduled task ``WINDOWS_TASK``:
as SYSTEM, every 5 minutes from 10 minutes after registration, its output appended to ``WINDOWS_LOG``.

The workstations get these bytes through the idle-stop VM extension (``idle_stop.py``: the Linux
install script, or on Windows the installer in userData), never through customData, which is
create-only: a change to the script or the units re-runs the extension in place.
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

SCRIPT_SOURCE = Path(__file__).parent / "scripts" / "dsvm_idle_watch.py"
SCRIPT_PATH = "/usr/local/sbin/dsvm_idle_watch.py"
PYTHON = "/usr/bin/python3"
SERVICE_NAME = "dsvm-idle-watch.service"
TIMER_NAME = "dsvm-idle-watch.timer"
SERVICE_PATH = f"/etc/systemd/system/{SERVICE_NAME}"
TIMER_PATH = f"/etc/systemd/system/{TIMER_NAME}"
STATE_DIRECTORY = "dsvm-idle"
STATE_PATH = f"/var/lib/{STATE_DIRECTORY}/state.json"
HUB_TOKEN_PATH = "/etc/dsvm-idle/jupyterhub.token"
FIRST_CHECK_MINUTES = 10
INTERVAL_MINUTES = 5
WINDOWS_DIR = r"C:\ProgramData\dsvm-idle"
WINDOWS_SCRIPT = WINDOWS_DIR + r"\dsvm_idle_watch.py"
WINDOWS_LOG = WINDOWS_DIR + r"\dsvm-idle-watch.log"
WINDOWS_TASK = "dsvm-idle-watch"
# Where a python.exe may be on a Windows DSVM (not confirmed on an image: the first that exists wins,
# then python.exe on PATH, never the Microsoft Store alias under WindowsApps).
WINDOWS_PYTHONS = (r"C:\ProgramData\Anaconda3\python.exe", r"C:\anaconda\python.exe", r"C:\Python311\python.exe")


def script_text() -> str:
    """The watcher script, as shipped."""
    return SCRIPT_SOURCE.read_text()


def service_unit() -> str:
    """``dsvm-idle-watch.service``: one check, as root, hardened."""
    return f"""[Unit]
Description=dsvm idle watch: deallocate this VM when every sign of use has been quiet long enough
Documentation=file://{SCRIPT_PATH}
After=network-online.target
Wants=network-online.target

[Service]
Type=oneshot
ExecStart={PYTHON} -I {SCRIPT_PATH} --state {STATE_PATH} --hub-token {HUB_TOKEN_PATH}
TimeoutStartSec=120
StateDirectory={STATE_DIRECTORY}
StateDirectoryMode=0700
UMask=0077
NoNewPrivileges=yes
ProtectSystem=strict
ProtectHome=read-only
PrivateTmp=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
SystemCallArchitectures=native
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6 AF_NETLINK
"""


def timer_unit() -> str:
    """``dsvm-idle-watch.timer``: the service 10 minutes after boot, then 5 minutes after each run."""
    return f"""[Unit]
Description=dsvm idle watch every {INTERVAL_MINUTES} minutes

[Timer]
OnBootSec={FIRST_CHECK_MINUTES}min
OnUnitActiveSec={INTERVAL_MINUTES}min
AccuracySec=30s
Persistent=false
Unit={SERVICE_NAME}

[Install]
WantedBy=timers.target
"""


def write_files() -> list[dict[str, str]]:
    """cloud-init ``write_files`` entries: the script and both units (shaped like ``cloud_init``'s)."""
    return [
        {"path": SCRIPT_PATH, "permissions": "0755", "owner": "root:root", "content": script_text()},
        {"path": SERVICE_PATH, "permissions": "0644", "owner": "root:root", "content": service_unit()},
        {"path": TIMER_PATH, "permissions": "0644", "owner": "root:root", "content": timer_unit()},
    ]


def runcmd() -> list[list[str]]:
    """cloud-init ``runcmd`` entries that enable and start the timer (not the service: the timer runs it)."""
    return [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", TIMER_NAME]]


def cloud_config() -> dict[str, Any]:
    """The cloud-config fragment to merge into a Linux DSVM's (append both lists to the existing ones)."""
    return {"write_files": write_files(), "runcmd": runcmd()}


def _ps(text: str) -> str:
    """A PowerShell single-quoted string."""
    return "'" + text.replace("'", "''") + "'"


def windows_install_lines() -> list[str]:
    """PowerShell lines that install the watcher and register its scheduled task (as an administrator; without
    a python.exe they warn and register nothing, so the script they are part of goes on)."""
    encoded = base64.b64encode(script_text().encode()).decode()
    candidates = ", ".join(_ps(p) for p in WINDOWS_PYTHONS)
    # cmd /c ""python" -I "script" >> "log" 2>&1": cmd drops the outer quotes; the output goes to the log.
    head, tail = _ps('/c ""'), _ps(f'" -I "{WINDOWS_SCRIPT}" >> "{WINDOWS_LOG}" 2>&1"')
    return [
        f"New-Item -ItemType Directory -Force -Path {_ps(WINDOWS_DIR)} | Out-Null",
        # SYSTEM (S-1-5-18) and Administrators (S-1-5-32-544) only, by SID so a localised Windows works too.
        f"icacls {_ps(WINDOWS_DIR)} /inheritance:r /grant:r '*S-1-5-18:(OI)(CI)F' '*S-1-5-32-544:(OI)(CI)F' | Out-Null",
        f"[IO.File]::WriteAllBytes({_ps(WINDOWS_SCRIPT)}, [Convert]::FromBase64String('{encoded}'))",
        f"$idlePython = @({candidates}) + @((Get-Command python.exe -All -ErrorAction SilentlyContinue).Source) |"
        " Where-Object { $_ -and $_ -notmatch 'WindowsApps' -and (Test-Path $_) } | Select-Object -First 1",
        "if ($idlePython) {",
        f"$idleAction = New-ScheduledTaskAction -Execute 'cmd.exe' -Argument ({head} + $idlePython + {tail})",
        f"$idleTrigger = New-ScheduledTaskTrigger -Once -At (Get-Date).AddMinutes({FIRST_CHECK_MINUTES})"
        f" -RepetitionInterval (New-TimeSpan -Minutes {INTERVAL_MINUTES})",
        "$idlePrincipal = New-ScheduledTaskPrincipal -UserId 'SYSTEM' -LogonType ServiceAccount -RunLevel Highest",
        "$idleSettings = New-ScheduledTaskSettingsSet -MultipleInstances IgnoreNew -StartWhenAvailable"
        " -ExecutionTimeLimit (New-TimeSpan -Minutes 4) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries",
        f"Register-ScheduledTask -TaskName {_ps(WINDOWS_TASK)} -Action $idleAction -Trigger $idleTrigger"
        " -Principal $idlePrincipal -Settings $idleSettings -Force | Out-Null",
        "} else {",
        "Write-Warning 'dsvm idle watch: no python.exe found, so no idle stop on this VM'",
        "}",
    ]
