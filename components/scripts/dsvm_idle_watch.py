#!/usr/bin/env python3
"""dsvm-idle-watch: deallocates this VM once every sign of use has been quiet for ``idle_minutes``.

Shipped verbatim to the VM: standard library only, Python 3.8+. A systemd timer (or a SYSTEM scheduled task) runs it
every 5 minutes; each run checks once and exits (no loop, no retry). Settings: the VM's ``userData`` from IMDS,
base64 of a JSON object, gzip or not (updatable in place: tuning never replaces the VM; not secret); other top-level
keys are ignored (the scale-out roster can share it)::

    {"idle_stop": {"enabled": true,            # an idle_stop object switches it on
                   "idle_minutes": 60,         # every signal quiet this long: deallocate (> 0)
                   "warn_minutes": 10,         # wall / msg * this long before (< idle_minutes; 0: none)
                   "cpu_percent": 10, "cpu_cores": 0.5,  # busy from this % of the VM's CPU, or cores' worth
                   "gpu_percent": 5,           # busy from this on any GPU (nvidia-smi)
                   "sample_seconds": 3,        # CPU sampling window (<= 60)
                   "client_id": "",            # a user-assigned identity's client id; "": system-assigned
                   "jupyterhub_url": "https://127.0.0.1:8000",
                   "leave_pool": false, "pool_minimum": 1,  # leave the pool instead, while above this (below)
                   "patch_windows": [[7320, 7500]]}}  # busy in these minutes of the UTC week (Update Manager)

Missing keys take these defaults; unknown keys are logged and ignored. No userData or no idle_stop: off (exit 0); a
document it cannot read is logged, nothing stops (exit 2). Each signal is a probe ``(settings, env) -> reason or
None``; one that raises counts as busy. Jupyter: each server that left a runtime file (``jpserver-*.json``) is asked
on 127.0.0.1 with that file's token for busy kernels and recent activity; with a hub token (``--hub-token``; a hub
service with scopes list:users, read:users:activity, read:servers, access:servers: none on the image) JupyterHub's
API too. State: when last busy and why, the warning, the stop request, failures and backoff (10 min doubling to 2 h);
a new boot restarts the idle clock. Stop: ``POST {id}/deallocate`` on ARM with an IMDS token; failures exit 1.

``leave_pool`` (a Flexible scale set instance; docs/CLASSROOM.md): while its scale set's ``sku.capacity``
is above ``pool_minimum`` it deletes itself (``POST {scale set}/delete``, ``instanceIds``: its VM name; not
confirmed for Flexible), else stays. Learn REST 'Virtual Machine Scale Sets - Delete Instances'.
"""

from __future__ import annotations

import argparse
import base64
import calendar
import glob
import gzip
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

IMDS = "http://169.254.169.254"
ARM = "https://management.azure.com"
USER_DATA = "/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
INSTANCE = "/metadata/instance?api-version=2021-02-01"
TOKEN = "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=" + urllib.parse.quote(ARM + "/", safe="")
# Virtual Machines - Deallocate: Microsoft Learn REST reference (rest/api/compute/virtual-machines/deallocate) and
# azure-rest-api-specs .../Microsoft.Compute/ComputeRP/stable/2025-04-01/examples/.../VirtualMachine_Deallocate_*.json.
COMPUTE_API_VERSION = "2025-04-01"
DEALLOCATE_ACTION = "Microsoft.Compute/virtualMachines/deallocate/action"
VMSS_DEALLOCATE_ACTION = DEALLOCATE_ACTION.replace("virtualMachines", "virtualMachineScaleSets/virtualMachines")
SCALE_SET_READ_ACTION = "Microsoft.Compute/virtualMachineScaleSets/read"
SCALE_SET_DELETE_INSTANCES_ACTION = "Microsoft.Compute/virtualMachineScaleSets/delete/action"
WINDOWS = sys.platform == "win32"
STATE_FILE = r"C:\ProgramData\dsvm-idle\state.json" if WINDOWS else "/var/lib/dsvm-idle/state.json"
HUB_TOKEN_FILE = r"C:\ProgramData\dsvm-idle\jupyterhub.token" if WINDOWS else "/etc/dsvm-idle/jupyterhub.token"
RUNTIME = r"C:\Users\*\AppData\Roaming\jupyter\runtime" if WINDOWS else "/home/*/.local/share/jupyter/runtime"
TIMEOUT, ACTIVITY_WINDOW, BOOT_TOLERANCE, STOP_GRACE = 10.0, 600.0, 120.0, 900.0
BACKOFF_FIRST, BACKOFF_MAX = 600.0, 7200.0
DEFAULTS: dict[str, Any] = {
    "enabled": True, "idle_minutes": 60, "warn_minutes": 10, "cpu_percent": 10, "gpu_percent": 5,
    "cpu_cores": 0.5, "sample_seconds": 3, "client_id": "", "jupyterhub_url": "https://127.0.0.1:8000",
    "leave_pool": False, "pool_minimum": 1, "patch_windows": [],
}  # fmt: skip
log = partial(print, flush=True)  # stdout: journald keeps it under the unit (the task: a log file)


class WatchError(Exception):
    """A failure worth one clear log line (network, identity, authorisation)."""


def when(epoch: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime(epoch))


def call(method: str, url: str, headers: dict[str, str], direct: bool = True,
         body: Any = None) -> tuple[int, bytes]:  # fmt: skip
    """One request, no retry: (status, body). HTTP errors are answers; network errors raise ``WatchError``.
    ``direct`` bypasses proxies (IMDS and the local hub must never go through one); ``body`` is sent as JSON
    (a POST without one sends an empty body)."""
    handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})] if direct else []
    if url.startswith(("https://127.0.0.1", "https://localhost")):  # the hub on loopback: self-signed (PEP 476)
        handlers.append(urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    headers = {**headers, "Content-Type": "application/json"} if body is not None else headers
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.build_opener(*handlers).open(request, timeout=TIMEOUT) as response:
            return int(response.status), bytes(response.read())
    except urllib.error.HTTPError as error:
        return int(error.code), bytes(error.read())
    except (OSError, http.client.HTTPException) as error:  # URLError, refused, timeout, reset
        reason = getattr(error, "reason", None) or repr(error)
        raise WatchError(f"network: no answer from {urllib.parse.urlsplit(url).netloc} ({reason})") from None


def _json(body: bytes) -> Any:
    try:
        return json.loads(body.decode("utf-8") or "null")
    except ValueError:
        return None


def _detail(body: bytes) -> str:
    """The error an IMDS or ARM answer carries (ARM: error.code and message; IMDS: error_description)."""
    data = _json(body) if isinstance(_json(body), dict) else {}
    error = data.get("error")
    text = f"{error.get('code')}: {error.get('message')}" if isinstance(error, dict) else data.get("error_description")
    return str(text or error or body.decode("utf-8", "replace").strip())[:300]


def parse_settings(text: str) -> dict[str, Any] | None:
    """The ``idle_stop`` settings of a userData value; None when absent; ``ValueError`` when unreadable."""
    if not text.strip():
        return None
    try:
        raw = base64.b64decode(text.strip(), validate=True)
        document = json.loads((gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode("utf-8"))
    except (ValueError, OSError, EOFError) as error:
        raise ValueError(f"not base64 of JSON ({error})") from None
    section = document.get("idle_stop") if isinstance(document, dict) else "not an object"
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ValueError("the document or its idle_stop is not a JSON object")
    settings = dict(DEFAULTS)
    for key, value in section.items():
        default = DEFAULTS.get(key)
        if default is None:
            log(f"userData: ignoring unknown setting idle_stop.{key}")
            continue
        number = not isinstance(value, bool) and isinstance(value, (int, float)) and 0 <= value < 1e9
        if not (type(value) is type(default) if isinstance(default, (bool, str, list)) else number):
            raise ValueError(f"idle_stop.{key} cannot be {value!r} (default: {default!r})")
        settings[key] = value
    percents = max(settings["cpu_percent"], settings["gpu_percent"])
    if not settings["warn_minutes"] < settings["idle_minutes"] or percents > 100 or settings["sample_seconds"] > 60:
        raise ValueError("idle_stop needs warn_minutes < idle_minutes, percentages <= 100, sample_seconds <= 60")
    return settings


def run_command(command: list[str], empty_ok: bool = False) -> str:
    """A command's output (tests replace this); raises if it fails silently, unless ``empty_ok`` (quser)."""
    done = subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0 and not done.stdout.strip() and not empty_ok:
        raise RuntimeError(f"{command[0]} exited {done.returncode}: {done.stderr.strip()[:200]}")
    return done.stdout


def logind_sessions() -> list[str]:
    """Users with a terminal, display or remote session, from logind (raises when loginctl fails)."""
    listed, users = run_command(["loginctl", "list-sessions", "--no-legend", "--no-pager"]).splitlines(), []
    ids = [line.split()[0] for line in listed if line.split()]
    keys = ("Name", "Class", "State", "TTY", "Display", "Remote", "Service")
    asked = ["loginctl", "show-session", *ids] + [a for k in keys for a in ("-p", k)]
    for block in run_command(asked, empty_ok=True).split("\n\n") if ids else []:
        p = dict(item.split("=", 1) for item in block.splitlines() if "=" in item)
        where = p.get("TTY") or p.get("Display") or ("remote" if p.get("Remote") == "yes" else "")
        if p.get("Class") == "user" and p.get("State") != "closing" and where:
            users.append(f"{p.get('Name')} ({p.get('Service')} {where})")
    return users


def probe_sessions(settings: dict[str, Any], env: Env) -> str | None:
    """Interactive sessions: logind (SSH with or without a pty, console, xrdp), else utmp; quser on Windows."""
    users: list[str] | None = None
    if WINDOWS:
        rows = [line.split() for line in run_command(["quser"], empty_ok=True).splitlines()[1:]]
        users = [row[0].lstrip(">") for row in rows if "Active" in row]
    else:
        try:
            users = logind_sessions() if shutil.which("loginctl") else None
        except (RuntimeError, subprocess.SubprocessError) as error:  # logind not answering: utmp still does
            log(f"loginctl failed ({error}): counting sessions from utmp (who)")
        if users is None:
            users = [" ".join(line.split()[:2]) for line in run_command(["who"]).splitlines() if line.strip()]
    return "sessions: " + ", ".join(users) if users else None


def cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat: user nice system idle iowait irq softirq)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:8]]
    return float(sum(values) - values[3] - values[4]), float(sum(values))


def probe_cpu(settings: dict[str, Any], env: Env) -> str | None:
    """CPU over ``sample_seconds``: busy from ``cpu_percent`` of the VM or ``cpu_cores`` cores' worth (one busy
    kernel or script on a 64-core VM is 1.6 %: the cores catch it without knowing what it is)."""
    if WINDOWS:
        ps = "(Get-CimInstance Win32_Processor | Measure-Object LoadPercentage -Average).Average"
        percent = float(run_command(["powershell", "-NoProfile", "-Command", ps]).strip() or 0)
    else:
        busy0, total0 = cpu_times()
        env.sleep(settings["sample_seconds"])
        busy1, total1 = cpu_times()
        percent = 100.0 * (busy1 - busy0) / max(total1 - total0, 1.0)
    cores, limit = percent / 100.0 * (os.cpu_count() or 1), settings["cpu_percent"]
    busy = percent >= limit or cores >= settings["cpu_cores"]
    return f"cpu {percent:.0f}% = {cores:.1f} cores (busy from {limit}% or {settings['cpu_cores']})" if busy else None


def probe_gpu(settings: dict[str, Any], env: Env) -> str | None:
    """The busiest GPU's utilisation (nvidia-smi); a VM without nvidia-smi has no GPU to watch."""
    if not shutil.which("nvidia-smi"):
        return None
    out = run_command(["nvidia-smi", "--query-gpu=utilization.gpu", "--format=csv,noheader,nounits"])
    values = [float(v) for v in out.split() if v.replace(".", "", 1).isdigit()]  # "[N/A]" (MIG) skipped
    limit = settings["gpu_percent"]
    return f"gpu {max(values):.0f}% (busy from {limit}%)" if values and max(values) >= limit else None


def probe_patch_window(settings: dict[str, Any], env: Env) -> str | None:
    """Busy from 30 min before an Update Manager window to its end, so a patch run finds the VM up and finishes;
    ``patch_windows``: [start, end) minutes of the UTC week (Monday 00:00 = 0), both offsets of a DST zone."""
    now = time.gmtime(env.clock())
    minute = now.tm_wday * 1440 + now.tm_hour * 60 + now.tm_min
    if any(a - 30 <= m < b for a, b in settings["patch_windows"] for m in (minute, minute + 10080, minute - 10080)):
        return "Update Manager's patch window"
    return None


def _hub(url: str, token: str) -> Any:
    status, body = call("GET", url, {"Authorization": "token " + token})
    if status != 200:
        raise WatchError(f"JupyterHub API {urllib.parse.urlsplit(url).path}: HTTP {status} {_detail(body)}")
    return _json(body)


def _recent(stamp: Any, env: Env) -> float | None:
    """An ISO time stamp of the API, as epoch seconds when it is less than ``ACTIVITY_WINDOW`` old."""
    try:
        at = float(calendar.timegm(time.strptime(str(stamp)[:19], "%Y-%m-%dT%H:%M:%S")))
    except ValueError:
        return None
    return at if env.clock() - at < ACTIVITY_WINDOW else None


def probe_servers(env: Env) -> list[str]:
    """Busy kernels and recent activity of the Jupyter servers that left a runtime file (asked on 127.0.0.1 with
    the file's token, untracked so the question is no activity). A server that refuses or is gone is skipped."""
    busy: list[str] = []
    for path in sorted(p for pattern in env.runtime_files for p in glob.glob(pattern)):
        try:
            with open(path) as handle:
                info = json.load(handle)
            base = f"http{'s' * bool(info.get('secure'))}://127.0.0.1:{int(info['port'])}{info.get('base_url') or '/'}"
            token = str(info.get("token"))
            kernels, status = (_hub(base + api, token) for api in ("api/kernels?no_track_activity=1", "api/status"))
        except (OSError, ValueError, KeyError, TypeError, WatchError) as error:
            log(f"jupyter: skipping {path} ({error})")
            continue
        where, at = f"the server on port {info['port']}", _recent((status or {}).get("last_activity"), env)
        busy += [f"kernel {k.get('name')} busy on {where}" for k in kernels or [] if k.get("execution_state") == "busy"]
        busy += [f"{where} active at {when(at)}"] if at else []
    return busy


def probe_jupyter(settings: dict[str, Any], env: Env) -> str | None:
    """Busy kernels and activity in the last 10 minutes: the servers' own APIs, and JupyterHub's with a token."""
    busy = probe_servers(env)
    if not os.path.exists(env.hub_token_path):
        return "jupyter: " + ", ".join(busy) if busy else None
    with open(env.hub_token_path) as handle:
        token, hub = handle.read().strip(), settings["jupyterhub_url"].rstrip("/")
    for user in _hub(hub + "/hub/api/users?state=active", token) or []:
        name, servers = user.get("name"), user.get("servers") or {}
        urls = [s.get("url") for s in servers.values()] if servers else [user.get("server")]
        for url in (u for u in urls if u):
            kernels = _hub(hub + url.rstrip("/") + "/api/kernels", token) or []
            busy += [f"{name}'s kernel {k.get('name')} busy" for k in kernels if k.get("execution_state") == "busy"]
        last = _recent(user.get("last_activity"), env)
        busy += [f"{name} active at {when(last)}"] if last else []
    return "jupyter: " + ", ".join(busy) if busy else None


def boot_time() -> float:
    """When this machine booted (epoch seconds)."""
    if sys.platform == "win32":
        import ctypes
        ticks = ctypes.windll.kernel32.GetTickCount64
        ticks.restype = ctypes.c_ulonglong
        return time.time() - float(ticks()) / 1000.0
    with open("/proc/stat") as handle:
        return float(next(line for line in handle if line.startswith("btime")).split()[1])


def notify_users(message: str) -> None:
    """Tell everyone logged in: ``wall`` on Linux, ``msg *`` on Windows."""
    command = ["msg", "*", "/TIME:600", message] if WINDOWS else ["wall"]
    done = subprocess.run(command, input=None if WINDOWS else message + "\n", capture_output=True, text=True,
                          timeout=30, check=False)  # fmt: skip
    if done.returncode != 0:
        log(f"could not warn the users ({command[0]} exited {done.returncode}: {done.stderr.strip()[:200]})")


PROBES: dict[str, Callable[[dict[str, Any], Env], str | None]] = {
    "sessions": probe_sessions, "jupyter": probe_jupyter, "cpu": probe_cpu, "gpu": probe_gpu,
    "patching": probe_patch_window}  # fmt: skip


@dataclass
class Env:
    """Everything a run touches, so tests can replace it."""

    imds: str = IMDS
    arm: str = ARM
    state_path: str = STATE_FILE
    hub_token_path: str = HUB_TOKEN_FILE
    runtime_files: tuple[str, ...] = (os.path.join(RUNTIME, "jpserver-*.json"),)
    dry_run: bool = False
    clock: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep
    boot_time: Callable[[], float] = boot_time
    notify: Callable[[str], None] = notify_users
    probes: dict[str, Callable[[dict[str, Any], Env], str | None]] = field(default_factory=lambda: dict(PROBES))


def load_state(path: str) -> dict[str, Any]:
    try:
        with open(path) as handle:
            state = json.load(handle)
    except (OSError, ValueError) as error:
        if os.path.exists(path):
            log(f"state file {path} unreadable ({error}): starting afresh")
        state = {}
    return state if isinstance(state, dict) else {}


def save_state(path: str, state: dict[str, Any]) -> None:
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path + ".tmp", "w") as handle:
        json.dump(state, handle, indent=1, sort_keys=True)
    os.replace(path + ".tmp", path)


def _token_and_compute(settings: dict[str, Any], env: Env) -> tuple[str, dict[str, Any]]:
    """An ARM token of the VM's managed identity and IMDS's ``compute`` metadata. Raises ``WatchError``."""
    imds = {"Metadata": "true"}
    client = "&client_id=" + urllib.parse.quote(settings["client_id"]) if settings["client_id"] else ""
    status, body = call("GET", env.imds + TOKEN + client, imds)
    token = (_json(body) or {}).get("access_token") if status == 200 else None
    if status in (400, 404) or (status == 200 and not token):
        which = f"user-assigned identity {settings['client_id']}" if client else "system-assigned identity"
        raise WatchError(f"no managed identity: IMDS answered {status} for a token of the {which} ({_detail(body)});"
                         " give the VM that identity, or set idle_stop.client_id")  # fmt: skip
    if status != 200:
        raise WatchError(f"IMDS token request failed: HTTP {status} {_detail(body)}")
    status, body = call("GET", env.imds + INSTANCE, imds)
    compute = (_json(body) or {}).get("compute") if status == 200 else None
    if not isinstance(compute, dict) or not compute.get("resourceId"):
        raise WatchError(f"IMDS instance metadata has no compute.resourceId: HTTP {status} {_detail(body)}")
    return str(token), compute


def _arm(env: Env, token: str, method: str, resource: str, verb: str, what: str, action: str,
         body: Any = None) -> bytes:  # fmt: skip
    """One ARM call as the identity; the answer's body. 403 names the action the identity lacks."""
    url = f"{env.arm}{resource}{verb}?api-version={COMPUTE_API_VERSION}"
    status, answer = call(method, url, {"Authorization": "Bearer " + token}, direct=False, body=body)
    if status == 403:
        raise WatchError(f"ARM refused {what} (403 {_detail(answer)}): the identity needs {action} on {resource}")
    if status not in (200, 202):
        raise WatchError(f"ARM answered HTTP {status} to {what} of {resource}: {_detail(answer)}")
    return answer


def deallocate(settings: dict[str, Any], env: Env) -> tuple[bool, str]:
    """Ask ARM to deallocate this VM as its managed identity: (requested, what). Raises ``WatchError``."""
    token, compute = _token_and_compute(settings, env)
    vm_id = str(compute["resourceId"])
    action = VMSS_DEALLOCATE_ACTION if "/virtualMachineScaleSets/" in vm_id else DEALLOCATE_ACTION
    _arm(env, token, "POST", vm_id, "/deallocate", "the deallocation", action)
    return True, f"deallocating {vm_id}"


def leave_pool(settings: dict[str, Any], env: Env) -> tuple[bool, str]:
    """Delete this instance from its scale set while the pool is above ``pool_minimum``: (requested, what)."""
    token, compute = _token_and_compute(settings, env)
    name, scale_set = str(compute.get("name") or ""), str(compute.get("vmScaleSetName") or "")
    if not scale_set or not name:
        raise WatchError("leave_pool is set but IMDS names no scale set (compute.vmScaleSetName) for this VM")
    group = str(compute["resourceId"]).split("/providers/")[0]
    set_id = f"{group}/providers/Microsoft.Compute/virtualMachineScaleSets/{scale_set}"
    answer = _arm(env, token, "GET", set_id, "", "to read the scale set", SCALE_SET_READ_ACTION)
    capacity, minimum = ((_json(answer) or {}).get("sku") or {}).get("capacity"), int(settings["pool_minimum"])
    if not isinstance(capacity, int) or capacity <= minimum:
        return False, (f"the pool {scale_set} is at its minimum ({capacity} of at least {minimum} instances): "
                       "staying up (autoscale would only start another)")  # fmt: skip
    body = {"instanceIds": [name]}
    _arm(env, token, "POST", set_id, "/delete", "to delete the instance", SCALE_SET_DELETE_INSTANCES_ACTION, body)
    return True, f"leaving the pool: deleting instance {name} of {scale_set} ({capacity} instances, minimum {minimum})"


def decide(state: dict[str, Any], settings: dict[str, Any], reasons: list[str], env: Env) -> tuple[int, str]:
    """Update ``state`` for this check (warn, stop) and say what happened: (exit code, log line)."""
    now = env.clock()
    if reasons:
        state.update(last_busy=now, reason="; ".join(reasons), warned_at=None, stop_requested_at=None)
        return 0, "busy: " + state["reason"]
    idle, limit, warn = now - state["last_busy"], settings["idle_minutes"] * 60.0, settings["warn_minutes"] * 60.0
    quiet = (f"quiet ({', '.join(env.probes)}) for {idle / 60:.0f} min since {when(state['last_busy'])}, "
             f"last busy: {state['reason']}")  # fmt: skip
    warned = float(state.get("warned_at") or 0)
    if idle < limit - warn:
        return 0, f"{quiet}; stop after {settings['idle_minutes']} min"
    if warn and not warned:
        fate = ("leave the pool (be deleted; files outside ~/work are lost)" if settings["leave_pool"]
                else "be deallocated (stopped)")  # fmt: skip
        env.notify(f"This VM has been idle for {idle / 60:.0f} minutes and will {fate} in "
                   f"{warn / 60:.0f} minutes. Log in or start some work to keep it running.")  # fmt: skip
        state["warned_at"] = now
        return 0, f"{quiet}; warned the users: stop in {warn / 60:.0f} min"
    if idle < limit or (warn and now < warned + warn):
        return 0, f"{quiet}; users warned at {when(warned)}, stop from {when(max(now - idle + limit, warned + warn))}"
    if state.get("backoff_until") and now < state["backoff_until"]:
        return 1, f"{quiet}; no new attempt before {when(state['backoff_until'])} after: {state.get('last_error')}"
    if state.get("stop_requested_at") and now - state["stop_requested_at"] < STOP_GRACE:
        return 0, f"{quiet}; deallocation already requested at {when(state['stop_requested_at'])}"
    if env.dry_run:
        return 0, f"{quiet}; dry run: would {'leave the pool' if settings['leave_pool'] else 'deallocate'} now"
    try:
        requested, what = (leave_pool if settings["leave_pool"] else deallocate)(settings, env)
    except WatchError as error:
        failures = int(state.get("failures") or 0) + 1
        backoff = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
        state.update(failures=failures, backoff_until=now + backoff, last_error=str(error))
        verb = "leave the pool" if settings["leave_pool"] else "deallocate"
        return 1, f"{quiet}; could not {verb}: {error}; next attempt after {when(now + backoff)}"
    state.update(stop_requested_at=now if requested else None, failures=0, backoff_until=None, last_error=None)
    return 0, f"{quiet}; {what}"


def run(env: Env) -> int:
    """One check: 0 when done (busy, idle, warned, stop requested, off), 1 on failure, 2 on unreadable settings."""
    try:
        status, body = call("GET", env.imds + USER_DATA, {"Metadata": "true"})
        if status != 200:
            raise WatchError(f"IMDS userData: HTTP {status} {_detail(body)}")
        settings = parse_settings(body.decode("utf-8", "replace"))
    except WatchError as error:
        log(f"cannot read the settings ({error}): not stopping")
        return 1
    except ValueError as error:
        log(f"userData is unreadable ({error}): not stopping; fix its idle_stop document")
        return 2
    if settings is None or not settings["enabled"]:
        log("idle stop is off (no idle_stop in userData, or enabled: false)")
        return 0
    state, boot, now = load_state(env.state_path), env.boot_time(), env.clock()
    if "last_busy" not in state:
        state = {"boot": boot, "last_busy": now, "reason": "first check"}
    elif abs(float(state.get("boot") or 0) - boot) > BOOT_TOLERANCE:
        state = {"boot": boot, "last_busy": boot, "reason": "boot"}
    reasons = []
    for name, probe in env.probes.items():
        try:
            reasons.append(probe(settings, env))
        except Exception as error:  # a probe that cannot tell keeps the VM up, and says why
            reasons.append(f"{name} probe failed ({type(error).__name__}: {error}): counted as busy")
    code, message = decide(state, settings, [r for r in reasons if r], env)
    save_state(env.state_path, state)
    log(message)
    return code


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Deallocate this Azure VM when it has been idle (one check).")
    parser.add_argument("--state", dest="state_path", default=STATE_FILE, help="state file (%(default)s)")
    parser.add_argument("--hub-token", dest="hub_token_path", default=HUB_TOKEN_FILE, help="hub token (%(default)s)")
    parser.add_argument("--imds", default=IMDS, help=argparse.SUPPRESS)
    parser.add_argument("--arm", default=ARM, help=argparse.SUPPRESS)
    parser.add_argument("--dry-run", action="store_true", help="log what would happen; never deallocate")
    return run(Env(**vars(parser.parse_args(argv))))


if __name__ == "__main__":
    sys.exit(main())
