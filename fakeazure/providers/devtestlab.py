"""Microsoft.DevTestLab: the VM auto-shutdown schedule (``GlobalSchedule``).

Emulated: Azure accepts a VM's auto-shutdown schedule only under the name
``shutdown-computevm-<vmName>`` (the portal's name; other names are refused);
the target must be an existing VM; task type ``ComputeVmShutdownTask``; daily
time ``HHmm``; a Windows time zone id (``azurefacts.timezones``, compared exactly:
an IANA name such as ``Europe/Berlin`` is refused); status ``Enabled``/``Disabled``.
Not emulated: the shutdown itself, notification webhooks and e-mails.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from azurefacts.timezones import WINDOWS_TIME_ZONES
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource


class GlobalSchedule(ResourceType):
    token = "azure-native:devtestlab:GlobalSchedule"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if inputs.get("taskType") != "ComputeVmShutdownTask":
            raise errors.invalid_parameter("taskType must be ComputeVmShutdownTask for a VM schedule.", "taskType")
        vm = az.require(inputs.get("targetResourceId"), "targetResourceId", "Microsoft.Compute/virtualMachines")
        expected = f"shutdown-computevm-{vm.name}"
        if resource.name.lower() != expected.lower():
            raise errors.invalid_schedule_name(
                f"The schedule name '{resource.name}' is invalid for target {vm.name}: an "
                f"auto-shutdown schedule must be named '{expected}'.",
                "name",
            )
        time = str(dig(inputs, "dailyRecurrence.time", ""))
        if not re.match(r"^([01]\d|2[0-3])[0-5]\d$", time):
            raise errors.invalid_parameter(f"Daily recurrence time '{time}' must be HHmm.", "dailyRecurrence.time")
        if inputs.get("timeZoneId") not in WINDOWS_TIME_ZONES:
            raise errors.invalid_parameter(
                f"Time zone '{inputs.get('timeZoneId')}' is not a known Windows time zone id.",
                "timeZoneId",
            )
        if inputs.get("status", "Disabled") not in ("Enabled", "Disabled"):
            raise errors.invalid_parameter("status must be Enabled or Disabled.", "status")


TYPES: list[ResourceType] = [GlobalSchedule()]
