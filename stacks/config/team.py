"""The ``team`` stack kind: one DSVM per member on one pinned image, shared network and storage."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from azurefacts.quotas import Need
from azurefacts.sizes import VM_SIZES
from stacks.config.base import PROMOTED, PathError
from stacks.config.image import check_vm_size
from stacks.config.members import MemberConfig
from stacks.config.os_disk import DiskUse
from stacks.config.patching import WorkstationStack
from stacks.config.stack import BaseStackConfig, Unit
from stacks.config.storage import StorageConfig


class TeamStackConfig(WorkstationStack, BaseStackConfig):
    """`team`: one DSVM per member on one pinned image, shared network and storage."""

    kind: Literal["team"] = Field(description="Required. `team`.")
    vm_size: str = Field(
        default="Standard_D4s_v5",
        description="Optional. VM size of every workstation unless a member overrides it.",
        json_schema_extra=PROMOTED,
    )
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Optional. Shared storage account.")
    members: tuple[MemberConfig, ...] = Field(min_length=1, description="Required. The team members (at least one).")

    def external_resources(self) -> list[tuple[str, str, str]]:
        found = super().external_resources()
        for i, member in enumerate(self.members):
            if member.data_disk.existing_disk_resource_id:
                path = f"members[{i}].data_disk.existing_disk_resource_id"
                found.append(("disk", member.data_disk.existing_disk_resource_id, path))
        return found

    def units(self) -> list[Unit]:
        return [
            Unit(m.username, (m.username, f"{m.username}-data"), None if m.leaving else f"{m.username}-nic")
            for m in self.members
        ]

    def idle_stop_overrides(self) -> list[tuple[str, object]]:
        return [(f"members[{i}]", m.idle_stop) for i, m in enumerate(self.members) if not m.leaving]

    def disk_uses(self) -> list[DiskUse]:
        uses = []
        for i, m in enumerate(self.members):
            if m.leaving:
                continue
            size = (f"members[{i}].vm_size", m.vm_size) if m.vm_size else ("vm_size", self.vm_size)
            new_disk = m.data_disk.existing_disk_resource_id is None
            data = (f"members[{i}].data_disk.sku", m.data_disk.sku) if new_disk else None
            uses.append(DiskUse(f"members[{i}]", m.os_disk, (size,), data))
        return uses

    def quota_needs(self, mode: str = "current") -> list[Need]:
        sizes = [m.vm_size or self.vm_size for m in self.members if not m.leaving]
        return [Need(size) for size in sizes if size in VM_SIZES]

    def vm_sizes(self) -> list[str]:
        return [self.vm_size, *(m.vm_size for m in self.members if m.vm_size and not m.leaving)]

    @field_validator("vm_size")
    @classmethod
    def _size(cls, value: str) -> str:
        return check_vm_size(value)

    @model_validator(mode="after")
    def _members(self) -> TeamStackConfig:
        seen: set[str] = set()
        attached: dict[str, int] = {}
        for i, member in enumerate(self.members):
            where = f"members[{i}]"
            if member.container_name in seen:
                raise PathError(
                    f"{where}.username",
                    f"'{member.username}' appears twice (or differs from another only by '_' vs '-', "
                    f"which share the container {member.container_name}); usernames must be unique",
                )
            seen.add(member.container_name)
            if member.vm_size is not None:
                check_vm_size(member.vm_size, f"{where}.vm_size")
            if self.is_windows:
                if member.entra_login_enabled:
                    raise PathError(
                        f"{where}.entra_login_enabled",
                        "Entra ID login is not supported on Windows DSVMs (AADLoginForWindows does "
                        "not support their Windows Server 2019/2022 bases); remove it",
                    )
                if member.ssh_public_key:
                    raise PathError(f"{where}.ssh_public_key", "Windows images do not use SSH keys; remove it")
                if len(member.username) > 15:
                    raise PathError(
                        f"{where}.username",
                        f"'{member.username}' is longer than 15 characters, the Windows computer name limit; "
                        "shorten it",
                    )
            elif not member.ssh_public_key:
                raise PathError(
                    f"{where}.ssh_public_key",
                    "Linux workstations log in with SSH keys only; paste the contents of ~/.ssh/id_ed25519.pub",
                )
            disk_id = member.data_disk.existing_disk_resource_id
            if disk_id is not None:
                other = attached.setdefault(disk_id.lower(), i)
                if other != i:
                    raise PathError(
                        f"{where}.data_disk.existing_disk_resource_id",
                        f"the disk is already members[{other}]'s data disk, and a managed disk attaches to one "
                        "VM only; give each member their own disk",
                    )
        subnet = ipaddress.IPv4Network(self.network.workstation_subnet)
        room = subnet.num_addresses - 5  # Azure reserves 5 addresses of every subnet
        if len(self.members) > room:
            raise PathError(
                "network.workstation_subnet",
                f"{subnet} has room for {room} workstations (Azure reserves 5 addresses per subnet) and the "
                f"stack has {len(self.members)} members; {_larger_subnet(self, len(self.members))}",
            )
        return self


def _larger_subnet(config: TeamStackConfig, members: int) -> str:
    """The fix for a full workstation subnet: the prefix that holds ``members``, a free block of that
    size inside ``address_space`` (clear of ``bastion_subnet``), or how far to widen ``address_space``."""
    space = ipaddress.IPv4Network(config.network.address_space)
    subnet = ipaddress.IPv4Network(config.network.workstation_subnet)
    bastion = ipaddress.IPv4Network(config.network.bastion_subnet)
    prefix = min(29, 32 - (members + 5 - 1).bit_length())  # smallest block with members + 5 addresses
    need = f"{members} members need a /{prefix} ({2 ** (32 - prefix) - 5} workstations)"
    if prefix < 8:
        return f"{need}, more than one VNet can hold; split the team into several stacks"

    def free_block(within: ipaddress.IPv4Network) -> ipaddress.IPv4Network | None:
        grown = subnet.supernet(new_prefix=prefix)  # keep the current subnet's start where possible
        candidates = [grown, *within.subnets(new_prefix=prefix)] if prefix >= within.prefixlen else []
        return next((c for c in candidates if c.subnet_of(within) and not c.overlaps(bastion)), None)

    block = free_block(space)
    if block is not None:
        return f"{need}: set network.workstation_subnet to e.g. {block}"
    for wider in range(min(prefix, space.prefixlen) - 1, 7, -1):
        widened = space.supernet(new_prefix=wider)
        block = free_block(widened)
        if block is not None:
            return (
                f"{need}, which does not fit in network.address_space {space} beside the bastion subnet "
                f"{bastion}: widen address_space too, e.g. address_space {widened} with workstation_subnet {block}"
            )
    return f"{need}; widen network.address_space and network.workstation_subnet"
