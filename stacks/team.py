"""The `team` stack: one DSVM per member on one pinned image, shared network and storage."""

from __future__ import annotations

from typing import Any

from components import DataDisk, DataDiskArgs, Workstation, WorkstationArgs
from stacks.backup import attached_disk, backup_outputs, protect, stack_vault
from stacks.config import TeamStackConfig
from stacks.connections import Target, connection_info
from stacks.cost_controls import idle_role_id, idle_stop_of, wants_idle_role
from stacks.foundation import build_foundation, os_disk_of
from stacks.patching import hold, patching_of, patching_outputs


def build_team(config: TeamStackConfig, stack: str, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Compose the team stack; returns the stack outputs. ``only``: just these members (the shared
    resources always), for a plan made in parts."""
    base = build_foundation(config, stack, config.storage, [m.container_name for m in config.members])
    tags, rg_name, rg_plain, net, store = base.tags, base.rg_name, base.rg_plain, base.net, base.store
    bastion, image, schedule, subscription_id = base.bastion, base.image, base.schedule, base.subscription_id
    containers = base.containers
    role = idle_role_id(base) if wants_idle_role(config) else None
    vault = stack_vault(config, base, config.location)
    patching = patching_of(config, base)
    members: dict[str, Any] = {}
    for member in config.members:
        if only is not None and member.username not in only:
            continue
        disk = DataDisk(
            f"{member.username}-data",
            DataDiskArgs(
                resource_group_name=rg_name,
                location=config.location,
                size_gb=member.data_disk.size_gb,
                sku=member.data_disk.sku,
                existing_disk_resource_id=member.data_disk.existing_disk_resource_id,
                tags=tags,
            ),
        )
        backup = protect(vault, f"{member.username}-data", disk, member.data_disk, rg_plain)
        if member.leaving:
            members[member.username] = {"leaving": True, "data_disk_id": disk.disk_id, "backup_instance": backup}
            continue
        ws = Workstation(
            member.username,
            WorkstationArgs(
                resource_group_name=rg_name,
                location=config.location,
                subscription_id=subscription_id,
                username=member.username,
                vm_size=member.vm_size or config.vm_size,
                image=image,
                subnet_id=net.subnet_id,
                data_disk_id=attached_disk(disk, member.data_disk)[0],
                data_disk_size_gb=attached_disk(disk, member.data_disk)[1],
                storage_container_id=store.container_ids[member.container_name],
                auto_shutdown=schedule,
                ssh_public_key=member.ssh_public_key,
                public_ip_enabled=config.access.public_ip_enabled,
                entra_login_enabled=member.entra_login_enabled,
                entra_object_id=member.entra_object_id,
                idle_stop=hold(idle_stop_of(config, member.idle_stop, role), config),
                patching=patching,
                os_disk=os_disk_of(config, member.os_disk),
                tags=tags,
            ),
        )
        target = Target(
            username=member.username,
            windows=config.is_windows,
            entra_login=member.entra_login_enabled,
            rstudio=config.rstudio_enabled,
            vm_id=ws.vm_id,
            resource_group=rg_plain,
            private_ip=ws.private_ip,
            public_ip=ws.public_ip,
        )
        members[member.username] = {**connection_info(target, bastion, ws.local_password), "backup_instance": backup}

    return {
        "resource_group_name": rg_name,
        "members": members,
        "backup": backup_outputs(config, base),
        "patching": patching_outputs(config, base),
        "storage": {
            "account_name": store.account_name,
            "blob_endpoint": store.primary_endpoints.apply(lambda e: e.blob),
            "dfs_endpoint": store.primary_endpoints.apply(lambda e: e.dfs),
            "containers": containers,
        },
    }
