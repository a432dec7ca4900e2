"""The change matrix: every config key changed on a deployed stack, and docs/CHANGES.md made from it.

Each row is checked against what the emulator's Azure rules accept when the change
is applied: a change the plan approves applies and converges (the next plan is all
"same"), protected data is never replaced or deleted without a refusal, and a
refused change applies nothing. A hypothesis test does the same for random
combinations of changes.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dsvmctl.change_matrix import CHANGES, OUTPUT, Change, config_keys, decoded, deployed_dev, render_row, row
from dsvmctl.lifecycle import RefusedChange, apply, plan_against
from dsvmctl.project import StackFile
from dsvmctl.state import SavedState
from fakeazure import FakeAzure
from stacks.config import TeamStackConfig
from tests.helpers import ROOT

DOCUMENTED = OUTPUT.read_text().splitlines()


def test_every_config_key_has_a_row() -> None:
    covered = {c.key.strip() for c in CHANGES}
    missing = [k for k in config_keys(TeamStackConfig) if k not in covered]
    assert not missing, f"add a Change for {missing} to dsvmctl/change_matrix.py"
    assert "members[].data_disk.size_gb" in config_keys(TeamStackConfig)  # the walk reaches nested lists


def check_applied(
    document: dict[str, Any],
    planned: tuple[FakeAzure, dict[str, Any]],
    saved: SavedState,
    stack_file: StackFile,
    config: dict[str, Any],
) -> None:
    """What the plan says must be what applying does."""
    from dsvmctl.change_matrix import STACK, with_config

    base = {r["urn"]: r for r in saved.plan["resources"]}
    for resource in document["resources"]:
        before = base.get(resource["urn"])
        if before and before.get("protect") and resource["change"] in ("replace", "delete"):
            assert resource.get("errors"), f"protected {resource['name']} {resource['change']}d without a refusal"
    backend, head = planned
    if document["errors"]:
        with pytest.raises(RefusedChange):
            apply(backend, document)
        return
    apply(backend, document)
    applied = SavedState(STACK, head, backend.to_json())
    _, _, converged = plan_against(ROOT, STACK, applied, stack_file=with_config(stack_file, config))
    moving = [(r["name"], r["change"]) for r in converged["resources"] if r["change"] != "same"]
    assert not moving and not converged["errors"], moving


@pytest.mark.parametrize("change", CHANGES, ids=[f"{c.key.strip()}:{c.what}" for c in CHANGES])
def test_row_is_documented_and_agrees_with_applying_it(change: Change) -> None:
    stack_file, saved = deployed_dev()
    result = row(change, (stack_file, saved))
    assert render_row(result) in DOCUMENTED, "docs/CHANGES.md is stale: run python -m dsvmctl.change_matrix"
    if result.document is not None and result.planned is not None:
        config = decoded(stack_file)
        change.edit(config)
        check_applied(result.document, result.planned, saved, stack_file, config)


@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(CHANGES), min_size=2, max_size=4, unique_by=lambda c: c.key.strip()))
def test_random_combinations_plan_what_applying_does(changes: list[Change]) -> None:
    from fakeazure import ArmError, FakeAzureError
    from stacks.config import ConfigError

    stack_file, saved = deployed_dev()
    config = copy.deepcopy(decoded(stack_file))
    for change in changes:
        change.edit(config)
    from dsvmctl.change_matrix import STACK, with_config

    try:
        backend, head, document = plan_against(ROOT, STACK, saved, stack_file=with_config(stack_file, config))
    except ConfigError as error:
        # Refused before anything is planned, and for one of the changed keys: a refusal of a key
        # this combination did not touch would be a refusal of (part of) the valid dev config.
        touched = {c.key.strip().split(".")[0].split("[")[0] for c in changes}
        named = {p.partition(":")[2].split(".")[0].split("[")[0] for p, _ in error.problems}
        assert named & touched, (error.problems, touched)
        return
    except (ArmError, FakeAzureError):
        return  # refused by Azure before anything is planned: nothing applies
    check_applied(document, (backend, head), saved, stack_file, config)
