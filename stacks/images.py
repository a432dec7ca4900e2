"""What the program knows of DSVM images and VM sizes (no cloud call).

The image references come from the DSVM ARM quickstarts and release notes
(publisher ``microsoft-dsvm``). Trusted Launch needs a Gen2 image and a size in
the Trusted Launch list; Secure Boot refuses unsigned kernel modules such as
the NVIDIA driver the DSVM images preinstall, so it stays off on GPU sizes.
"""

from __future__ import annotations

from dataclasses import dataclass

PUBLISHER = "microsoft-dsvm"


@dataclass(frozen=True)
class ImageSpec:
    """Marketplace coordinates and capabilities of one DSVM image."""

    offer: str
    sku: str
    os_type: str
    generation: int

    @property
    def trusted_launch(self) -> bool:
        return self.generation == 2


IMAGES: dict[str, ImageSpec] = {
    "ubuntu-2204": ImageSpec("ubuntu-2204", "2204-gen2", "Linux", 2),
    "ubuntu-2004": ImageSpec("ubuntu-2004", "2004-gen2", "Linux", 2),
    "windows-2022": ImageSpec("dsvm-win-2022", "winserver-2022", "Windows", 2),
    # Windows Server 2019 DSVM: Generation 1 only, hence no Trusted Launch.
    "windows-2019": ImageSpec("dsvm-win-2019", "server-2019", "Windows", 1),
}

# Size series outside the Trusted Launch list (Microsoft Learn, 'Trusted launch', supported sizes).
_NO_TRUSTED_LAUNCH = (
    "Standard_A",
    "Standard_NC6s_v3",
    "Standard_NC12s_v3",
    "Standard_NC24s_v3",
    "Standard_NC24ads_A100",
    "Standard_NC48ads_A100",
    "Standard_NC96ads_A100",
    "Standard_ND",
)


# Size series without encryption at host (Microsoft Learn, 'Encryption at host', supported sizes).
NO_ENCRYPTION_AT_HOST = ("Standard_A", "Standard_NC6s_v3", "Standard_NC12s_v3", "Standard_NC24s_v3")


def encryption_at_host_supported(vm_size: str) -> bool:
    """Whether the size can use encryption at host, which every workstation requires."""
    return not vm_size.startswith(NO_ENCRYPTION_AT_HOST)


def is_gpu_size(vm_size: str) -> bool:
    """N-series sizes carry GPUs."""
    return vm_size.startswith("Standard_N")


def trusted_launch_supported(image: ImageSpec, vm_size: str) -> bool:
    """Trusted Launch needs a Gen2 image and a size in the Trusted Launch list."""
    return image.trusted_launch and not vm_size.startswith(_NO_TRUSTED_LAUNCH)
