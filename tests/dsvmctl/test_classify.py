"""dsvmctl/diff.py's classification of one resource, case by case (the engine's rules on small documents)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dsvmctl.diff import PROTECTED, classify

ACCOUNT = "azure-native:storage:StorageAccount"


def account(name: str = "dsvmdev01", protect: bool = True, **extra: Any) -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::dsvm::{ACCOUNT}::dsvm-dev-storage-account", "type": ACCOUNT,
            "name": "dsvm-dev-storage-account", "protect": protect,
            "inputs": {"accountName": name, "resourceGroupName": "rg-dsvm-dev", "location": "eastus"}, **extra}


@pytest.mark.parametrize(("in_state", "in_program", "refused"), [
    (True, True, True),  # protected on both sides: the engine refuses the replace
    (True, False, False),  # the program drops protect in the same update: allowed
    (False, True, False),  # `state unprotect` first (the documented deliberate step): allowed
    (False, False, False),
])  # fmt: skip
def test_a_replace_is_refused_only_while_state_and_program_both_protect(
    in_state: bool, in_program: bool, refused: bool
) -> None:
    """pulumi/pulumi step_generator.go (generateStepsFromDiff): `if new.Protect && old.Protect` (#8873)."""
    change = classify(account(protect=in_state), account("dsvmrenamed01", protect=in_program))
    assert change.change == "replace" and change.replace_reasons == ["accountName (create-only: accountName)"]
    assert [e.code for e in change.errors] == ([PROTECTED] if refused else [])
    if refused:
        assert "dsvmctl state unprotect 'urn:pulumi:dev::dsvm::" in (change.errors[0].fix or "")


@pytest.mark.parametrize("in_program", [True, False])
def test_an_update_of_a_protected_resource_is_never_refused_for_it(in_program: bool) -> None:
    head = account(protect=in_program)
    head["inputs"]["allowBlobPublicAccess"] = False
    change = classify(account(), head)
    assert change.change == "update" and change.errors == []


def test_a_delete_is_refused_while_the_state_protects() -> None:
    assert [e.code for e in classify(account(), None).errors] == [PROTECTED]
    assert classify(account(protect=False), None).errors == []


def test_an_ignored_path_is_never_a_change() -> None:
    """A head that lists ``ignoreChanges`` (a scale set's capacity, which autoscale owns) changes nothing there,
    whatever the other side holds (a plan of another git ref)."""
    base = {"urn": "urn:x::pool", "type": "azure-native:compute:VirtualMachineScaleSet", "name": "pool",
            "inputs": {"sku": {"name": "Standard_D4s_v5", "capacity": 0}}}
    head = copy.deepcopy(base)
    head["inputs"]["sku"]["capacity"] = 3
    assert classify(base, head).changed_properties == ["sku.capacity"]
    head["ignoreChanges"] = ["sku.capacity"]
    assert classify(base, head).change == "same"
    head["inputs"]["sku"]["name"] = "Standard_D8s_v5"
    assert classify(base, head).changed_properties == ["sku.name"]


VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
IMAGE = {"publisher": "microsoft-dsvm", "offer": "ubuntu-2204", "sku": "2204-gen2", "version": "25.09.15"}


def vm(size: str = "Standard_D4s_v5", image: dict[str, str] | None = None, custom_data: str = "a") -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::dsvm::{VM}::alice-vm", "type": VM, "name": "alice-vm",
            "replaceOnChanges": ["osProfile.customData", "storageProfile.imageReference"],
            "secretFingerprints": {"osProfile.customData": custom_data},
            "inputs": {"vmName": "alice-vm", "hardwareProfile": {"vmSize": size},
                       "osProfile": {"customData": "[secret]"},
                       "storageProfile": {"imageReference": image or IMAGE,
                                          "osDisk": {"deleteOption": "Delete"},
                                          "dataDisks": [{"lun": 0, "deleteOption": "Detach"}]}}}  # fmt: skip


def pool(version: str = "25.09.15", user_data: str = "a", name: str = "pool") -> dict[str, Any]:
    return {"urn": f"urn:pulumi:dev::dsvm::{VMSS}::pool", "type": VMSS, "name": "pool",
            "inputs": {"vmScaleSetName": name, "virtualMachineProfile": {
                "userData": user_data,
                "storageProfile": {"imageReference": {**IMAGE, "version": version}}}}}  # fmt: skip


def test_a_replace_that_keeps_the_image_version_is_no_downgrade() -> None:
    change = classify(vm(), vm(custom_data="b"))
    assert change.change == "replace" and len(change.effects) == 1
    assert change.effects[0].startswith("replaces the VM: its OS disk goes with it")


@pytest.mark.parametrize(("key", "value"), [("sku", "2204"), ("offer", "ubuntu-2004"), ("publisher", "other")])
def test_a_lower_version_of_another_image_is_no_downgrade(key: str, value: str) -> None:
    older = {**IMAGE, key: value, "version": "25.01.14"}
    assert not [e for e in classify(vm(), vm(image=older)).effects if "downgrade" in e]
    assert [e for e in classify(vm(), vm(image={**IMAGE, "version": "25.01.14"})).effects if "downgrade" in e]


def test_a_resize_within_a_series_restarts_without_deallocating() -> None:
    (effect,) = classify(vm(), vm("Standard_D8s_v5")).effects
    assert effect == "resizes Standard_D4s_v5 -> Standard_D8s_v5: restarts the VM"
    (effect,) = classify(vm(), vm("Standard_E4s_v5")).effects
    assert effect.startswith("resizes Standard_D4s_v5 -> Standard_E4s_v5: restarts the VM, and deallocates it first")


def test_a_scale_set_explains_only_a_pin_change_and_only_in_place() -> None:
    assert classify(pool(), pool(user_data="b")).effects == []  # an update without a pin change
    (model, downgrade) = classify(pool(), pool("25.05.20")).effects
    assert model.startswith("updates the scale set's model in place: instances created from now on boot image "
                            "25.05.20") and "(a downgrade)" in downgrade  # fmt: skip
    replaced = classify(pool(), pool("25.05.20", name="pool-2"))  # a new name: a new scale set
    assert replaced.change == "replace" and replaced.effects == []
