"""The OS disk as Azure takes it: SKUs an OS disk may have, zone redundancy, sizes, and a change on a deployed VM."""

from __future__ import annotations

import pytest

from fakeazure import FakeAzure
from tests.fakeazure.test_rules import VM, changed, linux_vm, make_network, make_nic, rejected, windows_vm
from tests.fakeazure.test_scale_sets import PROFILE, VMSS, vmss_inputs

SKU = "storageProfile.osDisk.managedDisk.storageAccountType"
SIZE = "storageProfile.osDisk.diskSizeGB"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


@pytest.mark.parametrize(("sku", "why"), [("PremiumV2_LRS", "Premium SSD v2"), ("UltraSSD_LRS", "Ultra Disks")])
def test_data_disk_only_skus_are_refused_as_os_disk(az: FakeAzure, sku: str, why: str) -> None:
    error = rejected(az, VM, "vm1", changed(linux_vm("vm1", make_nic(az, "nic-1")), SKU, sku))
    assert error.code == "InvalidParameter" and error.target == SKU
    assert why in error.message and "only" in error.message


@pytest.mark.parametrize("sku", ["StandardSSD_LRS", "Standard_LRS", "Premium_ZRS", "StandardSSD_ZRS"])
def test_the_other_skus_make_an_os_disk(az: FakeAzure, sku: str) -> None:
    vm = az.create(VM, "vm1", changed(linux_vm("vm1", make_nic(az, "nic-1")), SKU, sku))
    assert vm.outputs["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] == sku


def test_zrs_only_in_a_region_with_zones(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="westcentralus")  # no availability zones
    inputs = linux_vm("vm1", make_nic(fake_azure, "nic-1"))
    error = rejected(fake_azure, VM, "vm1", changed(inputs, SKU, "StandardSSD_ZRS"))
    assert error.target == SKU and "availability zones" in error.message and "westcentralus" in error.message
    fake_azure.create(VM, "vm1", changed(inputs, SKU, "StandardSSD_LRS"))


def test_an_os_disk_is_never_smaller_than_its_image_nor_above_4095_gib(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    error = rejected(az, VM, "vm1", changed(inputs, SIZE, 128))  # the Ubuntu DSVM's disk is 150 GiB
    assert error.code == "ResizeDiskError" and error.target == SIZE
    assert "smaller than the size of the corresponding disk in the VM image: 150 GB" in error.message
    assert rejected(az, VM, "vm1", changed(inputs, SIZE, 4096)).code == "InvalidParameter"
    az.create(VM, "vm1", changed(inputs, SIZE, 150))
    windows = windows_vm("vm-win", make_nic(az, "nic-2"))  # the Windows image's 127 GiB
    az.create(VM, "vm-win", changed(windows, SIZE, 128))


def test_premium_storage_applies_only_to_premium_skus(az: FakeAzure) -> None:
    inputs = linux_vm("vm1", make_nic(az, "nic-1"), size="Standard_D4_v5")  # Dv5: no premium storage
    for sku in ("Premium_LRS", "Premium_ZRS"):
        assert rejected(az, VM, "vm1", changed(inputs, SKU, sku)).code == "OperationNotAllowed"
    az.create(VM, "vm1", changed(inputs, SKU, "Standard_LRS"))


def test_a_deployed_vms_os_disk_changes_only_while_deallocated(az: FakeAzure) -> None:
    """The emulated VM is always running: a SKU change or growth is refused with the way out."""
    inputs = linux_vm("vm1", make_nic(az, "nic-1"))
    first = az.create(VM, "vm1", inputs)
    for path, value, what in ((SKU, "StandardSSD_LRS", "SKU (Premium_LRS -> StandardSSD_LRS)"),
                              (SIZE, 256, "size (150 -> 256 GB)")):  # fmt: skip
        az.begin_run()
        kept = az.create(VM, "vm1", changed(inputs, path, value))
        (error,) = az.refusals[first.id.lower()]
        assert error.code == "OperationNotAllowed" and error.target == "storageProfile.osDisk"
        assert what in error.message and "only while the VM is deallocated" in error.message
        assert error.hint is not None
        assert "az vm deallocate -g rg-dsvm -n vm1" in error.hint and "pulumi up" in error.hint
        assert "az vm start -g rg-dsvm -n vm1" in error.hint
        assert kept.inputs == first.inputs  # Azure kept the VM as it was
    az.begin_run()
    az.create(VM, "vm1", changed(inputs, "hardwareProfile.vmSize", "Standard_D8s_v5"))  # other changes go through
    assert not az.refusals


def test_a_deployed_os_disk_never_shrinks(az: FakeAzure) -> None:
    inputs = changed(linux_vm("vm1", make_nic(az, "nic-1")), SIZE, 512)
    first = az.create(VM, "vm1", inputs)
    for smaller in (256, None):  # leaving the size out asks for the image's 150 GiB
        az.begin_run()
        az.create(VM, "vm1", changed(inputs, SIZE, smaller) if smaller else changed(inputs, "storageProfile.osDisk",
                  {k: v for k, v in inputs["storageProfile"]["osDisk"].items() if k != "diskSizeGB"}))  # fmt: skip
        (error,) = az.refusals[first.id.lower()]
        assert error.code == "BadRequest" and "resized down" in error.message
        assert error.hint is not None and "keep os_disk.size_gb at 512" in error.hint


def test_a_scale_set_takes_the_os_disk_rules_and_changes_its_model_in_place(az: FakeAzure) -> None:
    inputs = vmss_inputs(az, size="Standard_D4_v5")
    error = rejected(az, VMSS, "pool", inputs)  # its Premium SSD OS disk on a size without premium storage
    assert error.target == f"{PROFILE}.storageProfile.osDisk"
    sku = f"{PROFILE}.storageProfile.osDisk.managedDisk.storageAccountType"
    assert rejected(az, VMSS, "pool", changed(inputs, sku, "UltraSSD_LRS")).target == f"{PROFILE}.{SKU}"
    standard = changed(inputs, sku, "StandardSSD_LRS")
    pool = az.create(VMSS, "pool", standard)
    az.begin_run()  # the model's OS disk changes in place: new instances get it (no instance is emulated)
    az.create(VMSS, "pool", changed(changed(standard, sku, "Standard_LRS"), f"{PROFILE}.{SIZE}", 256))
    assert not az.refusals and az.resources[pool.id.lower()].inputs[PROFILE]["storageProfile"]["osDisk"] == {
        "createOption": "FromImage", "deleteOption": "Delete", "diskSizeGB": 256,
        "managedDisk": {"storageAccountType": "Standard_LRS"},
    }
