"""Scheduled patching of the workstations: Azure Update Manager's weekly window, outside working hours.

The window is in the stack's time zone (``auto_shutdown.time_zone``), on one day a week. Working hours are
what the cost estimate assumes (docs/COSTS.md): 08:00 to ``auto_shutdown.time`` (19:00 when there is no
shutdown) Monday to Friday; a window that meets them is refused, since Azure may reboot the VMs in it. Rules:
``azurefacts/patching.py``. What happens to a VM that is deallocated at the window: docs/WORKSTATION.md.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal, cast

from pydantic import Field, field_validator, model_validator

from azurefacts.patching import MAX_WINDOW_MINUTES, Window, listed, overlaps, window_problem
from stacks.config.backup import DiskBackupStack
from stacks.config.base import PROMOTED, Model, PathError

WORK_START_MINUTES = 8 * 60  # costs/hours.py: a workstation is started at 08:00
WORKDAYS = 5
# The start workflow's lead before the window: at least the minutes a DSVM needs to start, boot and load the patch
# extension (a few; not a documented figure), at most two hours of paid idle time.
MIN_LEAD_MINUTES, MAX_LEAD_MINUTES = 15, 120
Day = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class PatchingConfig(Model):
    """Azure Update Manager patches every workstation in a weekly window (on by default): a maintenance configuration
    (scope InGuestPatch) assigned to each VM, whose patch orchestration becomes Customer Managed Schedules
    (`patchMode: AutomaticByPlatform`, periodic assessment on). A VM is patched only while it runs:
    docs/WORKSTATION.md says when that is."""

    enabled: bool = Field(
        default=True,
        description="Optional. Patch the workstations in the weekly window. Default true.",
        json_schema_extra=PROMOTED,
    )
    day: Day = Field(default="Saturday", description="Optional. The window's day. Default Saturday.")
    start: str = Field(
        default="0200",
        description=(
            "Optional. `HHMM`, in the stack's time zone (`auto_shutdown.time_zone`): when the window opens. Default "
            "`0200`."
        ),
    )
    duration: str = Field(
        default="03:00",
        description="Optional. `HH:MM`, 01:30-03:55 (Azure's longest guest-patching window). Default `03:00`.",
    )
    reboot: Literal["IfRequired", "Never", "Always"] = Field(
        default="IfRequired",
        description="Optional. Whether Azure reboots a VM after patching: IfRequired (default), Never, Always.",
        json_schema_extra=PROMOTED,
    )
    classifications: tuple[str, ...] = Field(
        default=("Critical", "Security"),
        description=(
            "Optional. Update classifications to install: Linux Critical, Security, Other; Windows Critical, Security, "
            "UpdateRollup, FeaturePack, ServicePack, Definition, Tools, Updates. Default Critical and Security."
        ),
        json_schema_extra=PROMOTED,
    )

    start_stopped_vms: bool = Field(
        default=True,
        description=(
            "Optional. Start the deallocated workstations `start_lead_minutes` before the window, so Update Manager "
            "finds them running: a Logic App (weekly recurrence in the stack's time zone, its managed identity holding "
            "the subscription's start role on each of the stack's VMs only; `dsvmctl bootstrap` defines the role). "
            "Idle stop deallocates them after the window; without idle stop they run until the next auto-shutdown. "
            "Default true; false: a VM is patched only in a window it happens to be running in."
        ),
        json_schema_extra=PROMOTED,
    )
    start_lead_minutes: int = Field(
        default=30,
        description=(
            f"Optional. Minutes before the window the workstations are started, {MIN_LEAD_MINUTES}-{MAX_LEAD_MINUTES}; "
            "the idle watcher holds off from then to the window's end. Default 30."
        ),
    )

    @field_validator("start_lead_minutes")
    @classmethod
    def _lead(cls, value: int) -> int:
        if not MIN_LEAD_MINUTES <= value <= MAX_LEAD_MINUTES:
            raise ValueError(
                f"{value} minutes is outside {MIN_LEAD_MINUTES}-{MAX_LEAD_MINUTES}: a VM needs a few minutes to start "
                "and boot before the window, and every minute more is paid; give e.g. 30"
            )
        return value

    @property
    def start_window(self) -> Window:
        """The window opened ``start_lead_minutes`` earlier: when the workflow starts the VMs, to the window's end."""
        return self.window.earlier(self.start_lead_minutes)

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3])[0-5]\d$", value):
            raise ValueError(f"'{value}' is not a time HHMM; write 02:00 as \"0200\" (quoted)")
        return value

    @field_validator("duration")
    @classmethod
    def _duration(cls, value: str) -> str:
        found = re.match(r"^(\d{2}):([0-5]\d)$", value)
        problem = window_problem(int(found[1]) * 60 + int(found[2])) if found else f"'{value}' is not HH:MM"
        if problem:
            longest = f"{MAX_WINDOW_MINUTES // 60:02d}:{MAX_WINDOW_MINUTES % 60:02d}"
            raise ValueError(f"{problem}; give 01:30 to {longest}, e.g. \"03:00\"")
        return value

    @property
    def window(self) -> Window:
        hours, minutes = self.duration.split(":")
        return Window(self.day, int(self.start[:2]) * 60 + int(self.start[2:]), int(hours) * 60 + int(minutes))


class PatchedStack(Model):
    """The ``patching`` section of the kinds whose workstations are VMs (``team``, ``gpu_rig``). Update Manager does
    not patch scale sets: ``scale_out`` instances boot the pinned image each time the pool grows."""

    patching: PatchingConfig = Field(
        default_factory=PatchingConfig,
        description="Optional. Weekly patching (on: Saturday 02:00-05:00, the stack's time zone; see PatchingConfig).",
    )

    @model_validator(mode="after")
    def _outside_working_hours(self) -> PatchedStack:
        if not self.patching.enabled:
            return self
        shutdown = cast(Any, self).auto_shutdown  # BaseStackConfig's, beside this mixin
        end = int(shutdown.time[:2]) * 60 + int(shutdown.time[2:]) if shutdown.enabled else 19 * 60
        if end <= WORK_START_MINUTES:
            end = 24 * 60  # a shutdown at or before 08:00: the VMs run through the day
        work = [(d * 1440 + WORK_START_MINUTES, d * 1440 + end) for d in range(WORKDAYS)]
        window = self.patching.window
        if overlaps(window, work):
            raise PathError(
                "patching.start",
                f"the window {window.day} {window.start_text} for {window.duration_text} meets working hours (08:00-"
                f"{end // 60:02d}:{end % 60:02d} on workdays, auto_shutdown.time in {shutdown.time_zone}), when Azure "
                "may reboot the VMs: move it to a night or the weekend, e.g. day Saturday, start \"0200\"",
            )
        unknown = self._unknown_classifications()
        if unknown:
            raise PathError("patching.classifications", unknown)
        self._shutdown_outside_the_window(shutdown)
        return self

    def _shutdown_outside_the_window(self, shutdown: Any) -> None:
        """Auto-shutdown is daily: at a time inside the window (from the start workflow's start) it would deallocate
        the VMs Update Manager is patching, every week."""
        if not shutdown.enabled:
            return
        held = self.patching.start_window if self.patching.start_stopped_vms else self.patching.window
        at = int(shutdown.time[:2]) * 60 + int(shutdown.time[2:])
        daily = [(d * 1440 + at, d * 1440 + at + 1) for d in range(7)]
        if overlaps(held, daily):
            end = (held.start_minutes + held.minutes) % 1440
            raise PathError(
                "auto_shutdown.time",
                f"auto-shutdown at {shutdown.time[:2]}:{shutdown.time[2:]} falls in the patch window ({held.day} "
                f"{held.start_text} to {end // 60:02d}:{end % 60:02d}, from the start of the VMs to the window's end), "
                "and would deallocate the VMs being patched: move auto_shutdown.time or the window (patching.start)",
            )

    def warnings(self, today: date | None = None) -> list[str]:
        """The kind's warnings, and what patching cannot do for this stack (said loudly, never claimed silently)."""
        found: list[str] = super().warnings(today)  # type: ignore[misc]
        if not self.patching.enabled:
            return found
        stack = cast(Any, self)
        image = stack.image.facts
        if listed(image.publisher, image.offer, image.sku) is False:
            found.append(
                f"dsvm:patching: Azure Update Manager's support matrix (2025-02-03) does not list the image "
                f"{image.publisher} {image.offer} {image.sku}; the window and the VMs' Customer Managed Schedules are "
                "set up, but whether its runs patch this image is not confirmed: check the first window's result "
                "(Update Manager, History), or set patching.enabled false to keep the image's own updates"
            )
        stoppers = [what for what, on in (("auto-shutdown", stack.auto_shutdown.enabled),
                                          ("idle stop", stack.idle_stop.enabled)) if on]  # fmt: skip
        window = self.patching.window
        if stoppers and not self.patching.start_stopped_vms:
            found.append(
                f"dsvm:patching: a VM is patched only while it runs, and {' and '.join(stoppers)} deallocate the "
                f"workstations: one is patched in the {window.day} {window.start_text} window only if it is running "
                "then, and patching.start_stopped_vms is false, so nothing starts it for the window. Set it true (the "
                "default), or they wait for a window they are up in: docs/WORKSTATION.md, 'Patching'"
            )
        elif self.patching.start_stopped_vms and stack.auto_shutdown.enabled and not stack.idle_stop.enabled:
            found.append(
                f"dsvm:patching: the workstations are started before the {window.day} {window.start_text} window and, "
                f"with idle stop off, run until auto-shutdown at {stack.auto_shutdown.time[:2]}:"
                f"{stack.auto_shutdown.time[2:]} (priced in the estimate): turn idle_stop on to deallocate them once "
                "the window is over"
            )
        return found

    def _unknown_classifications(self) -> str | None:
        from azurefacts.patching import LINUX_CLASSIFICATIONS, WINDOWS_CLASSIFICATIONS

        windows = bool(cast(Any, self).is_windows)
        allowed = WINDOWS_CLASSIFICATIONS if windows else LINUX_CLASSIFICATIONS
        wrong = [c for c in self.patching.classifications if c not in allowed]
        if wrong or not self.patching.classifications:
            what = "Windows" if windows else "Linux"
            given = f"{', '.join(wrong)} is not a classification" if wrong else "an empty list installs no update"
            return (f"{given}: {what} updates are classified {', '.join(allowed)}; list one or more of these "
                    "(default: Critical, Security)")  # fmt: skip
        return None


class WorkstationStack(DiskBackupStack, PatchedStack):
    """What the kinds with one VM per unit share beside ``BaseStackConfig``: disk backups and patching."""
