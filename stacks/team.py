"""The `team` stack: one DSVM per member on one pinned image, shared network and storage."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.resources as resources

from components import DataDisk, DataDiskArgs, Network, NetworkArgs, Storage, StorageArgs, Workstation, WorkstationArgs
from components.types import AccessPolicy, ImageReference, ShutdownSchedule
from stacks.config import PROJECT, TeamStackConfig
from stacks.connections import Bastion, Target, connection_info

SHARED_CONTAINER = "shared"


def stack_tags(config: TeamStackConfig, stack: str) -> dict[str, str]:
    """Tags on every resource: owner, cost-center, stack, plus the config's own."""
    return {
        "owner": config.owner,
        "cost-center": config.cost_center,
        "stack": stack,
        "managed-by": "pulumi",
        **config.tags,
    }


def default_storage_account_name(stack: str, resource_group: str) -> str:
    """A stable, globally-unlikely-to-clash name: `dsvm` + stack + 8 hex of project/stack/rg."""
    base = re.sub(r"[^a-z0-9]", "", stack.lower())[:12]
    digest = hashlib.sha256(f"{PROJECT}/{stack}/{resource_group}".encode()).hexdigest()[:8]
    return f"{PROJECT}{base}{digest}"


def build_team(config: TeamStackConfig, stack: str) -> dict[str, Any]:
    """Compose the team stack; returns the stack outputs."""
    tags = stack_tags(config, stack)
    prefix = f"{PROJECT}-{stack}"
    subscription_id = authorization.get_client_config_output().subscription_id

    if config.resource_group_name:
        rg_name: pulumi.Input[str] = config.resource_group_name
        rg_plain = config.resource_group_name
    else:
        rg_plain = f"rg-{prefix}"
        # The group holds the protected, retained data disks and storage: Azure deletes a group's
        # resources with it, so the group is protected and retained as well.
        rg = resources.ResourceGroup(
            rg_plain,
            resource_group_name=rg_plain,
            location=config.location,
            tags=tags,
            opts=pulumi.ResourceOptions(protect=True, retain_on_delete=True),
        )
        rg_name = rg.name

    net = Network(
        prefix,
        NetworkArgs(
            resource_group_name=rg_name,
            location=config.location,
            access=AccessPolicy(
                config.access.mode,
                tuple(config.access.allowed_cidrs),
                bastion_sku=config.access.bastion_sku,
                existing_bastion_id=config.access.existing_bastion_resource_id,
                existing_bastion_subnet=config.access.existing_bastion_subnet,
            ),
            address_space=config.network.address_space,
            workstation_subnet=config.network.workstation_subnet,
            bastion_subnet=config.network.bastion_subnet,
            windows=config.is_windows,
            rstudio_enabled=config.rstudio_enabled,
            tags=tags,
        ),
    )
    containers = [SHARED_CONTAINER, *(m.container_name for m in config.members)]
    store = Storage(
        f"{prefix}-storage",
        StorageArgs(
            resource_group_name=rg_name,
            location=config.location,
            account_name=config.storage.account_name or default_storage_account_name(stack, rg_plain),
            containers=containers,
            allowed_subnet_ids=[net.subnet_id],  # the workstations reach storage; nothing else does
            hns_enabled=config.storage.hns_enabled,
            soft_delete_days=config.storage.soft_delete_days,
            sku=config.storage.sku,
            tags=tags,
        ),
    )

    bastion = (
        Bastion(net.bastion_name, net.bastion_resource_group, config.access.native_client)
        if net.bastion_name is not None and net.bastion_resource_group is not None
        else None
    )
    image = ImageReference.of(config.image.facts, config.image.version)
    schedule = ShutdownSchedule(
        enabled=config.auto_shutdown.enabled,
        time=config.auto_shutdown.time,
        time_zone=config.auto_shutdown.time_zone,
        notification_email=config.auto_shutdown.notification_email,
    )
    members: dict[str, Any] = {}
    for member in config.members:
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
        if member.leaving:
            members[member.username] = {"leaving": True, "data_disk_id": disk.disk_id}
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
                data_disk_id=disk.disk_id,
                data_disk_size_gb=None if member.data_disk.existing_disk_resource_id else member.data_disk.size_gb,
                storage_container_id=store.container_ids[member.container_name],
                auto_shutdown=schedule,
                ssh_public_key=member.ssh_public_key,
                public_ip_enabled=config.access.public_ip_enabled,
                entra_login_enabled=member.entra_login_enabled,
                entra_object_id=member.entra_object_id,
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
        members[member.username] = connection_info(target, bastion, ws.local_password)

    return {
        "resource_group_name": rg_name,
        "members": members,
        "storage": {
            "account_name": store.account_name,
            "blob_endpoint": store.primary_endpoints.apply(lambda e: e.blob),
            "dfs_endpoint": store.primary_endpoints.apply(lambda e: e.dfs),
            "containers": containers,
        },
    }
