"""Plain typed inputs the components share: an image, a schedule, an access policy.

Compositions (``stacks/``) map their validated config to these; the components
never see a config model, so they can be used below any composition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pulumi

from azurefacts.bastion import BASTION_SKUS, BastionSku
from azurefacts.disks import caching_allowed
from azurefacts.images import DsvmImage

AccessMode = Literal["allowlist", "bastion", "private"]
OsType = Literal["Linux", "Windows"]


@dataclass(frozen=True)
class ImageReference:
    """A marketplace image pinned to one version, with the facts a VM profile needs."""

    publisher: str
    offer: str
    sku: str
    version: str
    os_type: OsType
    generation: int

    @property
    def is_windows(self) -> bool:
        return self.os_type == "Windows"

    @classmethod
    def of(cls, image: DsvmImage, version: str) -> ImageReference:
        """The reference of a DSVM image (``azurefacts.images``) at ``version``."""
        os_type: OsType = "Windows" if image.is_windows else "Linux"
        return cls(image.publisher, image.offer, image.sku, version, os_type, image.hyperv_generation)


@dataclass(frozen=True)
class ShutdownSchedule:
    """A daily auto-shutdown: ``time`` is ``HHMM`` in the Windows time zone ``time_zone``."""

    enabled: bool = True
    time: str = "1900"
    time_zone: str = "UTC"
    notification_email: str | None = None


@dataclass(frozen=True)
class AccessPolicy:
    """Who may reach the VMs: ``allowlist`` (``allowed_cidrs``), ``bastion`` or ``private``.

    In ``bastion`` mode the stack creates a Bastion of ``bastion_sku`` (with ``bastion_scale_units``
    instances on Standard and Premium), unless ``existing_bastion_id`` names one to use (whose
    ``AzureBastionSubnet`` prefix, ``existing_bastion_subnet``, is then the only source admitted).
    """

    mode: AccessMode
    allowed_cidrs: tuple[str, ...] = ()
    bastion_sku: str = "Standard"
    existing_bastion_id: str | None = None
    existing_bastion_subnet: str | None = None
    bastion_scale_units: int | None = None
    existing_bastion_sku: str = "Standard"

    @property
    def sku(self) -> BastionSku | None:
        """The SKU members go through (the stack's own Bastion or the existing one); None without a Bastion."""
        if self.mode != "bastion":
            return None
        return BASTION_SKUS[self.existing_bastion_sku if self.existing_bastion_id else self.bastion_sku]

    @property
    def native_client(self) -> bool:
        """Whether `az network bastion ssh/rdp/tunnel` can be used (Standard and Premium)."""
        return self.sku is not None and self.sku.native_client

    @property
    def shared_pool(self) -> bool:
        """The stack's own Bastion is a Developer one: Azure's shared pool, no subnet or public IP of ours."""
        own = self.mode == "bastion" and self.existing_bastion_id is None
        return own and not BASTION_SKUS[self.bastion_sku].dedicated


@dataclass(frozen=True)
class OsDisk:
    """A VM's (or scale-set instance's) OS disk: its SKU, and its size in GiB (None: the image's)."""

    sku: str = "Premium_LRS"
    size_gb: int | None = None


@dataclass(frozen=True)
class AttachedDisk:
    """A managed data disk a VM attaches (by id). ``size_gb`` None: not known here (an existing disk)."""

    disk_id: pulumi.Input[str]
    size_gb: int | None = None

    @property
    def caching(self) -> str:
        """Host read caching, where Azure allows it: not on disks of 4 TiB or more, nor on a disk of
        unknown size (it might be one)."""
        return "ReadOnly" if self.size_gb is not None and caching_allowed(self.size_gb) else "None"


@dataclass(frozen=True)
class SpotSettings:
    """Azure Spot: ``eviction_policy`` Deallocate (keeps the disks) or Delete; ``max_price`` USD per hour,
    -1 meaning up to the pay-as-you-go price (Microsoft Learn, 'Azure Spot Virtual Machines')."""

    eviction_policy: str = "Deallocate"
    max_price: float = -1
