"""The pack's stack rules: checks over every resource of the stack, and over what its config says.

Each takes the stack's resources (``Subject``) and what is known of the stack (``StackInfo``:
its kind and cost cap, read from its config by ``policy.pack`` under Pulumi and by
``dsvmctl.policy_check`` offline) and returns ``(urn, message)`` pairs; a None urn is the stack
as a whole. A resource that points at another (a shutdown schedule's ``targetResourceId``) is
matched by the target's ARM id where it is known (the offline plan) and by the engine's
property dependencies where it is not yet (a new VM during ``pulumi preview``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from azurefacts.resource_types import (
    AUTOSCALE_SETTING,
    CONFIGURATION_ASSIGNMENT,
    ML_COMPUTE,
    NIC,
    NSG,
    RESOURCE_TYPES,
    SCHEDULE,
    VM,
    VMSS,
)
from costs import estimate
from policy.rules import SECURITY_RULE, StackInfo, Subject, elements, has_key, machine_profile, prop

# -- no public IP on a VM's NIC, unless the access mode is allowlist ------------------------------------------------
# The access mode shows in the inputs only in the NSG's allow rules (components/network.py):
# description "<rule>: port <n> from the <mode> sources only".
ACCESS_MODE = re.compile(r"\bfrom the (allowlist|bastion|private) sources only\b")
PUBLIC_IP_MODES = frozenset({"allowlist"})


def access_modes(resources: Iterable[Subject]) -> set[str]:
    """The access modes the stack's NSG rules say they admit (empty: none says)."""
    modes: set[str] = set()
    for resource in resources:
        if resource.resource_type == NSG:
            rules = elements(prop(resource.props, "securityRules"))
        elif resource.resource_type == SECURITY_RULE:
            rules = [resource.props]
        else:
            continue
        for rule in rules:
            found = ACCESS_MODE.search(str(prop(rule, "description") or ""))
            if found and str(prop(rule, "access") or "").lower() == "allow":
                modes.add(found.group(1))
    return modes


def _ip_configurations(resource: Subject) -> list[tuple[str, Any, str]]:
    """(path, ip configuration, key of its public IP) of the machine NICs a resource declares."""
    if resource.resource_type == NIC:
        return [(f"ipConfigurations[{i}]", c, "publicIPAddress")
                for i, c in enumerate(elements(prop(resource.props, "ipConfigurations")))]  # fmt: skip
    machine = machine_profile(resource.resource_type, resource.props)
    if machine is None:
        return []
    prefix = "virtualMachineProfile." if resource.resource_type == VMSS else ""
    found = []
    for i, nic in enumerate(elements(prop(machine, "networkProfile.networkInterfaceConfigurations"))):
        for j, config in enumerate(elements(prop(nic, "ipConfigurations"))):
            path = f"{prefix}networkProfile.networkInterfaceConfigurations[{i}].ipConfigurations[{j}]"
            found.append((path, config, "publicIPAddressConfiguration"))
    return found


def check_no_public_ip(resources: Sequence[Subject], stack: StackInfo) -> list[tuple[str | None, str]]:
    """Sources: DESIGN.md section 6 (no public IP by default; `bastion` and `private` never put one on a
    VM, `allowlist` may with `public_ip_enabled`); Microsoft Learn, 'What is Azure Bastion?' (VMs need no
    public IP) and the Azure Policy built-in 'Network interfaces should not have public IPs'."""
    modes = access_modes(resources)
    if modes and modes <= PUBLIC_IP_MODES:
        return []
    said = "/".join(sorted(modes)) if modes else "not stated by any NSG rule"
    return [
        (resource.urn, f"{path}.{key} gives the machine a public IP, but the stack's access mode is {said}")
        for resource in resources
        for path, config, key in _ip_configurations(resource)
        if has_key(config, key)
    ]


# -- every machine stops: a shutdown schedule (VM) or an autoscale setting (scale set) ------------------------------
# What makes each compute type stop, the property that names its target, and whether it is on.
STOPPERS = {
    VM: (SCHEDULE, "targetResourceId", "an enabled auto-shutdown schedule (DevTest Labs GlobalSchedule)"),
    VMSS: (AUTOSCALE_SETTING, "targetResourceUri", "an enabled autoscale setting"),
}


def _is_on(resource: Subject) -> bool:
    if resource.resource_type == SCHEDULE:  # ARM's default status is Disabled
        return str(prop(resource.props, "status") or "").lower() == "enabled"
    return prop(resource.props, "enabled") is True  # ARM's default is false


def targets(resource: Subject, key: str) -> set[str]:
    """What ``key`` of ``resource`` points at: the ARM id it holds (lowercased) and the URNs it came from."""
    found = {str(urn) for urn in resource.links.get(key, ())}
    value = prop(resource.props, key)
    if isinstance(value, str):
        found.add(value.lower())
    return found


def names_of(resource: Subject) -> set[str]:
    """How another resource may point at this one: its URN and (lowercased) ARM id."""
    return {resource.urn} | ({resource.id.lower()} if resource.id else set())


def check_compute_stops(resources: Sequence[Subject], stack: StackInfo) -> list[tuple[str | None, str]]:
    """Sources: DESIGN.md section 6 (auto-shutdown schedule on every workstation by default, for cost and
    safety) and section 1 (scale sets sleep at zero outside their schedule); Microsoft Learn, 'Auto-shutdown
    a VM' (a DevTest Labs `Microsoft.DevTestLab/schedules` resource `shutdown-computevm-<vm>` whose
    `targetResourceId` is the VM; `status` defaults to Disabled) and 'Autoscale with multiple profiles'
    (an autoscale setting whose `targetResourceUri` is the scale set; `enabled` defaults to false)."""
    problems: list[tuple[str | None, str]] = []
    # What each schedule or autoscale setting points at, once: (kind, name) -> the stoppers pointing there.
    pointing: dict[tuple[str, str], list[Subject]] = {}
    for kind, key, _ in set(STOPPERS.values()):
        for r in resources:
            if r.resource_type == kind:
                for name in targets(r, key):
                    pointing.setdefault((kind, name), []).append(r)
    for resource in resources:
        stopper = STOPPERS.get(resource.resource_type)
        if stopper is None:
            continue
        kind, key, what = stopper
        found = list({id(r): r for name in names_of(resource) for r in pointing.get((kind, name), [])}.values())
        if not any(_is_on(r) for r in found):
            state = "only a disabled one" if found else "none"
            problems.append((resource.urn, f"nothing stops this machine when unused: it needs {what}, and has {state}"))
    return problems


# -- tags -----------------------------------------------------------------------------------------------------------
REQUIRED_TAGS = ("owner", "cost-center")  # stacks/foundation.py stack_tags
EXPIRES_TAG = "expires-on"  # stacks/gpu_rig.py, from rigs[].expires_on
# An AzureML compute attachment lives in the workspace's resource group and the program does not tag it; a
# maintenance configuration assignment takes a location but no tags (the SDK has no tags input for it).
UNTAGGED_TYPES = frozenset({ML_COMPUTE, CONFIGURATION_ASSIGNMENT})


def _takes_tags(resource: Subject) -> bool:
    """Tracked ARM resources (the ones with a location) take tags."""
    if resource.resource_type in UNTAGGED_TYPES or not resource.resource_type.startswith("azure-native:"):
        return False
    facts = RESOURCE_TYPES.get(resource.resource_type)
    return facts.has_location if facts is not None else has_key(resource.props, "location")


def _tags(props: Mapping[str, Any]) -> dict[str, str]:
    tags = prop(props, "tags")
    return {str(k).lower(): str(tags[k] or "").strip() for k in tags} if isinstance(tags, Mapping) else {}


def check_required_tags(resources: Sequence[Subject], stack: StackInfo) -> list[tuple[str | None, str]]:
    """Sources: Microsoft Learn, 'Use tags to organize your Azure resources and management hierarchy'
    (tag names are case-insensitive; only tracked resources take tags) and the Cloud Adoption Framework's
    'Define your tagging strategy' (owner, cost center; an end date for short-lived resources); DESIGN.md
    section 1 (short-term experiments carry an `expires_on` tag). The names are the ones the stacks set:
    `owner` and `cost-center` on everything (stacks/foundation.py `stack_tags`), `expires-on` on a rig
    (stacks/gpu_rig.py)."""
    problems: list[tuple[str | None, str]] = []
    for resource in resources:
        if not _takes_tags(resource):
            continue
        tags = _tags(resource.props)
        wanted = list(REQUIRED_TAGS)
        if stack.kind == "gpu_rig" and resource.resource_type == VM:
            wanted.append(EXPIRES_TAG)
        problems += [(resource.urn, f"tag {t} is missing or empty") for t in wanted if not tags.get(t)]
    return problems


# -- the stack's monthly cost, against the cap in its config --------------------------------------------------------
LINKED = {SCHEDULE: "targetResourceId", AUTOSCALE_SETTING: "targetResourceUri"}


def plan_resources(resources: Sequence[Subject]) -> list[dict[str, Any]]:
    """The resources as ``costs.estimate`` reads a plan's: ``id`` (the URN where the ARM id is not known
    yet), ``parent`` and ``inputs``, with a schedule's or autoscale setting's target rewritten to that id
    when the engine only says which resource it came from."""
    ids = {r.urn: r.id or r.urn for r in resources}
    found = []
    for resource in resources:
        inputs = dict(resource.props)
        key = LINKED.get(resource.resource_type)
        linked = [ids[urn] for urn in resource.links.get(key, ()) if urn in ids] if key else []
        if key and linked and not isinstance(inputs.get(key), str):
            inputs[key] = linked[0]
        found.append({"urn": resource.urn, "type": resource.resource_type, "name": resource.name,
                      "id": ids[resource.urn], "parent": resource.parent, "inputs": inputs})  # fmt: skip
    return found


def check_cost_cap(resources: Sequence[Subject], stack: StackInfo) -> list[tuple[str | None, str]]:
    """Sources: DESIGN.md sections 1 and 2 (cost estimates; the policy pack's cost cap uses the product's
    cost module); Microsoft Learn, 'Tutorial: Create and manage budgets' (Cost Management budgets alert on
    what was spent; this cap stops nothing but says so before it is spent). The estimate is `costs.estimate`
    (list prices of the dated snapshot in azurefacts/prices, expected running hours), the same figure
    `dsvmctl plan` prints, compared with `dsvm:cost_cap_monthly`."""
    if stack.cost_cap_monthly is None:
        return []
    try:
        cost = estimate(plan_resources(resources))
    except ValueError as error:  # a size or SKU the price snapshot does not know
        return [(None, f"the monthly cost cannot be estimated ({error}), so the cap cannot be checked")]
    if cost["monthly"] <= stack.cost_cap_monthly:
        return []
    return [(
        None,
        f"the estimated cost ${cost['monthly']:,.2f}/month (list prices of {cost['prices']['readOn']}) is over "
        f"the stack's cap of ${stack.cost_cap_monthly:,.2f}/month (dsvm:cost_cap_monthly)",
    )]  # fmt: skip
