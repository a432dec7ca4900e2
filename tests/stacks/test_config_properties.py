"""Property: a stack config either validates AND builds on the fake Azure, or is refused
with ``ConfigError`` whose every problem path is a stack-file key (``dsvm:...`` or
``azure-native:location``). Nothing else may escape: no TypeError from odd values,
no ``ArmError`` from Azure for a config the validation let through.

The strategy mixes valid and invalid values for every field. Facts only the cloud
knows (which regions, sizes, image versions exist; which size boots which image
generation; the subscription's vCPU quota; which resource groups and disks exist)
are kept valid by construction: the emulator enforces them from azurefacts, and a
config file cannot. Each such restriction is marked "catalog-only" below.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import ipaddress
import json
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import stacks
from azurefacts.accounts import RESERVED_ADMIN_USERNAMES
from azurefacts.images import DSVM_IMAGES
from azurefacts.quotas import QUOTA_PROFILES
from azurefacts.regions import REGIONS
from azurefacts.sizes import VM_SIZES
from azurefacts.timezones import WINDOWS_TIME_ZONES
from fakeazure import FakeAzure, run_program
from fakeazure.backend import DEFAULT_SUBSCRIPTION_ID
from stacks.config import LOCATION_KEY, PROJECT, ConfigError, StackConfig, TeamStackConfig, load_config, parse_config
from tests.helpers import TODAY, ssh_key

MISSING = object()  # a key left out of the stack file
DATA_RG = "rg-data"
DISKS = ("disk-a", "disk-b")  # seeded in the stack's region before each build


def disk_id(name: str) -> str:
    return f"/subscriptions/{DEFAULT_SUBSCRIPTION_ID}/resourceGroups/{DATA_RG}/providers/Microsoft.Compute/disks/{name}"


def rsa_key(bits: int, name: str) -> str:
    """An ssh-rsa public key line with a modulus of ``bits`` bits (not a real key pair)."""

    def part(data: bytes) -> bytes:
        return len(data).to_bytes(4, "big") + data

    body = hashlib.shake_256(name.encode()).digest(bits // 8)
    modulus = b"\x00" + bytes([body[0] | 0x80]) + body[1:]
    blob = part(b"ssh-rsa") + part(b"\x01\x00\x01") + part(modulus)
    return f"ssh-rsa {base64.b64encode(blob).decode()} {name}@laptop"


def compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not MISSING}


class Chooser:
    """Draws each field valid, or (at the example's error rate) from its invalid values.

    The rate is drawn per example (0 to 40%), so some examples are clean and exercise the
    build, others break several rules at once. Draws shrink towards the valid choice.
    """

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.rate = draw(st.sampled_from([0, 0, 0, 2, 5, 15, 40]))

    def __call__(self, valid: st.SearchStrategy[Any], invalid: st.SearchStrategy[Any]) -> Any:
        return self.draw(invalid if self.draw(st.integers(0, 99)) < self.rate else valid)

    def chance(self, percent: int) -> bool:
        return self.draw(st.integers(0, 99)) >= 100 - percent


# -- field values ---------------------------------------------------------------------------------

VALID_USERNAMES = ["alice", "bob", "carol-ds", "dave2", "erin-mueller", "abcdefghijklmno", "x1-y2-z3", "al"]
BAD_USERNAMES = [
    "Alice", "BOB", "admin", "root", "user1", "a", "1bob", "al--ice", "bob-", "bob_", "_bob", "bob.smith", "j_doe",
    "a" * 33, "é", "",
]
usernames = st.one_of(
    st.sampled_from(VALID_USERNAMES), st.from_regex(r"[a-z][a-z0-9]{1,6}(-[a-z0-9]{1,6})?", fullmatch=True)
)
# Usernames the rules may refuse or accept depending on context (length, '_', '-', short).
edgy_usernames = st.one_of(
    st.sampled_from([*BAD_USERNAMES, "ab", "shared", "home", "a" * 32, "abcdefghijklmnop"]),
    st.from_regex(r"[a-z][a-z0-9_-]{0,20}", fullmatch=True),
    st.text(max_size=8),
)

valid_ssh_keys = st.one_of(
    st.builds(ssh_key, st.sampled_from(["k1", "k2", "k3"])),
    st.builds(rsa_key, st.just(2048), st.sampled_from(["r1", "r2"])),
)
bad_ssh_keys = st.one_of(
    st.builds(rsa_key, st.sampled_from([1024, 1536]), st.just("weak")),
    st.sampled_from(["hello", "ssh-ed25519 AAAA!!!!", "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAIA==", "ssh-dss AAAA", "",
                     "ssh-rsa AAAAB3NzaC1yc2E="]),
    st.just(MISSING),
    st.just(None),
)

GUIDS = ["3f2504e0-4f89-41d3-9a0c-0305e82c3301", "9b1deb4d-3b7d-4bad-9bdd-2b0d7b3dcb6d"]

VALID_CIDRS = ["203.0.113.0/24", "198.51.100.7/32", "2001:db8::/32", "10.0.0.0/8", "192.0.2.0/28"]
OPEN_CIDRS = ["*", "0.0.0.0/0", "::/0", "Internet", "any", "0.0.0.0", " 0.0.0.0/0 ", "::0/0"]
BAD_CIDRS = ["203.0.113.7/24", "300.1.1.1/8", "abc", "10.0.0.0/33", "", "10.0.0.0 /8"]

valid_access = st.one_of(
    st.fixed_dictionaries({"mode": st.sampled_from(["bastion", "private"])}),
    st.fixed_dictionaries(
        {"mode": st.just("allowlist"), "allowed_cidrs": st.lists(st.sampled_from(VALID_CIDRS), min_size=1, max_size=3)},
        optional={"public_ip_enabled": st.booleans()},
    ),
)
bad_access = st.one_of(
    st.fixed_dictionaries(
        {"mode": st.sampled_from(["allowlist", "bastion", "private", "open", "Bastion", "", MISSING])},
        optional={
            "allowed_cidrs": st.lists(st.sampled_from(VALID_CIDRS + OPEN_CIDRS + BAD_CIDRS), max_size=3),
            "public_ip_enabled": st.sampled_from([True, "yes"]),
            "cidrs": st.just(["203.0.113.0/24"]),
        },
    ).map(compact),
    st.sampled_from(["bastion", '{"mode": "bastion"}', None, ["bastion"], MISSING]),
)

ADDRESS_SPACES = ["10.50.0.0/16", "10.0.0.0/8", "192.168.0.0/24", "172.16.0.0/20"]
WORK_SUBNETS = ["10.50.1.0/24", "10.50.1.0/29", "10.50.1.0/28", "192.168.0.0/28", "192.168.0.0/29", "10.0.0.0/16",
                "172.16.1.0/24"]
BASTION_SUBNETS = ["10.50.255.0/26", "192.168.0.192/26", "10.255.0.0/24", "172.16.15.0/26", "10.50.254.0/23"]
valid_network = st.one_of(
    st.just(MISSING),
    st.just({}),
    st.sampled_from([
        {"address_space": "192.168.0.0/24", "workstation_subnet": "192.168.0.0/28",
         "bastion_subnet": "192.168.0.192/26"},
        {"address_space": "192.168.0.0/24", "workstation_subnet": "192.168.0.0/29",
         "bastion_subnet": "192.168.0.192/26"},
        {"address_space": "10.0.0.0/8", "workstation_subnet": "10.0.0.0/16", "bastion_subnet": "10.255.0.0/24"},
        {"address_space": "172.16.0.0/20", "workstation_subnet": "172.16.1.0/24", "bastion_subnet": "172.16.15.0/26"},
        {"workstation_subnet": "10.50.1.0/29"},
        {"workstation_subnet": "10.50.1.0/28"},
    ]),
)
bad_network = st.fixed_dictionaries(
    {},
    optional={
        "address_space": st.sampled_from([*ADDRESS_SPACES, "fd00::/48", "10.50.0.0/33", "10.50.0.1/16"]),
        "workstation_subnet": st.sampled_from([*WORK_SUBNETS, "10.50.1.0/30", "10.50.1.7/24"]),
        "bastion_subnet": st.sampled_from([*BASTION_SUBNETS, "10.50.255.0/27"]),
        "dns": st.just("10.0.0.4"),
    },
)

BAD_VERSIONS: list[Any] = ["latest", "25.05", "v25.05.20", "25.05.20 ", 25.05, ""]
TIMES = ["1900", "0000", "2359", "0730"]
BAD_TIMES: list[Any] = ["2500", "1960", "19:00", "700", 1900, ""]

valid_auto_shutdown = st.one_of(
    st.just(MISSING),
    st.fixed_dictionaries(
        {},
        optional={
            "enabled": st.booleans(),
            "time": st.sampled_from(TIMES),
            "time_zone": st.sampled_from(sorted(WINDOWS_TIME_ZONES)),
            "notification_email": st.sampled_from(["ds-team@contoso.com", None]),
        },
    ),
)
bad_auto_shutdown = st.fixed_dictionaries(
    {},
    optional={
        "enabled": st.just("no"),
        "time": st.sampled_from(BAD_TIMES),
        "time_zone": st.sampled_from(["Europe/Berlin", "utc", "CET", ""]),
        "days": st.just("weekdays"),
    },
)

valid_storage = st.one_of(
    st.just(MISSING),
    st.fixed_dictionaries(
        {},
        optional={
            "account_name": st.sampled_from([None, "dsvmteam01", "abc", "a" * 24]),
            "hns_enabled": st.booleans(),
            "soft_delete_days": st.sampled_from([1, 14, 365]),
            "sku": st.sampled_from(["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"]),
        },
    ),
)
bad_storage = st.fixed_dictionaries(
    {},
    optional={
        "account_name": st.sampled_from(["ab", "Dsvm01", "a" * 25, "dsvm-team", ""]),
        "soft_delete_days": st.sampled_from([0, 366, -1, "two weeks"]),
        "sku": st.sampled_from(["Premium_LRS", "Standard_RAGRS", "standard_lrs"]),
        "tier": st.just("Hot"),
    },
)

valid_tags = st.one_of(
    st.just(MISSING), st.dictionaries(st.sampled_from(["team", "project", "env"]), st.sampled_from(["ds", "dev"]),
                                      max_size=3)
)
bad_tags = st.one_of(
    st.dictionaries(st.sampled_from(["a/b", "x<y", "c?", "team"]), st.one_of(st.just("ds"), st.just(7)), min_size=1,
                    max_size=3),
    st.just({f"t{i}": "x" for i in range(46)}),
    st.just(["team=ds"]),
)

BAD_SIZES = ["D4s_v5", "Standard_D4s v5", "standard_d4s_v5", "Standard_A4_v2", "Standard_NC6s_v3", ""]


def offered_sizes(location: str | None, generation: int | None) -> list[str]:
    """Catalog-only: the sizes offered in the region (SkuNotAvailable) that boot the image's
    Hyper-V generation (BadRequest for a Gen1 image on a Gen2-only size). Sizes without
    encryption at host are left to BAD_SIZES: the config refuses those itself."""
    return [
        s.name for s in VM_SIZES.values()
        if (location is None or s.offered_in(location)) and (generation is None or generation in s.generations)
        and s.encryption_at_host and not s.retired(TODAY)
    ]


def member_values(pick: Chooser, sizes: list[str], windows: bool) -> Any:
    """One member; on Windows mostly keyless with short names, as Windows needs."""
    draw = pick.draw
    name = pick(usernames, edgy_usernames)
    m: dict[str, Any] = {"username": name[:15] if windows and isinstance(name, str) else name}
    if not windows:
        m["ssh_public_key"] = pick(valid_ssh_keys, bad_ssh_keys)
    elif pick(st.just(False), st.just(True)):
        m["ssh_public_key"] = draw(valid_ssh_keys)
    if pick.chance(20):
        m["vm_size"] = pick(st.sampled_from(sizes), st.sampled_from(BAD_SIZES))
    if pick.chance(30):
        disk: dict[str, Any] = {}
        if pick.chance(50):
            disk["size_gb"] = pick(st.sampled_from([4, 128, 1024, 32767]), st.sampled_from([3, 40000, "big"]))
        if pick.chance(50):
            disk["sku"] = pick(st.sampled_from(["Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS",
                                                "Premium_ZRS"]), st.just("UltraSSD_LRS"))
        if pick.chance(40):
            # Catalog-only: an existing disk must exist, in the stack's region; the two ids
            # below are seeded before each build. Malformed ids test the validation.
            disk["existing_disk_resource_id"] = pick(st.sampled_from([disk_id(d) for d in DISKS]),
                                                     st.sampled_from(["disk-a", "/subscriptions/x/disks/y"]))
        m["data_disk"] = disk
    if pick.chance(20):
        enabled = draw(st.booleans())
        m["entra_login_enabled"] = enabled
        m["entra_object_id"] = pick(st.sampled_from(GUIDS), st.sampled_from(["alice@contoso.com", None, MISSING]))
    if pick(st.just(False), st.just(True)):
        m["shell"] = "zsh"
    return compact(m) if not pick(st.just(False), st.just(True)) else "carol"


@st.composite
def stack_values(draw: st.DrawFn) -> dict[str, Any]:
    """Plain (field name -> value) config of a team stack, valid and invalid values mixed."""
    pick = Chooser(draw)
    region: str | None = draw(st.sampled_from(sorted(REGIONS)))
    location = pick(st.sampled_from([region, REGIONS[str(region)].display_name]),  # "westeurope" or "West Europe"
                    st.sampled_from(["west-europe", "", "West_Europe", 42, MISSING]))
    if location not in (region, REGIONS[str(region)].display_name):
        region = None
    os = pick(st.sampled_from(sorted(DSVM_IMAGES)), st.sampled_from(["debian-12", "Ubuntu-2204", MISSING]))
    image = DSVM_IMAGES.get(os) if isinstance(os, str) else None
    # Catalog-only: which pinned versions of an image exist (PlatformImageNotFound).
    known = st.sampled_from(image.version_names) if image else st.just("25.05.20")
    version = pick(known, st.sampled_from(BAD_VERSIONS))
    sizes = offered_sizes(region, image.hyperv_generation if image else None)
    windows = image is not None and image.os_type == "Windows"
    count = pick(st.integers(1, 4), st.sampled_from([0, 5, 6]))
    members = [member_values(pick, sizes, windows) for _ in range(count)]
    values: dict[str, Any] = {
        "kind": pick(st.just("team"), st.sampled_from(["gpu_rig", ["team"], None, {"team": 1}, MISSING])),
        "location": location,
        "owner": pick(st.sampled_from(["data-platform@contoso.com", "ds-team"]), st.sampled_from(["", 17, MISSING])),
        "cost_center": pick(st.sampled_from(["CC-4711", "CC-1"]), st.sampled_from(["", MISSING])),
        "resource_group_name": pick(st.sampled_from([MISSING, MISSING, None, "rg-team", "rg-ds(1)"]),
                                    st.sampled_from(["rg.", "rg/x", "r" * 91, ""])),
        "tags": pick(valid_tags, bad_tags),
        "access": pick(valid_access, bad_access),
        "network": pick(valid_network, bad_network),
        "image": compact({"os": os, "version": version}),
        "auto_shutdown": pick(valid_auto_shutdown, bad_auto_shutdown),
        "rstudio_enabled": pick(st.sampled_from([MISSING, True, False, "true"]), st.sampled_from(["maybe", 2])),
        "vm_size": pick(st.sampled_from([MISSING, *sizes]), st.sampled_from(BAD_SIZES)),
        "storage": pick(valid_storage, bad_storage),
        "members": pick(st.just(members), st.sampled_from([MISSING, [], "alice"])),
    }
    if pick(st.just(False), st.just(True)):
        values[draw(st.sampled_from(["colour", "vmSize", "region"]))] = "x"
    return compact(values)


def engine_config(values: dict[str, Any]) -> dict[str, str]:
    """The values as the Pulumi engine hands them over: namespaced keys, objects as JSON text."""
    config: dict[str, str] = {}
    for key, value in values.items():
        name = LOCATION_KEY if key == "location" else f"{PROJECT}:{key}"
        config[name] = value if isinstance(value, str) else json.dumps(value)
    return config


# -- the property -------------------------------------------------------------------------------


def within_quota(config: StackConfig) -> bool:
    """Catalog-only: the subscription's vCPU quota (QuotaExceeded), which a stack file cannot know."""
    quota = QUOTA_PROFILES["payg"]
    by_family: Counter[str] = Counter()
    for m in config.members:
        size = VM_SIZES[m.vm_size or config.vm_size]
        by_family[size.quota_family] += size.vcpus
    total = sum(by_family.values())
    return total <= quota.total_regional_vcpus and all(v <= quota.family_limit(f) for f, v in by_family.items())


def seeded_backend(config: StackConfig) -> FakeAzure:
    """A fresh subscription holding what the config refers to but does not create.

    Catalog-only: an existing resource group or disk must exist (ResourceGroupNotFound,
    InvalidResourceReference); the stack file can only name them.
    """
    backend = FakeAzure()
    if config.resource_group_name:
        backend.seed("azure-native:resources:ResourceGroup", config.resource_group_name,
                     {"resourceGroupName": config.resource_group_name, "location": config.location})
    backend.seed("azure-native:resources:ResourceGroup", DATA_RG,
                 {"resourceGroupName": DATA_RG, "location": config.location})
    for name in DISKS:
        backend.seed("azure-native:compute:Disk", name, {
            "diskName": name, "resourceGroupName": DATA_RG, "location": config.location,
            "sku": {"name": "Premium_LRS"}, "diskSizeGB": 256, "creationData": {"createOption": "Empty"},
        })
    return backend


@settings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=stack_values(), as_engine=st.booleans())
def test_config_validates_and_builds_or_is_refused_with_stack_file_paths(
    values: dict[str, Any], as_engine: bool
) -> None:
    try:
        config = load_config(engine_config(values)) if as_engine else parse_config(values)
    except ConfigError as error:
        assert error.problems
        for path, message in error.problems:
            assert path.startswith(f"{PROJECT}:") or path == LOCATION_KEY, (path, message)
            assert message.strip(), path
        return
    assume(within_quota(config))
    run = run_program(lambda: stacks.build(config, "prop"), seeded_backend(config), stack="prop")
    vms = [r for r in run.records if r.type == "azure-native:compute:VirtualMachine"]
    assert len(vms) == len(config.members)
    assert set(run.outputs["members"]) == {m.username for m in config.members}


# -- valid configs plan; each invalid variant is refused at its own path -------------------------------

VALID_NETWORKS: list[Any] = [  # valid_network's choices
    MISSING,
    {},
    {"address_space": "192.168.0.0/24", "workstation_subnet": "192.168.0.0/28", "bastion_subnet": "192.168.0.192/26"},
    {"address_space": "192.168.0.0/24", "workstation_subnet": "192.168.0.0/29", "bastion_subnet": "192.168.0.192/26"},
    {"address_space": "10.0.0.0/8", "workstation_subnet": "10.0.0.0/16", "bastion_subnet": "10.255.0.0/24"},
    {"address_space": "172.16.0.0/20", "workstation_subnet": "172.16.1.0/24", "bastion_subnet": "172.16.15.0/26"},
    {"workstation_subnet": "10.50.1.0/29"},
]


def room_of(network: Any) -> int:
    """How many workstations the network's workstation subnet holds (Azure reserves 5 addresses)."""
    from stacks.config import NetworkConfig

    subnet = network.get("workstation_subnet") if isinstance(network, dict) else None
    return ipaddress.IPv4Network(subnet or NetworkConfig().workstation_subnet).num_addresses - 5


clean_usernames = usernames.filter(lambda n: n not in RESERVED_ADMIN_USERNAMES)


@st.composite
def valid_team_values(draw: st.DrawFn) -> dict[str, Any]:
    """A team config every rule accepts: unique usernames, as many members as the subnet holds at most."""
    network = draw(st.sampled_from(VALID_NETWORKS))
    names = draw(st.lists(clean_usernames, min_size=1, max_size=min(4, room_of(network)), unique=True))
    values: dict[str, Any] = {
        "kind": "team", "location": "westeurope", "owner": "data-platform@contoso.com", "cost_center": "CC-1",
        "image": {"os": "ubuntu-2204", "version": "25.05.20"},
        "members": [{"username": n, "ssh_public_key": draw(valid_ssh_keys)} for n in names],
        "access": draw(valid_access), "network": network, "auto_shutdown": draw(valid_auto_shutdown),
        "storage": draw(valid_storage), "tags": draw(valid_tags),
    }
    return compact(values)


def only_problem(values: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    assert len(error.value.problems) == 1, error.value.problems
    return error.value.problems[0]


@settings(max_examples=3, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=valid_team_values())
def test_a_valid_config_plans_without_refusal(values: dict[str, Any]) -> None:
    config = parse_config(values)  # a ConfigError here is a false refusal of a valid config
    assert isinstance(config, TeamStackConfig)
    run = run_program(lambda: stacks.build(config, "prop"), seeded_backend(config), stack="prop")
    assert not [r for r in run.records if r.refusals]
    assert set(run.outputs["members"]) == {m["username"] for m in values["members"]}


@settings(max_examples=30, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=valid_team_values(), data=st.data())
def test_each_invalid_variant_is_refused_at_its_path(values: dict[str, Any], data: st.DataObject) -> None:
    parse_config(values)  # the base is valid: any refusal below is the variant's
    variant = data.draw(st.sampled_from(["uppercase username", "overlapping subnets", "subnet one too small"]))
    broken = copy.deepcopy(values)
    if variant == "uppercase username":
        i = data.draw(st.integers(0, len(broken["members"]) - 1))
        name = broken["members"][i]["username"]
        at = data.draw(st.integers(0, len(name) - 1).filter(lambda k: name[k].isalpha()))
        broken["members"][i]["username"] = name[:at] + name[at].upper() + name[at + 1:]
        path, message = only_problem(broken)
        assert path == f"dsvm:members[{i}].username" and "capital letters" in message, (path, message)
    elif variant == "overlapping subnets":
        x, offset = data.draw(st.integers(0, 254)), data.draw(st.sampled_from([0, 64, 128, 192]))
        work, bastion = data.draw(st.sampled_from([
            (f"10.50.{x}.0/24", f"10.50.{x}.{offset}/26"),  # the workstations' subnet holds the Bastion's
            (f"10.50.{x}.{offset + 16}/28", f"10.50.{x}.{offset}/26"),  # the Bastion's holds the workstations'
        ]))
        broken["network"] = {"address_space": "10.50.0.0/16", "workstation_subnet": work, "bastion_subnet": bastion}
        broken["members"] = broken["members"][:1]
        path, message = only_problem(broken)
        assert path == "dsvm:network" and "overlaps bastion_subnet" in message, (path, message)
    else:
        prefix = data.draw(st.sampled_from([29, 28, 27]))
        room = 2 ** (32 - prefix) - 5
        broken["network"] = {"workstation_subnet": f"10.50.1.0/{prefix}"}
        members = [{"username": f"m{i:02d}", "ssh_public_key": ssh_key(f"m{i}")} for i in range(room + 1)]
        path, message = only_problem(broken | {"members": members})
        assert path == "dsvm:network.workstation_subnet" and f"has room for {room} workstations" in message
        parse_config(broken | {"members": members[:room]})  # one fewer fits exactly
