"""Azure Logic Apps (Consumption) as the program uses them: a workflow that starts the stack's VMs before the
patch window. The rules, with their sources.

- A Consumption workflow is one ARM resource (``Microsoft.Logic/workflows``): its ``definition`` is in the
  Workflow Definition Language (``$schema`` ``WDL_SCHEMA``, ``contentVersion``, ``parameters``, ``triggers``,
  ``actions``, ``outputs``), with at most ``MAX_TRIGGERS`` trigger; its ``parameters`` give the values of the
  definition's parameters; ``state`` Enabled or Disabled (Microsoft Learn, 'Schema reference guide for the Workflow
  Definition Language in Azure Logic Apps', 'Limits and configuration reference for Azure Logic Apps').
- The Recurrence trigger ('Schedules for recurring triggers in Azure Logic Apps workflows', 'Schedule and run
  recurring workflows with the Recurrence trigger'): ``frequency`` Second ... Month, ``interval``; with Day or Week
  a ``schedule`` of ``hours`` (0-23), ``minutes`` (0-59) and, for Week, ``weekDays`` (Monday ... Sunday);
  ``timeZone`` a Windows time zone id, which makes the schedule follow that zone's daylight saving time;
  ``startTime`` ``YYYY-MM-DDThh:mm:ss`` without a UTC offset when a time zone is given. Without a start time the
  first run is **immediate** when the workflow is saved or deployed; with a start time in the past the engine
  computes the run times from it, discards those in the past and runs at the next future one: so the program
  gives a fixed past start (``RECURRENCE_START``), and a deployment never starts the fleet by itself.
- The HTTP action authenticates with the workflow's managed identity (``authentication.type``
  ``ManagedServiceIdentity``, ``audience`` the ARM endpoint): no secret, no connection resource ('Authenticate
  access and connections to Azure resources with managed identities in Azure Logic Apps'); a system-assigned
  identity is enabled with ``identity.type: SystemAssigned`` on the workflow, whose ``principalId`` Azure creates.
  ``operationOptions: DisableAsyncPattern`` takes ARM's ``202 Accepted`` as the action's result instead of polling
  the operation ('Schema reference guide for trigger and action types in Azure Logic Apps').
- Starting a VM is ``POST {vm id}/start`` ('Virtual Machines - Start', REST), which needs
  ``Microsoft.Compute/virtualMachines/start/action``; starting a running VM changes nothing.
- Price (Consumption): every trigger and action execution is billed, built-in actions at $0.000025 each
  ('Azure Logic Apps pricing', Consumption plan; not in the project's price snapshot, whose source is the Retail
  Prices API: not confirmed here). A weekly run with N VMs executes 2 + N actions and its trigger, so a team of 30
  costs about $0.0036 a month: the estimate says so and counts it.
"""

from __future__ import annotations

WDL_SCHEMA = "https://schema.management.azure.com/providers/Microsoft.Logic/schemas/2016-06-01/workflowdefinition.json#"
LOGIC_APPS_SOURCE = (
    "Microsoft Learn, 'Schedules for recurring triggers in Azure Logic Apps workflows', 'Schema reference guide for "
    "trigger and action types in Azure Logic Apps', 'Authenticate access and connections to Azure resources with "
    "managed identities in Azure Logic Apps'"
)
MAX_TRIGGERS = 10  # 'Limits and configuration reference for Azure Logic Apps', triggers per workflow: not confirmed
FREQUENCIES = ("Second", "Minute", "Hour", "Day", "Week", "Month")
WEEK_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
STATES = ("Enabled", "Disabled")
# A fixed start in the past (a Monday, 00:00): the engine runs at the next scheduled time after the deployment, never
# at once (module docstring).
RECURRENCE_START = "2024-01-01T00:00:00"
ARM_AUDIENCE = "https://management.azure.com/"
ARM_ENDPOINT = "https://management.azure.com"
ACTION_PRICE_USD = 0.000025  # per built-in action or trigger execution, Consumption ('Azure Logic Apps pricing')
PRICE_SOURCE = "Azure Logic Apps pricing, Consumption plan: $0.000025 per built-in action execution (not confirmed)"


def executions_per_run(vm_count: int) -> int:
    """The billed executions of one run of the start workflow: the trigger, the loop, one HTTP call per VM."""
    return 2 + vm_count
