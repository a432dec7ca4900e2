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
