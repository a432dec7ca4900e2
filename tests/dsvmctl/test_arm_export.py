"""ARM template export (dsvmctl/arm.py): structure per type, secrets, dependencies, checkov.

The checkov run is the slow part (a few seconds): one run per session for every
exported template; its failed checks must be exactly the ones docs/SECURITY.md
lists with a reason.
"""

from __future__ import annotations

import inspect
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from azurefacts.resource_types import RESOURCE_TYPES as FACTS
from dsvmctl.arm import RESOURCE_GROUP_TYPE, SCHEMA, ExportError, export_template, render
from dsvmctl.plan import make_plan
from fakeazure import ArmError, FakeAzure
from fakeazure.providers import RESOURCE_TYPES
from policy.stack_rules import UNTAGGED_TYPES
from tests.helpers import ROOT, team_values

ENTRA_OBJECT_ID = "6a1f3c2e-9b4d-4e8f-a7c0-2d5e8f1b3c4a"
EXPRESSION = re.compile(r"^\[(?!\[).*\]$", re.DOTALL)
SECURITY_ROW = re.compile(r"^\|\s*(CKV2?_[A-Z0-9_]+)\s*\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|\s*$")
DEPLOY_DAY = ("StartDate", "StartDateTime")  # the parameters of a start Azure refuses in the past (arm_dates.py)


# -- fixtures ------------------------------------------------------------------------------------
def project_plan(directory: Path, stack: str, **changes: Any) -> dict[str, Any]:
    """The plan of a copy of the dev stack with ``changes`` to its config (``None`` removes a key)."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    for key, value in changes.items():
        if value is None:
            config.pop(key, None)
        else:
            config[key] = value
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return make_plan(directory, stack).to_json()


@pytest.fixture(scope="module")
def dev(dev_plan: dict[str, Any]) -> dict[str, Any]:
    return export_template(dev_plan)


@pytest.fixture(scope="module")
def windows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    plan = project_plan(
        tmp_path_factory.mktemp("windows"),
        "win",
        **{"dsvm:image": {"os": "windows-2022", "version": "25.01.14"}, "dsvm:members": [{"username": "carol"}]},
    )
    return export_template(plan)


@pytest.fixture(scope="module")
def entra_plan(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    member = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["dsvm:members"][0]
    member.update(entra_login_enabled=True, entra_object_id=ENTRA_OBJECT_ID)
    return project_plan(tmp_path_factory.mktemp("entra"), "entra", **{"dsvm:members": [member]})


DEPLOYMENTS = "Microsoft.Resources/deployments"


def flattened(template: dict[str, Any]) -> list[dict[str, Any]]:
    """The template's resources with each nested deployment (another resource group's) replaced by its resources."""
    found = []
    for resource in template["resources"]:
        if resource["type"] == DEPLOYMENTS:
            found += resource["properties"]["template"]["resources"]
        else:
            found.append(resource)
    return found


def of_type(template: dict[str, Any], arm_type: str) -> list[dict[str, Any]]:
    return [r for r in flattened(template) if r["type"] == arm_type]


def by_name(template: dict[str, Any], arm_type: str, name: str) -> dict[str, Any]:
    (found,) = [r for r in of_type(template, arm_type) if r["name"] == name]
    return found


def account_name(plan: dict[str, Any]) -> str:
    (account,) = [r for r in plan["resources"] if r["type"] == "azure-native:storage:StorageAccount"]
    return str(account["id"]).rsplit("/", 1)[1]


def walk(value: Any) -> list[Any]:
    """Every leaf of a JSON value."""
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in walk(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in walk(v)]
    return [value]


# -- an independent reading of the expressions the export writes ----------------------------------
def resolve(expression: str, plan: dict[str, Any]) -> str:
    """The ARM id a ``[resourceId(...)]`` (or ``[extensionResourceId(resourceId(...), type, name)]``) expression
    yields when deployed into the plan's resource group."""
    extension = re.fullmatch(r"\[extensionResourceId\((resourceId\(.*\)), '([^']*)', '([^']*)'\)\]", expression)
    if extension:
        return f"{resolve(f'[{extension[1]}]', plan)}/providers/{extension[2]}/{extension[3]}"
    match = re.fullmatch(r"\[resourceId\((.*)\)\]", expression)
    assert match, f"not a resourceId expression: {expression}"
    arm_type, *names = [a.replace("''", "'") for a in re.findall(r"'((?:[^']|'')*)'", match[1])]
    namespace, *types = arm_type.split("/")
    group = next(r for r in plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup")  # the stack's
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{group['id']}/providers/{namespace}/{path}"


def template_ids(template: dict[str, Any], plan: dict[str, Any]) -> dict[str, str]:
    """Lower-cased plan id -> the resourceId expression of each (non-extension) resource in the template."""
    ids = {}
    group = next(r for r in plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup")["id"]
    for resource in template["resources"]:
        if resource["type"] == DEPLOYMENTS:
            continue
        if "scope" in resource:  # an extension resource on a resource of the template's group
            ids[f"{group}/providers/{resource['scope']}/providers/{resource['type']}/{resource['name']}".lower()] = ""
            continue
        names = resource["name"].split("/")
        args = ", ".join(f"'{a}'" for a in (resource["type"], *names))
        expression = f"[resourceId({args})]"
        ids[resolve(expression, plan).lower()] = expression
    return ids


# -- envelope and selection ------------------------------------------------------------------------
def test_template_envelope(dev: dict[str, Any]) -> None:
    assert list(dev) == ["$schema", "contentVersion", "parameters", "resources", "outputs"]
    assert dev["$schema"] == SCHEMA == (
        "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#"
    )
    assert dev["contentVersion"] == "1.0.0.0"
    assert dev["outputs"] == {}


def test_every_arm_resource_but_the_group_is_exported_in_plan_order(
    dev_plan: dict[str, Any], dev: dict[str, Any]
) -> None:
    expected = [
        RESOURCE_TYPES[r["type"]].arm_type
        for r in dev_plan["resources"]
        if r["id"] and not r["type"].startswith(("dsvm:", "random:", "azure-native:resources:"))
    ]
    assert [r["type"] for r in flattened(dev)] == expected
    # 21, plus 2 extensions, 2 idle-role assignments and the budget; the patch start workflow and its 2 role
    # assignments; the backups' vault, policy, 2 instances and 3
    # role assignments (one in the snapshot group, nested)
    assert len(expected) == 39
    (nested,) = [r for r in dev["resources"] if r["type"] == DEPLOYMENTS]
    assert nested["resourceGroup"] == "rg-dsvm-dev-snapshots"
    assert [r["type"] for r in nested["properties"]["template"]["resources"]] == [
        "Microsoft.Authorization/roleAssignments"]
    assert not {r["type"] for r in dev["resources"]} & {RESOURCE_GROUP_TYPE, "random/passwords"}


def test_api_versions_are_what_the_pinned_sdk_sends() -> None:
    """Read from the installed azure-native SDK, not a hand table (pinned 3.29: VMs 2024-11-01, storage 2024-01-01)."""
    import pulumi_azure_native.compute.virtual_machine as sdk_vm
    import pulumi_azure_native.storage.storage_account as sdk_account

    versions = {f.arm_type: f.api_version() for f in FACTS.values() if f.is_azure}
    assert all(re.fullmatch(r"20\d\d-\d\d-\d\d(-preview)?", v) for v in versions.values())
    assert versions["Microsoft.Compute/virtualMachines"] == "2024-11-01"
    assert versions["Microsoft.Storage/storageAccounts"] == "2024-01-01"
    assert versions["Microsoft.Storage/storageAccounts/blobServices/containers"] == "2024-01-01"
    assert versions["Microsoft.Compute/disks"] == "2024-03-02"
    assert versions["Microsoft.Network/virtualNetworks/subnets"] == "2024-05-01"
    assert versions["Microsoft.DevTestLab/schedules"] == "2018-09-15"
    assert versions["Microsoft.Authorization/roleAssignments"] == "2022-04-01"
    # The imported SDK modules document the same versions (a second reader: inspect, not the file lookup).
    assert "Uses Azure REST API version 2024-11-01." in inspect.getsource(sdk_vm)
    assert "Uses Azure REST API version 2024-01-01." in inspect.getsource(sdk_account)


# -- structure per type ----------------------------------------------------------------------------
def test_common_shape_of_every_resource(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    """apiVersion the SDK sends; location iff ARM has one; no path parameter left in properties."""
    arm_types = {t.arm_type: t for t in RESOURCE_TYPES.values()}
    for resource in flattened(dev):
        rtype = arm_types[resource["type"]]
        assert resource["apiVersion"] == FACTS[rtype.token].api_version()
        assert ("location" in resource) == rtype.has_location, resource["name"]
        tagged = rtype.has_location and rtype.token not in UNTAGGED_TYPES  # a configuration assignment takes none
        assert ("tags" in resource) == tagged, resource["name"]  # the program tags what ARM tags
        path_inputs = {"resourceGroupName", "location", "tags", *rtype.parent_inputs}
        if rtype.name_input:
            path_inputs.add(rtype.name_input)
        assert not path_inputs & set(resource["properties"]), resource["name"]
        assert not {"sku", "kind", "identity", "zones", "scope"} & set(resource["properties"]), resource["name"]


def test_nested_types_use_parent_child_names(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    account = account_name(dev_plan)
    assert {r["name"] for r in of_type(dev, "Microsoft.Network/virtualNetworks/subnets")} == {
        "dsvm-dev-vnet/workstations", "dsvm-dev-vnet/AzureBastionSubnet"}
    assert [r["name"] for r in of_type(dev, "Microsoft.Storage/storageAccounts/blobServices")] == [
        f"{account}/default"]
    assert [r["name"] for r in of_type(dev, "Microsoft.Storage/storageAccounts/blobServices/containers")] == [
        f"{account}/default/shared", f"{account}/default/home-alice", f"{account}/default/home-bob"]
    # A nested resource depends on its parent (ARM needs it, Pulumi had it through the name output).
    subnet = by_name(dev, "Microsoft.Network/virtualNetworks/subnets", "dsvm-dev-vnet/workstations")
    assert "[resourceId('Microsoft.Network/virtualNetworks', 'dsvm-dev-vnet')]" in subnet["dependsOn"]


def test_storage_account(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    (account,) = of_type(dev, "Microsoft.Storage/storageAccounts")
    assert account["name"] == account_name(dev_plan)
    assert account["sku"] == {"name": "Standard_LRS"} and account["kind"] == "StorageV2"
    # SDK names become ARM names: networkRuleSet -> networkAcls, enableHttpsTrafficOnly -> supportsHttpsTrafficOnly.
    assert account["properties"] == {
        "allowBlobPublicAccess": False,
        "allowSharedKeyAccess": False,
        "supportsHttpsTrafficOnly": True,
        "isHnsEnabled": True,
        "minimumTlsVersion": "TLS1_2",
        "networkAcls": {
            "bypass": "AzureServices",
            "defaultAction": "Deny",
            "virtualNetworkRules": [{
                "action": "Allow",
                "id": "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'dsvm-dev-vnet', 'workstations')]",
            }],
        },
    }
    subnet = by_name(dev, "Microsoft.Network/virtualNetworks/subnets", "dsvm-dev-vnet/workstations")
    assert subnet["properties"]["serviceEndpoints"] == [{"service": "Microsoft.Storage"}]
    assert subnet["properties"]["networkSecurityGroup"] == {
        "id": "[resourceId('Microsoft.Network/networkSecurityGroups', 'dsvm-dev-nsg')]"}
    (blob,) = of_type(dev, "Microsoft.Storage/storageAccounts/blobServices")
    assert blob["properties"]["deleteRetentionPolicy"] == {"days": 14, "enabled": True}
    for container in of_type(dev, "Microsoft.Storage/storageAccounts/blobServices/containers"):
        assert container["properties"] == {"publicAccess": "None"}


def test_flattened_sub_resources_get_their_properties_back(dev: dict[str, Any]) -> None:
    (nsg,) = of_type(dev, "Microsoft.Network/networkSecurityGroups")
    rules = nsg["properties"]["securityRules"]
    assert [r["name"] for r in rules] == ["allow-ssh-in", "allow-jupyterhub-in", "deny-all-in"]
    assert all(set(r) == {"name", "properties"} for r in rules)
    assert rules[-1]["properties"]["access"] == "Deny" and rules[-1]["properties"]["priority"] == 4096
    nic = by_name(dev, "Microsoft.Network/networkInterfaces", "alice-nic")
    (config,) = nic["properties"]["ipConfigurations"]
    assert config["name"] == "ipconfig1"
    assert config["properties"]["subnet"]["id"] == (
        "[resourceId('Microsoft.Network/virtualNetworks/subnets', 'dsvm-dev-vnet', 'workstations')]")
    (bastion,) = of_type(dev, "Microsoft.Network/bastionHosts")
    assert bastion["sku"] == {"name": "Standard"}
    (bastion_config,) = bastion["properties"]["ipConfigurations"]
    assert bastion_config["properties"]["publicIPAddress"]["id"] == (
        "[resourceId('Microsoft.Network/publicIPAddresses', 'dsvm-dev-bastion-pip')]")
    vm = by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["properties"]["networkProfile"]["networkInterfaces"] == [{
        "id": "[resourceId('Microsoft.Network/networkInterfaces', 'alice-nic')]",
        "properties": {"deleteOption": "Detach", "primary": True},
    }]


def test_virtual_machine(dev: dict[str, Any]) -> None:
    vm = by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["identity"] == {"type": "SystemAssigned"}
    assert vm["location"] == "westeurope" and vm["tags"]["stack"] == "dev"
    props = vm["properties"]
    assert props["hardwareProfile"] == {"vmSize": "Standard_D4s_v5"}
    assert props["osProfile"]["allowExtensionOperations"] is True  # idle stop's extension (docs/SECURITY.md)
    assert props["osProfile"]["linuxConfiguration"]["disablePasswordAuthentication"] is True
    assert props["securityProfile"]["encryptionAtHost"] is True
    (data_disk,) = props["storageProfile"]["dataDisks"]
    assert data_disk["managedDisk"] == {"id": "[resourceId('Microsoft.Compute/disks', 'alice-data-disk')]"}
    disk = by_name(dev, "Microsoft.Compute/disks", "alice-data-disk")
    assert disk["apiVersion"] == "2024-03-02" and disk["sku"] == {"name": "Premium_LRS"}
    assert disk["properties"] == {"creationData": {"createOption": "Empty"}, "diskSizeGB": 128}


def test_shutdown_schedule(dev: dict[str, Any]) -> None:
    schedule = by_name(dev, "Microsoft.DevTestLab/schedules", "shutdown-computevm-alice-vm")
    assert schedule["properties"]["targetResourceId"] == "[resourceId('Microsoft.Compute/virtualMachines', 'alice-vm')]"
    assert schedule["properties"]["taskType"] == "ComputeVmShutdownTask"
    assert schedule["dependsOn"] == ["[resourceId('Microsoft.Compute/virtualMachines', 'alice-vm')]"]


def test_role_assignment_is_an_extension_resource_on_the_container(
    dev_plan: dict[str, Any], dev: dict[str, Any]
) -> None:
    account = account_name(dev_plan)
    roles = [r for r in of_type(dev, "Microsoft.Authorization/roleAssignments") if "/containers/" in r.get("scope", "")]
    containers = f"Microsoft.Storage/storageAccounts/{account}/blobServices/default/containers"
    assert sorted(r["scope"] for r in roles) == [f"{containers}/home-alice", f"{containers}/home-bob"]
    plan_roles = [r for r in dev_plan["resources"] if r["type"] == "azure-native:authorization:RoleAssignment"
                  and r["name"].endswith("-blob-role")]
    assert [r["name"] for r in roles] == [str(r["id"]).rsplit("/", 1)[1] for r in plan_roles]
    assert all(re.fullmatch(r"[0-9a-f-]{36}", r["name"]) for r in roles)
    (alice,) = [r for r in roles if r["scope"].endswith("/home-alice")]
    assert alice["properties"] == {
        # The principal exists only once the VM does: a reference, not the emulator's GUID.
        "principalId": "[reference(resourceId('Microsoft.Compute/virtualMachines', 'alice-vm'), '2024-11-01', "
                       "'full').identity.principalId]",
        "principalType": "ServicePrincipal",
        "roleDefinitionId": "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
                            "'ba92f5b4-2d11-453d-a403-e96b0029c9fe')]",
    }
    assert set(alice["dependsOn"]) == {
        f"[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', '{account}', 'default', "
        "'home-alice')]",
        "[resourceId('Microsoft.Compute/virtualMachines', 'alice-vm')]",
    }


def test_role_assignment_on_the_resource_group_has_no_scope(dev_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(dev_plan))
    group = next(r for r in plan["resources"] if r["type"] == "azure-native:resources:ResourceGroup")
    role = next(r for r in plan["resources"] if r["type"] == "azure-native:authorization:RoleAssignment")
    role["inputs"]["scope"] = group["id"]
    role["id"] = f"{group['id']}/providers/Microsoft.Authorization/roleAssignments/{role['id'].rsplit('/', 1)[1]}"
    (exported, *_) = of_type(export_template(plan), "Microsoft.Authorization/roleAssignments")
    assert "scope" not in exported and "scope" not in exported["properties"]


def test_entra_login_exports_the_extension_and_the_login_role(entra_plan: dict[str, Any]) -> None:
    template = export_template(entra_plan)
    (extension,) = [e for e in of_type(template, "Microsoft.Compute/virtualMachines/extensions")
                    if e["name"].endswith("/AADSSHLoginForLinux")]
    assert extension["name"] == "alice-vm/AADSSHLoginForLinux"
    assert extension["properties"]["type"] == "AADSSHLoginForLinux"  # ARM's property, not the resource type
    assert extension["properties"]["publisher"] == "Microsoft.Azure.ActiveDirectory"
    assert "[resourceId('Microsoft.Compute/virtualMachines', 'alice-vm')]" in extension["dependsOn"]
    vm = by_name(template, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["properties"]["osProfile"]["allowExtensionOperations"] is True
    (login,) = [r for r in of_type(template, "Microsoft.Authorization/roleAssignments")
                if r.get("scope") == "Microsoft.Compute/virtualMachines/alice-vm"
                and r["properties"]["principalType"] == "User"]
    assert login["properties"]["principalId"] == ENTRA_OBJECT_ID  # given in config: stays literal


def test_idle_stop_exports_the_assignments_the_extensions_and_the_budget(
    dev_plan: dict[str, Any], dev: dict[str, Any]
) -> None:
    from azurefacts.subscription_roles import VM_IDLE_STOP, role_guid

    # The idle-stop role is the subscription's (`dsvmctl bootstrap`): the template assigns it, never defines it.
    assert not of_type(dev, "Microsoft.Authorization/roleDefinitions")
    subscription = next(r["id"] for r in dev_plan["resources"] if r.get("id")).split("/")[2]
    role_id = ("[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', "
               f"'{role_guid(subscription, VM_IDLE_STOP)}')]")  # fmt: skip
    idle = [r for r in of_type(dev, "Microsoft.Authorization/roleAssignments")
            if r["properties"]["roleDefinitionId"] == role_id]
    assert sorted(r["scope"] for r in idle) == ["Microsoft.Compute/virtualMachines/alice-vm",
                                                "Microsoft.Compute/virtualMachines/bob-vm"]
    extensions = of_type(dev, "Microsoft.Compute/virtualMachines/extensions")
    assert sorted(e["name"] for e in extensions) == ["alice-vm/dsvm-idle-stop", "bob-vm/dsvm-idle-stop"]
    assert {e["properties"]["publisher"] for e in extensions} == {"Microsoft.Azure.Extensions"}
    (budget,) = of_type(dev, "Microsoft.Consumption/budgets")
    assert budget["name"] == "dsvm-dev-budget" and budget["properties"]["amount"] == 530
    assert budget["apiVersion"] == "2024-08-01"


def test_backups_export_the_vault_the_policy_an_instance_per_disk_and_the_vaults_roles(dev: dict[str, Any]) -> None:
    from azurefacts.roles import DISK_BACKUP_READER, DISK_SNAPSHOT_CONTRIBUTOR

    (vault,) = of_type(dev, "Microsoft.DataProtection/backupVaults")
    assert vault["identity"] == {"type": "SystemAssigned"}
    assert vault["properties"]["storageSettings"] == [{"datastoreType": "VaultStore", "type": "LocallyRedundant"}]
    (policy,) = of_type(dev, "Microsoft.DataProtection/backupVaults/backupPolicies")
    assert policy["name"] == "dsvm-dev-backup/disk-daily-0200utc-7d"
    instances = of_type(dev, "Microsoft.DataProtection/backupVaults/backupInstances")
    disks = sorted(i["properties"]["dataSourceInfo"]["resourceID"] for i in instances)
    assert disks == ["[resourceId('Microsoft.Compute/disks', 'alice-data-disk')]",
                     "[resourceId('Microsoft.Compute/disks', 'bob-data-disk')]"]  # fmt: skip
    (store,) = instances[0]["properties"]["policyInfo"]["policyParameters"]["dataStoreParametersList"]
    assert store["resourceGroupId"] == "[subscriptionResourceId('Microsoft.Resources/resourceGroups', " \
        "'rg-dsvm-dev-snapshots')]"
    vault_principal = ("[reference(resourceId('Microsoft.DataProtection/backupVaults', 'dsvm-dev-backup'), "
                       "'2025-01-01', 'full').identity.principalId]")  # fmt: skip
    roles = [(r.get("scope"), r["properties"]["roleDefinitionId"].split("'")[-2])
             for r in of_type(dev, "Microsoft.Authorization/roleAssignments")
             if r["properties"]["principalId"] == vault_principal]  # fmt: skip
    assert sorted(roles, key=str) == sorted([
        ("Microsoft.Compute/disks/alice-data-disk", DISK_BACKUP_READER),
        ("Microsoft.Compute/disks/bob-data-disk", DISK_BACKUP_READER),
        (None, DISK_SNAPSHOT_CONTRIBUTOR),  # on its group, in the snapshot group's nested deployment
    ], key=str)  # fmt: skip


def test_patching_exports_the_window_its_deploy_day_start_and_an_assignment_per_vm(dev: dict[str, Any]) -> None:
    (window,) = of_type(dev, "Microsoft.Maintenance/maintenanceConfigurations")
    assert window["name"] == "dsvm-dev-patching-0200"  # its start is in its name (components/patching.py)
    assert window["properties"]["maintenanceScope"] == "InGuestPatch"
    assert window["properties"]["extensionProperties"] == {"InGuestPatchMode": "User"}
    # ARM nests the window the SDK flattens; its start is the day the template is deployed (Azure refuses a past one).
    assert window["properties"]["maintenanceWindow"] == {
        "startDateTime": "[parameters('dsvmDevPatching0200StartDateTime')]", "duration": "03:00",
        "timeZone": "W. Europe Standard Time", "recurEvery": "Week Saturday"}  # fmt: skip
    assert dev["parameters"]["dsvmDevPatching0200StartDateTime"]["defaultValue"] == (
        "[format('{0} 02:00', utcNow('yyyy-MM-dd'))]")  # fmt: skip
    assert window["properties"]["installPatches"] == {
        "linuxParameters": {"classificationsToInclude": ["Critical", "Security"]}, "rebootSetting": "IfRequired"}
    assignments = of_type(dev, "Microsoft.Maintenance/configurationAssignments")
    assert sorted(a["scope"] for a in assignments) == ["Microsoft.Compute/virtualMachines/alice-vm",
                                                       "Microsoft.Compute/virtualMachines/bob-vm"]  # fmt: skip
    window_id = "[resourceId('Microsoft.Maintenance/maintenanceConfigurations', 'dsvm-dev-patching-0200')]"
    assert {a["properties"]["maintenanceConfigurationId"] for a in assignments} == {window_id}
    assert all(window_id in a["dependsOn"] for a in assignments)
    vm = by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["properties"]["osProfile"]["linuxConfiguration"]["patchSettings"] == {
        "assessmentMode": "AutomaticByPlatform", "patchMode": "AutomaticByPlatform",
        "automaticByPlatformSettings": {"bypassPlatformSafetyChecksOnUserSchedule": True,
                                        "rebootSetting": "IfRequired"},
    }  # fmt: skip
    assert vm["properties"]["osProfile"]["allowExtensionOperations"] is True  # Update Manager's patch extension


def test_windows_patch_settings_and_classifications(windows: dict[str, Any]) -> None:
    vm = by_name(windows, "Microsoft.Compute/virtualMachines", "carol-vm")
    settings = vm["properties"]["osProfile"]["windowsConfiguration"]
    assert settings["patchSettings"]["patchMode"] == "AutomaticByPlatform"
    assert settings["enableAutomaticUpdates"] is True and settings["provisionVMAgent"] is True
    (window,) = of_type(windows, "Microsoft.Maintenance/maintenanceConfigurations")
    assert window["properties"]["installPatches"]["windowsParameters"] == {
        "classificationsToInclude": ["Critical", "Security"]}
    assert "linuxParameters" not in window["properties"]["installPatches"]


# -- secrets ---------------------------------------------------------------------------------------
def test_secrets_become_securestring_parameters(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    assert '"[secret]"' in json.dumps(dev_plan)
    secrets = {k: v for k, v in dev["parameters"].items() if not k.endswith(DEPLOY_DAY)}
    assert set(secrets) == {
        "aliceVmCustomData", "bobVmCustomData", "aliceIdleStopProtectedSettings", "bobIdleStopProtectedSettings"}
    for name, parameter in secrets.items():
        # The idle watcher's install script rides in the extension's protectedSettings (an object).
        assert parameter["type"] == ("secureObject" if name.endswith("ProtectedSettings") else "securestring")
        assert "defaultValue" not in parameter
    extension = by_name(dev, "Microsoft.Compute/virtualMachines/extensions", "alice-vm/dsvm-idle-stop")
    assert extension["properties"]["protectedSettings"] == "[parameters('aliceIdleStopProtectedSettings')]"
    vm = by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["properties"]["osProfile"]["customData"] == "[parameters('aliceVmCustomData')]"
    assert "[secret]" not in render(dev)


def test_windows_admin_password_is_a_secure_parameter(windows: dict[str, Any]) -> None:
    assert windows["parameters"]["carolVmAdminPassword"] == {
        "type": "securestring", "metadata": windows["parameters"]["carolVmAdminPassword"]["metadata"]}
    secrets = {name for name in windows["parameters"] if not name.endswith(DEPLOY_DAY)}
    assert secrets == {"carolVmAdminPassword", "carolIdleStopProtectedSettings"}
    vm = by_name(windows, "Microsoft.Compute/virtualMachines", "carol-vm")
    assert vm["properties"]["osProfile"]["adminPassword"] == "[parameters('carolVmAdminPassword')]"
    # The first-logon script is no secret: it is in the template as it is.
    from components.cloud_init import windows_custom_data

    assert vm["properties"]["osProfile"]["customData"] == windows_custom_data()
    assert "linuxConfiguration" not in vm["properties"]["osProfile"]
    assert "[secret]" not in render(windows)


def test_two_secrets_with_one_leaf_name_get_distinct_parameters(dev_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(dev_plan))
    (vm,) = [r for r in plan["resources"] if r["name"] == "alice-vm"]
    vm["inputs"]["osProfile"]["windowsConfiguration"] = {"customData": "[secret]"}
    template = export_template(plan)
    assert {"aliceVmCustomData", "aliceVmOsProfileWindowsConfigurationCustomData"} <= set(template["parameters"])


# -- ids and dependencies --------------------------------------------------------------------------
def test_depends_on_names_exactly_the_plan_dependencies_in_the_template(
    dev_plan: dict[str, Any], dev: dict[str, Any]
) -> None:
    ids = template_ids(dev, dev_plan)
    plan_by_urn = {r["urn"]: r for r in dev_plan["resources"]}
    exported = [r for r in dev_plan["resources"]
                if r["id"] and not r["type"].startswith(("dsvm:", "random:", "azure-native:resources:"))]
    # Another group's resources are in a nested deployment: a dependency on one of them is on the deployment, and
    # their own dependencies on the outer template are the deployment's (dsvmctl/arm_nested.py).
    deployment_of: dict[str, dict[str, Any]] = {}
    for deployment in (r for r in dev["resources"] if r["type"] == DEPLOYMENTS):
        for inner in deployment["properties"]["template"]["resources"]:
            deployment_of[id(inner)] = deployment
    expression_of = {d["name"]: f"[resourceId('{DEPLOYMENTS}', '{d['name']}')]" for d in deployment_of.values()}
    nested_ids = {str(p["id"]).lower(): expression_of[deployment_of[id(t)]["name"]]
                  for p, t in zip(exported, flattened(dev), strict=True) if id(t) in deployment_of}  # fmt: skip
    assert len(exported) == len(flattened(dev))
    for plan_resource, resource in zip(exported, flattened(dev), strict=True):
        depends = resource.get("dependsOn", [])
        if id(resource) in deployment_of:
            depends = [*depends, *deployment_of[id(resource)].get("dependsOn", [])]
        assert len(resource.get("dependsOn", [])) == len(set(resource.get("dependsOn", []))), resource["name"]
        # Every entry evaluates to the id of a resource of this template, or names a nested deployment ...
        resolved = {resolve(d, dev_plan).lower() for d in depends if d not in expression_of.values()}
        assert resolved <= set(ids), resource["name"]
        # ... and every plan dependency that is in the template is there (the group and passwords are not).
        wanted = {str(plan_by_urn[u]["id"]).lower() for u in plan_resource["dependsOn"]} & (set(ids) | set(nested_ids))
        for dependency in wanted:
            assert dependency in resolved or nested_ids.get(dependency) in depends, (resource["name"], dependency)
    vm = by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")
    assert vm["dependsOn"] == ["[resourceId('Microsoft.Compute/disks', 'alice-data-disk')]",
                               "[resourceId('Microsoft.Network/networkInterfaces', 'alice-nic')]"]
    (reader,) = [r for r in of_type(dev, "Microsoft.Authorization/roleAssignments")
                 if r.get("scope") == "Microsoft.Compute/disks/alice-data-disk"]  # fmt: skip
    assert "[resourceId('Microsoft.Resources/deployments', 'resources-in-rg-dsvm-dev-snapshots')]" in (
        reader["dependsOn"])  # the snapshot group's role, nested in its group's deployment


def test_ids_in_property_values_order_the_deployment_without_a_plan_dependency(dev_plan: dict[str, Any]) -> None:
    """A property that holds the id of a template resource (the VM's NIC and data disk) makes a dependsOn
    entry even where the plan lists no dependency (an id the program wrote as text)."""
    plan = json.loads(json.dumps(dev_plan))
    (vm,) = [r for r in plan["resources"] if r["name"] == "alice-vm"]
    vm["dependsOn"] = []
    exported = by_name(export_template(plan), "Microsoft.Compute/virtualMachines", "alice-vm")
    assert exported["dependsOn"] == ["[resourceId('Microsoft.Compute/disks', 'alice-data-disk')]",
                                     "[resourceId('Microsoft.Network/networkInterfaces', 'alice-nic')]"]


def test_a_resource_never_depends_on_itself(dev_plan: dict[str, Any]) -> None:
    """ARM refuses a template with a circular dependency: a property holding the resource's own id (here a tag)
    references it, but makes no dependsOn entry."""
    plan = json.loads(json.dumps(dev_plan))
    (nsg,) = [r for r in plan["resources"] if r["type"] == "azure-native:network:NetworkSecurityGroup"]
    nsg["inputs"]["tags"]["self"] = nsg["id"]
    (exported,) = of_type(export_template(plan), "Microsoft.Network/networkSecurityGroups")
    assert exported["tags"]["self"].startswith("[resourceId('Microsoft.Network/networkSecurityGroups'")
    assert exported.get("dependsOn", []) == []


def test_resource_group_names_in_ids_compare_ignoring_case(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    """ARM ids are case-insensitive, and Azure hands back a group's name in either case: an id whose group is
    written `RG-DSVM-Dev` is still this deployment's group (no `resourceId('RG-DSVM-Dev', ...)` form)."""
    recased = json.loads(json.dumps(dev_plan).replace("/resourceGroups/rg-dsvm-dev/", "/resourceGroups/RG-DSVM-Dev/"))
    template = export_template(recased)
    assert "RG-DSVM-Dev" not in render(template)
    assert render(template) == render(dev)


@pytest.mark.parametrize("stack", ["dev", "gpu", "classroom", "hackathon", "staging", "prod", "lowcost"])
def test_no_literal_id_of_the_emulator_subscription(stack: str) -> None:
    """In every example stack: ids, computed principal ids (a scale set's user-assigned identity) and scopes
    are expressions, never the emulator's subscription (the classroom's idle role assignment used to carry
    `...userAssignedIdentities./subscriptions/<emulator>/....principalId`)."""
    plan = make_plan(ROOT, stack).to_json()
    subscription = next(str(r["id"]).split("/")[2] for r in plan["resources"] if str(r["id"]).startswith("/subs"))
    text = render(export_template(plan))
    assert subscription not in text
    assert "/subscriptions/" not in text
    assert "urn:pulumi" not in text


def test_a_scale_sets_user_assigned_identities_are_a_map_keyed_by_id() -> None:
    template = export_template(make_plan(ROOT, "classroom").to_json())
    (scale_set, *_) = of_type(template, "Microsoft.Compute/virtualMachineScaleSets")
    assert scale_set["identity"] == {"type": "UserAssigned", "userAssignedIdentities": {
        "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', 'dsvm-classroom-cpu-id')]": {}}}
    principals = {a["properties"]["principalId"] for a in of_type(template, "Microsoft.Authorization/roleAssignments")}
    assert principals == {"[reference(resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', "
                          "'dsvm-classroom-cpu-id'), '2023-01-31', 'full').properties.principalId]"}


def test_a_budget_that_starts_when_deployed_takes_the_deployment_month(dev: dict[str, Any]) -> None:
    """Not the month the plan was made in, which Azure refuses once it has passed."""
    (budget,) = of_type(dev, "Microsoft.Consumption/budgets")
    assert budget["properties"]["timePeriod"] == {"startDate": "[parameters('dsvmDevBudgetStartDate')]"}
    assert dev["parameters"]["dsvmDevBudgetStartDate"]["defaultValue"] == (
        "[format('{0}-{1}-01T00:00:00Z', utcNow('yyyy'), utcNow('MM'))]")  # fmt: skip


def test_a_pinned_budget_start_stays_a_literal(tmp_path: Path) -> None:
    plan = project_plan(tmp_path, "pinned", **{"dsvm:budget": {"amount": 530, "start_date": "2027-02-01"}})
    template = export_template(plan)
    (budget,) = of_type(template, "Microsoft.Consumption/budgets")
    assert budget["properties"]["timePeriod"] == {"startDate": "2027-02-01T00:00:00Z"}
    assert not [name for name in template["parameters"] if name.endswith("StartDate")]


def test_literal_strings_that_look_like_expressions_are_escaped(dev_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(dev_plan))
    (nsg,) = [r for r in plan["resources"] if r["type"] == "azure-native:network:NetworkSecurityGroup"]
    nsg["inputs"]["tags"]["note"] = "[not an expression]"
    (exported,) = of_type(export_template(plan), "Microsoft.Network/networkSecurityGroups")
    assert exported["tags"]["note"] == "[[not an expression]"
    generated = [v for v in walk(exported) if isinstance(v, str) and EXPRESSION.match(v)]
    assert generated == []  # nothing in the NSG is an expression


def test_output_is_deterministic(dev_plan: dict[str, Any], dev: dict[str, Any]) -> None:
    again = export_template(make_plan(ROOT, "dev").to_json())
    assert render(again) == render(dev)
    assert render(export_template(dev_plan)) == render(dev)
    assert render(dev).endswith("}\n") and json.loads(render(dev)) == dev


def test_unknown_type_and_several_subscriptions_are_refused(dev_plan: dict[str, Any]) -> None:
    plan = json.loads(json.dumps(dev_plan))
    plan["resources"].append({**plan["resources"][-1], "type": "azure-native:web:WebApp", "urn": "urn:x"})
    with pytest.raises(ExportError, match="azure-native:web:WebApp"):
        export_template(plan)
    plan = json.loads(json.dumps(dev_plan))
    (nsg,) = [r for r in plan["resources"] if r["type"] == "azure-native:network:NetworkSecurityGroup"]
    other = "/11111111-0000-4000-8000-0000000000aa/"
    nsg["id"] = str(nsg["id"]).replace("/00000000-0000-4000-8000-000000000001/", other)
    with pytest.raises(ExportError, match="several subscriptions"):
        export_template(plan)


def test_another_groups_resources_go_into_a_nested_deployment_evaluated_outside(dev_plan: dict[str, Any]) -> None:
    """The NSG moved to another group: it is deployed there by a nested deployment; what depends on it depends on
    that deployment, and its own dependencies move to the deployment (dependsOn names its own template only)."""
    plan = json.loads(json.dumps(dev_plan))
    (nsg,) = [r for r in plan["resources"] if r["type"] == "azure-native:network:NetworkSecurityGroup"]
    nsg["id"] = str(nsg["id"]).replace("/rg-dsvm-dev/", "/rg-other/")
    template = export_template(plan)
    (other,) = [r for r in template["resources"] if r.get("resourceGroup") == "rg-other"]
    assert other["type"] == DEPLOYMENTS and other["properties"]["expressionEvaluationOptions"] == {"scope": "outer"}
    assert [r["name"] for r in other["properties"]["template"]["resources"]] == ["dsvm-dev-nsg"]
    users = [r for r in template["resources"]
             if "[resourceId('Microsoft.Resources/deployments', 'resources-in-rg-other')]" in r.get("dependsOn", [])]
    assert users and not any("networkSecurityGroups" in d for r in users for d in r.get("dependsOn", []))


# -- the emulator accepts what the hardened program sends, and refuses what Azure refuses ----------
STORAGE = "azure-native:storage:StorageAccount"


def _network(az: FakeAzure, endpoints: list[dict[str, str]] | None) -> str:
    az.create("azure-native:resources:ResourceGroup", "rg", {"resourceGroupName": "rg", "location": "westeurope"})
    az.create("azure-native:network:VirtualNetwork", "vnet", {
        "virtualNetworkName": "vnet", "resourceGroupName": "rg", "addressSpace": {"addressPrefixes": ["10.0.0.0/16"]}})
    subnet: dict[str, Any] = {
        "subnetName": "vms", "virtualNetworkName": "vnet", "resourceGroupName": "rg", "addressPrefix": "10.0.1.0/24"}
    if endpoints is not None:
        subnet["serviceEndpoints"] = endpoints
    return az.create("azure-native:network:Subnet", "snet", subnet).id


def _account(subnet: str, **rules: Any) -> dict[str, Any]:
    return {
        "accountName": "dsvmtest01", "resourceGroupName": "rg", "kind": "StorageV2", "sku": {"name": "Standard_LRS"},
        "networkRuleSet": {"defaultAction": "Deny", "bypass": "AzureServices",
                           "virtualNetworkRules": [{"virtualNetworkResourceId": subnet, "action": "Allow"}], **rules},
    }


def test_storage_rule_for_a_subnet_without_the_storage_endpoint_is_refused(fake_azure: FakeAzure) -> None:
    subnet = _network(fake_azure, None)
    with pytest.raises(ArmError) as info:
        fake_azure.create(STORAGE, "account", _account(subnet))
    assert info.value.code == "NetworkAclsValidationFailure"
    assert "SubnetsHaveNoServiceEndpointsConfigured" in str(info.value)


@pytest.mark.parametrize(("rules", "code"), [
    ({}, None),
    ({"virtualNetworkRules": [{"virtualNetworkResourceId": "/subscriptions/x/resourceGroups/rg/providers/"
                                                          "Microsoft.Network/virtualNetworks/vnet/subnets/nope"}]},
     "NetworkAclsValidationFailure"),
    ({"defaultAction": "Block"}, "InvalidValuesForRequestParameters"),
    ({"bypass": "AzureServices, Everything"}, "InvalidValuesForRequestParameters"),
])
def test_storage_network_rules(fake_azure: FakeAzure, rules: dict[str, Any], code: str | None) -> None:
    subnet = _network(fake_azure, [{"service": "Microsoft.Storage"}])
    if code is None:
        assert fake_azure.create(STORAGE, "account", _account(subnet, **rules)).name == "dsvmtest01"
        return
    with pytest.raises(ArmError) as info:
        fake_azure.create(STORAGE, "account", _account(subnet, **rules))
    assert info.value.code == code


def test_extension_on_a_vm_that_disallows_extensions_is_refused(run_stack: Any, fake_azure: FakeAzure) -> None:
    # No extension the program installs and no patching (Update Manager's): none allowed.
    run_stack(team_values(idle_stop={"enabled": False}, patching={"enabled": False}))
    (vm,) = [r for r in fake_azure.of_type("Microsoft.Compute/virtualMachines") if r.name == "alice-vm"]
    assert vm.inputs["osProfile"]["allowExtensionOperations"] is False
    with pytest.raises(ArmError) as info:
        fake_azure.create("azure-native:compute:VirtualMachineExtension", "ext", {
            "vmExtensionName": "AADSSHLoginForLinux", "vmName": "alice-vm", "resourceGroupName": vm.resource_group,
            "publisher": "Microsoft.Azure.ActiveDirectory", "type": "AADSSHLoginForLinux",
            "typeHandlerVersion": "1.0"})
    assert info.value.code == "OperationNotAllowed"


# -- Azure's resource schemas (tests/dsvmctl/arm_schemas.py; `make arm-schemas` fetches them) ---------
@pytest.fixture(scope="module")
def schemas() -> Path:
    from tests.dsvmctl.arm_schemas import BUNDLE, schemas_dir

    folder = schemas_dir()
    assert folder is not None, f"Azure's ARM schemas are missing: {BUNDLE} ships them"
    return folder


@pytest.mark.parametrize("stack", ["dev", "gpu", "classroom", "staging", "prod", "hackathon", "lowcost"])
def test_every_exported_resource_is_valid_against_azures_schema(stack: str, schemas: Path) -> None:
    from tests.dsvmctl.arm_schemas import errors_of

    template = export_template(make_plan(ROOT, stack).to_json())
    found = {r["name"]: errors_of(schemas, r) for r in flattened(template)}
    assert {name: errors for name, errors in found.items() if errors} == {}


def test_windows_and_entra_exports_are_valid_against_azures_schema(
    windows: dict[str, Any], entra_plan: dict[str, Any], schemas: Path
) -> None:
    from tests.dsvmctl.arm_schemas import errors_of

    for template in (windows, export_template(entra_plan)):
        found = {r["name"]: errors_of(schemas, r) for r in flattened(template)}
        assert {name: errors for name, errors in found.items() if errors} == {}


def test_the_schema_check_finds_what_azure_refuses(dev: dict[str, Any], schemas: Path) -> None:
    """The check is no rubber stamp: a wrong value in each new type is caught."""
    from tests.dsvmctl.arm_schemas import errors_of

    window = by_name(dev, "Microsoft.Maintenance/maintenanceConfigurations", "dsvm-dev-patching-0200")
    window = json.loads(json.dumps(window))
    window["properties"]["maintenanceScope"] = "Nightly"
    assert errors_of(schemas, window)
    vm = json.loads(json.dumps(by_name(dev, "Microsoft.Compute/virtualMachines", "alice-vm")))
    vm["properties"]["osProfile"]["linuxConfiguration"]["patchSettings"]["patchMode"] = "AutomaticByOS"  # Windows'
    assert errors_of(schemas, vm)
    vault = json.loads(json.dumps(by_name(dev, "Microsoft.DataProtection/backupVaults", "dsvm-dev-backup")))
    vault["properties"]["storageSettings"][0]["type"] = "GloballyRedundant"
    assert errors_of(schemas, vault)
    flow = json.loads(json.dumps(by_name(dev, "Microsoft.Logic/workflows", "dsvm-dev-patch-start")))
    assert errors_of(schemas, flow) == []  # validated against the newest published schema (SCHEMA_FALLBACKS)
    flow["properties"]["state"] = "Running"
    assert errors_of(schemas, flow)


def test_the_patch_start_workflow_is_exported_with_its_identity_and_the_roles_refer_to_it(dev: dict[str, Any]) -> None:
    flow = by_name(dev, "Microsoft.Logic/workflows", "dsvm-dev-patch-start")
    assert flow["apiVersion"] == "2019-05-01" and flow["identity"] == {"type": "SystemAssigned"}
    assert flow["properties"]["parameters"]["vmIds"]["value"] == [
        "[resourceId('Microsoft.Compute/virtualMachines', 'alice-vm')]",
        "[resourceId('Microsoft.Compute/virtualMachines', 'bob-vm')]"]
    roles = [r for r in flattened(dev) if r["type"] == "Microsoft.Authorization/roleAssignments"
             and "Microsoft.Logic/workflows" in str(r["properties"]["principalId"])]  # fmt: skip
    assert sorted(r["scope"] for r in roles) == ["Microsoft.Compute/virtualMachines/alice-vm",
                                                 "Microsoft.Compute/virtualMachines/bob-vm"]  # fmt: skip


# -- checkov -----------------------------------------------------------------------------------------
def documented_findings() -> dict[str, tuple[str, str]]:
    """check id -> (title, reason) from the accepted-findings table of docs/SECURITY.md."""
    rows = {}
    for line in (ROOT / "docs" / "SECURITY.md").read_text().splitlines():
        match = SECURITY_ROW.match(line)
        if match:
            rows[match[1]] = (match[2], match[3])
    return rows


def checkov_command() -> list[str]:
    """checkov lives in its own venv (`make test` builds .venv-checkov): it pins packaging<24,
    which the Pulumi SDK (packaging>=26) cannot share."""
    for executable in (ROOT / ".venv-checkov" / "bin" / "checkov", Path(sys.executable).parent / "checkov"):
        if executable.is_file():
            return [str(executable)]
    raise AssertionError("checkov not found: run `make test` (it installs requirements-checkov.txt)")


@pytest.fixture(scope="module")
def checkov(
    dev: dict[str, Any], windows: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """One checkov run over the exported templates: file name -> {"failed": [...], "passed": [...]}, and "summary"."""
    directory = tmp_path_factory.mktemp("arm")
    files = {"dev.json": dev, "windows.json": windows}
    for name, template in files.items():
        (directory / name).write_text(render(template))
    # No network: BC_SKIP_MAPPING and --skip-download keep checkov from calling Prisma Cloud. The timeout is a
    # hang guard under the suite's own 300 s, not a speed target: checkov alone takes ~20-60 s, more on a busy machine.
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}
    done = subprocess.run(
        [*checkov_command(), *(a for name in files for a in ("-f", name)), "--framework", "arm", "-o", "json",
         "--skip-download", "--compact"],
        cwd=directory, capture_output=True, text=True, timeout=270, env=env, check=False,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1: some check failed
    report = json.loads(done.stdout)
    assert isinstance(report, dict) and report["check_type"] == "arm", done.stdout[:500]
    assert report["summary"]["parsing_errors"] == 0
    results: dict[str, dict[str, Any]] = {name: {"failed": [], "passed": []} for name in files}
    for outcome in ("failed", "passed"):
        for check in report["results"][f"{outcome}_checks"]:
            results[Path(check["file_path"]).name][outcome].append(check)
    results["summary"] = report["summary"]
    return results


def test_security_doc_lists_each_accepted_finding_with_a_reason() -> None:
    rows = documented_findings()
    assert rows, "docs/SECURITY.md has no accepted-findings table"
    for check, (title, reason) in rows.items():
        assert title and len(reason) > 80, f"{check}: give a real reason"


def test_checkov_finds_nothing_but_the_documented_findings(checkov: dict[str, dict[str, Any]]) -> None:
    documented = documented_findings()
    failed = {(name, c["check_id"]) for name in ("dev.json", "windows.json") for c in checkov[name]["failed"]}
    undocumented = sorted((name, check) for name, check in failed if check not in documented)
    assert not undocumented, f"fix these or document them in docs/SECURITY.md: {undocumented}"
    # Every documented finding still fails somewhere: a fixed one must leave the table.
    assert {check for _, check in failed} == set(documented)
    assert {c["check_id"] for c in checkov["dev.json"]["failed"]} == {"CKV_AZURE_2", "CKV_AZURE_93", "CKV_AZURE_206",
                                                                      "CKV_AZURE_50"}
    assert checkov["summary"]["passed"] > 0


def test_checkov_passes_the_hardening(checkov: dict[str, dict[str, Any]]) -> None:
    """The checks the program changes fixed: storage network rules (VM extensions: only idle stop's, documented)."""
    fixed = {"CKV_AZURE_35", "CKV_AZURE_36"}
    for name in ("dev.json", "windows.json"):
        assert fixed <= {c["check_id"] for c in checkov[name]["passed"]}, name
        assert not fixed & {c["check_id"] for c in checkov[name]["failed"]}, name
    # Secrets never reach the VM definition as literals (custom data, passwords).
    assert "CKV_AZURE_45" in {c["check_id"] for c in checkov["dev.json"]["passed"]}
