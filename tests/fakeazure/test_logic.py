"""Consumption Logic Apps in the emulator (fakeazure/providers/logic.py): the start workflow's shape, what Azure
refuses in a definition, its identity, and which VMs a run may start."""

from __future__ import annotations

from typing import Any

import pytest

from azurefacts.patching import Window
from azurefacts.subscription_roles import VM_IDLE_STOP, VM_PATCH_START, role_definition_id
from components.patch_start import definition
from fakeazure import FakeAzure
from fakeazure.errors import FakeAzureError
from fakeazure.providers.logic import starts
from tests.fakeazure.test_rules import RG, VM, changed, linux_vm, make_network, make_nic, rejected

WORKFLOW = "azure-native:logic:Workflow"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
TRIGGER = "definition.triggers.Before_the_patch_window.recurrence"
ACTION = "definition.actions.Start_each_VM.actions.Start_VM"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


def workflow(vm_ids: list[str] | None = None, **changes: Any) -> dict[str, Any]:
    inputs = {
        "workflowName": "dsvm-dev-patch-start", "resourceGroupName": RG, "location": "westeurope",
        "identity": {"type": "SystemAssigned"}, "state": "Enabled",
        "definition": definition(Window("Saturday", 90, 210), "W. Europe Standard Time"),
        "parameters": {"vmIds": {"value": vm_ids or []}},
    }  # fmt: skip
    for path, value in changes.items():
        inputs = changed(inputs, path, value)
    return inputs


def test_a_workflow_gets_an_identity_an_endpoint_and_a_real_arm_id(az: FakeAzure) -> None:
    flow = az.create(WORKFLOW, "dsvm-dev-patch-start", workflow())
    assert flow.id == f"{az.resource_group_id(RG)}/providers/Microsoft.Logic/workflows/dsvm-dev-patch-start"
    identity = flow.outputs["identity"]
    assert identity["type"] == "SystemAssigned" and identity["tenantId"] == az.tenant_id
    assert len(identity["principalId"]) == 36 and flow.outputs["provisioningState"] == "Succeeded"
    assert flow.outputs["accessEndpoint"].startswith("https://prod-00.westeurope.logic.azure.com:443/workflows/")


@pytest.mark.parametrize(("path", "value", "says"), [
    (f"{TRIGGER}.timeZone", "Europe/Amsterdam", "not a valid Windows time zone id"),
    (f"{TRIGGER}.frequency", "Fortnight", "frequency 'Fortnight'"),
    (f"{TRIGGER}.interval", 0, "positive integer"),
    (f"{TRIGGER}.schedule.weekDays", ["Caturday"], "weekDays ['Caturday']"),
    (f"{TRIGGER}.schedule.hours", [24], "hours [24]"),
    (f"{TRIGGER}.schedule.minutes", [60], "minutes [60]"),
    (f"{TRIGGER}.frequency", "Hour", "needs frequency Day or Week"),
    (f"{TRIGGER}.startTime", "2024-01-01T00:00:00Z", "UTC offset while a time zone is given"),
    (f"{TRIGGER}.startTime", "next Saturday", "not YYYY-MM-DDThh:mm:ss"),
    ("definition.$schema", "https://example.com/schema.json", "$schema"),
    ("state", "Running", "not Enabled or Disabled"),
    ("parameters.vmIds.value", "alice-vm", "not of type Array"),
    ("parameters.others", {"value": []}, "'others' is not found"),
    (f"{ACTION}.inputs.uri", "management.azure.com/x", "absolute URI"),
])  # fmt: skip
def test_what_azure_refuses_in_a_workflow(az: FakeAzure, path: str, value: Any, says: str) -> None:
    error = rejected(az, WORKFLOW, "flow", changed(workflow(), path, value))
    assert error.code == "InvalidTemplate" and says in error.message, error.message


def test_a_managed_identity_call_needs_the_workflows_identity(az: FakeAzure) -> None:
    error = rejected(az, WORKFLOW, "flow", changed(workflow(), "identity", {"type": "None"}))
    assert "managed identity" in error.message and error.target.endswith("inputs.authentication")


def test_other_triggers_and_actions_are_not_emulated(az: FakeAzure) -> None:
    with pytest.raises(FakeAzureError, match="Recurrence triggers only"):
        az.create(WORKFLOW, "flow", changed(workflow(), "definition.triggers.Before_the_patch_window.type", "Request"))
    with pytest.raises(FakeAzureError, match="Http and Foreach workflow actions only"):
        az.create(WORKFLOW, "flow", changed(workflow(), f"{ACTION}.type", "ApiConnection"))


def test_a_run_starts_only_the_vms_its_identity_holds_the_start_role_on(az: FakeAzure) -> None:
    alice = az.create(VM, "alice-vm", linux_vm("alice-vm", make_nic(az, "nic-1")))
    bob = az.create(VM, "bob-vm", linux_vm("bob-vm", make_nic(az, "nic-2")))
    missing = alice.id.replace("alice-vm", "carol-vm")
    flow = az.create(WORKFLOW, "flow", workflow([alice.id, bob.id, missing]))
    principal = flow.outputs["identity"]["principalId"]
    assert starts(az, flow) == []  # no role yet
    sub = az.subscription_id
    for vm, role in ((alice, VM_PATCH_START), (bob, VM_IDLE_STOP)):  # deallocate and read: no start
        az.create(ROLE_ASSIGNMENT, f"{vm.name}-role", {
            "principalId": principal, "principalType": "ServicePrincipal", "scope": vm.id,
            "roleDefinitionId": role_definition_id(sub, role)})  # fmt: skip
    assert starts(az, flow) == [alice.id]
