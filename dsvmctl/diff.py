"""Classify what a plan would do to what runs: create / update / replace / delete / same.

The rules follow how the Pulumi engine and azure-native decide (see
azurefacts/resource_types.py ``replace_triggers``/``update_refused``):
- a change to a path parameter (the resource's name, its parents' names, its
  resource group), to a type's create-only input, or to a path the program lists
  in ``replaceOnChanges`` is a **replace**;
- any other change is an in-place **update**, with its changed properties as
  dotted paths; an update of a property Azure refuses to change in place
  (``PropertyChangeNotAllowed``) is an **error**;
- replacing or deleting a ``protect``-ed resource is an **error**: Pulumi
  refuses it;
- a deleted resource that is ``retainOnDelete`` stays in Azure; a protected or
  retained resource that a deleted one depended on (a data disk whose VM goes)
  is reported as **kept**;
- locations that differ only in case or spaces are equal; secrets compare by
  their one-way fingerprints.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azurefacts.paths import flatten
from azurefacts.regions import normalize_location
from azurefacts.resource_types import RESOURCE_TYPES

SECRET = "[secret]"
DATA_TYPES = frozenset(
    {"azure-native:compute:Disk", "azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"}
)
CHANGE_ORDER = ("create", "update", "replace", "delete", "same")


@dataclass
class Change:
    """What happens to one resource."""

    urn: str
    change: str
    changed_properties: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    kept: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"change": self.change, "changedProperties": self.changed_properties}
        if self.replace_reasons:
            data["replaceReasons"] = self.replace_reasons
        if self.errors:
            data["errors"] = self.errors
        if self.kept:
            data["kept"] = self.kept
        return data


def _leaves(resource: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    fingerprints = resource.get("secretFingerprints") or {}
    for path, value in flatten(resource.get("inputs") or {}):
        if path == "location" and isinstance(value, str):
            value = normalize_location(value)
        elif value == SECRET:
            value = (SECRET, fingerprints.get(path))
        values[path] = value
    return values


def changed_properties(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Dotted paths whose value differs (added, removed or changed leaves)."""
    old, new = _leaves(base), _leaves(head)
    changed = []
    for path in sorted(set(old) | set(new)):
        a, b = old.get(path), new.get(path)
        if isinstance(a, tuple) and isinstance(b, tuple) and (a[1] is None or b[1] is None):
            continue  # a secret without a fingerprint on one side (older plan): cannot tell
        if a != b:
            changed.append(path)
    return changed


def _covers(trigger: str, path: str) -> bool:
    return trigger == "*" or path == trigger or path.startswith((trigger + ".", trigger + "["))


def classify(base: dict[str, Any] | None, head: dict[str, Any] | None) -> Change:
    """The change from ``base`` (saved/previous) to ``head`` (planned) for one URN."""
    if head is None and base is None:
        raise ValueError("nothing to classify")
    if base is None:
        assert head is not None
        return Change(head["urn"], "create")
    if head is None:
        change = Change(base["urn"], "delete")
        if base.get("protect"):
            change.errors.append(_protected_message(base, "delete"))
        if base.get("retainOnDelete"):
            change.kept = "retainOnDelete: leaves the stack but stays in Azure"
        return change
    paths = changed_properties(base, head)
    if not paths:
        return Change(head["urn"], "same")
    rtype = RESOURCE_TYPES.get(head["type"])
    triggers = set(head.get("replaceOnChanges") or [])
    create_only = rtype.replace_triggers() if rtype else frozenset()
    reasons = []
    for path in paths:
        for trigger in sorted(create_only | triggers):
            if _covers(trigger, path):
                why = "create-only" if trigger in create_only else "replaceOnChanges"
                reasons.append(f"{path} ({why}: {trigger})")
                break
    change = Change(head["urn"], "replace" if reasons else "update", paths, reasons)
    if reasons and (base.get("protect") or head.get("protect")):
        change.errors.append(_protected_message(head, "replace"))
    if not reasons and rtype is not None:
        for path in paths:
            if any(_covers(t, path) for t in rtype.update_refused):
                change.errors.append(
                    f"Azure refuses to change {path} in place (PropertyChangeNotAllowed); the program must "
                    "list it in replace_on_changes"
                )
    return change


def _protected_message(resource: dict[str, Any], action: str) -> str:
    hint = (
        "to offboard a member keep the entry and set leaving: true (the VM goes, the data stays); to really "
        f"release the data run `pulumi state unprotect '{resource['urn']}'` first, then remove it"
        if action == "delete"
        else "keep the create-only property as it is, or unprotect deliberately before replacing"
    )
    return f"{resource['type']} {resource['name']} is protected: Pulumi refuses to {action} it; {hint}"


def diff_plans(base: list[dict[str, Any]] | None, head: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Head's resources annotated with their change, then base's deleted ones, in plan order."""
    base_by_urn = {r["urn"]: r for r in base or []}
    head_urns = {r["urn"] for r in head}
    result = [{**r, **classify(base_by_urn.get(r["urn"]), r).to_json()} for r in head]
    deleted = [{**r, **classify(r, None).to_json()} for r in base or [] if r["urn"] not in head_urns]
    # Protected/retained resources a deleted resource depended on outlive it: say so.
    gone = {r["urn"]: r for r in deleted}
    for resource in result:
        if resource["change"] != "same" or not (resource.get("protect") or resource.get("retainOnDelete")):
            continue
        users = sorted(g["name"] for g in gone.values() if resource["urn"] in (g.get("dependsOn") or []))
        if users:
            resource["kept"] = f"kept: outlives {', '.join(users)}"
    return result + deleted


def summarize(resources: list[dict[str, Any]]) -> dict[str, int]:
    """Counts per change kind, over custom resources (components are bookkeeping)."""
    counts = dict.fromkeys(CHANGE_ORDER, 0)
    for resource in resources:
        if not resource["type"].startswith("dsvm:"):
            counts[resource.get("change", "create")] += 1
    return counts


def touches_data(resource: dict[str, Any]) -> bool:
    """Whether a change involves a resource that holds data."""
    holds_data = resource["type"] in DATA_TYPES or resource.get("protect") or resource.get("retainOnDelete")
    return bool(holds_data) and resource.get("change") not in (None, "same", "create")


def errors(resources: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Every refused change, as {urn, message}."""
    return [{"urn": r["urn"], "message": m} for r in resources for m in r.get("errors", [])]
