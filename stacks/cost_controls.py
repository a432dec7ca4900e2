"""Pay only for work: the idle-stop role of a stack and its VMs' idle stop settings, the stack's budget.

- One custom role per stack (``authorization.RoleDefinition`` at the resource group, assignable
  there only) with exactly the two actions the idle watcher needs: read its VM, deallocate it.
  Each VM's system identity gets it on that VM alone (``components/workstation.py``), so a VM can
  stop itself and nothing else. Created only when some VM of the stack has idle stop. A
  ``scale_out`` stack's role instead reads a scale set and deletes its instances, assigned to
  each pool's identity on its scale set (``components/scale_set.py``): an idle instance leaves
  its pool rather than deallocating (a deallocated instance would keep its place in the pool).
- One ``consumption.Budget`` per stack on the resource group when ``dsvm:budget`` is set: monthly,
  alerts at 80 % and 100 % actual and 110 % forecast to the owner and the contacts. Its start is the
  first of the month it is created in, kept afterwards (``ignore_changes``): Azure refuses a start in
  an earlier month than the current one, and a budget must not move every month.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import TYPE_CHECKING

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.consumption as consumption

from azurefacts import clock
from components.idle_stop import DEALLOCATE_ACTIONS, SCALE_IN_ACTIONS, IdleStop
from stacks.config.idle_stop import IdleStopConfig, IdleStopOverride, budget_contacts
from stacks.config.stack import BaseStackConfig

if TYPE_CHECKING:
    from stacks.foundation import Foundation

# (notification name, threshold percent, threshold type)
BUDGET_ALERTS = (("actual-80-percent", 80, "Actual"), ("actual-100-percent", 100, "Actual"),
                 ("forecasted-110-percent", 110, "Forecasted"))  # fmt: skip
BUDGET_START = "timePeriod.startDate"


def resource_group_id(base: Foundation) -> pulumi.Output[str]:
    """The stack's resource group's ARM id (depends on the group when the stack creates it)."""
    return pulumi.Output.concat("/subscriptions/", base.subscription_id, "/resourceGroups/", base.rg_name)


def idle_stop_role(base: Foundation, stack: str, scale_in: bool = False) -> authorization.RoleDefinition:
    """The stack's custom role: read and deallocate a VM (assigned per VM, on the VM), or with ``scale_in``
    read a scale set and delete its instances (assigned per pool, on its scale set)."""
    group = resource_group_id(base)
    if scale_in:
        actions = SCALE_IN_ACTIONS
        what = (f"an idle scale set instance of stack {stack} leave its pool (assigned to each scale set's "
                "identity, on that scale set only)")  # fmt: skip
    else:
        actions = DEALLOCATE_ACTIONS
        what = (f"a DSVM of stack {stack} deallocate itself when idle (assigned to each VM's own identity, on "
                "that VM only)")  # fmt: skip
    return authorization.RoleDefinition(
        f"{base.prefix}-idle-stop-role",
        scope=group,
        # Role names are unique in the tenant: the group and (a digest of) the subscription make this one so.
        role_name=pulumi.Output.concat("dsvm idle stop: ", base.rg_plain, " (",
                                       pulumi.Output.from_input(base.subscription_id).apply(_digest), ")"),
        description=f"Lets {what}. Managed by Pulumi.",
        role_type="CustomRole",
        permissions=[authorization.PermissionArgs(actions=list(actions), not_actions=[], data_actions=[],
                                                  not_data_actions=[])],
        assignable_scopes=[group],
    )  # fmt: skip


def wants_idle_role(config: BaseStackConfig) -> bool:
    """Whether any VM of the stack (all of them, not just a planned part) has idle stop."""
    return any(config.idle_stop.merged(own).enabled for _, own in config.idle_stop_overrides())  # type: ignore[arg-type]


def idle_stop_of(
    config: BaseStackConfig, own: bool | IdleStopOverride | None, role: authorization.RoleDefinition | None
) -> IdleStop | None:
    """One VM's idle stop (None: off): the stack's settings merged with its own."""
    settings: IdleStopConfig = config.idle_stop.merged(own)
    if not settings.enabled or role is None:
        return None
    return IdleStop(
        role_definition_id=role.id,
        idle_minutes=settings.idle_minutes,
        warn_minutes=settings.warn_minutes,
        cpu_percent=settings.cpu_percent,
        gpu_percent=settings.gpu_percent,
        active_hours_per_week=settings.active_hours_per_week,
    )


def stack_budget(config: BaseStackConfig, base: Foundation) -> consumption.Budget | None:
    """The stack's monthly budget on its resource group, if the config sets one."""
    budget = config.budget
    if budget is None:
        return None
    start = budget.start_date or clock.today().replace(day=1)
    contacts = budget_contacts(config.owner, budget)
    return consumption.Budget(
        f"{base.prefix}-budget",
        budget_name=f"{base.prefix}-budget",
        scope=resource_group_id(base),
        amount=budget.amount,
        category="Cost",
        time_grain="Monthly",
        time_period=consumption.BudgetTimePeriodArgs(start_date=_start(start)),
        notifications={
            name: consumption.NotificationArgs(
                enabled=True,
                operator="GreaterThanOrEqualTo",
                threshold=threshold,
                threshold_type=kind,
                contact_emails=contacts,
            )
            for name, threshold, kind in BUDGET_ALERTS
        },
        # A start the config does not pin is the month of creation, and stays so.
        opts=pulumi.ResourceOptions(ignore_changes=[] if budget.start_date else [BUDGET_START]),
    )


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
