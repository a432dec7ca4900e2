"""Idle stop and the budget on the dev stack: what the plan registers, and what a change does to a deployed stack.

The watcher reaches deployed VMs without replacing them: settings in userData (updated in place), the
watcher through a VM extension (created in place), never through customData (create-only).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import yaml

from azurefacts.subscription_roles import VM_IDLE_STOP, role_definition_id
from components import idle_units
from components.idle_stop import linux_protected_settings
from tests.helpers import ROOT, Project, by_name, changed

VM = "azure-native:compute:VirtualMachine"
EXTENSION = "azure-native:compute:VirtualMachineExtension"


def of_type(document: dict[str, Any], token: str) -> list[dict[str, Any]]:
    return [r for r in document["resources"] if r["type"] == token]


def decoded(value: str) -> Any:
    return json.loads(base64.b64decode(value))


def test_the_dev_plan_assigns_the_subscriptions_role_per_vm_with_the_extensions_and_the_budget(
    dev_plan: dict[str, Any],
) -> None:
    group = by_name(dev_plan, "rg-dsvm-dev")["id"]
    # The idle-stop role is the subscription's, made once by `dsvmctl bootstrap`: the stack only refers to it.
    assert not of_type(dev_plan, "azure-native:authorization:RoleDefinition")
    subscription = group.split("/")[2]
    role_id = role_definition_id(subscription, VM_IDLE_STOP)
    assert {"kind": "role_definition", "id": role_id, "configPath": "dsvmctl bootstrap", "source": "assumed",
            "location": None} in dev_plan["existing"]  # fmt: skip
    vms = of_type(dev_plan, VM)
    assert len(vms) == 2
    for vm in vms:
        member = vm["name"].removesuffix("-vm")
        assignment = by_name(dev_plan, f"{member}-idle-role")
        assert assignment["inputs"]["scope"] == vm["id"]  # the VM itself, nothing wider
        assert assignment["inputs"]["roleDefinitionId"] == role_id
        assert assignment["inputs"]["principalType"] == "ServicePrincipal"
        assert assignment["replaceOnChanges"] == ["roleDefinitionId"]  # Azure never changes an assignment's role
        assert assignment["inputs"]["principalId"] == vm["outputs"]["identity"]["principalId"]
        extension = by_name(dev_plan, f"{member}-idle-stop")
        inputs = extension["inputs"]
        assert (inputs["publisher"], inputs["type"], inputs["typeHandlerVersion"]) == (
            "Microsoft.Azure.Extensions", "CustomScript", "2.1")
        assert inputs["vmName"] == vm["name"] and inputs["forceUpdateTag"] == vm["outputs"]["vmId"]
        # protectedSettings is a secret (ARM never returns it): the plan keeps its fingerprint only.
        assert inputs["protectedSettings"] == "[secret]" and "protectedSettings" in extension["secretFingerprints"]
        script = base64.b64decode(linux_protected_settings()["script"]).decode()
        assert script.startswith("#!/bin/sh") and f"systemctl enable --now {idle_units.TIMER_NAME}" in script
        assert vm["inputs"]["osProfile"]["allowExtensionOperations"] is True
        # The patch window (Saturday 02:00-05:00 W. Europe time) from the VMs' start at 01:30, in minutes of the UTC
        # week, in summer and in winter time: the watcher holds off through it.
        assert decoded(vm["inputs"]["userData"]) == {"idle_stop": {
            "enabled": True, "idle_minutes": 60, "warn_minutes": 10, "cpu_percent": 10, "gpu_percent": 5,
            "patch_windows": [[7170, 7380], [7230, 7440]]}}
        assert by_name(dev_plan, member)["inputs"] == {"activeHoursPerWeek": 25}  # the estimate's assumption
    (budget,) = of_type(dev_plan, "azure-native:consumption:Budget")
    inputs = budget["inputs"]
    assert inputs["scope"] == group and inputs["amount"] == 530 and inputs["timeGrain"] == "Monthly"
    assert inputs["timePeriod"]["startDate"].endswith("-01T00:00:00Z") and budget["ignoreChanges"] == [
        "timePeriod.startDate"]
    alerts = {(n["threshold"], n["thresholdType"]) for n in inputs["notifications"].values()}
    assert alerts == {(80, "Actual"), (100, "Actual"), (110, "Forecasted")}
    assert {tuple(n["contactEmails"]) for n in inputs["notifications"].values()} == {("data-platform@contoso.com",)}


def test_changing_idle_minutes_updates_user_data_in_place_only(project: Project) -> None:
    project.config["dsvm:idle_stop"] = {"idle_minutes": 90}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    assert {n: (r["change"], r["changedProperties"]) for n, r in changed(document).items()} == {
        "alice-vm": ("update", ["userData"]), "bob-vm": ("update", ["userData"])}
    assert decoded(by_name(document, "alice-vm")["inputs"]["userData"])["idle_stop"]["idle_minutes"] == 90
    assert by_name(document, "alice-vm")["effects"] == [
        "updates userData in place, no restart (the idle watcher reads it at its next check)"]
    assert project.run("up")[0] == 0 and not changed(project.diff()[1])


def test_turning_idle_stop_on_creates_the_extension_and_role_and_updates_the_vms_in_place(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:idle_stop"] = {"enabled": False}
    config["dsvm:patching"] = {"enabled": False}  # Update Manager's extension would keep extensions allowed
    project = Project(tmp_path, config)
    first = project.up()
    assert not [r for r in first["resources"] if r["type"] == EXTENSION]
    assert by_name(first, "alice-vm")["inputs"]["osProfile"]["allowExtensionOperations"] is False
    project.config["dsvm:idle_stop"] = {"enabled": True}
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    moves = {n: (r["change"], r["changedProperties"] if r["change"] == "update" else r["type"].rsplit(":", 1)[1])
             for n, r in changed(document).items() if not r["type"].startswith("dsvm:")}
    assert moves == {
        "alice-vm": ("update", ["osProfile.allowExtensionOperations", "userData"]),
        "alice-idle-stop": ("create", "VirtualMachineExtension"),
        "alice-idle-role": ("create", "RoleAssignment"),
        "bob-vm": ("update", ["osProfile.allowExtensionOperations", "userData"]),
        "bob-idle-stop": ("create", "VirtualMachineExtension"),
        "bob-idle-role": ("create", "RoleAssignment"),
    }
    assert document["changes"]["replace"] == 0 and document["cost"]["delta"]["monthly"] < 0
    assert project.run("up")[0] == 0 and not changed(project.diff()[1])


def test_turning_idle_stop_off_is_refused_until_the_extension_is_gone(tmp_path: Path) -> None:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["dsvm:patching"] = {"enabled": False}  # nothing else keeps extensions allowed on the VM
    project = Project(tmp_path, config)
    project.up()
    project.config["dsvm:members"][0]["idle_stop"] = False
    project.write()
    code, document = project.diff()
    assert code == 2
    (error,) = by_name(document, "alice-vm")["errors"]
    assert error["code"] == "OperationNotAllowed" and "az vm extension delete" in error["fix"]
    assert by_name(document, "alice-idle-stop")["change"] == "delete"
    assert not [n for n in changed(document) if n.startswith("bob")]


def test_with_patching_on_turning_idle_stop_off_deletes_the_extension_and_keeps_extensions_allowed(
    project: Project,
) -> None:
    """Update Manager installs its patch extension on the VM, so the VM keeps allowing extensions: the idle watcher's
    extension is deleted in place, and the VM's userData loses its settings."""
    project.config["dsvm:members"][0]["idle_stop"] = False
    project.write()
    code, document = project.diff()
    assert code == 0, document["errors"]
    moves = {n: (r["change"], r["changedProperties"] if r["change"] == "update" else "")
             for n, r in changed(document).items() if not r["type"].startswith("dsvm:")}  # fmt: skip
    assert moves == {"alice-vm": ("update", ["userData"]), "alice-idle-stop": ("delete", ""),
                     "alice-idle-role": ("delete", "")}  # fmt: skip
    assert by_name(document, "alice-vm")["inputs"]["osProfile"]["allowExtensionOperations"] is True


def test_the_active_hours_assumption_changes_the_estimate_not_azure(project: Project) -> None:
    project.config["dsvm:idle_stop"] = {"active_hours_per_week": 40}
    project.write()
    code, document = project.diff()
    assert code == 0 and document["changes"]["update"] == 0 and not document["errors"]
    assert document["cost"]["delta"]["monthly"] > 0 and document["cost"]["delta"]["alwaysOnMonthly"] == 0
    code, output = project.run("diff", "--markdown")
    assert code == 0 and "assuming 40 active h/week each" in output


def test_the_pr_comment_states_the_saving_and_the_budget(project: Project, tmp_path: Path) -> None:
    (tmp_path / "fresh").mkdir()
    empty = Project(tmp_path / "fresh")
    code, output = empty.run("diff", "--markdown")  # against an empty state: everything is new
    assert code == 0, output
    assert "- Idle stop on 2 VM(s), assuming 25 active h/week each:" in output
    assert "of its always-on" in output and "- Whole stack:" in output and "- Budget: $530/month" in output
    project.config["dsvm:budget"] = {"amount": 100}
    project.write()
    code, document = project.diff()
    assert code == 0 and {n: r["change"] for n, r in changed(document).items()} == {"dsvm-dev-budget": "update"}
    assert "is below the estimated" in document["cost"]["warnings"][0]
