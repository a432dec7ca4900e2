"""The scale_out kind: one scale set + autoscale setting per pool, seats as outputs only, errors as exit 2."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from fakeazure import FakeAzure, ProgramRun
from stacks.config import ConfigError, parse_config
from stacks.scale_out import agent
from tests.helpers import ROOT, Project, load_idle_watcher, of_type, one, runner, ssh_key

VMSS = "azure-native:compute:VirtualMachineScaleSet"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
ROLE = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
VM = "azure-native:compute:VirtualMachine"


def write_roster(tmp_path: Path, count: int, name: str = "roster.csv") -> Path:
    path = tmp_path / name
    rows = ["username,ssh_public_key,email"]
    rows += [f"p{i:04d},{ssh_key(f'p{i}') if i % 5 else ''},p{i:04d}@example.edu" for i in range(count)]
    path.write_text("\n".join(rows) + "\n")
    return path


def values(tmp_path: Path, count: int = 6, **changes: Any) -> dict[str, Any]:
    """Plain values of a small valid scale_out stack (a roster of ``count`` participants)."""
    found: dict[str, Any] = {
        "kind": "scale_out", "location": "westeurope", "owner": "course@contoso.edu", "cost_center": "EDU-1",
        "access": {"mode": "bastion"}, "image": {"os": "ubuntu-2204", "version": "25.09.15"},
        "admin": {"username": "teacher", "ssh_public_key": ssh_key("teacher")},
        "pools": [{"name": "cpu", "vm_size": "Standard_D4s_v5", "capacity": 3, "max_capacity": 4}],
        "schedule": {"time_zone": "W. Europe Standard Time",
                     "class_hours": [{"days": ["Monday", "Wednesday"], "start": "09:00", "end": "12:00"}]},
        "roster": {"file": str(write_roster(tmp_path, count)), "passwords": True},
    }  # fmt: skip
    found.update(copy.deepcopy(changes))
    return found


def test_one_scale_set_and_one_autoscale_setting_per_pool_and_no_vm(
    tmp_path: Path, run_stack: Callable[..., ProgramRun]
) -> None:
    gpu = {"name": "gpu", "vm_size": "Standard_NC4as_T4_v3", "capacity": 1}
    run = run_stack(values(tmp_path, location="eastus", pools=[values(tmp_path)["pools"][0], gpu]), stack="lab")
    assert not of_type(run, VM)
    assert [r.name for r in of_type(run, VMSS)] == ["dsvm-lab-cpu", "dsvm-lab-gpu"]
    assert [r.name for r in of_type(run, AUTOSCALE)] == ["dsvm-lab-cpu-autoscale", "dsvm-lab-gpu-autoscale"]
    assert len(of_type(run, IDENTITY)) == 2
    assert sorted(r.name for r in of_type(run, ROLE)) == [
        "dsvm-lab-cpu-idle-role", "dsvm-lab-cpu-storage-role", "dsvm-lab-gpu-idle-role", "dsvm-lab-gpu-storage-role"]
    assert not of_type(run, ROLE_DEFINITION)  # the idle role is the subscription's (dsvmctl bootstrap)
    assert set(run.outputs["pools"]) == {"cpu", "gpu"}


def test_the_scale_set_is_flexible_zonal_keys_only_and_ignores_its_capacity(
    tmp_path: Path, run_stack: Callable[..., ProgramRun]
) -> None:
    run = run_stack(values(tmp_path), stack="lab")
    vmss = one(run, VMSS, "dsvm-lab-cpu")
    inputs = vmss.inputs
    assert inputs["orchestrationMode"] == "Flexible" and inputs["platformFaultDomainCount"] == 1
    assert inputs["singlePlacementGroup"] is False and inputs["zones"] == ["1", "2", "3"]
    assert inputs["sku"] == {"name": "Standard_D4s_v5", "tier": "Standard", "capacity": 0}  # sleeps at zero
    assert vmss.ignore_changes == ["sku.capacity"]
    assert {"orchestrationMode", "platformFaultDomainCount", "zones"} <= set(vmss.replace_on_changes)
    assert vmss.delete_before_replace
    profile = inputs["virtualMachineProfile"]
    assert profile["osProfile"]["linuxConfiguration"]["disablePasswordAuthentication"] is True
    assert profile["osProfile"]["customData"] == "[secret]"  # holds the seats' secret
    assert profile["securityProfile"]["encryptionAtHost"] is True
    assert profile["securityProfile"]["securityType"] == "TrustedLaunch"
    assert profile["networkProfile"]["networkApiVersion"] == "2020-11-01"
    seats = agent.decode_roster(profile["userData"])
    assert [s["username"] for s in seats] == [f"p{i:04d}" for i in range(6)]
    assert inputs["identity"]["type"] == "UserAssigned"
    role = one(run, ROLE, "dsvm-lab-cpu-storage-role")
    assert role.inputs["principalType"] == "ServicePrincipal" and role.inputs["scope"].endswith("/containers/seats")


def test_the_autoscale_setting_carries_the_profiles(tmp_path: Path, run_stack: Callable[..., ProgramRun]) -> None:
    run = run_stack(values(tmp_path), stack="lab")
    setting = one(run, AUTOSCALE, "dsvm-lab-cpu-autoscale")
    profiles = {p["name"]: p for p in setting.inputs["profiles"]}
    assert list(profiles) == ["outside-windows", "class-start-0900", "class-end-1200"]
    start = profiles["class-start-0900"]
    # Idle stop (on by default): idle instances leave down to 1, the CPU rule only adds instances.
    assert start["capacity"] == {"minimum": "1", "default": "3", "maximum": "4"}
    assert [r["scaleAction"]["direction"] for r in start["rules"]] == ["Increase"]
    assert start["recurrence"]["schedule"] == {
        "days": ["Monday", "Wednesday"], "hours": [9], "minutes": [0], "timeZone": "W. Europe Standard Time"
    }
    assert profiles["class-end-1200"]["capacity"]["maximum"] == "0" and not profiles["class-end-1200"]["rules"]
    assert setting.inputs["targetResourceUri"] == one(run, VMSS, "dsvm-lab-cpu").id


def test_each_seat_has_its_commands_and_a_secret_password(tmp_path: Path, run_stack: Callable[..., ProgramRun]) -> None:
    run = run_stack(values(tmp_path), stack="lab")
    seats = run.outputs["seats"]
    assert list(seats) == [f"p{i:04d}" for i in range(6)]
    assert seats["p0000"]["sign_in"] == "password" and seats["p0001"]["sign_in"] == "ssh key"
    assert seats["p0001"]["password"] == "[secret]" and seats["p0001"]["email"] == "p0001@example.edu"
    assert "az network bastion ssh --name dsvm-lab-bastion" in seats["p0001"]["ssh"]
    # 3 instances during a window: seat 1 takes the second, seat 3 the first again
    assert "awk 'NR==1||NR==2'" in seats["p0001"]["ssh"] and "awk 'NR==1||NR==1'" in seats["p0003"]["ssh"]


def test_the_roster_size_adds_no_resource(tmp_path: Path, run_stack: Callable[..., ProgramRun]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    small = run_stack(values(tmp_path / "a", count=3), stack="a")
    big = run_stack(values(tmp_path / "b", count=300), stack="b", backend=FakeAzure())
    assert len(small.records) == len(big.records) and len(big.outputs["seats"]) == 300


# -- config errors ------------------------------------------------------------------------------------
def problems(found: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        parse_config(found)
    return error.value.problems


@pytest.mark.parametrize(
    ("changes", "path", "fragment"),
    [
        ({"schedule": {"time_zone": "W. Europe Standard Time", "class_hours": [
            {"days": ["Monday"], "start": "09:00", "end": "12:00"},
            {"days": ["Monday"], "start": "11:00", "end": "13:00"}]}}, "dsvm:schedule.class_hours[1]", "overlaps"),
        ({"schedule": {"time_zone": "W. Europe Standard Time", "class_hours": [
            {"days": ["Monday"], "start": "12:00", "end": "09:00"}]}}, "dsvm:schedule.class_hours[0].end", "before"),
        ({"schedule": {"class_hours": [{"days": ["Monday"], "start": "09:00", "end": "12:00"}]}},
         "dsvm:schedule.time_zone", "without a time zone"),
        ({"schedule": {"time_zone": "Mars Standard Time", "events": [
            {"name": "x", "start": "2027-01-01 08:00", "end": "2027-01-01 18:00"}]}},
         "dsvm:schedule.time_zone", "not a Windows time zone id"),
        ({"pools": [{"name": "cpu", "capacity": 3, "min_capacity": 5, "max_capacity": 4}]},
         "dsvm:pools[0].min_capacity", "above max capacity"),
        ({"roster": {"file": "rosters/nowhere.csv"}}, "dsvm:roster.file", "does not exist"),
        ({"image": {"os": "windows-2022", "version": "25.05.20"}}, "dsvm:image.os", "ubuntu"),
        ({"auto_shutdown": {"time": "1900"}}, "dsvm:auto_shutdown", "remove auto_shutdown"),
        ({"pools": [{"name": "cpu", "capacity": 300}]}, "dsvm:network.workstation_subnet", "/23 or larger"),
    ],
)  # fmt: skip
def test_bad_config_names_the_key_and_the_fix(
    tmp_path: Path, changes: dict[str, Any], path: str, fragment: str
) -> None:
    found = problems(values(tmp_path, **changes))
    assert any(p == path and fragment in m for p, m in found), found


def test_bad_roster_rows_are_config_errors_naming_dsvm_roster(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(f"username,ssh_public_key,email\nAda,,\nben,{ssh_key('ben')},\nben,,\n")
    found = problems(values(tmp_path, roster={"file": str(bad), "passwords": True}))
    assert [p for p, _ in found] == ["dsvm:roster"] * 2
    assert found[0][1].startswith(f"{bad} row 2: 'Ada' has upper case letters") and "write 'ada'" not in found[0][1]
    assert found[1][1] == f"{bad} row 4: 'ben' appears twice (also row 3); each participant once"
    without = problems(values(tmp_path, roster={"file": str(bad)}))  # passwords not allowed: keys needed
    assert any("row 4: 'ben' has no ssh_public_key" in m and "roster.passwords: true" in m for _, m in without)


def test_a_roster_that_is_a_directory_or_not_text_names_the_fix(tmp_path: Path) -> None:
    (tmp_path / "rosters").mkdir()
    found = problems(values(tmp_path, roster={"file": str(tmp_path / "rosters")}))
    assert found == [("dsvm:roster.file", f"{tmp_path / 'rosters'} is a directory ({tmp_path / 'rosters'}); "
                      "give the roster file in it (a .csv or .yaml file)")]  # fmt: skip
    (tmp_path / "latin1.csv").write_bytes("username\nj\xf6rg\n".encode("latin-1"))
    found = problems(values(tmp_path, roster={"file": str(tmp_path / "latin1.csv"), "passwords": True}))
    assert found[0][0] == "dsvm:roster.file" and "cannot be read (invalid start byte); save it as UTF-8" in found[0][1]


def test_a_roster_too_big_for_user_data_is_refused_with_the_fix(tmp_path: Path) -> None:
    from tests.stacks.test_config_properties import rsa_key

    path = tmp_path / "rsa.csv"
    path.write_text("username,ssh_public_key\n" + "".join(f"p{i},{rsa_key(4096, f'p{i}')}\n" for i in range(150)))
    ((where, message),) = problems(values(tmp_path, roster={"file": str(path)}))
    assert where == "dsvm:roster" and "userData" in message and "ssh-keygen -t ed25519" in message


def test_peak_capacity_is_what_the_quota_check_counts(tmp_path: Path) -> None:
    config = parse_config(values(tmp_path))
    ((need),) = config.quota_needs()
    assert (need.size, need.count, need.vcpus) == ("Standard_D4s_v5", 4, 16)


# -- the command line ---------------------------------------------------------------------------------
def stack_file(tmp_path: Path, **changes: Any) -> dict[str, Any]:
    plain = values(tmp_path, **changes)
    found: dict[str, Any] = {"azure-native:location": plain.pop("location")}
    found.update({f"dsvm:{k}": v for k, v in plain.items()})
    return found


def plan(tmp_path: Path, *args: str, **changes: Any) -> tuple[int, str]:
    """``dsvmctl plan`` of a stack ``dev`` with these changes, in a project of its own."""
    from dsvmctl.cli import app

    project = Project(tmp_path, stack_file(tmp_path, **changes))
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project.dir), *args])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("changes", "args", "key"),
    [
        ({"schedule": {"time_zone": "W. Europe Standard Time", "class_hours": [
            {"days": ["Monday"], "start": "09:00", "end": "12:00"},
            {"days": ["Monday"], "start": "10:00", "end": "11:00"}]}}, (), "dsvm:schedule.class_hours[1]"),
        ({"schedule": {"events": [{"name": "x", "start": "2027-01-01 08:00", "end": "2027-01-01 18:00"}]}}, (),
         "dsvm:schedule.time_zone"),
        ({"pools": [{"name": "cpu", "capacity": 3, "min_capacity": 5, "max_capacity": 4}]}, (),
         "dsvm:pools[0].min_capacity"),
        ({"roster": {"file": "rosters/nowhere.csv"}}, (), "dsvm:roster.file"),
        ({"pools": [{"name": "cpu", "vm_size": "Standard_D4s_v5", "capacity": 2}]}, ("--quota-profile", "free"),
         "QuotaExceeded"),
        ({"location": "eastus", "pools": [{"name": "gpu", "vm_size": "Standard_NC4as_T4_v3", "capacity": 1}]}, (),
         "standardNCASv3_T4Family"),
        ({"schedule": {"time_zone": "W. Europe Standard Time", "class_hours": [
            {"days": ["Monday"], "start": "12:00", "end": "09:00"}]}}, (), "dsvm:schedule.class_hours[0].end"),
        ({"schedule": {"time_zone": "Central European Time", "class_hours": [
            {"days": ["Monday"], "start": "09:00", "end": "12:00"}]}}, (), "dsvm:schedule.time_zone"),
        ({"schedule": {"time_zone": "W. Europe Standard Time", "events": [
            {"name": "x", "start": "2027-01-01 08:00", "end": "2027-01-02 18:00"},
            {"name": "y", "start": "2027-01-02 08:00", "end": "2027-01-03 18:00"}]}}, (), "dsvm:schedule.events[1]"),
        ({"pools": [{"name": "cpu", "capacity": 0, "max_capacity": 4}]}, (), "dsvm:pools[0].capacity"),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2_with_the_key_and_no_traceback(
    tmp_path: Path, changes: dict[str, Any], args: tuple[str, ...], key: str
) -> None:
    code, output = plan(tmp_path, *args, **changes)
    assert code == 2, output
    assert key in output and "Traceback" not in output


def test_a_quota_shortfall_names_the_pool_key_to_lower(tmp_path: Path) -> None:
    code, output = plan(tmp_path, "--quota-profile", "free")  # 4 vCPUs; the pool peaks at 4 x 4
    assert code == 2 and "QuotaExceeded" in output
    assert "lower dsvm:pools[0].max_capacity" in " ".join(output.split())


def test_a_relative_roster_is_read_from_the_project_dir_not_the_current_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dsvmctl.cli import app

    project = Project(tmp_path, stack_file(tmp_path, roster={"file": "rosters/class.csv", "passwords": True}))
    (project.dir / "rosters").mkdir()
    write_roster(project.dir / "rosters", 4, "class.csv")
    monkeypatch.chdir(tmp_path)  # no Pulumi.yaml here nor above: only --project-dir leads to the roster
    for command in (["plan", "--json"], ["quota"]):
        result = runner.invoke(app, [*command, "--stack", "dev", "--project-dir", str(project.dir)])
        assert result.exit_code == 0, result.output
    roster = {"file": "rosters/class.csv", "passwords": True}
    config = parse_config(values(tmp_path, roster=roster), project_dir=project.dir)
    assert [p.username for p in config.participants] == ["p0000", "p0001", "p0002", "p0003"]


def test_plan_of_the_example_stacks(tmp_path: Path) -> None:
    for stack, seats, profiles in (("classroom", 30, 5), ("hackathon", 200, 2)):
        from dsvmctl.cli import app

        result = runner.invoke(app, ["plan", "--stack", stack, "--json", "--project-dir", str(ROOT)])
        assert result.exit_code == 0, result.output
        document = json.loads(result.output)
        types = [r["type"] for r in document["resources"]]
        assert types.count(VMSS) == 1 and types.count(AUTOSCALE) == 1 and VM not in types
        (setting,) = [r for r in document["resources"] if r["type"] == AUTOSCALE]
        assert len(setting["inputs"]["profiles"]) == profiles
        assert len(document["outputs"]["seats"]) == seats
        assert {s["password"] for s in document["outputs"]["seats"].values()} == {"[secret]"}


def test_an_autoscale_capacity_change_is_no_diff(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path))
    project.up()
    state = project.state / "dev.json"
    saved = json.loads(state.read_text())
    for resource in saved["plan"]["resources"]:  # what a refresh sees after autoscale scaled out
        if resource["type"] == VMSS:
            resource["inputs"]["sku"]["capacity"] = 7
    for resource in saved["emulator"]["resources"]:
        if resource["token"] == VMSS:
            resource["inputs"]["sku"]["capacity"] = resource["outputs"]["sku"]["capacity"] = 7
    state.write_text(json.dumps(saved))
    code, document = project.diff()
    assert code == 0 and document["changes"] == {"create": 0, "update": 0, "replace": 0, "delete": 0, "same": 17}
    (vmss,) = [r for r in document["resources"] if r["type"] == VMSS]
    assert vmss["ignoreChanges"] == ["sku.capacity"] and vmss["inputs"]["sku"]["capacity"] == 7
    assert document["cost"]["delta"] == {"monthly": 0.0, "alwaysOnMonthly": 0.0}


def test_a_roster_change_updates_the_scale_set_in_place(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path))
    project.up()
    write_roster(tmp_path, 7)  # a late enrolment
    code, document = project.diff()
    changed = {r["name"]: r for r in document["resources"] if r["change"] != "same"}
    assert code == 0 and set(changed) == {"dsvm-dev-cpu"}
    assert changed["dsvm-dev-cpu"]["change"] == "update"
    assert changed["dsvm-dev-cpu"]["changedProperties"] == ["virtualMachineProfile.userData"]


def test_the_pr_comment_shows_the_cost_per_seat(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path))
    code, output = project.run("diff", "--markdown")
    assert code == 0
    per_seat = [line for line in output.splitlines() if line.startswith("Per seat:")]
    assert per_seat and "(6 seats)" in per_seat[0]


def test_connect_prints_a_seats_commands(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path))
    project.up()
    code, output = project.run("connect", "p0001")
    assert code == 0, output
    assert "awk 'NR==1||NR==2'" in output and "--username p0001" in output
    assert "pulumi stack output seats --show-secrets" in output  # the password stays a secret
    code, output = project.run("connect", "nobody")
    assert code == 2 and "no member, rig or seat 'nobody'" in output and "seats: p0000, p0001" in output


# -- idle stop: an idle instance leaves its pool ---------------------------------------------------------
def test_an_idle_instance_leaves_its_pool_by_default(tmp_path: Path, run_stack: Callable[..., ProgramRun]) -> None:
    from azurefacts.subscription_roles import POOL_IDLE_STOP, role_body, role_definition_id
    from components.idle_stop import SCALE_IN_ACTIONS

    changes = {"idle_stop": {"idle_minutes": 30, "warn_minutes": 5}}
    run = run_stack(values(tmp_path, **changes), stack="lab")
    vmss = one(run, VMSS, "dsvm-lab-cpu")
    user_data = vmss.inputs["virtualMachineProfile"]["userData"]
    # One userData for the agent (the roster) and the watcher (its settings), as the watcher reads it.
    assert [s["username"] for s in agent.decode_roster(user_data)] == [f"p{i:04d}" for i in range(6)]
    settings = load_idle_watcher().parse_settings(user_data)
    assert settings["leave_pool"] is True and settings["pool_minimum"] == 1
    assert (settings["idle_minutes"], settings["warn_minutes"], settings["client_id"]) == (30, 5, "")
    # The subscription's pool role: read the scale set and delete its instances, nothing else, on this scale set only.
    subscription = vmss.id.split("/")[2]
    (permissions,) = role_body(subscription, POOL_IDLE_STOP)["properties"]["permissions"]
    assert sorted(permissions["actions"]) == sorted(SCALE_IN_ACTIONS)
    assert "Microsoft.Compute/virtualMachineScaleSets/delete" not in permissions["actions"]
    scopes = role_body(subscription, POOL_IDLE_STOP)["properties"]["assignableScopes"]
    assert scopes == [f"/subscriptions/{subscription}"]
    role = one(run, ROLE, "dsvm-lab-cpu-idle-role")
    assert role.inputs["scope"] == vmss.id
    assert role.inputs["roleDefinitionId"] == role_definition_id(subscription, POOL_IDLE_STOP)
    assert role.inputs["principalId"] == one(run, IDENTITY, "dsvm-lab-cpu-id").outputs["principalId"]
    assert run.outputs["pools"]["cpu"]["idle_stop"] == "after 30 idle minutes an instance leaves the pool"
    assert run.outputs["pools"]["cpu"]["instances"].startswith("3 per window (idle instances leave down to 1")


def test_the_cloud_config_installs_the_watcher_only_with_idle_stop() -> None:
    import yaml

    from components import idle_units
    from stacks.scale_out import seats

    values_ = seats.settings("acct", "cid", "secret", "teacher")
    with_watcher = seats.cloud_config(values_, idle_watcher=True)
    paths = [f["path"] for f in with_watcher["write_files"]]
    assert {idle_units.SCRIPT_PATH, idle_units.SERVICE_PATH, idle_units.TIMER_PATH} <= set(paths)
    assert ["systemctl", "enable", "--now", idle_units.TIMER_NAME] in with_watcher["runcmd"]
    assert with_watcher["runcmd"].count(["systemctl", "daemon-reload"]) == 1
    without = seats.cloud_config(values_)
    assert idle_units.SCRIPT_PATH not in [f["path"] for f in without["write_files"]]
    # It fits the customData limit (64 KB of base64) with room to spare.
    encoded = seats.custom_data(values_, idle_watcher=True)
    assert len(encoded) < 60_000
    assert yaml.safe_load(__import__("base64").b64decode(encoded).decode())["write_files"][3]["path"] == (
        idle_units.SCRIPT_PATH)


def test_a_pool_may_opt_out_of_idle_stop_and_keeps_cpu_scale_in(
    tmp_path: Path, run_stack: Callable[..., ProgramRun]
) -> None:
    pools = [{"name": "cpu", "capacity": 3, "max_capacity": 4, "idle_stop": False},
             {"name": "big", "vm_size": "Standard_D8s_v5", "capacity": 2, "min_capacity": 2, "max_capacity": 3}]
    run = run_stack(values(tmp_path, pools=pools), stack="lab")
    cpu = one(run, AUTOSCALE, "dsvm-lab-cpu-autoscale").inputs["profiles"][1]
    assert cpu["capacity"] == {"minimum": "3", "default": "3", "maximum": "4"}
    assert [r["scaleAction"]["direction"] for r in cpu["rules"]] == ["Increase", "Decrease"]
    watch = load_idle_watcher()
    assert watch.parse_settings(one(run, VMSS, "dsvm-lab-cpu").inputs["virtualMachineProfile"]["userData"]) is None
    assert [r.name for r in of_type(run, ROLE) if r.name.endswith("-idle-role")] == ["dsvm-lab-big-idle-role"]
    # An explicit min_capacity is the watcher's minimum too.
    big_data = one(run, VMSS, "dsvm-lab-big").inputs["virtualMachineProfile"]["userData"]
    assert watch.parse_settings(big_data)["pool_minimum"] == 2
    assert run.outputs["pools"]["cpu"]["idle_stop"] == "off"


def test_idle_stop_off_for_the_stack_leaves_no_role(tmp_path: Path, run_stack: Callable[..., ProgramRun]) -> None:
    run = run_stack(values(tmp_path, idle_stop={"enabled": False}), stack="lab")
    assert not of_type(run, ROLE_DEFINITION)
    assert [r.name for r in of_type(run, ROLE)] == ["dsvm-lab-cpu-storage-role"]


def test_a_pool_override_is_checked_at_its_path(tmp_path: Path) -> None:
    pools = [{"name": "cpu", "capacity": 3, "idle_stop": {"warn_minutes": 90}}]
    ((path, message),) = problems(values(tmp_path, pools=pools))
    assert path == "dsvm:pools[0].idle_stop.warn_minutes" and "before the stop" in message


def test_turning_idle_stop_on_for_a_deployed_pool_changes_nothing_that_runs(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path, idle_stop={"enabled": False}))
    project.up()
    project.config["dsvm:idle_stop"] = {"enabled": True}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    changed = {r["name"]: r for r in document["resources"] if r["change"] != "same"}
    assert {n: r["change"] for n, r in changed.items()} == {
        "dsvm-dev-cpu": "update", "dsvm-dev-cpu-autoscale": "update",
        "dsvm-dev-cpu-idle-role": "create",
    }
    # The scale set's model changes in place (new instances get the watcher); none is replaced.
    assert set(changed["dsvm-dev-cpu"]["changedProperties"]) == {
        "virtualMachineProfile.osProfile.customData", "virtualMachineProfile.userData"}


@pytest.mark.parametrize(("idle", "says"), [(True, True), (False, False)])
def test_the_estimate_says_when_idle_instances_may_leave(tmp_path: Path, idle: bool, says: bool) -> None:
    code, output = plan(tmp_path, "--json", idle_stop={"enabled": idle})
    assert code == 0, output
    notes = [line["note"] for line in json.loads(output)["cost"]["lines"] if "autoscale profiles" in line["note"]]
    assert notes and all(("idle instances leave down to the minimum" in n) is says for n in notes)


def test_a_pool_far_smaller_than_its_roster_is_warned(tmp_path: Path) -> None:
    crowded = parse_config(values(tmp_path, count=30, pools=[{"name": "cpu", "vm_size": "Standard_D2s_v5",
                                                               "capacity": 2}]))  # fmt: skip
    assert ("pools[0] (cpu) starts each window with 2 x Standard_D2s_v5 (2 vCPUs) for 30 participants: 15 share an "
            "instance, more than one per vCPU; raise dsvm:pools[0].capacity to 15 or more") in " ".join(
        crowded.warnings())  # fmt: skip
    roomy = parse_config(values(tmp_path, count=30, pools=[{"name": "cpu", "vm_size": "Standard_D2s_v5",
                                                            "capacity": 15}]))  # fmt: skip
    assert not [w for w in roomy.warnings() if "share an instance" in w]


@pytest.mark.parametrize("key", ["capacity", "max_capacity", "data_disk_gb"])
def test_a_boolean_is_no_number(tmp_path: Path, key: str) -> None:
    pool = {"name": "cpu", "vm_size": "Standard_D4s_v5", "capacity": 3, key: True}
    assert problems(values(tmp_path, pools=[pool])) == [(f"dsvm:pools[0].{key}", "must be a number, not true")]


def test_an_image_pin_change_on_a_pool_says_what_it_does_and_flags_a_downgrade(tmp_path: Path) -> None:
    project = Project(tmp_path, stack_file(tmp_path))
    project.up()
    for old, new, downgrade in (("25.09.15", "25.05.20", True), ("25.05.20", "25.09.15", False)):
        project.config["dsvm:image"]["version"] = new
        project.write()
        code, document = project.diff()
        assert code == 0
        (pool,) = [r for r in document["resources"] if r["type"] == "azure-native:compute:VirtualMachineScaleSet"]
        assert pool["change"] == "update" and "virtualMachineProfile.storageProfile.imageReference.version" in pool[
            "changedProperties"]  # fmt: skip
        assert pool["effects"][0].startswith(f"updates the scale set's model in place: instances created from now on "
                                             f"boot image {new}; running instances keep {old}")  # fmt: skip
        assert any("(a downgrade)" in e for e in pool["effects"]) is downgrade
        if downgrade:
            assert pool["effects"][1] == ("image version 25.09.15 -> 25.05.20 goes back to an older release (a "
                                          "downgrade): make sure it is meant")  # fmt: skip
        project.up()
