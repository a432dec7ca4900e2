"""``dsvmctl restore --stack S UNIT --point TIME``: a restore drill of a member's (or rig's) data disk, planned offline.

What a disk restore does in Azure (Microsoft Learn, 'Restore Azure Managed Disks', 'Restore Azure Managed Disks
using Azure CLI'): Azure Backup creates a **new** disk from a recovery point (no restore over the original:
"Original-Location Recovery isn't supported"), in a resource group where the vault's identity holds Disk Restore
Operator. The stack then attaches the new disk instead (``data_disk.restored_disk_resource_id``); the original
disk stays in the stack, protected and retained, with its own backups, and is named in the diff as kept.

The drill starts from what is deployed (the saved state of ``dsvmctl up``): the backup instance of the disk the
unit's VM attaches now, its recovery points as the emulator models them at the product clock's moment (the
policy's schedule since protection began, within retention: ``--today 2027-01-31T12:00`` moves the clock), the one
at or before ``--point`` (``latest``: the newest). It then describes the disk the restore would create (the source's
size and SKU), edits the stack's config in memory to attach it, and plans that against the saved state: the diff
shows the VM's data disk swapped in place, the new disk's backup, and the original disk kept. It prints the
commands, in order, that do it for real. Nothing is written: not the stack file, not the state.

Not emulated: the restore job itself (time, failure), Disk Restore Operator's propagation delay, recovery point ids
(the emulator's are stand-ins: use the ids ``az dataprotection recovery-point list`` prints).
"""

from __future__ import annotations

import json
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from dsvmctl.options import JsonOption, ProjectOption, QuotaOption, StackOption, StateOption

DISK_TOKEN = "azure-native:compute:Disk"
INSTANCE_TOKEN = "azure-native:dataprotection:BackupInstance"


class RestoreError(ValueError):
    """The drill cannot be planned; the message says why and what to do."""


@dataclass
class RestorePlan:
    """A planned restore: which point, which disks, the commands and the diff of attaching the new disk."""

    stack: str
    unit: str
    point: datetime
    points: list[datetime]
    instance: str
    source_disk: str
    restored_disk: str
    config_path: str
    commands: list[str]
    document: dict[str, Any] = field(default_factory=dict)
    # What the restored disk bills a month (like its source) while both exist: the estimate leaves out disks the
    # stack attaches by id.
    restored_monthly: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack, "unit": self.unit, "point": self.point.isoformat(),
            "recoveryPoints": [p.isoformat() for p in self.points], "backupInstance": self.instance,
            "sourceDisk": self.source_disk, "restoredDisk": self.restored_disk, "configPath": self.config_path,
            "commands": self.commands, "restoredDiskMonthly": self.restored_monthly, "diff": self.document,
        }  # fmt: skip


def _wanted(text: str) -> datetime | None:
    """The time ``--point`` asks for (None: ``latest``), or why it is not one a backup can have been taken at."""
    from azurefacts.clock import ClockError, moment, parse_moment

    if text.strip().lower() == "latest":
        return None
    try:
        wanted = parse_moment(text)
    except ClockError:
        raise RestoreError(f"--point {text!r} is not a time: give YYYY-MM-DDTHH:MM (UTC) or latest") from None
    today = moment().date()
    if wanted.date() > today:
        raise RestoreError(f"--point {wanted:%Y-%m-%d %H:%M} UTC is after today ({today}): no backup has been taken "
                           "then; give a past time (YYYY-MM-DDTHH:MM, UTC), or latest for the newest")  # fmt: skip
    return wanted


def _point(wanted: datetime | None, points: list[datetime]) -> datetime | None:
    """The recovery point asked for: the newest at or before ``wanted`` (None: the newest of all); None if none is."""
    earlier = [p for p in points if wanted is None or p <= wanted]
    return earlier[-1] if earlier else None


def _choose(wanted: datetime | None, held: list[tuple[Any, list[datetime]]]) -> tuple[Any, list[datetime], datetime]:
    """The backup instance and recovery point to restore from: ``held`` is (instance, its points) of the disk the
    unit attaches now, then of the disk it was restored from (its backups stay reachable). The newest point at or
    before ``wanted`` of either, the attached disk's on a tie; ``latest`` takes the attached disk's newest."""
    found = [(point, -i, instance, points) for i, (instance, points) in enumerate(held)
             if (point := _point(wanted, points)) is not None]  # fmt: skip
    if wanted is None and found:
        found = found[:1]
    if found:
        point, _, instance, points = max(found, key=lambda f: (f[0], f[1]))
        return instance, points, point
    every = sorted(p for _, points in held for p in points)
    if not every:
        raise RestoreError("the backup instance holds no recovery point yet (the first backup runs at the policy's "
                           "next scheduled time): nothing to restore from")  # fmt: skip
    assert wanted is not None
    listed = ", ".join(f"{p:%Y-%m-%d %H:%M}" for p in every)
    raise RestoreError(f"no recovery point at or before {wanted:%Y-%m-%d %H:%M} UTC; the backups hold: {listed}")


def _free_name(backend: Any, group_id: str, name: str) -> str:
    """``name``, or ``name-2``, ``-3``... when a disk of that name is in the group: Azure refuses to restore onto an
    existing disk's name (UserErrorSameNameDiskAlreadyExists, 'Troubleshooting backup failures in Azure Disk
    Backup')."""
    candidate, n = name, 1
    while backend.get(f"{group_id}/providers/Microsoft.Compute/disks/{candidate}") is not None:
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def plan_restore(
    project_dir: Path, stack: str, unit: str, point: str, store: Any, quota_profile: str | None = None
) -> RestorePlan:
    """Plan restoring ``unit``'s data disk to ``point`` on the deployed ``stack`` (see the module docstring)."""
    from dsvmctl.existing import ExistingDisk, ExistingFile
    from dsvmctl.lifecycle import plan_against
    from dsvmctl.project import StackFile, read_stack
    from fakeazure.providers.dataprotection import recovery_points
    from stacks.config import PROJECT, decode_value, load_config
    from stacks.config.backup import DiskBackupStack

    stack_file = read_stack(project_dir, stack)
    config = load_config(stack_file.config, project_dir=project_dir)
    if not isinstance(config, DiskBackupStack):
        raise RestoreError(f"stack {stack} ({config.kind}) keeps its work in blob storage, not on data disks: restore "
                           "blobs with `az storage blob restore` or from soft delete (docs/RESTORE.md)")  # fmt: skip
    saved = store.load(stack)
    if saved is None:
        raise RestoreError(f"stack {stack} has no saved state: a restore starts from what is deployed; `dsvmctl up "
                           f"--stack {stack}` first")  # fmt: skip
    units = [name for name, _ in config.data_disks()]
    if unit not in units:
        raise RestoreError(f"stack {stack} has no {config.units_key[:-1]} {unit!r}; it has: {', '.join(units)}")
    index = units.index(unit)
    disk_config = config.data_disks()[index][1]
    logical = f"{unit}-data-restored-backup" if disk_config.restored_disk_resource_id else f"{unit}-data-backup"
    backend = saved.backend()
    held = []
    for name in dict.fromkeys((logical, f"{unit}-data-backup")):  # the attached disk's, then the original disk's
        deployed = [r for r in saved.plan["resources"] if r["type"] == INSTANCE_TOKEN and r["name"] == name]
        found = backend.get(str(deployed[0]["id"])) if deployed else None
        if found is not None:
            held.append((found, recovery_points(backend, found)))
        elif name == logical:
            break
    if not held:
        raise RestoreError(f"{unit}'s data disk has no deployed backup instance ({logical}): backups are off for it, "
                           f"or not applied yet (`dsvmctl up --stack {stack}`)")  # fmt: skip
    wanted = _wanted(point)
    instance, points, chosen = _choose(wanted, held)
    source_id = str(instance.inputs["properties"]["dataSourceInfo"]["resourceID"])
    source = backend.get(source_id)
    group = config.resource_group_name or f"rg-{PROJECT}-{stack}"
    name = _free_name(backend, backend.resource_group_id(group), f"{unit}-data-r{chosen:%Y%m%d%H%M}")
    target = f"{backend.resource_group_id(group)}/providers/Microsoft.Compute/disks/{name}"
    size = int((source.inputs.get("diskSizeGB") if source else None) or disk_config.size_gb)
    sku = str(((source.inputs.get("sku") or {}).get("name") if source else None) or disk_config.sku)
    disk = ExistingDisk(id=target, location=config.location, size_gb=size, sku=sku)  # type: ignore[arg-type]
    described = ExistingFile(disks=(disk,))

    values = {k: decode_value(v) for k, v in stack_file.config.items()}
    key = f"dsvm:{config.units_key}"
    unit_values = values[key][index]
    unit_values["data_disk"] = {**(unit_values.get("data_disk") or {}), "restored_disk_resource_id": target}
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in values.items()}
    edited = StackFile(stack_file.name, stack_file.path, encoded, stack_file.secret_keys)
    _, _, document = plan_against(project_dir, stack, saved, quota_profile, stack_file=edited, existing=described)
    for item in document.get("existing") or []:
        if str(item["id"]).lower() == target.lower():
            item["source"] = "restore"
    path = f"{config.units_key}[{index}].data_disk.restored_disk_resource_id"
    vault = instance.id.split("/")[8]
    commands = _commands(stack, unit, instance.name, vault, group, config.location, chosen, target, path,
                         str(source.name if source else source_id.rsplit("/", 1)[-1]))  # fmt: skip
    billed = [line["monthly"] for r in document["resources"] if str(r.get("id", "")).lower() == source_id.lower()
              for line in document["cost"]["lines"] if line["urn"] == r["urn"]]  # fmt: skip
    return RestorePlan(stack, unit, chosen, points, instance.name, source_id, target, path, commands, document,
                       billed[0] if billed else None)  # fmt: skip


def _commands(
    stack: str, unit: str, instance: str, vault: str, group: str, location: str, point: datetime, target: str,
    path: str, source: str,
) -> list[str]:  # fmt: skip
    """The real steps, in order (az dataprotection is the Azure CLI extension `dataprotection`; the long option
    ``--backup-instance-name``, which its older releases take too, where newer ones also accept ``-n``:
    Azure/azure-cli-extensions, src/dataprotection aaz commands)."""
    g, v, i = shlex.quote(group), shlex.quote(vault), shlex.quote(instance)
    when = point.strftime("%Y-%m-%dT%H:%M")
    vm = f"{unit}-vm"
    return [
        f"# 1. The recovery point of {when} UTC (its id: the name column)",
        f"az dataprotection recovery-point list -g {g} --vault-name {v} --backup-instance-name {i} "
        "--query \"[].{name:name, time:properties.recoveryPointTime}\" -o table",
        "RP=<the name of that recovery point>",
        "# 2. Let the vault's identity create the disk in the stack's group (once; Disk Restore Operator)",
        f"VAULT_PRINCIPAL=$(az dataprotection backup-vault show -g {g} --vault-name {v} "
        "--query identity.principalId -o tsv)",
        "az role assignment create --assignee-object-id \"$VAULT_PRINCIPAL\" --assignee-principal-type "
        f"ServicePrincipal --role \"Disk Restore Operator\" --scope \"$(az group show -n {g} --query id -o tsv)\"",
        f"# 3. Restore: a new disk {target.rsplit('/', 1)[-1]} (the original {source} is never overwritten)",
        f"az dataprotection backup-instance restore initialize-for-data-recovery --datasource-type AzureDisk "
        f"--restore-location {location} --source-datastore OperationalStore --recovery-point-id \"$RP\" "
        f"--target-resource-id {shlex.quote(target)} > restore.json",
        f"az dataprotection backup-instance validate-for-restore -g {g} --vault-name {v} --backup-instance-name {i} "
        "--restore-request-object restore.json",
        f"az dataprotection backup-instance restore trigger -g {g} --vault-name {v} --backup-instance-name {i} "
        "--restore-request-object restore.json",
        f"az dataprotection job list -g {g} --vault-name {v} -o table   # wait for the restore job to complete",
        f"# 4. Stop {vm}: the disk mounted at /data (F: on Windows) changes under it",
        f"az vm deallocate -g {g} -n {vm}",
        f"# 5. In Pulumi.{stack}.yaml set dsvm:{path}: {target}",
        f"pulumi preview --diff --stack {stack}   # offline: dsvmctl diff --stack {stack}; this plan is below",
        f"pulumi up --stack {stack}",
        f"az vm start -g {g} -n {vm}",
        f"# 6. When the member is satisfied: the original {source} stays, protected, with its backups "
        "(docs/RESTORE.md says how to let it go)",
    ]


def restore(
    stack: StackOption,
    unit: Annotated[str, typer.Argument(help="The member (team) or rig (gpu_rig) whose data disk to restore.")],
    point: Annotated[
        str,
        typer.Option("--point", help="The recovery point: the newest at or before YYYY-MM-DDTHH:MM (UTC; a day "
                     "alone is its 00:00), or latest."),
    ],
    as_json: JsonOption = False,
    quota_profile: QuotaOption = None,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Plan restoring UNIT's data disk from a backup, offline: which recovery point, the new disk, the commands, and
    the diff of attaching it (the original disk is kept). Reads the saved state of `dsvmctl up`; writes nothing.
    docs/RESTORE.md."""
    from rich.markup import escape

    from dsvmctl.diff_view import print_diff
    from dsvmctl.options import EXIT_BAD_INPUT, EXIT_REFUSED, console_out, fail, handled, store_at
    from dsvmctl.project import find_project_dir

    directory = project_dir or find_project_dir()
    with handled(stack):
        try:
            planned = plan_restore(directory, stack, unit, point, store_at(directory, state_dir), quota_profile)
        except RestoreError as error:
            raise fail(EXIT_BAD_INPUT, escape(str(error))) from None
    if as_json:
        sys.stdout.write(json.dumps(planned.to_json(), indent=2) + "\n")
    else:
        out = console_out()
        held = ", ".join(f"{p:%m-%d %H:%M}" for p in planned.points)
        out.print(f"[bold]Restore drill[/]: {unit}'s data disk from the recovery point of "
                  f"{planned.point:%Y-%m-%d %H:%M} UTC of {planned.source_disk.rsplit('/', 1)[-1]} "
                  f"({len(planned.points)} held: {held})", highlight=False)
        for line in planned.commands:
            out.print(escape(line), highlight=False, style="dim" if line.startswith("#") else None)
        out.print("\n[bold]What attaching the restored disk does[/] (dsvmctl diff with the config of step 5):")
        print_diff(out, planned.document)
        if planned.restored_monthly is not None:
            out.print(f"The restored disk bills like its source, ${planned.restored_monthly:,.2f}/month, while both "
                      "exist: the estimate above leaves out disks the stack attaches by id.", highlight=False)
    if planned.document.get("errors"):
        raise typer.Exit(EXIT_REFUSED)
