"""Seats on identical, nameless instances: how a participant signs in anywhere and keeps their work.

The design, and why:

- **Accounts on every instance, from the roster in ``userData``.** Instances of a scale
  set are identical and their names unknown until they exist, so no seat can be tied
  to one. Every instance creates every participant's account at boot
  (``agent.py``, run by ``dsvm-seats.service``), from the roster the stack writes
  into the scale set's ``userData`` (read through IMDS). customData and userData are
  each limited to 64 KB; the roster is gzip-compressed JSON, so 1,000 participants
  with ed25519 keys fit (about 50 KB); a roster that does not fit is refused at config
  time with the fix (ed25519 keys or passwords). userData, unlike customData, can be
  updated in place, and since the pools sleep at zero every window starts on fresh
  instances: a late enrolment reaches the next class without replacing anything.
  (The roster is not a blob in the storage account: azure-native would upload it
  from wherever ``pulumi up`` runs, and the account admits only the stack's subnet.)
- **Passwords from one secret.** One ``RandomPassword`` (a Pulumi secret); each
  participant's password is an HMAC-SHA256 of their user name under it, computed in
  one ``apply`` for the stack outputs (secret) and by each instance from the same
  secret, which only root can read (customData). No ARM resource per participant,
  so a 300-seat plan costs what a 30-seat one does. Participants with a key sign in
  with it; those without (``roster.passwords: true``) with their password; everyone
  uses the password for JupyterHub.
- **Work on shared storage, per user.** ``~/work`` is the participant's own directory
  of the stack's ``seats`` container, mounted on first use (blobfuse2, systemd
  automount, ``nofail``) as the scale set's user-assigned identity (the account takes
  no shared keys), owned by the participant, mode 0700. It follows them from instance
  to instance and survives scale-in to zero. Only root can reach IMDS (and so the
  identity's token), and participants have no sudo: one participant cannot read
  another's work. The rest of the home directory lives and dies with the instance.
- **Finding an instance.** With a Bastion (Standard or Premium, shared by the class)
  each seat's ``connect`` command picks instance ``seat number mod capacity`` of the
  pool, sorted by name (the first one while fewer are running), so a class spreads
  evenly; with ``allowlist`` and ``public_ip_enabled`` each instance has its own
  public IP and the command looks it up; otherwise the private IP, over VPN.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from azurefacts.bastion import BASTION_SKUS
from components import idle_units
from components.cloud_init import DATA_DISK_RUNCMD, data_disk_files
from stacks.connections import portal_only_note

SEATS_CONTAINER = "seats"
AGENT_PATH = "/usr/local/sbin/dsvm-seats"
SETTINGS_PATH = "/etc/dsvm/seats.json"
SERVICE_PATH = "/etc/systemd/system/dsvm-seats.service"
JUPYTERHUB_PORT = 8000
_AGENT = Path(__file__).with_name("agent.py")
_SERVICE = """[Unit]
Description=dsvm-seats: the roster's accounts and storage mounts
After=network-online.target cloud-final.service
Wants=network-online.target

[Service]
Type=oneshot
ExecStart=/usr/bin/python3 /usr/local/sbin/dsvm-seats
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
"""


def settings(account: str, client_id: str, master: str, admin: str) -> dict[str, str]:
    """What the agent needs besides the roster (root-only on the instance: ``master`` is secret)."""
    return {"account": account, "container": SEATS_CONTAINER, "client_id": client_id, "master": master,
            "admin": admin}  # fmt: skip


def cloud_config(values: dict[str, str], idle_watcher: bool = False, data_disk: bool = False) -> dict[str, Any]:
    """The scale set's cloud-config (customData): blobfuse2, the agent, its settings, its boot service; with
    ``idle_watcher`` also the idle watcher and its timer (``components.idle_units``; settings in userData); with
    ``data_disk`` the instance's empty data disk formatted and mounted at ``/data`` at every boot
    (``components.cloud_init``: found by LUN on SCSI and NVMe; no home on it, ``~/work`` is the shared one).
    No ``disk_setup``/``fs_setup``: Azure's built-in temp disk config stays whole (cloud-init merges no lists)."""
    config: dict[str, Any] = {
        "ssh_pwauth": False,
        "package_update": True,
        "packages": ["blobfuse2", "fuse3"],
        "write_files": [
            {"path": AGENT_PATH, "owner": "root:root", "permissions": "0755", "content": _AGENT.read_text()},
            {"path": SETTINGS_PATH, "owner": "root:root", "permissions": "0600",
             "content": json.dumps(values, indent=2) + "\n"},
            {"path": SERVICE_PATH, "owner": "root:root", "permissions": "0644", "content": _SERVICE},
        ],
        "runcmd": [["systemctl", "daemon-reload"], ["systemctl", "enable", "--now", "dsvm-seats.service"]],
    }  # fmt: skip
    extra = [(data_disk, data_disk_files(None), DATA_DISK_RUNCMD), (idle_watcher, idle_units.write_files(),
                                                                      idle_units.runcmd())]  # fmt: skip
    for wanted, files, commands in extra:
        if wanted:
            config["write_files"] += files
            config["runcmd"] += [command for command in commands if command not in config["runcmd"]]
    return config


def custom_data(values: dict[str, str], idle_watcher: bool = False, data_disk: bool = False) -> str:
    """Base64 ``#cloud-config`` of every instance."""
    config = cloud_config(values, idle_watcher, data_disk)
    text = "#cloud-config\n" + yaml.safe_dump(config, sort_keys=False, width=1000)
    return base64.b64encode(text.encode()).decode()


@dataclass(frozen=True)
class Way:
    """How the class reaches its instances: ``bastion`` (name, group, SKU), or ``public``/``private``."""

    mode: str
    resource_group: str
    bastion: str | None = None
    bastion_group: str | None = None
    bastion_sku: str = "Standard"
    bastion_subscription: str | None = None  # an existing (hub) Bastion's: `az` looks there only when told


def instance_lookup(way: Way, scale_set: str, index: int, field: str = "id") -> str:
    """A shell expression for instance ``index`` of the scale set, by name (the first one while fewer run):
    ``az vm list`` filtered on the instances' ``virtualMachineScaleSet.id``."""
    query = f"sort_by([?ends_with(virtualMachineScaleSet.id || '', '/{scale_set}')], &name)[].{field}"
    details = " -d" if field != "id" else ""
    pick = f"awk 'NR==1||NR=={index + 1}' | tail -1"
    return f'$(az vm list{details} -g {way.resource_group} --query "{query}" -o tsv | {pick})'


def connect(way: Way, scale_set: str, index: int, username: str, with_key: bool) -> dict[str, str]:
    """One seat's commands: sign in (ssh) and reach JupyterHub."""
    if way.mode == "bastion" and not BASTION_SKUS[way.bastion_sku].native_client:
        return {"connect": portal_only_note(way.bastion_sku, "any instance of the scale set")}
    if way.mode == "bastion":
        target = instance_lookup(way, scale_set, index)
        base = (
            f"az network bastion {{}} --name {way.bastion} --resource-group {way.bastion_group} "
            + (f"--subscription {way.bastion_subscription} " if way.bastion_subscription else "")
            + f"--target-resource-id {target}"
        )
        key = "--auth-type ssh-key --ssh-key ~/.ssh/id_ed25519" if with_key else "--auth-type password"
        auth = f"{key} --username {username}"
        return {
            "ssh": f"{base.format('ssh')} {auth}",
            "jupyterhub_tunnel": f"{base.format('tunnel')} --resource-port {JUPYTERHUB_PORT} --port {JUPYTERHUB_PORT}",
            "jupyterhub_url": f"https://localhost:{JUPYTERHUB_PORT}",
        }
    host = instance_lookup(way, scale_set, index, "publicIps" if way.mode == "public" else "privateIps")
    return {"ssh": f"ssh {username}@{host}", "jupyterhub_url": f"https://<that address>:{JUPYTERHUB_PORT}"}
