"""Time zones in stack configs: every Windows id plans; an IANA name or a typo names the key and the id to use."""

from __future__ import annotations

from typing import Any

import pytest

from stacks.config import ConfigError, parse_config
from stacks.scale_out.schedule import ScheduleError, check_time_zone
from tests.helpers import one, team_values

SCHEDULE = "azure-native:devtestlab:GlobalSchedule"
KEY = "dsvm:auto_shutdown.time_zone"


@pytest.mark.parametrize("zone", ["New Zealand Standard Time", "US Mountain Standard Time", "Arabian Standard Time"])
def test_a_team_stack_in_any_windows_time_zone_plans(run_stack: Any, zone: str) -> None:
    run = run_stack(team_values(auto_shutdown={"time": "1800", "time_zone": zone}))
    schedule = one(run, SCHEDULE, "alice-shutdown")
    assert schedule.inputs["timeZoneId"] == zone
    assert schedule.inputs["dailyRecurrence"] == {"time": "1800"}


@pytest.mark.parametrize(
    ("zone", "fragments"),
    [("Europe/Berlin", ["is an IANA name", "use 'W. Europe Standard Time'"]),
     ("Pacific/Auckland", ["is an IANA name", "use 'New Zealand Standard Time'"]),
     ("new zealand standard time", ["as written", "use 'New Zealand Standard Time'"]),
     ("Pacfic Standard Time", ["did you mean Pacific Standard Time"])],
)  # fmt: skip
def test_a_wrong_auto_shutdown_zone_names_the_key_and_the_id(zone: str, fragments: list[str]) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(auto_shutdown={"time_zone": zone}))
    messages = [message for path, message in error.value.problems if path == KEY]
    assert messages, error.value.problems
    for fragment in fragments:
        assert fragment in messages[0]
    assert KEY in str(error.value)


def test_class_hours_take_any_windows_id_and_name_the_fix_for_an_iana_one() -> None:
    assert check_time_zone("New Zealand Standard Time") == "New Zealand Standard Time"
    with pytest.raises(ScheduleError) as error:
        check_time_zone("Pacific/Auckland")
    assert error.value.path == "schedule.time_zone"
    assert "use 'New Zealand Standard Time'" in str(error.value)
