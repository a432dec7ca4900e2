"""What the cost controls do to the estimate: idle stop's saving, and the budget against the estimate.

``idle_stop_summary`` totals the lines of the VMs with idle stop (``costs.hours``): their expected
hours against the hours their schedules alone would bill, what each costs, the saving, and the
shares of the always-on figures (the VMs' compute, and the whole stack, whose disks, Bastion,
public IPs and storage bill whether a VM runs or not). ``budget_check`` compares a plan's budget
(``azure-native:consumption:Budget``, free) with the estimate: below the estimate its alerts would
fire every month; the suggestion is the estimate plus ``BUDGET_HEADROOM``, rounded up to $10, which
keeps the estimate under the 80 % alert.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from azurefacts.paths import get_path
from azurefacts.resource_types import BUDGET
from costs.estimate import Line

BUDGET_HEADROOM = 0.30
FIRST_ALERT = 0.80  # the program's first budget alert: 80 % of the amount, actual


def idle_stop_summary(lines: Sequence[Line], cost: Mapping[str, Any]) -> dict[str, Any] | None:
    """Totals of the lines billed with idle stop, or None when no VM has it."""
    idle = [line for line in lines if line.scheduled_monthly is not None and line.hours is not None]
    if not idle:
        return None
    monthly = sum(line.monthly for line in idle)
    scheduled = sum(line.scheduled_monthly or 0.0 for line in idle)
    always_on = sum(line.always_on_monthly for line in idle)
    weekly = sorted({line.hours.active_per_week for line in idle if line.hours and line.hours.active_per_week})
    return {
        "vms": len(idle),
        "activeHoursPerWeek": weekly,
        "expectedHours": round(sum(line.hours.expected for line in idle if line.hours), 1),
        "scheduledHours": round(sum(line.hours.scheduled or 0.0 for line in idle if line.hours), 1),
        "monthly": round(monthly, 2),
        "scheduledMonthly": round(scheduled, 2),
        "alwaysOnMonthly": round(always_on, 2),
        "saving": round(scheduled - monthly, 2),
        "computeShareOfAlwaysOn": round(monthly / always_on, 4) if always_on else 0.0,
        "stackShareOfAlwaysOn": round(cost["monthly"] / cost["alwaysOnMonthly"], 4) if cost["alwaysOnMonthly"] else 0.0,
    }


def suggested_budget(monthly: float) -> float:
    """The estimate plus the headroom, rounded up to $10."""
    return float(math.ceil(monthly * (1 + BUDGET_HEADROOM) / 10) * 10)


def budget_check(resources: Sequence[Mapping[str, Any]], monthly: float) -> dict[str, Any] | None:
    """The plan's budget against the estimate (None without a budget), with a warning when it is too low."""
    budget = next((r for r in resources if r.get("type") == BUDGET), None)
    amount = get_path(budget, "inputs.amount") if budget is not None else None
    if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
        return None
    suggested = suggested_budget(monthly)
    result: dict[str, Any] = {"amount": float(amount), "estimate": monthly, "share": round(monthly / amount, 4),
                              "suggested": suggested}  # fmt: skip
    if monthly > amount:
        result["warning"] = (
            f"dsvm:budget.amount {amount:g} is below the estimated ${monthly:,.2f}/month: its alerts would fire every "
            f"month; set it to about {suggested:g} (the estimate plus {BUDGET_HEADROOM:.0%})"
        )
    elif monthly > FIRST_ALERT * amount:
        result["warning"] = (
            f"the estimated ${monthly:,.2f}/month is {monthly / amount:.0%} of dsvm:budget.amount {amount:g}: the "
            f"{FIRST_ALERT:.0%} alert would fire in an ordinary month; set it to about {suggested:g}"
        )
    return result


def _money(value: float) -> str:
    return f"${value:,.0f}"


def summary_text(cost: Mapping[str, Any]) -> list[str]:
    """Sentences for the plan and the PR comment: idle stop's effect, the whole stack, the budget."""
    sentences = []
    idle = cost.get("idleStop")
    if idle:
        weekly = " or ".join(f"{h:g}" for h in idle.get("activeHoursPerWeek") or []) or "no"
        sentences.append(
            f"Idle stop on {idle['vms']} VM(s), assuming {weekly} active h/week each: {idle['expectedHours']:,.0f} "
            f"VM-hours/month expected instead of {idle['scheduledHours']:,.0f} scheduled; VM compute "
            f"{_money(idle['monthly'])}/month instead of {_money(idle['scheduledMonthly'])} (saving "
            f"{_money(idle['saving'])}/month), {idle['computeShareOfAlwaysOn']:.0%} of its always-on "
            f"{_money(idle['alwaysOnMonthly'])}."
        )
        sentences.append(
            f"Whole stack: {_money(cost['monthly'])}/month, {idle['stackShareOfAlwaysOn']:.0%} of always-on "
            f"{_money(cost['alwaysOnMonthly'])}: disks, Bastion, public IPs and storage bill whether the VMs run "
            "or not (docs/COSTS.md)."
        )
    budget = cost.get("budget")
    if budget:
        sentences.append(
            f"Budget: {_money(budget['amount'])}/month on the resource group; the estimate is {budget['share']:.0%} "
            "of it (e-mail alerts at 80% and 100% actual, 110% forecast)."
        )
    return sentences
