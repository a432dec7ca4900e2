"""The rules of the policy pack: plain functions over what the engine sends a policy pack.

A rule reads a resource's properties in camelCase, as ``pulumi preview`` sends them to a
policy pack and as the offline plan records them (``inputs``), and returns what is wrong,
one message per problem; an empty list passes. Three shapes:

- ``ResourceRule.check(resource_type, props)``: one resource's properties.
- ``OptionsRule.check(resource_type, options)``: its resource options. The policy API
  shows a rule ``protect`` but not ``retainOnDelete`` (``pulumi_policy.PolicyResourceOptions``
  has no such field), so ``Options.retain_on_delete`` is None under Pulumi and only the
  offline plan (``dsvmctl``) checks it.
- ``StackRule.check(resources)``: what needs more than one resource (the stack's access
  mode is written on its NSG, the public IP hangs off a NIC).

``policy.pack`` wraps each rule as a pulumi-policy policy; ``dsvmctl.policy_check`` runs
the same functions over a plan document. Each ``check``'s docstring names its source.

Under ``pulumi preview`` the properties are read-only mappings that raise on a value not
known yet; the rules read only values the program sets from config (never outputs of other
resources), and test for a key by iterating (``_has``) so an unknown value is never read.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from azurefacts.images import find_image
from azurefacts.resource_types import (
    BLOB_CONTAINER,
    DISK,
    ML_COMPUTE,
    NIC,
    NSG,
    RESOURCE_TYPES,
    STORAGE_ACCOUNT,
    VM,
    VMSS,
)

Props = Mapping[str, Any]
MANDATORY = "mandatory"
ADVISORY = "advisory"
SECURITY_RULE = "azure-native:network:SecurityRule"


@dataclass(frozen=True)
class Options:
    """The resource options a rule may look at; ``retain_on_delete`` None: not known (under Pulumi)."""

    protect: bool
    retain_on_delete: bool | None = None


@dataclass(frozen=True)
class Subject:
    """One resource of the stack, for a stack rule."""

    urn: str
    resource_type: str
    props: Props


@dataclass(frozen=True)
class _Rule:
    name: str
    description: str
    fix: str
    enforcement: str

    @property
    def source(self) -> str:
        """Where the rule comes from: its check's docstring."""
        return inspect.getdoc(getattr(self, "check")) or ""  # noqa: B009 - each subclass types its own check


@dataclass(frozen=True)
class ResourceRule(_Rule):
    check: Callable[[str, Props], list[str]]


@dataclass(frozen=True)
class OptionsRule(_Rule):
    check: Callable[[str, Options], list[str]]


@dataclass(frozen=True)
class StackRule(_Rule):
    check: Callable[[Sequence[Subject]], list[tuple[str, str]]]  # (urn, message)


# -- reading properties -------------------------------------------------------------------------------------------
def _has(props: Any, key: str) -> bool:
    """Whether ``key`` is set, without reading its value (which may be unknown during a preview)."""
    return isinstance(props, Mapping) and any(k == key for k in props)


def _get(props: Any, path: str) -> Any:
    """The value at a dotted path of keys, or None where a step is missing."""
    node = props
    for part in path.split("."):
        if not _has(node, part):
            return None
        node = node[part]
    return node


def _items(value: Any) -> list[Any]:
    """The elements of a list property (nothing for a missing or scalar one)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def _vm_profile(resource_type: str, props: Props) -> Props | None:
    """The part of a VM or scale set that describes its machines (the scale set's virtualMachineProfile)."""
    if resource_type == VM:
        return props
    if resource_type == VMSS:
        profile = _get(props, "virtualMachineProfile")
        return profile if isinstance(profile, Mapping) else None
    return None


# -- NSG: no SSH/RDP from the internet -----------------------------------------------------------------------------
ADMIN_PORTS = {22: "SSH", 3389: "RDP"}
# Service tags and prefixes meaning "anyone on the internet" (compared lowercased).
OPEN_SOURCES = frozenset({"*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"})
_NOT_ADMIN_PROTOCOLS = frozenset({"icmp", "esp", "ah"})


def _covers(port_spec: str, port: int) -> bool:
    spec = port_spec.strip().lower()
    if spec in ("*", "any"):
        return True
    low, _, high = spec.partition("-")
    try:
        return int(low) <= port <= int(high or low)
    except ValueError:
        return False


def _rule_problem(rule: Props, where: str) -> str | None:
    if str(_get(rule, "direction") or "Inbound").lower() != "inbound":
        return None
    if str(_get(rule, "access") or "Allow").lower() != "allow":
        return None
    if str(_get(rule, "protocol") or "*").lower() in _NOT_ADMIN_PROTOCOLS:
        return None
    sources = [_get(rule, "sourceAddressPrefix"), *_items(_get(rule, "sourceAddressPrefixes"))]
    opened = sorted({s for s in sources if isinstance(s, str) and s.strip().lower() in OPEN_SOURCES})
    ports = [p for p in (_get(rule, "destinationPortRange"), *_items(_get(rule, "destinationPortRanges")))
             if isinstance(p, str)]
    services = [f"{name} ({port})" for port, name in ADMIN_PORTS.items() if any(_covers(p, port) for p in ports)]
    if not opened or not services:
        return None
    return f"{where} allows {' and '.join(services)} in from {', '.join(opened)}"


def check_nsg_admin_ports(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (NSG: deny by default; 22/3389 only from the allowed sources, never
    `*`); Microsoft Learn, 'Network security groups' (source `*`/`Internet` admits any address) and the
    Microsoft cloud security benchmark's 'Management ports should be closed on your virtual machines'."""
    if resource_type == SECURITY_RULE:
        problem = _rule_problem(props, f"rule {_get(props, 'name') or _get(props, 'securityRuleName') or '?'}")
        return [problem] if problem else []
    if resource_type != NSG:
        return []
    problems = []
    for i, rule in enumerate(_items(_get(props, "securityRules"))):
        problem = _rule_problem(rule, f"securityRules[{i}] ({_get(rule, 'name') or 'unnamed'})")
        if problem:
            problems.append(problem)
    return problems


# -- VMs: SSH keys only, encryption at host ------------------------------------------------------------------------
def _is_windows(machine: Props) -> bool:
    if _has(_get(machine, "osProfile"), "windowsConfiguration"):
        return True
    image = _get(machine, "storageProfile.imageReference")
    if not isinstance(image, Mapping):
        return False
    parts = [str(_get(image, key) or "") for key in ("publisher", "offer", "sku")]
    known = find_image(*parts)
    return known.is_windows if known is not None else any("windows" in p.lower() for p in parts)


def check_linux_password_auth(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (Linux: SSH keys only, SSH password authentication disabled);
    Microsoft Learn, 'Create and manage SSH keys for authentication to a Linux VM in Azure'
    (`disablePasswordAuthentication: true` in `osProfile.linuxConfiguration`)."""
    machine = _vm_profile(resource_type, props)
    if machine is None or not _has(machine, "osProfile") or _is_windows(machine):
        return []  # no OS profile: an attached OS disk, nothing is provisioned
    if _get(machine, "osProfile.linuxConfiguration.disablePasswordAuthentication") is not True:
        return ["osProfile.linuxConfiguration.disablePasswordAuthentication is not true: SSH accepts passwords"]
    return []


def check_encryption_at_host(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (encryption at host); Microsoft Learn, 'Server-side encryption of
    Azure Disk Storage' (encryption at host: temp disks and OS/data disk caches encrypted too) and
    'Use the Azure CLI to enable end-to-end encryption using encryption at host'."""
    machine = _vm_profile(resource_type, props)
    if machine is None:
        return []
    if _get(machine, "securityProfile.encryptionAtHost") is not True:
        return ["securityProfile.encryptionAtHost is not true: temp disk and disk caches are not encrypted"]
    return []


# -- storage accounts ----------------------------------------------------------------------------------------------
TLS_VERSIONS_ALLOWED = frozenset({"TLS1_2", "TLS1_3"})


def check_blob_public_access(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (no public blob access); Microsoft Learn, 'Remediate anonymous read
    access to blob data (Azure Resource Manager deployments)' (`allowBlobPublicAccess: false`)."""
    if resource_type == STORAGE_ACCOUNT and _get(props, "allowBlobPublicAccess") is not False:
        return ["allowBlobPublicAccess is not false: containers could be made readable anonymously"]
    return []


def check_minimum_tls(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (TLS 1.2+); Microsoft Learn, 'Enforce a minimum required version of
    Transport Layer Security (TLS) for requests to a storage account' (an account created through the API
    without `minimumTlsVersion` accepts TLS 1.0)."""
    if resource_type != STORAGE_ACCOUNT:
        return []
    version = _get(props, "minimumTlsVersion")
    if version not in TLS_VERSIONS_ALLOWED:
        return [f"minimumTlsVersion is {version or 'not set'}: clients may connect with TLS below 1.2"]
    return []


def check_https_only(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (HTTPS only); Microsoft Learn, 'Require secure transfer to ensure
    secure connections' (`enableHttpsTrafficOnly` / supportsHttpsTrafficOnly)."""
    if resource_type == STORAGE_ACCOUNT and _get(props, "enableHttpsTrafficOnly") is not True:
        return ["enableHttpsTrafficOnly is not true: the account accepts plain HTTP"]
    return []


# -- tags -----------------------------------------------------------------------------------------------------------
REQUIRED_TAGS = ("owner", "cost-center")  # stacks/foundation.py stack_tags
# An AzureML compute attachment lives in the workspace's resource group and the program does not tag it.
UNTAGGED_TYPES = frozenset({ML_COMPUTE})


def _takes_tags(resource_type: str, props: Props) -> bool:
    """Tracked ARM resources (the ones with a location) take tags."""
    if resource_type in UNTAGGED_TYPES or not resource_type.startswith("azure-native:"):
        return False
    facts = RESOURCE_TYPES.get(resource_type)
    return facts.has_location if facts is not None else _has(props, "location")


def check_required_tags(resource_type: str, props: Props) -> list[str]:
    """Sources: Microsoft Learn, 'Use tags to organize your Azure resources and management hierarchy'
    (tag names are case-insensitive; only tracked resources take tags) and the Cloud Adoption Framework's
    'Define your tagging strategy' (owner, cost center); the tag names are the ones every stack sets
    (stacks/foundation.py `stack_tags`)."""
    if not _takes_tags(resource_type, props):
        return []
    tags = _get(props, "tags")
    present = {str(k).lower(): tags[k] for k in tags} if isinstance(tags, Mapping) else {}
    missing = [t for t in REQUIRED_TAGS if not str(present.get(t) or "").strip()]
    return [f"tag {t} is missing or empty" for t in missing]


# -- data: protected and retained ----------------------------------------------------------------------------------
DATA_TYPES = {DISK: "data disk", STORAGE_ACCOUNT: "storage account", BLOB_CONTAINER: "blob container"}


def check_data_protected(resource_type: str, options: Options) -> list[str]:
    """Sources: DESIGN.md section 6 (data disks and the storage account: `protect=True`,
    `retain_on_delete=True`; `pulumi destroy` never deletes data); Pulumi docs, 'Resource option:
    protect' and 'Resource option: retainOnDelete'. Pulumi's policy API does not show a rule
    retainOnDelete: under `pulumi preview` only protect is checked, dsvmctl checks both."""
    kind = DATA_TYPES.get(resource_type)
    if kind is None:
        return []
    problems = []
    if not options.protect:
        problems.append(f"this {kind} is not protected: a delete or replace would lose its data")
    if options.retain_on_delete is False:
        problems.append(f"this {kind} is not retained on delete: `pulumi destroy` would delete it in Azure")
    return problems


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
            rules = _items(_get(resource.props, "securityRules"))
        elif resource.resource_type == SECURITY_RULE:
            rules = [resource.props]
        else:
            continue
        for rule in rules:
            found = ACCESS_MODE.search(str(_get(rule, "description") or ""))
            if found and str(_get(rule, "access") or "").lower() == "allow":
                modes.add(found.group(1))
    return modes


def _ip_configurations(resource: Subject) -> list[tuple[str, Any, str]]:
    """(path, ip configuration, key of its public IP) of the machine NICs a resource declares."""
    if resource.resource_type == NIC:
        return [(f"ipConfigurations[{i}]", c, "publicIPAddress")
                for i, c in enumerate(_items(_get(resource.props, "ipConfigurations")))]
    machine = _vm_profile(resource.resource_type, resource.props)
    if machine is None:
        return []
    prefix = "virtualMachineProfile." if resource.resource_type == VMSS else ""
    found = []
    for i, nic in enumerate(_items(_get(machine, "networkProfile.networkInterfaceConfigurations"))):
        for j, config in enumerate(_items(_get(nic, "ipConfigurations"))):
            path = f"{prefix}networkProfile.networkInterfaceConfigurations[{i}].ipConfigurations[{j}]"
            found.append((path, config, "publicIPAddressConfiguration"))
    return found


def check_no_public_ip(resources: Sequence[Subject]) -> list[tuple[str, str]]:
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
        if _has(config, key)
    ]
