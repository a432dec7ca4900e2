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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azurefacts.paths import get_path
from azurefacts.resource_types import SCHEDULE

WORKDAY_START = 8  # hour of day the member starts the VM (local time of the schedule)
WORKDAYS_PER_MONTH = 22
HOURS_PER_MONTH = 730  # Azure's billing month: 8,760 h / 12

Resource = Mapping[str, Any]


@dataclass(frozen=True)
class Hours:
    """Expected billed hours a month of something billed per running hour, and why."""

    expected: float
    note: str


class Schedules:
    """The plan's auto-shutdown schedules by the (lower-cased) id of what they target."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        self._by_target: dict[str, Resource] = {}
        for r in resources:
            target = get_path(r, "inputs.targetResourceId")
            if r.get("type") == SCHEDULE and isinstance(target, str):
                self._by_target[target.lower()] = r  # ARM ids compare case-insensitively

    def shutdown_schedule(self, target_id: object) -> Resource | None:
        """The auto-shutdown schedule that targets this resource id, if any."""
        return self._by_target.get(target_id.lower()) if isinstance(target_id, str) else None


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
