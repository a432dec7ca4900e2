"""The stack's patching: one Update Manager window (``PatchSchedule``) every workstation is assigned to, the
workflow that starts the deallocated workstations before it (``PatchStart``), and the idle watcher's hold through it.

``patching_of`` registers the maintenance configuration and the start workflow (shared, before the units: a plan
made in parts merges; the workflow lists every VM of the stack) and returns what a unit's Workstation gets (its
assignment, and the start role on its VM for the workflow's identity); ``hold`` adds the window, from the
workflow's start to the window's end, to a VM's idle stop so the watcher does not deallocate it before or during a
run. Scale sets are not patched by Update Manager: ``scale_out`` has no
``patching`` (docs/CLASSROOM.md).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from azurefacts import clock
from azurefacts.patching import Window, utc_spans
from azurefacts.subscription_roles import VM_PATCH_START, role_definition_id
from azurefacts.timezones import WINDOWS_TO_IANA
from components.idle_stop import IdleStop
from components.patch_start import PatchStart, PatchStartArgs
from components.patching import Patching, PatchSchedule, PatchScheduleArgs
from stacks.config.patching import PatchedStack
from stacks.config.stack import BaseStackConfig
from stacks.foundation import Foundation


def schedule_name(prefix: str, window: Window) -> str:
    """The maintenance configuration's name: its start is in it (components/patching.py says why)."""
    return f"{prefix}-patching-{window.start_text.replace(':', '')}"


def patch_schedule(config: BaseStackConfig, base: Foundation) -> PatchSchedule | None:
    """The stack's maintenance configuration, when it patches (None otherwise)."""
    if not isinstance(config, PatchedStack) or not config.patching.enabled:
        return None
    patching = config.patching
    return PatchSchedule(
        f"{base.prefix}-patching",
        PatchScheduleArgs(
            resource_group_name=base.rg_name,
            location=config.location,
            name=schedule_name(base.prefix, patching.window),
            window=patching.window,
            time_zone=config.auto_shutdown.time_zone,
            windows=config.is_windows,
            classifications=patching.classifications,
            reboot=patching.reboot,
            tags=base.tags,
        ),
    )


def starts_vms(config: BaseStackConfig) -> bool:
    """Whether the stack has a start workflow (patching on, ``start_stopped_vms`` on)."""
    return isinstance(config, PatchedStack) and config.patching.enabled and config.patching.start_stopped_vms


def vm_names(config: BaseStackConfig) -> list[str]:
    """Every VM of the stack (each unit with a NIC has one, named as components/workstation.py names it)."""
    return [f"{unit.name}-vm" for unit in config.units() if unit.nic is not None]


def patch_start(config: BaseStackConfig, base: Foundation) -> PatchStart | None:
    """The workflow that starts the stack's VMs before the window (None: patching or the start is off)."""
    if not starts_vms(config):
        return None
    assert isinstance(config, PatchedStack)
    return PatchStart(
        f"{base.prefix}-patch-start",
        PatchStartArgs(
            resource_group_name=base.rg_name,
            location=config.location,
            subscription_id=base.subscription_id,
            name=f"{base.prefix}-patch-start",
            start_window=config.patching.start_window,
            time_zone=config.auto_shutdown.time_zone,
            vm_names=vm_names(config),
            tags=base.tags,
        ),
    )


def patching_of(config: BaseStackConfig, base: Foundation) -> Patching | None:
    """The stack's window and start workflow, registered; what each Workstation gets (None: patching is off)."""
    schedule = patch_schedule(config, base)
    if schedule is None:
        return None
    start = patch_start(config, base)
    if start is None:
        return schedule.patching
    role = base.subscription_id.apply(lambda sub: role_definition_id(sub, VM_PATCH_START))
    patching = schedule.patching
    return dataclasses.replace(patching, starter_principal_id=start.principal_id, start_role_definition_id=role)


def hold(idle: IdleStop | None, config: BaseStackConfig) -> IdleStop | None:
    """``idle`` with the stack's patch window, so the watcher keeps the VM up through a run (None stays None): from
    the start workflow's start (when it starts the VMs) to the window's end."""
    if idle is None or not isinstance(config, PatchedStack) or not config.patching.enabled:
        return idle
    zone = WINDOWS_TO_IANA.get(config.auto_shutdown.time_zone, "UTC")
    held = config.patching.start_window if config.patching.start_stopped_vms else config.patching.window
    spans = utc_spans(held, zone, clock.today().year)
    return dataclasses.replace(idle, patch_windows=tuple(spans))


def patching_outputs(config: BaseStackConfig, base: Foundation) -> dict[str, Any] | None:
    """The window, for the stack outputs (what members are told: when their VM may be patched and rebooted)."""
    if not isinstance(config, PatchedStack) or not config.patching.enabled:
        return None
    window = config.patching.window
    return {
        "maintenance_configuration": schedule_name(base.prefix, window),
        "window": f"{window.day} {window.start_text} for {window.duration_text} ({config.auto_shutdown.time_zone})",
        "reboot": config.patching.reboot,
        "start": _start_text(config.patching.start_window) if config.patching.start_stopped_vms else None,
    }


def _start_text(start: Window) -> str:
    return f"the stopped workstations are started {start.day} {start.start_text} and deallocated by idle stop after it"
