"""Team members: who gets a workstation, a data disk and a container."""

from __future__ import annotations

import base64
import binascii
import re

from pydantic import Field, field_validator, model_validator

from azurefacts.accounts import RESERVED_ADMIN_USERNAMES
from stacks.config.base import GUID_PATTERN, Model
from stacks.config.idle_stop import OWN_IDLE_STOP_DESCRIPTION, IdleStopOverride
from stacks.config.os_disk import OWN_OS_DISK_DESCRIPTION, OsDiskOverride
from stacks.config.storage import DataDiskConfig


def check_ssh_public_key(value: str) -> str:
    """An OpenSSH public key line, ssh-ed25519 or ssh-rsa, whose blob names its type."""
    fix = "paste the contents of ~/.ssh/id_ed25519.pub (one line starting with ssh-ed25519)"
    parts = value.strip().split()
    if len(parts) < 2 or parts[0] not in ("ssh-ed25519", "ssh-rsa"):
        raise ValueError(f"not an OpenSSH public key; {fix}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the key's base64 part is damaged; {fix}") from exc
    length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if blob[4 : 4 + length] != parts[0].encode():
        raise ValueError(f"the key's body does not match its type {parts[0]}; {fix}")
    if parts[0] == "ssh-rsa":
        # The body goes on with e and n as length-prefixed integers; Azure refuses RSA keys under 2048 bits.
        fields: list[bytes] = []
        offset = 4 + length
        while len(fields) < 2 and offset + 4 <= len(blob):
            size = int.from_bytes(blob[offset : offset + 4], "big")
            fields.append(blob[offset + 4 : offset + 4 + size])
            offset += 4 + size
        if len(fields) < 2 or offset > len(blob):
            raise ValueError(f"the ssh-rsa key is truncated; {fix}")
        bits = int.from_bytes(fields[1], "big").bit_length()
        if bits < 2048:
            raise ValueError(
                f"the ssh-rsa key has {bits} bits and Azure requires at least 2048; {fix}, "
                "or create one with ssh-keygen -t ed25519"
            )
    return value.strip()


def check_username(value: str) -> str:
    """An admin username that is also the host name: lowercase, no '_', not one Azure reserves."""
    if value != value.lower():
        raise ValueError(
            f"'{value}' has capital letters, which JupyterHub on the DSVM cannot log in with; use '{value.lower()}'"
        )
    if not re.match(r"^[a-z](?:[a-z0-9]|[-_](?=[a-z0-9])){0,31}$", value):
        raise ValueError(
            f"'{value}' is not a valid username: start with a letter, then up to 31 lowercase "
            "letters, digits or single '-'/'_' between them (e.g. alice, j_doe)"
        )
    if value in RESERVED_ADMIN_USERNAMES:
        raise ValueError(f"'{value}' is a username Azure reserves; pick the member's own name (e.g. alice)")
    if "_" in value:
        raise ValueError(
            f"'{value}' contains '_', which Azure refuses in VM host names, and the username is also the "
            f"workstation's host name; use '{value.replace('_', '-')}'"
        )
    return value


class MemberConfig(Model):
    """One team member: gets a workstation, a data disk and a storage container."""

    username: str = Field(
        description=(
            "Required. Linux/Windows admin username and VM host name: lowercase letters, digits and "
            "single `-` between them, starting with a letter (JupyterHub fails on capitals, host names "
            "refuse `_`); at most 15 characters on Windows images."
        )
    )
    ssh_public_key: str | None = Field(
        default=None,
        description="Conditional (required on Linux images, refused on Windows). OpenSSH public key line.",
    )
    vm_size: str | None = Field(default=None, description="Optional. Overrides the stack's `vm_size` for this member.")
    data_disk: DataDiskConfig = Field(
        default_factory=DataDiskConfig, description="Optional. The member's data disk (see DataDiskConfig)."
    )
    os_disk: OsDiskOverride | None = Field(default=None, description=OWN_OS_DISK_DESCRIPTION)
    entra_login_enabled: bool = Field(
        default=False,
        description=(
            "Optional, Linux only. Entra ID SSH login (AADSSHLoginForLinux) with the Virtual Machine "
            "User Login role for `entra_object_id`."
        ),
    )
    entra_object_id: str | None = Field(
        default=None,
        description="Conditional (required with `entra_login_enabled`). The member's Entra ID object id (GUID).",
    )
    idle_stop: IdleStopOverride | None = Field(default=None, description=OWN_IDLE_STOP_DESCRIPTION)
    leaving: bool = Field(
        default=False,
        description=(
            "Optional. Offboarding: the member's VM, NIC, schedule and role assignments are deleted while "
            "the data disk and storage container stay (protected, reattachable by id). Deleting the "
            "member's entry instead is refused, because it would delete protected data."
        ),
    )

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        return check_username(value)

    @field_validator("ssh_public_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return None if value is None else check_ssh_public_key(value)

    @field_validator("entra_object_id")
    @classmethod
    def _object_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(GUID_PATTERN, value):
            raise ValueError(f"'{value}' is not a GUID; use `az ad user show --id USER --query id`")
        return value

    @property
    def container_name(self) -> str:
        """The member's blob container: `home-<username>` ('_' becomes '-', as containers require)."""
        return "home-" + self.username.replace("_", "-")

    @model_validator(mode="after")
    def _entra(self) -> MemberConfig:
        if self.entra_login_enabled and not self.entra_object_id:
            raise ValueError("entra_login_enabled needs entra_object_id (the member's Entra ID object id)")
        return self
