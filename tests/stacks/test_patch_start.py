"""The start of the deallocated workstations before the patch window (components/patch_start.py, stacks/patching.py,
stacks/config/patching.py): when the Logic App fires in the stack's time zone, which VMs it may start (and nothing
else), the idle watcher's hold from the start, what config refuses, the opt-out, and a deployed stack's diff."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from azurefacts.patching import Window
from azurefacts.subscription_roles import VM_PATCH_START, role_guid
from components.patch_start import recurrence
from fakeazure import FakeAzure
from fakeazure.providers.logic import starts
from stacks.config import ConfigError, parse_config
from tests.helpers import Project, changed, of_type, one, ssh_key, team_values

WORKFLOW = "azure-native:logic:Workflow"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
VM = "azure-native:compute:VirtualMachine"
WEST_EUROPE = "W. Europe Standard Time"


@pytest.mark.parametrize(("day", "start", "lead", "fires"), [
    ("Saturday", 120, 30, ("Saturday", 1, 30)),  # the default: Saturday 02:00, started 01:30
    ("Monday", 15, 30, ("Sunday", 23, 45)),  # a window at 00:xx: the start falls on the day before
    ("Monday", 0, 15, ("Sunday", 23, 45)),
    ("Sunday", 10, 120, ("Saturday", 22, 10)),
    ("Wednesday", 1320, 120, ("Wednesday", 20, 0)),
])  # fmt: skip
def test_the_recurrence_fires_the_lead_before_the_window_in_the_stacks_time_zone(
    day: str, start: int, lead: int, fires: tuple[str, int, int]
) -> None:
    started = Window(day, start, 180).earlier(lead)
    assert started.minutes == 180 + lead
    found = recurrence(started, WEST_EUROPE)
    assert (found["schedule"]["weekDays"], found["schedule"]["hours"], found["schedule"]["minutes"]) == (
        [fires[0]], [fires[1]], [fires[2]])
    assert (found["frequency"], found["interval"], found["timeZone"]) == ("Week", 1, WEST_EUROPE)
    assert found["startTime"] < "2025"  # in the past: a deployment never starts the fleet at once


def test_a_window_at_midnight_starts_the_vms_the_evening_before(run_stack: Any) -> None:
    run = run_stack(team_values(patching={"day": "Monday", "start": "0015"},
                                auto_shutdown={"time": "1900", "time_zone": "Pacific Standard Time"}))  # fmt: skip
    (flow,) = of_type(run, WORKFLOW)
    trigger = flow.inputs["definition"]["triggers"]["Before_the_patch_window"]["recurrence"]
    assert trigger["schedule"] == {"weekDays": ["Sunday"], "hours": [23], "minutes": [45]}
    assert trigger["timeZone"] == "Pacific Standard Time"


def test_the_workflow_starts_every_vm_of_the_stack_and_may_start_nothing_else(
    run_stack: Any, fake_azure: FakeAzure
) -> None:
    members = [{"username": "alice", "ssh_public_key": ssh_key("alice")},
               {"username": "bob", "ssh_public_key": ssh_key("bob")},
               {"username": "carol", "ssh_public_key": ssh_key("carol"), "leaving": True}]  # fmt: skip
    run = run_stack(team_values(members=members))
    (flow,) = of_type(run, WORKFLOW)
    vms = {vm.name: vm.id for vm in of_type(run, VM)}
    assert sorted(vms) == ["alice-vm", "bob-vm"]  # carol is leaving: no VM, not started
    assert flow.inputs["parameters"]["vmIds"]["value"] == [vms["alice-vm"], vms["bob-vm"]]
    assert flow.inputs["identity"] == {"type": "SystemAssigned"} and flow.inputs["state"] == "Enabled"
    call = flow.inputs["definition"]["actions"]["Start_each_VM"]["actions"]["Start_VM"]
    assert call["inputs"]["method"] == "POST" and "/start?api-version=" in call["inputs"]["uri"]
    assert call["inputs"]["authentication"] == {"type": "ManagedServiceIdentity",
                                                "audience": "https://management.azure.com/"}  # fmt: skip
    principal = flow.outputs["identity"]["principalId"]
    granted = [r for r in of_type(run, ROLE_ASSIGNMENT) if r.inputs["principalId"] == principal]
    # One assignment per VM, on that VM only, of the role that reads and starts a VM and nothing else.
    assert sorted(r.inputs["scope"] for r in granted) == sorted(vms.values())
    guid = role_guid(fake_azure.subscription_id, VM_PATCH_START)
    assert {r.inputs["roleDefinitionId"].rsplit("/", 1)[1] for r in granted} == {guid}
    assert {r.inputs["principalType"] for r in granted} == {"ServicePrincipal"}
    assert VM_PATCH_START.actions == ("Microsoft.Compute/virtualMachines/start/action",
                                      "Microsoft.Compute/virtualMachines/read")  # fmt: skip
    assert sorted(starts(fake_azure, fake_azure.get(flow.id))) == sorted(vms.values())  # type: ignore[arg-type]
    assert run.outputs["patching"]["start"] == (
        "the stopped workstations are started Saturday 01:30 and deallocated by idle stop after it")


def test_the_idle_watcher_holds_off_from_the_start_to_the_windows_end(run_stack: Any) -> None:
    """Saturday 01:15-05:00 in New York (started 45 minutes early): 05:15-09:00 UTC in summer, 06:15-10:00 in winter."""
    run = run_stack(team_values(patching={"start_lead_minutes": 45},
                                auto_shutdown={"time_zone": "Eastern Standard Time"}))  # fmt: skip
    settings = json.loads(base64.b64decode(one(run, VM, "alice-vm").inputs["userData"]))["idle_stop"]
    saturday = 5 * 1440
    assert settings["patch_windows"] == [[saturday + 315, saturday + 540], [saturday + 375, saturday + 600]]


def test_opting_out_removes_the_workflow_its_roles_and_the_early_hold(run_stack: Any) -> None:
    run = run_stack(team_values(patching={"start_stopped_vms": False}, auto_shutdown={"time_zone": "UTC"}))
    assert not of_type(run, WORKFLOW) and not [r for r in of_type(run, ROLE_ASSIGNMENT) if "patch-start" in r.name]
    assert not [r for r in run.records if r.type == "dsvm:components:PatchStart"]
    settings = json.loads(base64.b64decode(one(run, VM, "alice-vm").inputs["userData"]))["idle_stop"]
    assert settings["patch_windows"] == [[5 * 1440 + 120, 5 * 1440 + 300]]  # the window only
    assert run.outputs["patching"]["start"] is None
    config = parse_config(team_values(patching={"start_stopped_vms": False}))
    (stopped,) = [w for w in config.warnings() if "patched only while it runs" in w]
    assert "start_stopped_vms is false" in stopped


def test_without_idle_stop_the_plan_says_the_started_vms_run_until_auto_shutdown() -> None:
    config = parse_config(team_values(idle_stop={"enabled": False}, auto_shutdown={"time": "2000"}))
    (warning,) = [w for w in config.warnings() if "run until auto-shutdown" in w]
    assert "at 20:00" in warning and "turn idle_stop on" in warning
    assert not [w for w in parse_config(team_values()).warnings() if "patched only while it runs" in w]


@pytest.mark.parametrize(("patching", "shutdown", "path", "words"), [
    ({"start_lead_minutes": 5}, {}, "patching.start_lead_minutes", "outside 15-120"),
    ({"start_lead_minutes": 240}, {}, "patching.start_lead_minutes", "every minute more is paid"),
    ({}, {"time": "0300"}, "auto_shutdown.time", "falls in the patch window (Saturday 01:30 to 05:00"),
    ({}, {"time": "0140"}, "auto_shutdown.time", "would deallocate the VMs being patched"),
    ({"start_stopped_vms": False}, {"time": "0230"}, "auto_shutdown.time", "(Saturday 02:00 to 05:00"),
])  # fmt: skip
def test_config_refuses_a_lead_out_of_bounds_and_a_shutdown_inside_the_window(
    patching: dict[str, Any], shutdown: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(patching=patching, auto_shutdown=shutdown))
    ((where, message),) = error.value.problems
    assert where == f"dsvm:{path}" and words in message, message


def test_a_shutdown_just_before_the_start_is_taken() -> None:
    parse_config(team_values(auto_shutdown={"time": "0125"}))  # deallocated at 01:25, started at 01:30


def test_a_gpu_rig_stack_starts_its_rigs() -> None:
    from dsvmctl.plan import make_plan
    from tests.helpers import ROOT

    plan = make_plan(ROOT, "gpu").to_json()
    (flow,) = [r for r in plan["resources"] if r["type"] == WORKFLOW]
    assert [v.rsplit("/", 1)[1] for v in flow["inputs"]["parameters"]["vmIds"]["value"]] == ["vision-vm"]
    roles = [r["name"] for r in plan["resources"] if r["name"].endswith("-patch-start-role")]
    assert roles == ["vision-patch-start-role"]


def test_turning_the_start_on_for_a_deployed_stack_creates_and_replaces_nothing_else(project: Project) -> None:
    project.config["dsvm:patching"] = {"start_stopped_vms": False}
    project.write()
    assert project.run("up")[0] == 0
    project.config["dsvm:patching"] = {}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    moves = {n: (r["change"], r["changedProperties"] if r["change"] == "update" else "")
             for n, r in changed(document).items() if not r["type"].startswith("dsvm:")}  # fmt: skip
    assert moves == {
        "dsvm-dev-patch-start": ("create", ""),
        "alice-vm": ("update", ["userData"]), "alice-patch-start-role": ("create", ""),  # the watcher's earlier hold
        "bob-vm": ("update", ["userData"]), "bob-patch-start-role": ("create", ""),
    }
    assert document["changes"]["replace"] == 0
    (flow,) = [r for r in document["resources"] if r["type"] == WORKFLOW]
    assert flow["inputs"]["state"] == "Enabled"
    assert project.run("up")[0] == 0 and not changed(project.diff()[1])
