"""Turning backups off is refused while recovery points exist, and the refusal says the way out.

A backup instance, the Backup vault and the snapshot resource group are ``protect``-ed (components/backup.py,
stacks/backup.py): Pulumi refuses to delete them, and so does the offline diff (``dsvmctl/diff.py``). Deleting
a backup instance in Azure deletes its recovery points (soft-deleted first while the vault's soft delete is on),
so the generic "protected" refusal is not enough: this module rewrites it for the backup resources with what
the emulator knows (``fakeazure.providers.dataprotection.recovery_points``: how many points, the oldest and the
newest) and the ways out, with the real commands:

- keep backing up (``dsvm:backup.enabled``, ``data_disk.backup_enabled``);
- stop backups and let Azure keep the points until their retention ends (``az dataprotection backup-instance
  suspend-backup``; Azure keeps the newest one until it is deleted), then ``dsvmctl state unprotect`` the
  instance: it is ``retain_on_delete``, so it leaves the stack and stays in Azure;
- delete the points deliberately (``az dataprotection backup-instance delete`` after the unprotect): the vault's
  soft delete keeps them for its retention (``az dataprotection backup-instance deleted-backup-instance
  undelete``).

Microsoft Learn, 'Azure Disk Backup support matrix' ("You can stop backup and retain backup data ... You can also
delete a backup instance, which stops the backup and deletes all backup data") and 'Manage Azure Disk backups'
(the commands).
"""

from __future__ import annotations

from typing import Any

from azurefacts.resource_types import BACKUP_INSTANCE, BACKUP_VAULT, RESOURCE_GROUP
from dsvmctl.diff import PROTECTED, errors
from fakeazure import FakeAzure
from fakeazure.providers.dataprotection import recovery_points
from stacks.backup import SNAPSHOTS_SUFFIX


def _instance_text(backend: FakeAzure, resource: dict[str, Any]) -> tuple[str, str]:
    """(what the delete would destroy, the way out) for one backup instance."""
    parts = str(resource["id"]).split("/")
    group, vault, name = parts[4], parts[8], parts[10]
    disk = str((resource.get("inputs") or {}).get("properties", {}).get("dataSourceInfo", {}).get("resourceName"))
    instance = backend.get(str(resource["id"]))
    points = recovery_points(backend, instance) if instance is not None else []
    if points:
        held = (f"backup instance {name} holds {len(points)} recovery point(s) of disk {disk} (oldest "
                f"{points[0]:%Y-%m-%d %H:%M}, newest {points[-1]:%Y-%m-%d %H:%M} UTC): deleting it deletes them")
    else:
        held = f"backup instance {name} of disk {disk} holds no recovery point yet; deleting it stops its backups"
    urn = resource["urn"]
    way = (
        "keep backing it up (dsvm:backup.enabled, the disk's data_disk.backup_enabled); or stop backups and let Azure "
        f"keep the points until their retention ends: `az dataprotection backup-instance suspend-backup -g {group} "
        f"--vault-name {vault} -n {name}`, then `dsvmctl state unprotect '{urn}'` (Pulumi: `pulumi state unprotect`): "
        "the instance leaves the stack and stays in Azure; or, to delete the points on purpose, after the unprotect "
        f"`az dataprotection backup-instance delete -g {group} --vault-name {vault} -n {name}`: the vault's soft "
        "delete keeps them for its retention (`az dataprotection backup-instance deleted-backup-instance undelete`). "
        "docs/RESTORE.md"
    )
    return held, way


def _kept_text(resource: dict[str, Any]) -> str:
    what = "the Backup vault" if resource["type"] == BACKUP_VAULT else "the disk backups' snapshot resource group"
    return (
        f"{what} holds the recovery points: settle its backup instances first (see their refusal), then "
        f"`dsvmctl state unprotect '{resource['urn']}'` (Pulumi: `pulumi state unprotect`): it is retained, so it "
        "leaves the stack and stays in Azure with what it holds. docs/RESTORE.md"
    )


def explain_backup_deletes(
    backend: FakeAzure, document: dict[str, Any], base: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Rewrite Pulumi's protected refusals of the backup resources in ``document`` (a diff against ``backend``'s
    state, whose plan is ``base``) with the recovery points at stake and the way out; returns ``document``. A
    replaced instance is described as deployed (``base``): its recovery points are the ones the replace deletes."""
    deployed = {r["urn"]: r for r in (base or {}).get("resources") or []}
    for resource in document["resources"]:
        if resource.get("change") not in ("delete", "replace"):
            continue
        kind = resource["type"]
        snapshots = kind == RESOURCE_GROUP and str(resource.get("name", "")).endswith(SNAPSHOTS_SUFFIX)
        if kind not in (BACKUP_INSTANCE, BACKUP_VAULT) and not snapshots:
            continue
        for error in resource.get("errors") or []:
            if error.get("code") != PROTECTED:
                continue
            if kind == BACKUP_INSTANCE:
                was = deployed.get(resource["urn"]) if resource["change"] == "replace" else None
                held, error["fix"] = _instance_text(backend, {**resource, **was} if was else resource)
                error["message"] = f"{error['message']}: {held}"
            else:
                error["fix"] = _kept_text(resource)
    document["errors"] = errors(document["resources"])
    return document
