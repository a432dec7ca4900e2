"""The monthly cost estimate of a plan's resources, and the delta between two estimates.

``estimate(plan["resources"])`` returns the plan document's ``cost`` field::

    {"currency": "USD", "monthly": float, "alwaysOnMonthly": float,
     "prices": {"readOn": "YYYY-MM-DD", "source": "...", "confirmed": bool},
     "lines": [{"urn", "name", "type", "item", "monthly", "alwaysOnMonthly", "note"}]}

``monthly`` bills what runs per hour for its expected running hours
(``costs.hours``); ``alwaysOnMonthly`` bills it ``HOURS_PER_MONTH`` hours.
Everything else bills always, running VM or not, and is the same in both
figures: a stopped (deallocated) VM still pays for its disks. The billing rule
of each type is in ``costs.pricers``.

Disk backups bill their incremental snapshots on an assumed fill and daily change
(``costs/backups.py``). Not modelled: reservations, savings plans, Azure Hybrid Benefit, spot prices,
snapshots other than the backups', transactions, storage transactions and egress, Bastion
outbound data, bandwidth. An existing disk attached by id is not one of the
plan's resources and has no line.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from azurefacts.prices import PriceBook, shipped
from costs.hours import Hours, Schedules

CURRENCY = "USD"

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class Line:
    """One cost line: what bills, on which resource, per month (unrounded)."""

    resource: Resource
    item: str
    monthly: float
    always_on_monthly: float
    note: str
    # Billed per running hour with idle stop: what the schedule alone would bill, and the hours.
    scheduled_monthly: float | None = None
    hours: Hours | None = None

    def to_json(self) -> dict[str, Any]:
        document = {
            "urn": self.resource.get("urn"),
            "name": self.resource.get("name"),
            "type": self.resource.get("type"),
            "item": self.item,
            "monthly": round(self.monthly, 2),
            "alwaysOnMonthly": round(self.always_on_monthly, 2),
            "note": self.note,
        }
        if self.scheduled_monthly is not None and self.hours is not None and self.hours.scheduled is not None:
            document.update(
                scheduledMonthly=round(self.scheduled_monthly, 2),
                hours={"expected": round(self.hours.expected, 2), "scheduled": self.hours.scheduled},
            )
        return document


@dataclass(frozen=True)
class Context:
    """What a pricer may look at besides its resource: the prices, the plan's schedules, and the plan's resources
    by (lower-cased) ARM id (a backup instance's disk and policy)."""

    prices: PriceBook
    schedules: Schedules
    by_id: Mapping[str, Resource] = field(default_factory=dict)


def estimate(resources: Sequence[Resource], prices: PriceBook | None = None) -> dict[str, Any]:
    """The monthly cost of the plan's resources; see the module docstring for the model.

    Totals add the unrounded lines and are rounded once; every figure has 2 decimals.
    """
    from costs.pricers import lines_of

    book = prices or shipped()
    if book.currency != CURRENCY:
        raise ValueError(f"the price snapshot is in {book.currency}, the estimate in {CURRENCY}")
    context = _context(resources, book)
    lines = [line for resource in resources for line in lines_of(resource, context)]
    document: dict[str, Any] = {
        "currency": CURRENCY,
        "monthly": round(sum(line.monthly for line in lines), 2),
        "alwaysOnMonthly": round(sum(line.always_on_monthly for line in lines), 2),
        "prices": {
            "readOn": book.oldest_read_on,
            "source": "; ".join(book.sources[k] for k in sorted(book.sources)),
            "confirmed": book.confirmed,
        },
        "lines": [line.to_json() for line in lines],
    }
    from costs.controls import budget_check, idle_stop_summary

    idle = idle_stop_summary(lines, document)
    if idle is not None:  # only stacks with idle stop: other plans keep their shape
        document["idleStop"] = idle
    budget = budget_check(resources, document["monthly"])
    if budget is not None:
        document["budget"] = budget
        if budget.get("warning"):
            document["warnings"] = [budget["warning"]]
    return document


def totals(resources: Sequence[Resource], prices: PriceBook | None = None) -> tuple[float, float]:
    """``(monthly, alwaysOnMonthly)`` of the resources, unrounded (what ``estimate`` rounds once): for sums
    and differences of plans that must not carry a rounding per plan."""
    from costs.pricers import lines_of

    context = _context(resources, prices or shipped())
    lines = [line for resource in resources for line in lines_of(resource, context)]
    return sum(line.monthly for line in lines), sum(line.always_on_monthly for line in lines)


def _context(resources: Sequence[Resource], book: PriceBook) -> Context:
    """The pricers' context of a plan: ``totals`` prices what ``estimate`` prices (the backups need ``by_id``)."""
    return Context(book, Schedules(resources), {str(r["id"]).lower(): r for r in resources if r.get("id")})


def delta(base: Mapping[str, Any], head: Mapping[str, Any]) -> dict[str, Any]:
    """``head - base`` of two estimates; a missing or null figure (no such stack yet) counts as 0."""
    for cost in (base, head):
        if cost.get("currency", CURRENCY) != CURRENCY:
            raise ValueError(f"cannot compare a {cost.get('currency')} estimate with {CURRENCY}")

    def diff(key: str) -> float:
        return round(float(head.get(key) or 0.0) - float(base.get(key) or 0.0), 2)

    return {"monthly": diff("monthly"), "alwaysOnMonthly": diff("alwaysOnMonthly")}
