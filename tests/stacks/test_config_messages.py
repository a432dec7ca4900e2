"""Config errors in words a person acts on: pydantic's errors translated, namespaces checked, subnet fixes."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import Field, ValidationError

from stacks.config import ConfigError, from_namespaced, load_config, parse_config
from stacks.config.base import Model
from stacks.config.loader import _message
from tests.helpers import ssh_key, team_values


def problems_of(values: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    return error.value.problems


def the_problem(values: dict[str, Any], path: str) -> str:
    found = dict(problems_of(values))
    assert path in found, found
    return found[path]


def members(count: int) -> list[dict[str, str]]:
    return [{"username": f"u{i}", "ssh_public_key": ssh_key(f"u{i}")} for i in range(count)]


# -- pydantic's errors, in words --------------------------------------------------------------------


def test_no_members_says_what_an_entry_needs() -> None:
    assert the_problem(team_values(members=[]), "dsvm:members") == (
        "a team stack needs at least one member; add an entry with username and "
        "ssh_public_key (required on Linux images, refused on Windows)"
    )


_NUMBER_HINT = ('write it in quotes as you mean it (e.g. "0720", "25.10"): unquoted, YAML read it as the number {} '
                "(a leading 0 reads as octal, 0720 as 464; 25.10 reads as 25.1)")


@pytest.mark.parametrize(("values", "path", "message"), [
    (team_values(members="alice"), "dsvm:members",
     "must be a list of members, one `- username: ...` entry each (got 'alice')"),
    (team_values(members={"username": "alice"}), "dsvm:members",
     "must be a list of members, one `- username: ...` entry each (got a mapping)"),
    (team_values(members=["alice"]), "dsvm:members[0]",
     "must be a mapping with the keys username, ssh_public_key, vm_size, data_disk, os_disk, entra_login_enabled, "
     "entra_object_id, idle_stop, leaving (got 'alice')"),
    (team_values(rstudio_enabled="maybe"), "dsvm:rstudio_enabled", "must be true or false (got 'maybe')"),
    (team_values(storage={"soft_delete_days": "week"}), "dsvm:storage.soft_delete_days",
     "must be a whole number (got 'week')"),
    (team_values(storage={"soft_delete_days": 1.5}), "dsvm:storage.soft_delete_days",
     "must be a whole number (got 1.5)"),
    (team_values(tags={"team": 7}), "dsvm:tags.team", f"must be text (got 7); {_NUMBER_HINT.format(7)}"),
    (team_values(auto_shutdown={"time": 464}), "dsvm:auto_shutdown.time",
     f"must be text (got 464); {_NUMBER_HINT.format(464)}"),
    (team_values(image={"os": "ubuntu-2204", "version": 25.1}), "dsvm:image.version",
     f"must be text (got 25.1); {_NUMBER_HINT.format(25.1)}"),
    (team_values(tags=["team"]), "dsvm:tags", "must be a mapping of keys to values (got a list)"),
    (team_values(access="bastion"), "dsvm:access",
     "must be a mapping with the keys mode, allowed_cidrs, public_ip_enabled, bastion_sku, bastion_scale_units, "
     "existing_bastion_resource_id, existing_bastion_sku, existing_bastion_subnet (got 'bastion')"),
    (team_values(access={"mode": "allowlist", "allowed_cidrs": "203.0.113.0/24"}), "dsvm:access.allowed_cidrs",
     "must be a list, one `- item` line per item (got '203.0.113.0/24')"),
    (team_values(access={"mode": "vpn"}), "dsvm:access.mode",
     "must be one of: 'allowlist', 'bastion' or 'private' (got 'vpn')"),
    (team_values(owner=""), "dsvm:owner", "must not be empty (at least 1 character)"),
    (team_values(owner=None), "dsvm:owner", "must be text (got no value)"),
])  # fmt: skip
def test_type_and_length_errors_name_what_is_expected(values: dict[str, Any], path: str, message: str) -> None:
    assert the_problem(values, path) == message


def test_no_pydantic_wording_reaches_the_user_for_type_and_length_errors() -> None:
    bad = team_values(members=[], owner="", rstudio_enabled="maybe", tags={"a": [1]}, access="x")
    for path, message in problems_of(bad):
        assert "Input should" not in message and "after validation" not in message, (path, message)


def test_a_misspelt_key_gets_a_suggestion() -> None:
    assert the_problem(team_values(vmSize="Standard_D4s_v5"), "dsvm:vmSize") == (
        "unknown key; remove it or fix its spelling (see docs/CONFIG.md); did you mean vm_size?"
    )


@pytest.mark.parametrize(
    ("values", "path", "message"),
    [
        (team_values(backup={"retention_days": 400}), "dsvm:backup.retention_days",
         "400 is more than the most allowed, 365; give at most 365"),
        (team_values(backup={"soft_delete_days": 7}), "dsvm:backup.soft_delete_days",
         "7 is less than the least allowed, 14; give at least 14"),
    ],
)  # fmt: skip
def test_a_number_out_of_range_names_the_bound(values: dict[str, Any], path: str, message: str) -> None:
    assert the_problem(values, path) == message


@pytest.mark.parametrize("key", ["backup", "patching"])
def test_a_key_of_another_kind_says_so_instead_of_unknown(key: str) -> None:
    """`dsvm:backup` on a scale_out stack is a real key, of team and gpu_rig stacks: not a misspelling."""
    values = team_values(kind="scale_out", **{key: {"enabled": True}})
    message = the_problem(values, f"dsvm:{key}")
    assert message == (
        "a key of gpu_rig and team stacks, not of a scale_out stack (docs/CONFIG.md lists each kind's keys); remove it"
    )
    assert the_problem(team_values(kind="gpu_rig", members=[]), "dsvm:members").startswith("a key of team stacks")


def test_too_long_names_the_limit_and_how_many_to_remove() -> None:
    class Team(Model):
        members: tuple[str, ...] = Field(max_length=2)
        owner: str = Field(max_length=3)

    with pytest.raises(ValidationError) as error:
        Team.model_validate({"members": ["a", "b", "c", "d"], "owner": "abcdef"})
    messages = {e["loc"][0]: _message(Team, "team", tuple(e["loc"]), dict(e)) for e in error.value.errors()}
    assert messages == {
        "members": "at most 2 members are allowed and there are 4; remove 2",
        "owner": "must be at most 3 characters long (got 6)",
    }


# -- namespaces -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "message"), [
    ("dvsm:vm_size", "unknown namespace 'dvsm'; did you mean dsvm:vm_size?"),
    ("dsmv:vm_size", "unknown namespace 'dsmv'; did you mean dsvm:vm_size?"),
    ("DSVM:vm_size", "unknown namespace 'DSVM'; did you mean dsvm:vm_size?"),
    ("dsvm-:vm_size", "unknown namespace 'dsvm-'; did you mean dsvm:vm_size?"),
    ("dvsm:vm_sise", "unknown namespace 'dvsm'; did you mean dsvm:vm_size?"),
    (":vm_size", "unknown namespace ''; did you mean dsvm:vm_size?"),
    ("dsvm:location", "the region is azure-native:location (the provider's key); rename dsvm:location to it"),
])  # fmt: skip
def test_a_namespace_like_ours_is_refused_with_a_did_you_mean(key: str, message: str) -> None:
    with pytest.raises(ConfigError) as error:
        from_namespaced({"dsvm:kind": "team", key: "Standard_D8s_v5"})
    assert error.value.problems == [(key, message)]


def test_other_providers_keys_pass_untouched() -> None:
    others = {"azure-native:subscriptionId": "x", "azure:location": "westeurope", "pulumi:tags": '{"a": "b"}',
              "random:seed": "1", "azuread:tenantId": "t", "dns:zone": "z"}  # fmt: skip
    assert from_namespaced({"dsvm:owner": "me", "azure-native:location": "westeurope", **others}) == {
        "owner": "me",
        "location": "westeurope",
    }


def test_the_project_namespace_is_a_parameter() -> None:
    assert from_namespaced({"team:owner": "me", "dsvm:owner": "other"}, project="team") == {"owner": "me"}
    with pytest.raises(ConfigError, match="did you mean team:owner"):
        load_config({"taem:owner": "me"}, project="team")


# -- the workstation subnet fix ---------------------------------------------------------------------


def test_300_members_in_a_24_are_told_the_prefix_that_fits() -> None:
    message = the_problem(team_values(members=members(300)), "dsvm:network.workstation_subnet")
    assert message == (
        "10.50.1.0/24 has room for 251 workstations (Azure reserves 5 addresses per subnet) and the stack has "
        "300 members; 300 members need a /23 (507 workstations): set network.workstation_subnet to e.g. "
        "10.50.0.0/23"
    )
    fixed = team_values(members=members(300), network={"workstation_subnet": "10.50.0.0/23"})
    assert len(parse_config(fixed).members) == 300  # the suggestion is accepted


def test_a_subnet_that_cannot_fit_the_address_space_says_to_widen_it() -> None:
    network = {"address_space": "10.50.0.0/24", "workstation_subnet": "10.50.0.0/26",
               "bastion_subnet": "10.50.0.192/26"}  # fmt: skip
    message = the_problem(team_values(members=members(300), network=network), "dsvm:network.workstation_subnet")
    assert "300 members need a /23" in message
    assert "does not fit in network.address_space 10.50.0.0/24" in message
    assert "e.g. address_space 10.50.0.0/22 with workstation_subnet 10.50.2.0/23" in message
    fixed = {**network, "address_space": "10.50.0.0/22", "workstation_subnet": "10.50.2.0/23"}
    assert len(parse_config(team_values(members=members(300), network=fixed)).members) == 300


def test_a_small_team_in_a_29_is_told_a_28() -> None:
    message = the_problem(
        team_values(members=members(4), network={"workstation_subnet": "10.50.1.0/29"}),
        "dsvm:network.workstation_subnet",
    )
    assert message.endswith(
        "4 members need a /28 (11 workstations): set network.workstation_subnet to e.g. 10.50.1.0/28"
    )


@pytest.mark.parametrize(
    ("values", "sizes"),
    [
        (team_values(vm_size="Standard_D4s_v6"), "Standard_D4s_v6 attaches"),
        (team_values(members=[{"username": "alice", "vm_size": "Standard_D4ds_v6"}, {"username": "bob"}],
                     image={"os": "windows-2022", "version": "25.05.20"}), "Standard_D4ds_v6, Standard_D4s_v5"),
    ],
)  # fmt: skip
def test_an_nvme_only_size_warns_that_the_images_nvme_tag_is_unconfirmed(values: dict[str, Any], sizes: str) -> None:
    """The plan approves an NVMe-only size for a DSVM image Azure may refuse it on: it says so, with the check."""
    found = [w for w in parse_config(values).warnings() if "NVMe only" in w]
    image = values["image"]
    assert len(found) == 1 and ("Standard_D4s_v5" not in found[0]), found
    assert found[0].startswith(sizes.split(",")[0]) and f"the DSVM image {image['os']}" in found[0]
    assert f":{image['version']} --query" in found[0] and "DiskControllerTypes" in found[0]
    assert not [w for w in parse_config(team_values()).warnings() if "NVMe" in w]


@pytest.mark.parametrize(("changes", "path"), [
    ({"vm_size": "Standard_D4s_v6"}, "dsvm:vm_size"),
    ({"members": [{"username": "alice", "vm_size": "Standard_E4s_v6"}]}, "dsvm:members[0].vm_size"),
])  # fmt: skip
def test_a_generation_2_only_size_with_the_generation_1_image_is_a_config_error(
    changes: dict[str, Any], path: str
) -> None:
    """windows-2019 (Generation 1) on a v6 size: refused before anything is registered, naming the key and the
    way out; the emulator refused it only at the VM, as Azure's BadRequest without the config path."""
    values = team_values(image={"os": "windows-2019", "version": "25.01.14"}, members=[{"username": "alice"}])
    values.update(changes)
    message = the_problem(values, path)
    assert "boots Generation 2 only" in message and "windows-2019 DSVM image is Generation 1" in message
    assert "Standard_D4s_v5" in message and "Generation 2 image" in message
    values.pop("vm_size", None)
    values["members"] = [{"username": "alice"}]
    assert parse_config(values).image.os == "windows-2019"  # a v5 size boots it
