"""Seats offline: the instances' cloud-init, the roster in userData, the seat plan each instance applies."""

from __future__ import annotations

import ast
import base64
import subprocess
import sys
from pathlib import Path

import yaml

from stacks.scale_out import agent
from stacks.scale_out.seats import (
    AGENT_PATH,
    SETTINGS_PATH,
    Way,
    cloud_config,
    connect,
    custom_data,
    settings,
)
from tests.helpers import ssh_key

SETTINGS = settings("dsvmclassroom01", "11111111-2222-4333-8444-555555555555", "s3cret-master", "teacher")
SEATS = [
    {"username": "ada_doe", "ssh_public_key": ssh_key("ada"), "password_ssh": False},
    {"username": "ben_roe", "ssh_public_key": None, "password_ssh": True},
]


def test_the_cloud_config_parses_and_installs_the_agent_as_a_boot_service() -> None:
    text = base64.b64decode(custom_data(SETTINGS)).decode()
    assert text.startswith("#cloud-config\n")
    config = yaml.safe_load(text)
    assert config == cloud_config(SETTINGS)
    files = {f["path"]: f for f in config["write_files"]}
    assert files[AGENT_PATH]["permissions"] == "0755" and "def seat_plan" in files[AGENT_PATH]["content"]
    assert files[SETTINGS_PATH]["permissions"] == "0600" and "s3cret-master" in files[SETTINGS_PATH]["content"]
    assert "blobfuse2" in config["packages"] and config["ssh_pwauth"] is False
    assert ["systemctl", "enable", "--now", "dsvm-seats.service"] in config["runcmd"]
    assert len(custom_data(SETTINGS)) < 65536  # customData's limit


def test_the_agent_is_a_standalone_script_for_the_images_python() -> None:
    source = Path(agent.__file__).read_text()
    ast.parse(source, feature_version=(3, 8))  # Ubuntu 20.04's python3 is 3.8
    assert source.startswith("#!/usr/bin/env python3\n")
    nodes = list(ast.walk(ast.parse(source)))
    imported = {n.names[0].name.split(".")[0] for n in nodes if isinstance(n, ast.Import)}
    imported |= {n.module.split(".")[0] for n in nodes if isinstance(n, ast.ImportFrom) and n.module}
    assert imported <= set(sys.stdlib_module_names) | {"__future__"}  # nothing to install on the instance
    code = f"import runpy; m = runpy.run_path({str(agent.__file__)!r}); print(m['derive_password']('k', 'ada'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True, cwd="/")
    assert done.stdout.strip() == agent.derive_password("k", "ada")


def test_the_roster_round_trips_through_user_data() -> None:
    seats = agent.decode_roster(agent.encode_roster(SEATS))
    assert seats == [
        {"username": "ada_doe", "uid": agent.FIRST_UID, "ssh_public_key": " ".join(ssh_key("ada").split()[:2]),
         "password_ssh": False},
        {"username": "ben_roe", "uid": agent.FIRST_UID + 1, "ssh_public_key": None, "password_ssh": True},
    ]  # fmt: skip


def test_a_thousand_participants_with_ed25519_keys_fit_in_user_data() -> None:
    seats = [{"username": f"participant{i:04d}", "ssh_public_key": ssh_key(f"p{i}"), "password_ssh": False}
             for i in range(1000)]  # fmt: skip
    assert len(agent.encode_roster(seats)) < 65536


def test_the_seat_plan_creates_each_user_with_their_key() -> None:
    plan = agent.seat_plan(agent.decode_roster(agent.encode_roster(SEATS)), SETTINGS)
    yaml.safe_load(yaml.safe_dump(plan))  # cloud-config shaped, YAML all the way
    users = {u["name"]: u for u in plan["users"]}
    assert set(users) == {"ada_doe", "ben_roe"}
    assert users["ada_doe"]["ssh_authorized_keys"] == [" ".join(ssh_key("ada").split()[:2])]
    assert "ssh_authorized_keys" not in users["ben_roe"] and users["ben_roe"]["uid"] == agent.FIRST_UID + 1
    passwords = {u["name"]: u["password"] for u in plan["chpasswd"]["users"]}
    assert passwords == {n: agent.derive_password("s3cret-master", n) for n in users}


def test_each_mount_is_nofail_on_demand_and_owned_by_its_participant() -> None:
    plan = agent.seat_plan(agent.decode_roster(agent.encode_roster(SEATS)), SETTINGS)
    for seat, mount in zip(plan["users"], plan["mounts"], strict=True):
        device, point, fstype, options, *_ = mount
        assert (device, point, fstype) == ("blobfuse2", f"/home/{seat['name']}/work", "fuse3")
        opts = options.split(",")
        assert "nofail" in opts and "x-systemd.automount" in opts and "_netdev" in opts
        assert f"uid={seat['uid']}" in opts and f"gid={seat['uid']}" in opts and "umask=0077" in opts
        assert ["install", "-d", "-o", seat["name"], "-g", seat["name"], "-m", "0700", point] in plan["runcmd"]
        (content,) = [f["content"] for f in plan["write_files"] if f["path"].endswith(f"/{seat['name']}.yaml")]
        config = yaml.safe_load(content)
        assert config["azstorage"] == {
            "type": "block", "account-name": "dsvmclassroom01", "container": "seats", "subdirectory": seat["name"],
            "mode": "msi", "appid": SETTINGS["client_id"],
        }  # fmt: skip


def test_password_sign_in_is_only_for_participants_without_a_key() -> None:
    plan = agent.seat_plan(agent.decode_roster(agent.encode_roster(SEATS)), SETTINGS)
    (sshd,) = [f["content"] for f in plan["write_files"] if f["path"] == agent.SSHD_SEATS]
    assert "Match User ben_roe\n    PasswordAuthentication yes" in sshd and "ada_doe" not in sshd


def test_only_root_reaches_imds() -> None:
    rule = agent.imds_root_only()
    assert rule[:4] == ["iptables", "-I", "OUTPUT", "-d"] and "169.254.169.254" in rule and "0" in rule


def test_passwords_differ_per_participant_and_secret() -> None:
    a, b = agent.derive_password("one", "ada"), agent.derive_password("one", "ben")
    assert a != b and a != agent.derive_password("two", "ada") and len(a) == agent.PASSWORD_LENGTH


def test_connect_commands_per_access_mode() -> None:
    bastion = connect(Way("bastion", "rg-x", "x-bastion", "rg-x"), "dsvm-x-cpu", 7, "ada", True)
    assert bastion["ssh"].startswith("az network bastion ssh --name x-bastion --resource-group rg-x")
    assert "--auth-type ssh-key --ssh-key ~/.ssh/id_ed25519 --username ada" in bastion["ssh"]
    assert "awk 'NR==1||NR==8'" in bastion["ssh"] and "'/dsvm-x-cpu'" in bastion["ssh"]
    assert "--resource-port 8000" in bastion["jupyterhub_tunnel"]
    password = connect(Way("bastion", "rg-x", "x-bastion", "rg-x"), "dsvm-x-cpu", 0, "ben", False)
    assert "--auth-type password --username ben" in password["ssh"]
    for sku in ("Basic", "Developer"):  # portal only: no az network bastion command they would refuse
        portal = connect(Way("bastion", "rg-x", "b", "rg-x", bastion_sku=sku), "s", 0, "ada", True)
        assert list(portal) == ["connect"] and portal["connect"].startswith("Azure portal only")
        assert f"a {sku} Bastion has no native client" in portal["connect"]
    assert "one connection at a time" in portal["connect"]  # Developer
    public = connect(Way("public", "rg-x"), "dsvm-x-cpu", 3, "ada", True)
    assert public["ssh"].startswith("ssh ada@$(az vm list -d -g rg-x") and "publicIps" in public["ssh"]
    assert "privateIps" in connect(Way("private", "rg-x"), "s", 0, "ada", True)["ssh"]
