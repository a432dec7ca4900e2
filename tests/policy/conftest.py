"""What the policy tests share: the classroom plan (a scale set and its autoscale setting), a clean
Pulumi config for the pack's ``stack_info``, and the day the image pins are measured on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from pulumi.runtime import config as pulumi_config

from azurefacts import clock


@pytest.fixture(scope="session")
def classroom_plan() -> dict[str, Any]:
    """The classroom stack's plan document (read-only: copy before changing)."""
    from dsvmctl.plan import make_plan
    from tests.helpers import ROOT

    return make_plan(ROOT, "classroom").to_json()


@pytest.fixture
def stack_config() -> Iterator[dict[str, Any]]:
    """The Pulumi config the pack's ``stack_info`` reads (as the CLI hands a pack the stack's config): empty,
    for the test to fill; whatever earlier programs in this worker set is out of sight meanwhile."""
    values: dict[str, Any] = {}
    token = pulumi_config.CONFIG.set(values)
    yield values
    pulumi_config.CONFIG.reset(token)


@pytest.fixture(autouse=True)
def pin_day(monkeypatch: pytest.MonkeyPatch) -> date:
    """Image pins are measured on 2025-10-01 unless a test moves the day (25.05.20 is then 5 months old)."""
    day = date(2025, 10, 1)
    monkeypatch.setenv(clock.ENV, day.isoformat())
    return day
