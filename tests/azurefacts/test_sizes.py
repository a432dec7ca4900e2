"""VM size facts: every series expanded with its figures, GPUs (whole and partial), retirements,
quota families, resize rules, and a price for every size."""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Any

import pytest

from azurefacts.prices import REFERENCE_REGION, shipped
from azurefacts.size_series import NVME, SCSI, SIZES_PAGE
from azurefacts.sizes import SERIES, VM_SIZES, resize_problem, suggest_size
from stacks.config import ConfigError, parse_config
from stacks.config.image import vm_size_problem
from tests.helpers import ssh_key, team_values

TODAY = date(2026, 11, 24)

# series -> its sizes as (name, vCPUs, GiB), as the Microsoft Learn series pages list them
EXPECTED: dict[str, list[tuple[str, int, float]]] = {
    "Dsv5": [(f"Standard_D{n}s_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Ddsv5": [(f"Standard_D{n}ds_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Dasv5": [(f"Standard_D{n}as_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Dadsv5": [(f"Standard_D{n}ads_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Dsv6": [(f"Standard_D{n}s_v6", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "DSv2": [("Standard_DS1_v2", 1, 3.5), ("Standard_DS2_v2", 2, 7), ("Standard_DS3_v2", 4, 14),
             ("Standard_DS4_v2", 8, 28), ("Standard_DS5_v2", 16, 56)],
    "Esv5": [(f"Standard_E{n}s_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "Edsv5": [(f"Standard_E{n}ds_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "NCasT4_v3": [("Standard_NC4as_T4_v3", 4, 28), ("Standard_NC8as_T4_v3", 8, 56),
                  ("Standard_NC16as_T4_v3", 16, 110), ("Standard_NC64as_T4_v3", 64, 440)],
    "NCadsA100_v4": [("Standard_NC24ads_A100_v4", 24, 220), ("Standard_NC48ads_A100_v4", 48, 440),
                     ("Standard_NC96ads_A100_v4", 96, 880)],
    "NCadsH100_v5": [("Standard_NC40ads_H100_v5", 40, 320), ("Standard_NC80adis_H100_v5", 80, 640)],
    "NVadsA10_v5": [("Standard_NV6ads_A10_v5", 6, 55), ("Standard_NV12ads_A10_v5", 12, 110),
                    ("Standard_NV18ads_A10_v5", 18, 220), ("Standard_NV36ads_A10_v5", 36, 440),
                    ("Standard_NV72ads_A10_v5", 72, 880)],
    "NVv3": [("Standard_NV12s_v3", 12, 112), ("Standard_NV24s_v3", 24, 224), ("Standard_NV48s_v3", 48, 448)],
    "NVv4": [("Standard_NV4as_v4", 4, 14), ("Standard_NV8as_v4", 8, 28), ("Standard_NV16as_v4", 16, 56),
             ("Standard_NV32as_v4", 32, 112)],
    "Bsv2": [("Standard_B2ts_v2", 2, 1), ("Standard_B2ls_v2", 2, 4), ("Standard_B2s_v2", 2, 8),
             ("Standard_B4ls_v2", 4, 8), ("Standard_B4s_v2", 4, 16), ("Standard_B8ls_v2", 8, 16),
             ("Standard_B8s_v2", 8, 32), ("Standard_B16ls_v2", 16, 32), ("Standard_B16s_v2", 16, 64),
             ("Standard_B32ls_v2", 32, 64), ("Standard_B32s_v2", 32, 128)],
    "Basv2": [("Standard_B2ats_v2", 2, 1), ("Standard_B2als_v2", 2, 4), ("Standard_B2as_v2", 2, 8),
              ("Standard_B4als_v2", 4, 8), ("Standard_B4as_v2", 4, 16), ("Standard_B8als_v2", 8, 16),
              ("Standard_B8as_v2", 8, 32), ("Standard_B16als_v2", 16, 32), ("Standard_B16as_v2", 16, 64),
              ("Standard_B32als_v2", 32, 64), ("Standard_B32as_v2", 32, 128)],
    "Fsv2": [(f"Standard_F{n}s_v2", n, 2 * n) for n in (2, 4, 8, 16, 32, 48, 64, 72)],
    "Dv5": [(f"Standard_D{n}_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Ddv5": [(f"Standard_D{n}d_v5", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Ddsv6": [(f"Standard_D{n}ds_v6", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Dasv6": [(f"Standard_D{n}as_v6", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Dadsv6": [(f"Standard_D{n}ads_v6", n, 4 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Ev5": [(f"Standard_E{n}_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "Edv5": [(f"Standard_E{n}d_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "Easv5": [(f"Standard_E{n}as_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "Eadsv5": [(f"Standard_E{n}ads_v5", n, 8 * n) for n in (2, 4, 8, 16, 20, 32, 48, 64)],
    "Esv6": [(f"Standard_E{n}s_v6", n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Edsv6": [(f"Standard_E{n}ds_v6", n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Easv6": [(f"Standard_E{n}as_v6", n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "Eadsv6": [(f"Standard_E{n}ads_v6", n, 8 * n) for n in (2, 4, 8, 16, 32, 48, 64)],
    "NDasrA100_v4": [("Standard_ND96asr_v4", 96, 900)],
    "NDamsrA100_v4": [("Standard_ND96amsr_A100_v4", 96, 1900)],
    "NDisrH100_v5": [("Standard_ND96isr_H100_v5", 96, 1900)],
}  # fmt: skip

GPUS = {
    "Standard_NC4as_T4_v3": 1, "Standard_NC8as_T4_v3": 1, "Standard_NC16as_T4_v3": 1, "Standard_NC64as_T4_v3": 4,
    "Standard_NC24ads_A100_v4": 1, "Standard_NC48ads_A100_v4": 2, "Standard_NC96ads_A100_v4": 4,
    "Standard_NC40ads_H100_v5": 1, "Standard_NC80adis_H100_v5": 2,
    "Standard_NV6ads_A10_v5": Fraction(1, 6), "Standard_NV12ads_A10_v5": Fraction(1, 3),
    "Standard_NV18ads_A10_v5": Fraction(1, 2), "Standard_NV36ads_A10_v5": 1, "Standard_NV72ads_A10_v5": 2,
    "Standard_NV12s_v3": 1, "Standard_NV24s_v3": 2, "Standard_NV48s_v3": 4,
    "Standard_NV4as_v4": Fraction(1, 8), "Standard_NV8as_v4": Fraction(1, 4), "Standard_NV16as_v4": Fraction(1, 2),
    "Standard_NV32as_v4": 1,
    "Standard_ND96asr_v4": 8, "Standard_ND96amsr_A100_v4": 8, "Standard_ND96isr_H100_v5": 8,
}  # fmt: skip


@pytest.mark.parametrize("series", sorted(EXPECTED))
def test_every_series_is_expanded_with_its_figures(series: str) -> None:
    got = [(s.name, s.vcpus, s.memory_gib) for s in VM_SIZES.values() if s.series == series]
    assert got == EXPECTED[series]
    for name, _, _ in EXPECTED[series]:
        assert VM_SIZES[name].source.startswith(SIZES_PAGE), name


def test_size_names_are_unique_across_series() -> None:
    assert sum(len(s.sizes) for s in SERIES) == len(VM_SIZES)


def test_gpu_counts_whole_and_partial() -> None:
    assert {s.name: s.gpus for s in VM_SIZES.values() if s.is_gpu and s.series != "NCv3"} == GPUS
    assert VM_SIZES["Standard_NC64as_T4_v3"].gpu_summary == "4 x NVIDIA T4"
    assert VM_SIZES["Standard_NC96ads_A100_v4"].gpus == 4
    assert VM_SIZES["Standard_NV6ads_A10_v5"].gpu_summary == "1/6 of one NVIDIA A10"
    assert all(
        not s.is_gpu and s.gpu_model is None and s.gpu_summary is None
        for s in VM_SIZES.values()
        if not s.name.startswith("Standard_N")
    )


def test_local_temp_disks_generations_and_controllers() -> None:
    for name in ("Standard_D4ds_v5", "Standard_D4ads_v5", "Standard_DS4_v2", "Standard_E4ds_v5"):
        assert VM_SIZES[name].local_temp_disk, name
    for name in ("Standard_D4s_v5", "Standard_D4as_v5", "Standard_D4s_v6", "Standard_E4s_v5"):
        assert not VM_SIZES[name].local_temp_disk, name
    assert VM_SIZES["Standard_D4s_v6"].generations == (2,)
    assert VM_SIZES["Standard_D4s_v6"].disk_controllers == (NVME,)
    assert VM_SIZES["Standard_DS4_v2"].generations == (1, 2)
    assert VM_SIZES["Standard_NC40ads_H100_v5"].generations == (2,)
    assert VM_SIZES["Standard_D4s_v5"].disk_controllers == (SCSI,)


def test_quota_families_as_the_usage_api_names_them() -> None:
    assert all(s.quota_family.lower().endswith("family") for s in VM_SIZES.values())
    families = {s.series: s.quota_family for s in VM_SIZES.values()}
    assert families["Dasv5"] == "standardDASv5Family"
    assert families["Dadsv5"] == "standardDADSv5Family"
    assert families["DSv2"] == "standardDSv2Family"
    # one family per series, and no family shared by two series
    assert len(set(families.values())) == len(families)


@pytest.mark.parametrize("name", ["Standard_NV12s_v3", "Standard_NV48s_v3", "Standard_NV4as_v4", "Standard_NV32as_v4"])
def test_nvv3_and_nvv4_are_retired_and_refused_with_the_date(name: str) -> None:
    size = VM_SIZES[name]
    assert size.retired_on == date(2026, 9, 30) and size.retired(TODAY)
    assert not size.retired(date(2026, 9, 29))
    assert "was retired on 2026-09-30" in str(vm_size_problem(name, today=TODAY))


def test_the_config_refuses_a_retired_nv_size() -> None:
    member: dict[str, Any] = {"username": "alice", "ssh_public_key": ssh_key("alice"), "vm_size": "Standard_NV12s_v3"}
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(members=[member]))
    assert any(
        path == "dsvm:members[0].vm_size" and "was retired on 2026-09-30" in message
        for path, message in error.value.problems
    ), error.value.problems


def test_ncv3_stays_retired() -> None:
    assert VM_SIZES["Standard_NC6s_v3"].retired_on == date(2025, 9, 30)


def test_current_sizes_pass_the_config_check() -> None:
    for name in ("Standard_E4s_v5", "Standard_E16s_v5", "Standard_D4s_v6", "Standard_DS4_v2", "Standard_D4ads_v5",
                 "Standard_B4s_v2", "Standard_F8s_v2", "Standard_E4as_v5", "Standard_E8s_v6", "Standard_ND96asr_v4"):
        assert vm_size_problem(name, today=TODAY) is None, name


def test_the_series_data_scientists_pick_are_all_known() -> None:
    """Issue 10: B v2, D/Ds/Dds/Das/Dads v5 and v6, E/Es/Eds/Eas v5 and v6, F v2, current NC/ND/NV."""
    series = {s.series for s in VM_SIZES.values()}
    assert {"Bsv2", "Basv2", "Fsv2", "Dv5", "Dsv5", "Ddsv5", "Dasv5", "Dadsv5", "Dsv6", "Ddsv6", "Dasv6", "Dadsv6",
            "Ev5", "Esv5", "Edsv5", "Easv5", "Eadsv5", "Esv6", "Edsv6", "Easv6", "Eadsv6", "NCasT4_v3", "NCadsA100_v4",
            "NCadsH100_v5", "NDasrA100_v4", "NDamsrA100_v4", "NDisrH100_v5", "NVadsA10_v5"} <= series
    for row in SERIES:
        assert row.source.startswith(SIZES_PAGE), row.name


def test_v6_sizes_are_generation_2_and_nvme_and_premium_follows_the_s() -> None:
    for name in ("Standard_D4ds_v6", "Standard_D4as_v6", "Standard_E8s_v6", "Standard_E8ads_v6"):
        assert VM_SIZES[name].generations == (2,) and VM_SIZES[name].disk_controllers == (NVME,), name
    assert not VM_SIZES["Standard_D4_v5"].premium_storage and not VM_SIZES["Standard_E4d_v5"].premium_storage
    assert VM_SIZES["Standard_E4as_v5"].premium_storage and VM_SIZES["Standard_B4s_v2"].premium_storage
    assert VM_SIZES["Standard_F8s_v2"].local_temp_disk and not VM_SIZES["Standard_B4s_v2"].local_temp_disk
    assert VM_SIZES["Standard_ND96isr_H100_v5"].gpu_summary == "8 x NVIDIA H100 80GB"


def test_typos_get_the_known_size() -> None:
    assert suggest_size("Standard_NC4as_T4v3") == "Standard_NC4as_T4_v3"
    assert suggest_size("standard_d4ads_v5") == "Standard_D4ads_v5"
    assert suggest_size("Standard_NC40ads_H100v5") == "Standard_NC40ads_H100_v5"


def test_resize_rules() -> None:
    def problem(a: str, b: str) -> str | None:
        return resize_problem(VM_SIZES[a], VM_SIZES[b])

    assert problem("Standard_D4ads_v5", "Standard_NC4as_T4_v3") is None
    assert problem("Standard_DS4_v2", "Standard_NC8as_T4_v3") is None
    assert "local temp disk" in str(problem("Standard_D4as_v5", "Standard_NC4as_T4_v3"))
    assert "share no Hyper-V generation" in str(problem("Standard_A4_v2", "Standard_NC24ads_A100_v4"))
    assert "NVMe" in str(problem("Standard_D4s_v5", "Standard_D4s_v6"))


def test_every_size_has_a_linux_and_a_windows_price() -> None:
    book = shipped()
    for name, size in VM_SIZES.items():
        linux = book.price(REFERENCE_REGION, "vm", name, "linux").amount
        windows = book.price(REFERENCE_REGION, "vm", name, "windows").amount
        assert 0 < linux <= windows, name
        # A sanity bound: under $0.60 per vCPU-hour and $13 per GPU-hour (an H100 of the ND H100 v5: about $12.3).
        assert linux < 0.6 * size.vcpus + 13 * float(size.gpus), name
