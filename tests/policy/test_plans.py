"""The offline plans of the example stacks pass every mandatory rule of the pack.

``dsvmctl plan`` feeds each resource of the plan to the same rule functions the pack runs
under ``pulumi preview --policy-pack policy`` (``dsvmctl.policy_check``); here the plan
document's ``policy`` field must hold no mandatory finding, and a stack in ``allowlist``
mode may give its workstations public IPs.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from dsvmctl.plan import make_plan, resource_json
from dsvmctl.policy_check import evaluate, mandatory
from fakeazure import FakeAzure, ProgramRun
from tests.helpers import GPU_QUOTA, ROOT, team_values


@pytest.mark.parametrize("stack", ["dev", "gpu", "classroom", "hackathon"])
def test_the_example_stack_passes_every_mandatory_rule(stack: str) -> None:
    document = make_plan(ROOT, stack, FakeAzure(quota_profile=GPU_QUOTA)).to_json()
    assert mandatory(document) == [], document["policy"]
    assert document["policy"] == []
    # and the rules did look: the plan has what they check
    types = {r["type"].split(":")[-1] for r in document["resources"]}
    assert {"NetworkSecurityGroup", "StorageAccount", "BlobContainer"} <= types
    assert types & {"VirtualMachine", "VirtualMachineScaleSet"}


def test_allowlist_mode_may_put_a_public_ip_on_each_workstation(run_stack: Callable[..., ProgramRun]) -> None:
    access = {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}
    resources = [resource_json(r) for r in run_stack(team_values(access=access)).records]
    nics = [r for r in resources if r["type"] == "azure-native:network:NetworkInterface"]
    assert nics and all("publicIPAddress" in n["inputs"]["ipConfigurations"][0] for n in nics)
    assert evaluate(resources) == []


def test_the_access_mode_is_read_from_the_nsg_the_program_writes(run_stack: Callable[..., ProgramRun]) -> None:
    """The same stack with its NSG saying bastion: every public IP on a NIC is a violation."""
    access = {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}
    resources = [resource_json(r) for r in run_stack(team_values(access=access)).records]
    for r in resources:
        for rule in r["inputs"].get("securityRules", []) if r["type"].endswith(":NetworkSecurityGroup") else []:
            rule["description"] = rule["description"].replace("allowlist", "bastion")
    found = evaluate(resources)
    assert {f["policy"] for f in found} == {"no-public-ip-on-vm-nic"}
    assert sorted(f["resource"] for f in found) == ["NetworkInterface alice-nic", "NetworkInterface bob-nic"]


def test_retain_on_delete_is_checked_offline_only(dev_plan: dict[str, Any]) -> None:
    """Pulumi's policy API does not show retainOnDelete; the offline plan does, so dsvmctl checks it."""
    resources = copy.deepcopy(dev_plan["resources"])
    disk = next(r for r in resources if r["type"] == "azure-native:compute:Disk")
    disk["retainOnDelete"] = False
    (finding,) = evaluate(resources)
    assert finding["policy"] == "data-protected" and finding["urn"] == disk["urn"]
    assert "not retained on delete" in finding["message"] and finding["enforcement"] == "mandatory"
    assert finding["resource"] == f"Disk {disk['name']}" and "retain_on_delete=True" in finding["fix"]
