"""Dates the program fixes when it first runs, as ARM template parameters: the day it is deployed, not the plan's.

Two resources take a start that Azure refuses in the past when they are created, and that the program keeps
afterwards (``ignore_changes``): a budget without a pinned start ('Budgets - Create Or Update': a past start must
lie in the current period) and Update Manager's maintenance configuration (``startDateTime``: "the current date or
a future date", 'How to programmatically manage updates for Azure VMs'). In a template each becomes a parameter
whose default is computed at deployment (``utcNow`` may only appear in a parameter's default: Microsoft Learn,
'Date functions for ARM templates'), never the day the plan was made on.

The maintenance configuration's window also goes back under ARM's ``maintenanceWindow``, which the SDK flattens.
"""

from __future__ import annotations

from typing import Any

from dsvmctl.arm_paths import camel, quote

BUDGET_TYPE = "Microsoft.Consumption/budgets"
BUDGET_START = "timePeriod.startDate"
MAINTENANCE_TYPE = "Microsoft.Maintenance/maintenanceConfigurations"
MAINTENANCE_START = "startDateTime"
MAINTENANCE_WINDOW = ("startDateTime", "expirationDateTime", "duration", "timeZone", "recurEvery")


def deployment_dates(
    arm_type: str, plan: dict[str, Any], properties: dict[str, Any], parameters: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``properties`` of one resource with its deploy-day start as a parameter (declared in ``parameters``), and a
    maintenance configuration's window nested as ARM has it."""
    ignored = plan.get("ignoreChanges") or []
    name = str(plan["name"])
    if arm_type == BUDGET_TYPE and BUDGET_START in ignored:
        parameter = _declare(parameters, camel(name) + "StartDate",
                             "[format('{0}-{1}-01T00:00:00Z', utcNow('yyyy'), utcNow('MM'))]",
                             f"timePeriod.startDate of {name}: the first of the month it is deployed in (Azure refuses "
                             "an earlier month); the Pulumi program keeps it afterwards.")  # fmt: skip
        period = {**(properties.get("timePeriod") or {}), "startDate": parameter}
        return {**properties, "timePeriod": period}
    if arm_type != MAINTENANCE_TYPE:
        return properties
    window = {k: properties[k] for k in MAINTENANCE_WINDOW if k in properties}
    rest = {k: v for k, v in properties.items() if k not in MAINTENANCE_WINDOW}
    start = str(window.get(MAINTENANCE_START, ""))
    if MAINTENANCE_START in ignored and " " in start:
        time_of_day = start.split(" ", 1)[1]
        description = (f"startDateTime of {name}: the day it is deployed at {time_of_day} (Azure refuses a past "
                       "start); the Pulumi program keeps it afterwards.")  # fmt: skip
        default = f"[format('{{0}} {time_of_day}', utcNow('yyyy-MM-dd'))]"
        window[MAINTENANCE_START] = _declare(parameters, camel(name) + "StartDateTime", default, description)
    return {**rest, "maintenanceWindow": window} if window else rest


def _declare(parameters: dict[str, dict[str, Any]], name: str, default: str, description: str) -> str:
    parameters[name] = {"type": "string", "defaultValue": default, "metadata": {"description": description}}
    return f"[parameters({quote(name)})]"
