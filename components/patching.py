"""PatchSchedule: the stack's Azure Update Manager window (a maintenance configuration), and ``Patching``, what a
Workstation needs to be patched in it (its configuration assignment, its patch orchestration).

Facts and sources: ``azurefacts/patching.py``. The configuration's ``startDateTime`` must be today or later
when it is created: it is the day the program first runs, kept afterwards (``ignore_changes``), as a budget's
start is. Its time of day is the window's start, which ``ignore_changes`` would keep as well (Pulumi keeps an
ignored input's old value, on a replacement too): so the start is in the configuration's name
(``dsvm-dev-patching-0200``), and moving it creates a new configuration, moves the assignments to it and deletes
the old one. The window recurs weekly on its day, in the stack's time zone (Update Manager follows the time zone's
daylight saving time); day, length and time zone change in place.

A VM is patched only while it runs: the stack's start workflow (``components/patch_start.py``) starts the workstations
that auto-shutdown or idle stop deallocated shortly before the window, with the start role on each VM
(``allow_start``); the idle watcher does not deallocate a VM from that start to the window's end
(``components/idle_stop.py``), so a window finds the VMs running and finishes (docs/WORKSTATION.md, 'Patching').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.maintenance as maintenance

from azurefacts import clock
from azurefacts.patching import IN_GUEST_PATCH, Window
from components.common import ROLE_ASSIGNMENT_REPLACE, child_opts

START_DATE_TIME = "startDateTime"


@dataclass(frozen=True)
class PatchScheduleArgs:
    """Inputs of ``PatchSchedule``: where, the window, what to install."""

    resource_group_name: pulumi.Input[str]
    location: str
    name: str  # the configuration's name, with the window's start in it (schedule_name)
    window: Window
    time_zone: str  # a Windows time zone id
    windows: bool  # the stack's image is Windows (which classifications apply)
    classifications: Sequence[str]
    reboot: str = "IfRequired"
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Patching:
    """What a Workstation needs to be patched in a schedule: the configuration's id and the reboot setting (the
    VM's own setting wins over the configuration's, so both say the same)."""

    maintenance_configuration_id: pulumi.Input[str]
    reboot: str
    # The start workflow's identity and the role it gets on the VM (components/patch_start.py); None: nothing starts
    # the VM for the window.
    starter_principal_id: pulumi.Input[str] | None = None
    start_role_definition_id: pulumi.Input[str] | None = None


class PatchSchedule(pulumi.ComponentResource):
    """A maintenance configuration (scope InGuestPatch, user patch mode) with a weekly window in the stack's time
    zone; ``patching`` is what each Workstation gets to be assigned to it."""

    def __init__(self, name: str, args: PatchScheduleArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:PatchSchedule", name, None, opts)
        classes = list(args.classifications)
        self.configuration = maintenance.MaintenanceConfiguration(
            args.name,
            resource_name_=args.name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            maintenance_scope=IN_GUEST_PATCH,
            extension_properties={"InGuestPatchMode": "User"},
            visibility="Custom",
            start_date_time=f"{clock.today().isoformat()} {args.window.start_text}",
            duration=args.window.duration_text,
            time_zone=args.time_zone,
            recur_every=args.window.recur_every,
            install_patches=maintenance.InputPatchConfigurationArgs(
                reboot_setting=args.reboot,
                windows_parameters=maintenance.InputWindowsParametersArgs(classifications_to_include=classes)
                if args.windows
                else None,
                linux_parameters=None
                if args.windows
                else maintenance.InputLinuxParametersArgs(classifications_to_include=classes),
            ),
            tags=dict(args.tags),
            # The day the program first runs (Azure refuses a start in the past), kept afterwards.
            opts=child_opts(self, ignore_changes=[START_DATE_TIME]),
        )
        self.patching = Patching(self.configuration.id, args.reboot)
        self.register_outputs({"maintenance_configuration_id": self.configuration.id})


def assign(
    name: str, patching: Patching, vm_name: pulumi.Input[str], resource_group_name: pulumi.Input[str], location: str,
    parent: pulumi.Resource,
) -> maintenance.ConfigurationAssignment:  # fmt: skip
    """Attach the schedule to a VM (an extension resource of the VM)."""
    return maintenance.ConfigurationAssignment(
        f"{name}-patching",
        configuration_assignment_name=f"{name}-patching",
        provider_name="Microsoft.Compute",
        resource_type="virtualMachines",
        resource_name_=vm_name,
        resource_group_name=resource_group_name,
        location=location,
        maintenance_configuration_id=patching.maintenance_configuration_id,
        opts=child_opts(parent),
    )


def allow_start(
    name: str, patching: Patching, vm_id: pulumi.Input[str], parent: pulumi.Resource
) -> authorization.RoleAssignment | None:
    """The start role for the stack's start workflow on this VM only (None: no workflow starts the VM)."""
    if patching.starter_principal_id is None or patching.start_role_definition_id is None:
        return None
    return authorization.RoleAssignment(
        f"{name}-patch-start-role",
        principal_id=patching.starter_principal_id,
        principal_type="ServicePrincipal",
        role_definition_id=patching.start_role_definition_id,
        scope=vm_id,
        opts=child_opts(parent, replace_on_changes=ROLE_ASSIGNMENT_REPLACE),
    )
