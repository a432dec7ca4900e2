"""The emulator's custom roles, budgets, userData and extension switch, each rule with Azure's answer."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from fakeazure import FakeAzure, errors
from fakeazure.caller import OWNER
from fakeazure.errors import ERROR_CODES
from tests.fakeazure.test_rules import (
    RG,
    VM,
    changed,
    linux_vm,
    make_network,
    make_nic,
    rejected,
    role_inputs,
    windows_vm,
)

ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
BUDGET = "azure-native:consumption:Budget"
EXTENSION = "azure-native:compute:VirtualMachineExtension"
DEALLOCATE = ["Microsoft.Compute/virtualMachines/deallocate/action", "Microsoft.Compute/virtualMachines/read"]


def group(az: FakeAzure) -> str:
    return az.resource_group_id(RG)


def role_definition(az: FakeAzure, **changes: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {
        "scope": group(az), "roleName": "dsvm idle stop: rg-dsvm", "roleType": "CustomRole",
        "permissions": [{"actions": list(DEALLOCATE), "notActions": [], "dataActions": [], "notDataActions": []}],
        "assignableScopes": [group(az)],
    }  # fmt: skip
    inputs.update(changes)
    return inputs


def budget(az: FakeAzure, **changes: Any) -> dict[str, Any]:
    notification = {"enabled": True, "operator": "GreaterThanOrEqualTo", "threshold": 80, "thresholdType": "Actual",
                    "contactEmails": ["owner@contoso.com"]}  # fmt: skip
    inputs: dict[str, Any] = {
        "budgetName": "dsvm-budget", "scope": group(az), "amount": 500, "category": "Cost", "timeGrain": "Monthly",
        "timePeriod": {"startDate": "2026-12-01T00:00:00Z"}, "notifications": {"actual-80-percent": notification},
    }  # fmt: skip
    for path, value in changes.items():
        inputs = changed(inputs, path, value)
    return inputs


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    """An administrator's subscription: custom roles are an Owner's to define (the deploy identity's refusals are in
    tests/fakeazure/test_caller.py)."""
    fake_azure.caller = OWNER
    make_network(fake_azure)
    return fake_azure


# -- custom roles -------------------------------------------------------------------------------------------------
def test_a_custom_role_at_the_resource_group(az: FakeAzure) -> None:
    role = az.create(ROLE_DEFINITION, "idle-role", role_definition(az))
    assert role.id == f"{group(az)}/providers/Microsoft.Authorization/roleDefinitions/{role.name}"
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    assignment = az.create(ROLE_ASSIGNMENT, "vm1-idle", {**role_inputs(az, vm.id), "roleDefinitionId": role.id})
    assert assignment.id.startswith(vm.id + "/providers/Microsoft.Authorization/roleAssignments/")


@pytest.mark.parametrize(("changes", "code", "target"), [
    ({"permissions": [{"actions": [], "dataActions": []}]}, "BadRequest", "permissions"),
    ({"permissions": []}, "BadRequest", "permissions"),
    ({"roleName": ""}, "BadRequest", "roleName"),
    ({"roleName": "x" * 513}, "BadRequest", "roleName"),
    ({"assignableScopes": []}, "BadRequest", "assignableScopes"),
    ({"assignableScopes": ["/"]}, "BadRequest", "assignableScopes[0]"),
    ({"assignableScopes": ["/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-nope"]},
     "ResourceNotFound", "assignableScopes[0]"),
    ({"roleDefinitionId": "not-a-guid"}, "BadRequest", "roleDefinitionId"),
], ids=["no-actions", "no-permissions", "no-name", "long-name", "no-scopes", "root", "missing-group", "name"])
def test_a_bad_custom_role_is_refused(az: FakeAzure, changes: dict[str, Any], code: str, target: str) -> None:
    error = rejected(az, ROLE_DEFINITION, "idle-role", role_definition(az, **changes))
    assert (error.code, error.target) == (code, target)


def test_role_names_are_unique_in_the_tenant(az: FakeAzure) -> None:
    az.create(ROLE_DEFINITION, "idle-role", role_definition(az))
    error = rejected(az, ROLE_DEFINITION, "other-role", role_definition(az, roleName="DSVM idle stop: RG-DSVM"))
    assert error.code == "RoleDefinitionWithSameNameExists" and "name that already exists" in error.message
    assert next(c for c in ERROR_CODES if c.code == "RoleDefinitionWithSameNameExists").confirmed


def test_a_custom_role_is_assigned_only_within_its_assignable_scopes(az: FakeAzure) -> None:
    narrow = az.create(ROLE_DEFINITION, "idle-role", role_definition(az))
    other = az.create("azure-native:resources:ResourceGroup", "rg-other", {"resourceGroupName": "rg-other",
                                                                           "location": "westeurope"})  # fmt: skip
    error = rejected(az, ROLE_ASSIGNMENT, "outside", {**role_inputs(az, other.id), "roleDefinitionId": narrow.id})
    assert error.code == "BadRequest" and "not available for assignment" in error.message
    missing = narrow.id.replace(narrow.name, "0f0f0f0f-0000-4000-8000-000000000000")
    error = rejected(az, ROLE_ASSIGNMENT, "unknown", {**role_inputs(az, group(az)), "roleDefinitionId": missing})
    assert error.code == "RoleDefinitionDoesNotExist"


# -- budgets ------------------------------------------------------------------------------------------------------
def test_a_budget_on_the_resource_group(az: FakeAzure) -> None:
    created = az.create(BUDGET, "budget", budget(az))
    assert created.id == f"{group(az)}/providers/Microsoft.Consumption/budgets/dsvm-budget"


def five_more() -> dict[str, Any]:
    one = {"enabled": True, "operator": "GreaterThan", "threshold": 50, "contactEmails": ["a@contoso.com"]}
    return {f"n{i}": dict(one) for i in range(6)}


@pytest.mark.parametrize(("changes", "target"), [
    ({"amount": 0}, "amount"),
    ({"timeGrain": "Weekly"}, "timeGrain"),
    ({"category": "Usage"}, "category"),
    ({"timePeriod.startDate": "2026-12-15T00:00:00Z"}, "timePeriod.startDate"),
    ({"timePeriod.startDate": "2017-05-01"}, "timePeriod.startDate"),
    ({"timePeriod.startDate": "2026-11-01T00:00:00Z"}, "timePeriod.startDate"),  # last month (tests: 2026-12-05)
    ({"timePeriod.startDate": "2028-01-01T00:00:00Z"}, "timePeriod.startDate"),  # 13 months ahead
    ({"timePeriod.endDate": "2026-11-01"}, "timePeriod.endDate"),
    ({"notifications": five_more()}, "notifications"),
    ({"notifications.actual-80-percent.threshold": 1001}, "notifications.actual-80-percent.threshold"),
    ({"notifications.actual-80-percent.contactEmails": []}, "notifications.actual-80-percent.contactEmails"),
    ({"notifications.actual-80-percent.thresholdType": "Budgeted"}, "notifications.actual-80-percent.thresholdType"),
], ids=["amount", "grain", "category", "mid-month", "too-early", "past-month", "too-far", "end", "six", "threshold",
        "no-contact", "type"])
def test_a_bad_budget_is_refused(az: FakeAzure, changes: dict[str, Any], target: str) -> None:
    error = rejected(az, BUDGET, "budget", budget(az, **changes))
    assert (error.code, error.target) == ("BadRequest", target)
    assert not errors.budget_invalid.confirmed  # the rules are documented, the code is not


def test_a_budget_on_a_group_that_does_not_exist_is_refused(az: FakeAzure) -> None:
    error = rejected(az, BUDGET, "budget", budget(az, scope=az.resource_group_id("rg-nope")))
    assert error.code == "ResourceNotFound"


# -- userData and the extension switch -------------------------------------------------------------------------------
def user_data(**settings: Any) -> str:
    return base64.b64encode(json.dumps({"idle_stop": settings}).encode()).decode()


def test_user_data_is_base64_of_at_most_64_kb(az: FakeAzure) -> None:
    nic = make_nic(az, "nic-1")
    assert rejected(az, VM, "vm1", {**linux_vm("vm1", nic), "userData": "not base64!"}).code == "InvalidParameter"
    big = base64.b64encode(b"x" * (64 * 1024 + 1)).decode()
    assert rejected(az, VM, "vm1", {**linux_vm("vm1", nic), "userData": big}).target == "userData"


def test_user_data_and_allowing_extensions_change_in_place(az: FakeAzure) -> None:
    inputs = changed(linux_vm("vm1", make_nic(az, "nic-1")), "osProfile.allowExtensionOperations", False)
    first = az.create(VM, "vm1", inputs)
    tuned = changed(changed(inputs, "osProfile.allowExtensionOperations", True), "userData", user_data(idle_minutes=90))
    az.begin_run()
    updated = az.create(VM, "vm1", tuned)
    assert not az.refusals and az.generation(first.id) == 0
    assert updated.outputs["vmId"] == first.outputs["vmId"] and updated.inputs["userData"] == tuned["userData"]
    extension = {"vmExtensionName": "dsvm-idle-stop", "vmName": "vm1", "resourceGroupName": RG,
                 "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1",
                 "protectedSettings": {"script": base64.b64encode(b"#!/bin/sh\n").decode()}}  # fmt: skip
    az.create(EXTENSION, "vm1-idle-stop", extension)
    # Turning extensions off while one is installed: Azure refuses, the VM keeps its settings.
    az.begin_run()
    kept = az.create(VM, "vm1", changed(tuned, "osProfile.allowExtensionOperations", False))
    (error,) = az.refusals[first.id.lower()]
    assert (error.code, error.target) == ("OperationNotAllowed", "osProfile.allowExtensionOperations")
    assert "az vm extension delete" in str(error.hint) and kept.inputs["osProfile"]["allowExtensionOperations"]


def test_custom_script_runs_on_its_own_os(az: FakeAzure) -> None:
    windows = changed(windows_vm("win1", make_nic(az, "nic-1")), "osProfile.allowExtensionOperations", True)
    az.create(VM, "win1", windows)
    linux_script = {"vmExtensionName": "dsvm-idle-stop", "vmName": "win1", "resourceGroupName": RG,
                    "publisher": "Microsoft.Azure.Extensions", "type": "CustomScript", "typeHandlerVersion": "2.1"}
    assert rejected(az, EXTENSION, "win1-idle-stop", linux_script).code == "OperationNotAllowed"
    windows_script = {**linux_script, "publisher": "Microsoft.Compute", "type": "CustomScriptExtension",
                      "typeHandlerVersion": "1.10"}  # fmt: skip
    assert az.create(EXTENSION, "win1-idle-stop", windows_script).name == "dsvm-idle-stop"


def test_a_budget_keeps_its_start_as_months_pass_but_never_moves_it(
    az: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    from azurefacts import clock

    az.create(BUDGET, "budget", budget(az, **{"timePeriod.startDate": "2027-12-01T00:00:00Z"}))  # 12 months ahead
    monkeypatch.setenv(clock.ENV, "2028-03-10")  # months later: the start is in the past now
    az.begin_run()
    updated = az.create(BUDGET, "budget", budget(az, amount=600, **{"timePeriod.startDate": "2027-12-01T00:00:00Z"}))
    assert updated.inputs["amount"] == 600 and not az.refusals
    az.begin_run()
    az.create(BUDGET, "budget", budget(az, amount=600, **{"timePeriod.startDate": "2028-03-01T00:00:00Z"}))
    (refusal,) = az.refusals[updated.id.lower()]
    assert (refusal.code, refusal.target) == ("PropertyChangeNotAllowed", "timePeriod.startDate")
    # The way out is the budget's own (leave the start, or start a new budget), not replace_on_changes.
    assert "leave dsvm:budget.start_date as deployed" in str(refusal.hint) and "replace_on_changes" not in str(
        refusal.hint)  # fmt: skip
