#!/usr/bin/env python3
"""dsvm-seats: seats every participant of the roster on this scale set instance (runs at each boot, as root).

This file is shipped verbatim to every instance (cloud-init ``write_files``, as
``/usr/local/sbin/dsvm-seats``) and imported by the stack, so the stack and the
instances derive the same passwords and read the same roster format. Standard
library only, Python 3.8+ (the Ubuntu DSVM's system python3).

At boot (``dsvm-seats.service``) it:
1. allows only root to reach IMDS (169.254.169.254): a participant cannot ask for
   the scale set identity's token, so cannot reach other participants' storage;
2. reads the roster from the scale set's ``userData`` through IMDS (a base64 gzip
   JSON document the stack writes: the roster changes without a new customData, and
   64 KB hold 1,000 participants with ed25519 keys);
3. renders the seat plan (``seat_plan``, cloud-config shaped: users, chpasswd,
   mounts, write_files, runcmd) and applies it: a local account per participant
   with their key, a password derived from the stack's one secret
   (``derive_password``: HMAC-SHA256 of the user name), SSH password sign-in only
   for participants without a key, and ``~/work`` mounted on demand from the
   participant's own directory of the stack's ``seats`` container with blobfuse2,
   authenticated as the scale set's user-assigned identity, owned by the
   participant, mode 0700, ``nofail`` (a storage outage does not stop the boot).

The blobfuse2 ``subdirectory`` option (blobfuse2 CHANGELOG 2.0.0: "Mount a
subdirectory in a container") and the fuse ``uid``/``gid``/``umask`` options are
taken from blobfuse2's documentation and not confirmed on a DSVM image.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import json
import os
import subprocess
import sys
import urllib.request
from typing import Any

SETTINGS = "/etc/dsvm/seats.json"
IMDS = "169.254.169.254"
USER_DATA_URL = f"http://{IMDS}/metadata/instance/compute/userData?api-version=2021-01-01&format=text"
ROSTER_VERSION = 1
FIRST_UID = 20000
PASSWORD_LENGTH = 20
WORK_DIR = "work"
BLOBFUSE_DIR = "/etc/dsvm/blobfuse2"
CACHE_DIR = "/var/cache/dsvm-blobfuse2"
SSHD_SEATS = "/etc/ssh/sshd_config.d/60-dsvm-seats.conf"
FSTAB_BEGIN = "# BEGIN dsvm-seats"
FSTAB_END = "# END dsvm-seats"


def derive_password(master: str, username: str) -> str:
    """A participant's password: HMAC-SHA256 of their user name under the stack's one secret (about 120 bits)."""
    digest = hmac.new(master.encode(), f"dsvm-seat:{username}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode()[:PASSWORD_LENGTH]


def encode_roster(seats: list[dict[str, Any]], extra: dict[str, Any] | None = None) -> str:
    """The roster as the scale set's ``userData``: base64 of gzip of compact JSON.

    ``extra``: more top-level keys of the document (``idle_stop``: the idle watcher's settings), which
    the agent ignores.

    ``seats``: ``{"username", "ssh_public_key" (or None), "password_ssh"}`` in roster order; uids
    follow that order from ``FIRST_UID``. Key comments are dropped (they are only labels).
    """
    rows = []
    for i, seat in enumerate(seats):
        key = " ".join((seat.get("ssh_public_key") or "").split()[:2])
        rows.append([seat["username"], FIRST_UID + i, key, 1 if seat.get("password_ssh") else 0])
    text = json.dumps({"v": ROSTER_VERSION, "seats": rows, **(extra or {})}, separators=(",", ":"))
    return base64.b64encode(gzip.compress(text.encode(), 9, mtime=0)).decode()


def decode_roster(user_data: str) -> list[dict[str, Any]]:
    """The seats of an ``encode_roster`` document."""
    document = json.loads(gzip.decompress(base64.b64decode(user_data)).decode())
    if document.get("v") != ROSTER_VERSION:
        raise ValueError(f"roster version {document.get('v')} is not {ROSTER_VERSION}")
    return [
        {"username": name, "uid": uid, "ssh_public_key": key or None, "password_ssh": bool(flag)}
        for name, uid, key, flag in document["seats"]
    ]


def blobfuse_config(settings: dict[str, Any], username: str) -> str:
    """blobfuse2's configuration of one participant's mount (JSON is YAML): their directory of the seats
    container, as the scale set's identity (``mode: msi``, its client id); nothing in it is secret."""
    config = {
        "logging": {"type": "syslog", "level": "log_warning"},
        "components": ["libfuse", "file_cache", "attr_cache", "azstorage"],
        "libfuse": {"default-permission": "0700"},
        "file_cache": {"path": f"{CACHE_DIR}/{username}", "timeout-sec": 120},
        "attr_cache": {"timeout-sec": 120},
        "azstorage": {
            "type": "block",
            "account-name": settings["account"],
            "container": settings["container"],
            "subdirectory": username,
            "mode": "msi",
            "appid": settings["client_id"],
        },
    }
    return json.dumps(config, indent=2) + "\n"


def seat_plan(seats: list[dict[str, Any]], settings: dict[str, Any]) -> dict[str, Any]:
    """What the instance does for the roster, cloud-config shaped (``users``, ``chpasswd``, ``mounts``,
    ``write_files``, ``runcmd``); pure, so the tests check it offline."""
    users, passwords, mounts, files, commands = [], [], [], [], []
    for seat in seats:
        name, uid = seat["username"], seat["uid"]
        user: dict[str, Any] = {"name": name, "uid": uid, "shell": "/bin/bash", "lock_passwd": False}
        if seat.get("ssh_public_key"):
            user["ssh_authorized_keys"] = [seat["ssh_public_key"]]
        users.append(user)
        passwords.append({"name": name, "password": derive_password(settings["master"], name), "type": "text"})
        work = f"/home/{name}/{WORK_DIR}"
        options = (
            f"defaults,_netdev,nofail,x-systemd.automount,x-systemd.idle-timeout=900,allow_other,uid={uid},"
            f"gid={uid},umask=0077,--config-file={BLOBFUSE_DIR}/{name}.yaml"
        )
        mounts.append(["blobfuse2", work, "fuse3", options, "0", "0"])
        files.append({"path": f"{BLOBFUSE_DIR}/{name}.yaml", "owner": "root:root", "permissions": "0600",
                      "content": blobfuse_config(settings, name)})  # fmt: skip
        commands.append(["install", "-d", "-o", name, "-g", name, "-m", "0700", work])
        commands.append(["install", "-d", "-o", "root", "-g", "root", "-m", "0700", f"{CACHE_DIR}/{name}"])
    with_password = sorted(s["username"] for s in seats if s.get("password_ssh"))
    sshd = "# dsvm-seats: participants without a key sign in with their password\n"
    if with_password:
        sshd += f"Match User {','.join(with_password)}\n    PasswordAuthentication yes\n"
    files.append({"path": SSHD_SEATS, "owner": "root:root", "permissions": "0644", "content": sshd})
    commands += [["systemctl", "daemon-reload"], ["systemctl", "restart", "remote-fs.target"],
                 ["systemctl", "reload", "ssh"]]  # fmt: skip
    return {"users": users, "chpasswd": {"expire": False, "users": passwords}, "mounts": mounts,
            "write_files": files, "runcmd": commands}  # fmt: skip


def imds_root_only() -> list[str]:
    """The firewall rule that keeps IMDS (and so the identity's tokens) for root."""
    return ["iptables", "-I", "OUTPUT", "-d", IMDS, "-m", "owner", "!", "--uid-owner", "0", "-j", "REJECT"]


def _run(command: list[str], stdin: str | None = None) -> None:
    subprocess.run(command, input=stdin, text=True, check=True)


def apply(plan: dict[str, Any]) -> None:  # pragma: no cover - changes the machine it runs on
    """Make the instance what ``plan`` says (idempotent: runs at every boot)."""
    for user in plan["users"]:
        name = user["name"]
        if subprocess.run(["id", "-u", name], capture_output=True).returncode != 0:
            _run(["useradd", "-m", "-u", str(user["uid"]), "-U", "-s", user["shell"], name])
        keys = user.get("ssh_authorized_keys") or []
        ssh_dir = f"/home/{name}/.ssh"
        os.makedirs(ssh_dir, mode=0o700, exist_ok=True)
        with open(f"{ssh_dir}/authorized_keys", "w") as handle:
            handle.write("".join(k + "\n" for k in keys))
        _run(["chown", "-R", f"{name}:{name}", ssh_dir])
        os.chmod(f"{ssh_dir}/authorized_keys", 0o600)
    _run(["chpasswd"], "".join(f"{u['name']}:{u['password']}\n" for u in plan["chpasswd"]["users"]))
    os.makedirs(BLOBFUSE_DIR, mode=0o700, exist_ok=True)
    for item in plan["write_files"]:
        with open(item["path"], "w") as handle:
            handle.write(item["content"])
        os.chmod(item["path"], int(item["permissions"], 8))
    with open("/etc/fstab") as handle:
        kept = handle.read().split(FSTAB_BEGIN)[0].rstrip("\n")
    lines = [" ".join(m) for m in plan["mounts"]]
    with open("/etc/fstab", "w") as handle:
        handle.write("\n".join([kept, FSTAB_BEGIN, *lines, FSTAB_END]) + "\n")
    for command in plan["runcmd"]:
        _run(command)


def main() -> int:  # pragma: no cover - runs on the instance
    """Seat the roster of this instance's ``userData``."""
    subprocess.run(imds_root_only(), check=False)
    with open(SETTINGS) as handle:
        settings = json.load(handle)
    request = urllib.request.Request(USER_DATA_URL, headers={"Metadata": "true"})
    with urllib.request.urlopen(request, timeout=30) as response:
        seats = decode_roster(response.read().decode())
    apply(seat_plan(seats, settings))
    print(f"dsvm-seats: {len(seats)} seats ready", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
