"""ARM template export: the plan's Azure resources as one resource-group-scoped template.

``export_template(plan)`` turns the plan document (``Plan.to_json()``) into an ARM
deployment template; ``render(template)`` gives its canonical JSON text.

What goes in, and how:

- Only ARM resources: ``dsvm:`` components (no id) and non-ARM types such as
  ``random:`` passwords (not ``azure-native``) are left out. The
  resource group is left out too: it is a subscription-scoped resource and
  this is a resource-group-scoped template (deploy it with
  ``az deployment group create --resource-group <rg>``).
- Each resource: ``type`` and name from its ARM id (nested types keep the full
  type and the ``parent/child`` name form, e.g. ``vnet/subnet``,
  ``account/default/container``), ``apiVersion`` the pinned azure-native SDK sends
  (``azurefacts.resource_types``),
  ``location`` and ``tags``, ``sku``/``kind``/``identity``/``zones`` at the top
  level, ``properties`` = the remaining inputs minus the path parameters (which
  ``azurefacts.resource_types`` metadata names: ``resourceGroupName``, the name
  input, the parent name inputs). Sub-resources the SDK flattens (NSG rules, IP
  configurations, VM NIC references) get their ``properties`` object back.
- Role assignments are extension resources: their ``scope`` becomes the
  top-level ``scope`` key in ARM's relative form
  (``Microsoft.Storage/storageAccounts/<a>/blobServices/default/containers/<c>``).
- Resources in another resource group than the template's (the one most resources are in), such as the disk
  backups' snapshot group, go into a nested deployment per group (``dsvmctl/arm_nested.py``).
- Ids: a whole-string ARM id in the plan's subscription becomes an expression
  (``resourceId``, ``subscriptionResourceId``, ``extensionResourceId``), so the
  template does not carry the emulator's subscription and deploys into any
  resource group; a GUID that a dependency in the template computes (the VM's
  ``identity.principalId`` in a role assignment) becomes a ``reference()``.
  ``dependsOn`` lists the ``resourceId`` expressions of the plan dependencies
  that are in the template (plus nested parents and referenced resources): at
  deployment they evaluate to the plan resources' ids.
- Secrets: every ``"[secret]"`` value becomes ``[parameters('<name>')]`` of a
  ``securestring`` parameter without default, named from the resource and the
  property (``aliceVmCustomData``, ``aliceVmAdminPassword``). Values derived
  from ``random:`` passwords are secrets in the plan, so they arrive here masked.
- Literal strings that start with ``[`` are escaped (``[[``) so ARM does not
  read them as expressions.

The output is a pure function of the plan: same plan, byte-identical ``render``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from azurefacts.resource_types import RESOURCE_TYPES, ResourceFacts, SdkNotFoundError
from dsvmctl.arm_dates import deployment_dates
from dsvmctl.arm_nested import main_group, nest_other_groups
from dsvmctl.arm_paths import (
    TOP_LEVEL_KEYS,
    ArmId,
    arm_path,
    camel,
    find_computed,
    nest,
    parse_arm_id,
    pascal,
    quote,
    relative,
    rename,
)

SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
CONTENT_VERSION = "1.0.0.0"
SECRET = "[secret]"

# Microsoft.Resources/resourceGroups is subscription-scoped and deliberately left out: the template is
# resource-group-scoped, the group is the deployment's target.
RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups"

# Inputs that are neither properties nor envelope keys of the resource body.
ENVELOPE_INPUTS = frozenset({"resourceGroupName", "location", "tags"})

# Sub-resources whose own properties ARM nests under `properties` and the azure-native SDK
# flattens (x-ms-client-flatten): `[]` is each item of a list. `id`/`name` stay outside.
FLATTENED: dict[str, tuple[str, ...]] = {
    "Microsoft.Network/networkSecurityGroups": ("securityRules[]",),
    "Microsoft.Network/virtualNetworks": ("subnets[]",),
    "Microsoft.Network/networkInterfaces": (
        "ipConfigurations[]",
        "ipConfigurations[].subnet",
        "ipConfigurations[].publicIPAddress",
    ),
    "Microsoft.Network/bastionHosts": ("ipConfigurations[]",),
    "Microsoft.Compute/virtualMachines": ("networkProfile.networkInterfaces[]",),
}

# Properties the SDK names differently from ARM (x-ms-client-name): SDK path -> ARM key.
RENAMED: dict[str, dict[str, str]] = {
    "Microsoft.Storage/storageAccounts": {
        "enableHttpsTrafficOnly": "supportsHttpsTrafficOnly",
        "networkRuleSet": "networkAcls",
        "networkRuleSet.virtualNetworkRules[].virtualNetworkResourceId": "id",
        "networkRuleSet.ipRules[].iPAddressOrRange": "value",
    },
}


_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


# Secret properties whose value is an object in ARM (a VM extension's protectedSettings): their
# template parameter is a secureObject (Microsoft Learn, 'Parameters in ARM templates': data types).
SECURE_OBJECTS = frozenset({"protectedSettings"})

class ExportError(ValueError):
    """The plan cannot be expressed as one resource-group-scoped ARM template."""


@dataclass
class _Entry:
    """One plan resource that goes into the template."""

    plan: dict[str, Any]
    rtype: ResourceFacts
    arm: ArmId

    @property
    def id(self) -> str:
        return str(self.plan["id"])


@dataclass
class _Exporter:
    subscription: str
    resource_group: str
    entries: list[_Entry]
    by_id: dict[str, _Entry] = field(default_factory=dict)
    by_urn: dict[str, _Entry] = field(default_factory=dict)
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {e.id.lower(): e for e in self.entries}
        self.by_urn = {str(e.plan["urn"]): e for e in self.entries}

    # --- ids and expressions -------------------------------------------------------------

    def id_expression(self, arm: ArmId) -> str | None:
        """The expression (without brackets) that yields ``arm`` in the deployment, or None."""
        if arm.subscription.lower() != self.subscription.lower():
            return None  # another subscription: only a literal id can name it
        if not arm.segments:
            if arm.resource_group is None:
                return "subscription().id"
            if arm.resource_group.lower() == self.resource_group.lower():
                return "resourceGroup().id"
            return f"subscriptionResourceId({quote(RESOURCE_GROUP_TYPE)}, {quote(arm.resource_group)})"
        (first_type, first_names), *extensions = arm.segments
        args = ", ".join(quote(x) for x in (first_type, *first_names))
        if arm.resource_group is None:
            expr = f"subscriptionResourceId({args})"
        elif arm.resource_group.lower() == self.resource_group.lower():
            expr = f"resourceId({args})"
        else:
            expr = f"resourceId({quote(arm.resource_group)}, {args})"
        for ext_type, ext_names in extensions:
            ext_args = ", ".join(quote(x) for x in (ext_type, *ext_names))
            expr = f"extensionResourceId({expr}, {ext_args})"
        return expr

    def entry_expression(self, entry: _Entry) -> str:
        expr = self.id_expression(entry.arm)
        if expr is None:  # pragma: no cover - entries are in the plan's subscription by construction
            raise ExportError(f"{entry.id}: not in subscription {self.subscription}")
        return expr

    def scope_of(self, entry: _Entry) -> str | None:
        """An extension resource's top-level ``scope``: ARM's relative form (within the resource's own group, the
        template's or a nested deployment's), None for the group itself."""
        scope = entry.arm.segments[:-1]
        if not scope:
            return None
        if len(scope) > 1:
            raise ExportError(f"{entry.id}: a scope that is itself an extension resource is not supported")
        scope_type, scope_names = scope[0]
        namespace, *types = scope_type.split("/")
        return "/".join([namespace, *(p for pair in zip(types, scope_names, strict=True) for p in pair)])

    def computed_reference(self, entry: _Entry, value: str) -> tuple[_Entry, str] | None:
        """A GUID one of ``entry``'s template dependencies computes: ``(dependency, expression)``.

        Where several compute it (a user-assigned identity's principal id is also in the scale set's
        ``identity.userAssignedIdentities`` map, keyed by the identity's ARM id), a path without an ARM id
        in it is taken first: the identity's own ``principalId``. A key that is an ARM id becomes a
        bracketed id expression (``userAssignedIdentities[resourceId(...)]``), never the literal id with
        the plan's subscription in it."""
        if not _GUID.match(value):
            return None
        found: list[tuple[bool, int, _Entry, list[str | int]]] = []
        for order, urn in enumerate(entry.plan.get("dependsOn") or []):
            dep = self.by_urn.get(urn)
            if dep is None:
                continue
            path = find_computed(dep.plan.get("outputs") or {}, dep.plan.get("inputs") or {}, value)
            if path is not None:
                found.append((any(parse_arm_id(str(p)) for p in path), order, dep, path))
        if not found:
            return None
        _, _, dep, path = min(found, key=lambda f: (f[0], f[1]))
        api = dep.rtype.api_version()
        members = arm_path(path, key_expression=self.key_expression)
        return dep, f"reference({self.entry_expression(dep)}, {quote(api)}, 'full'){members}"

    def key_expression(self, key: str) -> str | None:
        """A map key that is an ARM id of this deployment, as an expression (None: a plain key)."""
        arm = parse_arm_id(key)
        return self.id_expression(arm) if arm is not None else None

    # --- values --------------------------------------------------------------------------

    def convert(self, entry: _Entry, value: Any, path: list[str | int], refs: set[str]) -> Any:
        """A plan value as a template value; ``refs`` collects the ids of template resources used."""
        if isinstance(value, dict):
            return {k: self.convert(entry, v, [*path, k], refs) for k, v in value.items()}
        if isinstance(value, list):
            return [self.convert(entry, v, [*path, i], refs) for i, v in enumerate(value)]
        if not isinstance(value, str):
            return value
        if value == SECRET:
            return f"[parameters({quote(self.secret_parameter(entry, path))})]"
        arm = parse_arm_id(value)
        if arm is not None:
            expr = self.id_expression(arm)
            if expr is not None:
                if value.lower() in self.by_id:
                    refs.add(value.lower())
                return f"[{expr}]"
        found = self.computed_reference(entry, value)
        if found is not None:
            refs.add(found[0].id.lower())
            return f"[{found[1]}]"
        return "[" + value if value.startswith("[") else value

    def secret_parameter(self, entry: _Entry, path: list[str | int]) -> str:
        """Declare the secure parameter of one secret leaf (``secureObject`` for the object-valued
        properties of ``SECURE_OBJECTS``, else ``securestring``); deterministic, unique name."""
        owner = camel(str(entry.plan["name"]))
        keys = [str(p) for p in path if isinstance(p, str)]
        candidates = [owner + pascal(keys[-1] if keys else "secret"), owner + "".join(pascal(str(p)) for p in path)]
        name = next((c for c in candidates if c not in self.parameters), None)
        counter = 2
        while name is None:
            if candidates[-1] + str(counter) not in self.parameters:
                name = candidates[-1] + str(counter)
            counter += 1
        dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        self.parameters[name] = {
            "type": "secureObject" if keys and keys[-1] in SECURE_OBJECTS else "securestring",
            "metadata": {
                "description": f"{dotted} of {entry.plan['name']} ({entry.plan['type']}): a secret in the "
                "Pulumi program; supply it at deployment (e.g. from Key Vault)."
            },
        }
        return name

    # --- resources -----------------------------------------------------------------------

    def resource(self, entry: _Entry) -> dict[str, Any]:
        rtype, inputs = entry.rtype, dict(entry.plan.get("inputs") or {})
        arm_type = rtype.arm_type
        try:
            api_version = rtype.api_version()
        except SdkNotFoundError as error:
            raise ExportError(f"{entry.plan['type']}: no apiVersion: {error}") from None
        refs: set[str] = set()
        path_inputs = {*ENVELOPE_INPUTS, *rtype.parent_inputs, *([rtype.name_input] if rtype.name_input else [])}
        if not rtype.in_resource_group:
            path_inputs.add("scope")  # the id's prefix (role assignments): the template's `scope`, if any
        body: dict[str, Any] = {"type": arm_type, "apiVersion": api_version}
        scope = self.scope_of(entry)  # extension resource on a resource: ARM's top-level `scope`
        if scope is not None:
            body["scope"] = scope
            refs.update(i for i in self.by_id if relative(i) == scope.lower())
        body["name"] = "/".join(entry.arm.names)
        for key in ("location", "tags"):
            if key in inputs:
                body[key] = self.convert(entry, inputs[key], [key], refs)
        for key in TOP_LEVEL_KEYS:
            if key in inputs:
                body[key] = self.convert(entry, inputs[key], [key], refs)
        identities = (body.get("identity") or {}).get("userAssignedIdentities")
        if isinstance(identities, list):  # the SDK takes a list of ids; ARM a map keyed by id (values {})
            body["identity"] = {**body["identity"], "userAssignedIdentities": {str(i): {} for i in identities}}
        properties = {
            k: self.convert(entry, v, [k], refs)
            for k, v in inputs.items()
            if k not in path_inputs and k not in TOP_LEVEL_KEYS
        }
        # Deepest first: renaming or nesting an outer key must not hide the paths below it.
        if set(properties) == {"properties"} and isinstance(properties["properties"], dict):
            properties = properties["properties"]  # the SDK's `properties` input is ARM's (dataprotection, AzureML)
        for sdk_path, arm_key in sorted(RENAMED.get(arm_type, {}).items(), key=lambda kv: -kv[0].count(".")):
            properties = rename(properties, sdk_path.split("."), arm_key)
        for flattened in sorted(FLATTENED.get(arm_type, ()), key=lambda p: -p.count(".")):
            properties = nest(properties, flattened.split("."))
        body["properties"] = deployment_dates(arm_type, entry.plan, properties, self.parameters)
        depends = self.depends_on(entry, refs)
        if depends:
            body["dependsOn"] = depends
        return body

    def depends_on(self, entry: _Entry, refs: set[str]) -> list[str]:
        """Plan dependencies in the template, the nested parent, and every template resource referenced."""
        wanted = {str(self.by_urn[u].id).lower() for u in entry.plan.get("dependsOn") or [] if u in self.by_urn}
        wanted |= refs
        parent = entry.id.rsplit("/", 2)[0].lower()
        if len(entry.arm.names) > 1 and parent in self.by_id:
            wanted.add(parent)
        wanted.discard(entry.id.lower())
        # Template order, so the list is stable whatever order the plan listed them in.
        return [f"[{self.entry_expression(e)}]" for e in self.entries if e.id.lower() in wanted]


def _select(plan: dict[str, Any]) -> list[tuple[dict[str, Any], ResourceFacts]]:
    """The plan's ARM resources other than the resource group, in plan order."""
    selected: list[tuple[dict[str, Any], ResourceFacts]] = []
    for resource in plan.get("resources") or []:
        token = str(resource.get("type", ""))
        if token.startswith("dsvm:") or not resource.get("id"):
            continue  # component resources have no id and nothing to deploy
        rtype = RESOURCE_TYPES.get(token)
        if rtype is None:
            raise ExportError(f"{resource.get('urn')}: unknown resource type {token}")
        if not rtype.is_azure or rtype.arm_type == RESOURCE_GROUP_TYPE:
            continue
        selected.append((resource, rtype))
    return selected


def _deployment_scope(selected: list[tuple[dict[str, Any], ResourceFacts]]) -> tuple[str, str]:
    """The one subscription every selected resource lives in, and the template's group (``arm_nested``)."""
    subscriptions: set[str] = set()
    groups = []
    for resource, _ in selected:
        arm = parse_arm_id(str(resource["id"]))
        if arm is None or arm.resource_group is None:
            raise ExportError(f"{resource['urn']}: {resource['id']} is not a resource-group-level ARM id")
        subscriptions.add(arm.subscription.lower())
        groups.append(arm.resource_group)
    if len(subscriptions) > 1:
        raise ExportError(f"resources span several subscriptions: {sorted(subscriptions)}")
    return (next(iter(subscriptions)) if subscriptions else "", main_group(groups))


def export_template(plan: dict[str, Any]) -> dict[str, Any]:
    """The plan's Azure resources as a resource-group-scoped ARM template (see module docstring)."""
    selected = _select(plan)
    subscription, resource_group = _deployment_scope(selected)
    entries: list[_Entry] = []
    for resource, rtype in selected:
        arm = parse_arm_id(str(resource["id"]))
        assert arm is not None  # checked by _deployment_scope
        if arm.arm_type.lower() != rtype.arm_type.lower():
            raise ExportError(f"{resource['urn']}: id {resource['id']} is not a {rtype.arm_type}")
        entries.append(_Entry(resource, rtype, arm))
    exporter = _Exporter(subscription, resource_group, entries)
    placed = [(str(e.arm.resource_group), f"[{exporter.entry_expression(e)}]", exporter.resource(e)) for e in entries]
    resources = nest_other_groups(placed, resource_group)
    return {
        "$schema": SCHEMA,
        "contentVersion": CONTENT_VERSION,
        "parameters": exporter.parameters,
        "resources": resources,
        "outputs": {},
    }


def render(template: dict[str, Any]) -> str:
    """Canonical JSON text of a template: 2-space indent, key order kept, trailing newline."""
    return json.dumps(template, indent=2, ensure_ascii=False) + "\n"
