"""The shared storage account and the members' data disks."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from stacks.config.base import PROMOTED, Model

_DISK_ID = r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/disks/[^/]+$"


class StorageConfig(Model):
    """The stack's shared storage account (StorageV2, HTTPS only, no keys, no public blobs)."""

    account_name: str | None = Field(
        default=None,
        description=(
            "Optional. Globally unique name, 3-24 lowercase letters and digits. Default: derived "
            "from project, stack and resource group (stable across runs)."
        ),
    )
    hns_enabled: bool = Field(
        default=False, description="Optional. Hierarchical namespace (ADLS Gen2). Cannot change later."
    )
    soft_delete_days: int = Field(
        default=14,
        ge=1,
        le=365,
        description="Optional. Blob and container soft-delete retention, 1-365 days.",
        json_schema_extra=PROMOTED,
    )
    sku: Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"] = Field(
        default="Standard_LRS", description="Optional. Replication SKU."
    )

    @field_validator("account_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[a-z0-9]{3,24}$", value):
            raise ValueError(
                f"'{value}' is not a storage account name: use 3-24 lowercase letters and digits, "
                "no hyphens (e.g. dsvmteamdev01)"
            )
        return value


class DataDiskConfig(Model):
    """A member's data disk: a new managed disk, or an existing one attached by id."""

    size_gb: int = Field(default=128, ge=4, le=32767, description="Optional. Size of a new disk, GiB (4-32767).")
    sku: Literal["Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS"] = Field(
        default="Premium_LRS", description="Optional. SKU of a new disk."
    )
    existing_disk_resource_id: str | None = Field(
        default=None,
        description=(
            "Optional. ARM id of an existing managed disk to attach instead of creating one "
            "(`/subscriptions/.../providers/Microsoft.Compute/disks/NAME`). It is never deleted."
        ),
    )

    @field_validator("existing_disk_resource_id")
    @classmethod
    def _disk_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(_DISK_ID, value, re.IGNORECASE):
            raise ValueError(f"'{value}' is not a managed disk id; copy it from `az disk show --query id`")
        return value
