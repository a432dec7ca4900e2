"""Plain typed inputs the components share: an image, a schedule, an access policy.

Compositions (``stacks/``) map their validated config to these; the components
never see a config model, so they can be used below any composition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

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
    """Who may reach the VMs: ``allowlist`` (``allowed_cidrs``), ``bastion`` or ``private``."""

    mode: AccessMode
    allowed_cidrs: tuple[str, ...] = ()
