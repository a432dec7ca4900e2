"""costs with idle stop: active hours instead of scheduled ones, the saving, and the budget against the estimate."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from costs.controls import budget_check, suggested_budget, summary_text
from costs.hours import HOURS_PER_MONTH, IDLE_CHECK_MINUTES, WEEKS_PER_MONTH, WORKDAYS_PER_MONTH
from tests.costs.test_estimate import estimate, res, schedule, vm

COMPONENT = "urn:pulumi:test::dsvm::dsvm:components:Workstation::alice"
HOURLY = 0.192  # the literal book's Standard_D4s_v5 Linux price
SCHEDULED = (19 - 8) * 22  # 242 h: 08:00 to the 19:00 auto-shutdown, 22 workdays


def idle_vm(active: float | None = 25, idle_minutes: int = 60, enabled: bool = True) -> list[dict[str, Any]]:
    """A VM with idle stop in its userData, under a component that states the active-hours assumption."""
    machine = vm()
    machine["parent"] = COMPONENT
    settings = {"idle_stop": {"enabled": enabled, "idle_minutes": idle_minutes, "warn_minutes": 10}}
    machine["inputs"]["userData"] = base64.b64encode(json.dumps(settings).encode()).decode()
    component = {"urn": COMPONENT, "type": "dsvm:components:Workstation", "name": "alice",
                 "inputs": {} if active is None else {"activeHoursPerWeek": active}}
    return [component, machine]


def compute_line(cost: dict[str, Any]) -> dict[str, Any]:
    (line,) = [line for line in cost["lines"] if line["item"].endswith(" VM")]
    return line


def test_the_active_hours_line() -> None:
    resources = idle_vm()
    cost = estimate([*resources, schedule(resources[1])])
    expected = 25 * 52 / 12 + WORKDAYS_PER_MONTH * (60 + IDLE_CHECK_MINUTES) / 60  # 108.33 + 23.83 = 132.17 h
    line = compute_line(cost)
    assert line["monthly"] == pytest.approx(HOURLY * expected, abs=0.005)
    assert line["scheduledMonthly"] == pytest.approx(HOURLY * SCHEDULED, abs=0.005)
    assert line["alwaysOnMonthly"] == pytest.approx(HOURLY * HOURS_PER_MONTH, abs=0.005)
    assert line["hours"] == {"expected": pytest.approx(expected, abs=0.01), "scheduled": SCHEDULED}
    assert "idle stop: 132.2 h/month = 25 active h/week" in line["note"]
    assert "scheduled alone: 242 h/month" in line["note"]
    idle = cost["idleStop"]
    assert idle["vms"] == 1 and idle["activeHoursPerWeek"] == [25.0]
    assert idle["expectedHours"] == pytest.approx(expected, abs=0.1) and idle["scheduledHours"] == SCHEDULED
    assert idle["saving"] == pytest.approx(HOURLY * (SCHEDULED - expected), abs=0.01)
    assert idle["computeShareOfAlwaysOn"] == pytest.approx(expected / HOURS_PER_MONTH, abs=0.001)
    assert cost["monthly"] < idle["scheduledMonthly"] + (cost["monthly"] - idle["monthly"]) + 0.01


def test_idle_minutes_lengthen_the_tail_after_each_session() -> None:
    short, long = (compute_line(estimate(idle_vm(idle_minutes=m)))["monthly"] for m in (15, 120))
    assert long - short == pytest.approx(HOURLY * WORKDAYS_PER_MONTH * (120 - 15) / 60, abs=0.01)


def test_the_schedule_caps_the_expected_hours() -> None:
    resources = idle_vm(active=60)  # 260 h of work a month: more than the 242 scheduled
    line = compute_line(estimate([*resources, schedule(resources[1])]))
    assert line["monthly"] == line["scheduledMonthly"] == pytest.approx(HOURLY * SCHEDULED, abs=0.005)


def test_without_a_schedule_idle_stop_alone_stops_the_vm() -> None:
    line = compute_line(estimate(idle_vm()))
    assert line["hours"]["scheduled"] == HOURS_PER_MONTH
    assert line["monthly"] == pytest.approx(HOURLY * (25 * WEEKS_PER_MONTH + 22 * 65 / 60), abs=0.005)


def test_without_the_assumption_the_vm_bills_its_scheduled_hours() -> None:
    resources = idle_vm(active=None)
    line = compute_line(estimate([*resources, schedule(resources[1])]))
    assert line["monthly"] == pytest.approx(HOURLY * SCHEDULED, abs=0.005)
    assert "no active-hours assumption: billed as scheduled" in line["note"]


def test_idle_stop_switched_off_in_user_data_is_no_idle_stop() -> None:
    resources = idle_vm(enabled=False)
    cost = estimate([*resources, schedule(resources[1])])
    assert "scheduledMonthly" not in compute_line(cost) and "idleStop" not in cost
    assert compute_line(cost)["monthly"] == pytest.approx(HOURLY * SCHEDULED, abs=0.005)


def budget(amount: float) -> dict[str, Any]:
    return res("azure-native:consumption:Budget", "dsvm-test-budget", "Microsoft.Consumption/budgets",
               {"amount": amount, "timeGrain": "Monthly"})


@pytest.mark.parametrize(("amount", "fragment"), [
    (100, "is below the estimated $130.00/month"),
    (150, "is 87% of dsvm:budget.amount 150: the 80% alert would fire"),
    (200, None),
])
def test_budget_against_the_estimate(amount: float, fragment: str | None) -> None:
    check = budget_check([budget(amount)], 130.0)
    assert check is not None and check["amount"] == amount and check["suggested"] == 170  # 130 x 1.3 = 169 -> 170
    if fragment is None:
        assert "warning" not in check
    else:
        assert fragment in check["warning"] and "about 170" in check["warning"]


def test_budgets_are_free_and_warn_in_the_estimate() -> None:
    resources = idle_vm()
    cost = estimate([*resources, schedule(resources[1]), budget(10)])
    assert not [line for line in cost["lines"] if line["type"] == "azure-native:consumption:Budget"]
    assert cost["budget"]["amount"] == 10 and "below the estimated" in cost["warnings"][0]
    assert suggested_budget(0.0) == 0.0 and budget_check([], 100.0) is None


def test_the_dev_stack_meets_the_issue_with_its_compute(dev_plan: dict[str, Any]) -> None:
    """The acceptance figure: the default team stack's VMs, at 25 active h/week, cost at most 35 % of always-on.

    The whole stack cannot: its disks, Bastion, public IP and storage bill whether the VMs run or not."""
    cost = dev_plan["cost"]
    idle = cost["idleStop"]
    assert idle["vms"] == 2 and idle["activeHoursPerWeek"] == [25.0]
    assert idle["computeShareOfAlwaysOn"] <= 0.35
    assert idle["monthly"] < idle["scheduledMonthly"] < idle["alwaysOnMonthly"]
    assert cost["budget"]["amount"] == 530 and "warnings" not in cost  # the estimate plus 30 %: no warning
    text = " ".join(summary_text(cost))
    assert f"{idle['computeShareOfAlwaysOn']:.0%} of its always-on" in text
    assert f"{idle['stackShareOfAlwaysOn']:.0%} of always-on" in text and "Budget: $530/month" in text
