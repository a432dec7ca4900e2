"""Pay only for work: the idle-stop role a stack's VMs get and their idle stop settings, the stack's budget.

- The idle-stop custom roles are the subscription's (``azurefacts/subscription_roles.py``), defined
  once by an administrator (``dsvmctl bootstrap``), referred to here by their ARM id: exactly the two
  actions the idle watcher needs, read its VM and deallocate it. Each VM's system identity gets the
  role on that VM alone (``components/workstation.py``), so a VM can stop itself and nothing else. A
  ``scale_out`` stack's pools use the other role, which reads a scale set and deletes its instances,
  assigned to each pool's identity on its scale set (``components/scale_set.py``): an idle instance
  leaves its pool rather than deallocating (a deallocated instance would keep its place in the pool).
  A stack that created its own role before (one per stack, named after its resource group: two stacks
  in one group clashed) moves to the subscription's role once, as an administrator (docs/GITOPS.md).
- One ``consumption.Budget`` per stack on the resource group when ``dsvm:budget`` is set: monthly,
  alerts at 80 % and 100 % actual and 110 % forecast to the owner and the contacts. Its start is the
  first of the month it is created in, kept afterwards (``ignore_changes``): Azure refuses a start in
  an earlier month than the current one, and a budget must not move every month.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import pulumi
import pulumi_azure_native.consumption as consumption

from azurefacts import clock
from azurefacts.subscription_roles import (
    POOL_IDLE_STOP,
    VM_IDLE_STOP,
    VM_PATCH_START,
    SubscriptionRole,
    role_definition_id,
)
from components.idle_stop import IdleStop
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


def idle_role_id(base: Foundation, scale_in: bool = False) -> pulumi.Output[str]:
    """The ARM id of the subscription's idle-stop role: read and deallocate a VM (assigned per VM, on the VM),
    or with ``scale_in`` read a scale set and delete its instances (assigned per pool, on its scale set).

    The role is defined once per subscription by an administrator (``dsvmctl bootstrap``); its id derives
    from the subscription id, so the program refers to it without creating it. The deploy identity could
    not create it (``Microsoft.Authorization/roleDefinitions/write``), and the offline plan refuses a program
    that tries (``fakeazure/caller.py``).
    """
    role = POOL_IDLE_STOP if scale_in else VM_IDLE_STOP
    return pulumi.Output.from_input(base.subscription_id).apply(lambda sub: role_definition_id(sub, role))


def subscription_roles(config: BaseStackConfig) -> tuple[SubscriptionRole, ...]:
    """The subscription's custom roles the stack assigns: idle stop's when a VM or pool of it has idle stop, the
    patch start's when its start workflow starts the VMs before the patch window (stacks/patching.py)."""
    from stacks.patching import starts_vms

    idle = () if not wants_idle_role(config) else (POOL_IDLE_STOP if config.kind == "scale_out" else VM_IDLE_STOP,)
    return (*idle, *((VM_PATCH_START,) if starts_vms(config) else ()))


def wants_idle_role(config: BaseStackConfig) -> bool:
    """Whether any VM of the stack (all of them, not just a planned part) has idle stop."""
    return any(config.idle_stop.merged(own).enabled for _, own in config.idle_stop_overrides())  # type: ignore[arg-type]


def idle_stop_of(
    config: BaseStackConfig, own: bool | IdleStopOverride | None, role_id: pulumi.Input[str] | None
) -> IdleStop | None:
    """One VM's idle stop (None: off): the stack's settings merged with its own."""
    settings: IdleStopConfig = config.idle_stop.merged(own)
    if not settings.enabled or role_id is None:
        return None
    return IdleStop(
        role_definition_id=role_id,
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


def _start(day: date) -> str:
    return f"{day.isoformat()}T00:00:00Z"
