"""The ``team`` stack kind: one DSVM per member on one pinned image, shared network and storage."""

from __future__ import annotations

import ipaddress
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.config.base import PathError
from stacks.config.image import check_vm_size
from stacks.config.members import MemberConfig
from stacks.config.stack import BaseStackConfig
from stacks.config.storage import StorageConfig


class TeamStackConfig(BaseStackConfig):
    """`team`: one DSVM per member on one pinned image, shared network and storage."""

    kind: Literal["team"] = Field(description="Required. `team`.")
    vm_size: str = Field(
        default="Standard_D4s_v5",
        description="Optional. VM size of every workstation unless a member overrides it.",
    )
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Optional. Shared storage account.")
    members: tuple[MemberConfig, ...] = Field(min_length=1, description="Required. The team members (at least one).")

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
                f"stack has {len(self.members)} members; use a larger subnet, e.g. a /28 or /24",
            )
        return self
