"""The VM series ``azurefacts.sizes`` knows, one ``Series`` row each, with its source.

Each row is read off the series page of Microsoft Learn's 'Sizes for virtual
machines in Azure' (vCPUs, memory in GiB, GPUs, local temp disk, Hyper-V
generations, premium storage) and the 'Trusted launch for Azure VMs'
supported-sizes list; ``quota_family`` is the family name the Resource SKUs and
usage APIs report (``az vm list-usage``: ``name.value``, compared ignoring case).
A row says ``confirmed=False`` when one of its facts was not confirmed against its
source; the comment above it says which.

This module holds the ``Series`` row type and the CPU series (``CPU_SERIES``);
``azurefacts/gpu_series.py`` the GPU ones, whose GPU counts are per size and may be
fractions (a partition of one GPU: NVadsA10 v5, NVv4), as the series pages list them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

SIZES_PAGE = "https://learn.microsoft.com/azure/virtual-machines/sizes/"
SCSI, NVME = "SCSI", "NVMe"


@dataclass(frozen=True)
class Series:
    """One VM series: what its sizes share, and each size's vCPUs and memory (GiB)."""

    name: str
    quota_family: str
    sizes: tuple[tuple[str, int, float], ...]
    source: str
    generations: tuple[int, ...] = (1, 2)
    trusted_launch: bool = True
    premium_storage: bool = True
    encryption_at_host: bool = True
    local_temp_disk: bool = False
    gpus_per_size: tuple[int | Fraction, ...] = ()  # one entry per size when the series has GPUs
    gpu_model: str | None = None
    disk_controllers: tuple[str, ...] = (SCSI,)  # the OS/data disk interfaces the sizes offer
    retired_on: date | None = None
    regions: frozenset[str] | None = None
    confirmed: bool = True


def _d(prefix: str, suffix: str, vcpus: tuple[int, ...], gib_per_vcpu: float) -> tuple[tuple[str, int, float], ...]:
    """Sizes named ``Standard_<prefix><vCPUs><suffix>`` whose memory is a fixed GiB per vCPU."""
    return tuple((f"Standard_{prefix}{n}{suffix}", n, n * gib_per_vcpu) for n in vcpus)


_D = (2, 4, 8, 16, 32, 48, 64)  # the D-series sizes used here (the series go on to 96 and more)
_E = (2, 4, 8, 16, 20, 32, 48, 64)
_E6 = (2, 4, 8, 16, 32, 48, 64)  # the E v6 sizes used here (not confirmed: whether the v6 series have an E20)


def _b(prefix: str) -> tuple[tuple[str, int, float], ...]:
    """A B v2 series (``prefix`` ``B`` Intel, ``Ba`` AMD): per vCPU count a ``t`` (2 vCPUs only: 1 GiB),
    ``l`` (2 GiB per vCPU) and plain (4 GiB per vCPU) size."""
    found: list[tuple[str, int, float]] = [(f"Standard_B2{prefix[1:]}ts_v2", 2, 1)]
    for n in (2, 4, 8, 16, 32):
        found += [(f"Standard_B{n}{prefix[1:]}ls_v2", n, 2 * n), (f"Standard_B{n}{prefix[1:]}s_v2", n, 4 * n)]
    return tuple(found)


# The CPU series; the GPU ones are in azurefacts/gpu_series.py (``azurefacts.sizes.SERIES`` holds both).
CPU_SERIES: tuple[Series, ...] = (
    # -- general purpose --------------------------------------------------------------------------
    Series(
        name="Bsv1",
        quota_family="standardBSFamily",
        sizes=(("Standard_B2s", 2, 4), ("Standard_B4ms", 4, 16)),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/bv1-series",
    ),
    # B v2 (burstable, CPU credits): no temp disk. Not confirmed: the quota family names' spelling (compared
    # ignoring case), Trusted Launch and encryption at host (taken as the Bsv1's).
    Series(
        name="Bsv2",
        quota_family="standardBSv2Family",
        sizes=_b("B"),
        source=SIZES_PAGE + "general-purpose/bsv2-series",
        confirmed=False,
    ),
    Series(
        name="Basv2",
        quota_family="standardBASv2Family",
        sizes=_b("Ba"),
        source=SIZES_PAGE + "general-purpose/basv2-series",
        confirmed=False,
    ),
    # Dv5 and Ddv5: like Dsv5 and Ddsv5 without premium storage (Standard HDD/SSD disks only).
    Series(
        name="Dv5",
        quota_family="standardDv5Family",
        sizes=_d("D", "_v5", _D, 4),
        premium_storage=False,
        source=SIZES_PAGE + "general-purpose/dv5-series",
    ),
    Series(
        name="Ddv5",
        quota_family="standardDDv5Family",
        sizes=_d("D", "d_v5", _D, 4),
        premium_storage=False,
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/ddv5-series",
    ),
    Series(
        name="Dsv5",
        quota_family="standardDSv5Family",
        sizes=_d("D", "s_v5", _D, 4),
        source=SIZES_PAGE + "general-purpose/dsv5-series",
    ),
    Series(
        name="Ddsv5",
        quota_family="standardDDSv5Family",
        sizes=_d("D", "ds_v5", _D, 4),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/ddsv5-series",
    ),
    Series(
        name="Dasv5",
        quota_family="standardDASv5Family",
        sizes=_d("D", "as_v5", _D, 4),
        source=SIZES_PAGE + "general-purpose/dasv5-series",
    ),
    Series(
        name="Dadsv5",
        quota_family="standardDADSv5Family",
        sizes=_d("D", "ads_v5", _D, 4),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/dadsv5-series",
    ),
    # Dsv6: Generation 2 only, no temp disk (series page). Not confirmed: Trusted Launch (the stored
    # supported-sizes list predates v6) and that its disks attach over NVMe only (Learn, 'Convert
    # SCSI to NVMe': not every new series offers SCSI), which needs an NVMe-capable image.
    Series(
        name="Dsv6",
        quota_family="StandardDsv6Family",
        sizes=_d("D", "s_v6", _D, 4),
        generations=(2,),
        disk_controllers=(NVME,),
        source=SIZES_PAGE + "general-purpose/dsv6-series",
        confirmed=False,
    ),
    # Ddsv6, Dasv6, Dadsv6: as Dsv6 (Generation 2 only, NVMe only); Ddsv6 and Dadsv6 have a local NVMe temp
    # disk. Not confirmed: quota family names, Trusted Launch, NVMe only.
    Series(
        name="Ddsv6",
        quota_family="StandardDdsv6Family",
        sizes=_d("D", "ds_v6", _D, 4),
        generations=(2,),
        disk_controllers=(NVME,),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/ddsv6-series",
        confirmed=False,
    ),
    Series(
        name="Dasv6",
        quota_family="StandardDasv6Family",
        sizes=_d("D", "as_v6", _D, 4),
        generations=(2,),
        disk_controllers=(NVME,),
        source=SIZES_PAGE + "general-purpose/dasv6-series",
        confirmed=False,
    ),
    Series(
        name="Dadsv6",
        quota_family="StandardDadsv6Family",
        sizes=_d("D", "ads_v6", _D, 4),
        generations=(2,),
        disk_controllers=(NVME,),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/dadsv6-series",
        confirmed=False,
    ),
    # DSv2 (previous generation). Not confirmed: its 'sizes/' page says Generation 1 and no premium
    # storage, the older 'Dv2 and DSv2-series' page (and the Trusted Launch list) Generation 1 and 2
    # with premium storage; the older page is used here.
    Series(
        name="DSv2",
        quota_family="standardDSv2Family",
        sizes=(("Standard_DS1_v2", 1, 3.5), ("Standard_DS2_v2", 2, 7), ("Standard_DS3_v2", 4, 14),
               ("Standard_DS4_v2", 8, 28), ("Standard_DS5_v2", 16, 56)),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/dsv2-series",
        confirmed=False,
    ),
    # Av2: Generation 1 only, no Trusted Launch, no encryption at host, no premium storage.
    Series(
        name="Av2",
        quota_family="standardAv2Family",
        sizes=(("Standard_A4_v2", 4, 8),),
        generations=(1,),
        trusted_launch=False,
        premium_storage=False,
        encryption_at_host=False,
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/av2-series",
    ),
    # -- memory optimised -------------------------------------------------------------------------
    Series(
        name="Esv5",
        quota_family="standardESv5Family",
        sizes=_d("E", "s_v5", _E, 8),
        source=SIZES_PAGE + "memory-optimized/esv5-series",
    ),
    Series(
        name="Edsv5",
        quota_family="standardEDSv5Family",
        sizes=_d("E", "ds_v5", _E, 8),
        local_temp_disk=True,
        source=SIZES_PAGE + "memory-optimized/edsv5-series",
    ),
    Series(
        name="Ev5",
        quota_family="standardEv5Family",
        sizes=_d("E", "_v5", _E, 8),
        premium_storage=False,
        source=SIZES_PAGE + "memory-optimized/ev5-series",
    ),
    Series(
        name="Edv5",
        quota_family="standardEDv5Family",
        sizes=_d("E", "d_v5", _E, 8),
        premium_storage=False,
        local_temp_disk=True,
        source=SIZES_PAGE + "memory-optimized/edv5-series",
    ),
    Series(
        name="Easv5",
        quota_family="standardEASv5Family",
        sizes=_d("E", "as_v5", _E, 8),
        source=SIZES_PAGE + "memory-optimized/easv5-series",
    ),
    Series(
        name="Eadsv5",
        quota_family="standardEADSv5Family",
        sizes=_d("E", "ads_v5", _E, 8),
        local_temp_disk=True,
        source=SIZES_PAGE + "memory-optimized/eadsv5-series",
    ),
    # E v6: Generation 2 only, NVMe only, as Dsv6. Not confirmed: quota family names, Trusted Launch, NVMe only,
    # the size list (an E20 in some).
    Series(
        name="Esv6",
        quota_family="StandardEsv6Family",
        sizes=_d("E", "s_v6", _E6, 8),
        generations=(2,),
        disk_controllers=(NVME,),
        source=SIZES_PAGE + "memory-optimized/esv6-series",
        confirmed=False,
    ),
    Series(
        name="Edsv6",
        quota_family="StandardEdsv6Family",
        sizes=_d("E", "ds_v6", _E6, 8),
        generations=(2,),
        disk_controllers=(NVME,),
        local_temp_disk=True,
        source=SIZES_PAGE + "memory-optimized/edsv6-series",
        confirmed=False,
    ),
    Series(
        name="Easv6",
        quota_family="StandardEasv6Family",
        sizes=_d("E", "as_v6", _E6, 8),
        generations=(2,),
        disk_controllers=(NVME,),
        source=SIZES_PAGE + "memory-optimized/easv6-series",
        confirmed=False,
    ),
    Series(
        name="Eadsv6",
        quota_family="StandardEadsv6Family",
        sizes=_d("E", "ads_v6", _E6, 8),
        generations=(2,),
        disk_controllers=(NVME,),
        local_temp_disk=True,
        source=SIZES_PAGE + "memory-optimized/eadsv6-series",
        confirmed=False,
    ),
    # -- compute optimised --------------------------------------------------------------------------
    Series(
        name="Fsv2",
        quota_family="standardFSv2Family",
        sizes=_d("F", "s_v2", (2, 4, 8, 16, 32, 48, 64, 72), 2),
        local_temp_disk=True,
        source=SIZES_PAGE + "compute-optimized/fsv2-series",
    ),
)  # fmt: skip
