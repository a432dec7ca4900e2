"""A plan made in parts (worker processes) is byte-identical to the plan made in one process."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bench.measure import team
from dsvmctl import lifecycle, shard
from dsvmctl.plan import make_plan
from dsvmctl.state import StateStore
from fakeazure import FakeAzure
from stacks.config import parse_config
from stacks.config.stack import Unit
from tests.helpers import GPU_QUOTA, ROOT


@pytest.fixture(autouse=True)
def default_jobs() -> Iterator[None]:
    yield
    shard.request_jobs(None)


def write_stack(directory: Path, values: dict[str, Any], stack: str = "big") -> None:
    (directory / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    config = {("azure-native:location" if k == "location" else f"dsvm:{k}"): v for k, v in values.items()}
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))


def plan_text(directory: Path, jobs: int, stack: str = "big", backend: FakeAzure | None = None) -> str:
    shard.request_jobs(jobs)
    return json.dumps(make_plan(directory, stack, backend or FakeAzure()).to_json(), indent=2)


def test_a_40_member_team_plans_the_same_in_two_processes(tmp_path: Path) -> None:
    write_stack(tmp_path, team(40))
    one = plan_text(tmp_path, 1)
    two = plan_text(tmp_path, 2)
    assert two == one
    document = json.loads(one)
    assert len({r["urn"] for r in document["resources"]}) == len(document["resources"])
    ips = [r["outputs"]["ipConfigurations"][0]["privateIPAddress"] for r in document["resources"]
           if r["type"].endswith("NetworkInterface")]  # fmt: skip
    assert len(ips) == 40 and len(set(ips)) == 40


def test_the_default_shards_from_the_threshold_and_jobs_caps_at_the_units() -> None:
    assert shard.default_jobs(shard.SHARD_THRESHOLD - 1) == 1
    shard.request_jobs(8)
    assert shard.default_jobs(3) == 3
    shard.request_jobs(0)
    assert shard.default_jobs(100) == 1


def test_applying_in_parts_saves_the_same_state_and_diff(tmp_path: Path) -> None:
    """Against a deployed stack: a new member, one leaving and one resized plan the same in parts."""
    values = team(12)
    write_stack(tmp_path, values)
    states: list[str] = []
    diffs: list[str] = []
    for jobs in (1, 3):
        store = StateStore(tmp_path / f"state-{jobs}")
        shard.request_jobs(jobs)
        lifecycle.up(tmp_path, "big", store)
        states.append(store.path("big").read_text())
        changed = json.loads(json.dumps(values))
        changed["members"][3]["vm_size"] = "Standard_D8s_v5"
        changed["members"][5]["leaving"] = True
        changed["members"].append({"username": "m900", "ssh_public_key": values["members"][0]["ssh_public_key"]})
        write_stack(tmp_path, changed)
        diffs.append(json.dumps(lifecycle.preview(tmp_path, "big", store), indent=2))
        write_stack(tmp_path, values)
    assert states[1] == states[0]
    assert diffs[1] == diffs[0]
    counts = json.loads(diffs[0])["changes"]
    assert counts["create"] > 0 and counts["update"] > 0


def test_gpu_rigs_plan_the_same_in_parts(tmp_path: Path) -> None:
    values = yaml.safe_load((ROOT / "Pulumi.gpu.yaml").read_text())["config"]
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    rig = values["dsvm:rigs"][0]
    values["dsvm:rigs"] = [{**rig, "name": f"rig{i}"} for i in range(3)]
    (tmp_path / "Pulumi.big.yaml").write_text(yaml.safe_dump({"config": values}))
    texts = [json.dumps(make_plan(tmp_path, "big", FakeAzure(quota_profile=GPU_QUOTA), jobs=j).to_json())
             for j in (1, 3)]  # fmt: skip
    assert texts[1] == texts[0]


def test_split_keeps_every_unit_once_in_order() -> None:
    units = [Unit(f"u{i}", (f"u{i}",)) for i in range(7)]
    parts = shard.split(units, 3)
    assert [len(p) for p in parts] == [3, 2, 2]
    assert [u for part in parts for u in part] == units
    assert shard.split(units[:1], 4) == [units[:1]]


def test_every_kind_with_units_names_them_after_top_level_resources() -> None:
    """A unit's top-level names must be what its builder registers, or the merge would drop them."""
    config = parse_config(team(3))
    assert [u.name for u in config.units()] == ["m000", "m001", "m002"]
    assert config.units()[0].top_level == ("m000", "m000-data")
