"""Microsoft.Consumption: cost budgets.

Emulated (Microsoft Learn, 'Budgets - Create Or Update', API 2024-08-01, and its request
schema; every refusal answers ``BadRequest``, a code not confirmed, see errors.py):
- the scope is a subscription or a resource in this subscription that exists (a resource group
  here) (``ResourceNotFound``); the id is ``{scope}/providers/Microsoft.Consumption/budgets/{name}``;
- ``amount`` more than 0; ``category`` ``Cost`` (usage budgets are retired); ``timeGrain`` one of
  ``Monthly``, ``Quarterly``, ``Annually`` (the ``Billing*`` grains are for web-direct accounts only);
- ``timePeriod.startDate`` on the first of a month and not before 2017-06-01, ``endDate`` (if
  any) after it;
- when the budget is created: a start no earlier than the first of the current month ("past start
  date should be selected within the timegrain period") and no more than twelve months ahead
  ("future start date should not be more than twelve months"); "today" is the product's clock
  (``azurefacts.clock``), the UTC day;
- a start date is never changed on an existing budget (``PropertyChangeNotAllowed``; not
  confirmed by Microsoft's reference, reported by users of the API and of Bicep modules, who
  delete the budget to move its start);
- at most 5 notifications; each with a threshold of 0-1000 (percent), an operator
  (``EqualTo``, ``GreaterThan``, ``GreaterThanOrEqualTo``), a threshold type (``Actual``,
  ``Forecasted``) and at least one contact e-mail (at subscription and resource-group scope a
  contact group would do; the program never uses one).

Not emulated: filters, e-mails being sent, spending, cost data.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, Any

from azurefacts import clock
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

MAX_NOTIFICATIONS = 5
TIME_GRAINS = {"Monthly", "Quarterly", "Annually"}
OPERATORS = {"EqualTo", "GreaterThan", "GreaterThanOrEqualTo"}
THRESHOLD_TYPES = {"Actual", "Forecasted"}
EARLIEST_START = "2017-06-01"
MAX_MONTHS_AHEAD = 12
START = "timePeriod.startDate"
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?Z?)?$")


class Budget(ResourceType):
    token = "azure-native:consumption:Budget"

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return f"{inputs.get('scope', '')}/providers/{self.arm_type}/{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        scope = str(inputs.get("scope", ""))
        if scope.rstrip("/").lower() != f"/subscriptions/{az.subscription_id}".lower():
            az.require(scope, "scope", code=errors.resource_not_found)
        amount = inputs.get("amount")
        if not isinstance(amount, int | float) or isinstance(amount, bool) or amount <= 0:
            raise errors.budget_invalid(f"The budget amount must be greater than 0 (got {amount!r}).", "amount")
        if inputs.get("category") != "Cost":
            raise errors.budget_invalid(f"Category '{inputs.get('category')}' is not supported; use Cost.", "category")
        if inputs.get("timeGrain") not in TIME_GRAINS:
            raise errors.budget_invalid(
                f"Time grain '{inputs.get('timeGrain')}' is not supported; use one of {sorted(TIME_GRAINS)}.",
                "timeGrain",
            )
        start = _date(dig(inputs, "timePeriod.startDate"), "timePeriod.startDate")
        if start[2] != "01":
            raise errors.budget_invalid("The start date must be the first of the month.", "timePeriod.startDate")
        if "-".join(start) < EARLIEST_START:
            raise errors.budget_invalid(f"The start date must be on or after {EARLIEST_START}.", "timePeriod.startDate")
        end = dig(inputs, "timePeriod.endDate")
        if end is not None and _date(end, "timePeriod.endDate") <= start:
            raise errors.budget_invalid("The end date must be after the start date.", "timePeriod.endDate")
        previous = az.resources.get(resource.id.lower())
        if previous is None or previous.seeded:
            self._check_new_start(date(*map(int, start)))
        self._check_notifications(inputs.get("notifications") or {})

    def validate_update(self, az: FakeAzure, previous: ArmResource, resource: ArmResource, changed: list[str]) -> None:
        if any(path == START or path.startswith(f"{START}.") for path in changed):
            raise errors.property_change_not_allowed(
                "The start date of an existing budget cannot be changed.",
                START,
                hint="leave dsvm:budget.start_date as deployed, or out (the program then keeps the deployed start); "
                "to start the budget anew, remove dsvm:budget, `up`, then add it back (a new budget, its alert "
                "history gone)",
            )
        super().validate_update(az, previous, resource, changed)

    @staticmethod
    def _check_new_start(start: date) -> None:
        today = clock.today()
        if start < today.replace(day=1):
            raise errors.budget_invalid(
                f"The start date {start} is in the past: a new budget starts in the current month "
                f"({today.replace(day=1)}) or later.",
                "timePeriod.startDate",
                hint="leave dsvm:budget.start_date out (the budget then starts this month and keeps its start), or "
                "set it to the first of this month or a later one",
            )
        if (start.year - today.year) * 12 + start.month - today.month > MAX_MONTHS_AHEAD:
            raise errors.budget_invalid(
                f"The start date {start} is more than {MAX_MONTHS_AHEAD} months ahead.",
                "timePeriod.startDate",
                hint=f"set dsvm:budget.start_date within {MAX_MONTHS_AHEAD} months of this month",
            )

    @staticmethod
    def _check_notifications(notifications: dict[str, Any]) -> None:
        if len(notifications) > MAX_NOTIFICATIONS:
            raise errors.budget_invalid(
                f"A budget can have up to {MAX_NOTIFICATIONS} notifications (got {len(notifications)}).",
                "notifications",
            )
        for key, notification in notifications.items():
            target = f"notifications.{key}"
            threshold = notification.get("threshold")
            if not isinstance(threshold, int | float) or isinstance(threshold, bool) or not 0 <= threshold <= 1000:
                raise errors.budget_invalid(
                    f"The threshold must be a percentage between 0 and 1000 (got {threshold!r}).", f"{target}.threshold"
                )
            if notification.get("operator") not in OPERATORS:
                raise errors.budget_invalid(f"Operator '{notification.get('operator')}' is not supported.",
                                            f"{target}.operator")  # fmt: skip
            if notification.get("thresholdType", "Actual") not in THRESHOLD_TYPES:
                raise errors.budget_invalid(
                    f"Threshold type '{notification.get('thresholdType')}' is not supported.", f"{target}.thresholdType"
                )
            if not notification.get("contactEmails"):
                raise errors.budget_invalid(
                    "Notifications must have at least one contact email.", f"{target}.contactEmails"
                )


def _date(value: Any, target: str) -> tuple[str, str, str]:
    found = _DATE.match(str(value or ""))
    if found is None:
        raise errors.budget_invalid(f"'{value}' is not a date (YYYY-MM-DD).", target)
    return found.group(1), found.group(2), found.group(3)


TYPES: list[ResourceType] = [Budget()]
