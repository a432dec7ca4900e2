"""Windows time zone ids (azurefacts.timezones): the CLDR table, IANA both ways, suggestions, messages."""

from __future__ import annotations

import json

import pytest

from azurefacts.timezones import (
    DATA_FILE,
    IANA_TO_WINDOWS,
    TIME_ZONES,
    WINDOWS_TIME_ZONES,
    WINDOWS_TO_IANA,
    suggest_time_zone,
    time_zone_problem,
)

ISSUE_IDS = ["New Zealand Standard Time", "US Mountain Standard Time", "Arabian Standard Time"]


def test_the_full_list_of_windows_ids() -> None:
    assert len(WINDOWS_TIME_ZONES) > 130
    assert {"UTC", "W. Europe Standard Time", "Pacific Standard Time", "UTC-11", "UTC+13"} <= WINDOWS_TIME_ZONES
    rows = json.loads(DATA_FILE.read_text(encoding="utf-8"))["zones"]
    assert len(rows) == len(WINDOWS_TIME_ZONES), "an id is listed twice"
    assert all(zone.display.startswith("(UTC") for zone in TIME_ZONES.values())


@pytest.mark.parametrize("zone", ISSUE_IDS)
def test_the_ids_of_the_issue_are_valid(zone: str) -> None:
    assert zone in WINDOWS_TIME_ZONES
    assert time_zone_problem(zone) is None
    assert suggest_time_zone(zone) == zone


@pytest.mark.parametrize(
    ("windows", "iana"),
    [("New Zealand Standard Time", "Pacific/Auckland"), ("US Mountain Standard Time", "America/Phoenix"),
     ("Arabian Standard Time", "Asia/Dubai"), ("W. Europe Standard Time", "Europe/Berlin"),
     ("UTC", "Etc/UTC"), ("India Standard Time", "Asia/Calcutta")],
)  # fmt: skip
def test_iana_mapping_both_ways(windows: str, iana: str) -> None:
    assert WINDOWS_TO_IANA[windows] == iana
    assert IANA_TO_WINDOWS[iana] == windows


@pytest.mark.parametrize(
    ("iana", "windows"),
    [("Europe/Amsterdam", "W. Europe Standard Time"),  # a CLDR alias (another territory)
     ("America/Boise", "Mountain Standard Time"),  # one of a space-separated CLDR list
     ("Asia/Muscat", "Arabian Standard Time"),
     ("Asia/Kolkata", "India Standard Time"),  # tzdata link to CLDR's Asia/Calcutta
     ("Europe/Kyiv", "FLE Standard Time"),
     ("US/Pacific", "Pacific Standard Time")],
)  # fmt: skip
def test_aliases_and_links_map_back(iana: str, windows: str) -> None:
    assert IANA_TO_WINDOWS[iana] == windows


def test_every_mapping_lands_on_a_listed_id() -> None:
    assert set(IANA_TO_WINDOWS.values()) == WINDOWS_TIME_ZONES
    assert set(WINDOWS_TO_IANA) == WINDOWS_TIME_ZONES


@pytest.mark.parametrize(
    ("value", "meant"),
    [("Pacific/Auckland", "New Zealand Standard Time"), ("w. europe standard time", "W. Europe Standard Time"),
     ("Pacfic Standard Time", "Pacific Standard Time"), ("europe/berlin", "W. Europe Standard Time"),
     ("Pacific/Aukland", "New Zealand Standard Time"), ("W. Europe Standard Tme", "W. Europe Standard Time"),
     ("CET", "W. Europe Standard Time"), ("PST", "Pacific Standard Time"), ("Tokyo", "Tokyo Standard Time"),
     ("utc-9", "UTC-09"), ("GMT+0", "UTC")],
)  # fmt: skip
def test_suggestions(value: str, meant: str) -> None:
    assert suggest_time_zone(value) == meant


@pytest.mark.parametrize("value", ["Mars Standard Time", "Foo", "UTC+1", "Standard Time"])
def test_no_suggestion_rather_than_a_wrong_one(value: str) -> None:
    assert suggest_time_zone(value) is None
    assert "is not a Windows time zone id" in str(time_zone_problem(value))


@pytest.mark.parametrize(
    ("value", "fragments"),
    [("Europe/Berlin", ["'Europe/Berlin' is an IANA name; Azure schedules take Windows ids: "
                        "use 'W. Europe Standard Time'", "Berlin"]),
     ("w. europe standard time", ["not a Windows time zone id as written", "use 'W. Europe Standard Time'"]),
     ("CET", ["abbreviation", "did you mean W. Europe Standard Time"]),
     ("Pacfic Standard Time", ["not a Windows time zone id; did you mean Pacific Standard Time",
                               "Pacific Time (US & Canada)"]),
     ("UTC+1", ["fixed-offset ids only for", "UTC-11"]),
     ("", ["a Windows time zone id is required"])],
)  # fmt: skip
def test_problem_messages_name_the_fix(value: str, fragments: list[str]) -> None:
    problem = time_zone_problem(value)
    assert problem is not None
    for fragment in fragments:
        assert fragment in problem
