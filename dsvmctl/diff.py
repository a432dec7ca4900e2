"""Classify what a plan would do to what runs: create / update / replace / delete / same.

The rules follow how the Pulumi engine and azure-native decide (the facts are in
``azurefacts/resource_types.py``):
- a change to a path parameter (the resource's name, its parents' names, its
  resource group), to a type's create-only input, or to a path the program lists
  in ``replaceOnChanges`` is a **replace**;
- any other change is an in-place **update**, with its changed properties as
  dotted paths;
- a change Azure refuses is an **error** with Azure's code and the way out. The
  emulator decides those while it plans against the deployed state (a plan
  resource's ``refused`` list: ``PropertyChangeNotAllowed``, a region move, a
  disk that shrinks, a subnet in use ...);
- deleting a resource the state protects, or replacing one that both the state and the program
  protect, is an **error**: Pulumi refuses it (a replace goes through once either side dropped
  ``protect``: ``state unprotect`` is the deliberate step before one);
- a deleted resource that is ``retainOnDelete`` stays in Azure; a protected or
  retained resource that a deleted one depended on (a data disk whose VM goes)
  is reported as **kept**, unless that delete is itself refused; so is a disk a VM
  no longer attaches (a restored disk attached instead, ``dsvmctl restore``);
- locations that differ only in case or spaces are equal; secrets compare by
  their one-way fingerprints;
- a path the resource lists in ``ignoreChanges`` (``ignore_changes``: a scale set's
  ``sku.capacity``, which autoscale owns) is never a change.

Each change also says what it does to the running machine (``effects``): a
resize restarts the VM; a replaced VM takes its OS disk along; another disk at a
LUN wants the VM deallocated first; a scale set's new image or OS disk reaches only
the instances created afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from azurefacts.paths import changed_paths, comparable_leaves, covers, get_path
from azurefacts.resource_types import RESOURCE_TYPES, VM, VMSS
from azurefacts.sizes import VM_SIZES

DATA_TYPES = frozenset(
    {"azure-native:compute:Disk", "azure-native:storage:StorageAccount", "azure-native:storage:BlobContainer"}
)
CHANGE_ORDER = ("create", "update", "replace", "delete", "same")
PROTECTED = "Protected"  # not an ARM code: the Pulumi engine's own refusal


@dataclass
class Refusal:
    """A change that would be refused: by whom (an ARM code, or Pulumi's ``Protected``), why, the way out."""

    code: str
    message: str
    fix: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fix": self.fix}

    def text(self) -> str:
        return f"{self.code}: {self.message}" + (f" Way out: {self.fix}." if self.fix else "")


@dataclass
class Change:
    """What happens to one resource."""

    urn: str
    change: str
    changed_properties: list[str] = field(default_factory=list)
    replace_reasons: list[str] = field(default_factory=list)
    errors: list[Refusal] = field(default_factory=list)
    effects: list[str] = field(default_factory=list)
    kept: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"change": self.change, "changedProperties": self.changed_properties}
        if self.replace_reasons:
            data["replaceReasons"] = self.replace_reasons
        if self.errors:
            data["errors"] = [e.to_json() for e in self.errors]
        if self.effects:
            data["effects"] = self.effects
        if self.kept:
            data["kept"] = self.kept
        return data


def changed_properties(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Dotted paths whose value differs (added, removed or changed leaves); secrets by fingerprint."""
    return changed_paths(
        comparable_leaves(base.get("inputs") or {}, fingerprints=base.get("secretFingerprints") or {}),
        comparable_leaves(head.get("inputs") or {}, fingerprints=head.get("secretFingerprints") or {}),
    )


def classify(base: dict[str, Any] | None, head: dict[str, Any] | None) -> Change:
    """The change from ``base`` (saved/previous) to ``head`` (planned) for one URN."""
    if head is None and base is None:
        raise ValueError("nothing to classify")
    if base is None:
        assert head is not None
        return Change(head["urn"], "create", errors=_refusals(head))
    if head is None:
        change = Change(base["urn"], "delete", effects=_effects(base, None, "delete"))
        if base.get("protect"):
            change.errors.append(_protected(base, "delete"))
        elif base.get("retainOnDelete"):  # a refused delete keeps nothing: nothing happens
            change.kept = "retainOnDelete: leaves the stack but stays in Azure"
        return change
    ignored = head.get("ignoreChanges") or []  # the engine sends the old value: never a change
    paths = [p for p in changed_properties(base, head) if not any(covers(i, p) for i in ignored)]
    if not paths:
        return Change(head["urn"], "same", errors=_refusals(head))
    facts = RESOURCE_TYPES.get(head["type"])
    triggers = set(head.get("replaceOnChanges") or [])
    create_only = facts.replace_triggers() if facts else frozenset()
    reasons = []
    for path in paths:
        for trigger in sorted(create_only | triggers):
            if covers(trigger, path):
                why = "create-only" if trigger in create_only else "replaceOnChanges"
                reasons.append(f"{path} ({why}: {trigger})")
                break
    kind = "replace" if reasons else "update"
    change = Change(head["urn"], kind, paths, reasons, _refusals(head), _effects(base, head, kind))
    if reasons and base.get("protect") and head.get("protect"):
        # The engine refuses before Azure is asked: the one refusal to report. Only when the resource is
        # protected both in the state and in the program: unprotecting it (`state unprotect`, or protect=False
        # in the program) and replacing it may happen in one update (pulumi/pulumi step_generator.go,
        # generateStepsFromDiff: `if new.Protect && old.Protect`; pulumi/pulumi#8873).
        change.errors = [_protected(head, "replace")]
    return change


def _refusals(head: dict[str, Any]) -> list[Refusal]:
    return [Refusal(r["code"], r["message"], r.get("hint")) for r in head.get("refused") or []]


def _protected(resource: dict[str, Any], action: str) -> Refusal:
    urn = resource["urn"]
    if action == "delete":
        fix = (
            "to offboard a member keep the entry and set leaving: true (the VM goes, the data stays); to really "
            f"release the data run `dsvmctl state unprotect '{urn}'` (Pulumi: `pulumi state unprotect`) first"
        )
    else:
        fix = (
            "keep the create-only property as it is, or, to replace it deliberately, unprotect it first: "
            f"`dsvmctl state unprotect '{urn}'` (Pulumi: `pulumi state unprotect`)"
        )
    message = f'resource "{urn}" cannot be {action}d because it is protected'
    return Refusal(PROTECTED, message, fix)


IMAGE = "storageProfile.imageReference"


def _version_key(version: object) -> tuple[int, ...] | None:
    """A DSVM image version (``25.09.15``) as numbers to compare; None when it is not one (``latest``)."""
    parts = str(version or "").split(".")
    return tuple(int(p) for p in parts) if parts and all(p.isdigit() for p in parts) else None


def _image_effects(old: object, new: object) -> list[str]:
    """A pin that goes back in time on the same image is worth a second look (Azure accepts it).

    ``old``/``new`` are imageReference objects: versions of different images (another OS, offer or
    SKU) are different release lines, so comparing them says nothing.
    """
    if not isinstance(old, dict) or not isinstance(new, dict):
        return []
    if any(old.get(k) != new.get(k) for k in ("publisher", "offer", "sku")):
        return []
    old_key, new_key = _version_key(old.get("version")), _version_key(new.get("version"))
    if old_key is not None and new_key is not None and new_key < old_key:
        return [f"image version {old['version']} -> {new['version']} goes back to an older release (a downgrade): "
                "make sure it is meant"]
    return []


def _os_disk_text(resource: dict[str, Any]) -> str:
    disk = get_path(resource, "inputs.virtualMachineProfile.storageProfile.osDisk", {}) or {}
    size = disk.get("diskSizeGB")
    return f"{get_path(disk, 'managedDisk.storageAccountType')} OS disk{f' of {size} GiB' if size else ''}"


def _scale_set_effects(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """An image pin or OS disk change on a scale set changes its model, not its running instances."""
    old = get_path(base, f"inputs.virtualMachineProfile.{IMAGE}.version")
    new = get_path(head, f"inputs.virtualMachineProfile.{IMAGE}.version")
    effects = []
    if old != new:
        effects += [
            f"updates the scale set's model in place: instances created from now on boot image {new}; running "
            f"instances keep {old} until they leave the pool (the end of the window, idle stop, scale-in), and none "
            "is reimaged (the seats' work is in storage, not on instances)",
            *_image_effects(get_path(base, f"inputs.virtualMachineProfile.{IMAGE}"),
                            get_path(head, f"inputs.virtualMachineProfile.{IMAGE}")),
        ]
    if _os_disk_text(base) != _os_disk_text(head):
        effects.append(
            f"updates the scale set's model in place: instances created from now on get a {_os_disk_text(head)}; "
            f"running instances keep their {_os_disk_text(base)} until they leave the pool"
        )
    return effects


def _vm_os_disk(resource: dict[str, Any]) -> tuple[Any, Any]:
    """A VM's OS disk SKU and size (None: the image's)."""
    disk = get_path(resource, "inputs.storageProfile.osDisk", {}) or {}
    return get_path(disk, "managedDisk.storageAccountType"), disk.get("diskSizeGB")


def _attached(vm: dict[str, Any]) -> dict[int, str]:
    """LUN -> the id of the data disk a VM attaches there."""
    disks = get_path(vm, "inputs.storageProfile.dataDisks", []) or []
    attached = [d for d in disks if d.get("createOption") == "Attach"]
    return {int(d.get("lun", -1)): str(get_path(d, "managedDisk.id", "")) for d in attached}


def _data_disk_swaps(base: dict[str, Any], head: dict[str, Any]) -> list[str]:
    """Another disk at a LUN (a restored disk attached instead of the original): Azure swaps it on the running VM,
    under the file system the VM has mounted from it."""
    old, new = _attached(base), _attached(head)
    swapped = sorted(lun for lun in old.keys() & new.keys() if old[lun].lower() != new[lun].lower())
    return [
        f"attaches {new[lun].rsplit('/', 1)[-1]} at LUN {lun} instead of {old[lun].rsplit('/', 1)[-1]}: deallocate "
        "the VM first (`az vm deallocate`; the disk mounted at /data, F: on Windows, changes) and start it after"
        for lun in swapped
    ]


def _effects(base: dict[str, Any], head: dict[str, Any] | None, kind: str) -> list[str]:
    """What the change does to a running VM or scale set (only those have effects worth saying)."""
    if base.get("type") == VMSS and head is not None and kind == "update":
        return _scale_set_effects(base, head)
    if base.get("type") != VM:
        return []
    downgrade = _image_effects(get_path(base, f"inputs.{IMAGE}"), get_path(head, f"inputs.{IMAGE}")) \
        if head is not None else []
    if kind in ("replace", "delete"):
        os_disk = get_path(base, "inputs.storageProfile.osDisk", {})
        gone = "its OS disk goes with it" if os_disk.get("deleteOption") == "Delete" else "its OS disk is kept"
        verb = "replaces" if kind == "replace" else "deletes"
        disks = get_path(base, "inputs.storageProfile.dataDisks", [])
        attached = [d for d in disks if d.get("deleteOption") == "Detach"]
        kept = "; attached data disks are detached and kept" if attached else ""
        return [f"{verb} the VM: {gone} (whatever is installed or stored outside the data disk is lost){kept}",
                *downgrade]
    if head is None:
        return []
    settings = _data_disk_swaps(base, head)
    if get_path(base, "inputs.userData") != get_path(head, "inputs.userData"):
        settings = ["updates userData in place, no restart (the idle watcher reads it at its next check)"]
    if _vm_os_disk(base) != _vm_os_disk(head):
        settings.append(
            "changes the OS disk (SKU or size) in place, which Azure does only while the VM is deallocated: "
            "az vm deallocate, then apply, then az vm start (the VM is down meanwhile; its disks and data stay)"
        )
    old_size = get_path(base, "inputs.hardwareProfile.vmSize")
    new_size = get_path(head, "inputs.hardwareProfile.vmSize")
    if old_size == new_size:
        return settings
    old, new = VM_SIZES.get(str(old_size)), VM_SIZES.get(str(new_size))
    if old is not None and new is not None and old.series == new.series:
        return [f"resizes {old_size} -> {new_size}: restarts the VM", *settings]
    return [
        f"resizes {old_size} -> {new_size}: restarts the VM, and deallocates it first when the new size is not "
        "on its current hardware cluster (another series usually is not)",
        *settings,
    ]


def diff_plans(base: list[dict[str, Any]] | None, head: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Head's resources annotated with their change, then base's deleted ones, in plan order."""
    base_by_urn = {r["urn"]: r for r in base or []}
    head_urns = {r["urn"] for r in head}
    result = [{**r, **classify(base_by_urn.get(r["urn"]), r).to_json()} for r in head]
    deleted = [{**r, **classify(r, None).to_json()} for r in base or [] if r["urn"] not in head_urns]
    # A disk a VM no longer attaches (a restored one attached instead) stays as it was: say so.
    detached: dict[str, str] = {}
    for vm in (r for r in head if r["type"] == VM and r["urn"] in base_by_urn):
        for lun, disk_id in _attached(base_by_urn[vm["urn"]]).items():
            if _attached(vm).get(lun, "").lower() != disk_id.lower():
                detached[disk_id.lower()] = vm["name"]
    for resource in result:
        user = detached.get(str(resource.get("id", "")).lower())
        if user and resource["change"] in ("same", "update"):
            held = "protected and retained" if resource.get("protect") else "left as it is"
            resource["kept"] = f"kept: no longer attached to {user}, {held} (and backed up, if it was)"
    # Protected/retained resources a deleted resource depended on outlive it: say so (unless that delete
    # is refused anyway).
    gone = [g for g in deleted if not g.get("errors")]
    for resource in result:
        if resource["change"] != "same" or not (resource.get("protect") or resource.get("retainOnDelete")):
            continue
        users = sorted(g["name"] for g in gone if resource["urn"] in (g.get("dependsOn") or []))
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


def errors(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every refused change: {urn, type, name, code, message, fix}."""
    return [
        {"urn": r["urn"], "type": r["type"], "name": r["name"], **e}
        for r in resources
        for e in r.get("errors", [])
    ]


def error_text(error: dict[str, Any]) -> str:
    """One refusal as one paragraph: the resource, Azure's (or Pulumi's) code and words, the way out."""
    what = f"{error['type'].rsplit(':', 1)[-1]} {error['name']}"
    return f"{what}: " + Refusal(error["code"], error["message"], error.get("fix")).text()
