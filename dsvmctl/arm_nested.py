"""Resources of the plan that live in another resource group than the template's: nested deployments.

A resource-group-scoped template deploys into one group. A stack also writes to others: its disk backups'
snapshot resource group (the vault's Disk Snapshot Contributor there), an existing disk in another group (the
vault's Disk Backup Reader on it). ARM's way is a nested deployment (``Microsoft.Resources/deployments`` with
``resourceGroup``; Microsoft Learn, 'Deploy Azure resources to more than one subscription or resource group'):
one per other group, holding that group's resources, its expressions evaluated in the outer template
(``expressionEvaluationOptions.scope: outer``), so a ``reference()`` to the vault or a ``resourceId`` of the
main group means what it does outside. ``dependsOn`` may only name resources of its own template: a nested
resource's dependencies on the outer template move to its deployment, and an outer resource that depends
on a nested one depends on that deployment. The other group itself must exist (a group is a
subscription-scoped resource: ``az group create`` it first, as ``dsvmctl bootstrap`` does).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from azurefacts.resource_types import sdk_api_version
from dsvmctl.arm_paths import quote

DEPLOYMENTS_TYPE = "Microsoft.Resources/deployments"
DEPLOYMENT_TOKEN = "azure-native:resources:Deployment"
SCHEMA = "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"


def main_group(groups: Sequence[str]) -> str:
    """The template's own group: where most resources are (the first such group in plan order)."""
    counts = Counter(g.lower() for g in groups)
    return max(dict.fromkeys(g.lower() for g in groups), key=lambda g: counts[g]) if groups else ""


def deployment_name(group: str) -> str:
    """The nested deployment's name (at most 64 characters)."""
    return f"resources-in-{group}"[:64]


def deployment_expression(group: str) -> str:
    return f"[resourceId({quote(DEPLOYMENTS_TYPE)}, {quote(deployment_name(group))})]"


def nest_other_groups(placed: Sequence[tuple[str, str, dict[str, Any]]], main: str) -> list[dict[str, Any]]:
    """The template's resources: ``placed`` is (group, id expression, body) in plan order; the bodies of other
    groups go into one nested deployment per group, at the place of the group's first resource."""
    group_of = {expr: group.lower() for group, expr, _ in placed}
    named = {group.lower(): group for group, _, _ in placed}
    others = [g for g in dict.fromkeys(group.lower() for group, _, _ in placed) if g != main.lower()]
    if not others:
        return [body for _, _, body in placed]

    def lifted(depends: list[str], inside: str | None) -> list[str]:
        """Dependencies as the template that holds the resource may name them (``inside``: the nested group)."""
        found = []
        for dep in depends:
            group = group_of.get(dep, main.lower())
            found.append(dep if group == (inside or main.lower()) else (
                deployment_expression(named[group]) if group != main.lower() else dep))
        return list(dict.fromkeys(found))

    resources: list[dict[str, Any]] = []
    nested: dict[str, dict[str, Any]] = {}
    for group, _, body in placed:
        group = group.lower()
        depends = body.pop("dependsOn", [])
        if group == main.lower():
            resolved = lifted(depends, None)
            resources.append({**body, "dependsOn": resolved} if resolved else body)
            continue
        inner = [d for d in depends if group_of.get(d) == group]
        outer = [d for d in depends if group_of.get(d) != group]
        if inner:
            body = {**body, "dependsOn": inner}
        if group not in nested:
            nested[group] = _deployment(named[group])
            resources.append(nested[group])
        deployment = nested[group]
        deployment["properties"]["template"]["resources"].append(body)
        moved = [d for d in lifted(outer, None) if d != deployment_expression(named[group])]
        deployment["dependsOn"] = list(dict.fromkeys([*deployment["dependsOn"], *moved]))
    for deployment in nested.values():
        if not deployment["dependsOn"]:
            del deployment["dependsOn"]
    return resources


def _deployment(group: str) -> dict[str, Any]:
    return {
        "type": DEPLOYMENTS_TYPE,
        "apiVersion": sdk_api_version(DEPLOYMENT_TOKEN),
        "name": deployment_name(group),
        "resourceGroup": group,
        "dependsOn": [],
        "properties": {
            "mode": "Incremental",
            "expressionEvaluationOptions": {"scope": "outer"},
            "template": {"$schema": SCHEMA, "contentVersion": "1.0.0.0", "resources": []},
        },
    }
