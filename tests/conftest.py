"""Fixtures: a fresh fake Azure per test, and a runner of stack programs on it.

Helpers shared by the tests (keys, configs, lookups) are in ``tests/helpers.py``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from azurefacts import clock
from fakeazure import FakeAzure, ProgramRun, run_program
from tests.helpers import GPU_QUOTA, TODAY, Project

# The product's one clock (azurefacts/clock.py) reads this day in every test, in this process and in
# every process a test starts (dsvmctl subprocesses, plan workers): no test depends on the wall clock.
# Set at import, before any fixture runs, and whatever the caller's environment says.
clock.set_today(TODAY)


@pytest.fixture(autouse=True)
def pinned_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test starts on ``TODAY``, even after an earlier test moved the day."""
    monkeypatch.setenv(clock.ENV, TODAY.isoformat())


@pytest.fixture(autouse=True)
def deploy_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test's emulator writes as the deploy identity (fakeazure/caller.py) unless it says otherwise, even
    after an earlier test ran `dsvmctl --as owner`."""
    from fakeazure.caller import DEPLOY, ENV

    monkeypatch.setenv(ENV, DEPLOY.name)


@pytest.fixture(scope="session")
def dev_plan() -> dict[str, Any]:
    """The dev stack's plan document, planned in-process once per worker (read-only: copy before changing)."""
    from dsvmctl.plan import make_plan
    from tests.helpers import ROOT

    return make_plan(ROOT, "dev").to_json()


@pytest.fixture
def fake_azure() -> FakeAzure:
    """A fresh, empty subscription for one test: payg quotas with the GPU families raised."""
    return FakeAzure(quota_profile=GPU_QUOTA)


@pytest.fixture
def run_stack(fake_azure: FakeAzure) -> Callable[..., ProgramRun]:
    """Validate plain config values and run the stack program against the test's fake Azure."""
    import stacks
    from stacks.config import parse_config

    def run(values: Mapping[str, Any], stack: str = "test", backend: FakeAzure | None = None) -> ProgramRun:
        config = parse_config(values)
        return run_program(lambda: stacks.build(config, stack), backend or fake_azure, stack=stack)

    return run


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A copy of the dev stack, applied once (``up``) to its own saved state."""
    p = Project(tmp_path)
    first = p.up()
    assert first["changes"]["create"] == len([r for r in first["resources"] if not r["type"].startswith("dsvm:")])
    return p
