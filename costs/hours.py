"""Expected running hours of something billed per running hour.

An ``Enabled`` DevTest Labs ``GlobalSchedule`` that targets a VM
(``targetResourceId`` equals the VM's id) shuts it down daily at
``dailyRecurrence.time`` (HHmm, in the schedule's time zone). The member is
assumed to start it at ``WORKDAY_START`` (08:00, same time zone) on
``WORKDAYS_PER_MONTH`` working days and never at weekends, so it runs
``shutdown - 08:00`` hours a workday. A shutdown at or before 08:00 means the
VM ran through the night until the shutdown the next morning:
``24 - 8 + shutdown`` hours (16 to 24 h; exactly 08:00 counts as a full 24 h,
the conservative reading). No enabled schedule means always on
(``HOURS_PER_MONTH``). Manual stops, restarts after the shutdown and weekend use
are not modelled.

Idle stop (the VM's ``userData`` holds an enabled ``idle_stop`` object): the watcher
deallocates the VM once it has been idle ``idle_minutes``, so it bills the hours the member
really works on it, ``activeHoursPerWeek`` (an input of the VM's parent component, the
stack config's assumption) x 52/12 weeks a month, plus after each of the
``WORKDAYS_PER_MONTH`` sessions the idle minutes and one check interval
(``IDLE_CHECK_MINUTES``) before it stops; never more than the scheduled hours. Without
the assumption the VM is billed its scheduled hours, and the note says so.

Patch start (a ``Microsoft.Logic/workflows`` start workflow lists the VM's id in its ``vmIds`` parameter,
``components/patch_start.py``): the VM is assumed deallocated when the workflow starts it each week, so it runs
on top of the hours above: from the start to the window's end (``startedMinutesPerRun`` on the workflow's parent
component), then with idle stop ``idle_minutes`` and one check interval until the watcher deallocates it; without
idle stop until the next auto-shutdown (a start on a workday before 08:00 runs into the workday already counted,
so only the hours before 08:00 are added). Always on: nothing to add.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azurefacts.paths import get_path
from azurefacts.resource_types import SCHEDULE

WORKDAY_START = 8  # hour of day the member starts the VM (local time of the schedule)
WORKDAYS_PER_MONTH = 22
HOURS_PER_MONTH = 730  # Azure's billing month: 8,760 h / 12
WEEKS_PER_MONTH = 52 / 12
IDLE_CHECK_MINUTES = 5  # the idle watcher's timer (components/idle_units.py)
ACTIVE_HOURS_INPUT = "activeHoursPerWeek"  # on the VM's parent component (components/workstation.py)
STARTED_MINUTES_INPUT = "startedMinutesPerRun"  # on the start workflow's parent component (components/patch_start.py)
WORKFLOW = "azure-native:logic:Workflow"
WORKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class Hours:
    """Expected billed hours a month of something billed per running hour, and why."""

    expected: float
    note: str
    scheduled: float | None = None  # with idle stop: the hours the schedule alone would bill
    active_per_week: float | None = None  # with idle stop: the assumed active hours a week


@dataclass(frozen=True)
class WeeklyStart:
    """A start workflow's weekly run for one VM: its day and time (minutes after midnight, the stack's time zone) and
    the minutes from it to the window's end."""

    day: str
    start_minutes: int
    minutes: int

    def minutes_until(self, shutdown: str) -> int:
        """Minutes the started VM runs until a daily ``HHmm`` auto-shutdown, beyond the workday already counted."""
        shut = int(shutdown[:2]) * 60 + int(shutdown[2:])
        span = (shut - self.start_minutes) % 1440 or 1440
        workday = WORKDAY_START * 60
        if self.day in WORKDAY_NAMES and self.start_minutes < workday < self.start_minutes + span:
            span = workday - self.start_minutes
        return max(span, self.minutes)


class Schedules:
    """The plan's auto-shutdown schedules by the (lower-cased) id of what they target."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._by_target: dict[str, Resource] = {}
        self._active: dict[str, float] = {}  # component urn -> active hours a week (idle stop's assumption)
        self._starts: dict[str, WeeklyStart] = {}  # VM id (lower-cased) -> the start workflow's weekly run
        started = {str(r.get("urn")): get_path(r, f"inputs.{STARTED_MINUTES_INPUT}") for r in resources}
        for r in resources:
            if r.get("type") == WORKFLOW:
                self._add_starts(r, started.get(str(r.get("parent"))))
        for r in resources:
            target = get_path(r, "inputs.targetResourceId")
            if r.get("type") == SCHEDULE and isinstance(target, str):
                self._by_target[target.lower()] = r  # ARM ids compare case-insensitively
            active = get_path(r, f"inputs.{ACTIVE_HOURS_INPUT}")
            if isinstance(active, int | float) and not isinstance(active, bool):
                self._active[str(r.get("urn"))] = float(active)

    def _add_starts(self, workflow: Resource, minutes: object) -> None:
        if not isinstance(minutes, int | float) or isinstance(minutes, bool):  # a float from the policy engine
            return
        for trigger in (get_path(workflow, "inputs.definition.triggers") or {}).values():
            schedule = get_path(trigger, "recurrence.schedule") or {}
            days, hours, mins = (schedule.get(key) or [] for key in ("weekDays", "hours", "minutes"))
            if len(days) == len(hours) == len(mins) == 1:
                run = WeeklyStart(days[0], int(hours[0]) * 60 + int(mins[0]), int(minutes))
                for vm in get_path(workflow, "inputs.parameters.vmIds.value") or []:
                    self._starts[str(vm).lower()] = run
                    # During a preview a new VM's id is unknown (the policy pack uses its URN): its name, the last
                    # segment of the id the workflow lists, finds it (the workflow lists its own group's VMs only).
                    self._starts[f"name:{str(vm).rsplit('/', 1)[-1].lower()}"] = run

    def weekly_start(self, vm: Resource) -> WeeklyStart | None:
        """The start workflow's weekly run of this VM, if a workflow starts it (by its id, else its name)."""
        vm_id, name = vm.get("id"), get_path(vm, "inputs.vmName") or vm.get("name")
        found = self._starts.get(vm_id.lower()) if isinstance(vm_id, str) else None
        return found or (self._starts.get(f"name:{name.lower()}") if isinstance(name, str) else None)

    def shutdown_schedule(self, target_id: object) -> Resource | None:
        """The auto-shutdown schedule that targets this resource id, if any."""
        return self._by_target.get(target_id.lower()) if isinstance(target_id, str) else None

    def active_hours_per_week(self, component_urn: object) -> float | None:
        """The assumed active hours a week of the VMs below this component, if it states them."""
        return self._active.get(str(component_urn))


def workday_hours(shutdown: str) -> float:
    """Hours a VM started at ``WORKDAY_START`` runs before an ``HHmm`` shutdown (overnight if earlier)."""
    if len(shutdown) != 4 or not shutdown.isdigit() or int(shutdown[:2]) > 23 or int(shutdown[2:]) > 59:
        raise ValueError(f"auto-shutdown time '{shutdown}' is not HHmm")
    at = int(shutdown[:2]) + int(shutdown[2:]) / 60
    return at - WORKDAY_START if at > WORKDAY_START else at + 24 - WORKDAY_START


def vm_running_hours(vm: Resource, schedules: Schedules) -> Hours:
    """A VM's running hours: workdays until its enabled auto-shutdown, else always on."""
    schedule = schedules.shutdown_schedule(vm.get("id"))
    if schedule is None or get_path(schedule, "inputs.status", "Disabled") != "Enabled":
        reason = "no auto-shutdown schedule" if schedule is None else "auto-shutdown disabled"
        return Hours(HOURS_PER_MONTH, f"{reason}: always on, {HOURS_PER_MONTH} h/month")
    time = str(get_path(schedule, "inputs.dailyRecurrence.time", ""))
    try:
        per_day = workday_hours(time)
    except ValueError as e:
        raise ValueError(f"{schedule.get('name')} ({schedule.get('type')}): {e}") from None
    hours = min(HOURS_PER_MONTH, per_day * WORKDAYS_PER_MONTH)
    zone = get_path(schedule, "inputs.timeZoneId", "")
    return Hours(
        hours,
        f"{hours:g} h/month: started {WORKDAY_START:02d}:00 on {WORKDAYS_PER_MONTH} workdays, "
        f"auto-shutdown {time[:2]}:{time[2:]} {zone}".rstrip(),
    )


def idle_stop_settings(vm: Resource) -> dict[str, Any] | None:
    """The VM's enabled ``idle_stop`` settings from its userData (base64 JSON), else None."""
    raw = get_path(vm, "inputs.userData")
    if not isinstance(raw, str) or not raw:
        return None
    try:
        document = json.loads(base64.b64decode(raw, validate=True))
    except ValueError:
        return None
    settings = document.get("idle_stop") if isinstance(document, dict) else None
    return settings if isinstance(settings, dict) and settings.get("enabled", True) else None


def vm_billed_hours(vm: Resource, schedules: Schedules) -> Hours:
    """A VM's expected running hours: its schedule's, or with idle stop its active hours plus idle tails; plus the
    weekly run its patch start adds."""
    scheduled = vm_running_hours(vm, schedules)
    settings = idle_stop_settings(vm)
    run = schedules.weekly_start(vm)
    if settings is None:
        if run is None or scheduled.expected >= HOURS_PER_MONTH:
            return scheduled
        schedule = schedules.shutdown_schedule(vm.get("id")) or {}
        extra = run.minutes_until(str(get_path(schedule, "inputs.dailyRecurrence.time", ""))) / 60 * WEEKS_PER_MONTH
        expected = min(HOURS_PER_MONTH, scheduled.expected + extra)
        return Hours(expected, f"{scheduled.note}; {_started_note(run, extra)} until auto-shutdown")
    weekly = schedules.active_hours_per_week(vm.get("parent"))
    if weekly is None:
        return Hours(scheduled.expected, f"{scheduled.note}; idle stop on, no active-hours assumption: billed as "
                     "scheduled", scheduled=scheduled.expected)  # fmt: skip
    idle = float(settings.get("idle_minutes", 60))
    tail = WORKDAYS_PER_MONTH * (idle + IDLE_CHECK_MINUTES) / 60
    expected = min(scheduled.expected, weekly * WEEKS_PER_MONTH + tail)
    note = (
        f"idle stop: {expected:.1f} h/month = {weekly:g} active h/week x 52/12 + {idle:g}+{IDLE_CHECK_MINUTES} idle "
        f"min after each of {WORKDAYS_PER_MONTH} workdays (capped by the schedule)"
    )
    if run is not None:
        extra = (run.minutes + idle + IDLE_CHECK_MINUTES) / 60 * WEEKS_PER_MONTH
        expected = min(HOURS_PER_MONTH, expected + extra)
        note = f"{note}; {_started_note(run, extra)} + {idle:g}+{IDLE_CHECK_MINUTES} idle min"
    return Hours(expected, f"{note}; scheduled alone: {scheduled.note}", scheduled=scheduled.expected,
                 active_per_week=weekly)  # fmt: skip


def _started_note(run: WeeklyStart, extra: float) -> str:
    at = f"{run.start_minutes // 60:02d}:{run.start_minutes % 60:02d}"
    return f"patch start: + {extra:.1f} h/month, started {run.day} {at} for the window ({run.minutes} min)"
