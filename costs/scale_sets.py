"""How a scale set bills: instance-hours from its autoscale profiles, per-instance disks while instances exist.

An autoscale setting decides how many instances a scale set runs when
(Microsoft Learn, 'Autoscale with multiple profiles'): a *recurrence* profile
holds from its start (day, hour, minute) until the next one starts, every week; a
*fixed date* profile holds from its start to its end and wins over the recurrence
profiles meanwhile; the *default* profile holds when no recurrence profile exists.
The estimate walks that timetable at each profile's ``default`` capacity:

- instance-hours a month = the week's instance-hours x 730/168, plus what the fixed date
  windows add in the busiest calendar month from today on (``azurefacts.clock``): each
  window's instance-hours in that month minus the weekly ones it replaces. An event that
  has ended adds nothing, the past part of one under way nothing, and one longer than a
  month only its busiest month's share (not all of it in one month);
- compute bills those instance-hours at the size's price (``compute_line``); always-on
  is the highest ``maximum`` of any profile, all month;
- each instance's OS disk (and data disk) exists only with its instance: a Flexible
  scale set deletes both when it scales in (``deleteOption: Delete``), so a disk
  bills its tier's monthly price (``disk_line``) x instance-hours / 730; always-on,
  the same peak all month.

CPU rules may run more instances than ``default`` (up to ``maximum``), and idle
instances may leave (idle stop) or CPU scale in down to ``minimum``: neither is
modelled (both depend on the class), the note says so. Profiles are read in their own time
zones without conversion (a stack uses one). A scale set is priced by the autoscale
setting that targets it, which a plan lists after it; the scale set's own line
bills its declared ``sku.capacity`` always on (0 for a scale set that sleeps at
zero), and the setting takes that back when it owns the capacity.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from azurefacts import clock
from azurefacts.paths import get_path
from costs.estimate import Context, Line
from costs.hours import HOURS_PER_MONTH, Hours, Schedules

Resource = Mapping[str, Any]
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEK_MINUTES = 7 * 24 * 60
WEEKS_PER_MONTH = HOURS_PER_MONTH / 168
# The scale sets an estimate has priced so far, for the autoscale settings that come after them.
_SEEN: weakref.WeakKeyDictionary[Schedules, dict[str, Resource]] = weakref.WeakKeyDictionary()


def _capacity(profile: Mapping[str, Any], key: str = "default") -> int:
    return int(str(get_path(profile, f"capacity.{key}", 0)))


def weekly_starts(profiles: Sequence[Mapping[str, Any]]) -> list[tuple[int, int]]:
    """(minute of the week, capacity) at which each recurrence profile starts, in time order."""
    starts = []
    for profile in profiles:
        schedule = get_path(profile, "recurrence.schedule") or {}
        for day in schedule.get("days") or []:
            for hour in schedule.get("hours") or []:
                for minute in schedule.get("minutes") or []:
                    starts.append((DAYS.index(day) * 1440 + int(hour) * 60 + int(minute), _capacity(profile)))
    return sorted(starts)


def capacity_at(starts: list[tuple[int, int]], baseline: int, minute: int) -> int:
    """The capacity in force at a minute of the week: the last recurrence start before it (wrapping)."""
    if not starts:
        return baseline
    before = [cap for at, cap in starts if at <= minute % WEEK_MINUTES]
    return before[-1] if before else starts[-1][1]


def _baseline(profiles: Sequence[Mapping[str, Any]]) -> int:
    plain = [p for p in profiles if not p.get("recurrence") and not p.get("fixedDate")]
    return _capacity(plain[0]) if plain else 0


def _minute_of_week(moment: datetime) -> int:
    return moment.weekday() * 1440 + moment.hour * 60 + moment.minute


def event_months(profiles: Sequence[Mapping[str, Any]], today: date | None = None) -> dict[tuple[int, int], float]:
    """Per calendar month (year, month), the instance-hours the fixed date windows add over the weekly
    timetable, counted from ``today`` on: a window is cut into stretches at its month boundaries and at
    the weekly profiles' starts, and each stretch adds (its capacity - the weekly capacity) x its hours."""
    starts, baseline = weekly_starts(profiles), _baseline(profiles)
    now = datetime.combine(today or clock.today(), time())
    found: dict[tuple[int, int], float] = {}
    for profile in profiles:
        window = profile.get("fixedDate")
        if not window:
            continue
        begin = max(datetime.fromisoformat(str(window["start"])).replace(tzinfo=None), now)
        end = datetime.fromisoformat(str(window["end"])).replace(tzinfo=None)
        if end <= begin:
            continue  # ended (or its whole window is past)
        cuts = {begin, end}
        month = datetime(begin.year, begin.month, 1)
        while month < end:
            month = datetime(month.year + month.month // 12, month.month % 12 + 1, 1)
            if begin < month < end:
                cuts.add(month)
        monday = datetime.combine(begin.date() - timedelta(days=begin.weekday()), time())
        while monday < end:
            cuts.update(m for at, _ in starts if begin < (m := monday + timedelta(minutes=at)) < end)
            monday += timedelta(days=7)
        ordered = sorted(cuts)
        for left, right in pairwise(ordered):
            weekly_capacity = capacity_at(starts, baseline, _minute_of_week(left))
            hours = (right - left).total_seconds() / 3600
            key = (left.year, left.month)
            found[key] = found.get(key, 0.0) + (_capacity(profile) - weekly_capacity) * hours
    return found


def monthly_instance_hours(profiles: Sequence[Mapping[str, Any]], today: date | None = None) -> float:
    """Instance-hours a month the profiles run (each at its default capacity): the weekly timetable, plus the
    fixed date windows' share in their busiest calendar month from ``today`` on (``event_months``)."""
    starts, baseline = weekly_starts(profiles), _baseline(profiles)
    if starts:
        ends = [at for at, _ in starts[1:]] + [starts[0][0] + WEEK_MINUTES]
        weekly = sum(cap * (end - at) for (at, cap), end in zip(starts, ends, strict=True))
    else:
        weekly = baseline * WEEK_MINUTES
    events = event_months(profiles, today)
    return weekly / 60 * WEEKS_PER_MONTH + max(events.values(), default=0.0)


def busiest_event_month(profiles: Sequence[Mapping[str, Any]], today: date | None = None) -> str | None:
    """The calendar month the estimate bills the events in (``2027-03``), None without an event to come."""
    events = event_months(profiles, today)
    if not events:
        return None
    year, month = max(events, key=lambda k: (events[k], -k[0], -k[1]))
    return f"{year}-{month:02d}"


def _lines(context: Context, vmss: Resource, hours: float, peak: int, why: str) -> list[Line]:
    """Compute and per-instance disks of ``hours`` instance-hours a month, ``peak`` instances at most."""
    from costs.pricers import compute_line, disk_line, dsvm_image  # costs.pricers registers this module's pricers

    if peak <= 0:
        return []
    image = dsvm_image(vmss, "inputs.virtualMachineProfile")
    size = get_path(vmss, "inputs.sku.name")
    spot = get_path(vmss, "inputs.virtualMachineProfile.priority") == "Spot"
    note = f"{hours:,.0f} instance-hours/month {why}"
    lines = [compute_line(context, vmss, size, image, Hours(hours / peak, note), instances=peak, spot=spot)]
    storage = get_path(vmss, "inputs.virtualMachineProfile.storageProfile", {})
    os_disk = storage.get("osDisk") or {}
    disks = [("OS disk", os_disk.get("diskSizeGB") or image.os_disk_gib, os_disk)]
    disks += [(f"data disk (lun {d.get('lun')})", d.get("diskSizeGB"), d) for d in storage.get("dataDisks") or []]
    for item, size_gib, disk in disks:
        sku = get_path(disk, "managedDisk.storageAccountType", "Premium_LRS")
        one = disk_line(context, vmss, f"{item} per instance", size_gib, sku)
        share = hours / HOURS_PER_MONTH
        lines.append(replace(
            one, item=f"{peak} x {one.item}", monthly=one.monthly * share, always_on_monthly=one.monthly * peak,
            note=f"billed while its instance exists (scale-in deletes it): {share:,.1f} disk-months; "
            f"{one.note.removeprefix('always billed; ')}",
        ))  # fmt: skip
    return lines


def price_scale_set(vmss: Resource, context: Context) -> list[Line]:
    """A scale set at its declared ``sku.capacity``, always on (an autoscale setting corrects it)."""
    _SEEN.setdefault(context.schedules, {})[str(vmss.get("id") or "").lower()] = vmss
    capacity = int(get_path(vmss, "inputs.sku.capacity", 0) or 0)
    return _lines(context, vmss, capacity * HOURS_PER_MONTH, capacity, "at its declared capacity, always on")


def price_autoscale(setting: Resource, context: Context) -> list[Line]:
    """The target scale set's instance-hours as the autoscale profiles schedule them."""
    target = str(get_path(setting, "inputs.targetResourceUri", "")).lower()
    vmss = _SEEN.get(context.schedules, {}).get(target)
    if vmss is None:
        return [Line(setting, "AutoscaleSetting", 0.0, 0.0, "not priced: its scale set is not in this plan")]
    profiles = get_path(setting, "inputs.profiles", [])
    peak = max((_capacity(p, "maximum") for p in profiles), default=0)
    hours = monthly_instance_hours(profiles)
    fewer = any(_capacity(p, "minimum") < _capacity(p) for p in profiles)
    why = "default capacities; CPU rules may add" + (", idle instances leave down to the minimum" if fewer else "")
    month = busiest_event_month(profiles)
    if month:
        why += f"; events billed in {month}, their busiest month to come"
    elif any(p.get("fixedDate") for p in profiles):
        why += "; every event has ended: none billed"
    lines = _lines(context, vmss, hours, peak, f"from the autoscale profiles ({why})")
    declared = int(get_path(vmss, "inputs.sku.capacity", 0) or 0)
    for line in _lines(context, vmss, declared * HOURS_PER_MONTH, declared, "declared"):
        lines.append(replace(line, item=f"{line.item}: autoscale owns the capacity", monthly=-line.monthly,
                             always_on_monthly=-line.always_on_monthly, note="taken back from the declared capacity"))
    return lines
