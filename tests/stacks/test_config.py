"""The stack config model: one negative test per rule, and the documented positives.

Every negative test asserts the exact config path of the problem (as a stack
file spells it: ``dsvm:members[1].username``, ``azure-native:location``) and a
fragment of the message that states the rule or the fix.
"""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from stacks.config import (
    LOCATION_KEY,
    AccessConfig,
    AutoShutdownConfig,
    ConfigError,
    DataDiskConfig,
    NetworkConfig,
    StorageConfig,
    TeamStackConfig,
    load_config,
    parse_config,
)
from tests.helpers import ssh_key, team_values

DISK_ID = "/subscriptions/0000/resourceGroups/rg-data/providers/Microsoft.Compute/disks/alice-data"
GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def problems_of(values: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    return error.value.problems


def assert_problem(values: dict[str, Any], path: str, fragment: str) -> None:
    problems = problems_of(values)
    at_path = [message for where, message in problems if where == path]
    assert at_path, f"no problem at {path}: {problems}"
    assert any(fragment in message for message in at_path), f"'{fragment}' not in {at_path}"


def rsa_key(bits: int) -> str:
    """An ssh-rsa public key line whose modulus has ``bits`` bits (not a real key pair)."""

    def part(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    modulus = b"\x00\x80" + bytes(bits // 8 - 1)
    return "ssh-rsa " + base64.b64encode(part(b"ssh-rsa") + part(b"\x01\x00\x01") + part(modulus)).decode()


def member(username: str = "alice", **fields: Any) -> dict[str, Any]:
    return {"username": username, "ssh_public_key": ssh_key(username), **fields}


def windows(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "image": {"os": "windows-2022", "version": "25.05.20"},
        "members": [{"username": "alice"}],
    }
    return team_values(**{**base, **overrides})


def allowlist(*cidrs: str, **fields: Any) -> dict[str, Any]:
    return {"mode": "allowlist", "allowed_cidrs": list(cidrs), **fields}


# -- negative: one per rule ----------------------------------------------------------------------

NEGATIVE: list[tuple[str, dict[str, Any], str, str]] = [
    # parse_config / pydantic's own rules
    ("unknown kind", team_values(kind="gpu_cluster"), "dsvm:kind", "set dsvm:kind to one of: gpu_rig, scale_out, team"),
    ("missing kind", {k: v for k, v in team_values().items() if k != "kind"}, "dsvm:kind", "is not a stack kind"),
    ("missing owner", {k: v for k, v in team_values().items() if k != "owner"}, "dsvm:owner", "required; add it"),
    ("missing location", {k: v for k, v in team_values().items() if k != "location"}, LOCATION_KEY, "required"),
    ("missing access", {k: v for k, v in team_values().items() if k != "access"}, "dsvm:access", "required"),
    ("missing image", {k: v for k, v in team_values().items() if k != "image"}, "dsvm:image", "required"),
    ("missing members", {k: v for k, v in team_values().items() if k != "members"}, "dsvm:members", "required"),
    ("missing image version", team_values(image={"os": "ubuntu-2204"}), "dsvm:image.version", "required"),
    ("missing username", team_values(members=[{"ssh_public_key": ssh_key("x")}]), "dsvm:members[0].username",
     "required"),
    ("extra top-level key", team_values(colour="red"), "dsvm:colour", "unknown key; remove it or fix its spelling"),
    ("extra nested key", team_values(access={"mode": "bastion", "cidrs": ["203.0.113.0/24"]}), "dsvm:access.cidrs",
     "unknown key"),
    ("extra member key", team_values(members=[member(shell="zsh")]), "dsvm:members[0].shell", "unknown key"),
    ("bad access mode", team_values(access={"mode": "open"}), "dsvm:access.mode",
     "'allowlist', 'bastion' or 'private'"),
    ("bad image os", team_values(image={"os": "debian-12", "version": "25.05.20"}), "dsvm:image.os",
     "'ubuntu-2204'"),
    ("bad storage sku", team_values(storage={"sku": "Premium_LRS"}), "dsvm:storage.sku", "'Standard_GZRS'"),
    ("bad disk sku", team_values(members=[member(data_disk={"sku": "UltraSSD_LRS"})]),
     "dsvm:members[0].data_disk.sku", "'Premium_LRS'"),
    ("soft delete 0 days", team_values(storage={"soft_delete_days": 0}), "dsvm:storage.soft_delete_days",
     "less than the least allowed, 1; give at least 1"),
    ("soft delete 366 days", team_values(storage={"soft_delete_days": 366}), "dsvm:storage.soft_delete_days",
     "more than the most allowed, 365; give at most 365"),
    ("disk of 3 GiB", team_values(members=[member(data_disk={"size_gb": 3})]), "dsvm:members[0].data_disk.size_gb",
     "less than the least allowed, 4; give at least 4"),
    ("disk of 32768 GiB", team_values(members=[member(data_disk={"size_gb": 32768})]),
     "dsvm:members[0].data_disk.size_gb", "give at most 32767"),
    ("no members", team_values(members=[]), "dsvm:members", "at least one member"),
    ("empty owner", team_values(owner=""), "dsvm:owner", "at least 1 character"),
    ("empty cost center", team_values(cost_center=""), "dsvm:cost_center", "at least 1 character"),
    ("boolean not a boolean", team_values(rstudio_enabled="maybe"), "dsvm:rstudio_enabled", "must be true or false"),
    ("tag value not a string", team_values(tags={"team": 7}), "dsvm:tags.team", "must be text"),
    # AccessConfig
    ("open source *", team_values(access=allowlist("*")), "dsvm:access.allowed_cidrs",
     "would open the workstations to the whole internet"),
    ("open source 0.0.0.0/0", team_values(access=allowlist("203.0.113.0/24", "0.0.0.0/0")),
     "dsvm:access.allowed_cidrs", "use mode: bastion"),
    ("open source Internet", team_values(access=allowlist("Internet")), "dsvm:access.allowed_cidrs",
     "list the office or VPN egress ranges"),
    ("the internet in two halves", team_values(access=allowlist("0.0.0.0/1", "128.0.0.0/1")),
     "dsvm:access.allowed_cidrs", "together they admit 4,256,038,912 public IPv4 addresses (99.1% of all IPv4"),
    ("more than a /8 in parts", team_values(access=allowlist("11.0.0.0/8", "12.0.0.0/9")),
     "dsvm:access.allowed_cidrs", "more than one /8 (16,777,216)"),
    ("IPv6 in halves", team_values(access=allowlist("::/1", "8000::/1")), "dsvm:access.allowed_cidrs",
     "more public IPv6 addresses than one /32"),
    ("tag value over 256", team_values(tags={"team": "x" * 257}), "dsvm:tags", "has 257 characters; Azure allows 256"),
    ("a boolean for a float", team_values(cost_cap_monthly=True), "dsvm:cost_cap_monthly",
     "must be a number, not true"),
    ("a tag the stack sets", team_values(tags={"Owner": "me"}), "dsvm:tags", "tag 'Owner' is set by the stack"),
    ("tags differing in case", team_values(tags={"env": "a", "ENV": "b"}), "dsvm:tags", "are one tag to Azure"),
    ("not a CIDR", team_values(access=allowlist("203.0.113.300/24")), "dsvm:access.allowed_cidrs",
     "is not a CIDR"),
    ("CIDR with host bits", team_values(access=allowlist("203.0.113.7/24")), "dsvm:access.allowed_cidrs",
     "write it as address/prefix"),
    ("prefix length 0", team_values(access=allowlist("::0/0")), "dsvm:access.allowed_cidrs",
     "is the whole internet; list narrower ranges"),
    ("allowlist without cidrs", team_values(access={"mode": "allowlist"}), "dsvm:access",
     "mode allowlist needs allowed_cidrs"),
    ("cidrs without allowlist", team_values(access={"mode": "bastion", "allowed_cidrs": ["203.0.113.0/24"]}),
     "dsvm:access", "allowed_cidrs is only used with mode allowlist"),
    ("public ip without allowlist", team_values(access={"mode": "private", "public_ip_enabled": True}),
     "dsvm:access", "public_ip_enabled is only allowed with mode allowlist"),
    # NetworkConfig
    ("address space not IPv4", team_values(network={"address_space": "fd00::/48"}), "dsvm:network.address_space",
     "is not an IPv4 CIDR"),
    ("subnet not a CIDR", team_values(network={"workstation_subnet": "10.50.1.0/33"}),
     "dsvm:network.workstation_subnet", "e.g. 10.50.1.0/24"),
    ("workstation subnet outside", team_values(network={"workstation_subnet": "10.60.1.0/24"}), "dsvm:network",
     "workstation_subnet 10.60.1.0/24 is outside address_space"),
    ("bastion subnet outside", team_values(network={"bastion_subnet": "10.60.0.0/26"}), "dsvm:network",
     "bastion_subnet 10.60.0.0/26 is outside address_space"),
    ("subnets overlap", team_values(network={"workstation_subnet": "10.50.0.0/16"}), "dsvm:network",
     "overlaps bastion_subnet"),
    ("bastion subnet /27", team_values(network={"bastion_subnet": "10.50.255.0/27"}), "dsvm:network",
     "smaller than /26, which Azure Bastion needs"),
    ("workstation subnet /30", team_values(network={"workstation_subnet": "10.50.1.0/30"}), "dsvm:network",
     "smaller than /29"),
    # ImageConfig
    ("image version latest", team_values(image={"os": "ubuntu-2204", "version": "latest"}), "dsvm:image.version",
     "is not a pinned version; use a version such as 25.05.20"),
    # AutoShutdownConfig
    ("time 2500", team_values(auto_shutdown={"time": "2500"}), "dsvm:auto_shutdown.time", "is not a time HHMM"),
    ("time 19:00", team_values(auto_shutdown={"time": "19:00"}), "dsvm:auto_shutdown.time",
     'write 19:00 as "1900"'),
    ("IANA time zone", team_values(auto_shutdown={"time_zone": "Europe/Berlin"}), "dsvm:auto_shutdown.time_zone",
     "is an IANA name; Azure schedules take Windows ids: use 'W. Europe Standard Time'"),
    # StorageConfig
    ("storage name with hyphen", team_values(storage={"account_name": "dsvm-team"}),
     "dsvm:storage.account_name", "3-24 lowercase letters and digits"),
    # DataDiskConfig
    ("disk id not a disk", team_values(members=[member(data_disk={"existing_disk_resource_id": "alice-data"})]),
     "dsvm:members[0].data_disk.existing_disk_resource_id", "az disk show --query id"),
    # SSH keys
    ("ssh key not a key", team_values(members=[member(ssh_public_key="hello")]), "dsvm:members[0].ssh_public_key",
     "not an OpenSSH public key"),
    ("ssh key damaged", team_values(members=[member(ssh_public_key="ssh-ed25519 AAAA!!!!")]),
     "dsvm:members[0].ssh_public_key", "base64 part is damaged"),
    ("ssh-rsa key under 2048 bits", team_values(members=[member(ssh_public_key=rsa_key(1024))]),
     "dsvm:members[0].ssh_public_key", "has 1024 bits and Azure requires at least 2048"),
    ("ssh-rsa key truncated", team_values(members=[member(ssh_public_key="ssh-rsa AAAAB3NzaC1yc2E=")]),
     "dsvm:members[0].ssh_public_key", "the ssh-rsa key is truncated"),
    ("ssh key type mismatch", team_values(members=[member(ssh_public_key=ssh_key("a").replace("ssh-ed25519",
                                                                                                "ssh-rsa", 1))]),
     "dsvm:members[0].ssh_public_key", "does not match its type ssh-rsa"),
    # MemberConfig
    ("username with capitals", team_values(members=[member("Alice")]), "dsvm:members[0].username",
     "use 'alice'"),
    ("username starting with a digit", team_values(members=[member("1alice")]), "dsvm:members[0].username",
     "start with a letter"),
    ("username too long", team_values(members=[member("a" * 33)]), "dsvm:members[0].username",
     "is not a valid username"),
    ("reserved username", team_values(members=[member("admin")]), "dsvm:members[0].username",
     "is a username Azure reserves"),
    ("username with '_'", team_values(members=[member("j_doe")]), "dsvm:members[0].username",
     "which Azure refuses in VM host names"),
    ("username with '--'", team_values(members=[member("al--ice")]), "dsvm:members[0].username",
     "single '-'"),
    ("entra object id not a GUID", team_values(members=[member(entra_object_id="alice@contoso.com")]),
     "dsvm:members[0].entra_object_id", "az ad user show"),
    ("entra login without object id", team_values(members=[member(entra_login_enabled=True)]), "dsvm:members[0]",
     "entra_login_enabled needs entra_object_id"),
    # BaseStackConfig
    ("location not a region name", team_values(location="west-europe"), LOCATION_KEY,
     "is not an Azure region name; use e.g. westeurope"),
    ("resource group ending in a period", team_values(resource_group_name="rg-team."),
     "dsvm:resource_group_name", "is not a resource group name"),
    ("resource group with a slash", team_values(resource_group_name="rg/team"), "dsvm:resource_group_name",
     "1-90 letters, digits"),
    ("tag name with a slash", team_values(tags={"team/area": "ds"}), "dsvm:tags", "tag name 'team/area' is invalid"),
    ("47 tags", team_values(tags={f"t{i}": "x" for i in range(47)}), "dsvm:tags", "at most 46 extra tags"),
    # TeamStackConfig
    ("vm size not a size", team_values(vm_size="D4s_v5"), "dsvm:vm_size", "is not an Azure VM size name"),
    ("member vm size not a size", team_values(members=[member(vm_size="big")]), "dsvm:members[0].vm_size",
     "use e.g. Standard_D4s_v5"),
    ("duplicate username", team_values(members=[member("alice"), member("alice")]), "dsvm:members[1].username",
     "usernames must be unique"),
    ("two members on one existing disk",
     team_values(members=[member("alice", data_disk={"existing_disk_resource_id": DISK_ID}),
                          member("bob", data_disk={"existing_disk_resource_id": DISK_ID.upper()})]),
     "dsvm:members[1].data_disk.existing_disk_resource_id", "a managed disk attaches to one VM only"),
    ("more members than the subnet holds",
     team_values(network={"workstation_subnet": "10.50.1.0/29"}, members=[member(n) for n in ("al", "bo", "cy", "di")]),
     "dsvm:network.workstation_subnet", "has room for 3 workstations"),
    ("linux member without key", team_values(members=[member("alice"), {"username": "bob"}]),
     "dsvm:members[1].ssh_public_key", "Linux workstations log in with SSH keys only"),
    ("windows member with key", windows(members=[member("alice")]), "dsvm:members[0].ssh_public_key",
     "Windows images do not use SSH keys"),
    ("windows member with entra", windows(members=[{"username": "alice", "entra_login_enabled": True,
                                                    "entra_object_id": GUID}]),
     "dsvm:members[0].entra_login_enabled", "Entra ID login is not supported on Windows"),
    ("windows username of 16", windows(members=[{"username": "abcdefghijklmnop"}]), "dsvm:members[0].username",
     "longer than 15 characters"),
]


@pytest.mark.parametrize("values", [
    team_values(tags={"team": "x" * 256}),  # Azure's longest tag value
    team_values(tags={f"t{i}": "v" for i in range(46)}),  # 46 extra + the stack's 4 = Azure's 50
    team_values(access=allowlist("11.0.0.0/8", "11.0.0.0/9")),  # a /8 and a range inside it: one /8
    team_values(access=allowlist("11.0.0.0/8", "10.0.0.0/8", "192.168.0.0/16")),  # private space is not the internet
    team_values(cost_cap_monthly=250.5),
], ids=["tag-value-256", "46-tags", "overlapping-ranges", "private-ranges", "float-cap"])  # fmt: skip
def test_the_last_value_a_rule_allows_passes(values: dict[str, Any]) -> None:
    parse_config(values)


@pytest.mark.parametrize(("values", "path", "fragment"), [c[1:] for c in NEGATIVE], ids=[c[0] for c in NEGATIVE])
def test_rule(values: dict[str, Any], path: str, fragment: str) -> None:
    assert_problem(values, path, fragment)


def test_vm_size_without_encryption_at_host_is_refused() -> None:
    assert_problem(team_values(vm_size="Standard_A4_v2"), "dsvm:vm_size", "encryption at host")
    assert_problem(team_values(members=[member(vm_size="Standard_A4_v2")]), "dsvm:members[0].vm_size",
                   "encryption at host")


def test_a_retired_size_is_refused_with_its_date() -> None:
    assert_problem(team_values(members=[member(vm_size="Standard_NC6s_v3")]), "dsvm:members[0].vm_size",
                   "was retired on 2025-09-30")


@pytest.mark.parametrize(("typo", "meant"), [("standard_d4s_v5", "Standard_D4s_v5"),
                                             ("Standard_NC4as_T4v3", "Standard_NC4as_T4_v3")])
def test_a_size_typo_gets_a_suggestion(typo: str, meant: str) -> None:
    assert_problem(team_values(vm_size=typo), "dsvm:vm_size", f"did you mean {meant}?")


def test_a_real_size_outside_the_facts_passes_the_config() -> None:
    # Azure may offer it; only the emulator cannot plan it (exit 3), so the config must not refuse it.
    assert parse_config(team_values(vm_size="Standard_L8s_v3")).vm_size == "Standard_L8s_v3"


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_of(team_values(owner="", location="west europe!", auto_shutdown={"time": "7pm"}))
    assert {path for path, _ in problems} == {"dsvm:owner", LOCATION_KEY, "dsvm:auto_shutdown.time"}


def test_the_error_text_lists_path_and_message() -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(members=[member("Alice")]))
    assert "dsvm:members[0].username: 'Alice' has capital letters" in str(error.value)


def test_an_invalid_only_member_is_not_also_reported_as_no_members() -> None:
    problems = problems_of(team_values(members=[member(data_disk={"size_gb": 2})]))
    assert problems == [("dsvm:members[0].data_disk.size_gb", "2 is less than the least allowed, 4; give at least 4")]


def test_subnet_sized_for_the_members_is_accepted() -> None:
    members = [member(n) for n in ("al", "bo", "cy")]
    config = parse_config(team_values(network={"workstation_subnet": "10.50.1.0/29"}, members=members))
    assert len(config.members) == 3
    assert parse_config(team_values(members=[member(ssh_public_key=rsa_key(2048))])).members[0].ssh_public_key


def test_kind_of_the_wrong_type_names_dsvm_kind() -> None:
    assert_problem(team_values(kind=["team"]), "dsvm:kind", "is not a stack kind")


# -- positive ----------------------------------------------------------------------------------


def test_defaults_are_as_documented() -> None:
    config = parse_config(team_values())
    assert config.vm_size == "Standard_D4s_v5"
    assert config.rstudio_enabled is False
    assert config.resource_group_name is None
    assert config.tags == {}
    assert config.network == NetworkConfig(
        address_space="10.50.0.0/16", workstation_subnet="10.50.1.0/24", bastion_subnet="10.50.255.0/26"
    )
    assert config.auto_shutdown == AutoShutdownConfig(enabled=True, time="1900", time_zone="UTC")
    assert config.auto_shutdown.notification_email is None
    assert config.storage == StorageConfig(
        account_name=None, hns_enabled=False, soft_delete_days=14, sku="Standard_LRS"
    )
    assert config.access == AccessConfig(mode="bastion", allowed_cidrs=(), public_ip_enabled=False)
    for m in config.members:
        assert m.data_disk == DataDiskConfig(size_gb=128, sku="Premium_LRS", existing_disk_resource_id=None)
        assert m.vm_size is None
        assert m.entra_login_enabled is False
        assert m.entra_object_id is None


@pytest.mark.parametrize(
    ("model", "field", "text"),
    [
        (AutoShutdownConfig, "enabled", "Default true"),
        (AutoShutdownConfig, "time", "Default `1900`"),
        (AutoShutdownConfig, "time_zone", "Default `UTC`"),
        (AccessConfig, "public_ip_enabled", "Default false"),
        (StorageConfig, "soft_delete_days", "1-365"),
        (DataDiskConfig, "size_gb", "4-32767"),
    ],
)
def test_descriptions_state_the_defaults_and_limits_the_model_enforces(model: Any, field: str, text: str) -> None:
    assert text in (model.model_fields[field].description or "")


def test_location_display_name_normalizes() -> None:
    assert parse_config(team_values(location="West Europe")).location == "westeurope"
    assert parse_config(team_values(location="eastus2")).location == "eastus2"


def test_json_text_values_as_the_engine_passes_them_decode() -> None:
    values = team_values()
    engine = {
        "azure-native:location": "westeurope",
        "dsvm:kind": "team",
        "dsvm:owner": values["owner"],
        "dsvm:cost_center": values["cost_center"],
        "dsvm:access": '{"mode": "bastion"}',
        "dsvm:image": json.dumps(values["image"]),
        "dsvm:members": json.dumps(values["members"]),
        "dsvm:rstudio_enabled": "true",
        "dsvm:storage": '{"soft_delete_days": 30}',
        "azure-native:subscriptionId": "ignored: another provider's key",
    }
    config = load_config(engine)
    assert config.access.mode == "bastion"
    assert config.rstudio_enabled is True
    assert config.storage.soft_delete_days == 30
    assert [m.username for m in config.members] == ["alice", "bob"]


def test_json_text_that_is_not_json_stays_text() -> None:
    engine = {f"dsvm:{k}": json.dumps(v) if not isinstance(v, str) else v for k, v in team_values().items()}
    engine[LOCATION_KEY] = engine.pop("dsvm:location")
    engine["dsvm:owner"] = "{not json"
    assert load_config(engine).owner == "{not json"


def test_unknown_kind_names_dsvm_kind() -> None:
    engine = {"dsvm:kind": "gpu_cluster", LOCATION_KEY: "westeurope"}
    with pytest.raises(ConfigError) as error:
        load_config(engine)
    assert error.value.problems == [
        ("dsvm:kind", "'gpu_cluster' is not a stack kind; set dsvm:kind to one of: gpu_rig, scale_out, team")
    ]


def test_the_model_is_frozen() -> None:
    config = parse_config(team_values())
    assert isinstance(config, TeamStackConfig)
    with pytest.raises(ValidationError):
        config.owner = "someone-else"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.members[0].username = "mallory"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        config.access.mode = "allowlist"  # type: ignore[misc]
    assert isinstance(config.members, tuple)
    assert isinstance(config.access.allowed_cidrs, tuple)
    assert hash(config.image) == hash(parse_config(team_values()).image)


def test_valid_variants() -> None:
    allow = parse_config(team_values(access=allowlist("203.0.113.0/24", "2001:db8::/32", public_ip_enabled=True)))
    assert allow.access.allowed_cidrs == ("203.0.113.0/24", "2001:db8::/32")
    win = parse_config(windows(members=[{"username": "abcdefghijklmno"}]))  # 15 characters
    assert win.is_windows
    entra = parse_config(team_values(members=[member(entra_login_enabled=True, entra_object_id=GUID)]))
    assert entra.members[0].entra_object_id == GUID
    disk = parse_config(team_values(members=[member(data_disk={"existing_disk_resource_id": DISK_ID})]))
    assert disk.members[0].data_disk.existing_disk_resource_id == DISK_ID
    zone = parse_config(team_values(auto_shutdown={"time": "0730", "time_zone": "W. Europe Standard Time"}))
    assert zone.auto_shutdown.time == "0730"


CLI_RULES = ["open source 0.0.0.0/0", "subnets overlap", "username with capitals", "more members than the subnet holds",
             "IANA time zone", "duplicate username", "extra top-level key"]


@pytest.mark.parametrize("name", CLI_RULES)
def test_rule_through_dsvmctl_plan(tmp_path: Path, name: str) -> None:
    """The second angle on a few rules: `dsvmctl plan` exits 2 naming the key, without a traceback."""
    from dsvmctl.cli import app
    from tests.helpers import ROOT, runner

    (_, values, path, fragment) = next(c for c in NEGATIVE if c[0] == name)
    config = {LOCATION_KEY if k == "location" else f"dsvm:{k}": v for k, v in values.items()}
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(tmp_path)])
    output = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert path in output and fragment in output, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
