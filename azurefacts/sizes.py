"""VM sizes, by series, with their sources.

Each ``Series`` row is read off the series page of Microsoft Learn's 'Sizes for
virtual machines in Azure' (vCPUs, memory, GPUs, local temp disk, Hyper-V
generations, premium storage, encryption at host) and the 'Trusted launch for
Azure VMs' supported-sizes list. ``quota_family`` is the name Azure's usage API
(``az vm list-usage``) reports for the series' vCPU quota (compare ignoring case).
``retired_on`` is the date a series stops running (Microsoft's retirement
announcements): a retired series is refused, one retiring soon is warned about.
``regions`` is None when the series is offered in every region of
``azurefacts.regions`` (a simplification of the Resource SKUs API: no zone or
subscription restrictions), else the regions that offer it.

A row whose facts were not confirmed against its source says ``confirmed=False``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date

_SIZES_PAGE = "https://learn.microsoft.com/azure/virtual-machines/sizes/"
TRUSTED_LAUNCH_SOURCE = "Microsoft Learn, 'Trusted launch for Azure VMs' (virtual machines sizes)"
RESIZE_SOURCE = (
    "Microsoft Learn, 'Resize a virtual machine' and 'Azure VM sizes with no local temporary disk' "
    "(a size without a temp disk cannot be resized to one with one, and back)"
)


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
    gpus_per_size: tuple[int, ...] = ()  # one entry per size when the series has GPUs
    gpu_model: str | None = None
    retired_on: date | None = None
    regions: frozenset[str] | None = None
    confirmed: bool = True


@dataclass(frozen=True)
class VmSize:
    """One VM size, as the emulator, the config checks and the cost estimate see it."""

    name: str
    series: str
    quota_family: str
    vcpus: int
    memory_gib: float
    gpus: int
    gpu_model: str | None
    local_temp_disk: bool
    generations: tuple[int, ...]
    trusted_launch: bool
    premium_storage: bool
    encryption_at_host: bool
    retired_on: date | None
    regions: frozenset[str] | None
    source: str
    confirmed: bool

    @property
    def is_gpu(self) -> bool:
        return self.gpus > 0

    def offered_in(self, location: str) -> bool:
        """Whether the size can be deployed in ``location`` (a normalized region name)."""
        return self.regions is None or location in self.regions

    def retired(self, today: date) -> bool:
        return self.retired_on is not None and today >= self.retired_on


_GPU_T4 = frozenset(
    {"eastus", "eastus2", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth", "japaneast",
     "australiaeast"}
)  # fmt: skip
_GPU_V100 = frozenset({"eastus", "westus2", "southcentralus", "westeurope", "northeurope", "uksouth"})
_GPU_A100 = frozenset({"eastus", "eastus2", "westus3", "southcentralus", "westeurope", "swedencentral"})
_GPU_A10 = frozenset({"eastus", "southcentralus", "westus3", "westeurope", "northeurope", "swedencentral"})

SERIES: tuple[Series, ...] = (
    Series(
        name="Bsv1",
        quota_family="standardBSFamily",
        sizes=(("Standard_B2s", 2, 4), ("Standard_B4ms", 4, 16)),
        local_temp_disk=True,
        source=_SIZES_PAGE + "general-purpose/bv1-series",
    ),
    Series(
        name="Dsv5",
        quota_family="standardDSv5Family",
        sizes=(
            ("Standard_D2s_v5", 2, 8), ("Standard_D4s_v5", 4, 16), ("Standard_D8s_v5", 8, 32),
            ("Standard_D16s_v5", 16, 64),
        ),
        source=_SIZES_PAGE + "general-purpose/dsv5-series",
    ),
    Series(
        name="Esv5",
        quota_family="standardESv5Family",
        sizes=(("Standard_E8s_v5", 8, 64),),
        source=_SIZES_PAGE + "memory-optimized/esv5-series",
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
        source=_SIZES_PAGE + "general-purpose/av2-series",
    ),
    Series(
        name="NCasT4_v3",
        quota_family="standardNCASv3_T4Family",
        sizes=(("Standard_NC4as_T4_v3", 4, 28), ("Standard_NC8as_T4_v3", 8, 56)),
        gpus_per_size=(1, 1),
        gpu_model="NVIDIA T4",
        local_temp_disk=True,
        regions=_GPU_T4,
        source=_SIZES_PAGE + "gpu-accelerated/ncast4v3-series",
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
        source=_SIZES_PAGE + "gpu-accelerated/ncv3-series (retired 2025-09-30)",
        confirmed=False,
    ),
    # NC A100 v4: Generation 2 only.
    Series(
        name="NCadsA100_v4",
        quota_family="StandardNCADSA100v4Family",
        sizes=(("Standard_NC24ads_A100_v4", 24, 220),),
        gpus_per_size=(1,),
        gpu_model="NVIDIA A100 80GB",
        generations=(2,),
        trusted_launch=False,
        local_temp_disk=True,
        regions=_GPU_A100,
        source=_SIZES_PAGE + "gpu-accelerated/nca100v4-series",
        confirmed=False,
    ),
    Series(
        name="NVadsA10_v5",
        quota_family="StandardNVADSA10v5Family",
        sizes=(("Standard_NV6ads_A10_v5", 6, 55),),
        gpus_per_size=(1,),
        gpu_model="NVIDIA A10 (1/6)",
        local_temp_disk=True,
        regions=_GPU_A10,
        source=_SIZES_PAGE + "gpu-accelerated/nvadsa10v5-series",
        confirmed=False,
    ),
)  # fmt: skip


def _expand(series: Series) -> list[VmSize]:
    gpus = series.gpus_per_size or (0,) * len(series.sizes)
    if len(gpus) != len(series.sizes):
        raise ValueError(f"series {series.name}: gpus_per_size has {len(gpus)} entries for {len(series.sizes)} sizes")
    return [
        VmSize(
            name=name,
            series=series.name,
            quota_family=series.quota_family,
            vcpus=vcpus,
            memory_gib=memory,
            gpus=count,
            gpu_model=series.gpu_model if count else None,
            local_temp_disk=series.local_temp_disk,
            generations=series.generations,
            trusted_launch=series.trusted_launch,
            premium_storage=series.premium_storage,
            encryption_at_host=series.encryption_at_host,
            retired_on=series.retired_on,
            regions=series.regions,
            source=series.source + (f"; {TRUSTED_LAUNCH_SOURCE}" if series.trusted_launch else ""),
            confirmed=series.confirmed,
        )
        for (name, vcpus, memory), count in zip(series.sizes, gpus, strict=True)
    ]


VM_SIZES: dict[str, VmSize] = {size.name: size for series in SERIES for size in _expand(series)}

SIZE_NAME = re.compile(r"^Standard_[A-Za-z0-9_]+$")


def suggest_size(name: str) -> str | None:
    """The known size a mistyped ``name`` most likely meant (``Standard_NC4as_T4v3`` -> ``..._T4_v3``)."""
    folded = {re.sub(r"[^a-z0-9]", "", known.lower()): known for known in VM_SIZES}
    exact = folded.get(re.sub(r"[^a-z0-9]", "", name.lower()))
    if exact:
        return exact
    close = difflib.get_close_matches(name, list(VM_SIZES), n=1, cutoff=0.85)
    return close[0] if close else None


def resize_problem(current: VmSize, target: VmSize) -> str | None:
    """Why Azure refuses to resize a VM of ``current`` to ``target`` in place, or None (RESIZE_SOURCE)."""
    if current.local_temp_disk != target.local_temp_disk:
        has, lacks = (current, target) if current.local_temp_disk else (target, current)
        return (
            f"{has.name} has a local temp disk and {lacks.name} has none: Azure cannot resize between a size "
            "with a local temp disk and one without"
        )
    shared = set(current.generations) & set(target.generations)
    if not shared:
        return f"{current.name} and {target.name} share no Hyper-V generation"
    return None
