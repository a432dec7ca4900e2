"""The shared storage account and the members' data disks."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from stacks.config.base import PROMOTED, Model, PathError

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
    versioning_enabled: bool | None = Field(
        default=None,
        description=(
            "Optional. Blob versioning and change feed (kept `soft_delete_days`), which point-in-time restore needs. "
            "Default: on, except with `hns_enabled`: Azure offers neither on an ADLS Gen2 account (soft delete is "
            "the recovery there), and refuses `true`."
        ),
        json_schema_extra=PROMOTED,
    )
    point_in_time_restore_days: int | None = Field(
        default=None,
        ge=0,
        le=364,
        description=(
            "Optional. Point-in-time restore of block blobs: how many days back the account can be restored "
            "(`az storage blob restore`), less than `soft_delete_days`; 0: off. Default: `soft_delete_days` - 1 "
            "where versioning is on; refused with `hns_enabled` (Azure has no point-in-time restore on ADLS Gen2)."
        ),
        json_schema_extra=PROMOTED,
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

    @model_validator(mode="after")
    def _protection(self) -> StorageConfig:
        gen2 = "an account with a hierarchical namespace (hns_enabled, ADLS Gen2)"
        if self.hns_enabled and self.versioning_enabled:
            raise PathError(
                "versioning_enabled",
                f"Azure refuses blob versioning and change feed on {gen2}; remove versioning_enabled (blob and "
                "container soft delete protect it), or use a new account without hns_enabled (it cannot change later)",
            )
        if self.hns_enabled and self.point_in_time_restore_days:
            raise PathError(
                "point_in_time_restore_days",
                f"Azure has no point-in-time restore on {gen2}; remove it (deleted blobs come back from soft "
                "delete: docs/RESTORE.md)",
            )
        if self.point_in_time_restore_days and self.versioning_enabled is False:
            raise PathError(
                "point_in_time_restore_days",
                "point-in-time restore needs blob versioning and change feed: remove versioning_enabled: false, or "
                "set point_in_time_restore_days: 0",
            )
        if self.point_in_time_restore_days is not None and self.point_in_time_restore_days >= self.soft_delete_days:
            raise PathError(
                "point_in_time_restore_days",
                f"Azure keeps point-in-time restore at least one day shorter than blob soft delete "
                f"(soft_delete_days {self.soft_delete_days}): use {self.soft_delete_days - 1} or less, or raise "
                "soft_delete_days",
            )
        return self

    @property
    def versioning(self) -> bool:
        """Whether the account keeps blob versions and a change feed (where Azure allows them)."""
        return not self.hns_enabled if self.versioning_enabled is None else self.versioning_enabled

    @property
    def restore_days(self) -> int:
        """Point-in-time restore days (0: off): the config's, else one day less than soft delete."""
        if self.point_in_time_restore_days is not None:
            return self.point_in_time_restore_days
        return self.soft_delete_days - 1 if self.versioning and self.soft_delete_days > 1 else 0


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
    restored_disk_resource_id: str | None = Field(
        default=None,
        description=(
            "Optional. ARM id of the disk a restore created from this disk's backup (`dsvmctl restore` plans it, "
            "docs/RESTORE.md): the VM attaches it instead, and it is backed up too; the disk it was restored from "
            "stays in the stack, protected, with its own backups. Remove it to attach the original disk again."
        ),
    )
    backup_enabled: bool = Field(
        default=True,
        description=(
            "Optional. Back this disk up with the stack's `backup` (when that is on). Default true; false opts this "
            "disk out (refused while it has recovery points: docs/RESTORE.md)."
        ),
    )

    @field_validator("existing_disk_resource_id", "restored_disk_resource_id")
    @classmethod
    def _disk_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(_DISK_ID, value, re.IGNORECASE):
            raise ValueError(f"'{value}' is not a managed disk id; copy it from `az disk show --query id`")
        return value

    @property
    def attached_disk_resource_id(self) -> str | None:
        """The disk the VM attaches when it is not the stack's own new one: the restored one, else the existing."""
        return self.restored_disk_resource_id or self.existing_disk_resource_id
