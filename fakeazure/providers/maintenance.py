"""Microsoft.Maintenance: Update Manager's maintenance configurations (guest patching) and their assignments.

Emulated (rules and sources: ``azurefacts/patching.py``; codes not confirmed, errors.py):
- MaintenanceConfiguration, scope ``InGuestPatch`` only (another scope raises: not emulated): extension property
  ``InGuestPatchMode: User``; a weekly, daily or monthly ``recurEvery``; ``startDateTime`` as
  ``YYYY-MM-DD hh:mm``, not before the product clock's day when it is created (an update keeps it: the program
  lists it in ``ignore_changes``); ``duration`` ``HH:mm`` within Azure's guest-patching window; a Windows time zone
  id (``azurefacts.timezones``); ``installPatches`` with a known reboot setting and classifications per OS.
- ConfigurationAssignment: on an existing VM (``providerName`` Microsoft.Compute, ``resourceType``
  virtualMachines), to an existing configuration; the VM's patch orchestration must be "Customer Managed
  Schedules" (``patchMode`` AutomaticByPlatform with ``bypassPlatformSafetyChecksOnUserSchedule``). Azure
  documents that such a VM is then patched by neither its schedule nor the platform; whether it refuses the
  assignment itself is not confirmed: the emulator refuses it, so a plan never approves a schedule that never runs.
  Its id is the VM's id + ``/providers/Microsoft.Maintenance/configurationAssignments/<name>``.

Not emulated: the runs themselves (which VMs are running in the window, what gets installed), dynamic scopes,
pre and post events, Arc machines, scale sets (Update Manager does not support them).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from azurefacts import clock
from azurefacts.patching import (
    IN_GUEST_PATCH,
    LINUX_CLASSIFICATIONS,
    PATCH_MODE,
    REBOOT_SETTINGS,
    WINDOWS_CLASSIFICATIONS,
    window_problem,
)
from azurefacts.timezones import WINDOWS_TIME_ZONES
from fakeazure import errors
from fakeazure.errors import FakeAzureError
from fakeazure.providers.base import ResourceType, dig

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_RECUR = re.compile(
    r"^(?:\d*(?:Day|Days)|\d*(?:Week|Weeks)(?: (?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
    r"(?:,(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))*)?|\d*(?:Month|Months)(?: .+)?)$"
)
_DURATION = re.compile(r"^(\d{2}):(\d{2})$")
VM_TYPE = "Microsoft.Compute/virtualMachines"


class MaintenanceConfiguration(ResourceType):
    token = "azure-native:maintenance:MaintenanceConfiguration"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if inputs.get("maintenanceScope") != IN_GUEST_PATCH:
            raise FakeAzureError(f"fakeazure emulates InGuestPatch maintenance configurations only, not "
                                 f"{inputs.get('maintenanceScope')}")  # fmt: skip
        if (inputs.get("extensionProperties") or {}).get("InGuestPatchMode") != "User":
            raise errors.maintenance_invalid("A guest patching configuration needs extensionProperties "
                                             "InGuestPatchMode: User.", "extensionProperties")  # fmt: skip
        if not _RECUR.match(str(inputs.get("recurEvery") or "")):
            raise errors.maintenance_invalid(f"recurEvery '{inputs.get('recurEvery')}' is not a daily, weekly or "
                                             "monthly recurrence (e.g. 'Week Saturday').", "recurEvery")  # fmt: skip
        found = _DURATION.match(str(inputs.get("duration") or ""))
        problem = window_problem(int(found[1]) * 60 + int(found[2])) if found else "the duration is not HH:mm"
        if problem:
            raise errors.maintenance_invalid(f"Invalid maintenance window duration: {problem}.", "duration")
        if str(inputs.get("timeZone")) not in WINDOWS_TIME_ZONES:
            raise errors.maintenance_invalid(f"'{inputs.get('timeZone')}' is not a Windows time zone id.", "timeZone")
        try:
            start = datetime.strptime(str(inputs.get("startDateTime")), "%Y-%m-%d %H:%M")
        except ValueError:
            raise errors.maintenance_invalid("startDateTime must be 'YYYY-MM-DD hh:mm'.", "startDateTime") from None
        if az.get(resource.id) is None and start.date() < clock.today():
            raise errors.maintenance_invalid(
                f"The start date {start:%Y-%m-%d} is in the past: it can be today or a future date.", "startDateTime"
            )
        self._check_patches(inputs.get("installPatches") or {})

    @staticmethod
    def _check_patches(patches: dict[str, Any]) -> None:
        if patches.get("rebootSetting", "IfRequired") not in REBOOT_SETTINGS:
            raise errors.maintenance_invalid(f"rebootSetting must be one of {', '.join(REBOOT_SETTINGS)}.",
                                             "installPatches.rebootSetting")  # fmt: skip
        per_os = (("linuxParameters", LINUX_CLASSIFICATIONS), ("windowsParameters", WINDOWS_CLASSIFICATIONS))
        for key, allowed in per_os:
            wrong = [c for c in dig(patches, f"{key}.classificationsToInclude") or [] if c not in allowed]
            if wrong:
                raise errors.maintenance_invalid(
                    f"Unknown classifications {wrong} for {key}: use {', '.join(allowed)}.",
                    f"installPatches.{key}.classificationsToInclude",
                )


def guest_patch_ready(vm: ArmResource) -> bool:
    """Whether the VM's patch orchestration is "Customer Managed Schedules" (Linux or Windows settings)."""
    profile = vm.inputs.get("osProfile") or {}
    settings = dig(profile, "linuxConfiguration.patchSettings") or dig(profile, "windowsConfiguration.patchSettings")
    return bool(settings) and settings.get("patchMode") == PATCH_MODE and bool(
        dig(settings, "automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule"))


class ConfigurationAssignment(ResourceType):
    token = "azure-native:maintenance:ConfigurationAssignment"

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        target = f"{az.resource_group_id(rg or '')}/providers/{inputs.get('providerName')}/{inputs.get('resourceType')}"
        return f"{target}/{inputs.get('resourceName')}/providers/{self.arm_type}/{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        if (inputs.get("providerName"), inputs.get("resourceType")) != ("Microsoft.Compute", "virtualMachines"):
            raise FakeAzureError("fakeazure emulates configuration assignments on virtual machines only")
        vm = az.require(resource.id.split("/providers/Microsoft.Maintenance/")[0], "resourceName", VM_TYPE)
        config = az.require(inputs.get("maintenanceConfigurationId"), "maintenanceConfigurationId",
                            MaintenanceConfiguration.arm_type)  # fmt: skip
        if not guest_patch_ready(vm):
            raise errors.maintenance_prerequisites(
                f"VM {vm.name} does not meet the prerequisites for schedule patching: set osProfile's patchSettings "
                "patchMode AutomaticByPlatform with automaticByPlatformSettings."
                f"bypassPlatformSafetyChecksOnUserSchedule true to attach {config.name}.",
                "maintenanceConfigurationId",
                hint="the VM's patch orchestration must be Customer Managed Schedules (components/vm_profile.py sets "
                "it with patching on)",
            )


TYPES: list[ResourceType] = [MaintenanceConfiguration(), ConfigurationAssignment()]
