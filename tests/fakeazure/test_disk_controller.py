"""The emulator's disk controller rules: what a size offers, and no controller change on a running VM."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from azurefacts.sizes import VM_SIZES
from components.vm_profile import disk_controller_type
from fakeazure import ArmError
from fakeazure.providers.vm_rules import check_disk_controller, check_update


def controller(value: str | None) -> dict[str, Any]:
    return {"storageProfile": {"diskControllerType": value}}


def test_a_size_takes_only_the_controllers_it_offers() -> None:
    check_disk_controller(controller("NVMe"), VM_SIZES["Standard_D4s_v6"])
    check_disk_controller(controller(None), VM_SIZES["Standard_D4s_v6"])  # Azure sets the size's default
    check_disk_controller(controller("SCSI"), VM_SIZES["Standard_D4s_v5"])
    for value, size in (("SCSI", "Standard_D4s_v6"), ("NVMe", "Standard_D4s_v5")):
        with pytest.raises(ArmError, match="does not support the disk controller type"):
            check_disk_controller(controller(value), VM_SIZES[size])


def test_the_program_asks_for_nvme_exactly_where_the_size_is_nvme_only() -> None:
    assert disk_controller_type("Standard_D4s_v6") == "NVMe" and disk_controller_type("Standard_E8ads_v6") == "NVMe"
    assert disk_controller_type("Standard_D4s_v5") is None and disk_controller_type("Standard_NC4as_T4_v3") is None


def test_a_controller_change_needs_a_size_change_with_it() -> None:
    vm: Any = SimpleNamespace(name="alice-vm")
    with pytest.raises(ArmError, match="only while the VM is deallocated"):
        check_update(None, vm, ["storageProfile.diskControllerType"])  # type: ignore[arg-type]
    check_update(None, vm, ["storageProfile.diskControllerType", "hardwareProfile.vmSize"])  # type: ignore[arg-type]
