"""Autoscale profiles from class hours and event windows: pure arithmetic, no Pulumi, no I/O.

How Azure autoscale treats profiles (Microsoft Learn, 'Autoscale with multiple
profiles' and 'Understand autoscale settings'):
- a *recurrence* profile has only a start (days of the week, an hour and a minute, in
  a Windows time zone) and stays in force until the next profile starts; so a class
  window becomes two profiles: one that starts it at the pool's capacity and one at
  its end that brings the pool to 0;
- a *fixed date* profile has a start and an end, and wins over recurrence profiles
  while it runs; after its end the recurrence profile in force applies again (or the
  default profile);
- the *default* profile (neither) applies when no other does: here capacity 0, so the
  pool sleeps at zero outside its windows;
- at most 20 profiles per setting and 10 rules per profile ('Azure Monitor service
  limits'); capacity 0-1000 (a Flexible scale set's maximum) with
  minimum <= default <= maximum.

Windows with the same start time (or end time) share one profile (``days: [Monday,
Wednesday]``), so a weekly timetable costs two profiles per distinct start and end
time, plus one per event, plus the default. A class past midnight is written as two
windows (``22:00``-``24:00`` and ``00:00``-``02:00`` the next day; an end of ``23:59`` counts
as ``24:00`` when a window starts at ``00:00`` the next day): they touch across midnight and
become one window (a start profile the first day, an end profile the next), so the pool
never drops to zero at midnight.

Refused with the config path and the fix (``ScheduleError``): a time that is not
``HH:MM``, an end not after its start, two windows that overlap or touch (merge
them), an event time with a UTC offset (times are local to ``time_zone``), a time zone
that is missing or not a Windows id, capacities out of order or a window capacity of 0, more
than 20 profiles.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from azurefacts.timezones import time_zone_problem

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_PROFILES = 20
MAX_RULES = 10
MAX_CAPACITY = 1000  # instances of one Flexible scale set
DEFAULT_PROFILE = "outside-windows"
DAY = 24 * 60
WEEK = 7 * DAY
LAST_MINUTE = DAY - 1  # 23:59: a window that ends here and goes on at 00:00 the next day is one window
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
# `2027-03-13 08:00`, also with zero seconds (`08:00:00`, how YAML timestamps are often written)
_DATETIME = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ]([01]\d|2[0-3]):([0-5]\d)(?::00(?:\.0+)?)?$")


class ScheduleError(ValueError):
    """A schedule Azure would refuse or misread: the config path (below ``dsvm:``) and the fix."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


@dataclass(frozen=True)
class Weekly:
    """Class hours: the same window on some days of every week, ``HH:MM`` local time."""

    days: tuple[str, ...]
    start: str
    end: str


@dataclass(frozen=True)
class Event:
    """A dated window (a hackathon weekend): ``YYYY-MM-DD HH:MM`` local time."""

    name: str
    start: str
    end: str


@dataclass(frozen=True)
class Capacity:
    """Instances in a window: at least ``minimum``, ``default`` at its start, at most ``maximum``."""

    minimum: int
    default: int
    maximum: int


ZERO = Capacity(0, 0, 0)


@dataclass(frozen=True)
class Profile:
    """One autoscale profile: a recurrence start (``days``, ``hour``, ``minute``), a fixed date window
    (``start``, ``end``: ISO local date-times) or neither (the default profile)."""

    name: str
    capacity: Capacity
    cpu_rules: bool
    time_zone: str
    days: tuple[str, ...] = ()
    hour: int | None = None
    minute: int | None = None
    start: str | None = None
    end: str | None = None

    @property
    def kind(self) -> str:
        """``recurrence``, ``fixed`` or ``default``."""
        return "recurrence" if self.days else "fixed" if self.start else "default"


def check_time_zone(zone: str | None, path: str = "schedule.time_zone") -> str:
    """``zone`` if it is a Windows time zone id; a missing or unknown one is a ``ScheduleError``."""
    if not zone:
        raise ScheduleError(
            path,
            "times without a time zone are ambiguous; set a Windows time zone id such as "
            "W. Europe Standard Time (`tzutil /l` lists them)",
        )
    problem = time_zone_problem(zone)
    if problem:
        raise ScheduleError(path, problem)
    return zone


def check_capacity(capacity: Capacity, path: str) -> Capacity:
    """Capacities Azure takes: 0-1000 and ``minimum <= default <= maximum`` (``path``: the pool)."""
    names = {"minimum": "min_capacity", "default": "capacity", "maximum": "max_capacity"}
    for key, name in names.items():
        value = getattr(capacity, key)
        if not 0 <= value <= MAX_CAPACITY:
            raise ScheduleError(
                f"{path}.{name}", f"{value} is outside 0-{MAX_CAPACITY}, the instances one Flexible scale set holds"
            )
    if capacity.minimum > capacity.maximum:
        raise ScheduleError(
            f"{path}.min_capacity",
            f"min capacity {capacity.minimum} is above max capacity {capacity.maximum}; lower min_capacity or "
            "raise max_capacity",
        )
    if not capacity.minimum <= capacity.default <= capacity.maximum:
        raise ScheduleError(
            f"{path}.capacity",
            f"capacity {capacity.default} must lie between min_capacity {capacity.minimum} and max_capacity "
            f"{capacity.maximum}",
        )
    if capacity.default < 1:
        raise ScheduleError(
            f"{path}.capacity",
            "capacity 0 starts every window with no instance, and CPU rules cannot add one (no instance, no "
            "CPU metric): the pool would never run; set capacity to 1 or more",
        )
    return capacity


def minutes_of(text: str, path: str, end: bool = False) -> int:
    """``HH:MM`` as minutes after midnight (an ``end`` may also be ``24:00``, the end of the day)."""
    if end and text == "24:00":
        return DAY
    found = _TIME.match(text)
    if not found:
        raise ScheduleError(path, f"'{text}' is not a time HH:MM (24-hour); write 9 am as \"09:00\" (quoted)")
    return int(found.group(1)) * 60 + int(found.group(2))


def moment_of(text: str, path: str) -> datetime:
    """``YYYY-MM-DD HH:MM`` (local to the schedule's time zone) as a naive datetime."""
    found = _DATETIME.match(text)
    if not found:
        offset = re.search(r"(Z|[+-]\d{2}:?\d{2})$", text)
        why = (
            "has a UTC offset, but times are local to schedule.time_zone; remove the offset"
            if offset
            else "is not a date and time YYYY-MM-DD HH:MM"
        )
        raise ScheduleError(path, f"'{text}' {why} (e.g. \"2026-03-14 09:00\")")
    try:
        return datetime.fromisoformat(f"{found.group(1)}T{found.group(2)}:{found.group(3)}")
    except ValueError as error:
        raise ScheduleError(path, f"'{text}' is not a valid date ({error})") from None


def _weekly_spans(weekly: Sequence[Weekly]) -> list[tuple[int, int, int, int]]:
    """Each class-hours window on each of its days: (day, start, end, entry), checked for inversions and
    overlaps."""
    spans: list[tuple[int, int, int, int]] = []
    for i, window in enumerate(weekly):
        where = f"schedule.class_hours[{i}]"
        start, end = minutes_of(window.start, f"{where}.start"), minutes_of(window.end, f"{where}.end", end=True)
        if end <= start:
            raise ScheduleError(
                f"{where}.end",
                f"the window ends ({window.end}) before it starts ({window.start}); a class past midnight is "
                "two windows (until 24:00, and from 00:00 the next day), which run as one",
            )
        if not window.days:
            raise ScheduleError(f"{where}.days", "no days; list the days of the week the class meets, e.g. [Monday]")
        for day in window.days:
            if day not in DAYS:
                raise ScheduleError(f"{where}.days", f"'{day}' is not a day of the week; use {', '.join(DAYS)}")
            if window.days.count(day) > 1:
                raise ScheduleError(f"{where}.days", f"{day} is listed twice; list each day once")
            spans.append((DAYS.index(day), start, end, i))
    for a in spans:
        for b in spans:
            if a[3] < b[3] and a[0] == b[0] and a[1] <= b[2] and b[1] <= a[2]:
                touch = a[2] == b[1] or b[2] == a[1]
                raise ScheduleError(
                    f"schedule.class_hours[{b[3]}]",
                    f"{'touches' if touch else 'overlaps'} class_hours[{a[3]}] on {DAYS[a[0]]}; "
                    + ("merge the two into one window" if touch else "make the windows disjoint, or merge them"),
                )
    return spans


def week_windows(spans: Sequence[tuple[int, int, int, int]]) -> list[tuple[int, int]]:
    """The class-hours windows as (start, end) minutes of the week (Monday 00:00 is 0), with windows that
    touch across midnight joined: one that ends at 24:00, or at 23:59, and one that starts at 00:00 the
    next day are one window (the documented recipe for a class past midnight), so the pool never drops
    to zero in between. An end past the week's last minute wraps to Monday."""
    starts_at_midnight = {day for day, start, _, _ in spans if start == 0}
    windows = []
    for day, start, end, _ in spans:
        if end == LAST_MINUTE and (day + 1) % 7 in starts_at_midnight:
            end = DAY
        windows.append((day * DAY + start, day * DAY + end))
    windows.sort()
    merged: list[list[int]] = []
    for start, end in windows:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    if len(merged) > 1 and merged[-1][1] >= WEEK and merged[0][0] == 0:  # Sunday night into Monday
        merged[0][0] = merged.pop()[0] - WEEK
    if len(merged) == 1 and merged[0][1] - merged[0][0] >= WEEK:
        raise ScheduleError(
            "schedule.class_hours",
            "the windows cover the whole week, so the pool would never sleep; leave a gap (a scale_out pool "
            "sleeps at zero outside its windows), or use a team stack for machines that never stop",
        )
    return [(start % WEEK, end % WEEK) for start, end in merged]


def _event_spans(events: Sequence[Event]) -> list[tuple[datetime, datetime]]:
    spans: list[tuple[datetime, datetime]] = []
    names: dict[str, int] = {}
    for i, event in enumerate(events):
        where = f"schedule.events[{i}]"
        if event.name in names:
            raise ScheduleError(
                f"{where}.name",
                f"'{event.name}' is the name of events[{names[event.name]}] too; each event needs its own name "
                "(it names the event's autoscale profile, which Azure requires to be unique)",
            )
        names[event.name] = i
        start, end = moment_of(event.start, f"{where}.start"), moment_of(event.end, f"{where}.end")
        if end <= start:
            raise ScheduleError(f"{where}.end", f"the event ends ({event.end}) before it starts ({event.start})")
        for j, (other_start, other_end) in enumerate(spans):
            if start < other_end and other_start < end:
                raise ScheduleError(where, f"overlaps events[{j}]; make the events disjoint, or merge them")
        spans.append((start, end))
    return spans


def profiles(weekly: Sequence[Weekly], events: Sequence[Event], time_zone: str | None, capacity: Capacity,
             pool: str = "pools[0]") -> list[Profile]:  # fmt: skip
    """The autoscale profiles of one pool: the default (0), a start and an end profile per distinct class
    start and end time, a fixed-date profile per event. Raises ``ScheduleError`` for what Azure would
    refuse or misread."""
    zone = check_time_zone(time_zone)
    check_capacity(capacity, pool)
    if not weekly and not events:
        raise ScheduleError(
            "schedule", "no windows: the pool would never run; add class_hours (weekly) or events (dated)"
        )
    spans = _weekly_spans(weekly)
    moments = _event_spans(events)
    rules = capacity.maximum > capacity.minimum
    starts: dict[int, list[str]] = {}
    ends: dict[int, list[str]] = {}
    for start, end in sorted(week_windows(spans)):
        starts.setdefault(start % DAY, []).append(DAYS[start // DAY])
        ends.setdefault(end % DAY, []).append(DAYS[end // DAY])
    found = [Profile(DEFAULT_PROFILE, ZERO, False, zone)]
    for at, days in sorted(starts.items()):
        hour, minute = divmod(at, 60)
        found.append(Profile(f"class-start-{hour:02d}{minute:02d}", capacity, rules, zone, tuple(days), hour, minute))
    for at, days in sorted(ends.items()):
        hour, minute = divmod(at, 60)
        found.append(Profile(f"class-end-{hour:02d}{minute:02d}", ZERO, False, zone, tuple(days), hour, minute))
    for event, (begins, ends_at) in zip(events, moments, strict=True):
        found.append(
            Profile(f"event-{event.name}", capacity, rules, zone, start=begins.isoformat(), end=ends_at.isoformat())
        )
    if len(found) > MAX_PROFILES:
        raise ScheduleError(
            "schedule",
            f"{len(found)} autoscale profiles ({len(starts)} class start times, {len(ends)} end times, "
            f"{len(moments)} events, the default) but Azure allows {MAX_PROFILES}; give classes common start "
            "and end times (one entry with several days), or split the schedule into two stacks",
        )
    return found


def describe(weekly: Sequence[Weekly], events: Sequence[Event], time_zone: str) -> list[str]:
    """The windows in words: ``Monday, Wednesday 09:00-12:00``, ``hackathon 2026-03-14 08:00 - 2026-03-15 20:00``."""
    lines = [f"{', '.join(w.days)} {w.start}-{w.end} ({time_zone})" for w in weekly]
    lines += [f"{e.name} {e.start} - {e.end} ({time_zone})" for e in events]
    return lines
