"""Windows time zone ids, as DevTest Labs auto-shutdown schedules take them.

Source: Microsoft Learn, 'Default time zones' (the ids ``tzutil /l`` lists).
"""

from __future__ import annotations

TIME_ZONES_SOURCE = "Microsoft Learn, 'Default time zones' (Windows time zone ids, tzutil /l)"

WINDOWS_TIME_ZONES = frozenset(
    {
        "UTC", "Pacific Standard Time", "Mountain Standard Time", "Central Standard Time",
        "Eastern Standard Time", "GMT Standard Time", "W. Europe Standard Time",
        "Central Europe Standard Time", "Romance Standard Time", "E. Europe Standard Time",
        "FLE Standard Time", "India Standard Time", "China Standard Time", "Tokyo Standard Time",
        "Singapore Standard Time", "AUS Eastern Standard Time", "E. South America Standard Time",
    }
)  # fmt: skip
