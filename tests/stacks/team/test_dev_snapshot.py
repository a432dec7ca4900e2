"""The dev stack's plan, pinned: URNs, inputs, outputs and options must not move.

A deployed stack sees a replace when a URN, a create-only input or an option
changes; refactors must leave this snapshot as it is (only the cost lines may
differ). An intended change regenerates it with ``DSVM_UPDATE_SNAPSHOT=1`` and
says why in its commit.
"""

from __future__ import annotations

import json
import os
from typing import Any

from tests.helpers import ROOT

SNAPSHOT = ROOT / "tests" / "data" / "dev-plan.snapshot.json"


def _without_cost(document: dict[str, Any]) -> dict[str, Any]:
    # The budget's start month and the pin age in the warnings are the tests' day (tests/conftest.py).
    return json.loads(json.dumps({k: v for k, v in document.items() if k not in ("cost", "policy")}))  # type: ignore[no-any-return]


def test_dev_plan_matches_the_snapshot(dev_plan: dict[str, Any]) -> None:
    document = _without_cost(dev_plan)
    if os.environ.get("DSVM_UPDATE_SNAPSHOT") == "1":
        SNAPSHOT.write_text(json.dumps(document, indent=1, sort_keys=True) + "\n")
    expected = json.loads(SNAPSHOT.read_text())
    assert [r["urn"] for r in document["resources"]] == [r["urn"] for r in expected["resources"]]
    for got, want in zip(document["resources"], expected["resources"], strict=True):
        assert got == want, got["urn"]
    assert document == expected
