"""The Data Science VM marketplace images (publisher ``microsoft-dsvm``).

Sources: Microsoft Learn, 'Data Science Virtual Machine release notes' and the
DSVM ARM quickstarts (Azure/azure-quickstart-templates
``application-workloads/datascience/vm-ubuntu-DSVM-GPU-or-CPU``) for
offer/sku; the image versions are the ones the release notes list (version
``YY.MM.DD`` is the release date). The Windows Server 2019 DSVM is
Generation 1 only, hence no Trusted Launch. OS disk sizes were entered by hand
(figures commonly given for the images: ~150 GiB on Ubuntu for the preinstalled
toolchains and CUDA, the Windows default of 127 GiB) and are not confirmed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

PUBLISHER = "microsoft-dsvm"
IMAGES_SOURCE = "Microsoft Learn, 'Data Science Virtual Machine release notes' and the DSVM ARM quickstarts"
# DSVM image versions stay deployable for about 12 months; warn when a pin is older than this.
PIN_WARNING_MONTHS = 10


@dataclass(frozen=True)
class ImageVersion:
    """One published version of an image and the day it was released."""

    version: str
    released: date

    def months_old(self, today: date) -> int:
        """Whole calendar months from the release to ``today`` (the pin-age the warnings compare with
        ``PIN_WARNING_MONTHS``)."""
        return (today.year - self.released.year) * 12 + today.month - self.released.month


def _v(version: str) -> ImageVersion:
    year, month, day = (int(p) for p in version.split("."))
    return ImageVersion(version, date(2000 + year, month, day))


@dataclass(frozen=True)
class DsvmImage:
    """One DSVM image: marketplace coordinates, OS, generation, versions (oldest first)."""

    key: str
    os_type: str  # "Linux" | "Windows"
    offer: str
    sku: str
    hyperv_generation: int
    versions: tuple[ImageVersion, ...]
    os_disk_gib: int  # what a VM gets without osDisk.diskSizeGB
    source: str = IMAGES_SOURCE
    confirmed: bool = True
    os_disk_confirmed: bool = False
    publisher: str = PUBLISHER

    @property
    def trusted_launch(self) -> bool:
        """Trusted Launch needs a Generation 2 image."""
        return self.hyperv_generation == 2

    @property
    def is_windows(self) -> bool:
        return self.os_type == "Windows"

    @property
    def version_names(self) -> tuple[str, ...]:
        return tuple(v.version for v in self.versions)

    def find_version(self, version: str) -> ImageVersion | None:
        return next((v for v in self.versions if v.version == version), None)

    def pin_advice(self, version: str, today: date) -> str | None:
        """Why the pin ``version`` is too old, and the one thing to do about it; None while it is young
        enough (or unknown). The advice never names a version that would be too old itself: when every
        known version is, it says to find a newer one and add it to this module."""
        pinned = self.find_version(version)
        if pinned is None or pinned.months_old(today) <= PIN_WARNING_MONTHS:
            return None
        fresh = [v for v in self.versions if v.months_old(today) <= PIN_WARNING_MONTHS]
        if fresh:
            newest = max(fresh, key=lambda v: v.released)
            advice = (f"pin {newest.version} ({newest.months_old(today)} months old) on dev, then promote it "
                      "(`dsvmctl images` lists the versions)")  # fmt: skip
        else:
            newest = max(self.versions, key=lambda v: v.released)
            known = "it is" if newest is pinned else f"{newest.version} ({newest.months_old(today)} months) is"
            advice = (
                f"{known} the newest version azurefacts/images.py knows, and too old as well: find a newer one "
                f"(`az vm image list --publisher {self.publisher} --offer {self.offer} --sku {self.sku} --all`), "
                "add it to azurefacts/images.py, pin it on dev, then promote it"
            )
        return (f"{version} was released {pinned.months_old(today)} months ago ({pinned.released}); DSVM image "
                f"versions stay deployable for about 12 months: {advice}")  # fmt: skip

    def nearest_versions(self, version: str, count: int = 3) -> list[str]:
        """The known versions closest to ``version`` (by date where it parses), newest first."""
        try:
            wanted = _v(version).released
        except (ValueError, TypeError):
            return [v.version for v in sorted(self.versions, key=lambda v: v.released, reverse=True)][:count]
        ranked = sorted(self.versions, key=lambda v: (abs((v.released - wanted).days), -v.released.toordinal()))
        return [v.version for v in sorted(ranked[:count], key=lambda v: v.released, reverse=True)]


UBUNTU_OS_DISK_GIB = 150
WINDOWS_OS_DISK_GIB = 127

DSVM_IMAGES: dict[str, DsvmImage] = {
    i.key: i
    for i in [
        DsvmImage("ubuntu-2204", "Linux", "ubuntu-2204", "2204-gen2", 2,
                  (_v("25.01.14"), _v("25.05.20"), _v("25.09.15")), UBUNTU_OS_DISK_GIB),
        DsvmImage("ubuntu-2004", "Linux", "ubuntu-2004", "2004-gen2", 2,
                  (_v("24.06.10"), _v("25.01.14")), UBUNTU_OS_DISK_GIB, confirmed=False),
        DsvmImage("windows-2022", "Windows", "dsvm-win-2022", "winserver-2022", 2,
                  (_v("25.01.14"), _v("25.05.20"), _v("25.09.15")), WINDOWS_OS_DISK_GIB, confirmed=False),
        DsvmImage("windows-2019", "Windows", "dsvm-win-2019", "server-2019", 1,
                  (_v("24.06.10"), _v("25.01.14")), WINDOWS_OS_DISK_GIB),
    ]
}  # fmt: skip


def find_image(publisher: str, offer: str, sku: str) -> DsvmImage | None:
    """The DSVM image with this publisher/offer/sku (case-insensitive), if any."""
    if publisher.lower() != PUBLISHER:
        return None
    for image in DSVM_IMAGES.values():
        if image.offer.lower() == offer.lower() and image.sku.lower() == sku.lower():
            return image
    return None
