"""What the disk backups cost (costs/backups.py): incremental snapshot storage on the stated assumptions, no
protected-instance fee, and a line that says so when a disk's size is not known."""

from __future__ import annotations

import json
from typing import Any

import pytest

from costs import estimate
from costs.backups import ASSUMED_DAILY_CHANGE, ASSUMED_USED_FRACTION, snapshot_gib

INSTANCE = "azure-native:dataprotection:BackupInstance"


def lines_of(cost: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [line for line in cost["lines"] if line["type"] == kind]


def test_each_backed_up_disk_bills_its_snapshots_and_the_vault_nothing(dev_plan: dict[str, Any]) -> None:
    cost = dev_plan["cost"]
    alice, bob = lines_of(cost, INSTANCE)
    # 128 GiB, half used, 2 % of that changed a day, kept 7 days: 64 x 1.14 GiB at $0.05 (eastus, the fallback)
    assert snapshot_gib(128, 7) == pytest.approx(128 * ASSUMED_USED_FRACTION * (1 + ASSUMED_DAILY_CHANGE * 7))
    assert alice["monthly"] == round(snapshot_gib(128, 7) * 0.05, 2) == alice["alwaysOnMonthly"]
    assert bob["monthly"] == round(snapshot_gib(256, 7) * 0.05, 2)
    assert "kept 7 days" in alice["note"] and "no protected-instance fee" in alice["note"]
    assert not lines_of(cost, "azure-native:dataprotection:BackupVault")
    assert not lines_of(cost, "azure-native:dataprotection:BackupPolicy")


def test_longer_retention_costs_more_and_an_unknown_disk_is_said_not_priced(dev_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(dev_plan))
    (policy,) = [r for r in plan["resources"] if r["type"] == "azure-native:dataprotection:BackupPolicy"]
    rules = policy["inputs"]["properties"]["policyRules"]
    retention = next(r for r in rules if r["objectType"] == "AzureRetentionRule")
    retention["lifecycles"][0]["deleteAfter"]["duration"] = "P30D"
    longer = lines_of(estimate(plan["resources"]), INSTANCE)
    shorter = lines_of(dev_plan["cost"], INSTANCE)
    assert all(a["monthly"] > b["monthly"] for a, b in zip(longer, shorter, strict=True))
    plan["resources"] = [r for r in plan["resources"] if r["name"] != "alice-data-disk"]
    (alice, _) = lines_of(estimate(plan["resources"]), INSTANCE)
    assert alice["monthly"] == 0 and "not priced: an existing disk of unknown size" in alice["note"]
