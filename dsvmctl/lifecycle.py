"""`up` and `destroy` on the emulator's saved state, as Pulumi would do them on Azure.

``up`` plans against the saved state, refuses (like Pulumi) a plan that would
delete or replace a protected resource, then removes what the program no longer
declares (except what is retained) and saves. ``destroy`` deletes what is not
protected, keeps protected resources in the stack and retained ones in Azure, and
says which.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from azurefacts.quotas import load_profile
from dsvmctl.diff import error_text
from dsvmctl.existing import ExistingFile
from dsvmctl.plan import diff_document, make_plan, state_at_ref
from dsvmctl.project import StackFile
from dsvmctl.state import SavedState, StateStore
from fakeazure import FakeAzure


class RefusedChange(Exception):  # noqa: N818 - reads as what happened
    """The plan contains changes Pulumi (or Azure) would refuse."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        messages = "\n  ".join(error_text(e) for e in document["errors"])
        super().__init__(f"{len(document['errors'])} change(s) would be refused, nothing applied:\n  {messages}")


def backend_key(resource: dict[str, Any]) -> str:
    """The emulator's key of a plan resource (pulumi-random resources have id "none")."""
    if resource.get("id") in (None, "none"):
        return f"random:{resource['name']}"
    return str(resource["id"]).lower()


def _plan_against_state(
    project_dir: Path, stack: str, store: StateStore, quota_profile: str | None, existing: ExistingFile | None = None
) -> tuple[FakeAzure, dict[str, Any], dict[str, Any]]:
    """The emulator as ``up`` left it, the stack's plan on it, and the diff between them."""
    return plan_against(project_dir, stack, store.load(stack), quota_profile, existing=existing)


def plan_against(
    project_dir: Path,
    stack: str,
    saved: SavedState | None,
    quota_profile: str | None = None,
    stack_file: StackFile | None = None,
    existing: ExistingFile | None = None,
) -> tuple[FakeAzure, dict[str, Any], dict[str, Any]]:
    """The stack planned on the emulator of ``saved`` (or a fresh one), and the diff from it.

    The quota profile: ``quota_profile`` when given, always (a stack moving from CPU to GPU sizes is
    planned against the quotas it will have); else the one the saved state's last ``up`` used; else
    payg. The state ``up`` saves records the profile it used."""
    if saved is None:
        backend = FakeAzure(quota_profile=quota_profile or "payg")
    else:
        backend = saved.backend()
        if quota_profile is not None:
            backend.quota = load_profile(quota_profile)
    from dsvmctl.backup_guard import explain_backup_deletes

    head = make_plan(project_dir, stack, backend, stack_file, existing).to_json()
    document = refuse_deletes(backend, diff_document(head, saved.plan if saved else None))
    return backend, head, explain_backup_deletes(backend, document, saved.plan if saved else None)


def refuse_deletes(backend: FakeAzure, document: dict[str, Any]) -> dict[str, Any]:
    """Mark each delete Azure would refuse (the caller may not: a role definition for the deploy identity,
    ``fakeazure/caller.py``) as an error of ``document``, which it returns."""
    from dsvmctl.diff import errors
    from fakeazure.caller import delete_refusal

    for resource in document["resources"]:
        if resource["change"] != "delete" or resource.get("retainOnDelete") or resource.get("errors"):
            continue
        refusal = delete_refusal(backend, backend_key(resource))
        if refusal is not None:
            resource["errors"] = [{"code": refusal.code, "message": refusal.message, "fix": refusal.hint}]
    document["errors"] = errors(document["resources"])
    return document


def apply(backend: FakeAzure, document: dict[str, Any]) -> None:
    """Finish applying a planned diff to its emulator: what the program no longer declares goes
    (what is retained stays in Azure). Refuses, changing nothing, when the diff has errors."""
    if document["errors"]:
        raise RefusedChange(document)
    for resource in document["resources"]:
        if resource["change"] == "delete" and not resource.get("retainOnDelete"):
            backend.delete(backend_key(resource))


def preview(
    project_dir: Path,
    stack: str,
    store: StateStore,
    quota_profile: str | None = None,
    existing: ExistingFile | None = None,
) -> dict[str, Any]:
    """The diff document of the stack against its saved state (or against nothing)."""
    return _plan_against_state(project_dir, stack, store, quota_profile, existing)[2]


def preview_against_ref(
    project_dir: Path, stack: str, ref: str, quota_profile: str | None = None, existing: ExistingFile | None = None
) -> dict[str, Any]:
    """The diff document of the stack against what git ``ref`` would have deployed (see ``state_at_ref``)."""
    data = state_at_ref(project_dir, stack, ref, quota_profile)
    saved = SavedState(stack, data["plan"], data["emulator"]) if data else None
    return plan_against(project_dir, stack, saved, quota_profile, existing=existing)[2]


def up(
    project_dir: Path,
    stack: str,
    store: StateStore,
    quota_profile: str | None = None,
    existing: ExistingFile | None = None,
    lock_wait: float = 0.0,
) -> dict[str, Any]:
    """Apply the stack to the saved emulator state; returns the diff document it applied. The state is
    locked from before it is read until it is written (``dsvmctl.state_lock``)."""
    with store.lock(stack, f"dsvmctl up --stack {stack}", lock_wait):
        backend, head, document = _plan_against_state(project_dir, stack, store, quota_profile, existing)
        apply(backend, document)
        store.save(stack, head, backend)
    return document


@dataclass
class DestroyReport:
    """What ``destroy`` did."""

    deleted: list[str] = field(default_factory=list)
    kept_in_azure: list[str] = field(default_factory=list)  # retainOnDelete: out of the stack, still in Azure


class RefusedDestroy(Exception):  # noqa: N818 - reads as what happened
    """``destroy`` would delete protected resources, or data with its resource group: refused, nothing done."""


def _label(resource: dict[str, Any]) -> str:
    return f"{resource['type'].split(':')[-1]} {resource['name']}"


def destroy(stack: str, store: StateStore, lock_wait: float = 0.0) -> DestroyReport:
    """``pulumi destroy`` on the saved state, holding the stack's state lock (see ``_destroy``)."""
    with store.lock(stack, f"dsvmctl destroy --stack {stack}", lock_wait):
        return _destroy(stack, store)


def _destroy(stack: str, store: StateStore) -> DestroyReport:
    """Delete the stack's resources as ``pulumi destroy`` would: refused while any is protected.

    Pulumi refuses to destroy a stack that holds protected resources and names them; the
    way out is the deliberate step ``dsvmctl state unprotect`` (``pulumi state unprotect``).
    Retained resources then leave the stack and stay in Azure. A resource group that would
    be deleted while retained resources are still in it is refused too: Azure deletes a
    group's resources with it, so "retained" would be a lie.
    """
    saved = store.load(stack)
    if saved is None:
        raise FileNotFoundError(f"no saved state for stack {stack} in {store.directory}; run `up` first")
    resources = saved.plan["resources"]
    protected = [r for r in resources if r.get("protect")]
    if protected:
        names = "\n  ".join(f"{_label(r)} ({r['urn']})" for r in protected)
        raise RefusedDestroy(
            f"{len(protected)} protected resource(s) in stack {stack}: Pulumi refuses to destroy a stack that holds "
            f"protected resources, and so does this:\n  {names}\nWay out: to release the data deliberately, run "
            f"`dsvmctl state unprotect --stack {stack} --all` (Pulumi: `pulumi state unprotect --all`), then destroy "
            "again: retained resources (data disks, storage, the resource group) leave the stack and stay in Azure."
        )
    backend = saved.backend()
    retained = [r for r in resources if r.get("retainOnDelete") and r.get("id") not in (None, "none")]
    for group in resources:
        if group["type"] != "azure-native:resources:ResourceGroup" or group.get("retainOnDelete"):
            continue
        inside = [r for r in retained if str(r["id"]).lower().startswith(str(group["id"]).lower() + "/")]
        if inside:
            raise RefusedDestroy(
                f"destroying {_label(group)} would delete the retained {', '.join(_label(r) for r in inside)} with "
                "it (Azure deletes a resource group's resources); retain the resource group too"
            )
    report = DestroyReport()
    for resource in reversed(resources):  # dependents before what they depend on
        if resource["type"].startswith("dsvm:"):
            continue
        if resource.get("retainOnDelete"):
            report.kept_in_azure.append(_label(resource))
        else:
            report.deleted.append(_label(resource))
            backend.delete(backend_key(resource))
    store.save(stack, dict(saved.plan, resources=[]), backend)
    return report


def unprotect(stack: str, store: StateStore, urns: list[str] | None = None) -> list[str]:
    """Clear ``protect`` on resources of the saved stack (all of them when ``urns`` is None), as
    ``pulumi state unprotect`` does; returns the URNs unprotected. The next ``up`` protects again
    whatever the program still protects."""
    with store.lock(stack, f"dsvmctl state unprotect --stack {stack}"):
        return _unprotect(stack, store, urns)


def _unprotect(stack: str, store: StateStore, urns: list[str] | None) -> list[str]:
    saved = store.load(stack)
    if saved is None:
        raise FileNotFoundError(f"no saved state for stack {stack} in {store.directory}; run `up` first")
    known = {r["urn"] for r in saved.plan["resources"]}
    unknown = [u for u in urns or [] if u not in known]
    if unknown:
        raise FileNotFoundError(f"no resource {', '.join(unknown)} in stack {stack}")
    done = []
    for resource in saved.plan["resources"]:
        if resource.get("protect") and (urns is None or resource["urn"] in urns):
            resource["protect"] = False
            done.append(resource["urn"])
    store.save(stack, saved.plan, saved.backend())
    return done
