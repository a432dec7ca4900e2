"""The product's one clock: the day it is, for image pin ages, size retirements, rig expiries,
event windows and budget months.

Every part of the product asks ``today()``; nothing else reads the wall clock (a test,
``tests/test_clock.py``, reads every module's source to hold that). The day is the UTC
calendar day, as Azure bills and as budgets count months, unless ``DSVMCTL_TODAY``
(``YYYY-MM-DD``) says which day it is: the test suite sets it once for every test, and a
user can set it (``dsvmctl --today``) to see a plan as it will look on another day (an
image pin a year from now, an event that has ended).

A day may carry a time (``2027-01-31T02:30``, UTC unless it names an offset): ``moment()`` is then that
instant, else the start of the day (00:00 UTC). The emulator's backups read it: a recovery point exists once
its scheduled time has passed (``azurefacts.backup``), so a restore drill can be planned at any hour.

A value that is no date is refused with the variable's name and the form it takes, never a
traceback: ``ClockError`` is a ``ValueError`` the command line reports like bad config.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

ENV = "DSVMCTL_TODAY"


class ClockError(ValueError):
    """``DSVMCTL_TODAY`` is set to something that is not a date."""


def parse_moment(value: str) -> datetime:
    """``value`` as an instant in UTC: a day (``YYYY-MM-DD``: its 00:00 UTC) or a day and time
    (``YYYY-MM-DDTHH:MM[:SS]``, UTC unless it names an offset); else a ``ClockError`` naming the variable and
    the fix."""
    text = value.strip()
    try:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    except ValueError:
        pass
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00")) if "T" in text else None
    except ValueError:
        stamp = None
    if stamp is None:
        raise ClockError(
            f"{ENV}={value!r} is not a date: set it as YYYY-MM-DD (e.g. 2027-01-31) or YYYY-MM-DDTHH:MM in UTC "
            "(e.g. 2027-01-31T02:30), or unset it to use today's date"
        )
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def parse_day(value: str) -> date:
    """``value`` as a day (``YYYY-MM-DD``, a time after it is allowed), or a ``ClockError`` naming the variable
    and the fix."""
    return parse_moment(value).date()


def today() -> date:
    """The day it is for the product: ``DSVMCTL_TODAY`` if set, else today's UTC date."""
    return moment().date()


def moment() -> datetime:
    """The instant it is for the product (UTC): ``DSVMCTL_TODAY`` with its time, or the start (00:00 UTC) of the
    day it names, or of today's UTC date. Never finer than the variable says, so a plan stays the same all day."""
    value = os.environ.get(ENV, "")
    if value.strip():
        return parse_moment(value)
    return datetime.combine(datetime.now(UTC).date(), time(), UTC)


def set_today(day: date) -> None:
    """Make ``day`` (a date, or a datetime: an instant) the product's today for this process and the processes it
    starts (worker processes of a plan in parts, a base ref's plan): it is written where ``today()`` reads it."""
    os.environ[ENV] = day.isoformat()


def now() -> datetime:
    """The wall-clock time in UTC, for what measures real elapsed time (a state lock's age), never for
    the day a plan is made on (that is ``today()``, which tests and users can set)."""
    return datetime.now(UTC)
