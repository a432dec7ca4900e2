"""PatchStart: a Consumption Logic App that starts the stack's VMs shortly before the Update Manager window, so the
workstations that auto-shutdown or idle stop deallocated are running when it opens.

Why a Logic App (facts and sources: ``azurefacts/logic_apps.py``, ``azurefacts/patching.py``): one ARM resource,
declarative, no hosted code and no secret; a weekly Recurrence trigger in the stack's time zone (Windows id, so it
follows daylight saving time as the maintenance configuration does) at the window's start minus the lead; a loop
over the stack's VM ids calling ARM's ``POST .../virtualMachines/{vm}/start`` with the workflow's system-assigned
identity. The identity holds the subscription's start role (``azurefacts/subscription_roles.py``: start and read,
nothing else) on each of the stack's VMs only: ``allow_start`` in ``components/patching.py`` assigns it per VM.

The trigger's ``startTime`` is a fixed date in the past: without one, Logic Apps runs a new Recurrence at once when
it is deployed (every ``pulumi up`` would start the fleet); with one in the past, the first run is the next
scheduled time. Starting a running VM changes nothing, so the loop starts every VM the stack has. After the window
the idle watcher deallocates them (it holds off from the start to the window's end: ``stacks/patching.py``,
``hold``); without idle stop they run until their next auto-shutdown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azure_native.logic as logic

from azurefacts.logic_apps import ARM_AUDIENCE, ARM_ENDPOINT, RECURRENCE_START, WDL_SCHEMA
from azurefacts.patching import Window
from azurefacts.resource_types import VM, sdk_api_version
from components.common import child_opts

TRIGGER = "Before_the_patch_window"
LOOP = "Start_each_VM"
START = "Start_VM"
VM_IDS = "vmIds"


@dataclass(frozen=True)
class PatchStartArgs:
    """Inputs of ``PatchStart``: where, when (the window opened ``lead`` minutes earlier), which VMs."""

    resource_group_name: pulumi.Input[str]
    location: str
    subscription_id: pulumi.Input[str]
    name: str  # the workflow's name
    start_window: Window  # from the start to the window's end (PatchingConfig.start_window)
    time_zone: str  # a Windows time zone id (the stack's)
    vm_names: Sequence[str]  # every VM of the stack, not just a planned part: the workflow is shared
    tags: Mapping[str, str] = field(default_factory=dict)


def recurrence(start_window: Window, time_zone: str) -> dict[str, Any]:
    """The Recurrence trigger's ``recurrence``: weekly on the start's day, at its hour and minute, in ``time_zone``."""
    return {
        "frequency": "Week",
        "interval": 1,
        "schedule": {
            "weekDays": [start_window.day],
            "hours": [start_window.start_minutes // 60],
            "minutes": [start_window.start_minutes % 60],
        },
        "timeZone": time_zone,
        "startTime": RECURRENCE_START,
    }


def definition(start_window: Window, time_zone: str) -> dict[str, Any]:
    """The workflow in the Workflow Definition Language: the trigger, then a start call per VM id."""
    start_uri = f"@{{concat('{ARM_ENDPOINT}', item(), '/start?api-version={sdk_api_version(VM)}')}}"
    return {
        "$schema": WDL_SCHEMA,
        "contentVersion": "1.0.0.0",
        "parameters": {VM_IDS: {"type": "Array", "defaultValue": []}},
        "triggers": {TRIGGER: {"type": "Recurrence", "recurrence": recurrence(start_window, time_zone)}},
        "actions": {
            LOOP: {
                "type": "Foreach",
                "foreach": f"@parameters('{VM_IDS}')",
                "actions": {
                    START: {
                        "type": "Http",
                        "inputs": {
                            "method": "POST",
                            "uri": start_uri,
                            "authentication": {"type": "ManagedServiceIdentity", "audience": ARM_AUDIENCE},
                        },
                        # ARM answers 202 Accepted: take it, do not poll each start to its end.
                        "operationOptions": "DisableAsyncPattern",
                        "runAfter": {},
                    }
                },
                "runAfter": {},
            }
        },
        "outputs": {},
    }


class PatchStart(pulumi.ComponentResource):
    """The start workflow: ``principal_id`` is its identity, which each Workstation grants the start role on its VM.
    The component's ``startedMinutesPerRun`` (from the start to the window's end) is what the cost estimate adds to
    a VM's running hours each week (costs/hours.py)."""

    def __init__(self, name: str, args: PatchStartArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        props = {"startedMinutesPerRun": args.start_window.minutes}
        super().__init__("dsvm:components:PatchStart", name, props, opts)
        sub, group = args.subscription_id, args.resource_group_name
        vms = pulumi.Output.concat("/subscriptions/", sub, "/resourceGroups/", group, "/providers/Microsoft.Compute/")
        vm_ids = [pulumi.Output.concat(vms, "virtualMachines/", vm) for vm in args.vm_names]
        self.workflow = logic.Workflow(
            args.name,
            workflow_name=args.name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            identity=logic.ManagedServiceIdentityArgs(type="SystemAssigned"),
            state="Enabled",
            definition=definition(args.start_window, args.time_zone),
            parameters={VM_IDS: logic.WorkflowParameterArgs(value=pulumi.Output.all(*vm_ids))},
            tags=dict(args.tags),
            opts=child_opts(self),
        )
        self.principal_id: pulumi.Output[str] = self.workflow.identity.apply(lambda i: i.principal_id if i else "")
        self.register_outputs({"workflow_id": self.workflow.id, "principal_id": self.principal_id})
