"""DataDisk: a member's data disk, new (protected, retained) or existing (by id)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.compute as compute

from components.common import child_opts


@dataclass(frozen=True)
class DataDiskArgs:
    """Inputs of ``DataDisk``: either a size and SKU, or ``existing_disk_resource_id``."""

    resource_group_name: pulumi.Input[str]
    location: str
    size_gb: int = 128
    sku: str = "Premium_LRS"
    existing_disk_resource_id: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


class DataDisk(pulumi.ComponentResource):
    """The disk that holds a member's data; it outlives every VM it is attached to.

    A new disk is ``protect``-ed and ``retain_on_delete``: neither a VM replacement
    nor ``pulumi destroy`` deletes it. An existing disk is only referenced: the
    program never manages (so never deletes) it.
    """

    disk_id: pulumi.Output[str]

    def __init__(self, name: str, args: DataDiskArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:DataDisk", name, None, opts)
        self.disk: compute.Disk | None = None
        if args.existing_disk_resource_id:
            self.disk_id = pulumi.Output.from_input(args.existing_disk_resource_id)
        else:
            self.disk = compute.Disk(
                f"{name}-disk",
                disk_name=f"{name}-disk",
                resource_group_name=args.resource_group_name,
                location=args.location,
                sku=compute.DiskSkuArgs(name=args.sku),
                disk_size_gb=args.size_gb,
                creation_data=compute.CreationDataArgs(create_option="Empty"),
                tags=dict(args.tags),
                opts=child_opts(
                    self,
                    protect=True,
                    retain_on_delete=True,
                    # Azure refuses to change how a disk was created: replace instead of update.
                    replace_on_changes=["creationData"],
                ),
            )
            self.disk_id = self.disk.id
        self.register_outputs({"disk_id": self.disk_id})
