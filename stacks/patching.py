"""The stack's patching: one Update Manager window (``PatchSchedule``) every workstation is assigned to, and the
idle watcher's hold through it.

``patch_schedule`` registers the maintenance configuration (shared, before the units: a plan made in parts
merges); ``patching_of`` is what a unit's Workstation gets; ``hold`` adds the window to a VM's idle stop so the
watcher does not deallocate it during a run. Scale sets are not patched by Update Manager: ``scale_out`` has no
``patching`` (docs/CLASSROOM.md).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from azurefacts import clock
from azurefacts.patching import Window, utc_spans
from azurefacts.timezones import WINDOWS_TO_IANA
from components.idle_stop import IdleStop
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


def patching_of(schedule: PatchSchedule | None) -> Patching | None:
    return schedule.patching if schedule is not None else None


def hold(idle: IdleStop | None, config: BaseStackConfig) -> IdleStop | None:
    """``idle`` with the stack's patch window, so the watcher keeps the VM up through a run (None stays None)."""
    if idle is None or not isinstance(config, PatchedStack) or not config.patching.enabled:
        return idle
    zone = WINDOWS_TO_IANA.get(config.auto_shutdown.time_zone, "UTC")
    spans = utc_spans(config.patching.window, zone, clock.today().year)
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
    }
