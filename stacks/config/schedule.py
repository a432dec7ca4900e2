"""The daily auto-shutdown schedule."""

from __future__ import annotations

import re

from pydantic import Field, field_validator

from azurefacts.timezones import time_zone_problem
from stacks.config.base import PROMOTED, Model


class AutoShutdownConfig(Model):
    """The daily auto-shutdown schedule of every workstation (on by default)."""

    enabled: bool = Field(
        default=True, description="Optional. Shut the VMs down daily. Default true.", json_schema_extra=PROMOTED
    )
    time: str = Field(
        default="1900", description="Optional. Daily time, `HHMM` 24-hour. Default `1900`.", json_schema_extra=PROMOTED
    )
    time_zone: str = Field(
        default="UTC",
        description="Optional. Windows time zone id (`tzutil /l`), e.g. `W. Europe Standard Time`, "
        "`New Zealand Standard Time`; an IANA name such as `Europe/Berlin` is refused with the id to use. "
        "Default `UTC`.",
    )
    notification_email: str | None = Field(
        default=None, description="Optional. Address warned 30 minutes before shutdown."
    )

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3])[0-5]\d$", value):
            raise ValueError(f"'{value}' is not a time HHMM; write 19:00 as \"1900\" (quoted)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        problem = time_zone_problem(value)
        if problem:
            raise ValueError(problem)
        return value
