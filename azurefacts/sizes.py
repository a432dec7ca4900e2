"""VM sizes, by series, with their sources.

The series rows live in ``azurefacts.size_series`` (``Series``: read off the series
page of Microsoft Learn's 'Sizes for virtual machines in Azure' and the 'Trusted
launch for Azure VMs' supported-sizes list); this module expands them into one
``VmSize`` per size (``VM_SIZES``). ``quota_family`` is the name Azure's usage API
(``az vm list-usage``) reports for the series' vCPU quota (compare ignoring case).
``gpus`` is a ``Fraction``: a size may have part of one GPU (NVadsA10 v5: 1/6 to 2).
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
from fractions import Fraction

from azurefacts.gpu_series import GPU_SERIES
from azurefacts.size_series import CPU_SERIES, Series

SERIES: tuple[Series, ...] = CPU_SERIES + GPU_SERIES

TRUSTED_LAUNCH_SOURCE = "Microsoft Learn, 'Trusted launch for Azure VMs' (virtual machines sizes)"
RESIZE_SOURCE = (
    "Microsoft Learn, 'Resize a virtual machine', 'Azure VM sizes with no local temporary disk' (a size "
    "without a temp disk cannot be resized to one with one, and back) and 'Convert SCSI to NVMe' (a move "
    "between a SCSI-only and an NVMe-only size changes the disk controller: deallocate and convert)"
)


@dataclass(frozen=True)
class VmSize:
    """One VM size, as the emulator, the config checks and the cost estimate see it."""

    name: str
    series: str
    quota_family: str
    vcpus: int
    memory_gib: float
    gpus: Fraction
    gpu_model: str | None
    local_temp_disk: bool
    generations: tuple[int, ...]
    trusted_launch: bool
    premium_storage: bool
    encryption_at_host: bool
    disk_controllers: tuple[str, ...]
    retired_on: date | None
    regions: frozenset[str] | None
    source: str
    confirmed: bool

    @property
    def is_gpu(self) -> bool:
        return self.gpus > 0

    @property
    def gpu_summary(self) -> str | None:
        """``4 x NVIDIA T4``, ``1/6 of one NVIDIA A10``; None without GPUs."""
        if not self.is_gpu:
            return None
        if self.gpus < 1:
            return f"{self.gpus} of one {self.gpu_model}"
        return f"{self.gpus} x {self.gpu_model}"

    def offered_in(self, location: str) -> bool:
        """Whether the size can be deployed in ``location`` (a normalized region name)."""
        return self.regions is None or location in self.regions

    def retired(self, today: date) -> bool:
        return self.retired_on is not None and today >= self.retired_on


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
            gpus=Fraction(count),
            gpu_model=series.gpu_model if count else None,
            local_temp_disk=series.local_temp_disk,
            generations=series.generations,
            trusted_launch=series.trusted_launch,
            premium_storage=series.premium_storage,
            encryption_at_host=series.encryption_at_host,
            disk_controllers=series.disk_controllers,
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
    if not set(current.disk_controllers) & set(target.disk_controllers):
        return (
            f"{current.name} attaches disks over {'/'.join(current.disk_controllers)} and {target.name} over "
            f"{'/'.join(target.disk_controllers)}: Azure cannot resize between them in place (the VM must be "
            "deallocated and its disk controller converted)"
        )
    return None
