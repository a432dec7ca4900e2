"""The offline plans of the example stacks pass every mandatory rule of the pack.

``dsvmctl plan`` feeds each resource of the plan to the same rule functions the pack runs
under ``pulumi preview --policy-pack policy`` (``dsvmctl.policy_check``); here the plan
document's ``policy`` field must hold no mandatory finding (advisory ones, such as an old image
pin or a rig without ``expires-on``, may be there), and a stack in ``allowlist`` mode may give
its workstations public IPs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dsvmctl.plan import make_plan, resource_json
from dsvmctl.policy_check import evaluate, mandatory
from fakeazure import FakeAzure, ProgramRun
from policy.rules import ADVISORY, StackInfo
from tests.helpers import GPU_QUOTA, ROOT, team_values

STACKS = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in ROOT.glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("stack", STACKS)
def test_the_example_stack_passes_every_mandatory_rule(stack: str) -> None:
    document = make_plan(ROOT, stack, FakeAzure(quota_profile=GPU_QUOTA)).to_json()
    assert mandatory(document) == [], document["policy"]
    assert all(f["enforcement"] == ADVISORY for f in document["policy"])
    # and the rules did look: the plan has what they check
    types = {r["type"].split(":")[-1] for r in document["resources"]}
    assert {"NetworkSecurityGroup", "StorageAccount", "BlobContainer"} <= types
    assert types & {"VirtualMachine", "VirtualMachineScaleSet"}
    assert types & {"GlobalSchedule", "AutoscaleSetting"}


def test_the_promotion_examples_pass_the_advisory_rules_too() -> None:
    """staging and prod pin an image within ten months of 2025-10-01 and stay under their cost caps."""
    for stack in ("staging", "prod"):
        document = make_plan(ROOT, stack).to_json()
        assert document["policy"] == [], document["policy"]


def test_allowlist_mode_may_put_a_public_ip_on_each_workstation(run_stack: Callable[..., ProgramRun]) -> None:
    access = {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}
    resources = [resource_json(r) for r in run_stack(team_values(access=access)).records]
    nics = [r for r in resources if r["type"] == "azure-native:network:NetworkInterface"]
    assert nics and all("publicIPAddress" in n["inputs"]["ipConfigurations"][0] for n in nics)
    assert mandatory({"policy": evaluate(resources)}) == []


def test_the_access_mode_is_read_from_the_nsg_the_program_writes(run_stack: Callable[..., ProgramRun]) -> None:
    """The same stack with its NSG saying bastion: every public IP on a NIC is a violation."""
    access = {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}
    resources = [resource_json(r) for r in run_stack(team_values(access=access)).records]
    for r in resources:
        for rule in r["inputs"].get("securityRules", []) if r["type"].endswith(":NetworkSecurityGroup") else []:
            rule["description"] = rule["description"].replace("allowlist", "bastion")
    found = mandatory({"policy": evaluate(resources)})
    assert {f["policy"] for f in found} == {"no-public-ip-on-vm-nic"}
    assert sorted(f["resource"] for f in found) == ["NetworkInterface alice-nic", "NetworkInterface bob-nic"]


def test_retain_on_delete_is_checked_offline_only(dev_plan: dict[str, Any]) -> None:
    """Pulumi's policy API does not show retainOnDelete; the offline plan does, so dsvmctl checks it."""
    resources = copy.deepcopy(dev_plan["resources"])
    disk = next(r for r in resources if r["type"] == "azure-native:compute:Disk")
    disk["retainOnDelete"] = False
    (finding,) = mandatory({"policy": evaluate(resources)})
    assert finding["policy"] == "data-protected" and finding["urn"] == disk["urn"]
    assert "not retained on delete" in finding["message"] and finding["enforcement"] == "mandatory"
    assert finding["resource"] == f"Disk {disk['name']}" and "retain_on_delete=True" in finding["fix"]


def test_offline_a_schedule_finds_its_vm_by_id(dev_plan: dict[str, Any]) -> None:
    """The plan knows every id, so a schedule's targetResourceId names its VM (no property dependencies)."""
    resources = copy.deepcopy(dev_plan["resources"])
    assert not [f for f in evaluate(resources) if f["policy"] == "compute-stops-when-unused"]
    schedule = next(r for r in resources if r["type"] == "azure-native:devtestlab:GlobalSchedule")
    schedule["inputs"]["targetResourceId"] = schedule["inputs"]["targetResourceId"].upper()  # ids ignore case
    assert not [f for f in evaluate(resources) if f["policy"] == "compute-stops-when-unused"]
    resources.remove(schedule)
    (finding,) = [f for f in evaluate(resources) if f["policy"] == "compute-stops-when-unused"]
    assert finding["enforcement"] == "mandatory" and finding["resource"].startswith("VirtualMachine ")


def test_the_cost_cap_finding_is_on_the_stack(dev_plan: dict[str, Any]) -> None:
    (finding,) = evaluate(dev_plan["resources"], StackInfo("dev", "team", cost_cap_monthly=1.0))
    assert finding["policy"] == "cost-cap" and finding["urn"] is None and finding["resource"] == "stack dev"
    assert finding["enforcement"] == "advisory"
    assert f"the estimated cost ${dev_plan['cost']['monthly']:,.2f}/month" in finding["message"]
