"""The change matrix: every config key a user can change, changed on a deployed stack.

For each key of the stack config models (walked from the models, so a new key
without a row here fails the test), ``CHANGES`` says how a user would change it;
``row`` deploys the ``dev`` stack to a fresh emulator, applies the change and
classifies the plan (update / replace / delete / refused) with what it does to
the running VMs and to data. ``python -m dsvmctl.change_matrix`` writes
docs/CHANGES.md from the rows (``--check``: exit 1 when the file is stale; the
test suite runs the same comparison).
"""

from __future__ import annotations

import argparse
import copy
import functools
import json
import sys
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from dsvmctl.lifecycle import apply, plan_against
from dsvmctl.project import StackFile, read_stack
from dsvmctl.state import SavedState
from fakeazure import FakeAzure

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "CHANGES.md"
STACK = "dev"

Config = dict[str, Any]  # the stack file's namespaced keys, values as YAML gives them


def _member(index: int, **changes: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config["dsvm:members"][index].update(changes)

    return change


def _set(key: str, value: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[key] = copy.deepcopy(value)

    return change


def _merge(key: str, **values: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        config[key] = {**(config.get(key) or {}), **copy.deepcopy(values)}

    return change


def _member_disk(index: int, **values: Any) -> Callable[[Config], None]:
    def change(config: Config) -> None:
        member = config["dsvm:members"][index]
        member["data_disk"] = {**(member.get("data_disk") or {}), **values}

    return change


_OTHER_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIG2N9j80sbaY1nmljEToRcN55XktyW4TR4LTP2exYzp alice@new-laptop"
_DISK_ID = (
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-data/providers/Microsoft.Compute/disks/old"
)
_ENTRA_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
_BASTION_ID = (
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/"
    "bastionHosts/hub-bastion"
)


@dataclass(frozen=True)
class Change:
    """How a user changes one config key, in words and as an edit of the dev stack file."""

    key: str
    what: str
    edit: Callable[[Config], None]


# One row per config key (``members[]`` keys apply to one member). Keys that only make sense
# together are changed together, as a user would.
CHANGES: tuple[Change, ...] = (
    Change("location", "westeurope -> northeurope", _set("azure-native:location", "northeurope")),
    Change("owner", "another owner", _set("dsvm:owner", "ml-platform@contoso.com")),
    Change("cost_center", "another cost center", _set("dsvm:cost_center", "CC-9000")),
    Change("resource_group_name", "deploy into an existing group", _set("dsvm:resource_group_name", "rg-shared")),
    Change("tags", "add a tag", _set("dsvm:tags", {"project": "churn"})),
    Change("access.mode", "bastion -> allowlist", _set("dsvm:access", {"mode": "allowlist",
                                                                      "allowed_cidrs": ["203.0.113.0/24"]})),
    Change("access.allowed_cidrs", "allowlist ranges (with mode allowlist)",
           _set("dsvm:access", {"mode": "allowlist", "allowed_cidrs": ["198.51.100.0/24"]})),
    Change("access.public_ip_enabled", "public IPs (with mode allowlist)",
           _set("dsvm:access", {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True})),
    Change("access.bastion_sku", "Standard -> Basic", _merge("dsvm:access", bastion_sku="Basic")),
    Change("access.bastion_sku ", "Standard -> Developer (free, shared pool)",
           _merge("dsvm:access", bastion_sku="Developer")),
    Change("access.bastion_sku  ", "Standard -> Premium", _merge("dsvm:access", bastion_sku="Premium")),
    Change("access.bastion_scale_units", "2 -> 4 Bastion instances", _merge("dsvm:access", bastion_scale_units=4)),
    Change("access.existing_bastion_resource_id", "use a shared hub Bastion (with existing_bastion_subnet)",
           _merge("dsvm:access", existing_bastion_resource_id=_BASTION_ID, existing_bastion_subnet="10.0.255.0/26")),
    Change("access.existing_bastion_sku", "the hub Bastion is Basic (with existing_bastion_resource_id)",
           _merge("dsvm:access", existing_bastion_resource_id=_BASTION_ID, existing_bastion_subnet="10.0.255.0/26",
                  existing_bastion_sku="Basic")),
    Change("access.existing_bastion_subnet", "(with existing_bastion_resource_id)",
           _merge("dsvm:access", existing_bastion_resource_id=_BASTION_ID, existing_bastion_subnet="10.0.254.0/26")),
    Change("network.address_space", "10.50.0.0/16 -> 10.50.0.0/15",
           _merge("dsvm:network", address_space="10.50.0.0/15")),
    Change("network.workstation_subnet", "10.50.1.0/24 -> 10.50.2.0/24",
           _merge("dsvm:network", workstation_subnet="10.50.2.0/24")),
    Change("network.bastion_subnet", "10.50.255.0/26 -> 10.50.254.0/26",
           _merge("dsvm:network", bastion_subnet="10.50.254.0/26")),
    Change("image.os", "ubuntu-2204 -> ubuntu-2004", _set("dsvm:image", {"os": "ubuntu-2004", "version": "25.01.14"})),
    Change("image.version", "25.05.20 -> 25.09.15", _merge("dsvm:image", version="25.09.15")),
    Change("auto_shutdown.enabled", "turn auto-shutdown off", _merge("dsvm:auto_shutdown", enabled=False)),
    Change("auto_shutdown.time", "19:00 -> 18:00", _merge("dsvm:auto_shutdown", time="1800")),
    Change("auto_shutdown.time_zone", "another time zone",
           _merge("dsvm:auto_shutdown", time_zone="GMT Standard Time")),
    Change("auto_shutdown.notification_email", "warn by e-mail",
           _merge("dsvm:auto_shutdown", notification_email="team@contoso.com")),
    Change("rstudio_enabled", "open RStudio's port", _set("dsvm:rstudio_enabled", True)),
    Change("idle_stop.enabled", "turn idle stop off", _merge("dsvm:idle_stop", enabled=False)),
    Change("idle_stop.idle_minutes", "60 -> 90 idle minutes", _merge("dsvm:idle_stop", idle_minutes=90)),
    Change("idle_stop.warn_minutes", "10 -> 5 minutes' warning", _merge("dsvm:idle_stop", warn_minutes=5)),
    Change("idle_stop.cpu_percent", "busy from 10 -> 20 % CPU", _merge("dsvm:idle_stop", cpu_percent=20)),
    Change("idle_stop.gpu_percent", "busy from 5 -> 10 % GPU", _merge("dsvm:idle_stop", gpu_percent=10)),
    Change("idle_stop.active_hours_per_week", "assume 25 -> 40 active h/week (estimate only)",
           _merge("dsvm:idle_stop", active_hours_per_week=40)),
    Change("budget.amount", "530 -> 600", _merge("dsvm:budget", amount=600)),
    Change("budget.contacts", "alert one more address", _merge("dsvm:budget", contacts=["finops@contoso.com"])),
    Change("budget.start_date", "move the first month to 2027-01-01",
           _merge("dsvm:budget", start_date="2027-01-01")),
    Change("cost_cap_monthly", "cap the estimate at 300 USD/month (policy advice only)",
           _set("dsvm:cost_cap_monthly", 300)),
    Change("backup.enabled", "turn disk backups off", _merge("dsvm:backup", enabled=False)),
    Change("backup.redundancy", "LocallyRedundant -> ZoneRedundant vault",
           _merge("dsvm:backup", redundancy="ZoneRedundant")),
    Change("backup.every_hours", "daily -> every 12 hours", _merge("dsvm:backup", every_hours=12)),
    Change("backup.time", "02:00 -> 03:00 UTC", _merge("dsvm:backup", time="0300")),
    Change("backup.retention_days", "keep 7 -> 30 days", _merge("dsvm:backup", retention_days=30)),
    Change("backup.soft_delete_days", "vault soft delete 14 -> 30 days", _merge("dsvm:backup", soft_delete_days=30)),
    Change("patching.enabled", "turn patching off", _merge("dsvm:patching", enabled=False)),
    Change("patching.day", "Saturday -> Sunday window", _merge("dsvm:patching", day="Sunday")),
    Change("patching.start", "02:00 -> 01:00", _merge("dsvm:patching", start="0100")),
    Change("patching.duration", "03:00 -> 02:00 long", _merge("dsvm:patching", duration="02:00")),
    Change("patching.reboot", "IfRequired -> Never", _merge("dsvm:patching", reboot="Never")),
    Change("patching.start_stopped_vms", "stop starting the VMs for the window",
           _merge("dsvm:patching", start_stopped_vms=False)),
    Change("patching.start_lead_minutes", "30 -> 60 minutes before", _merge("dsvm:patching", start_lead_minutes=60)),
    Change("patching.classifications", "install Other updates too",
           _merge("dsvm:patching", classifications=["Critical", "Security", "Other"])),
    Change("os_disk.sku", "Premium_LRS -> StandardSSD_LRS", _merge("dsvm:os_disk", sku="StandardSSD_LRS")),
    Change("os_disk.size_gb", "grow the image's 150 -> 256 GiB", _merge("dsvm:os_disk", size_gb=256)),
    Change("vm_size", "Standard_D4s_v5 -> Standard_D8s_v5", _set("dsvm:vm_size", "Standard_D8s_v5")),
    Change("storage.account_name", "rename the account", _merge("dsvm:storage", account_name="dsvmrenamed01")),
    Change("storage.hns_enabled", "ADLS Gen2 on -> off", _merge("dsvm:storage", hns_enabled=False)),
    Change("storage.soft_delete_days", "14 -> 30 days", _merge("dsvm:storage", soft_delete_days=30)),
    Change("storage.sku", "Standard_LRS -> Standard_GRS", _merge("dsvm:storage", sku="Standard_GRS")),
    Change("storage.versioning_enabled", "blob versioning on (the account is ADLS Gen2)",
           _merge("dsvm:storage", versioning_enabled=True)),
    Change("storage.point_in_time_restore_days", "restore 7 days back (the account is ADLS Gen2)",
           _merge("dsvm:storage", point_in_time_restore_days=7)),
    Change("members[].username", "rename a member", _member(0, username="alicia")),
    Change("members[].ssh_public_key", "rotate a member's key", _member(0, ssh_public_key=_OTHER_KEY)),
    Change("members[].vm_size", "one member on Standard_D8s_v5", _member(0, vm_size="Standard_D8s_v5")),
    Change("members[].data_disk.size_gb", "grow 128 -> 256 GiB", _member_disk(0, size_gb=256)),
    Change("members[].data_disk.size_gb ", "shrink 256 -> 64 GiB", _member_disk(1, size_gb=64)),
    Change("members[].data_disk.sku", "Premium_LRS -> StandardSSD_LRS", _member_disk(0, sku="StandardSSD_LRS")),
    Change("members[].os_disk.sku", "one member's OS disk to Standard_LRS (HDD)",
           _member(0, os_disk={"sku": "Standard_LRS"})),
    Change("members[].os_disk.size_gb", "one member's OS disk to 512 GiB", _member(0, os_disk={"size_gb": 512})),
    Change("members[].data_disk.existing_disk_resource_id", "attach an existing disk instead",
           _member_disk(0, existing_disk_resource_id=_DISK_ID)),
    Change("members[].data_disk.backup_enabled", "one member's disk opts out of backups",
           _member_disk(0, backup_enabled=False)),
    Change("members[].data_disk.restored_disk_resource_id", "attach the disk a restore made (dsvmctl restore)",
           _member_disk(0, restored_disk_resource_id=_DISK_ID.replace("/rg-data/", "/rg-dsvm-dev/").replace(
               "/old", "/alice-data-r202612080200"))),
    Change("members[].entra_login_enabled", "Entra ID login (with entra_object_id)",
           _member(0, entra_login_enabled=True, entra_object_id=_ENTRA_ID)),
    Change("members[].entra_object_id", "(with entra_login_enabled)",
           _member(0, entra_login_enabled=True, entra_object_id=_ENTRA_ID)),
    Change("members[].idle_stop.enabled", "one member opts out of idle stop",
           _member(0, idle_stop={"enabled": False})),
    Change("members[].idle_stop.idle_minutes", "one member stops after 120 idle minutes",
           _member(0, idle_stop={"idle_minutes": 120})),
    Change("members[].idle_stop.warn_minutes", "one member warned 15 minutes ahead",
           _member(0, idle_stop={"warn_minutes": 15})),
    Change("members[].idle_stop.cpu_percent", "one member busy from 25 % CPU",
           _member(0, idle_stop={"cpu_percent": 25})),
    Change("members[].idle_stop.gpu_percent", "one member busy from 20 % GPU",
           _member(0, idle_stop={"gpu_percent": 20})),
    Change("members[].idle_stop.active_hours_per_week", "one member assumed at 40 h/week (estimate only)",
           _member(0, idle_stop={"active_hours_per_week": 40})),
    Change("members[].leaving", "offboard a member", _member(1, leaving=True)),
    Change("members", "add a member", lambda c: c["dsvm:members"].append(
        {"username": "carol", "ssh_public_key": _OTHER_KEY})),
)  # fmt: skip


def config_keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf key a user can set, from the models (lists of models as ``name[].field``)."""
    keys: list[str] = []
    for name, info in model.model_fields.items():
        if name == "kind":
            continue
        path = f"{prefix}{name}"
        nested = _model_of(info.annotation)
        if nested is None:
            keys.append(path)
        else:
            model_type, is_list = nested
            keys += config_keys(model_type, f"{path}[]." if is_list else f"{path}.")
    return keys


def _model_of(annotation: Any) -> tuple[type[BaseModel], bool] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    origin = get_origin(annotation)
    if origin in (tuple, list):
        inner = _model_of(get_args(annotation)[0])
        return (inner[0], True) if inner else None
    if origin in (Union, types.UnionType):
        for arg in get_args(annotation):
            inner = _model_of(arg)
            if inner:
                return inner
    return None


@dataclass
class Row:
    """What one change does: the plan's changes per resource type, effects, refusals, or a plan error."""

    key: str
    what: str
    changes: dict[str, list[str]] = field(default_factory=dict)  # "update"/"replace"/... -> resource types
    effects: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)
    plan_error: str | None = None
    document: dict[str, Any] | None = None
    planned: tuple[FakeAzure, dict[str, Any]] | None = None  # the emulator after planning, and the head plan

    @property
    def verdict(self) -> str:
        if self.plan_error:
            return "refused before planning"
        if self.refusals:
            return "refused"
        if self.changes.get("replace"):
            return "replace"
        if self.changes.get("delete"):
            return "delete"
        if self.changes.get("update") or self.changes.get("create"):
            return "in place"
        return "no change"


def deployed(project_dir: Path = ROOT) -> tuple[StackFile, SavedState]:
    """The dev stack file and its state after ``up`` on a fresh emulator."""
    stack_file = read_stack(project_dir, STACK)
    backend, head, document = plan_against(project_dir, STACK, None, stack_file=stack_file)
    apply(backend, document)
    return stack_file, SavedState(STACK, head, backend.to_json())


def with_config(stack_file: StackFile, config: Config) -> StackFile:
    """A stack file holding ``config`` (values encoded as the engine hands them over)."""
    encoded = {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}
    return StackFile(stack_file.name, stack_file.path, encoded, stack_file.secret_keys)


def decoded(stack_file: StackFile) -> Config:
    from stacks.config import decode_value

    return {k: decode_value(v) for k, v in stack_file.config.items()}


def row(change: Change, base: tuple[StackFile, SavedState], project_dir: Path = ROOT) -> Row:
    """Apply ``change`` to the deployed dev stack and classify the plan."""
    from fakeazure import ArmError, FakeAzureError
    from stacks.config import ConfigError

    stack_file, saved = base
    config = decoded(stack_file)
    change.edit(config)
    result = Row(change.key.strip(), change.what)
    try:
        backend, head, document = plan_against(project_dir, STACK, saved, stack_file=with_config(stack_file, config))
    except (ConfigError, ArmError, FakeAzureError) as error:
        result.plan_error = f"{type(error).__name__}: {str(error).splitlines()[-1].strip()}"
        return result
    result.document = document
    result.planned = (backend, head)
    for resource in document["resources"]:
        kind = resource.get("change", "same")
        if kind != "same" and not resource["type"].startswith("dsvm:"):
            short = resource["type"].rsplit(":", 1)[-1]
            if short not in result.changes.setdefault(kind, []):
                result.changes[kind].append(short)
        result.effects += [e for e in resource.get("effects") or [] if e not in result.effects]
    result.refusals = sorted({f"{e['code']} ({e['type'].rsplit(':', 1)[-1]})" for e in document["errors"]})
    return result


@functools.lru_cache(maxsize=1)
def deployed_dev() -> tuple[StackFile, SavedState]:
    """``deployed()`` of this project, made once per process (rows never change it)."""
    return deployed()


def rows(project_dir: Path = ROOT) -> list[Row]:
    base = deployed(project_dir)
    return [row(change, base, project_dir) for change in CHANGES]


def _cell(text: str) -> str:
    return text.replace("|", "/")


def render_row(r: Row) -> str:
    """One row of the table in docs/CHANGES.md."""
    symbols = {"create": "+", "update": "~", "replace": "±", "delete": "-"}
    resources = "; ".join(
        f"{symbols[kind]} {', '.join(types_)}" for kind, types_ in sorted(r.changes.items()) if kind in symbols
    )
    effects = "; ".join(sorted(set(r.effects))) or ("none" if not r.plan_error else "")
    refused = ", ".join(r.refusals) or (r.plan_error or "")
    return f"| `{r.key}` | {_cell(r.what)} | {r.verdict} | {_cell(resources)} | {_cell(effects)} | {_cell(refused)} |"


def render(computed: Sequence[Row]) -> str:
    """The whole of docs/CHANGES.md."""
    lines = [
        "# What a config change does",
        "",
        "<!-- Generated by `python -m dsvmctl.change_matrix` from dsvmctl/change_matrix.py. Do not edit by hand:",
        "     a test fails when this file is stale. -->",
        "",
        "Each row changes one key of the deployed `dev` stack (Pulumi.dev.yaml) and shows what the",
        "offline plan does: which resources are updated in place (`~`), replaced (`±`), created (`+`) or",
        "deleted (`-`), what that does to the running VMs and to data, and what Azure or Pulumi would",
        "refuse. A refused change is never applied: `dsvmctl diff`, `up` and the PR comment exit 2 with",
        "the way out. Data disks and storage survive every row that is not refused.",
        "",
        "| key | change | verdict | resources | running VMs and data | refused by |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [render_row(r) for r in computed]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Write docs/CHANGES.md, or with ``--check`` exit 1 when it is stale."""
    parser = argparse.ArgumentParser(prog="python -m dsvmctl.change_matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/CHANGES.md is out of date")
    args = parser.parse_args(argv)
    text = render(rows())
    if args.check:
        if not OUTPUT.is_file() or OUTPUT.read_text() != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date; run: python -m dsvmctl.change_matrix", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
