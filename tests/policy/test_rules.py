"""Each rule of the pack passes a good resource and fails a bad one, run as pulumi-policy runs it.

The arguments are built the way the analyzer builds them for ``pulumi preview --policy-pack``
(``pulumi_policy.ResourceValidationArgs`` / ``StackValidationArgs`` over properties wrapped in
the SDK's unknown-checking proxy), and the policy objects are the pack's own
(``policy.pack.policies()``), so no Pulumi CLI is needed. Good resources are the dev stack's
offline plan; bad ones are the same with one thing broken.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from policy.catalog import ALL_RULES
from policy.pack import policies
from policy.rules import SECURITY_RULE

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NSG = "azure-native:network:NetworkSecurityGroup"
NIC = "azure-native:network:NetworkInterface"
ACCOUNT = "azure-native:storage:StorageAccount"
DISK = "azure-native:compute:Disk"
POLICIES = {p.name: p for p in policies()}


def options(protect: bool = False) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def resource_violations(name: str, resource_type: str, props: dict[str, Any], protect: bool = False) -> list[str]:
    """What the pack's policy ``name`` reports for one resource, as the analyzer would call it."""
    policy = POLICIES[name]
    assert isinstance(policy, ResourceValidationPolicy)
    args = ResourceValidationArgs(
        resource_type, unknown_checking_proxy(copy.deepcopy(props)), f"urn:pulumi:dev::dsvm::{resource_type}::r",
        "r", options(protect), None,
    )  # fmt: skip
    found: list[str] = []
    policy.validate(args, lambda message, urn=None: found.append(message))
    return found


def stack_violations(name: str, resources: list[dict[str, Any]]) -> list[tuple[str | None, str]]:
    """What the pack's stack policy ``name`` reports for a stack of plan resources."""
    policy = POLICIES[name]
    assert isinstance(policy, StackValidationPolicy)
    subjects = [
        PolicyResource(r["type"], unknown_checking_proxy(copy.deepcopy(r["inputs"])), r["urn"], r["name"],
                       options(r["protect"]), None, None, [], {})
        for r in resources
    ]  # fmt: skip
    found: list[tuple[str | None, str]] = []
    policy.validate(StackValidationArgs(subjects), lambda message, urn=None: found.append((urn, message)))
    return found


def first(plan: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in plan["resources"] if r["type"] == resource_type))


def vmss_props(vm: dict[str, Any]) -> dict[str, Any]:
    """A Flexible scale set whose VM profile is the dev VM's settings."""
    inputs = vm["inputs"]
    profile = {key: inputs[key] for key in ("osProfile", "securityProfile", "storageProfile")}
    profile["networkProfile"] = {"networkInterfaceConfigurations": [
        {"name": "nic", "ipConfigurations": [{"name": "ipconfig1", "subnet": {"id": "snet"}}]}]}
    return {"location": "westeurope", "orchestrationMode": "Flexible", "tags": inputs["tags"],
            "virtualMachineProfile": profile}


@dataclass(frozen=True)
class Case:
    rule: str
    resource_type: str
    props: Callable[[dict[str, Any]], dict[str, Any]]  # from the dev plan
    violation: str | None  # a fragment of the message; None: passes
    protect: bool = True


def _set(resource_type: str, change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def props(plan: dict[str, Any]) -> dict[str, Any]:
        inputs = first(plan, resource_type)["inputs"]
        change(inputs)
        return inputs

    return props


def _open_rule(port: str, source: str, **extra: Any) -> Callable[[dict[str, Any]], object]:
    rule = {"name": "open", "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": source, "sourcePortRange": "*", "destinationAddressPrefix": "*",
            "destinationPortRange": port, **extra}
    return lambda nsg: nsg["securityRules"].append(rule)


def _vmss(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    def props(plan: dict[str, Any]) -> dict[str, Any]:
        scale_set = vmss_props(first(plan, VM))
        change(scale_set["virtualMachineProfile"])
        return scale_set

    return props


def _nothing(_: dict[str, Any]) -> None:
    return None


CASES = [
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _nothing), None),
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _open_rule("22", "*")), "allows SSH (22) in from *"),
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _open_rule("3380-3390", "Internet")), "RDP (3389)"),
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _open_rule("*", "0.0.0.0/0")), "SSH (22) and RDP (3389)"),
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _open_rule("22", "*", direction="Outbound")), None),
    Case("nsg-no-ssh-rdp-from-internet", NSG, _set(NSG, _open_rule("443", "*")), None),
    Case("nsg-no-ssh-rdp-from-internet", SECURITY_RULE,
         lambda _: {"securityRuleName": "ssh", "direction": "Inbound", "access": "Allow", "protocol": "*",
                    "sourceAddressPrefixes": ["203.0.113.0/24", "Internet"], "destinationPortRanges": ["22"]},
         "rule ssh allows SSH (22) in from Internet"),
    Case("vm-linux-ssh-keys-only", VM, _set(VM, _nothing), None),
    Case("vm-linux-ssh-keys-only", VM,
         _set(VM, lambda vm: vm["osProfile"]["linuxConfiguration"].update(disablePasswordAuthentication=False)),
         "disablePasswordAuthentication is not true"),
    Case("vm-linux-ssh-keys-only", VMSS,
         _vmss(lambda p: p["osProfile"]["linuxConfiguration"].pop("disablePasswordAuthentication")),
         "SSH accepts passwords"),
    Case("vm-linux-ssh-keys-only", VM,
         _set(VM, lambda vm: vm["osProfile"].update(linuxConfiguration=None, windowsConfiguration={})), None),
    Case("vm-encryption-at-host", VM, _set(VM, _nothing), None),
    Case("vm-encryption-at-host", VMSS, _vmss(_nothing), None),
    Case("vm-encryption-at-host", VM, _set(VM, lambda vm: vm["securityProfile"].update(encryptionAtHost=False)),
         "encryptionAtHost is not true"),
    Case("vm-encryption-at-host", VMSS, _vmss(lambda p: p.pop("securityProfile")), "encryptionAtHost is not true"),
    Case("storage-no-public-blob-access", ACCOUNT, _set(ACCOUNT, _nothing), None),
    Case("storage-no-public-blob-access", ACCOUNT, _set(ACCOUNT, lambda a: a.update(allowBlobPublicAccess=True)),
         "allowBlobPublicAccess is not false"),
    Case("storage-no-public-blob-access", ACCOUNT, _set(ACCOUNT, lambda a: a.pop("allowBlobPublicAccess")),
         "allowBlobPublicAccess is not false"),
    Case("storage-minimum-tls-1-2", ACCOUNT, _set(ACCOUNT, _nothing), None),
    Case("storage-minimum-tls-1-2", ACCOUNT, _set(ACCOUNT, lambda a: a.update(minimumTlsVersion="TLS1_0")),
         "minimumTlsVersion is TLS1_0"),
    Case("storage-minimum-tls-1-2", ACCOUNT, _set(ACCOUNT, lambda a: a.pop("minimumTlsVersion")),
         "minimumTlsVersion is not set"),
    Case("storage-https-only", ACCOUNT, _set(ACCOUNT, _nothing), None),
    Case("storage-https-only", ACCOUNT, _set(ACCOUNT, lambda a: a.update(enableHttpsTrafficOnly=False)),
         "accepts plain HTTP"),
    Case("required-tags", VM, _set(VM, _nothing), None),
    Case("required-tags", VM, _set(VM, lambda vm: vm["tags"].pop("owner")), "tag owner is missing or empty"),
    Case("required-tags", DISK, _set(DISK, lambda d: d["tags"].update({"cost-center": " "})),
         "tag cost-center is missing or empty"),
    Case("required-tags", DISK, _set(DISK, lambda d: d.update(tags={"Owner": "me", "Cost-Center": "1"})), None),
    Case("required-tags", "azure-native:network:Subnet", _set("azure-native:network:Subnet", _nothing), None),
    Case("data-protected", DISK, _set(DISK, _nothing), None),
    Case("data-protected", ACCOUNT, _set(ACCOUNT, _nothing), "storage account is not protected", protect=False),
    Case("data-protected", DISK, _set(DISK, _nothing), "data disk is not protected", protect=False),
    Case("data-protected", VM, _set(VM, _nothing), None, protect=False),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{'fails' if c.violation else 'passes'}")
def test_the_rule_as_pulumi_policy_runs_it(case: Case, dev_plan: dict[str, Any]) -> None:
    found = resource_violations(case.rule, case.resource_type, case.props(dev_plan), protect=case.protect)
    if case.violation is None:
        assert found == []
    else:
        assert len(found) == 1 and case.violation in found[0], found
        rule = next(r for r in ALL_RULES if r.name == case.rule)
        assert found[0].endswith(f"Fix: {rule.fix}.")


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


def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    stack_rules = {"no-public-ip-on-vm-nic"}  # the tests above
    passing = {c.rule for c in CASES if c.violation is None} | stack_rules
    failing = {c.rule for c in CASES if c.violation is not None} | stack_rules
    names = {r.name for r in ALL_RULES}
    assert passing == names and failing == names


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_every_rule_cites_its_source(rule: Any) -> None:
    assert rule.source.startswith("Sources:"), rule.name
    assert "Microsoft Learn" in rule.source or "Pulumi docs" in rule.source
    assert rule.fix and rule.description and rule.enforcement == "mandatory"
