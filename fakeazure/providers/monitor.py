"""Microsoft.Insights: autoscale settings.

Emulated (sources: Microsoft Learn, 'Understand autoscale settings', 'Autoscale with
multiple profiles', 'Azure Monitor service limits' (autoscale: 20 profiles per setting,
10 rules per profile) and the ``AutoscaleProfile`` REST reference; the codes are not
confirmed, see errors.py):
- ``targetResourceUri`` must be an existing scale set (``TargetResourceNotFound``);
- 1-20 profiles, each with at most 10 rules;
- capacities (ARM takes them as strings) whole numbers within 0-1000 with
  minimum <= default <= maximum;
- a profile has a ``recurrence`` or a ``fixedDate``, not both (the default profile has
  neither); a recurrence is weekly (``frequency: Week``), with valid day names, hours
  0-23, minutes 0-59 and a Windows time zone id (``azurefacts.timezones``); a fixed
  date has a start before its end, in a known time zone;
- each rule: operator, statistic, time aggregation, direction and scale type from
  ARM's enums, ``timeGrain`` 1 minute-12 hours, ``timeWindow`` 5 minutes-12 hours,
  ``cooldown`` 1 minute-1 week, and a metric resource that exists;
- ``location`` is create-only (``azurefacts.resource_types``: a change replaces).

Not emulated: evaluating the profiles over time (the cost estimate does that:
``costs/scale_sets.py``), metrics, notifications, predictive autoscale, the scale
actions Azure runs (a scale-out beyond quota fails at run time, in the activity log).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from azurefacts.timezones import WINDOWS_TIME_ZONES
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig
from fakeazure.providers.scale_sets import VirtualMachineScaleSet

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

MAX_PROFILES = 20
MAX_RULES = 10
MAX_CAPACITY = 1000
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OPERATORS = {"Equals", "NotEquals", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual"}
STATISTICS = {"Average", "Min", "Max", "Sum", "Count"}
AGGREGATIONS = {"Average", "Minimum", "Maximum", "Total", "Count", "Last"}
DIRECTIONS = {"None", "Increase", "Decrease"}
SCALE_TYPES = {"ChangeCount", "PercentChangeCount", "ExactCount", "ServiceAllowedNextValue"}
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
# (path of the duration in a rule, least minutes, most minutes)
_DURATIONS = (
    ("metricTrigger.timeGrain", 1, 12 * 60),
    ("metricTrigger.timeWindow", 5, 12 * 60),
    ("scaleAction.cooldown", 1, 7 * 24 * 60),
)


def duration_minutes(text: str) -> float | None:
    """An ISO 8601 duration (``PT5M``, ``PT1H``, ``P1W``) in minutes; None if it is not one."""
    found = _DURATION.match(text)
    if not found or text in ("P", "PT"):
        return None
    weeks, days, hours, minutes, seconds = (int(g or 0) for g in found.groups())
    return weeks * 7 * 1440 + days * 1440 + hours * 60 + minutes + seconds / 60


def _invalid(message: str, target: str) -> errors.ArmError:
    return errors.autoscale_setting_invalid(message, target)


class AutoscaleSetting(ResourceType):
    token = "azure-native:monitor:AutoscaleSetting"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        target = inputs.get("targetResourceUri")
        az.require(target, "targetResourceUri", VirtualMachineScaleSet.arm_type, code=errors.autoscale_target_not_found)
        profiles = inputs.get("profiles") or []
        if not 1 <= len(profiles) <= MAX_PROFILES:
            raise _invalid(
                f"An autoscale setting has 1-{MAX_PROFILES} profiles; this one has {len(profiles)}.", "profiles"
            )
        for i, profile in enumerate(profiles):
            self._check_profile(az, profile, f"profiles[{i}]")

    def _check_profile(self, az: FakeAzure, profile: dict[str, Any], where: str) -> None:
        self._check_capacity(profile, where)
        rules = profile.get("rules") or []
        if len(rules) > MAX_RULES:
            raise _invalid(f"A profile has at most {MAX_RULES} rules; {where} has {len(rules)}.", f"{where}.rules")
        for j, rule in enumerate(rules):
            self._check_rule(az, rule, f"{where}.rules[{j}]")
        if profile.get("recurrence") and profile.get("fixedDate"):
            raise _invalid("A profile has a recurrence or a fixed date, not both.", where)
        if profile.get("recurrence"):
            self._check_recurrence(profile["recurrence"], f"{where}.recurrence")
        if profile.get("fixedDate"):
            self._check_fixed_date(profile["fixedDate"], f"{where}.fixedDate")

    @staticmethod
    def _check_capacity(profile: dict[str, Any], where: str) -> None:
        values: dict[str, int] = {}
        for key in ("minimum", "default", "maximum"):
            raw = dig(profile, f"capacity.{key}")
            try:
                values[key] = int(str(raw))
            except ValueError:
                raise _invalid(f"capacity.{key} '{raw}' is not a whole number.", f"{where}.capacity.{key}") from None
            if not 0 <= values[key] <= MAX_CAPACITY:
                raise _invalid(
                    f"capacity.{key} {values[key]} is outside 0-{MAX_CAPACITY}.", f"{where}.capacity.{key}"
                )
        if not values["minimum"] <= values["default"] <= values["maximum"]:
            raise _invalid(
                f"The capacity must satisfy minimum <= default <= maximum (got {values['minimum']}, "
                f"{values['default']}, {values['maximum']}).",
                f"{where}.capacity",
            )

    @staticmethod
    def _check_rule(az: FakeAzure, rule: dict[str, Any], where: str) -> None:
        enums = (
            ("metricTrigger.operator", OPERATORS),
            ("metricTrigger.statistic", STATISTICS),
            ("metricTrigger.timeAggregation", AGGREGATIONS),
            ("scaleAction.direction", DIRECTIONS),
            ("scaleAction.type", SCALE_TYPES),
        )
        for path, allowed in enums:
            if dig(rule, path) not in allowed:
                raise _invalid(f"{path} '{dig(rule, path)}' is not one of {sorted(allowed)}.", f"{where}.{path}")
        for path, least, most in _DURATIONS:
            minutes = duration_minutes(str(dig(rule, path, "")))
            if minutes is None or not least <= minutes <= most:
                raise _invalid(
                    f"{path} '{dig(rule, path)}' must be an ISO 8601 duration from {least} to {most} minutes.",
                    f"{where}.{path}",
                )
        az.require(dig(rule, "metricTrigger.metricResourceUri"), f"{where}.metricTrigger.metricResourceUri")

    @staticmethod
    def _check_recurrence(recurrence: dict[str, Any], where: str) -> None:
        if recurrence.get("frequency") != "Week":
            raise _invalid(
                f"recurrence.frequency must be Week (got {recurrence.get('frequency')!r}).", f"{where}.frequency"
            )
        schedule = recurrence.get("schedule") or {}
        _check_time_zone(schedule.get("timeZone"), f"{where}.schedule.timeZone")
        days, hours, minutes = (schedule.get(k) or [] for k in ("days", "hours", "minutes"))
        if not days or any(d not in DAYS for d in days):
            raise _invalid(f"schedule.days {days} must be weekdays: {', '.join(DAYS)}.", f"{where}.schedule.days")
        if not hours or any(not 0 <= int(h) <= 23 for h in hours):
            raise _invalid(f"schedule.hours {hours} must be 0-23.", f"{where}.schedule.hours")
        if not minutes or any(not 0 <= int(m) <= 59 for m in minutes):
            raise _invalid(f"schedule.minutes {minutes} must be 0-59.", f"{where}.schedule.minutes")

    @staticmethod
    def _check_fixed_date(window: dict[str, Any], where: str) -> None:
        if window.get("timeZone") is not None:
            _check_time_zone(window.get("timeZone"), f"{where}.timeZone")
        try:
            start = datetime.fromisoformat(str(window.get("start")))
            end = datetime.fromisoformat(str(window.get("end")))
        except ValueError:
            raise _invalid("fixedDate start and end must be ISO 8601 date-times.", where) from None
        if start.replace(tzinfo=None) >= end.replace(tzinfo=None):
            raise _invalid(f"fixedDate start {start} must be before its end {end}.", where)


def _check_time_zone(zone: object, target: str) -> None:
    if zone not in WINDOWS_TIME_ZONES:
        raise _invalid(f"'{zone}' is not a Windows time zone id (e.g. W. Europe Standard Time).", target)


TYPES: list[ResourceType] = [AutoscaleSetting()]
