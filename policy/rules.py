"""The rules of the policy pack: plain functions over what the engine sends a policy pack.

A rule reads a resource's properties in camelCase, as ``pulumi preview`` sends them to a
policy pack and as the offline plan records them (``inputs``), and returns what is wrong,
one message per problem; an empty list passes. Three shapes:

- ``ResourceRule.check(resource_type, props)``: one resource's properties.
- ``OptionsRule.check(resource_type, options)``: its resource options. The policy API
  shows a rule ``protect`` but not ``retainOnDelete`` (``pulumi_policy.PolicyResourceOptions``
  has no such field), so ``Options.retain_on_delete`` is None under Pulumi and only the
  offline plan (``dsvmctl``) checks it.
- ``StackRule.check(resources, stack)``: what needs more than one resource (the stack's access
  mode is written on its NSG, a shutdown schedule targets its VM) or what the stack's config
  says (``StackInfo``: its kind, its cost cap). Those rules live in ``policy.stack_rules``.

``policy.pack`` wraps each rule as a pulumi-policy policy; ``dsvmctl.policy_check`` runs
the same functions over a plan document. Each ``check``'s docstring names its source.
Enforcement: ``MANDATORY`` rules stop ``pulumi preview``/``up`` and make ``dsvmctl plan``/``diff``
exit 1; ``ADVISORY`` ones are reported and let the run go on.

Under ``pulumi preview`` the properties are read-only mappings that raise on a value not
known yet; the rules read only values the program sets from config (never outputs of other
resources), and test for a key by iterating (``has_key``) so an unknown value is never read.
"""

from __future__ import annotations

import inspect
import ipaddress
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from azurefacts import clock
from azurefacts.addresses import too_open
from azurefacts.images import PIN_WARNING_MONTHS, find_image
from azurefacts.resource_types import BLOB_CONTAINER, DISK, NSG, STORAGE_ACCOUNT, VM, VMSS

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
    """One resource of the stack, for a stack rule.

    ``id``: its ARM id where known (the offline plan; under ``pulumi preview`` a new resource has
    none yet). ``links``: for each property that holds another resource's output, the URNs it came
    from (the engine's property dependencies), so ``targetResourceId: vm.id`` still names its VM
    while the id is unknown. ``parent``: the URN of its parent (a component), if any.
    """

    urn: str
    resource_type: str
    props: Props
    name: str = ""
    id: str | None = None
    links: Mapping[str, Sequence[str]] = field(default_factory=dict)
    parent: str | None = None


@dataclass(frozen=True)
class StackInfo:
    """What a stack rule may know besides the resources: the stack's name and, from its config,
    its kind (``dsvm:kind``) and monthly cost cap (``dsvm:cost_cap_monthly``); None: not known."""

    name: str | None = None
    kind: str | None = None
    cost_cap_monthly: float | None = None


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
    # (urn, message); urn None: the stack as a whole (e.g. its cost)
    check: Callable[[Sequence[Subject], StackInfo], list[tuple[str | None, str]]]


# -- reading properties -------------------------------------------------------------------------------------------
def has_key(props: Any, key: str) -> bool:
    """Whether ``key`` is set, without reading its value (which may be unknown during a preview)."""
    return isinstance(props, Mapping) and any(k == key for k in props)


def prop(props: Any, path: str) -> Any:
    """The value at a dotted path of keys, or None where a step is missing."""
    node = props
    for part in path.split("."):
        if not has_key(node, part):
            return None
        node = node[part]
    return node


def elements(value: Any) -> list[Any]:
    """The elements of a list property (nothing for a missing or scalar one)."""
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def machine_profile(resource_type: str, props: Props) -> Props | None:
    """The part of a VM or scale set that describes its machines (the scale set's virtualMachineProfile)."""
    if resource_type == VM:
        return props
    if resource_type == VMSS:
        profile = prop(props, "virtualMachineProfile")
        return profile if isinstance(profile, Mapping) else None
    return None


# -- NSG: no VM port from the internet ------------------------------------------------------------------------------
# The ports a DSVM serves (DESIGN.md section 6): SSH, RDP, JupyterHub, RStudio Server.
VM_PORTS = {22: "SSH", 3389: "RDP", 8000: "JupyterHub", 8787: "RStudio Server"}
# Service tags and prefixes meaning "anyone on the internet" (compared lowercased); any /0 prefix too.
OPEN_SOURCES = frozenset({"*", "internet", "any", "0.0.0.0/0", "0.0.0.0", "::/0"})
_NOT_PORT_PROTOCOLS = frozenset({"icmp", "esp", "ah"})


def is_open_source(prefix: str) -> bool:
    """Whether an NSG source admits the whole internet: a service tag, a wildcard or a /0 prefix."""
    text = prefix.strip().lower()
    if text in OPEN_SOURCES:
        return True
    try:
        return ipaddress.ip_network(text, strict=False).prefixlen == 0
    except ValueError:
        return False


def covers(port_spec: str, port: int) -> bool:
    """Whether an NSG port spec (``22``, ``3380-3390``, ``*``; a comma list of those) includes ``port``."""
    for part in port_spec.split(","):
        spec = part.strip().lower()
        if spec in ("*", "any"):
            return True
        low, _, high = spec.partition("-")
        try:
            if int(low) <= port <= int(high or low):
                return True
        except ValueError:
            continue
    return False


def _rule_problem(rule: Props, where: str) -> str | None:
    sources = _sources(rule)
    opened = sorted({s for s in sources if is_open_source(s)})
    services = [f"{name} ({port})" for port, name in VM_PORTS.items() if port in _vm_ports(rule)]
    if not services:
        return None
    listed = ", ".join(services[:-1]) + " and " + services[-1] if len(services) > 1 else services[0]
    if opened:
        return f"{where} allows {listed} in from {', '.join(opened)}"
    wide = too_open(sources)
    return f"{where} allows {listed} in from {', '.join(sources)}: {wide}" if wide else None


def _sources(rule: Props) -> list[str]:
    found = [prop(rule, "sourceAddressPrefix"), *elements(prop(rule, "sourceAddressPrefixes"))]
    return [s for s in found if isinstance(s, str)]


def _vm_ports(rule: Props) -> set[int]:
    """The VM ports an inbound Allow rule over a port protocol opens (none for other rules)."""
    if str(prop(rule, "direction") or "Inbound").lower() != "inbound":
        return set()
    if str(prop(rule, "access") or "Allow").lower() != "allow":
        return set()
    if str(prop(rule, "protocol") or "*").lower() in _NOT_PORT_PROTOCOLS:
        return set()
    ports = [
        p for p in (prop(rule, "destinationPortRange"), *elements(prop(rule, "destinationPortRanges")))
        if isinstance(p, str)
    ]  # fmt: skip
    return {port for port in VM_PORTS if any(covers(p, port) for p in ports)}


def _union_problems(rules: list[Props]) -> list[str]:
    """A VM port that several rules open, each to a part of the internet, to all of it together."""
    problems = []
    for port, name in VM_PORTS.items():
        opening = [(i, r) for i, r in enumerate(rules) if port in _vm_ports(r)]
        if len(opening) < 2 or any(_rule_problem(r, "") for _, r in opening):
            continue  # one rule alone: judged by itself; a rule already reported: not twice
        sources = [s for _, r in opening for s in _sources(r)]
        wide = too_open(sources)
        if wide:
            names = ", ".join(f"securityRules[{i}] ({prop(r, 'name') or 'unnamed'})" for i, r in opening)
            problems.append(f"{names} allow {name} ({port}) in from {', '.join(sources)}: {wide}")
    return problems


def check_nsg_vm_ports(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (NSG: deny by default; 22/3389, 8000 and 8787 only from the allowed
    sources, never `*`/`Internet`/`0.0.0.0/0`; the official DSVM ARM quickstart opens 22, 8000 and 8787 to
    `*`, which this replaces); Microsoft Learn, 'Network security groups' (source `*`/`Internet` admits any
    address; port ranges and lists) and the Microsoft cloud security benchmark's 'Management ports should be
    closed on your virtual machines'."""
    if resource_type == SECURITY_RULE:
        problem = _rule_problem(props, f"rule {prop(props, 'name') or prop(props, 'securityRuleName') or '?'}")
        return [problem] if problem else []
    if resource_type != NSG:
        return []
    problems = []
    rules = [r for r in elements(prop(props, "securityRules")) if isinstance(r, Mapping)]
    for i, rule in enumerate(rules):
        problem = _rule_problem(rule, f"securityRules[{i}] ({prop(rule, 'name') or 'unnamed'})")
        if problem:
            problems.append(problem)
    return problems + _union_problems(rules)


# -- VMs: SSH keys only, encryption at host ------------------------------------------------------------------------
def _is_windows(machine: Props) -> bool:
    if has_key(prop(machine, "osProfile"), "windowsConfiguration"):
        return True
    image = prop(machine, "storageProfile.imageReference")
    if not isinstance(image, Mapping):
        return False
    parts = [str(prop(image, key) or "") for key in ("publisher", "offer", "sku")]
    known = find_image(*parts)
    return known.is_windows if known is not None else any("windows" in p.lower() for p in parts)


def check_linux_password_auth(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (Linux: SSH keys only, SSH password authentication disabled);
    Microsoft Learn, 'Create and manage SSH keys for authentication to a Linux VM in Azure'
    (`disablePasswordAuthentication: true` in `osProfile.linuxConfiguration`)."""
    machine = machine_profile(resource_type, props)
    if machine is None or not has_key(machine, "osProfile") or _is_windows(machine):
        return []  # no OS profile: an attached OS disk, nothing is provisioned
    if prop(machine, "osProfile.linuxConfiguration.disablePasswordAuthentication") is not True:
        return ["osProfile.linuxConfiguration.disablePasswordAuthentication is not true: SSH accepts passwords"]
    return []


def check_encryption_at_host(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (encryption at host); Microsoft Learn, 'Server-side encryption of
    Azure Disk Storage' (encryption at host: temp disks and OS/data disk caches encrypted too) and
    'Use the Azure CLI to enable end-to-end encryption using encryption at host'."""
    machine = machine_profile(resource_type, props)
    if machine is None:
        return []
    if prop(machine, "securityProfile.encryptionAtHost") is not True:
        return ["securityProfile.encryptionAtHost is not true: temp disk and disk caches are not encrypted"]
    return []


# -- storage accounts ----------------------------------------------------------------------------------------------
TLS_VERSIONS_ALLOWED = frozenset({"TLS1_2", "TLS1_3"})


def check_blob_public_access(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (no public blob access); Microsoft Learn, 'Remediate anonymous read
    access to blob data (Azure Resource Manager deployments)' (`allowBlobPublicAccess: false`)."""
    if resource_type == STORAGE_ACCOUNT and prop(props, "allowBlobPublicAccess") is not False:
        return ["allowBlobPublicAccess is not false: containers could be made readable anonymously"]
    return []


def check_minimum_tls(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (TLS 1.2+); Microsoft Learn, 'Enforce a minimum required version of
    Transport Layer Security (TLS) for requests to a storage account' (an account created through the API
    without `minimumTlsVersion` accepts TLS 1.0)."""
    if resource_type != STORAGE_ACCOUNT:
        return []
    version = prop(props, "minimumTlsVersion")
    if version not in TLS_VERSIONS_ALLOWED:
        return [f"minimumTlsVersion is {version or 'not set'}: clients may connect with TLS below 1.2"]
    return []


def check_shared_key_access(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (shared-key access off; RBAC instead of keys); Microsoft Learn,
    'Prevent Shared Key authorization for an Azure Storage account' (`allowSharedKeyAccess: false`; left
    unset, account keys and the SAS tokens signed with them keep working). The VMs mount with their
    managed identity (blobfuse2 `mode: msi`, stacks/scale_out/agent.py), so nothing needs a key."""
    if resource_type == STORAGE_ACCOUNT and prop(props, "allowSharedKeyAccess") is not False:
        return ["allowSharedKeyAccess is not false: account keys (and SAS signed with them) can read every container"]
    return []


def check_https_only(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (HTTPS only); Microsoft Learn, 'Require secure transfer to ensure
    secure connections' (`enableHttpsTrafficOnly` / supportsHttpsTrafficOnly)."""
    if resource_type == STORAGE_ACCOUNT and prop(props, "enableHttpsTrafficOnly") is not True:
        return ["enableHttpsTrafficOnly is not true: the account accepts plain HTTP"]
    return []


# -- image pins ------------------------------------------------------------------------------------------------------
def check_image_pin_age(resource_type: str, props: Props) -> list[str]:
    """Sources: DESIGN.md section 6 (pin a version per stack, promote it, warn when a pin nears its end);
    Microsoft Learn, 'Data Science Virtual Machine release notes' (release dates: `azurefacts/images.py`;
    versions stay deployable for about 12 months, so a pin older than `PIN_WARNING_MONTHS` = 10 months is
    reported)."""
    machine = machine_profile(resource_type, props)
    reference = prop(machine, "storageProfile.imageReference") if machine is not None else None
    if not isinstance(reference, Mapping):
        return []
    parts = [str(prop(reference, key) or "") for key in ("publisher", "offer", "sku")]
    image = find_image(*parts)
    version = str(prop(reference, "version") or "")
    if image is None or not version:
        return []
    if version.lower() == "latest":
        return [f"image {image.key} is not pinned (version latest): machines created on different days differ"]
    pinned = image.find_version(version)
    if pinned is None:
        return []
    months = pinned.months_old(clock.today())
    if months <= PIN_WARNING_MONTHS:
        return []
    newest = max(image.versions, key=lambda v: v.released).version
    known = (
        f"newest known: {newest}"
        if newest != version
        else "it is the newest version azurefacts/images.py knows: look for a newer one with "
        f"`az vm image list --publisher {image.publisher} --offer {image.offer} --all` and add it there"
    )
    return [
        f"image {image.key} {version} was released {months} months ago ({pinned.released}); DSVM image versions "
        f"stay deployable for about 12 months ({known})"
    ]


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
