"""Scheduled patching in the compositions (components/patching.py, stacks/patching.py, stacks/config/patching.py):
the window and its assignments, the VMs' patch orchestration, what config refuses, what the plan warns about, and
what a deployed stack sees."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config import ConfigError, parse_config
from tests.helpers import ROOT, Project, by_name, changed, of_type, one, team_values

CONFIGURATION = "azure-native:maintenance:MaintenanceConfiguration"
ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
VM = "azure-native:compute:VirtualMachine"
CUSTOMER_MANAGED = {"patchMode": "AutomaticByPlatform", "assessmentMode": "AutomaticByPlatform",
                    "automaticByPlatformSettings": {"bypassPlatformSafetyChecksOnUserSchedule": True,
                                                    "rebootSetting": "IfRequired"}}  # fmt: skip


def test_one_window_every_workstation_is_assigned_to_with_customer_managed_schedules(run_stack: Any) -> None:
    run = run_stack(team_values(auto_shutdown={"time": "1900", "time_zone": "W. Europe Standard Time"}))
    (window,) = of_type(run, CONFIGURATION)
    inputs = window.inputs
    assert inputs["resourceName"] == "dsvm-test-patching-0200"
    assert (inputs["maintenanceScope"], inputs["extensionProperties"]) == ("InGuestPatch", {"InGuestPatchMode": "User"})
    assert (inputs["recurEvery"], inputs["duration"], inputs["timeZone"]) == (
        "Week Saturday", "03:00", "W. Europe Standard Time")
    assert inputs["startDateTime"].endswith(" 02:00") and window.ignore_changes == ["startDateTime"]
    assert inputs["installPatches"] == {"rebootSetting": "IfRequired",
                                        "linuxParameters": {"classificationsToInclude": ["Critical", "Security"]}}
    assignments = of_type(run, ASSIGNMENT)
    assert sorted(a.inputs["resourceName"] for a in assignments) == ["alice-vm", "bob-vm"]
    assert {a.inputs["maintenanceConfigurationId"] for a in assignments} == {window.id}
    for vm in of_type(run, VM):
        linux = vm.inputs["osProfile"]["linuxConfiguration"]
        assert linux["patchSettings"] == CUSTOMER_MANAGED and linux["provisionVMAgent"] is True
        assert vm.inputs["osProfile"]["allowExtensionOperations"] is True  # Update Manager's patch extension
    assert run.outputs["patching"] == {"maintenance_configuration": "dsvm-test-patching-0200",
                                       "window": "Saturday 02:00 for 03:00 (W. Europe Standard Time)",
                                       "reboot": "IfRequired", "start": "the stopped workstations are started "
                                       "Saturday 01:30 and deallocated by idle stop after it"}  # fmt: skip


def test_the_idle_watcher_holds_off_through_the_window_in_utc(run_stack: Any) -> None:
    """Saturday 02:00-05:00 in New York: 06:00-09:00 UTC in summer, 07:00-10:00 in winter (minutes of the week)."""
    run = run_stack(team_values(auto_shutdown={"time_zone": "Eastern Standard Time"},
                                patching={"start_stopped_vms": False}))  # fmt: skip
    vm = one(run, VM, "alice-vm")
    settings = json.loads(base64.b64decode(vm.inputs["userData"]))["idle_stop"]
    saturday = 5 * 1440
    assert settings["patch_windows"] == [[saturday + 360, saturday + 540], [saturday + 420, saturday + 600]]


def test_patching_off_puts_the_vms_back_on_the_images_own_updates(run_stack: Any) -> None:
    run = run_stack(team_values(patching={"enabled": False}, idle_stop={"enabled": False}))
    assert not of_type(run, CONFIGURATION) and not of_type(run, ASSIGNMENT) and run.outputs["patching"] is None
    vm = one(run, VM, "alice-vm")
    assert vm.inputs["osProfile"]["linuxConfiguration"]["patchSettings"] == {
        "patchMode": "ImageDefault", "assessmentMode": "ImageDefault"}
    assert vm.inputs["osProfile"]["allowExtensionOperations"] is False  # nothing of the program's needs one


def test_windows_workstations_patch_windows_classifications(run_stack: Any) -> None:
    values = team_values(image={"os": "windows-2022", "version": "25.01.14"}, members=[{"username": "carol"}],
                         patching={"classifications": ["Critical", "Security", "UpdateRollup"], "reboot": "Always"})
    run = run_stack(values)
    (window,) = of_type(run, CONFIGURATION)
    assert window.inputs["installPatches"] == {"rebootSetting": "Always", "windowsParameters": {
        "classificationsToInclude": ["Critical", "Security", "UpdateRollup"]}}  # fmt: skip
    windows = one(run, VM, "carol-vm").inputs["osProfile"]["windowsConfiguration"]
    assert windows["patchSettings"]["patchMode"] == "AutomaticByPlatform"
    assert windows["patchSettings"]["automaticByPlatformSettings"]["rebootSetting"] == "Always"
    assert windows["enableAutomaticUpdates"] is True


@pytest.mark.parametrize(("patching", "shutdown", "path", "words"), [
    ({"day": "Monday", "start": "1000"}, {}, "patching.start", "meets working hours (08:00-19:00"),
    ({"day": "Friday", "start": "1700"}, {"time": "2100"}, "patching.start", "08:00-21:00 on workdays"),
    ({"day": "Monday", "start": "0600", "duration": "03:00"}, {}, "patching.start", "meets working hours"),
    ({"duration": "04:00"}, {}, "patching.duration", "longer than Azure's 3:55"),
    ({"duration": "00:45"}, {}, "patching.duration", "shorter than 1:30"),
    ({"start": "2:00"}, {}, "patching.start", "not a time HHMM"),
    ({"classifications": ["UpdateRollup"]}, {}, "patching.classifications",
     "UpdateRollup is not a classification: Linux updates are classified Critical, Security, Other; list one or more"),
    ({"classifications": []}, {}, "patching.classifications", "an empty list installs no update: Linux updates"),
])  # fmt: skip
def test_a_window_azure_or_the_working_day_refuses_is_refused_in_config(
    patching: dict[str, Any], shutdown: dict[str, Any], path: str, words: str
) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(team_values(patching=patching, auto_shutdown=shutdown))
    ((where, message),) = error.value.problems
    assert where == f"dsvm:{path}" and words in message, message


def test_a_weeknight_window_after_the_shutdown_is_taken() -> None:
    config = parse_config(team_values(patching={"day": "Wednesday", "start": "2200", "duration": "02:00"}))
    assert config.patching.window.recur_every == "Week Wednesday"  # type: ignore[attr-defined]
    # Patching off: the window is not checked against the working day.
    parse_config(team_values(patching={"enabled": False, "day": "Monday", "start": "1000"}))


def test_the_plan_says_what_patching_cannot_promise() -> None:
    from dsvmctl.plan import make_plan

    warnings = make_plan(ROOT, "dev").to_json()["warnings"]
    assert any("support matrix (2025-02-03) does not list the image microsoft-dsvm ubuntu-2204" in w for w in warnings)
    assert not [w for w in warnings if "patched only while it runs" in w]  # the start workflow starts them


def test_a_gpu_rig_is_patched_and_a_scale_set_is_not() -> None:
    from dsvmctl.plan import make_plan

    rig = make_plan(ROOT, "gpu").to_json()
    assert [r["inputs"]["resourceName"] for r in rig["resources"] if r["type"] == ASSIGNMENT] == ["vision-vm"]
    classroom = make_plan(ROOT, "classroom").to_json()
    assert not [r for r in classroom["resources"] if r["type"] in (CONFIGURATION, ASSIGNMENT)]
    (scale_set,) = [r for r in classroom["resources"] if r["type"] == "azure-native:compute:VirtualMachineScaleSet"]
    assert "patchSettings" not in json.dumps(scale_set["inputs"])  # Update Manager does not patch scale sets


def test_turning_patching_on_updates_the_deployed_vms_in_place(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:patching"] = {"enabled": False}
    project = Project(tmp_path, config)
    project.up()
    project.config["dsvm:patching"] = {"enabled": True}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    moves = {n: (r["change"], r["changedProperties"] if r["change"] == "update" else "")
             for n, r in changed(document).items() if not r["type"].startswith("dsvm:")}  # fmt: skip
    patch = [f"osProfile.linuxConfiguration.patchSettings.{p}" for p in (
        "assessmentMode", "automaticByPlatformSettings.bypassPlatformSafetyChecksOnUserSchedule",
        "automaticByPlatformSettings.rebootSetting", "patchMode")]  # fmt: skip
    assert moves == {
        "dsvm-dev-patching-0200": ("create", ""), "dsvm-dev-patch-start": ("create", ""),
        "alice-vm": ("update", [*patch, "userData"]), "alice-patching": ("create", ""),
        "alice-patch-start-role": ("create", ""),
        "bob-vm": ("update", [*patch, "userData"]), "bob-patching": ("create", ""),
        "bob-patch-start-role": ("create", ""),
    }
    assert document["changes"]["replace"] == 0
    assert project.run("up")[0] == 0 and not changed(project.diff()[1])


def test_moving_the_start_makes_a_new_window_the_vms_move_to(project: Project) -> None:
    """The start is in startDateTime, which the program keeps (ignore_changes): a new configuration, named for it."""
    project.config["dsvm:patching"] = {"start": "0100"}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    assert by_name(document, "dsvm-dev-patching-0100")["change"] == "create"
    assert by_name(document, "dsvm-dev-patching-0200")["change"] == "delete"
    alice = by_name(document, "alice-patching")
    assert alice["change"] == "update" and alice["changedProperties"] == ["maintenanceConfigurationId"]
    assert by_name(document, "dsvm-dev-patching-0100")["inputs"]["startDateTime"].endswith(" 01:00")
    assert project.run("up")[0] == 0 and not changed(project.diff()[1])


def test_a_scale_out_config_has_no_patching_section() -> None:
    from stacks.config import from_namespaced
    from stacks.config.patching import PatchedStack

    classroom = yaml.safe_load((ROOT / "Pulumi.classroom.yaml").read_text())["config"]
    config = parse_config(from_namespaced(classroom))
    assert not isinstance(config, PatchedStack)
    values = {**from_namespaced(classroom), "patching": {"enabled": False}}
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    assert any(where == "dsvm:patching" for where, _ in error.value.problems)


def test_a_year_on_the_window_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from azurefacts import clock

    project = Project(tmp_path)
    project.up()
    monkeypatch.setenv(clock.ENV, clock.today().replace(year=clock.today().year + 1).isoformat())
    code, document = project.diff()
    assert code == 0 and "dsvm-dev-patching-0200" not in changed(document)
