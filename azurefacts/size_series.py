"""The VM series ``azurefacts.sizes`` knows, one ``Series`` row each, with its source.

Each row is read off the series page of Microsoft Learn's 'Sizes for virtual
machines in Azure' (vCPUs, memory in GiB, GPUs, local temp disk, Hyper-V
generations, premium storage) and the 'Trusted launch for Azure VMs'
supported-sizes list; ``quota_family`` is the family name the Resource SKUs and
usage APIs report (``az vm list-usage``: ``name.value``, compared ignoring case).
A row says ``confirmed=False`` when one of its facts was not confirmed against its
source; the comment above it says which.

GPU counts are per size and may be fractions (a partition of one GPU: NVadsA10 v5,
NVv4), as the series pages list them.
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

_GPU_T4 = frozenset(
    {"eastus", "eastus2", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth", "japaneast",
     "australiaeast"}
)  # fmt: skip
_GPU_V100 = frozenset({"eastus", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth"})
_GPU_A100 = frozenset({"eastus", "eastus2", "westus3", "southcentralus", "westeurope", "swedencentral"})
_GPU_H100 = frozenset({"eastus", "eastus2", "westus3", "southcentralus", "swedencentral"})
_GPU_A10 = frozenset({"eastus", "southcentralus", "westus3", "westeurope", "northeurope", "swedencentral"})
# NVv3 and NVv4 retire on 2026-09-30 (Azure update 516070, 'NVv3 and NVv4-series retirement').
_NV_RETIREMENT = date(2026, 9, 30)

SERIES: tuple[Series, ...] = (
    # -- general purpose --------------------------------------------------------------------------
    Series(
        name="Bsv1",
        quota_family="standardBSFamily",
        sizes=(("Standard_B2s", 2, 4), ("Standard_B4ms", 4, 16)),
        local_temp_disk=True,
        source=SIZES_PAGE + "general-purpose/bv1-series",
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
    # -- GPU (regions: a simplification, not confirmed against the Resource SKUs API) ---------------
    Series(
        name="NCasT4_v3",
        quota_family="standardNCASv3_T4Family",
        sizes=(("Standard_NC4as_T4_v3", 4, 28), ("Standard_NC8as_T4_v3", 8, 56),
               ("Standard_NC16as_T4_v3", 16, 110), ("Standard_NC64as_T4_v3", 64, 440)),
        gpus_per_size=(1, 1, 1, 4),
        gpu_model="NVIDIA T4",
        local_temp_disk=True,
        regions=_GPU_T4,
        source=SIZES_PAGE + "gpu-accelerated/ncast4v3-series",
        confirmed=False,
    ),
    # NCv3 (V100) retired on 2025-09-30.
    Series(
        name="NCv3",
        quota_family="standardNCSv3Family",
        sizes=(("Standard_NC6s_v3", 6, 112),),
        gpus_per_size=(1,),
        gpu_model="NVIDIA V100",
        trusted_launch=False,
        encryption_at_host=False,
        local_temp_disk=True,
        retired_on=date(2025, 9, 30),
        regions=_GPU_V100,
        source=SIZES_PAGE + "gpu-accelerated/ncv3-series (retired 2025-09-30)",
        confirmed=False,
    ),
    # NC A100 v4: Generation 2 only.
    Series(
        name="NCadsA100_v4",
        quota_family="StandardNCADSA100v4Family",
        sizes=(("Standard_NC24ads_A100_v4", 24, 220), ("Standard_NC48ads_A100_v4", 48, 440),
               ("Standard_NC96ads_A100_v4", 96, 880)),
        gpus_per_size=(1, 2, 4),
        gpu_model="NVIDIA A100 80GB",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_A100,
        source=SIZES_PAGE + "gpu-accelerated/nca100v4-series",
        confirmed=False,
    ),
    # NCads H100 v5: Generation 2 only, H100 NVL (94 GB). Not confirmed: Trusted Launch (not in the
    # stored supported-sizes list; taken as the NC A100 v4's), regions.
    Series(
        name="NCadsH100_v5",
        quota_family="StandardNCadsH100v5Family",
        sizes=(("Standard_NC40ads_H100_v5", 40, 320), ("Standard_NC80adis_H100_v5", 80, 640)),
        gpus_per_size=(1, 2),
        gpu_model="NVIDIA H100 NVL",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_H100,
        source=SIZES_PAGE + "gpu-accelerated/ncadsh100v5-series",
        confirmed=False,
    ),
    Series(
        name="NVadsA10_v5",
        quota_family="StandardNVADSA10v5Family",
        sizes=(("Standard_NV6ads_A10_v5", 6, 55), ("Standard_NV12ads_A10_v5", 12, 110),
               ("Standard_NV18ads_A10_v5", 18, 220), ("Standard_NV36ads_A10_v5", 36, 440),
               ("Standard_NV72ads_A10_v5", 72, 880)),
        gpus_per_size=(Fraction(1, 6), Fraction(1, 3), Fraction(1, 2), 1, 2),
        gpu_model="NVIDIA A10",
        local_temp_disk=True,
        regions=_GPU_A10,
        source=SIZES_PAGE + "gpu-accelerated/nvadsa10v5-series",
        confirmed=False,
    ),
    # NVv3 (Tesla M60) and NVv4 (AMD Radeon Instinct MI25, partitioned): retired 2026-09-30.
    # Not confirmed: encryption at host (on neither series page).
    Series(
        name="NVv3",
        quota_family="standardNVSv3Family",
        sizes=(("Standard_NV12s_v3", 12, 112), ("Standard_NV24s_v3", 24, 224), ("Standard_NV48s_v3", 48, 448)),
        gpus_per_size=(1, 2, 4),
        gpu_model="NVIDIA Tesla M60",
        local_temp_disk=True,
        retired_on=_NV_RETIREMENT,
        source=SIZES_PAGE + "gpu-accelerated/nvv3-series (retired 2026-09-30)",
        confirmed=False,
    ),
    Series(
        name="NVv4",
        quota_family="standardNVSv4Family",
        sizes=(("Standard_NV4as_v4", 4, 14), ("Standard_NV8as_v4", 8, 28), ("Standard_NV16as_v4", 16, 56),
               ("Standard_NV32as_v4", 32, 112)),
        gpus_per_size=(Fraction(1, 8), Fraction(1, 4), Fraction(1, 2), 1),
        gpu_model="AMD Radeon Instinct MI25",
        local_temp_disk=True,
        retired_on=_NV_RETIREMENT,
        source=SIZES_PAGE + "gpu-accelerated/nvv4-series (retired 2026-09-30)",
        confirmed=False,
    ),
)  # fmt: skip
