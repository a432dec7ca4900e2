"""Who the emulator writes as (fakeazure/caller.py): the deploy identity may not define roles and assigns only what its
ABAC condition allows; an Owner may do both. Each refusal is Azure's AuthorizationFailed with the way out."""

from __future__ import annotations

from typing import Any

import pytest

from azurefacts.roles import STORAGE_BLOB_DATA_CONTRIBUTOR, VIRTUAL_MACHINE_USER_LOGIN
from azurefacts.subscription_roles import (
    POOL_IDLE_STOP,
    SUBSCRIPTION_ROLES,
    VM_IDLE_STOP,
    assigned,
    role_definition_id,
    role_guid,
    role_name,
)
from fakeazure import FakeAzure
from fakeazure.caller import DEPLOY, ENV, OWNER, CallerError, current, delete_refusal
from tests.fakeazure.test_rules import RG, STORAGE, VM, linux_vm, make_network, make_nic, rejected, storage_inputs

ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PRINCIPAL = "3f2b8c1e-6a4d-4e7f-9b0a-1c2d3e4f5a6b"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


def custom_role(az: FakeAzure) -> dict[str, Any]:
    group = az.resource_group_id(RG)
    return {"scope": group, "roleName": "dsvm idle stop: rg-dsvm", "roleType": "CustomRole",
            "assignableScopes": [group], "permissions": [{"actions": ["Microsoft.Compute/virtualMachines/read"]}]}


def assignment(az: FakeAzure, scope: str, role: str, principal_type: str | None) -> dict[str, Any]:
    inputs = {"scope": scope, "principalId": PRINCIPAL,
              "roleDefinitionId": f"/subscriptions/{az.subscription_id}/providers/Microsoft.Authorization/"
                                  f"roleDefinitions/{role}"}  # fmt: skip
    return inputs | ({"principalType": principal_type} if principal_type else {})


def test_the_deploy_identity_may_not_define_a_role_an_owner_may(az: FakeAzure) -> None:
    error = rejected(az, ROLE_DEFINITION, "idle-role", custom_role(az))
    assert error.code == "AuthorizationFailed" and error.target == "roleDefinitionId"
    assert "'Microsoft.Authorization/roleDefinitions/write'" in error.message
    assert "dsvmctl bootstrap" in str(error.hint) and "--as owner" in str(error.hint)
    az.caller = OWNER
    created = az.create(ROLE_DEFINITION, "idle-role", custom_role(az))
    az.caller = DEPLOY
    refusal = delete_refusal(az, created.id)  # nor delete one
    assert refusal is not None and "'Microsoft.Authorization/roleDefinitions/delete'" in refusal.message
    az.caller = OWNER
    assert delete_refusal(az, created.id) is None


@pytest.mark.parametrize("role", sorted(assigned("00000000-0000-4000-8000-000000000001")))
def test_the_deploy_identity_assigns_each_listed_role_to_its_principal_type_only(az: FakeAzure, role: str) -> None:
    kind = assigned(az.subscription_id)[role]
    other = "User" if kind == "ServicePrincipal" else "ServicePrincipal"
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    for wrong in (other, "Group", None):
        error = rejected(az, ROLE_ASSIGNMENT, "ra", assignment(az, vm.id, role, wrong))
        assert error.code == "AuthorizationFailed" and "ABAC condition not fulfilled" in error.message, wrong
    created = az.create(ROLE_ASSIGNMENT, "ra", assignment(az, vm.id, role, kind))
    assert delete_refusal(az, created.id) is None


def test_the_deploy_identity_may_neither_assign_nor_remove_a_role_it_is_not_given(az: FakeAzure) -> None:
    owner = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"  # Owner: the role a compromised deploy would grant itself
    account = az.create(STORAGE, "data", storage_inputs("dsvmdata01")).id
    error = rejected(az, ROLE_ASSIGNMENT, "ra", assignment(az, account, owner, "ServicePrincipal"))
    assert error.code == "AuthorizationFailed" and owner in error.message and "not role" in error.message
    az.caller = OWNER
    given = az.create(ROLE_ASSIGNMENT, "ra", assignment(az, az.resource_group_id(RG), STORAGE_BLOB_DATA_CONTRIBUTOR,
                                                         "ServicePrincipal"))  # fmt: skip
    az.caller = DEPLOY
    assert delete_refusal(az, given.id) is None  # a listed role: the deploy identity may remove it too


def test_the_subscription_roles_exist_once_the_bootstrap_ran_and_assign_anywhere_in_it(az: FakeAzure) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    for role in SUBSCRIPTION_ROLES:
        az.create(ROLE_ASSIGNMENT, f"ra-{role.key}", assignment(az, vm.id, role_guid(az.subscription_id, role),
                                                               "ServicePrincipal"))  # fmt: skip
    fresh = FakeAzure(bootstrapped=False)
    make_network(fresh)
    vm = fresh.create(VM, "vm1", linux_vm("vm1", make_nic(fresh, "nic-1")))
    role = role_guid(fresh.subscription_id, VM_IDLE_STOP)
    error = rejected(fresh, ROLE_ASSIGNMENT, "ra", assignment(fresh, vm.id, role, "ServicePrincipal"))
    assert error.code == "RoleDefinitionDoesNotExist" and "dsvmctl bootstrap" in str(error.hint)
    assert FakeAzure.from_json(fresh.to_json()).bootstrapped is False
    assert FakeAzure.from_json(az.to_json()).bootstrapped is True


def test_the_subscription_roles_are_the_same_for_a_subscription_and_unique_in_the_tenant() -> None:
    one, two = "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"
    assert role_guid(one, VM_IDLE_STOP) == role_guid(one.upper(), VM_IDLE_STOP)  # ids compare ignoring case
    guids = {role_guid(s, r) for s in (one, two) for r in SUBSCRIPTION_ROLES}
    names = {role_name(s, r).lower() for s in (one, two) for r in SUBSCRIPTION_ROLES}
    assert len(guids) == len(names) == 2 * len(SUBSCRIPTION_ROLES) == 6
    assert role_definition_id(one, POOL_IDLE_STOP) == (
        f"/subscriptions/{one}/providers/Microsoft.Authorization/roleDefinitions/{role_guid(one, POOL_IDLE_STOP)}")
    assert assigned(one)[VIRTUAL_MACHINE_USER_LOGIN] == "User"


def test_the_caller_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV, "owner")
    assert current() is OWNER
    monkeypatch.delenv(ENV)
    assert current() is DEPLOY
    monkeypatch.setenv(ENV, "root")
    with pytest.raises(CallerError, match="use one of deploy, owner"):
        current()
