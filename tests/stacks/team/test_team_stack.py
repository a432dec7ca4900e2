"""The `team` stack and its components, run on the fake Azure.

Per component: defaults, maximal and secure-baseline configs, with the options
(protect, retainOnDelete, parent, dependsOn, replaceOnChanges) asserted.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

import stacks
from fakeazure import ArmError, FakeAzure, FakeAzureError, ProgramRun, run_program
from tests.helpers import of_type, one, ssh_key, team_values

VM = "azure-native:compute:VirtualMachine"
NIC = "azure-native:network:NetworkInterface"
DISK = "azure-native:compute:Disk"
SCHEDULE = "azure-native:devtestlab:GlobalSchedule"
NSG = "azure-native:network:NetworkSecurityGroup"
PIP = "azure-native:network:PublicIPAddress"
TAGGED_SKIP = {"azure-native:network:Subnet", "azure-native:storage:BlobServiceProperties",
               "azure-native:storage:BlobContainer", "azure-native:authorization:RoleAssignment",
               "azure-native:authorization:RoleDefinition", "azure-native:consumption:Budget",
               "azure-native:dataprotection:BackupPolicy", "azure-native:dataprotection:BackupInstance",
               "azure-native:maintenance:ConfigurationAssignment"}


def inbound_allow_rules(run: ProgramRun) -> list[dict[str, Any]]:
    (nsg,) = of_type(run, NSG)
    return [r for r in nsg.inputs["securityRules"] if r["access"] == "Allow" and r["direction"] == "Inbound"]


# -- defaults --------------------------------------------------------------------------------


def test_defaults_build_one_workstation_set_per_member(run_stack: Any) -> None:
    run = run_stack(team_values())
    counts = Counter(r.type for r in run.records if r.custom)
    for token in (VM, NIC, DISK, SCHEDULE, "azure-native:compute:VirtualMachineExtension"):
        assert counts[token] == 2, token
    # blob data, idle stop, the patch start and the vault's Disk Backup Reader, per member; the vault's Disk Snapshot
    # Contributor
    assert counts["azure-native:authorization:RoleAssignment"] == 9
    for token in ("azure-native:network:VirtualNetwork", NSG, "azure-native:storage:StorageAccount",
                  "azure-native:network:BastionHost", "azure-native:dataprotection:BackupVault",
                  "azure-native:dataprotection:BackupPolicy"):
        assert counts[token] == 1, token
    assert counts["azure-native:dataprotection:BackupInstance"] == 2  # one per data disk
    assert counts["azure-native:resources:ResourceGroup"] == 2  # the stack's and its snapshot group
    assert counts["azure-native:authorization:RoleDefinition"] == 0  # the idle role is the subscription's
    assert counts["azure-native:consumption:Budget"] == 0  # only when dsvm:budget is set
    assert counts["azure-native:storage:BlobContainer"] == 3  # shared + home-alice + home-bob
    assert counts[PIP] == 1  # only the Bastion's: no public IP on any VM


def test_data_disks_and_storage_are_protected_and_retained(run_stack: Any) -> None:
    run = run_stack(team_values())
    kept = of_type(run, DISK) + of_type(run, "azure-native:storage:StorageAccount") + of_type(
        run, "azure-native:storage:BlobContainer"
    )
    assert kept and all(r.protect and r.retain_on_delete for r in kept)
    # VMs, NICs and schedules are disposable: neither protected nor retained.
    for r in of_type(run, VM) + of_type(run, NIC) + of_type(run, SCHEDULE):
        assert not r.protect and not r.retain_on_delete


def test_children_are_parented_to_their_component(run_stack: Any) -> None:
    run = run_stack(team_values())
    by_urn = {r.urn: r for r in run.records}
    vm = one(run, VM, "alice-vm")
    assert by_urn[vm.parent].type == "dsvm:components:Workstation" and by_urn[vm.parent].name == "alice"
    disk = one(run, DISK, "alice-data-disk")
    assert by_urn[disk.parent].type == "dsvm:components:DataDisk"
    (nsg,) = of_type(run, NSG)
    assert by_urn[nsg.parent].type == "dsvm:components:Network"
    # Every child name derives from its component's name.
    for r in run.records:
        parent = by_urn.get(r.parent or "")
        if parent is not None:
            assert r.name.startswith(parent.name), (r.name, parent.name)


def test_vm_depends_on_its_nic_and_data_disk_and_schedule_on_vm(run_stack: Any) -> None:
    run = run_stack(team_values())
    vm = one(run, VM, "alice-vm")
    assert one(run, NIC, "alice-nic").urn in vm.depends_on
    assert one(run, DISK, "alice-data-disk").urn in vm.depends_on
    assert vm.urn in one(run, SCHEDULE, "alice-shutdown").depends_on
    assert one(run, NIC, "bob-nic").urn not in vm.depends_on


def test_image_change_replaces_vm_before_creating_it_and_never_the_disk(run_stack: Any) -> None:
    run = run_stack(team_values())
    vm = one(run, VM, "alice-vm")
    assert vm.delete_before_replace
    for path in ("storageProfile.imageReference", "osProfile.computerName", "osProfile.adminUsername",
                 "osProfile.customData"):
        assert path in vm.replace_on_changes
    data = vm.inputs["storageProfile"]["dataDisks"]
    assert data == [{"lun": 0, "createOption": "Attach", "caching": "ReadOnly", "deleteOption": "Detach",
                     "managedDisk": {"id": one(run, DISK, "alice-data-disk").id}}]
    assert vm.inputs["networkProfile"]["networkInterfaces"][0]["deleteOption"] == "Detach"


def test_vm_secure_baseline_linux(run_stack: Any) -> None:
    run = run_stack(team_values())
    vm = one(run, VM, "alice-vm")
    profile = vm.inputs["osProfile"]
    assert profile["linuxConfiguration"]["disablePasswordAuthentication"] is True
    assert profile["linuxConfiguration"]["ssh"]["publicKeys"][0]["keyData"] == ssh_key("alice")
    assert profile["customData"] == "[secret]" and "adminPassword" not in profile
    security = vm.inputs["securityProfile"]
    assert security == {"encryptionAtHost": True, "securityType": "TrustedLaunch",
                        "uefiSettings": {"secureBootEnabled": True, "vTpmEnabled": True}}
    assert vm.inputs["identity"] == {"type": "SystemAssigned"}
    assert vm.inputs["diagnosticsProfile"] == {"bootDiagnostics": {"enabled": True}}
    assert vm.outputs["identity"]["principalId"]


def test_cloud_init_sets_the_generated_local_password(run_stack: Any, fake_azure: FakeAzure) -> None:
    import base64

    run_stack(team_values())
    vm = fake_azure.get(next(r.id for r in fake_azure.resources.values() if r.name == "alice-vm"))
    assert vm is not None
    password = next(r for r in fake_azure.resources.values() if r.logical_name == "alice-password").outputs["result"]
    cloud_config = base64.b64decode(vm.inputs["osProfile"]["customData"]).decode()
    assert cloud_config.startswith("#cloud-config\n")
    config = yaml.safe_load(cloud_config)
    assert config["chpasswd"]["users"] == [{"name": "alice", "password": password, "type": "text"}]
    assert config["ssh_pwauth"] is False
    assert ["systemctl", "enable", "--now", "dsvm-data.service"] in config["runcmd"]  # the data disk, mounted


def test_role_assignment_grants_the_vm_identity_its_own_container_only(run_stack: Any) -> None:
    run = run_stack(team_values())
    role = one(run, "azure-native:authorization:RoleAssignment", "alice-blob-role")
    assert role.inputs["scope"].endswith("/blobServices/default/containers/home-alice")
    assert role.inputs["roleDefinitionId"].endswith("ba92f5b4-2d11-453d-a403-e96b0029c9fe")
    assert role.inputs["principalId"] == one(run, VM, "alice-vm").outputs["identity"]["principalId"]
    assert role.inputs["principalType"] == "ServicePrincipal"


def test_auto_shutdown_on_by_default_with_azure_name(run_stack: Any) -> None:
    run = run_stack(team_values())
    schedule = one(run, SCHEDULE, "alice-shutdown")
    assert schedule.inputs["name"] == "shutdown-computevm-alice-vm"
    assert schedule.inputs["status"] == "Enabled"
    assert schedule.inputs["dailyRecurrence"] == {"time": "1900"}
    assert schedule.inputs["timeZoneId"] == "UTC"
    assert schedule.inputs["targetResourceId"] == one(run, VM, "alice-vm").id


def test_auto_shutdown_disabled_and_notified(run_stack: Any) -> None:
    run = run_stack(team_values(auto_shutdown={"enabled": False, "time": "2030", "time_zone": "W. Europe Standard Time",
                                               "notification_email": "lead@contoso.com"}))
    schedule = one(run, SCHEDULE, "bob-shutdown")
    assert schedule.inputs["status"] == "Disabled"
    assert schedule.inputs["notificationSettings"]["status"] == "Enabled"
    assert schedule.inputs["notificationSettings"]["emailRecipient"] == "lead@contoso.com"


def test_storage_secure_baseline(run_stack: Any) -> None:
    run = run_stack(team_values(storage={"hns_enabled": True, "soft_delete_days": 30}))
    (account,) = of_type(run, "azure-native:storage:StorageAccount")
    for key, value in {"kind": "StorageV2", "enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2",
                       "allowBlobPublicAccess": False, "allowSharedKeyAccess": False, "isHnsEnabled": True}.items():
        assert account.inputs[key] == value, key
    (blob,) = of_type(run, "azure-native:storage:BlobServiceProperties")
    assert blob.inputs["deleteRetentionPolicy"] == {"enabled": True, "days": 30}
    assert blob.inputs["containerDeleteRetentionPolicy"] == {"enabled": True, "days": 30}
    containers = of_type(run, "azure-native:storage:BlobContainer")
    assert {c.inputs["containerName"] for c in containers} == {"shared", "home-alice", "home-bob"}
    assert all(c.inputs["publicAccess"] == "None" for c in containers)
    assert all(blob.urn in c.depends_on for c in containers)


def test_tags_on_every_taggable_resource(run_stack: Any) -> None:
    run = run_stack(team_values(tags={"project": "churn"}), stack="tags")
    taggable = [r for r in run.records if r.custom and r.type not in TAGGED_SKIP and not r.type.startswith("random:")]
    assert taggable
    for r in taggable:
        assert r.inputs["tags"] == {"owner": "data-platform@contoso.com", "cost-center": "CC-1", "stack": "tags",
                                    "managed-by": "pulumi", "project": "churn"}, r.name


def test_all_members_on_the_same_pinned_image(run_stack: Any) -> None:
    run = run_stack(team_values(members=[{"username": n, "ssh_public_key": ssh_key(n)} for n in ("a1", "b2", "c3")]))
    refs = {json.dumps(vm.inputs["storageProfile"]["imageReference"], sort_keys=True) for vm in of_type(run, VM)}
    assert refs == {json.dumps({"offer": "ubuntu-2204", "publisher": "microsoft-dsvm", "sku": "2204-gen2",
                                "version": "25.05.20"}, sort_keys=True)}


# -- network access modes --------------------------------------------------------------------


def test_bastion_mode_admits_only_the_bastion_subnet(run_stack: Any) -> None:
    run = run_stack(team_values())
    rules = inbound_allow_rules(run)
    assert {r["destinationPortRange"] for r in rules} == {"22", "8000"}
    assert all(r["sourceAddressPrefixes"] == ["10.50.255.0/26"] for r in rules)
    subnets = {r.inputs["subnetName"]: r for r in of_type(run, "azure-native:network:Subnet")}
    assert subnets["AzureBastionSubnet"].inputs["addressPrefix"] == "10.50.255.0/26"
    assert subnets["workstations"].urn in subnets["AzureBastionSubnet"].depends_on
    (bastion,) = of_type(run, "azure-native:network:BastionHost")
    assert bastion.inputs["sku"] == {"name": "Standard"} and bastion.inputs["enableTunneling"] is True
    assert run.outputs["members"]["alice"]["ssh"].startswith("az network bastion ssh --name dsvm-test-bastion")


def test_deny_by_default_and_nothing_open_to_the_internet(run_stack: Any) -> None:
    for access in ({"mode": "bastion"}, {"mode": "private"},
                   {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}):
        run = run_stack(team_values(access=access, rstudio_enabled=True), backend=FakeAzure())
        (nsg,) = of_type(run, NSG)
        rules = nsg.inputs["securityRules"]
        for rule in rules:
            if rule["access"] == "Allow":
                sources = rule.get("sourceAddressPrefixes") or [rule.get("sourceAddressPrefix")]
                assert not {"*", "0.0.0.0/0", "Internet", "Any"} & set(sources), rule
        deny = [r for r in rules if r["access"] == "Deny"]
        assert deny and deny[0]["priority"] == 4096 and deny[0]["direction"] == "Inbound"


def test_allowlist_with_public_ips(run_stack: Any) -> None:
    run = run_stack(team_values(access={"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24", "198.51.100.7/32"],
                                        "public_ip_enabled": True}, rstudio_enabled=True))
    rules = inbound_allow_rules(run)
    assert {r["destinationPortRange"] for r in rules} == {"22", "8000", "8787"}
    assert all(r["sourceAddressPrefixes"] == ["203.0.113.0/24", "198.51.100.7/32"] for r in rules)
    assert len(of_type(run, PIP)) == 2 and not of_type(run, "azure-native:network:BastionHost")
    alice = run.outputs["members"]["alice"]
    assert alice["ssh"] == f"ssh alice@{alice['public_ip']}"
    assert alice["rstudio_url"] == f"http://{alice['public_ip']}:8787"
    nic = one(run, NIC, "alice-nic")
    assert nic.inputs["ipConfigurations"][0]["publicIPAddress"]["id"] == one(run, PIP, "alice-pip").id


def test_private_mode_admits_only_the_vnet(run_stack: Any) -> None:
    run = run_stack(team_values(access={"mode": "private"}, network={"address_space": "10.8.0.0/16",
                                                                       "workstation_subnet": "10.8.4.0/24",
                                                                       "bastion_subnet": "10.8.255.0/26"}))
    assert all(r["sourceAddressPrefixes"] == ["10.8.0.0/16"] for r in inbound_allow_rules(run))
    assert not of_type(run, PIP)
    assert run.outputs["members"]["alice"] == {
        "private_ip": "10.8.4.4",
        "jupyterhub_url": "https://10.8.4.4:8000",
        "local_password": "[secret]",
        "ssh": "ssh alice@10.8.4.4",
        "backup_instance": "alice-data-disk-11f3615a",
    }


# -- OS, size and identity variants ----------------------------------------------------------


def windows_values(os: str = "windows-2022", **extra: Any) -> dict[str, Any]:
    return team_values(image={"os": os, "version": "25.01.14"}, members=[{"username": "carol"}], **extra)


def test_windows_2022_gets_a_secret_admin_password_rdp_and_trusted_launch(run_stack: Any) -> None:
    run = run_stack(windows_values(access={"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"]}))
    vm = one(run, VM, "carol-vm")
    assert vm.inputs["osProfile"]["adminPassword"] == "[secret]"
    assert "linuxConfiguration" not in vm.inputs["osProfile"]
    (unattend,) = vm.inputs["osProfile"]["windowsConfiguration"]["additionalUnattendContent"]
    assert unattend["settingName"] == "FirstLogonCommands" and "CustomData.bin" in unattend["content"]
    assert vm.inputs["securityProfile"]["securityType"] == "TrustedLaunch"
    # JupyterHub ships on the Ubuntu DSVM only: RDP is the one port, and no JupyterHub URL.
    assert {r["destinationPortRange"] for r in inbound_allow_rules(run)} == {"3389"}
    carol = run.outputs["members"]["carol"]
    assert carol["rdp"] == "mstsc /v:10.50.1.4" and carol["admin_password"] == "[secret]"
    assert not [k for k in carol if "jupyterhub" in k or k == "local_password"]


def test_windows_2019_is_gen1_without_trusted_launch(run_stack: Any) -> None:
    run = run_stack(windows_values("windows-2019"))
    vm = one(run, VM, "carol-vm")
    assert vm.inputs["securityProfile"] == {"encryptionAtHost": True}
    assert vm.inputs["storageProfile"]["imageReference"]["offer"] == "dsvm-win-2019"


def test_gpu_size_keeps_trusted_launch_but_not_secure_boot(run_stack: Any) -> None:
    run = run_stack(team_values(vm_size="Standard_NC4as_T4_v3", location="eastus"))
    security = one(run, VM, "alice-vm").inputs["securityProfile"]
    assert security["securityType"] == "TrustedLaunch"
    assert security["uefiSettings"] == {"secureBootEnabled": False, "vTpmEnabled": True}
    extensions = [r for r in run.records if r.type == "azure-native:compute:VirtualMachineExtension"]
    assert {e.inputs["vmExtensionName"] for e in extensions} == {"dsvm-idle-stop"}  # no driver extension


def test_member_size_override(run_stack: Any) -> None:
    values = team_values()
    values["members"][1]["vm_size"] = "Standard_E8s_v5"
    run = run_stack(values)
    assert one(run, VM, "alice-vm").inputs["hardwareProfile"] == {"vmSize": "Standard_D4s_v5"}
    assert one(run, VM, "bob-vm").inputs["hardwareProfile"] == {"vmSize": "Standard_E8s_v5"}


def test_entra_login_adds_extension_and_user_login_role(run_stack: Any) -> None:
    values = team_values()
    object_id = "11111111-2222-4333-8444-555555555555"
    values["members"][0].update(entra_login_enabled=True, entra_object_id=object_id)
    run = run_stack(values)
    (ext,) = [r for r in run.records if r.type == "azure-native:compute:VirtualMachineExtension"
              and r.inputs["publisher"] == "Microsoft.Azure.ActiveDirectory"]
    assert ext.inputs["type"] == "AADSSHLoginForLinux" and ext.inputs["vmName"] == "alice-vm"
    role = one(run, "azure-native:authorization:RoleAssignment", "alice-login-role")
    assert role.inputs["principalId"] == object_id and role.inputs["principalType"] == "User"
    assert role.inputs["roleDefinitionId"].endswith("fb879df8-f326-4884-b1cf-06f3ad86be52")
    assert role.inputs["scope"] == one(run, VM, "alice-vm").id


# -- existing resources ----------------------------------------------------------------------


def seed_disk(az: FakeAzure, rg: str = "rg-data", name: str = "alice-old-data") -> str:
    az.seed("azure-native:resources:ResourceGroup", rg, {"resourceGroupName": rg, "location": "westeurope"})
    disk = az.seed("azure-native:compute:Disk", name, {
        "diskName": name, "resourceGroupName": rg, "sku": {"name": "Premium_LRS"}, "diskSizeGB": 512,
        "creationData": {"createOption": "Empty"},
    })
    return disk.id


def test_existing_data_disk_is_attached_not_managed(run_stack: Any, fake_azure: FakeAzure) -> None:
    disk_id = seed_disk(fake_azure)
    values = team_values()
    values["members"][0]["data_disk"] = {"existing_disk_resource_id": disk_id}
    run = run_stack(values)
    assert [d.name for d in of_type(run, DISK)] == ["bob-data-disk"]
    vm = one(run, VM, "alice-vm")
    assert vm.inputs["storageProfile"]["dataDisks"][0]["managedDisk"]["id"] == disk_id


def test_missing_existing_data_disk_is_an_arm_error(run_stack: Any) -> None:
    values = team_values()
    values["members"][0]["data_disk"] = {
        "existing_disk_resource_id": "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-x"
        "/providers/Microsoft.Compute/disks/gone"
    }
    with pytest.raises(ArmError) as error:
        run_stack(values)
    assert error.value.code == "InvalidResourceReference"


def test_existing_resource_group(run_stack: Any, fake_azure: FakeAzure) -> None:
    fake_azure.seed("azure-native:resources:ResourceGroup", "rg-team", {"resourceGroupName": "rg-team",
                                                                        "location": "westeurope"})
    run = run_stack(team_values(resource_group_name="rg-team"))
    # Only the disk backups' snapshot group, named after the existing one.
    assert [r.name for r in of_type(run, "azure-native:resources:ResourceGroup")] == ["rg-team-snapshots"]
    assert one(run, VM, "alice-vm").id.split("/")[4] == "rg-team"
    with pytest.raises(ArmError, match="ResourceGroupNotFound"):
        run_stack(team_values(resource_group_name="rg-nope"), backend=FakeAzure())


def test_free_subscription_cannot_run_gpu_rigs(run_stack: Any) -> None:
    with pytest.raises(ArmError) as error:
        run_stack(team_values(vm_size="Standard_NC4as_T4_v3", location="eastus"),
                  backend=FakeAzure(quota_profile="free"))
    assert error.value.code == "QuotaExceeded"


# -- outputs, secrets, determinism -----------------------------------------------------------


def test_stack_outputs(run_stack: Any) -> None:
    run = run_stack(team_values())
    alice = run.outputs["members"]["alice"]
    assert alice["private_ip"] == "10.50.1.4" and run.outputs["members"]["bob"]["private_ip"] == "10.50.1.5"
    assert alice["jupyterhub_url"] == "https://localhost:8000"  # bastion mode: through the tunnel
    assert alice["jupyterhub_tunnel"].startswith("az network bastion tunnel --name ")
    assert alice["jupyterhub_tunnel"].endswith("/virtualMachines/alice-vm --resource-port 8000 --port 8000")
    assert alice["local_password"] == "[secret]"
    assert "rstudio_url" not in alice
    storage = run.outputs["storage"]
    assert storage["blob_endpoint"] == f"https://{storage['account_name']}.blob.core.windows.net/"
    assert storage["dfs_endpoint"] == f"https://{storage['account_name']}.dfs.core.windows.net/"
    assert storage["containers"] == ["shared", "home-alice", "home-bob"]


def test_no_secret_value_appears_in_records_or_outputs(run_stack: Any, fake_azure: FakeAzure) -> None:
    run = run_stack(windows_values())
    password = next(r for r in fake_azure.resources.values() if r.token.startswith("random:")).outputs["result"]
    dumped = json.dumps([r.__dict__ for r in run.records]) + json.dumps(run.outputs)
    assert password not in dumped
    assert "[secret]" in dumped


def test_same_config_same_result(run_stack: Any) -> None:
    first = run_stack(team_values(), backend=FakeAzure())
    second = run_stack(team_values(), backend=FakeAzure())
    assert json.dumps([r.__dict__ for r in first.records]) == json.dumps([r.__dict__ for r in second.records])
    assert first.outputs == second.outputs


def test_duplicate_urn_is_refused() -> None:
    import pulumi_azure_native.resources as resources

    def program() -> dict[str, Any]:
        resources.ResourceGroup("same", resource_group_name="rg-a", location="westeurope")
        resources.ResourceGroup("same", resource_group_name="rg-b", location="westeurope")
        return {}

    with pytest.raises(Exception, match="two resources share the URN"):
        run_program(program, FakeAzure())


def namespaced(values: dict[str, Any]) -> dict[str, Any]:
    """Plain field values as a stack file spells them (``dsvm:owner``, ``azure-native:location``)."""
    from stacks.config import LOCATION_KEY, PROJECT

    return {LOCATION_KEY if k == "location" else f"{PROJECT}:{k}": v for k, v in values.items()}


def test_config_error_registers_nothing(fake_azure: FakeAzure, tmp_path: Path) -> None:
    from dsvmctl.cli import app
    from stacks.config import load_config
    from tests.helpers import Project, runner

    values = team_values(access={"mode": "allowlist", "allowed_cidrs": ["0.0.0.0/0"]})
    created: list[str] = []
    create = fake_azure.create

    def spy(token: str, name: str, *args: Any, **kwargs: Any) -> Any:
        created.append(f"{token} {name}")
        return create(token, name, *args, **kwargs)

    fake_azure.create = spy  # type: ignore[method-assign]

    # The program itself loads the config (as __main__.py does), so the refusal happens inside a run.
    def program() -> dict[str, Any]:
        return stacks.build(load_config(namespaced(values)), "x")

    with pytest.raises(stacks.ConfigError) as error:
        run_program(program, fake_azure, stack="x")
    assert ("dsvm:access.allowed_cidrs" in [path for path, _ in error.value.problems]), error.value.problems
    assert created == [] and fake_azure.resources == {} and not fake_azure.created_this_run()
    # The spy does see registrations: the same program with a valid config creates resources.
    valid = team_values()
    run_program(lambda: stacks.build(load_config(namespaced(valid)), "x"), fake_azure, stack="x")
    assert created and fake_azure.resources

    # Through the CLI: exit 2, the key named, no traceback.
    project = Project(tmp_path, config=namespaced(values))
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project.dir)])
    assert result.exit_code == 2, result.output
    assert "dsvm:access.allowed_cidrs" in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception


def test_unknown_component_package_raises() -> None:
    import pulumi

    class Foreign(pulumi.ComponentResource):
        def __init__(self) -> None:
            super().__init__("other:components:Thing", "thing")

    with pytest.raises(Exception, match="other:components:Thing") as error:
        run_program(lambda: {"x": Foreign().urn}, FakeAzure())
    assert isinstance(error.value, FakeAzureError) or "does not emulate" in str(error.value)


def test_the_program_replaces_every_vm_property_azure_refuses_to_update(run_stack: Any) -> None:
    from azurefacts.resource_types import RESOURCE_TYPES
    from components.vm_profile import VM_REPLACE_ON_CHANGES
    from fakeazure.providers.compute import VirtualMachine

    # Azure's list as written today in azurefacts/resource_types.py, the VM row's update_refused (source:
    # REFUSED_SOURCE, "ARM PropertyChangeNotAllowed on PUT; pulumi-azure-native #577, #1117", and Microsoft
    # Learn 'Azure Spot Virtual Machines' for priority/evictionPolicy), pinned by exact equality:
    # removing (or adding) a property there must fail here until this copy is changed on purpose.
    refused = {
        "osProfile.computerName", "osProfile.adminUsername", "osProfile.adminPassword", "osProfile.customData",
        "storageProfile.imageReference", "storageProfile.osDisk.createOption",
        "osProfile.linuxConfiguration.ssh.publicKeys", "osProfile.linuxConfiguration.disablePasswordAuthentication",
        "priority", "evictionPolicy",
    }
    assert set(RESOURCE_TYPES[VM].update_refused) == refused
    assert len(RESOURCE_TYPES[VM].update_refused) == len(refused)  # no duplicates hiding a removal
    # None of them may be "handled" by being a replace trigger instead: they are in-place updates Azure refuses.
    assert not refused & RESOURCE_TYPES[VM].create_only
    assert "PropertyChangeNotAllowed" in RESOURCE_TYPES[VM].source
    assert set(VirtualMachine.update_refused) == refused  # the emulator enforces the same facts
    assert set(VM_REPLACE_ON_CHANGES) == refused | {"securityProfile.securityType"}
    for run_vm in of_type(run_stack(team_values()), VM):
        assert set(run_vm.replace_on_changes) == set(VM_REPLACE_ON_CHANGES) and run_vm.delete_before_replace


def test_a_100_member_team_plans_with_unique_addresses(run_stack: Any) -> None:
    # Guards the engine-call plumbing of fakeazure.mocks: nested loop pumps overflowed the
    # stack at this size, and a thread pool made IP allocation order-dependent.
    members = [{"username": f"m{i:03d}", "ssh_public_key": ssh_key(f"m{i}")} for i in range(100)]
    run = run_stack(team_values(members=members, network={"workstation_subnet": "10.50.0.0/22"}))
    assert len(of_type(run, VM)) == 100
    ips = [m["private_ip"] for m in run.outputs["members"].values()]
    assert len(set(ips)) == 100 and run.outputs["members"]["m000"]["private_ip"] == "10.50.0.4"
