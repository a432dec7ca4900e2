"""Update Manager's maintenance configurations and their assignments in the emulator
(fakeazure/providers/maintenance.py): what Azure refuses, and the VM patch settings an assignment needs."""

from __future__ import annotations

from typing import Any

import pytest

from azurefacts import clock
from fakeazure import FakeAzure
from tests.fakeazure.test_rules import (
    GOOD_PASSWORD,
    RG,
    VM,
    changed,
    linux_vm,
    make_network,
    make_nic,
    rejected,
    windows_vm,
)

CONFIGURATION = "azure-native:maintenance:MaintenanceConfiguration"
ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
LINUX_PATCH = "osProfile.linuxConfiguration.patchSettings"
CUSTOMER_MANAGED = {"patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform",
                    "automaticByPlatformSettings": {"bypassPlatformSafetyChecksOnUserSchedule": True,
                                                    "rebootSetting": "IfRequired"}}  # fmt: skip


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


def window(**changes: Any) -> dict[str, Any]:
    inputs = {
        "resourceName": "dsvm-patching-0200", "resourceGroupName": RG, "location": "westeurope",
        "maintenanceScope": "InGuestPatch", "extensionProperties": {"InGuestPatchMode": "User"},
        "visibility": "Custom", "startDateTime": f"{clock.today().isoformat()} 02:00", "duration": "03:00",
        "timeZone": "W. Europe Standard Time", "recurEvery": "Week Saturday",
        "installPatches": {"rebootSetting": "IfRequired",
                           "linuxParameters": {"classificationsToInclude": ["Critical", "Security"]}},
    }  # fmt: skip
    for path, value in changes.items():
        inputs = changed(inputs, path.replace("__", "."), value)
    return inputs


def assignment(config_id: str, vm: str = "vm1") -> dict[str, Any]:
    return {
        "configurationAssignmentName": f"{vm}-patching", "providerName": "Microsoft.Compute",
        "resourceType": "virtualMachines", "resourceName": vm, "resourceGroupName": RG, "location": "westeurope",
        "maintenanceConfigurationId": config_id,
    }  # fmt: skip


def test_a_weekly_guest_patching_window_and_its_assignment_on_a_customer_managed_vm(az: FakeAzure) -> None:
    config = az.create(CONFIGURATION, "window", window())
    assert config.id.endswith(f"/resourceGroups/{RG}/providers/Microsoft.Maintenance/maintenanceConfigurations/"
                              "dsvm-patching-0200")  # fmt: skip
    vm = az.create(VM, "vm1", changed(linux_vm("vm1", make_nic(az, "nic-1")), LINUX_PATCH, CUSTOMER_MANAGED))
    attached = az.create(ASSIGNMENT, "vm1-patching", assignment(config.id))
    # An extension resource of the VM.
    assert attached.id == f"{vm.id}/providers/Microsoft.Maintenance/configurationAssignments/vm1-patching"


@pytest.mark.parametrize(
    ("change", "value", "says"),
    [("duration", "04:00", "longer than Azure's 3:55"), ("duration", "01:00", "shorter than 1:30"),
     ("duration", "3h", "not HH:mm"), ("recurEvery", "Fortnightly", "recurrence"),
     ("timeZone", "Europe/Amsterdam", "not a Windows time zone id"), ("startDateTime", "2026-13-01 02:00", "YYYY"),
     ("extensionProperties", {}, "InGuestPatchMode: User"),
     ("installPatches__rebootSetting", "Sometimes", "rebootSetting"),
     ("installPatches__linuxParameters__classificationsToInclude", ["Important"], "Unknown classifications")],
)  # fmt: skip
def test_what_azure_refuses_in_a_window(az: FakeAzure, change: str, value: Any, says: str) -> None:
    error = rejected(az, CONFIGURATION, "window", window(**{change: value}))
    assert error.code == "InvalidParameter" and says in error.message


def test_a_start_in_the_past_is_refused_when_created_and_kept_when_updated(
    az: FakeAzure, monkeypatch: pytest.MonkeyPatch
) -> None:
    error = rejected(az, CONFIGURATION, "window", window(startDateTime="2020-01-04 02:00"))
    assert "in the past" in error.message and error.target == "startDateTime"
    first = az.create(CONFIGURATION, "window", window())
    # A year on, the program still sends the day it first ran (ignore_changes): an update, not a refusal.
    monkeypatch.setenv(clock.ENV, clock.today().replace(year=clock.today().year + 1).isoformat())
    az.begin_run()
    updated = az.create(CONFIGURATION, "window", changed(first.inputs, "duration", "02:00"))
    assert not az.refusals and updated.inputs["duration"] == "02:00"


def test_other_maintenance_scopes_are_not_emulated(az: FakeAzure) -> None:
    from fakeazure.errors import FakeAzureError

    with pytest.raises(FakeAzureError, match="InGuestPatch maintenance configurations only"):
        az.create(CONFIGURATION, "window", window(maintenanceScope="Host"))


def test_an_assignment_needs_customer_managed_schedules_on_the_vm(az: FakeAzure) -> None:
    config = az.create(CONFIGURATION, "window", window())
    plain = linux_vm("vm1", make_nic(az, "nic-1"))
    az.create(VM, "vm1", plain)
    error = rejected(az, ASSIGNMENT, "vm1-patching", assignment(config.id))
    assert error.code == "BadRequest" and "prerequisites for schedule patching" in error.message
    without_bypass = changed(plain, LINUX_PATCH, {"patchMode": "AutomaticByPlatform"})
    az.begin_run()
    az.create(VM, "vm1", without_bypass)
    assert rejected(az, ASSIGNMENT, "vm1-patching", assignment(config.id)).code == "BadRequest"
    # The settings change in place on the existing VM, then the assignment is taken.
    az.begin_run()
    vm = az.create(VM, "vm1", changed(plain, LINUX_PATCH, CUSTOMER_MANAGED))
    assert not az.refusals and az.generation(vm.id) == 0
    az.create(ASSIGNMENT, "vm1-patching", assignment(config.id))


def test_an_assignment_needs_its_vm_and_its_configuration(az: FakeAzure) -> None:
    config = az.create(CONFIGURATION, "window", window())
    assert rejected(az, ASSIGNMENT, "vm1-patching", assignment(config.id)).target == "resourceName"
    az.create(VM, "vm1", changed(linux_vm("vm1", make_nic(az, "nic-1")), LINUX_PATCH, CUSTOMER_MANAGED))
    error = rejected(az, ASSIGNMENT, "vm1-patching", assignment(config.id.replace("0200", "0300")))
    assert error.target == "maintenanceConfigurationId"


def test_automatic_by_platform_needs_the_vm_agent_and_on_windows_automatic_updates(az: FakeAzure) -> None:
    nic = make_nic(az, "nic-1")
    linux = changed(linux_vm("vm1", nic), LINUX_PATCH, CUSTOMER_MANAGED)
    error = rejected(az, VM, "vm1", changed(linux, "osProfile.linuxConfiguration.provisionVMAgent", False))
    assert error.target == "osProfile.linuxConfiguration.provisionVMAgent"
    windows = changed(windows_vm("win1", nic), "osProfile.windowsConfiguration.patchSettings", CUSTOMER_MANAGED)
    assert windows["osProfile"]["adminPassword"] == GOOD_PASSWORD
    error = rejected(az, VM, "win1", changed(windows, "osProfile.windowsConfiguration.enableAutomaticUpdates", False))
    assert error.target == "osProfile.windowsConfiguration.enableAutomaticUpdates"
    az.create(VM, "win1", windows)
