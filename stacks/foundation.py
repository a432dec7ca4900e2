"""What every stack kind stands on: tags, the resource group, the network, the storage account, the budget.

``build_foundation`` registers them in this order (resource group, Network, Storage), so
a kind that uses it plans the same resources, URNs and private IPs as before it existed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_azure_native.authorization as authorization
import pulumi_azure_native.resources as resources

from components import Network, NetworkArgs, Storage, StorageArgs
from components.types import AccessPolicy, ImageReference, OsDisk, ShutdownSchedule
from stacks.config import PROJECT
from stacks.config.os_disk import OsDiskOverride
from stacks.config.stack import BaseStackConfig
from stacks.config.storage import StorageConfig
from stacks.connections import Bastion
from stacks.cost_controls import stack_budget

SHARED_CONTAINER = "shared"


def stack_tags(config: BaseStackConfig, stack: str) -> dict[str, str]:
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


def os_disk_of(config: BaseStackConfig, own: OsDiskOverride | None) -> OsDisk:
    """One machine's OS disk: the stack's ``os_disk`` with the keys the machine sets itself."""
    disk = config.os_disk.merged(own)
    return OsDisk(disk.sku, disk.size_gb)


@dataclass
class Foundation:
    """The shared pieces a kind builds its machines on."""

    tags: dict[str, str]
    prefix: str
    subscription_id: pulumi.Output[str]
    rg_name: pulumi.Input[str]
    rg_plain: str
    net: Network
    store: Storage
    bastion: Bastion | None
    image: ImageReference
    schedule: ShutdownSchedule
    containers: list[str]


def build_foundation(
    config: BaseStackConfig, stack: str, storage: StorageConfig, containers: Sequence[str]
) -> Foundation:
    """Register the resource group (unless the config names an existing one), Network and Storage."""
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
                bastion_scale_units=config.access.bastion_scale_units,
                existing_bastion_sku=config.access.existing_bastion_sku,
            ),
            address_space=config.network.address_space,
            workstation_subnet=config.network.workstation_subnet,
            bastion_subnet=config.network.bastion_subnet,
            windows=config.is_windows,
            rstudio_enabled=config.rstudio_enabled,
            ssh_service_tags=config.ssh_service_tags(),
            tags=tags,
        ),
    )
    all_containers = [SHARED_CONTAINER, *containers]
    store = Storage(
        f"{prefix}-storage",
        StorageArgs(
            resource_group_name=rg_name,
            location=config.location,
            account_name=storage.account_name or default_storage_account_name(stack, rg_plain),
            containers=all_containers,
            allowed_subnet_ids=[net.subnet_id],  # the workstations reach storage; nothing else does
            hns_enabled=storage.hns_enabled,
            soft_delete_days=storage.soft_delete_days,
            versioning=storage.versioning,
            restore_days=storage.restore_days,
            sku=storage.sku,
            tags=tags,
        ),
    )

    bastion = (
        Bastion(net.bastion_name, net.bastion_resource_group, config.access.sku.name if config.access.sku else "",
                net.bastion_subscription)
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
    foundation = Foundation(
        tags, prefix, subscription_id, rg_name, rg_plain, net, store, bastion, image, schedule, all_containers
    )
    stack_budget(config, foundation)  # when the config sets one
    return foundation
