"""The GPU VM series ``azurefacts.sizes`` knows (``Series`` rows, see ``azurefacts.size_series``).

Regions are a simplification, not confirmed against the Resource SKUs API. GPU counts
are per size and may be fractions (a partition of one GPU: NVadsA10 v5, NVv4), as the
series pages list them.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction

from azurefacts.size_series import SIZES_PAGE, Series

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

GPU_SERIES: tuple[Series, ...] = (
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
    # ND: 8 GPUs with InfiniBand, Generation 2 only. Not confirmed: quota family names, Trusted Launch (taken as
    # not supported, like the NC A100 v4 row), regions.
    Series(
        name="NDasrA100_v4",
        quota_family="standardNDASv4_A100Family",
        sizes=(("Standard_ND96asr_v4", 96, 900),),
        gpus_per_size=(8,),
        gpu_model="NVIDIA A100 40GB",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_A100,
        source=SIZES_PAGE + "gpu-accelerated/ndasra100v4-series",
        confirmed=False,
    ),
    Series(
        name="NDamsrA100_v4",
        quota_family="StandardNDAMSv4_A100Family",
        sizes=(("Standard_ND96amsr_A100_v4", 96, 1900),),
        gpus_per_size=(8,),
        gpu_model="NVIDIA A100 80GB",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_A100,
        source=SIZES_PAGE + "gpu-accelerated/ndma100v4-series",
        confirmed=False,
    ),
    Series(
        name="NDisrH100_v5",
        quota_family="standardNDSH100v5Family",
        sizes=(("Standard_ND96isr_H100_v5", 96, 1900),),
        gpus_per_size=(8,),
        gpu_model="NVIDIA H100 80GB",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_H100,
        source=SIZES_PAGE + "gpu-accelerated/nd-h100-v5-series",
        confirmed=False,
    ),
)  # fmt: skip
