"""A PUT on a resource that exists: what the engine replaces, what Azure updates, what it refuses.

``FakeAzure.create`` on an existing id does what the Pulumi engine and ARM do: a
changed replace trigger deletes the resource and creates a new one (with new
computed values); any other change is an update, which Azure may refuse. A
refused update keeps the resource as it was and is listed in ``refusals``.
"""

from __future__ import annotations

import copy
from typing import Any

from fakeazure import FakeAzure
from tests.fakeazure.test_rules import (
    DISK,
    RG,
    ROLE_ASSIGNMENT,
    STORAGE,
    SUBNET,
    VM,
    VM_USER_LOGIN,
    changed,
    disk_inputs,
    linux_vm,
    make_network,
    make_nic,
    nic_inputs,
    role_inputs,
    storage_inputs,
    subnet_id,
    subnet_inputs,
)

NIC = "azure-native:network:NetworkInterface"


def refusal(az: FakeAzure, arm_id: str) -> Any:
    (error,) = az.refusals[arm_id.lower()]
    return error


def fresh_run(az: FakeAzure) -> FakeAzure:
    """The next program run against the same subscription (as ``up`` then ``diff`` do)."""
    az.begin_run()
    return az


def test_a_vm_property_azure_sets_once_is_refused_unless_replaced(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    inputs = linux_vm("vm1", make_nic(fake_azure, "nic-1"))
    first = fake_azure.create(VM, "vm1", inputs)
    renamed = changed(inputs, "osProfile.computerName", "vm1-new")
    kept = fresh_run(fake_azure).create(VM, "vm1", renamed)
    error = refusal(fake_azure, first.id)
    assert error.code == "PropertyChangeNotAllowed" and error.target == "osProfile.computerName"
    assert "replace_on_changes" in error.hint
    assert kept is first and kept.inputs["osProfile"]["computerName"] == "vm1"  # Azure kept the VM as it was
    # Listed in replace_on_changes, the same change is a replacement: a new VM, a new identity.
    new = fresh_run(fake_azure).create(VM, "vm1", renamed, replace_on_changes=["osProfile.computerName"],
                                       delete_before_replace=True)
    assert not fake_azure.refusals
    assert new.outputs["identity"]["principalId"] != first.outputs["identity"]["principalId"]
    assert new.outputs["vmId"] != first.outputs["vmId"] and fake_azure.generation(new.id) == 1


def test_an_unchanged_put_keeps_the_computed_values(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    inputs = linux_vm("vm1", make_nic(fake_azure, "nic-1"))
    first = fake_azure.create(VM, "vm1", inputs)
    again = fresh_run(fake_azure).create(VM, "vm1", copy.deepcopy(inputs))
    assert again.outputs["identity"]["principalId"] == first.outputs["identity"]["principalId"]
    assert fake_azure.generation(first.id) == 0


def test_resizing_a_vm_is_an_update(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    inputs = linux_vm("vm1", make_nic(fake_azure, "nic-1"))
    first = fake_azure.create(VM, "vm1", inputs)
    resized = fresh_run(fake_azure).create(VM, "vm1", changed(inputs, "hardwareProfile.vmSize", "Standard_D8s_v5"))
    assert not fake_azure.refusals and resized.outputs["vmId"] == first.outputs["vmId"]


def test_a_disk_grows_but_never_shrinks(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    disk = fake_azure.create(DISK, "d1", disk_inputs("d1", size=256))
    fresh_run(fake_azure).create(DISK, "d1", disk_inputs("d1", size=512))
    assert not fake_azure.refusals and fake_azure.resources[disk.id.lower()].inputs["diskSizeGB"] == 512
    fresh_run(fake_azure).create(DISK, "d1", disk_inputs("d1", size=64))
    error = refusal(fake_azure, disk.id)
    assert error.code == "BadRequest" and "cannot be resized down" in error.message
    assert "keep size_gb at 512 or more" in error.hint
    assert fake_azure.resources[disk.id.lower()].inputs["diskSizeGB"] == 512


def test_a_subnet_with_nics_in_it_keeps_its_range(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    sid = subnet_id(fake_azure)
    fresh_run(fake_azure).create(SUBNET, "snet", subnet_inputs("10.0.2.0/24"))
    assert not fake_azure.refusals  # no NIC in it yet: Azure updates it
    fake_azure.create(NIC, "nic-1", nic_inputs("nic-1", sid))
    fresh_run(fake_azure).create(SUBNET, "snet", subnet_inputs("10.0.3.0/24"))
    error = refusal(fake_azure, sid)
    assert error.code == "InUseSubnetCannotBeUpdated" and "nic-1" in error.message


def test_a_region_move_is_refused_for_updates_and_for_create_before_delete_replacements(
    fake_azure: FakeAzure,
) -> None:
    make_network(fake_azure)
    disk = fake_azure.create(DISK, "d1", disk_inputs("d1"))
    moved = {**disk_inputs("d1"), "location": "northeurope"}
    fresh_run(fake_azure).create(DISK, "d1", moved)
    error = refusal(fake_azure, disk.id)
    assert error.code == "InvalidResourceLocation" and "already exists in location 'westeurope'" in error.message
    assert "a region move is a new stack" in error.hint
    # A location listed in replace_on_changes without delete-before-replace: the new one re-uses the name.
    fresh_run(fake_azure).create(DISK, "d1", moved, replace_on_changes=["location"])
    assert refusal(fake_azure, disk.id).code == "InvalidResourceLocation"
    # Case and spaces are no change.
    fresh_run(fake_azure).create(DISK, "d1", {**disk_inputs("d1"), "location": "West Europe"})
    assert not fake_azure.refusals


def test_a_resource_group_moves_nowhere(fake_azure: FakeAzure) -> None:
    group = fake_azure.create("azure-native:resources:ResourceGroup", "rg",
                              {"resourceGroupName": "rg-x", "location": "westeurope"})
    fresh_run(fake_azure).create("azure-native:resources:ResourceGroup", "rg",
                                 {"resourceGroupName": "rg-x", "location": "eastus"})
    assert refusal(fake_azure, group.id).code == "InvalidResourceGroupLocation"


def test_deleting_a_resource_group_deletes_what_is_in_it(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    disk = fake_azure.create(DISK, "d1", disk_inputs("d1"))
    fake_azure.delete(fake_azure.resource_group_id(RG))
    assert fake_azure.get(disk.id) is None and not fake_azure.resources


def test_state_keeps_generations_and_secret_fingerprints(fake_azure: FakeAzure) -> None:
    make_network(fake_azure)
    inputs = linux_vm("vm1", make_nic(fake_azure, "nic-1"))
    inputs["osProfile"]["customData"] = "I2Nsb3VkLWNvbmZpZwo="
    vm = fake_azure.create(VM, "vm1", inputs, secret_paths=["osProfile.customData"])
    fake_azure.delete(vm.id, replaced=True)
    restored = FakeAzure.from_json(fake_azure.to_json())
    assert restored.generation(vm.id) == 1
    fresh_run(fake_azure).create(VM, "vm1", inputs, secret_paths=["osProfile.customData"])
    saved = FakeAzure.from_json(fake_azure.to_json())
    (again,) = [r for r in saved.resources.values() if r.token == VM]
    assert again.inputs["osProfile"]["customData"] == "[secret]" and again.secret_fingerprints
    # The masked secret still compares: the same cloud-init is no change, another one is.
    saved.begin_run()
    saved.create(VM, "vm1", inputs, secret_paths=["osProfile.customData"])
    assert not saved.refusals
    saved.begin_run()
    saved.create(VM, "vm1", changed(inputs, "osProfile.customData", "b3RoZXI="), secret_paths=["osProfile.customData"])
    assert saved.refusals[again.id.lower()][0].target == "osProfile.customData"


def test_each_run_has_its_own_root_stack() -> None:
    """A run after another stack's run in the same thread parents its resources to its own root."""
    import stacks
    from fakeazure import run_program
    from stacks.config import parse_config
    from tests.helpers import team_values

    config = parse_config(team_values())
    run_program(lambda: stacks.build(config, "first"), FakeAzure(), stack="first")
    second = run_program(lambda: stacks.build(config, "second"), FakeAzure(), stack="second")
    roots = {r.parent for r in second.records if r.parent and "pulumi:pulumi:Stack::" in r.parent}
    assert roots == {"urn:pulumi:second::dsvm::pulumi:pulumi:Stack::dsvm-second"}


def test_a_role_assignment_keeps_its_role_the_role_is_never_changed_in_place(fake_azure: FakeAzure) -> None:
    """An assignment is who, what role, where: ARM refuses a PUT that changes the role of an existing one
    (the program makes a new assignment instead); a new principal or scope is a replacement (azure-native)."""
    make_network(fake_azure)
    account = fake_azure.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    inputs = role_inputs(fake_azure, account)
    first = fake_azure.create(ROLE_ASSIGNMENT, "ra", inputs)
    other_role = role_inputs(fake_azure, account, role=VM_USER_LOGIN)
    kept = fresh_run(fake_azure).create(ROLE_ASSIGNMENT, "ra", other_role)
    error = refusal(fake_azure, first.id)
    assert error.target == "roleDefinitionId" and kept is first
    assert kept.inputs["roleDefinitionId"] == inputs["roleDefinitionId"]
    other_principal = role_inputs(fake_azure, account, principal="0f1e2d3c-4b5a-4968-8776-655443322110")
    fresh_run(fake_azure).create(ROLE_ASSIGNMENT, "ra", other_principal)
    assert not fake_azure.refusals and fake_azure.generation(first.id) == 1  # replaced, not refused
