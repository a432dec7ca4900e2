"""The OS disk of every VM (and scale-set instance): its SKU and size, with what Azure allows for them.

``dsvm:os_disk`` is the stack's default; a member, rig or pool may override either key
(``members[].os_disk``). The checks that need the image, the region or the VM size run at
the stack (``check_os_disks``): a size below the image's OS disk, a zone-redundant SKU in a
region without availability zones, and a Premium SSD on a size without premium storage
(the premium-storage rule applies only when the OS disk or a data disk is a Premium SKU).

Sources (``azurefacts.disks``): Microsoft Learn, 'Azure managed disk types' (which SKUs can be
OS disks; Ultra Disks and Premium SSD v2 are data disks only), 'Deploy a ZRS managed disk'
(ZRS in regions with zones), the VM size pages ("Premium Storage: Not Supported").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field, field_validator

from azurefacts.disks import DISK_SKUS, MAX_OS_DISK_GIB, NOT_OS_DISK_SKUS, lrs_sibling, zrs_problem
from azurefacts.images import DsvmImage
from azurefacts.sizes import VM_SIZES
from stacks.config.base import Model, PathError
from stacks.config.image import vm_size_problem

OS_DISK_SKUS = ("Premium_LRS", "StandardSSD_LRS", "Standard_LRS", "Premium_ZRS", "StandardSSD_ZRS")
DEFAULT_OS_DISK_SKU = "Premium_LRS"
STANDARD_SSD = "StandardSSD_LRS"
_SKU_DESCRIPTION = (
    "`Premium_LRS` (Premium SSD), `StandardSSD_LRS` (Standard SSD), `Standard_LRS` (Standard HDD), `Premium_ZRS` "
    "or `StandardSSD_ZRS` (zone-redundant: regions with availability zones only). `PremiumV2_LRS` and "
    "`UltraSSD_LRS` are refused: Azure takes them as data disks only. Billed by the tier the size rounds up to "
    "(docs/COSTS.md); a Standard SSD or HDD needs no VM size with premium storage. Changing it on a deployed VM "
    "is refused while the VM runs (deallocate it, apply, start it: docs/WORKSTATION.md)"
)
_SIZE_DESCRIPTION = (
    f"GiB, from the image's own OS disk size (150 on Ubuntu, 127 on Windows, unconfirmed) to {MAX_OS_DISK_GIB:,}; "
    "default: the image's size. The disk is billed by the tier the size rounds up to (150 GiB: P15/E15/S15, "
    "256 GiB). On a deployed VM it only grows, and only while the VM is deallocated"
)


def check_os_disk_sku(value: str | None) -> str | None:
    """A SKU an OS disk may have, or a ``ValueError`` that says why not and what to use."""
    if value is None or value in OS_DISK_SKUS:
        return value
    if value in NOT_OS_DISK_SKUS:
        raise ValueError(
            f"{value}: {NOT_OS_DISK_SKUS[value]} (Microsoft Learn, 'Azure managed disk types'), never an OS disk; "
            f"use Premium_LRS, or {STANDARD_SSD} for a cheaper one"
        )
    near = next((s for s in OS_DISK_SKUS if s.lower() == value.lower()), None)
    hint = f"did you mean {near}? " if near else ""
    raise ValueError(f"'{value}' is not an OS disk SKU; {hint}use one of {', '.join(OS_DISK_SKUS)}")


def check_os_disk_size(value: int | None) -> int | None:
    if value is not None and not 1 <= value <= MAX_OS_DISK_GIB:
        raise ValueError(
            f"{value} GiB is not an OS disk size: Azure's managed OS disks hold 1 to {MAX_OS_DISK_GIB:,} GiB "
            "(and never less than the image's own disk)"
        )
    return value


class OsDiskConfig(Model):
    """The OS disk of every VM and scale-set instance of the stack (members, rigs and pools may override it)."""

    sku: str = Field(default=DEFAULT_OS_DISK_SKU, description=f"Optional. The OS disk's SKU: {_SKU_DESCRIPTION}.")
    size_gb: int | None = Field(default=None, description=f"Optional. The OS disk's size, {_SIZE_DESCRIPTION}.")

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str) -> str:
        return str(check_os_disk_sku(value))

    @field_validator("size_gb")
    @classmethod
    def _size(cls, value: int | None) -> int | None:
        return check_os_disk_size(value)

    def merged(self, own: OsDiskOverride | None) -> OsDiskConfig:
        """One VM's OS disk: the stack's, with the keys ``own`` sets."""
        if own is None:
            return self
        return self.model_copy(update={k: v for k, v in own.model_dump().items() if v is not None})


class OsDiskOverride(Model):
    """A member's, rig's or pool's own OS disk: either key; the other is the stack's `os_disk`."""

    sku: str | None = Field(default=None, description="Optional. As `os_disk.sku`.")
    size_gb: int | None = Field(default=None, description="Optional. As `os_disk.size_gb`.")

    @field_validator("sku")
    @classmethod
    def _sku(cls, value: str | None) -> str | None:
        return check_os_disk_sku(value)

    @field_validator("size_gb")
    @classmethod
    def _size(cls, value: int | None) -> int | None:
        return check_os_disk_size(value)


OWN_OS_DISK_DESCRIPTION = (
    "Optional. This VM's own OS disk: `sku` and/or `size_gb` (see OsDiskConfig); the keys left out are the "
    "stack's `os_disk`."
)


@dataclass(frozen=True)
class DiskUse:
    """One machine of the stack (a member's VM, a rig, a pool's instances) as its disks are checked.

    ``path``: its config path (``members[0]``); ``own``: its own ``os_disk``; ``sizes``: (config path, size)
    of every VM size it runs (a rig: both modes); ``data_disk``: (config path, SKU) of a new data disk it
    attaches, or None."""

    path: str
    own: OsDiskOverride | None
    sizes: tuple[tuple[str, str], ...]
    data_disk: tuple[str, str] | None = None


def premium_sibling(value: str) -> str:
    """``Standard_D4_v5`` -> ``Standard_D4s_v5``, ``Standard_E8d_v5`` -> ``Standard_E8ds_v5`` (when known)."""
    import re

    sibling = re.sub(r"^(Standard_[A-Z]+\d+)(d?)_", r"\1\2s_", value)
    return sibling if sibling in VM_SIZES else "e.g. Standard_D4s_v5"


def premium_problem(size_name: str, disks: Sequence[tuple[str, str]]) -> str | None:
    """Why ``size_name`` cannot carry these disks ((config path, SKU) each): a Premium SSD on a size without
    premium storage; None when the size has it, is unknown, or no disk is Premium."""
    size = VM_SIZES.get(size_name)
    premium = [(path, sku) for path, sku in disks if sku in DISK_SKUS and DISK_SKUS[sku].premium]
    if size is None or size.premium_storage or not premium:
        return None
    path, sku = premium[0]
    return (
        f"{size_name} ({size.series}) has no premium storage, and {path} is {sku} (a Premium SSD); pick its sibling "
        f"with premium storage ({premium_sibling(size_name)}), or give this VM Standard SSD disks "
        f"({', '.join(p for p, _ in premium)}: {STANDARD_SSD})"
    )


def check_os_disks(
    stack_disk: OsDiskConfig, uses: Sequence[DiskUse], image: DsvmImage, location: str
) -> None:
    """The stack-level rules of every OS disk (see the module docstring); raises ``PathError``."""
    _check_one(stack_disk.sku, stack_disk.size_gb, "os_disk", image, location)
    for use in uses:
        own = use.own or OsDiskOverride()
        _check_one(own.sku, own.size_gb, f"{use.path}.os_disk", image, location)
        sku_path = f"{use.path}.os_disk.sku" if own.sku is not None else "os_disk.sku"
        disks = [(sku_path, stack_disk.merged(use.own).sku), *([use.data_disk] if use.data_disk else [])]
        for path, size in use.sizes:
            if vm_size_problem(size):
                continue  # a size the stack refuses anyway: the kind's own check names that problem
            problem = premium_problem(size, disks)
            if problem:
                raise PathError(path, problem)


def _check_one(sku: str | None, size_gb: int | None, path: str, image: DsvmImage, location: str) -> None:
    if size_gb is not None and size_gb < image.os_disk_gib:
        unconfirmed = "" if image.os_disk_confirmed else ", a figure not confirmed by Microsoft"
        raise PathError(
            f"{path}.size_gb",
            f"{size_gb} GiB is smaller than the {image.key} image's OS disk ({image.os_disk_gib} GiB{unconfirmed}), "
            f"and Azure creates no OS disk smaller than its image; give {image.os_disk_gib} or more, or leave "
            "size_gb out (the image's size)",
        )
    problem = zrs_problem(sku, location) if sku else None
    if sku and problem:
        raise PathError(f"{path}.sku", f"{problem}; use {lrs_sibling(sku)}, or a region with zones")
