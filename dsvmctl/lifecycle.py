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

from dsvmctl.plan import diff_document, make_plan
from dsvmctl.state import StateStore
from fakeazure import FakeAzure


class RefusedChange(Exception):  # noqa: N818 - reads as what happened
    """The plan contains changes Pulumi (or Azure) would refuse."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        messages = "; ".join(e["message"] for e in document["errors"])
        super().__init__(f"{len(document['errors'])} change(s) refused, nothing applied: {messages}")


def backend_key(resource: dict[str, Any]) -> str:
    """The emulator's key of a plan resource (pulumi-random resources have id "none")."""
    if resource.get("id") in (None, "none"):
        return f"random:{resource['name']}"
    return str(resource["id"]).lower()


def _plan_against_state(
    project_dir: Path, stack: str, store: StateStore, quota_profile: str
) -> tuple[FakeAzure, dict[str, Any], dict[str, Any]]:
    """The emulator as ``up`` left it, the stack's plan on it, and the diff between them."""
    saved = store.load(stack)
    backend = saved.backend() if saved else FakeAzure(quota_profile=quota_profile)
    head = make_plan(project_dir, stack, backend).to_json()
    return backend, head, diff_document(head, saved.plan if saved else None)


def preview(project_dir: Path, stack: str, store: StateStore, quota_profile: str = "payg") -> dict[str, Any]:
    """The diff document of the stack against its saved state (or against nothing)."""
    return _plan_against_state(project_dir, stack, store, quota_profile)[2]


def up(project_dir: Path, stack: str, store: StateStore, quota_profile: str = "payg") -> dict[str, Any]:
    """Apply the stack to the saved emulator state; returns the diff document it applied."""
    backend, head, document = _plan_against_state(project_dir, stack, store, quota_profile)
    if document["errors"]:
        raise RefusedChange(document)
    for resource in document["resources"]:
        if resource["change"] == "delete" and not resource.get("retainOnDelete"):
            backend.delete(backend_key(resource))
    store.save(stack, head, backend)
    return document


@dataclass
class DestroyReport:
    """What ``destroy`` did."""

    deleted: list[str] = field(default_factory=list)
    kept_in_stack: list[str] = field(default_factory=list)  # protected: Pulumi will not delete them
    kept_in_azure: list[str] = field(default_factory=list)  # retainOnDelete: out of the stack, still in Azure


def destroy(stack: str, store: StateStore) -> DestroyReport:
    """Delete the stack's unprotected resources from the saved state."""
    saved = store.load(stack)
    if saved is None:
        raise FileNotFoundError(f"no saved state for stack {stack} in {store.directory}; run `up` first")
    backend = saved.backend()
    report = DestroyReport()
    remaining = []
    for resource in saved.plan["resources"]:
        label = f"{resource['type'].split(':')[-1]} {resource['name']}"
        if resource.get("protect"):
            report.kept_in_stack.append(label)
            remaining.append(resource)
        elif resource.get("retainOnDelete"):
            report.kept_in_azure.append(label)
        else:
            if not resource["type"].startswith("dsvm:"):
                report.deleted.append(label)
            backend.delete(backend_key(resource))
    # Components that still parent a protected resource stay with it.
    parents = {r["parent"] for r in remaining}
    kept_components = [r for r in saved.plan["resources"] if r["type"].startswith("dsvm:") and r["urn"] in parents]
    plan = dict(saved.plan, resources=kept_components + remaining)
    store.save(stack, plan, backend)
    return report
