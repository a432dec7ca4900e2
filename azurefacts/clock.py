"""The product's one clock: the day it is, for image pin ages, size retirements, rig expiries,
event windows and budget months.

Every part of the product asks ``today()``; nothing else reads the wall clock (a test,
``tests/test_clock.py``, reads every module's source to hold that). The day is the UTC
calendar day, as Azure bills and as budgets count months, unless ``DSVMCTL_TODAY``
(``YYYY-MM-DD``) says which day it is: the test suite sets it once for every test, and a
user can set it (``dsvmctl --today``) to see a plan as it will look on another day (an
image pin a year from now, an event that has ended).

A value that is no date is refused with the variable's name and the form it takes, never a
traceback: ``ClockError`` is a ``ValueError`` the command line reports like bad config.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

ENV = "DSVMCTL_TODAY"


class ClockError(ValueError):
    """``DSVMCTL_TODAY`` is set to something that is not a date."""


def parse_day(value: str) -> date:
    """``value`` as a day (``YYYY-MM-DD``), or a ``ClockError`` naming the variable and the fix."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ClockError(
            f"{ENV}={value!r} is not a date: set it as YYYY-MM-DD (e.g. 2027-01-31), or unset it to use today's date"
        ) from None


def today() -> date:
    """The day it is for the product: ``DSVMCTL_TODAY`` if set, else today's UTC date."""
    value = os.environ.get(ENV, "")
    if value.strip():
        return parse_day(value)
    return datetime.now(UTC).date()


def set_today(day: date) -> None:
    """Make ``day`` the product's today for this process and the processes it starts (worker
    processes of a plan in parts, a base ref's plan): it is written where ``today()`` reads it."""
    os.environ[ENV] = day.isoformat()


def now() -> datetime:
    """The wall-clock time in UTC, for what measures real elapsed time (a state lock's age), never for
    the day a plan is made on (that is ``today()``, which tests and users can set)."""
    return datetime.now(UTC)
