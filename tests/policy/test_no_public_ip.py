"""``no-public-ip-on-vm-nic``: a public IP on a machine's NIC only where the stack's access mode is allowlist,
which the rule reads from the NSG rules the program writes (run as pulumi-policy runs a stack policy)."""

from __future__ import annotations

import copy
from typing import Any

from tests.policy.test_rules import NIC, NSG, VM, VMSS, first, stack_violations


def vmss_props(vm: dict[str, Any]) -> dict[str, Any]:
    """A Flexible scale set whose VM profile is the dev VM's settings."""
    inputs = vm["inputs"]
    profile = {key: inputs[key] for key in ("osProfile", "securityProfile", "storageProfile")}
    profile["networkProfile"] = {"networkInterfaceConfigurations": [
        {"name": "nic", "ipConfigurations": [{"name": "ipconfig1", "subnet": {"id": "snet"}}]}]}  # fmt: skip
    return {"location": "westeurope", "orchestrationMode": "Flexible", "tags": inputs["tags"],
            "virtualMachineProfile": profile}  # fmt: skip


def test_no_public_ip_passes_the_dev_stack(dev_plan: dict[str, Any]) -> None:
    assert stack_violations("no-public-ip-on-vm-nic", dev_plan["resources"]) == []


def test_no_public_ip_fails_a_nic_with_one_in_bastion_mode(dev_plan: dict[str, Any]) -> None:
    resources = copy.deepcopy(dev_plan["resources"])
    nic = next(r for r in resources if r["type"] == NIC)
    nic["inputs"]["ipConfigurations"][0]["publicIPAddress"] = {"id": "/subscriptions/s/publicIPAddresses/pip"}
    ((urn, message),) = stack_violations("no-public-ip-on-vm-nic", resources)
    assert urn == nic["urn"]
    assert "ipConfigurations[0].publicIPAddress gives the machine a public IP" in message
    assert "access mode is bastion" in message and "Fix: use access mode bastion or private" in message


def test_no_public_ip_allows_one_in_allowlist_mode(dev_plan: dict[str, Any]) -> None:
    resources = copy.deepcopy(dev_plan["resources"])
    nic = next(r for r in resources if r["type"] == NIC)
    nic["inputs"]["ipConfigurations"][0]["publicIPAddress"] = {"id": "pip"}
    nsg = next(r for r in resources if r["type"] == NSG)
    for rule in nsg["inputs"]["securityRules"]:
        rule["description"] = rule["description"].replace("bastion sources", "allowlist sources")
    assert stack_violations("no-public-ip-on-vm-nic", resources) == []


def test_no_public_ip_fails_a_scale_set_when_no_nsg_states_the_mode(dev_plan: dict[str, Any]) -> None:
    scale_set = vmss_props(first(dev_plan, VM))
    nic = scale_set["virtualMachineProfile"]["networkProfile"]["networkInterfaceConfigurations"][0]
    nic["ipConfigurations"][0]["publicIPAddressConfiguration"] = {"name": "pip"}
    resources = [{"type": VMSS, "inputs": scale_set, "urn": "urn:vmss", "name": "ss", "protect": False}]
    ((urn, message),) = stack_violations("no-public-ip-on-vm-nic", resources)
    assert urn == "urn:vmss" and "not stated by any NSG rule" in message
