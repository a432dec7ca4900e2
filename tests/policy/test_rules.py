"""Each rule of the pack passes a good resource and fails a bad one, run as pulumi-policy runs it.

The arguments are built the way the analyzer builds them for ``pulumi preview --policy-pack``
(``pulumi_policy.ResourceValidationArgs`` / ``StackValidationArgs`` over properties wrapped in
the SDK's unknown-checking proxy), and the policy objects are the pack's own
(``policy.pack.policies()``), so no Pulumi CLI is needed. Good resources come from the dev and
classroom stacks' offline plans; bad ones are the same with one thing broken. Stack rules read
the stack's config (kind, cost cap) from the Pulumi config, as the CLI hands it to a pack.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
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
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

import policy.pack
from azurefacts import clock
from policy.catalog import ALL_RULES
from policy.pack import policies
from policy.rules import ADVISORY, MANDATORY, SECURITY_RULE

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
NSG = "azure-native:network:NetworkSecurityGroup"
NIC = "azure-native:network:NetworkInterface"
ACCOUNT = "azure-native:storage:StorageAccount"
DISK = "azure-native:compute:Disk"
SCHEDULE = "azure-native:devtestlab:GlobalSchedule"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
SUBNET = "azure-native:network:Subnet"
POLICIES = {p.name: p for p in policies()}
ADVISORY_RULES = {"image-pin-age", "required-tags", "cost-cap", "data-disks-backed-up"}


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


TARGETS = {SCHEDULE: "targetResourceId", AUTOSCALE: "targetResourceUri"}


def policy_resources(
    resources: list[dict[str, Any]], links: bool = True, unknown_targets: bool = False
) -> list[PolicyResource]:
    """Plan resources as the engine sends them to a stack policy: proxied properties, parents, and (``links``)
    the property dependency of each schedule or autoscale setting on its target; ``unknown_targets``: the
    targets' ids are not known yet (new VMs and scale sets during a preview)."""
    by_id = {str(r["id"]).lower(): r["urn"] for r in resources if r.get("id")}
    found: dict[str, PolicyResource] = {}
    depends: dict[str, dict[str, list[str]]] = {}
    for r in resources:
        inputs = copy.deepcopy(r["inputs"])
        key = TARGETS.get(r["type"])
        if key and isinstance(inputs.get(key), str):
            target = by_id.get(inputs[key].lower())
            if links and target:
                depends[r["urn"]] = {key: [target]}
            if unknown_targets:
                inputs[key] = UNKNOWN_STRING_VALUE
        found[r["urn"]] = PolicyResource(r["type"], unknown_checking_proxy(inputs), r["urn"], r["name"],
                                         options(r["protect"]), None, None, [], {})  # fmt: skip
    for r in resources:
        resource = found[r["urn"]]
        resource.parent = found.get(r.get("parent") or "")
        resource.property_dependencies = {k: [found[u] for u in v] for k, v in depends.get(r["urn"], {}).items()}
    return list(found.values())


def stack_violations(
    name: str, resources: list[dict[str, Any]], links: bool = True, unknown_targets: bool = False
) -> list[tuple[str | None, str]]:
    """What the pack's stack policy ``name`` reports for a stack of plan resources (see ``policy_resources``)."""
    policy = POLICIES[name]
    assert isinstance(policy, StackValidationPolicy)
    args = StackValidationArgs(policy_resources(resources, links, unknown_targets))
    found: list[tuple[str | None, str]] = []
    policy.validate(args, lambda message, urn=None: found.append((urn, message)))
    return found


def first(plan: dict[str, Any], resource_type: str) -> dict[str, Any]:
    return copy.deepcopy(next(r for r in plan["resources"] if r["type"] == resource_type))


@dataclass(frozen=True)
class Case:
    rule: str
    resource_type: str
    props: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]  # from the dev and classroom plans
    violation: str | None  # a fragment of the message; None: passes
    protect: bool = True


def _set(resource_type: str, change: Callable[[dict[str, Any]], object]) -> Callable[..., dict[str, Any]]:
    """The first resource of this type (dev plan, else classroom plan) with ``change`` applied to its inputs."""

    def props(dev: dict[str, Any], classroom: dict[str, Any]) -> dict[str, Any]:
        plan = dev if any(r["type"] == resource_type for r in dev["resources"]) else classroom
        inputs = first(plan, resource_type)["inputs"]
        change(inputs)
        return inputs

    return props


def _open_rule(source: str, port: str | None = None, **extra: Any) -> Callable[[dict[str, Any]], object]:
    rule = {"name": "open", "priority": 200, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
            "sourceAddressPrefix": source, "sourcePortRange": "*", "destinationAddressPrefix": "*",
            **extra}  # fmt: skip
    if port is not None:
        rule["destinationPortRange"] = port
    return lambda nsg: nsg["securityRules"].append(rule)


def _nothing(_: dict[str, Any]) -> None:
    return None


def _profile(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], object]:
    return lambda scale_set: change(scale_set["virtualMachineProfile"])


def _image(version: str) -> Callable[[dict[str, Any]], object]:
    return lambda machine: machine["storageProfile"]["imageReference"].update(version=version)


NSG_RULE = "nsg-no-vm-ports-from-internet"
CASES = [
    Case(NSG_RULE, NSG, _set(NSG, _nothing), None),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("*", "22")), "allows SSH (22) in from *"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("Internet", "3380-3390")), "RDP (3389) in from Internet"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("0.0.0.0/0", "8000")), "JupyterHub (8000) in from 0.0.0.0/0"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("*", destinationPortRanges=["443", "8780-8790"])),
         "allows RStudio Server (8787) in from *"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("0.0.0.0/0", "*")),
         "allows SSH (22), RDP (3389), JupyterHub (8000) and RStudio Server (8787) in from 0.0.0.0/0"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("Any", destinationPortRanges=["21-23", "8000"])),
         "SSH (22) and JupyterHub (8000) in from Any"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("10.0.0.0/0", "22")), "in from 10.0.0.0/0"),  # any /0
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("*", "22", direction="Outbound")), None),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("*", "22", access="Deny")), None),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("*", "443")), None),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("203.0.113.0/24", "8787")), None),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("0.0.0.0/1", "22", sourceAddressPrefixes=["128.0.0.0/1"])),
         "allows SSH (22) in from 0.0.0.0/1, 128.0.0.0/1: together they admit"),
    Case(NSG_RULE, NSG, _set(NSG, _open_rule("10.0.0.0/8", "22", sourceAddressPrefixes=["172.16.0.0/12"])), None),
    Case(NSG_RULE, NSG, _set(NSG, lambda nsg: (_open_rule("11.0.0.0/8", "22")(nsg),  # a /8 each: not over alone
                                               _open_rule("12.0.0.0/8", "20-25")(nsg))),
         "securityRules[4] (open) allow SSH (22) in from 10.50.255.0/26, 11.0.0.0/8, 12.0.0.0/8: together they "
         "admit 33,554,432"),
    Case(NSG_RULE, NSG, _set(NSG, lambda nsg: (nsg["securityRules"].clear(),  # exactly two rules open SSH
                                               _open_rule("11.0.0.0/8", "22")(nsg),
                                               _open_rule("12.0.0.0/9", "22")(nsg))),
         "securityRules[0] (open), securityRules[1] (open) allow SSH (22) in from 11.0.0.0/8, 12.0.0.0/9: together "
         "they admit 25,165,824"),
    Case(NSG_RULE, SECURITY_RULE,
         lambda *_: {"securityRuleName": "ssh", "direction": "Inbound", "access": "Allow", "protocol": "*",
                     "sourceAddressPrefixes": ["203.0.113.0/24", "Internet"], "destinationPortRanges": ["22"]},
         "rule ssh allows SSH (22) in from Internet"),
    Case("vm-linux-ssh-keys-only", VM, _set(VM, _nothing), None),
    Case("vm-linux-ssh-keys-only", VM,
         _set(VM, lambda vm: vm["osProfile"]["linuxConfiguration"].update(disablePasswordAuthentication=False)),
         "disablePasswordAuthentication is not true"),
    Case("vm-linux-ssh-keys-only", VMSS, _set(VMSS, _nothing), None),
    Case("vm-linux-ssh-keys-only", VMSS,
         _set(VMSS, _profile(lambda p: p["osProfile"]["linuxConfiguration"].pop("disablePasswordAuthentication"))),
         "SSH accepts passwords"),
    Case("vm-linux-ssh-keys-only", VM,
         _set(VM, lambda vm: vm["osProfile"].update(linuxConfiguration=None, windowsConfiguration={})), None),
    Case("vm-encryption-at-host", VM, _set(VM, _nothing), None),
    Case("vm-encryption-at-host", VMSS, _set(VMSS, _nothing), None),
    Case("vm-encryption-at-host", VM, _set(VM, lambda vm: vm["securityProfile"].update(encryptionAtHost=False)),
         "encryptionAtHost is not true"),
    Case("vm-encryption-at-host", VMSS,
         _set(VMSS, _profile(lambda p: p["securityProfile"].update(encryptionAtHost=False))),
         "encryptionAtHost is not true"),
    Case("vm-encryption-at-host", VMSS, _set(VMSS, _profile(lambda p: p.pop("securityProfile"))),
         "encryptionAtHost is not true"),
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
    Case("storage-no-shared-key", ACCOUNT, _set(ACCOUNT, _nothing), None),
    Case("storage-no-shared-key", ACCOUNT, _set(ACCOUNT, lambda a: a.update(allowSharedKeyAccess=True)),
         "allowSharedKeyAccess is not false"),
    Case("storage-no-shared-key", ACCOUNT, _set(ACCOUNT, lambda a: a.pop("allowSharedKeyAccess")),
         "account keys (and SAS signed with them)"),
    Case("image-pin-age", VM, _set(VM, _nothing), None),  # 25.05.20 on 2025-10-01: 5 months
    Case("image-pin-age", VM, _set(VM, _image("25.01.14")), None),  # 9 months
    Case("image-pin-age", VM, _set(VM, lambda vm: vm["storageProfile"]["imageReference"].update(
        offer="ubuntu-2004", sku="2004-gen2", version="24.06.10")),
         "image ubuntu-2004 24.06.10 was released 16 months ago (2024-06-10)"),
    Case("image-pin-age", VMSS, _set(VMSS, _nothing), None),  # 25.09.15: 1 month
    Case("image-pin-age", VMSS, _set(VMSS, _profile(_image("latest"))), "is not pinned (version latest)"),
    Case("image-pin-age", VM, _set(VM, lambda vm: vm["storageProfile"]["imageReference"].update(
        publisher="Canonical", offer="ubuntu-24_04-lts", sku="server", version="24.04.202401010")), None),
    Case("data-protected", DISK, _set(DISK, _nothing), None),
    Case("data-protected", ACCOUNT, _set(ACCOUNT, _nothing), "storage account is not protected", protect=False),
    Case("data-protected", DISK, _set(DISK, _nothing), "data disk is not protected", protect=False),
    Case("data-protected", VM, _set(VM, _nothing), None, protect=False),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.rule}-{'fails' if c.violation else 'passes'}")
def test_the_rule_as_pulumi_policy_runs_it(
    case: Case, dev_plan: dict[str, Any], classroom_plan: dict[str, Any]
) -> None:
    found = resource_violations(case.rule, case.resource_type, case.props(dev_plan, classroom_plan), case.protect)
    if case.violation is None:
        assert found == []
    else:
        assert len(found) == 1 and case.violation in found[0], found
        rule = next(r for r in ALL_RULES if r.name == case.rule)
        assert found[0].endswith(f"Fix: {rule.fix}.")


def test_a_pin_older_than_ten_months_is_reported(dev_plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    """The pin age counts calendar months from the release date (azurefacts.images): 25.05.20 is 10 months
    old in March 2026 (still fine) and 11 in April."""
    vm = first(dev_plan, VM)["inputs"]
    clock.set_today(date(2026, 3, 31))
    assert resource_violations("image-pin-age", VM, vm) == []
    clock.set_today(date(2026, 4, 1))
    (message,) = resource_violations("image-pin-age", VM, vm)
    assert "25.05.20 was released 11 months ago (2025-05-20)" in message
    assert "pin 25.09.15 (7 months old) on dev, then promote it" in message


def test_pin_advice_never_names_a_version_that_is_too_old_itself(dev_plan: dict[str, Any]) -> None:
    """In December 2026 every known Ubuntu 22.04 version is over 10 months old: the advice says to find a newer
    one (it used to say "promote a newer pin (newest known: 25.09.15)", 15 months old itself)."""
    vm = first(dev_plan, VM)["inputs"]
    clock.set_today(date(2026, 12, 5))
    (message,) = resource_violations("image-pin-age", VM, vm)
    assert "25.05.20 was released 19 months ago" in message
    assert "25.09.15 (15 months) is the newest version azurefacts/images.py knows, and too old as well" in message
    assert "az vm image list --publisher microsoft-dsvm --offer ubuntu-2204 --sku 2204-gen2 --all" in message
    assert "pin 25.09.15" not in message
    newest = json.loads(json.dumps(vm))
    newest["storageProfile"]["imageReference"]["version"] = "25.09.15"
    (message,) = resource_violations("image-pin-age", VM, newest)
    assert "it is the newest version azurefacts/images.py knows" in message

# -- stack rules ------------------------------------------------------------------------------------------------------
BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"
OTHER_DISK = (
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-x/providers/Microsoft.Compute/disks/old"
)

@dataclass(frozen=True)
class StackCase:
    rule: str
    plan: str  # "dev" or "classroom"
    change: Callable[[list[dict[str, Any]]], object]  # changes the plan's resources in place
    violation: str | None  # a fragment of the (single) message; None: passes
    config: dict[str, Any] = field(default_factory=dict)  # the stack's Pulumi config, as the CLI passes it
    on: str | None = "VirtualMachine"  # the type the violation names (None: the stack as a whole)
    stack: str = "dev"  # the stack's name, as the Pulumi CLI tells the pack


def _of(resources: list[dict[str, Any]], resource_type: str) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == resource_type]


def _drop(resource_type: str, keep: int = 0) -> Callable[[list[dict[str, Any]]], object]:
    """Remove all but ``keep`` resources of this type."""

    def change(resources: list[dict[str, Any]]) -> None:
        for r in _of(resources, resource_type)[keep:]:
            resources.remove(r)

    return change


def _inputs(resource_type: str, change: Callable[[dict[str, Any]], object]) -> Callable[[list[Any]], object]:
    return lambda resources: change(_of(resources, resource_type)[0]["inputs"])


STACK_CASES = [
    StackCase("compute-stops-when-unused", "dev", _drop("nothing"), None),
    StackCase("compute-stops-when-unused", "dev", _drop(SCHEDULE, keep=1),
              "nothing stops this machine when unused: it needs an enabled auto-shutdown schedule (DevTest Labs "
              "GlobalSchedule), and has none"),
    StackCase("compute-stops-when-unused", "dev", _inputs(SCHEDULE, lambda s: s.update(status="Disabled")),
              "and has only a disabled one"),
    StackCase("compute-stops-when-unused", "dev", _inputs(SCHEDULE, lambda s: s.pop("status")),
              "and has only a disabled one"),  # ARM's default status is Disabled
    StackCase("compute-stops-when-unused", "classroom", _drop("nothing"), None),
    StackCase("compute-stops-when-unused", "classroom", _drop(AUTOSCALE),
              "it needs an enabled autoscale setting, and has none", on="VirtualMachineScaleSet"),
    StackCase("compute-stops-when-unused", "classroom", _inputs(AUTOSCALE, lambda a: a.update(enabled=False)),
              "and has only a disabled one", on="VirtualMachineScaleSet"),
    StackCase("required-tags", "dev", _drop("nothing"), None),
    StackCase("required-tags", "dev", _inputs(VM, lambda vm: vm["tags"].pop("owner")), "tag owner is missing"),
    StackCase("required-tags", "dev", _inputs(DISK, lambda d: d["tags"].update({"cost-center": " "})),
              "tag cost-center is missing or empty", on="Disk"),
    StackCase("required-tags", "dev", _inputs(DISK, lambda d: d.update(tags={"Owner": "me", "Cost-Center": "1"})),
              None),  # tag names compare ignoring case
    StackCase("required-tags", "dev", _inputs(SUBNET, lambda s: s.pop("tags", None)), None),  # no location, no tags
    StackCase("required-tags", "dev", _drop(VM, keep=1), "tag expires-on is missing or empty",
              config={"dsvm:kind": "gpu_rig"}),
    StackCase("required-tags", "dev", lambda rs: [vm["inputs"]["tags"].update({"expires-on": "2027-01-31"})
                                                  for vm in _of(rs, VM)], None, config={"dsvm:kind": "gpu_rig"}),
    StackCase("data-disks-backed-up", "dev", _drop("nothing"), None),
    StackCase("data-disks-backed-up", "dev", _drop(BACKUP_INSTANCE, keep=1),
              "data disk bob-data-disk has no backup instance", on="Disk"),
    StackCase("data-disks-backed-up", "dev", _inputs(VM, lambda vm: vm["storageProfile"]["dataDisks"][0]["managedDisk"]
                                                     .update(id=OTHER_DISK)),
              "attaches data disk old, which no backup instance protects"),
    StackCase("data-disks-backed-up", "dev", _drop(BACKUP_INSTANCE), None, stack="prod"),  # prod: the other rule
    StackCase("data-disks-backed-up-in-production", "dev", _drop(BACKUP_INSTANCE), None),
    StackCase("data-disks-backed-up-in-production", "dev", _drop("nothing"), None, stack="prod"),
    StackCase("data-disks-backed-up-in-production", "dev", _drop(BACKUP_INSTANCE, keep=1),
              "data disk bob-data-disk has no backup instance", on="Disk", stack="prod"),
    StackCase("cost-cap", "dev", _drop("nothing"), None),  # no cap in the config
    StackCase("cost-cap", "dev", _drop("nothing"), None, config={"dsvm:cost_cap_monthly": "100000"}),
    StackCase("cost-cap", "dev", _drop("nothing"), "is over the stack's cap of $1.00/month (dsvm:cost_cap_monthly)",
              config={"dsvm:cost_cap_monthly": "1"}, on=None),
]  # fmt: skip


@pytest.mark.parametrize("case", STACK_CASES, ids=lambda c: f"{c.rule}-{'fails' if c.violation else 'passes'}")
def test_the_stack_rule_as_pulumi_policy_runs_it(
    case: StackCase, dev_plan: dict[str, Any], classroom_plan: dict[str, Any], stack_config: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stack_config.update(case.config)
    monkeypatch.setattr(policy.pack, "stack_name", lambda: case.stack)
    resources = copy.deepcopy((dev_plan if case.plan == "dev" else classroom_plan)["resources"])
    case.change(resources)
    found = stack_violations(case.rule, resources)
    if case.violation is None:
        assert found == []
        return
    ((urn, message),) = found
    assert case.violation in message, message
    rule = next(r for r in ALL_RULES if r.name == case.rule)
    assert message.endswith(f"Fix: {rule.fix}.")
    if case.on is None:
        assert urn is None
    else:
        assert urn is not None and urn.split("::")[-2].endswith(f":{case.on}"), urn


def test_the_cap_compares_the_plans_estimate(dev_plan: dict[str, Any], stack_config: dict[str, Any]) -> None:
    monthly = dev_plan["cost"]["monthly"]
    stack_config["dsvm:cost_cap_monthly"] = str(monthly)
    assert stack_violations("cost-cap", dev_plan["resources"]) == []
    stack_config["dsvm:cost_cap_monthly"] = str(monthly - 0.01)
    ((urn, message),) = stack_violations("cost-cap", dev_plan["resources"])
    assert urn is None and f"the estimated cost ${monthly:,.2f}/month" in message


def test_during_a_preview_a_schedule_finds_its_vm_by_property_dependency(
    dev_plan: dict[str, Any], stack_config: dict[str, Any]
) -> None:
    """A new VM has no id during ``pulumi preview``: the schedule's ``targetResourceId`` is unknown, and the
    engine's property dependencies say which VM it came from."""
    resources = dev_plan["resources"]
    assert stack_violations("compute-stops-when-unused", resources, unknown_targets=True) == []
    unlinked = stack_violations("compute-stops-when-unused", resources, links=False, unknown_targets=True)
    assert len(unlinked) == len(_of(resources, VM))


def test_during_a_preview_the_cost_is_the_plans(dev_plan: dict[str, Any], stack_config: dict[str, Any]) -> None:
    """The pack prices the stack as ``dsvmctl plan`` does with the VMs' ids unknown: the schedules reach
    their VMs by property dependency (scheduled hours), the VMs their components by parent (idle stop)."""
    from costs import estimate
    from policy.pack import subjects
    from policy.stack_rules import plan_resources

    found = subjects(policy_resources(dev_plan["resources"], unknown_targets=True))
    assert estimate(plan_resources(found))["monthly"] == dev_plan["cost"]["monthly"]


# -- the catalog ----------------------------------------------------------------------------------------------------
def test_every_rule_has_a_passing_and_a_failing_case() -> None:
    cases = [(c.rule, c.violation) for c in CASES] + [(c.rule, c.violation) for c in STACK_CASES]
    stack_rules = {"no-public-ip-on-vm-nic"}  # tests/policy/test_no_public_ip.py
    passing = {rule for rule, violation in cases if violation is None} | stack_rules
    failing = {rule for rule, violation in cases if violation is not None} | stack_rules
    names = {r.name for r in ALL_RULES}
    assert passing == names and failing == names


@pytest.mark.parametrize("rule", ALL_RULES, ids=lambda r: r.name)
def test_every_rule_cites_its_source_and_says_how_it_is_enforced(rule: Any) -> None:
    assert rule.source.startswith("Sources:"), rule.name
    assert "Microsoft Learn" in rule.source or "Pulumi docs" in rule.source or "Cloud Adoption Framework" in (
        rule.source
    )
    assert rule.fix and rule.description
    assert rule.enforcement == (ADVISORY if rule.name in ADVISORY_RULES else MANDATORY)
