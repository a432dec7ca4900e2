"""Microsoft.Logic: Consumption workflows (Logic Apps), as the program's patch-window start uses them.

Emulated (rules and sources: ``azurefacts/logic_apps.py``; the codes Azure answers with are not confirmed,
errors.py):
- Workflow: a location; ``state`` Enabled or Disabled; ``identity.type`` SystemAssigned (computed: a new
  ``principalId`` and the tenant's ``tenantId``), UserAssigned or None; a ``definition`` in the Workflow Definition
  Language (its ``$schema``, at most ``MAX_TRIGGERS`` triggers, ``parameters`` declared with a type) whose
  ``parameters`` values the workflow's own ``parameters`` give, each declared and of the declared type (Array: a
  list); Recurrence triggers: a known ``frequency``, a positive integer ``interval``, a ``schedule`` only with Day or
  Week (``weekDays`` only with Week), hours 0-23 and minutes 0-59, ``timeZone`` a Windows time zone id, ``startTime``
  ``YYYY-MM-DDThh:mm:ss`` (no UTC offset with a time zone); actions Http (method, absolute or expression URI; a
  ManagedServiceIdentity authentication needs the workflow's identity) and Foreach (an expression to loop over,
  its own actions). Computed: ``provisioningState``, ``accessEndpoint``, ``version``.
- ``starts(az, workflow)``: the VMs a run would start: those its parameters list that its identity may start
  (``Microsoft.Compute/virtualMachines/start/action`` on the VM, from the role assignments in the emulator).

Not emulated (raise or pass as noted): other trigger types (Request, API connections) and action types raise;
expressions are not evaluated (a URI that is an expression passes); the runs themselves, their history and
billing; Standard (single-tenant) logic apps; integration accounts; access control and endpoint configuration
pass unchecked.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from azurefacts.logic_apps import FREQUENCIES, MAX_TRIGGERS, STATES, WDL_SCHEMA, WEEK_DAYS
from azurefacts.timezones import WINDOWS_TIME_ZONES
from fakeazure import errors
from fakeazure.errors import FakeAzureError
from fakeazure.providers.authorization import RoleDefinition, bootstrapped_roles, holds_role
from fakeazure.providers.base import ResourceType, dig
from fakeazure.resource import stable_suffix, stable_uuid

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_START_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(Z|[+-]\d{2}:\d{2})?$")
_PARAMETER_TYPES: dict[str, type | tuple[type, ...]] = {
    "Array": list, "Object": dict, "String": str, "Bool": bool, "Int": int, "Float": (int, float),
}  # fmt: skip
START_ACTION = "Microsoft.Compute/virtualMachines/start/action"


def _invalid(message: str, target: str) -> errors.ArmError:
    return errors.workflow_invalid(message, target, hint="azurefacts/logic_apps.py lists the rules and their sources")


class Workflow(ResourceType):
    token = "azure-native:logic:Workflow"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if inputs.get("state", "Enabled") not in STATES:
            raise _invalid(f"The workflow state '{inputs.get('state')}' is not Enabled or Disabled.", "state")
        identity = str(dig(inputs, "identity.type") or "None")
        if identity not in ("SystemAssigned", "UserAssigned", "None"):
            raise _invalid(f"The identity type '{identity}' is not supported for a workflow.", "identity.type")
        definition = inputs.get("definition")
        if not isinstance(definition, dict):
            raise _invalid("The workflow definition is missing or not an object.", "definition")
        if definition.get("$schema") != WDL_SCHEMA:
            raise _invalid(f"The definition's $schema '{definition.get('$schema')}' is not {WDL_SCHEMA}.",
                           "definition.$schema")  # fmt: skip
        self._check_parameters(definition, inputs.get("parameters") or {})
        triggers = definition.get("triggers") or {}
        if len(triggers) > MAX_TRIGGERS:
            raise _invalid(f"At most {MAX_TRIGGERS} triggers, not {len(triggers)}.", "definition.triggers")
        for name, trigger in triggers.items():
            if (trigger or {}).get("type") != "Recurrence":
                raise FakeAzureError(f"fakeazure emulates Recurrence triggers only, not {trigger.get('type')} ({name})")
            _check_recurrence(trigger.get("recurrence") or {}, f"definition.triggers.{name}.recurrence")
        _check_actions(definition.get("actions") or {}, "definition.actions", identity != "None")

    @staticmethod
    def _check_parameters(definition: dict[str, Any], given: dict[str, Any]) -> None:
        declared = definition.get("parameters") or {}
        for name, spec in declared.items():
            if (spec or {}).get("type") not in _PARAMETER_TYPES:
                raise _invalid(f"The parameter '{name}' has no valid type.", f"definition.parameters.{name}.type")
        for name, value in given.items():
            if name not in declared:
                raise _invalid(f"The template parameter '{name}' is not found in the definition's parameters.",
                               f"parameters.{name}")  # fmt: skip
            wanted = _PARAMETER_TYPES[declared[name]["type"]]
            if not isinstance((value or {}).get("value"), wanted):
                raise _invalid(f"The value of the parameter '{name}' is not of type {declared[name]['type']}.",
                               f"parameters.{name}.value")  # fmt: skip

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        generation = az.generation(resource.id)
        seed = [str(generation)] if generation else []  # a replaced workflow gets a new identity
        outputs: dict[str, Any] = {
            "provisioningState": "Succeeded",
            "version": stable_suffix(resource.id.lower(), "version", length=20).upper(),
            "accessEndpoint": f"https://prod-00.{resource.location}.logic.azure.com:443/workflows/"
            f"{stable_suffix(resource.id.lower(), 'workflow', *seed, length=32)}",
        }
        identity = resource.inputs.get("identity") or {}
        if identity.get("type") == "SystemAssigned":
            principal = stable_uuid(resource.id.lower(), "principal", *seed)
            outputs["identity"] = {**identity, "principalId": principal, "tenantId": az.tenant_id}
        return outputs


def _check_recurrence(recurrence: dict[str, Any], where: str) -> None:
    frequency = recurrence.get("frequency")
    if frequency not in FREQUENCIES:
        raise _invalid(f"The recurrence frequency '{frequency}' is not one of {', '.join(FREQUENCIES)}.",
                       f"{where}.frequency")  # fmt: skip
    interval = recurrence.get("interval")
    if not isinstance(interval, int) or isinstance(interval, bool) or interval < 1:
        raise _invalid(f"The recurrence interval '{interval}' must be a positive integer.", f"{where}.interval")
    schedule = recurrence.get("schedule")
    if schedule is not None:
        if frequency not in ("Day", "Week"):
            raise _invalid(f"A recurrence schedule needs frequency Day or Week, not {frequency}.", f"{where}.schedule")
        days = schedule.get("weekDays") or []
        if days and frequency != "Week":
            raise _invalid("weekDays needs frequency Week.", f"{where}.schedule.weekDays")
        for key, allowed in (("weekDays", WEEK_DAYS), ("hours", range(24)), ("minutes", range(60))):
            wrong = [v for v in schedule.get(key) or [] if v not in allowed or isinstance(v, bool)]
            if wrong:
                raise _invalid(f"The recurrence schedule's {key} {wrong} are not valid.", f"{where}.schedule.{key}")
    zone = recurrence.get("timeZone")
    if zone is not None and zone not in WINDOWS_TIME_ZONES:
        raise _invalid(f"The time zone '{zone}' is not a valid Windows time zone id.", f"{where}.timeZone")
    start = recurrence.get("startTime")
    if start is not None:
        found = _START_TIME.match(str(start))
        if not found:
            raise _invalid(f"The start time '{start}' is not YYYY-MM-DDThh:mm:ss.", f"{where}.startTime")
        if zone is not None and found[1]:
            raise _invalid(f"The start time '{start}' has a UTC offset while a time zone is given: drop the offset.",
                           f"{where}.startTime")  # fmt: skip


def _check_actions(actions: dict[str, Any], where: str, has_identity: bool) -> None:
    for name, action in actions.items():
        kind = (action or {}).get("type")
        here = f"{where}.{name}"
        if kind == "Foreach":
            if not str(action.get("foreach") or "").startswith("@"):
                raise _invalid(f"The Foreach action '{name}' needs an expression to loop over.", f"{here}.foreach")
            _check_actions(action.get("actions") or {}, f"{here}.actions", has_identity)
        elif kind == "Http":
            request = action.get("inputs") or {}
            if request.get("method") not in ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"):
                raise _invalid(f"The HTTP action '{name}' has no valid method.", f"{here}.inputs.method")
            uri = str(request.get("uri") or "")
            if not uri.startswith(("@", "https://", "http://")):
                raise _invalid(f"The HTTP action '{name}' needs an absolute URI.", f"{here}.inputs.uri")
            auth = dig(request, "authentication.type")
            if auth == "ManagedServiceIdentity" and not has_identity:
                raise _invalid(f"The HTTP action '{name}' authenticates with a managed identity, and the workflow "
                               "has none: enable its identity.", f"{here}.inputs.authentication")  # fmt: skip
        else:
            raise FakeAzureError(f"fakeazure emulates Http and Foreach workflow actions only, not {kind} ({name})")


def starts(az: FakeAzure, workflow: ArmResource) -> list[str]:
    """The VM ids a run of ``workflow`` would start: those its ``vmIds`` parameter lists, that exist, that its
    identity may start (the runs themselves are not emulated)."""
    principal = str(dig(workflow.outputs, "identity.principalId") or "")
    listed = dig(workflow.inputs, "parameters.vmIds.value") or []
    return [vm for vm in listed if az.get(vm) is not None and principal and holds_start(az, principal, vm)]


def holds_start(az: FakeAzure, principal: str, vm_id: str) -> bool:
    """Whether ``principal`` holds a custom role (the subscription's, or one defined in the emulator) that allows
    the start action, at the VM's scope or above. Built-in roles are not read for their actions (not emulated)."""
    customs = {**bootstrapped_roles(az), **{d.name.lower(): d.inputs for d in az.of_type(RoleDefinition.arm_type)}}
    starters = [guid for guid, body in customs.items()
                if any(START_ACTION in (p.get("actions") or []) for p in body.get("permissions") or [])]  # fmt: skip
    return any(holds_role(az, principal, guid, vm_id) for guid in starters)


TYPES: list[ResourceType] = [Workflow()]
