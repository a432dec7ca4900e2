"""What the weekly start before the patch window costs (costs/hours.py, costs/pricers.py): the started VM's extra
hours with idle stop, without it (until auto-shutdown), on a workday, and the Logic App's executions."""

from __future__ import annotations

from typing import Any

import pytest

from azurefacts.patching import Window
from components.patch_start import definition
from costs.hours import HOURS_PER_MONTH, IDLE_CHECK_MINUTES, WEEKS_PER_MONTH, WORKDAYS_PER_MONTH
from tests.costs.test_estimate import estimate, res, schedule, vm
from tests.costs.test_idle_stop_cost import HOURLY, SCHEDULED, compute_line, idle_vm

STARTER = "urn:pulumi:test::dsvm::dsvm:components:PatchStart::dsvm-test-patch-start"


SATURDAY = Window("Saturday", 90, 210)


def starter(vm_ids: list[str], started: Window = SATURDAY) -> list[dict[str, Any]]:
    """The start workflow of ``vm_ids`` (started 01:30 Saturday to the window's end at 05:00) and its component."""
    component = {"urn": STARTER, "type": "dsvm:components:PatchStart", "name": "dsvm-test-patch-start",
                 "inputs": {"startedMinutesPerRun": started.minutes}}  # fmt: skip
    flow = res("azure-native:logic:Workflow", "dsvm-test-patch-start", "Microsoft.Logic/workflows", {
        "definition": definition(started, "UTC"), "parameters": {"vmIds": {"value": vm_ids}}})  # fmt: skip
    flow["parent"] = STARTER
    return [component, flow]


def test_with_idle_stop_a_started_vm_adds_the_run_and_the_idle_tail_each_week() -> None:
    resources = idle_vm()
    before = compute_line(estimate([*resources, schedule(resources[1])]))
    line = compute_line(estimate([*resources, schedule(resources[1]), *starter([resources[1]["id"]])]))
    extra = (210 + 60 + IDLE_CHECK_MINUTES) / 60 * WEEKS_PER_MONTH  # 4.58 h a week: 19.9 h a month
    assert line["hours"]["expected"] == pytest.approx(before["hours"]["expected"] + extra, abs=0.01)
    assert line["monthly"] - before["monthly"] == pytest.approx(HOURLY * extra, abs=0.01)
    note = "patch start: + 19.9 h/month, started Saturday 01:30 for the window (210 min) + 60+5 idle min"
    assert note in line["note"]


def test_without_idle_stop_a_started_vm_runs_until_auto_shutdown() -> None:
    machine = vm()
    line = compute_line(estimate([machine, schedule(machine, "1900"), *starter([machine["id"]])]))
    extra = (19 * 60 - 90) / 60 * WEEKS_PER_MONTH  # Saturday 01:30 to 19:00: 17.5 h a week
    assert line["monthly"] == pytest.approx(HOURLY * (SCHEDULED + extra), abs=0.01)
    assert "patch start: + 75.8 h/month" in line["note"] and "until auto-shutdown" in line["note"]


def test_a_workday_start_adds_only_the_hours_before_the_workday_counted() -> None:
    machine = vm()
    started = Window("Wednesday", 90, 150)  # Wednesday 02:00-04:00, started 01:30
    line = compute_line(estimate([machine, schedule(machine, "1900"), *starter([machine["id"]], started)]))
    extra = (8 * 60 - 90) / 60 * WEEKS_PER_MONTH  # 01:30 to 08:00; from 08:00 the workday is counted already
    assert line["monthly"] == pytest.approx(HOURLY * (SCHEDULED + extra), abs=0.01)


def test_an_always_on_vm_and_a_vm_the_workflow_does_not_list_cost_the_same() -> None:
    machine = vm()
    always = compute_line(estimate([machine, *starter([machine["id"]])]))
    assert always["monthly"] == pytest.approx(HOURLY * HOURS_PER_MONTH, abs=0.01)
    listed = compute_line(estimate([machine, schedule(machine), *starter(["/subscriptions/x/other-vm"])]))
    assert listed["monthly"] == pytest.approx(HOURLY * SCHEDULED, abs=0.01) and "patch start" not in listed["note"]


def test_the_logic_app_bills_its_weekly_executions() -> None:
    machines = [vm(f"{n}-vm") for n in ("alice", "bob", "carol")]
    cost = estimate([*machines, *starter([m["id"] for m in machines])])
    (line,) = [line for line in cost["lines"] if line["type"] == "azure-native:logic:Workflow"]
    executions = (2 + 3) * WEEKS_PER_MONTH  # trigger, loop, one call per VM; weekly: $0.0005, shown as 0.0
    assert executions * 0.000025 < 0.001 and line["monthly"] == pytest.approx(0.0, abs=0.005)
    assert "22 executions/month (weekly run) x $0.000025" in line["note"] and "Logic Apps pricing" in line["note"]
    assert WORKDAYS_PER_MONTH == 22  # the workday assumption the weekly run is added to is unchanged
