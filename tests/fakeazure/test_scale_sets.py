"""The emulator's rules for scale sets, user-assigned identities and autoscale settings, and ignore_changes.

As in test_rules.py: each rejection changes one value of an otherwise valid request and
asserts ARM's code and target; the valid twin is created too.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from fakeazure import FakeAzure, FakeAzureError
from fakeazure.errors import UnknownFact
from fakeazure.providers.monitor import duration_minutes
from tests.fakeazure.test_rules import (
    IMAGES,
    RG,
    TRUSTED_LAUNCH,
    VM,
    changed,
    linux_vm,
    make_network,
    make_nic,
    rejected,
    subnet_id,
)
from tests.helpers import GPU_QUOTA, ssh_key

VMSS = "azure-native:compute:VirtualMachineScaleSet"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
PROFILE = "virtualMachineProfile"


def make_identity(az: FakeAzure, name: str = "pool-id", rg: str = RG) -> str:
    """The identity's id, created once per subscription."""
    arm_id = f"{az.resource_group_id(rg)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{name}"
    existing = az.get(arm_id)
    return existing.id if existing else az.create(IDENTITY, name, {"resourceName": name, "resourceGroupName": rg}).id


def vmss_inputs(az: FakeAzure, name: str = "pool", capacity: int = 0, size: str = "Standard_D4s_v5") -> dict[str, Any]:
    """A valid Flexible scale set of Ubuntu DSVMs (zonal, Trusted Launch, user-assigned identity)."""
    return {
        "vmScaleSetName": name, "resourceGroupName": RG, "orchestrationMode": "Flexible",
        "platformFaultDomainCount": 1, "singlePlacementGroup": False, "zones": ["1", "2", "3"],
        "sku": {"name": size, "tier": "Standard", "capacity": capacity},
        "identity": {"type": "UserAssigned", "userAssignedIdentities": [make_identity(az, f"{name}-id")]},
        PROFILE: {
            "osProfile": {
                "computerNamePrefix": name, "adminUsername": "teacher",
                "linuxConfiguration": {"disablePasswordAuthentication": True, "ssh": {"publicKeys": [
                    {"path": "/home/teacher/.ssh/authorized_keys", "keyData": ssh_key("teacher")}]}},
            },
            "storageProfile": {
                "imageReference": dict(IMAGES["ubuntu-2204"]),
                "osDisk": {"createOption": "FromImage", "deleteOption": "Delete",
                           "managedDisk": {"storageAccountType": "Premium_LRS"}},
            },
            "securityProfile": {**copy.deepcopy(TRUSTED_LAUNCH), "encryptionAtHost": True},
            "networkProfile": {"networkApiVersion": "2020-11-01", "networkInterfaceConfigurations": [
                {"name": "nic", "primary": True, "ipConfigurations": [
                    {"name": "ipconfig1", "primary": True, "subnet": {"id": subnet_id(az)}}]}]},
        },
    }  # fmt: skip


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


# -- user-assigned identities -------------------------------------------------------------------------
def test_identity_outputs_principal_and_client_ids_new_on_replace(az: FakeAzure) -> None:
    first = az.create(IDENTITY, "pool-id", {"resourceName": "pool-id", "resourceGroupName": RG})
    principal, client = first.outputs["principalId"], first.outputs["clientId"]
    assert principal != client and first.outputs["tenantId"] == az.tenant_id
    az.delete(first.id, replaced=True)
    az.begin_run()
    second = az.create(IDENTITY, "pool-id", {"resourceName": "pool-id", "resourceGroupName": RG})
    assert second.outputs["principalId"] != principal and second.outputs["clientId"] != client


@pytest.mark.parametrize("name", ["ab", "-pool", "pool id", "x" * 129])
def test_identity_name_rules(az: FakeAzure, name: str) -> None:
    error = rejected(az, IDENTITY, "bad", {"resourceName": name, "resourceGroupName": RG})
    assert error.code == "InvalidResourceName" and error.target == "resourceName"
    az.create(IDENTITY, "good", {"resourceName": "pool_id-1", "resourceGroupName": RG})


# -- Flexible scale sets ------------------------------------------------------------------------------
def test_a_valid_flexible_scale_set_outputs_its_identity(az: FakeAzure) -> None:
    inputs = vmss_inputs(az, capacity=3)
    created = az.create(VMSS, "pool", inputs)
    (identity_id,) = inputs["identity"]["userAssignedIdentities"]
    assigned = created.outputs["identity"]["userAssignedIdentities"][identity_id]
    assert assigned["clientId"] == az.get(identity_id).outputs["clientId"]  # type: ignore[union-attr]
    assert created.outputs["uniqueId"]


def test_only_flexible_orchestration_is_emulated(az: FakeAzure) -> None:
    with pytest.raises(FakeAzureError, match="Flexible scale sets only"):
        az.create(VMSS, "pool", changed(vmss_inputs(az), "orchestrationMode", "Uniform"))


@pytest.mark.parametrize(("value", "zones"), [(None, True), (0, True), (4, False), (2, True)])
def test_fault_domain_count_is_required_and_one_when_zonal(az: FakeAzure, value: Any, zones: bool) -> None:
    inputs = changed(vmss_inputs(az), "platformFaultDomainCount", value)
    if value is None:
        del inputs["platformFaultDomainCount"]
    if not zones:
        del inputs["zones"]
    error = rejected(az, VMSS, "pool", inputs)
    assert error.target == "platformFaultDomainCount"
    az.create(VMSS, "pool", changed(inputs, "platformFaultDomainCount", 1))


def test_more_than_100_instances_need_single_placement_group_false(az: FakeAzure) -> None:
    inputs = changed(vmss_inputs(az, capacity=101), "singlePlacementGroup", True)
    assert rejected(az, VMSS, "pool", inputs).target == "singlePlacementGroup"
    az.create(VMSS, "small", changed(vmss_inputs(az, "small", capacity=100), "singlePlacementGroup", True))
    az.create(VMSS, "pool", changed(inputs, "singlePlacementGroup", False))


@pytest.mark.parametrize("kind", ["SystemAssigned", "SystemAssigned, UserAssigned"])
def test_a_system_assigned_identity_is_refused_on_flexible(az: FakeAzure, kind: str) -> None:
    inputs = vmss_inputs(az)
    assert rejected(az, VMSS, "pool", changed(inputs, "identity.type", kind)).target == "identity.type"
    az.create(VMSS, "pool", inputs)


def test_a_user_assigned_identity_must_exist(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    missing = inputs["identity"]["userAssignedIdentities"][0].replace("pool-id", "gone-id")
    error = rejected(az, VMSS, "pool", changed(inputs, "identity.userAssignedIdentities", [missing]))
    assert error.code == "FailedIdentityOperation" and "gone-id" in error.message
    az.create(VMSS, "pool", inputs)


@pytest.mark.parametrize("capacity", [-1, 1001])
def test_capacity_is_within_0_and_1000(az: FakeAzure, capacity: int) -> None:
    inputs = vmss_inputs(az)
    assert rejected(az, VMSS, "pool", changed(inputs, "sku.capacity", capacity)).target == "sku.capacity"
    az.create(VMSS, "pool", changed(inputs, "sku.capacity", 250))  # 1,000 vCPUs: within the payg quota


def test_zones_only_where_the_region_has_them(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="westcentralus")
    inputs = vmss_inputs(fake_azure)
    error = rejected(fake_azure, VMSS, "pool", inputs)
    assert error.code == "ZonesNotSupported" and error.target == "zones"
    del inputs["zones"]
    fake_azure.create(VMSS, "pool", inputs)


def test_zones_are_1_2_3(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    assert rejected(az, VMSS, "pool", changed(inputs, "zones", ["4"])).target == "zones"
    az.create(VMSS, "pool", changed(inputs, "zones", ["1"]))


def test_nic_configurations_need_a_network_api_version(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    del inputs[PROFILE]["networkProfile"]["networkApiVersion"]
    assert rejected(az, VMSS, "pool", inputs).target == f"{PROFILE}.networkProfile.networkApiVersion"
    az.create(VMSS, "pool", vmss_inputs(az))


def test_the_subnet_must_exist(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    config = inputs[PROFILE]["networkProfile"]["networkInterfaceConfigurations"][0]["ipConfigurations"][0]
    good = config["subnet"]["id"]
    config["subnet"]["id"] = good.replace("snet-vms", "snet-gone")
    assert rejected(az, VMSS, "pool", inputs).code == "InvalidResourceReference"
    config["subnet"]["id"] = good
    az.create(VMSS, "pool", inputs)


# -- the VM's checks, imported, on the instance model -------------------------------------------------
def test_an_unknown_size_is_the_emulators_gap(az: FakeAzure) -> None:
    with pytest.raises(UnknownFact):
        az.create(VMSS, "pool", changed(vmss_inputs(az), "sku.name", "Standard_Z99_v9"))


def test_an_unknown_image_version_is_refused_at_the_scale_set_path(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    error = rejected(az, VMSS, "pool", changed(inputs, f"{PROFILE}.storageProfile.imageReference.version", "1.0.0"))
    assert error.code == "PlatformImageNotFound" and error.target == f"{PROFILE}.storageProfile.imageReference"
    az.create(VMSS, "pool", inputs)


def test_a_gen2_image_on_a_gen1_only_size_is_refused(az: FakeAzure) -> None:
    error = rejected(az, VMSS, "pool", vmss_inputs(az, size="Standard_A4_v2"))
    assert error.code == "BadRequest" and error.target == "sku.name"
    az.create(VMSS, "pool", vmss_inputs(az))


def test_trusted_launch_on_a_size_without_it_is_refused(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="eastus")
    inputs = vmss_inputs(fake_azure, size="Standard_NC24ads_A100_v4")
    error = rejected(fake_azure, VMSS, "pool", inputs)
    assert error.code == "BadRequest" and error.target == f"{PROFILE}.securityProfile.securityType"
    inputs[PROFILE]["securityProfile"] = {"encryptionAtHost": True}
    fake_azure.create(VMSS, "pool", inputs)


def test_encryption_at_host_on_a_size_without_it_is_refused(az: FakeAzure) -> None:
    size = "Standard_A4_v2"
    inputs = vmss_inputs(az, size=size)
    profile = inputs[PROFILE]
    profile["securityProfile"] = {"encryptionAtHost": True}
    profile["storageProfile"]["imageReference"] = dict(IMAGES["windows-2019"])  # a Gen1 image the size boots
    profile["osProfile"] = {"computerNamePrefix": "pool", "adminUsername": "teacher", "adminPassword": "Xk9#mQ2!vLr7"}
    error = rejected(az, VMSS, "pool", inputs)
    assert error.code == "BadRequest" and error.target == f"{PROFILE}.securityProfile.encryptionAtHost"
    profile["securityProfile"] = {}
    error = rejected(az, VMSS, "pool", inputs)  # Av2 has no premium storage either: the Premium SSD OS disk
    assert error.code == "OperationNotAllowed" and error.target == f"{PROFILE}.storageProfile.osDisk"
    profile["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] = "StandardSSD_LRS"
    az.create(VMSS, "pool", inputs)


def test_a_reserved_admin_name_and_a_long_windows_prefix_are_refused(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    error = rejected(az, VMSS, "pool", changed(inputs, f"{PROFILE}.osProfile.adminUsername", "admin"))
    assert error.code == "InvalidParameter" and error.target == f"{PROFILE}.osProfile.adminUsername"
    error = rejected(az, VMSS, "pool", changed(inputs, f"{PROFILE}.osProfile.computerNamePrefix", "x" * 59))
    assert error.target == f"{PROFILE}.osProfile.computerNamePrefix"  # + 6 characters > 64
    az.create(VMSS, "pool", changed(inputs, f"{PROFILE}.osProfile.computerNamePrefix", "x" * 58))


# -- quota: capacity counts, with VMs and other scale sets --------------------------------------------
def test_capacity_counts_against_the_family_quota_with_vms_and_other_scale_sets() -> None:
    az = FakeAzure(quota_profile="free")  # 4 vCPUs per region
    make_network(az)
    az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic1"), size="Standard_D2s_v5"))
    az.create(VMSS, "one", vmss_inputs(az, "one", capacity=1, size="Standard_D2s_v5"))
    error = rejected(az, VMSS, "two", vmss_inputs(az, "two", capacity=1, size="Standard_D2s_v5"))
    assert error.code == "QuotaExceeded" and error.target == "sku.capacity" and "Current Usage: 4" in error.message
    az.create(VMSS, "two", vmss_inputs(az, "two", capacity=0, size="Standard_D2s_v5"))  # asleep: no vCPUs


def test_a_gpu_scale_set_needs_gpu_quota() -> None:
    payg = FakeAzure()
    make_network(payg, location="eastus")
    error = rejected(payg, VMSS, "gpu", vmss_inputs(payg, "gpu", capacity=1, size="Standard_NC4as_T4_v3"))
    assert error.code == "QuotaExceeded" and "standardNCASv3_T4Family" in error.message
    raised = FakeAzure(quota_profile=GPU_QUOTA)
    make_network(raised, location="eastus")
    raised.create(VMSS, "gpu", vmss_inputs(raised, "gpu", capacity=1, size="Standard_NC4as_T4_v3"))


# -- updates Azure refuses ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "value"), [("zones", ["1"]), ("platformFaultDomainCount", 2), ("orchestrationMode", "Flexible")]
)
def test_mode_fault_domains_and_zones_cannot_change_in_place(az: FakeAzure, path: str, value: Any) -> None:
    inputs = vmss_inputs(az)
    if path == "platformFaultDomainCount":
        del inputs["zones"]  # a regional scale set may have 2 fault domains: only the change is refused
    first = az.create(VMSS, "pool", inputs)
    az.begin_run()
    az.create(VMSS, "pool", changed(inputs, path, value))
    refused = az.refusals.get(first.id.lower(), [])
    assert [e.code for e in refused] == ([] if path == "orchestrationMode" else ["PropertyChangeNotAllowed"])
    az.begin_run()
    az.create(VMSS, "pool", changed(inputs, "sku.capacity", 5))  # capacity changes in place
    assert not az.refusals


# -- ignore_changes: the engine sends the old value ---------------------------------------------------
def test_an_ignored_path_keeps_the_existing_value(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    first = az.create(VMSS, "pool", changed(inputs, "sku.capacity", 12))  # as autoscale left it
    az.begin_run()
    again = az.create(VMSS, "pool", inputs, ignore_changes=["sku.capacity"])
    assert again.inputs["sku"]["capacity"] == 12 and az.generation(first.id) == 0
    az.begin_run()
    assert az.create(VMSS, "pool", inputs).inputs["sku"]["capacity"] == 0  # not ignored: updated


def test_an_ignored_path_absent_before_stays_absent(az: FakeAzure) -> None:
    inputs = vmss_inputs(az)
    del inputs["singlePlacementGroup"]
    az.create(VMSS, "pool", inputs)
    az.begin_run()
    again = az.create(
        VMSS, "pool", changed(inputs, "singlePlacementGroup", False), ignore_changes=["singlePlacementGroup"]
    )
    assert "singlePlacementGroup" not in again.inputs


# -- autoscale settings -------------------------------------------------------------------------------
def rule(target: str, **changes: Any) -> dict[str, Any]:
    found: dict[str, Any] = {
        "metricTrigger": {"metricName": "Percentage CPU", "metricResourceUri": target, "timeGrain": "PT1M",
                          "statistic": "Average", "timeWindow": "PT10M", "timeAggregation": "Average",
                          "operator": "GreaterThan", "threshold": 75},
        "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1", "cooldown": "PT5M"},
    }  # fmt: skip
    for path, value in changes.items():
        found = changed(found, path.replace("__", "."), value)
    return found


def autoscale_inputs(target: str, profiles: int = 3) -> dict[str, Any]:
    weekly = {"frequency": "Week", "schedule": {"timeZone": "W. Europe Standard Time", "days": ["Monday"],
                                                "hours": [9], "minutes": [0]}}  # fmt: skip
    found = [{"name": "outside", "capacity": {"minimum": "0", "default": "0", "maximum": "0"}, "rules": []},
             {"name": "start", "capacity": {"minimum": "2", "default": "2", "maximum": "4"},
              "rules": [rule(target)], "recurrence": weekly},
             {"name": "event", "capacity": {"minimum": "2", "default": "2", "maximum": "4"}, "rules": [],
              "fixedDate": {"timeZone": "W. Europe Standard Time", "start": "2027-03-13T08:00:00",
                            "end": "2027-03-14T20:00:00"}}]  # fmt: skip
    found += [copy.deepcopy(found[1]) | {"name": f"extra-{i}"} for i in range(profiles - 3)]
    return {"autoscaleSettingName": "pool-autoscale", "resourceGroupName": RG, "enabled": True,
            "targetResourceUri": target, "profiles": found}  # fmt: skip


@pytest.fixture
def target(az: FakeAzure) -> str:
    return az.create(VMSS, "pool", vmss_inputs(az)).id


def test_a_valid_autoscale_setting(az: FakeAzure, target: str) -> None:
    setting = az.create(AUTOSCALE, "pool-autoscale", autoscale_inputs(target, profiles=20))
    assert az.get(setting.id) is setting and setting.id.endswith("/autoscalesettings/pool-autoscale")
    assert len(setting.inputs["profiles"]) == 20 and setting.inputs["targetResourceUri"] == target


def test_the_target_must_be_an_existing_scale_set(az: FakeAzure, target: str) -> None:
    error = rejected(az, AUTOSCALE, "a", autoscale_inputs(target.replace("/pool", "/gone")))
    assert error.code == "TargetResourceNotFound" and error.target == "targetResourceUri"
    az.create(AUTOSCALE, "a", autoscale_inputs(target))


def test_at_most_20_profiles(az: FakeAzure, target: str) -> None:
    assert rejected(az, AUTOSCALE, "a", autoscale_inputs(target, profiles=21)).target == "profiles"
    assert rejected(az, AUTOSCALE, "a", changed(autoscale_inputs(target), "profiles", [])).target == "profiles"
    az.create(AUTOSCALE, "a", autoscale_inputs(target, profiles=20))


def test_at_most_10_rules_per_profile(az: FakeAzure, target: str) -> None:
    inputs = autoscale_inputs(target)
    inputs["profiles"][1]["rules"] = [rule(target)] * 11
    assert rejected(az, AUTOSCALE, "a", inputs).target == "profiles[1].rules"
    inputs["profiles"][1]["rules"] = [rule(target)] * 10
    az.create(AUTOSCALE, "a", inputs)


@pytest.mark.parametrize(
    ("capacity", "target_path"),
    [(("0", "3", "2"), "profiles[1].capacity"), (("2", "1", "4"), "profiles[1].capacity"),
     (("0", "0", "1001"), "profiles[1].capacity.maximum"), (("-1", "0", "1"), "profiles[1].capacity.minimum"),
     (("0", "two", "4"), "profiles[1].capacity.default")],
)
def test_capacities_are_ordered_and_within_0_and_1000(
    az: FakeAzure, target: str, capacity: tuple[str, str, str], target_path: str
) -> None:
    inputs = autoscale_inputs(target)
    inputs["profiles"][1]["capacity"] = dict(zip(("minimum", "default", "maximum"), capacity, strict=True))
    assert rejected(az, AUTOSCALE, "a", inputs).target == target_path
    inputs["profiles"][1]["capacity"] = {"minimum": "0", "default": "1000", "maximum": "1000"}
    az.create(AUTOSCALE, "a", inputs)


@pytest.mark.parametrize(
    ("path", "value"),
    [("frequency", "Day"), ("schedule.timeZone", "CET"), ("schedule.days", ["Mon"]), ("schedule.days", []),
     ("schedule.hours", [24]), ("schedule.minutes", [60])],
)
def test_recurrence_fields_are_checked(az: FakeAzure, target: str, path: str, value: Any) -> None:
    inputs = autoscale_inputs(target)
    bad = changed(inputs, f"profiles.1.recurrence.{path}", value)
    assert rejected(az, AUTOSCALE, "a", bad).target.startswith("profiles[1].recurrence")
    az.create(AUTOSCALE, "a", inputs)


def test_a_fixed_date_window_starts_before_it_ends_and_excludes_a_recurrence(az: FakeAzure, target: str) -> None:
    inputs = autoscale_inputs(target)
    assert rejected(az, AUTOSCALE, "a", changed(inputs, "profiles.2.fixedDate.end", "2027-03-13T07:00:00")).target == (
        "profiles[2].fixedDate"
    )
    both = changed(inputs, "profiles.2.recurrence", inputs["profiles"][1]["recurrence"])
    assert rejected(az, AUTOSCALE, "a", both).target == "profiles[2]"
    az.create(AUTOSCALE, "a", inputs)


@pytest.mark.parametrize(
    "changes",
    [{"metricTrigger__operator": "Above"}, {"scaleAction__direction": "Up"}, {"scaleAction__type": "Count"},
     {"metricTrigger__timeWindow": "PT1M"}, {"metricTrigger__timeGrain": "PT13H"}, {"scaleAction__cooldown": "P2W"},
     {"metricTrigger__statistic": "Median"}],
)
def test_rule_enums_and_durations_are_checked(az: FakeAzure, target: str, changes: dict[str, Any]) -> None:
    inputs = autoscale_inputs(target)
    inputs["profiles"][1]["rules"] = [rule(target, **changes)]
    assert rejected(az, AUTOSCALE, "a", inputs).target.startswith("profiles[1].rules[0]")
    inputs["profiles"][1]["rules"] = [rule(target)]
    az.create(AUTOSCALE, "a", inputs)


def test_a_rule_metric_resource_must_exist(az: FakeAzure, target: str) -> None:
    inputs = autoscale_inputs(target)
    inputs["profiles"][1]["rules"] = [rule(target.replace("/pool", "/gone"))]
    assert rejected(az, AUTOSCALE, "a", inputs).code == "InvalidResourceReference"


def test_iso_durations() -> None:
    assert duration_minutes("PT5M") == 5 and duration_minutes("PT1H") == 60 and duration_minutes("P1W") == 10080
    assert duration_minutes("5 minutes") is None and duration_minutes("PT") is None


def test_an_autoscale_location_change_replaces_it(az: FakeAzure, target: str) -> None:
    first = az.create(AUTOSCALE, "a", autoscale_inputs(target) | {"location": "westeurope"})
    az.begin_run()
    az.create(AUTOSCALE, "a", autoscale_inputs(target) | {"location": "northeurope"})
    assert [e.code for e in az.refusals[first.id.lower()]] == ["InvalidResourceLocation"]  # the name is taken
    az.begin_run()
    az.create(AUTOSCALE, "a", autoscale_inputs(target) | {"location": "northeurope"}, delete_before_replace=True)
    assert az.generation(first.id) == 1  # location is create-only: deleted first, a replacement
