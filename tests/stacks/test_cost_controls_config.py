"""Config of idle stop and budgets: defaults, overrides, and one refusal per rule (path, rule and fix)."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import ConfigError, parse_config
from tests.helpers import ssh_key, team_values

RIG = {"name": "vision", "username": "alice", "ssh_public_key": ssh_key("alice"),
       "cpu_size": "Standard_D4ads_v5", "gpu_size": "Standard_NC4as_T4_v3"}  # fmt: skip


def gpu_values(**overrides: Any) -> dict[str, Any]:
    base = {"kind": "gpu_rig", "location": "eastus", "image": {"os": "ubuntu-2204", "version": "25.09.15"},
            "rigs": [dict(RIG)]}
    values = team_values(**{**base, **overrides})
    del values["members"]
    return values


def problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    return error.value.problems


REFUSED = [
    ("idle minutes 10", team_values(idle_stop={"idle_minutes": 10}), "dsvm:idle_stop.idle_minutes",
     "10 minutes is outside 15-1440"),
    ("idle minutes 2000", team_values(idle_stop={"idle_minutes": 2000}), "dsvm:idle_stop.idle_minutes",
     "set idle_minutes to e.g. 60"),
    ("cpu threshold 120", team_values(idle_stop={"cpu_percent": 120}), "dsvm:idle_stop.cpu_percent",
     "120 is not a percentage: give 0-100"),
    ("gpu threshold -1", team_values(idle_stop={"gpu_percent": -1}), "dsvm:idle_stop.gpu_percent", "give 0-100"),
    ("warning after the stop", team_values(idle_stop={"idle_minutes": 15, "warn_minutes": 15}),
     "dsvm:idle_stop.warn_minutes", "set warn_minutes below idle_minutes"),
    ("no active hours", team_values(idle_stop={"active_hours_per_week": 0}), "dsvm:idle_stop.active_hours_per_week",
     "more than 0 and at most 168"),
    ("member's idle minutes", team_values(members=[{"username": "alice", "ssh_public_key": ssh_key("alice"),
                                                    "idle_stop": {"idle_minutes": 5}}]),
     "dsvm:members[0].idle_stop.idle_minutes", "outside 15-1440"),
    ("member's warning after its stop", team_values(
        idle_stop={"warn_minutes": 20},
        members=[{"username": "alice", "ssh_public_key": ssh_key("alice"), "idle_stop": {"idle_minutes": 20}}]),
     "dsvm:members[0].idle_stop.idle_minutes", "the warning (20 min) must come before the stop (20 idle minutes)"),
    ("rig's threshold", gpu_values(rigs=[{**RIG, "idle_stop": {"gpu_percent": 101}}]),
     "dsvm:rigs[0].idle_stop.gpu_percent", "0-100"),
    ("budget without contact", team_values(owner="data-platform", budget={"amount": 500}), "dsvm:budget.contacts",
     "dsvm:owner 'data-platform' is not an e-mail address; list at least one address in budget.contacts"),
    ("budget of 0", team_values(budget={"amount": 0}), "dsvm:budget.amount", "more than 0"),
    ("budget without amount", team_values(budget={"contacts": ["a@contoso.com"]}), "dsvm:budget.amount", "required"),
    ("contact not an address", team_values(budget={"amount": 5, "contacts": ["finops"]}), "dsvm:budget.contacts",
     "'finops' is not an e-mail address"),
    ("start mid-month", team_values(budget={"amount": 5, "start_date": "2026-12-15"}), "dsvm:budget.start_date",
     "not the first of a month"),
]  # fmt: skip


@pytest.mark.parametrize(("values", "path", "fragment"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_with_path_rule_and_fix(values: dict[str, Any], path: str, fragment: str) -> None:
    found = problems(values)
    at_path = [message for where, message in found if where == path]
    assert at_path and any(fragment in m for m in at_path), found


def test_defaults_idle_stop_on_no_budget() -> None:
    config = parse_config(team_values())
    assert config.idle_stop.enabled and config.idle_stop.idle_minutes == 60 and config.idle_stop.warn_minutes == 10
    assert config.idle_stop.active_hours_per_week == 25 and config.budget is None
    rig = parse_config(gpu_values())
    assert rig.idle_stop.enabled and rig.idle_stop_overrides() == [("rigs[0]", None)]


def test_a_member_opts_out_or_overrides_key_by_key() -> None:
    members = [{"username": "alice", "ssh_public_key": ssh_key("alice"), "idle_stop": False},
               {"username": "bob", "ssh_public_key": ssh_key("bob"), "idle_stop": {"idle_minutes": 120}},
               {"username": "carol", "ssh_public_key": ssh_key("carol"), "leaving": True, "idle_stop": True}]
    config = parse_config(team_values(idle_stop={"warn_minutes": 5}, members=members))
    alice, bob, _ = (config.idle_stop.merged(m.idle_stop) for m in config.members)
    assert not alice.enabled
    assert (bob.enabled, bob.idle_minutes, bob.warn_minutes) == (True, 120, 5)  # the stack's warning
    assert [path for path, _ in config.idle_stop_overrides()] == ["members[0]", "members[1]"]  # leaving: no VM


def test_the_stack_may_switch_it_off_and_a_member_back_on() -> None:
    members = [{"username": "alice", "ssh_public_key": ssh_key("alice"), "idle_stop": {"enabled": True}}]
    config = parse_config(team_values(idle_stop={"enabled": False}, members=members))
    assert config.idle_stop.merged(config.members[0].idle_stop).enabled


def test_budget_contacts_are_the_owner_and_the_list_each_once() -> None:
    from stacks.config.idle_stop import budget_contacts

    config = parse_config(team_values(budget={"amount": 500, "contacts": ["FinOps@contoso.com",
                                                                        "data-platform@contoso.com"]}))
    assert config.budget is not None
    assert budget_contacts(config.owner, config.budget) == ["data-platform@contoso.com", "FinOps@contoso.com"]
    team_owner = parse_config(team_values(owner="data-platform", budget={"amount": 5, "contacts": ["a@b.io"]}))
    assert team_owner.budget is not None and budget_contacts(team_owner.owner, team_owner.budget) == ["a@b.io"]
    # Offline, a `secure:` owner is opaque: it may well be an address (pulumi up sees the real value).
    assert parse_config(team_values(owner="[secret]", budget={"amount": 5})).budget is not None
