"""The flat baseline: the team stack's Azure resources, hand-written, no components, no validation.

What a user would write without this project: the typed azure-native classes, one
after the other, with the same inputs per member as the team stack (resource group,
NSG, VNet, subnets, Bastion, storage account, blob service and containers, the
idle-stop role and the budget; per member a data disk, a password, a NIC, a VM, a
shutdown schedule, the idle-stop extension and two role assignments; the disk backups: snapshot group,
vault, policy, the vault's roles, a backup instance per disk; the patch window and its assignment per VM).
``tests/bench/test_flat.py`` checks that it registers the same
resources with the same inputs as the program, so the benchmark compares like
with like. ``python -m bench.flat --members N`` plans it on fakeazure in a process
of its own and prints one JSON line (wall time and peak RSS of the whole process).
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from typing import Any

started = time.perf_counter()


def flat_program(values: dict[str, Any], stack: str) -> dict[str, Any]:
    """Register the team stack's resources for ``values`` (the team config's plain values)."""
    import hashlib

    import pulumi
    import pulumi_azure_native.authorization as authorization
    import pulumi_azure_native.compute as compute
    import pulumi_azure_native.consumption as consumption
    import pulumi_azure_native.dataprotection as dp
    import pulumi_azure_native.devtestlab as devtestlab
    import pulumi_azure_native.logic as logic
    import pulumi_azure_native.maintenance as maintenance
    import pulumi_azure_native.network as network
    import pulumi_azure_native.resources as resources
    import pulumi_azure_native.storage as storage
    import pulumi_random as random

    from azurefacts import clock
    from azurefacts.patching import Window, utc_spans
    from azurefacts.subscription_roles import VM_IDLE_STOP, VM_PATCH_START, role_definition_id
    from azurefacts.timezones import WINDOWS_TO_IANA
    from components.cloud_init import linux_custom_data
    from components.idle_stop import IdleStop, linux_protected_settings, user_data
    from components.patch_start import definition
    from stacks.foundation import default_storage_account_name

    location = values["location"]
    prefix = f"dsvm-{stack}"
    tags = {"owner": values["owner"], "cost-center": values["cost_center"], "stack": stack, "managed-by": "pulumi"}
    subnet_prefix = values.get("network", {}).get("workstation_subnet", "10.50.1.0/24")
    sub = authorization.get_client_config_output().subscription_id
    rg = resources.ResourceGroup(f"rg-{prefix}", resource_group_name=f"rg-{prefix}", location=location, tags=tags)
    rules = [
        network.SecurityRuleArgs(
            name=f"allow-{svc}-in", priority=prio, direction="Inbound", access="Allow", protocol="Tcp",
            source_address_prefixes=["10.50.255.0/26"], source_port_range="*",
            destination_address_prefix=subnet_prefix, destination_port_range=str(port),
            description=f"allow-{svc}-in: port {port} from the bastion sources only",
        )
        for svc, port, prio in (("ssh", 22, 100), ("jupyterhub", 8000, 110))
    ] + [network.SecurityRuleArgs(
        name="deny-all-in", priority=4096, direction="Inbound", access="Deny", protocol="*",
        source_address_prefix="*", source_port_range="*", destination_address_prefix="*",
        destination_port_range="*", description="deny by default",
    )]  # fmt: skip
    nsg = network.NetworkSecurityGroup(
        f"{prefix}-nsg", network_security_group_name=f"{prefix}-nsg", resource_group_name=rg.name,
        location=location, security_rules=rules, tags=tags,
    )  # fmt: skip
    vnet = network.VirtualNetwork(
        f"{prefix}-vnet", virtual_network_name=f"{prefix}-vnet", resource_group_name=rg.name, location=location,
        address_space=network.AddressSpaceArgs(address_prefixes=["10.50.0.0/16"]), tags=tags,
    )  # fmt: skip
    subnet = network.Subnet(
        f"{prefix}-snet", subnet_name="workstations", virtual_network_name=vnet.name, resource_group_name=rg.name,
        address_prefix=subnet_prefix, network_security_group=network.NetworkSecurityGroupArgs(id=nsg.id),
        service_endpoints=[network.ServiceEndpointPropertiesFormatArgs(service="Microsoft.Storage")],
    )  # fmt: skip
    bastion_subnet = network.Subnet(
        f"{prefix}-bastion-snet", subnet_name="AzureBastionSubnet", virtual_network_name=vnet.name,
        resource_group_name=rg.name, address_prefix="10.50.255.0/26",
        opts=pulumi.ResourceOptions(depends_on=[subnet]),
    )  # fmt: skip
    ip = network.PublicIPAddress(
        f"{prefix}-bastion-pip", public_ip_address_name=f"{prefix}-bastion-pip", resource_group_name=rg.name,
        location=location, sku=network.PublicIPAddressSkuArgs(name="Standard"), public_ip_allocation_method="Static",
        tags=tags,
    )  # fmt: skip
    bastion = network.BastionHost(
        f"{prefix}-bastion", bastion_host_name=f"{prefix}-bastion", resource_group_name=rg.name, location=location,
        sku=network.SkuArgs(name="Standard"), enable_tunneling=True,
        ip_configurations=[network.BastionHostIPConfigurationArgs(
            name="bastion-ipconfig", subnet=network.SubResourceArgs(id=bastion_subnet.id),
            public_ip_address=network.SubResourceArgs(id=ip.id),
        )],
        tags=tags,
    )  # fmt: skip
    account = storage.StorageAccount(
        f"{prefix}-storage-account", account_name=default_storage_account_name(stack, f"rg-{prefix}"),
        resource_group_name=rg.name, location=location, kind="StorageV2", sku=storage.SkuArgs(name="Standard_LRS"),
        enable_https_traffic_only=True, minimum_tls_version="TLS1_2", allow_blob_public_access=False,
        allow_shared_key_access=False, is_hns_enabled=values.get("storage", {}).get("hns_enabled", False),
        network_rule_set=storage.NetworkRuleSetArgs(
            default_action="Deny", bypass="AzureServices",
            virtual_network_rules=[storage.VirtualNetworkRuleArgs(virtual_network_resource_id=subnet.id,
                                                                  action="Allow")],
        ),
        tags=tags,
    )  # fmt: skip
    blob = storage.BlobServiceProperties(
        f"{prefix}-storage-blob", account_name=account.name, resource_group_name=rg.name, blob_services_name="default",
        delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=14),
        container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=14),
    )  # fmt: skip
    users = [m["username"] for m in values["members"]]
    containers = {
        name: storage.BlobContainer(
            f"{prefix}-storage-{name}", account_name=account.name, resource_group_name=rg.name, container_name=name,
            public_access="None", opts=pulumi.ResourceOptions(depends_on=[blob]),
        )
        for name in ["shared", *(f"home-{u}" for u in users)]
    }  # fmt: skip
    group_id = pulumi.Output.concat("/subscriptions/", sub, "/resourceGroups/", rg.name)
    # The subscription's idle-stop role (made once by `dsvmctl bootstrap`): referred to, never created.
    idle_role_id = sub.apply(lambda s: role_definition_id(s, VM_IDLE_STOP))
    idle = values.get("idle_stop", {})
    # Patching: Saturday 02:00 for 3 hours in the stack's time zone, the VMs started at 01:30; the idle watcher holds
    # off from the start to the window's end.
    time_zone = values.get("auto_shutdown", {}).get("time_zone", "UTC")
    started = Window("Saturday", 90, 210)
    spans = utc_spans(started, WINDOWS_TO_IANA.get(time_zone, "UTC"), clock.today().year)
    idle_data = user_data(IdleStop("", idle_minutes=idle.get("idle_minutes", 60), patch_windows=tuple(spans)),
                          windows=False)  # fmt: skip
    window = maintenance.MaintenanceConfiguration(
        f"{prefix}-patching-0200", resource_name_=f"{prefix}-patching-0200", resource_group_name=rg.name,
        location=location, maintenance_scope="InGuestPatch", extension_properties={"InGuestPatchMode": "User"},
        visibility="Custom", start_date_time=f"{clock.today().isoformat()} 02:00", duration="03:00",
        time_zone=time_zone, recur_every="Week Saturday",
        install_patches=maintenance.InputPatchConfigurationArgs(
            reboot_setting="IfRequired",
            linux_parameters=maintenance.InputLinuxParametersArgs(classifications_to_include=["Critical", "Security"])),
        tags=tags, opts=pulumi.ResourceOptions(ignore_changes=["startDateTime"]),
    )  # fmt: skip
    vms = pulumi.Output.concat(group_id, "/providers/Microsoft.Compute/virtualMachines/")
    starter = logic.Workflow(
        f"{prefix}-patch-start", workflow_name=f"{prefix}-patch-start", resource_group_name=rg.name, location=location,
        identity=logic.ManagedServiceIdentityArgs(type="SystemAssigned"), state="Enabled",
        definition=definition(started, time_zone), tags=tags,
        parameters={"vmIds": logic.WorkflowParameterArgs(value=pulumi.Output.all(
            *(pulumi.Output.concat(vms, m["username"], "-vm") for m in values["members"] if not m.get("leaving"))))},
    )  # fmt: skip
    starter_principal = starter.identity.apply(lambda i: i.principal_id if i else "")
    start_role_id = sub.apply(lambda s: role_definition_id(s, VM_PATCH_START))
    if "budget" in values:
        consumption.Budget(
            f"{prefix}-budget", budget_name=f"{prefix}-budget", scope=group_id, amount=values["budget"]["amount"],
            category="Cost", time_grain="Monthly",
            time_period=consumption.BudgetTimePeriodArgs(
                start_date=f"{clock.today().replace(day=1).isoformat()}T00:00:00Z"),
            notifications={
                name: consumption.NotificationArgs(enabled=True, operator="GreaterThanOrEqualTo", threshold=pct,
                                                   threshold_type=kind, contact_emails=[values["owner"]])
                for name, pct, kind in (("actual-80-percent", 80, "Actual"), ("actual-100-percent", 100, "Actual"),
                                        ("forecasted-110-percent", 110, "Forecasted"))
            },
            opts=pulumi.ResourceOptions(ignore_changes=["timePeriod.startDate"]),
        )  # fmt: skip
    # Disk backups: snapshot group, vault, daily policy kept 7 days, the vault's role on the snapshot group.
    snapshots = resources.ResourceGroup(f"rg-{prefix}-snapshots", resource_group_name=f"rg-{prefix}-snapshots",
                                        location=location, tags=tags)
    vault = dp.BackupVault(
        f"{prefix}-backup-vault", vault_name=f"{prefix}-backup", resource_group_name=rg.name, location=location,
        identity=dp.DppIdentityDetailsArgs(type="SystemAssigned"),
        properties=dp.BackupVaultArgs(
            storage_settings=[dp.StorageSettingArgs(datastore_type="VaultStore", type="LocallyRedundant")],
            security_settings=dp.SecuritySettingsArgs(soft_delete_settings=dp.SoftDeleteSettingsArgs(
                state="On", retention_duration_in_days=14))),
        tags=tags,
    )
    store = dp.DataStoreInfoBaseArgs(data_store_type="OperationalStore", object_type="DataStoreInfoBase")
    policy = dp.BackupPolicy(
        f"{prefix}-backup-policy", backup_policy_name="disk-daily-0200utc-7d", vault_name=vault.name,
        resource_group_name=rg.name,
        properties=dp.BackupPolicyArgs(object_type="BackupPolicy", datasource_types=["Microsoft.Compute/disks"],
                                       policy_rules=[
            dp.AzureBackupRuleArgs(
                name="BackupDaily", object_type="AzureBackupRule", data_store=store,
                backup_parameters=dp.AzureBackupParamsArgs(backup_type="Incremental", object_type="AzureBackupParams"),
                trigger=dp.ScheduleBasedTriggerContextArgs(
                    object_type="ScheduleBasedTriggerContext",
                    schedule=dp.BackupScheduleArgs(repeating_time_intervals=["R/2024-01-01T02:00:00+00:00/P1D"]),
                    tagging_criteria=[dp.TaggingCriteriaArgs(is_default=True, tagging_priority=99,
                                                             tag_info=dp.RetentionTagArgs(tag_name="Default"))])),
            dp.AzureRetentionRuleArgs(name="Default", object_type="AzureRetentionRule", is_default=True, lifecycles=[
                dp.SourceLifeCycleArgs(source_data_store=store, delete_after=dp.AbsoluteDeleteOptionArgs(
                    duration="P7D", object_type="AbsoluteDeleteOption"))]),
        ]),
    )
    vault_principal = vault.identity.apply(lambda i: i.principal_id if i else "")

    def role(role_id: str) -> pulumi.Output[str]:
        definitions = "/providers/Microsoft.Authorization/roleDefinitions/"
        return pulumi.Output.concat("/subscriptions/", sub, definitions, role_id)

    snapshot_role = authorization.RoleAssignment(
        f"{prefix}-backup-snapshot-role", principal_id=vault_principal, principal_type="ServicePrincipal",
        role_definition_id=role("7efff54f-a5b4-42b5-a1c5-5411624893ce"), scope=snapshots.id,
    )
    image = compute.ImageReferenceArgs(
        publisher="microsoft-dsvm", offer="ubuntu-2204", sku="2204-gen2", version=values["image"]["version"]
    )
    for member in values["members"]:
        user = member["username"]
        disk = compute.Disk(
            f"{user}-data-disk", disk_name=f"{user}-data-disk", resource_group_name=rg.name, location=location,
            sku=compute.DiskSkuArgs(name="Premium_LRS"), disk_size_gb=member.get("data_disk", {}).get("size_gb", 128),
            creation_data=compute.CreationDataArgs(create_option="Empty"), tags=tags,
        )  # fmt: skip
        password = random.RandomPassword(
            f"{user}-password", length=24, min_upper=2, min_lower=2, min_numeric=2, min_special=2,
            override_special="!#%*-_=+?",
        )  # fmt: skip
        nic = network.NetworkInterface(
            f"{user}-nic", network_interface_name=f"{user}-nic", resource_group_name=rg.name, location=location,
            ip_configurations=[network.NetworkInterfaceIPConfigurationArgs(
                name="ipconfig1", subnet=network.SubnetArgs(id=subnet.id), private_ip_allocation_method="Dynamic",
            )],
            tags=tags,
        )  # fmt: skip
        vm = compute.VirtualMachine(
            f"{user}-vm", vm_name=f"{user}-vm", resource_group_name=rg.name, location=location,
            hardware_profile=compute.HardwareProfileArgs(vm_size=values.get("vm_size", "Standard_D4s_v5")),
            storage_profile=compute.StorageProfileArgs(
                image_reference=image,
                os_disk=compute.OSDiskArgs(
                    name=f"{user}-vm-osdisk", create_option="FromImage", caching="ReadWrite", delete_option="Delete",
                    managed_disk=compute.ManagedDiskParametersArgs(storage_account_type="Premium_LRS"),
                ),
                data_disks=[compute.DataDiskArgs(
                    lun=0, create_option="Attach", caching="ReadOnly", delete_option="Detach",
                    managed_disk=compute.ManagedDiskParametersArgs(id=disk.id),
                )],
            ),
            os_profile=compute.OSProfileArgs(
                computer_name=user, admin_username=user, allow_extension_operations=True,
                custom_data=pulumi.Output.secret(password.result.apply(lambda pw, u=user: linux_custom_data(u, pw))),
                linux_configuration=compute.LinuxConfigurationArgs(
                    disable_password_authentication=True, provision_vm_agent=True,
                    patch_settings=compute.LinuxPatchSettingsArgs(
                        patch_mode="AutomaticByPlatform", assessment_mode="AutomaticByPlatform",
                        automatic_by_platform_settings=compute.LinuxVMGuestPatchAutomaticByPlatformSettingsArgs(
                            bypass_platform_safety_checks_on_user_schedule=True, reboot_setting="IfRequired")),
                    ssh=compute.SshConfigurationArgs(public_keys=[compute.SshPublicKeyArgs(
                        path=f"/home/{user}/.ssh/authorized_keys", key_data=member["ssh_public_key"],
                    )]),
                ),
            ),
            network_profile=compute.NetworkProfileArgs(network_interfaces=[
                compute.NetworkInterfaceReferenceArgs(id=nic.id, primary=True, delete_option="Detach"),
            ]),
            security_profile=compute.SecurityProfileArgs(
                encryption_at_host=True, security_type="TrustedLaunch",
                uefi_settings=compute.UefiSettingsArgs(secure_boot_enabled=True, v_tpm_enabled=True),
            ),
            identity=compute.VirtualMachineIdentityArgs(type="SystemAssigned"),
            diagnostics_profile=compute.DiagnosticsProfileArgs(
                boot_diagnostics=compute.BootDiagnosticsArgs(enabled=True)
            ),
            user_data=idle_data,
            tags=tags,
            opts=pulumi.ResourceOptions(delete_before_replace=True),
        )  # fmt: skip
        devtestlab.GlobalSchedule(
            f"{user}-shutdown", name=f"shutdown-computevm-{user}-vm", resource_group_name=rg.name, location=location,
            task_type="ComputeVmShutdownTask", daily_recurrence=devtestlab.DayDetailsArgs(time="1900"),
            time_zone_id=values.get("auto_shutdown", {}).get("time_zone", "UTC"), status="Enabled",
            target_resource_id=vm.id,
            notification_settings=devtestlab.NotificationSettingsArgs(status="Disabled", time_in_minutes=30),
            tags=tags,
        )  # fmt: skip
        authorization.RoleAssignment(
            f"{user}-blob-role", principal_id=vm.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            role_definition_id=pulumi.Output.concat(
                "/subscriptions/", sub, "/providers/Microsoft.Authorization/roleDefinitions/",
                "ba92f5b4-2d11-453d-a403-e96b0029c9fe",
            ),
            scope=containers[f"home-{user}"].id,
        )  # fmt: skip
        compute.VirtualMachineExtension(
            f"{user}-idle-stop", vm_extension_name="dsvm-idle-stop", vm_name=vm.name, resource_group_name=rg.name,
            location=location, publisher="Microsoft.Azure.Extensions", type="CustomScript", type_handler_version="2.1",
            auto_upgrade_minor_version=True, force_update_tag=vm.vm_id,
            protected_settings=pulumi.Output.secret(linux_protected_settings()), tags=tags,
        )  # fmt: skip
        authorization.RoleAssignment(
            f"{user}-idle-role", principal_id=vm.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal", role_definition_id=idle_role_id, scope=vm.id,
        )  # fmt: skip
        reader = authorization.RoleAssignment(
            f"{user}-data-backup-reader", principal_id=vault_principal, principal_type="ServicePrincipal",
            role_definition_id=role("3e5e47e6-65f7-47ef-90b5-e5dd4d455f24"), scope=disk.id,
            opts=pulumi.ResourceOptions(depends_on=[snapshot_role]),
        )
        maintenance.ConfigurationAssignment(
            f"{user}-patching", configuration_assignment_name=f"{user}-patching", provider_name="Microsoft.Compute",
            resource_type="virtualMachines", resource_name_=vm.name, resource_group_name=rg.name, location=location,
            maintenance_configuration_id=window.id,
        )  # fmt: skip
        authorization.RoleAssignment(
            f"{user}-patch-start-role", principal_id=starter_principal, principal_type="ServicePrincipal",
            role_definition_id=start_role_id, scope=vm.id,
        )  # fmt: skip
        digest = hashlib.sha256(f"rg-{prefix}/{user}-data-disk".lower().encode()).hexdigest()[:8]
        dp.BackupInstance(
            f"{user}-data-backup", backup_instance_name=f"{user}-data-disk-{digest}", vault_name=vault.name,
            resource_group_name=rg.name,
            properties=dp.BackupInstanceArgs(
                object_type="BackupInstance", friendly_name=f"{user}-data-disk",
                data_source_info=dp.DatasourceArgs(
                    object_type="Datasource", resource_id=disk.id, resource_name=f"{user}-data-disk",
                    resource_type="Microsoft.Compute/disks", resource_location=location, resource_uri=disk.id,
                    datasource_type="Microsoft.Compute/disks"),
                policy_info=dp.PolicyInfoArgs(policy_id=policy.id, policy_parameters=dp.PolicyParametersArgs(
                    data_store_parameters_list=[dp.AzureOperationalStoreParametersArgs(
                        data_store_type="OperationalStore", object_type="AzureOperationalStoreParameters",
                        resource_group_id=snapshots.id)]))),
            opts=pulumi.ResourceOptions(depends_on=[reader]),
        )  # fmt: skip
    return {"bastion": bastion.name}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--tuned", action="store_true",
                        help="the process settings of stacks/process.py (collector, alias URNs)")  # fmt: skip
    args = parser.parse_args()
    if args.tuned:
        from stacks.process import skip_unused_alias_urns, tune_gc

        tune_gc()
        skip_unused_alias_urns()
    from bench.measure import team
    from fakeazure import FakeAzure, run_program

    values = team(args.members)
    run = run_program(lambda: flat_program(values, "bench"), FakeAzure(), stack="bench")
    custom = [r for r in run.records if r.custom]
    print(json.dumps({
        "members": args.members,
        "mode": "flat_tuned" if args.tuned else "flat",
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "resources": len(custom),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
