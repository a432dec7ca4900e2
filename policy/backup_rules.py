"""The pack's backup rule: every data disk of the stack is backed up (advisory; mandatory on production stacks).

A data disk is a ``Disk`` the stack creates or a disk a VM attaches by id (an existing or a restored one); it
is backed up when a backup instance (``Microsoft.DataProtection/backupVaults/backupInstances``) names it as its
data source: by ARM id where it is known (the offline plan), by the engine's property dependencies where it is
not yet (a new disk during ``pulumi preview``). Which stacks are production: ``PRODUCTION_STACKS`` by name (the
promotion chain's last stage, docs/GITOPS.md); there the rule stops ``pulumi preview``/``up`` and ``dsvmctl
plan``, elsewhere it advises. The pack knows the stack's name from the Pulumi CLI (``policy.pack.stack_info``),
the offline plan from its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from azurefacts.resource_types import BACKUP_INSTANCE, DISK, VM
from policy.rules import StackInfo, Subject, elements, prop
from policy.stack_rules import names_of

PRODUCTION_STACKS = frozenset({"prod"})


def _protected(resources: Sequence[Subject]) -> set[str]:
    """What the backup instances name as their data source: lower-cased ids, ``name:<disk name>``, and URNs."""
    found: set[str] = set()
    for resource in resources:
        if resource.resource_type != BACKUP_INSTANCE:
            continue
        found |= {str(u) for u in resource.links.get("properties", ())}
        for key, form in (("resourceID", "{}"), ("resourceName", "name:{}")):
            value = prop(resource.props, f"properties.dataSourceInfo.{key}")
            if isinstance(value, str):
                found.add(form.format(value.lower()))
    return found


def _disk_names(disk: Subject) -> set[str]:
    name = prop(disk.props, "diskName")
    return names_of(disk) | ({f"name:{name.lower()}"} if isinstance(name, str) else set())


def unprotected_disks(resources: Sequence[Subject]) -> list[tuple[str | None, str]]:
    """Each data disk no backup instance protects, on the disk (or on the VM that attaches it by id). A disk is
    matched by id, by name (a known name where a new disk's id is not known yet) or by property dependency."""
    protected = _protected(resources)
    disks = [r for r in resources if r.resource_type == DISK]
    known = {n for r in disks for n in _disk_names(r)}
    problems: list[tuple[str | None, str]] = [
        (r.urn, f"data disk {r.name} has no backup instance: losing it loses its data")
        for r in disks
        if not _disk_names(r) & protected
    ]
    for vm in (r for r in resources if r.resource_type == VM):
        for disk in elements(prop(vm.props, "storageProfile.dataDisks")):
            disk_id = prop(disk, "managedDisk.id")
            if not isinstance(disk_id, str):
                continue  # a new disk of the stack: checked as a Disk
            name = disk_id.rsplit("/", 1)[-1]
            if not {disk_id.lower(), f"name:{name.lower()}"} & (known | protected):
                problems.append((vm.urn, f"attaches data disk {name}, which no backup instance protects"))
    return problems


def check_disks_backed_up(resources: Sequence[Subject], stack: StackInfo) -> list[tuple[str | None, str]]:
    """Sources: Microsoft Learn, 'Overview of Azure Disk Backup' and 'Back up Azure Managed Disks' (a backup
    instance per managed disk in a Backup vault; nothing else keeps a disk's data when the disk itself is lost),
    DESIGN.md section 6 (data is never lost). Advisory outside production (``PRODUCTION_STACKS``)."""
    return [] if stack.name in PRODUCTION_STACKS else unprotected_disks(resources)


def check_disks_backed_up_in_production(
    resources: Sequence[Subject], stack: StackInfo
) -> list[tuple[str | None, str]]:
    """Sources: Microsoft Learn, 'Overview of Azure Disk Backup' and 'Back up Azure Managed Disks', as
    ``data-disks-backed-up``; on the production stacks (``PRODUCTION_STACKS``: the last stage of the promotion
    chain, docs/GITOPS.md) a disk without backups stops the deployment."""
    return unprotected_disks(resources) if stack.name in PRODUCTION_STACKS else []
