"""The autoscale profile arithmetic (stacks/scale_out/schedule.py): pure, no Pulumi."""

from __future__ import annotations

import pytest

from stacks.scale_out.schedule import (
    DAYS,
    DEFAULT_PROFILE,
    MAX_PROFILES,
    ZERO,
    Capacity,
    Event,
    ScheduleError,
    Weekly,
    check_capacity,
    profiles,
)

ZONE = "W. Europe Standard Time"
CLASS = Capacity(15, 15, 20)


def by_name(found: list) -> dict:  # type: ignore[type-arg]
    return {p.name: p for p in found}


def test_a_weekly_window_is_a_start_at_n_and_an_end_at_zero_profile() -> None:
    found = profiles([Weekly(("Monday", "Wednesday"), "09:00", "12:00")], [], ZONE, CLASS)
    assert [p.name for p in found] == [DEFAULT_PROFILE, "class-start-0900", "class-end-1200"]
    default, start, end = found
    assert default.kind == "default" and default.capacity == ZERO and not default.cpu_rules
    assert start.kind == "recurrence" and start.days == ("Monday", "Wednesday") and (start.hour, start.minute) == (9, 0)
    assert start.capacity == CLASS and start.cpu_rules and start.time_zone == ZONE
    assert end.capacity == ZERO and not end.cpu_rules and (end.hour, end.minute) == (12, 0)


def test_windows_with_the_same_times_share_profiles() -> None:
    weekly = [Weekly(("Monday",), "09:00", "12:00"), Weekly(("Friday",), "09:00", "12:00"),
              Weekly(("Tuesday", "Thursday"), "13:00", "16:30")]  # fmt: skip
    found = by_name(profiles(weekly, [], ZONE, CLASS))
    assert set(found) == {DEFAULT_PROFILE, "class-start-0900", "class-start-1300", "class-end-1200", "class-end-1630"}
    assert found["class-start-0900"].days == ("Monday", "Friday")


def test_an_event_is_one_fixed_date_profile() -> None:
    found = profiles([], [Event("hackathon", "2027-03-13 08:00", "2027-03-14 20:00")], "Eastern Standard Time", CLASS)
    (event,) = [p for p in found if p.kind == "fixed"]
    assert event.name == "event-hackathon"
    assert (event.start, event.end) == ("2027-03-13T08:00:00", "2027-03-14T20:00:00")
    assert event.capacity == CLASS and event.time_zone == "Eastern Standard Time"


def test_no_cpu_rules_when_the_capacity_cannot_move() -> None:
    found = profiles([Weekly(("Monday",), "09:00", "10:00")], [], ZONE, Capacity(5, 5, 5))
    assert not any(p.cpu_rules for p in found)


@pytest.mark.parametrize(
    ("weekly", "path", "fragment"),
    [
        ([Weekly(("Monday",), "12:00", "09:00")], "schedule.class_hours[0].end", "before it starts"),
        ([Weekly(("Monday",), "09:00", "09:00")], "schedule.class_hours[0].end", "before it starts"),
        ([Weekly(("Monday",), "9:00", "12:00")], "schedule.class_hours[0].start", "HH:MM"),
        ([Weekly(("Monday",), "09:00", "24:01")], "schedule.class_hours[0].end", "HH:MM"),
        ([Weekly(("Mon",), "09:00", "12:00")], "schedule.class_hours[0].days", "not a day of the week"),
        ([Weekly((), "09:00", "12:00")], "schedule.class_hours[0].days", "no days"),
        ([Weekly(("Monday", "Tuesday"), "09:00", "12:00"), Weekly(("Tuesday",), "11:00", "13:00")],
         "schedule.class_hours[1]", "overlaps class_hours[0] on Tuesday"),
        ([Weekly(("Monday",), "09:00", "12:00"), Weekly(("Monday",), "12:00", "13:00")],
         "schedule.class_hours[1]", "touches class_hours[0] on Monday; merge"),
    ],
)  # fmt: skip
def test_inverted_overlapping_and_malformed_windows_are_refused(weekly: list, path: str, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScheduleError) as info:
        profiles(weekly, [], ZONE, CLASS)
    assert info.value.path == path and fragment in str(info.value)


@pytest.mark.parametrize(
    ("events", "path", "fragment"),
    [
        ([Event("a", "2027-03-14 20:00", "2027-03-13 08:00")], "schedule.events[0].end", "before it starts"),
        ([Event("a", "2027-03-13T08:00+01:00", "2027-03-14 20:00")], "schedule.events[0].start", "UTC offset"),
        ([Event("a", "2027-03-13 08:00Z", "2027-03-14 20:00")], "schedule.events[0].start", "UTC offset"),
        ([Event("a", "13/03/2027 08:00", "2027-03-14 20:00")], "schedule.events[0].start", "YYYY-MM-DD HH:MM"),
        ([Event("a", "2027-02-30 08:00", "2027-03-14 20:00")], "schedule.events[0].start", "not a valid date"),
        ([Event("a", "2027-03-13 08:00", "2027-03-14 20:00"), Event("b", "2027-03-14 19:00", "2027-03-15 08:00")],
         "schedule.events[1]", "overlaps events[0]"),
    ],
)  # fmt: skip
def test_inverted_overlapping_and_malformed_events_are_refused(events: list, path: str, fragment: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ScheduleError) as info:
        profiles([], events, ZONE, CLASS)
    assert info.value.path == path and fragment in str(info.value)


def test_back_to_back_events_are_fine() -> None:
    events = [Event("a", "2027-03-13 08:00", "2027-03-14 20:00"), Event("b", "2027-03-14 20:00", "2027-03-15 08:00")]
    assert len(profiles([], events, ZONE, CLASS)) == 3


@pytest.mark.parametrize(
    ("zone", "fragment"),
    [(None, "without a time zone"), ("", "without a time zone"), ("CET", "not a Windows time zone id"),
     ("W. Europe Standard Tme", "did you mean W. Europe Standard Time")],
)  # fmt: skip
def test_times_need_a_known_windows_time_zone(zone: str | None, fragment: str) -> None:
    with pytest.raises(ScheduleError) as info:
        profiles([Weekly(("Monday",), "09:00", "12:00")], [], zone, CLASS)
    assert info.value.path == "schedule.time_zone" and fragment in str(info.value)


@pytest.mark.parametrize(
    ("capacity", "path", "fragment"),
    [(Capacity(30, 25, 20), "pools[0].min_capacity", "above max capacity"),
     (Capacity(5, 30, 20), "pools[0].capacity", "between min_capacity 5 and max_capacity 20"),
     (Capacity(0, 0, 1001), "pools[0].max_capacity", "outside 0-1000"),
     (Capacity(-1, 0, 1), "pools[0].min_capacity", "outside 0-1000"),
     (Capacity(0, 0, 5), "pools[0].capacity", "the pool would never run")],
)  # fmt: skip
def test_capacities_out_of_order_or_range_are_refused(capacity: Capacity, path: str, fragment: str) -> None:
    with pytest.raises(ScheduleError) as info:
        check_capacity(capacity, "pools[0]")
    assert info.value.path == path and fragment in str(info.value)
    assert check_capacity(Capacity(0, 1000, 1000), "pools[0]")


def test_no_window_at_all_is_refused() -> None:
    with pytest.raises(ScheduleError, match="no windows") as info:
        profiles([], [], ZONE, CLASS)
    assert info.value.path == "schedule"


def test_more_than_20_profiles_are_refused_with_the_fix() -> None:
    # 10 distinct start and end times: 1 + 10 + 10 = 21 profiles.
    weekly = [Weekly(("Monday",), f"{h:02d}:00", f"{h:02d}:30") for h in range(8, 18)]
    with pytest.raises(ScheduleError) as info:
        profiles(weekly, [], ZONE, CLASS)
    assert info.value.path == "schedule" and "21 autoscale profiles" in str(info.value)
    assert "common start and end times" in str(info.value)
    assert len(profiles(weekly[:9], [Event("e", "2027-01-01 00:00", "2027-01-02 00:00")], ZONE, CLASS)) == MAX_PROFILES


@pytest.mark.parametrize("end", ["24:00", "23:59"])
def test_a_class_past_midnight_is_one_window_with_no_drop_to_zero(end: str) -> None:
    weekly = [Weekly(("Friday",), "22:00", end), Weekly(("Saturday",), "00:00", "02:00")]
    found = profiles(weekly, [], ZONE, CLASS)
    assert [(p.name, p.days) for p in found] == [
        (DEFAULT_PROFILE, ()), ("class-start-2200", ("Friday",)), ("class-end-0200", ("Saturday",))]


def test_sunday_night_runs_into_monday() -> None:
    weekly = [Weekly(("Sunday",), "20:00", "24:00"), Weekly(("Monday",), "00:00", "01:00"),
              Weekly(("Monday",), "09:00", "10:00")]  # fmt: skip
    found = by_name(profiles(weekly, [], ZONE, CLASS))
    assert found["class-start-2000"].days == ("Sunday",) and found["class-end-0100"].days == ("Monday",)
    assert found["class-start-0900"].days == ("Monday",) and "class-start-0000" not in found


def test_sunday_until_2359_runs_into_monday_midnight() -> None:
    weekly = [Weekly(("Sunday",), "20:00", "23:59"), Weekly(("Monday",), "00:00", "01:00")]
    found = by_name(profiles(weekly, [], ZONE, CLASS))
    assert set(found) == {DEFAULT_PROFILE, "class-start-2000", "class-end-0100"}
    assert found["class-end-0100"].days == ("Monday",)


def test_24_00_ends_a_window_but_starts_none() -> None:
    with pytest.raises(ScheduleError, match="'24:00' is not a time HH:MM") as info:
        profiles([Weekly(("Friday",), "24:00", "24:00")], [], ZONE, CLASS)
    assert info.value.path == "schedule.class_hours[0].start"


def test_a_window_that_ends_at_2359_alone_ends_then() -> None:
    found = by_name(profiles([Weekly(("Friday",), "22:00", "23:59")], [], ZONE, CLASS))
    assert found["class-end-2359"].days == ("Friday",)


def test_windows_covering_the_whole_week_are_refused() -> None:
    with pytest.raises(ScheduleError, match="cover the whole week"):
        profiles([Weekly(tuple(DAYS), "00:00", "24:00")], [], ZONE, CLASS)


def test_a_day_listed_twice_and_two_events_of_one_name_are_refused() -> None:
    with pytest.raises(ScheduleError, match="Monday is listed twice") as error:
        profiles([Weekly(("Monday", "Monday"), "09:00", "10:00")], [], ZONE, CLASS)
    assert error.value.path == "schedule.class_hours[0].days"
    events = [Event("jam", "2027-03-13 08:00", "2027-03-13 20:00"),
              Event("jam", "2027-04-13 08:00", "2027-04-13 20:00")]  # fmt: skip
    with pytest.raises(ScheduleError, match="'jam' is the name of events\\[0\\] too") as error:
        profiles([], events, ZONE, CLASS)
    assert error.value.path == "schedule.events[1].name"


def test_an_event_time_with_zero_seconds_is_taken_as_yaml_writes_it() -> None:
    found = profiles([], [Event("jam", "2027-03-13 08:00:00", "2027-03-13 20:00:00")], ZONE, CLASS)
    assert [(p.start, p.end) for p in found if p.kind == "fixed"] == [("2027-03-13T08:00:00", "2027-03-13T20:00:00")]
    with pytest.raises(ScheduleError, match="is not a date and time"):
        profiles([], [Event("jam", "2027-03-13 08:00:30", "2027-03-13 20:00")], ZONE, CLASS)
