"""A plan that breaks a mandatory rule: ``dsvmctl plan`` and ``diff`` exit 1 (``EXIT_POLICY``, DESIGN.md
section 5), naming the rule, the resource and the fix; advisory findings are printed and exit 0; the PR
comment lists them all."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from components import network
from dsvmctl import plan as plan_module
from dsvmctl.cli import app
from dsvmctl.options import EXIT_BAD_INPUT, EXIT_EMULATOR, EXIT_POLICY, EXIT_REFUSED
from tests.helpers import ROOT

runner = CliRunner()
NSG_FIX = (
    "choose access mode bastion or private, or list your office/VPN ranges in access.allowed_cidrs; with an "
    "existing Bastion, set access.existing_bastion_subnet to its AzureBastionSubnet prefix"
)
HUB_BASTION = "/subscriptions/0000/resourceGroups/hub/providers/Microsoft.Network/bastionHosts/hub-bastion"


def project_with(tmp_path: Path, **config: Any) -> Path:
    """The dev stack with some keys replaced (dsvm:<key>)."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"].update({f"dsvm:{key}": value for key, value in config.items()})
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


@pytest.fixture
def open_nsg(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program bug that opens the workstation ports to everyone (the config refuses every way a user could:
    an allowlist of `*`, 0.0.0.0/0 or Internet, a Bastion subnet broader than /16): the policy pack is the
    second line of defence."""
    monkeypatch.setattr(network, "allowed_sources", lambda args: ("0.0.0.0/0",))


def ssh_open_to_the_internet(tmp_path: Path) -> Path:
    """The dev stack with an existing Bastion (the NSG admits its subnet: opened by ``open_nsg``)."""
    access = {"mode": "bastion", "existing_bastion_resource_id": HUB_BASTION,
              "existing_bastion_subnet": "10.0.255.0/26"}  # fmt: skip
    return project_with(tmp_path, access=access)


def test_exit_policy_is_1_and_distinct() -> None:
    assert EXIT_POLICY == 1
    assert EXIT_POLICY not in {0, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_EMULATOR}


def test_the_config_refuses_an_allowlist_open_to_the_internet(tmp_path: Path) -> None:
    project = project_with(tmp_path, access={"mode": "allowlist", "allowed_cidrs": ["0.0.0.0/0"]})
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project)])
    assert result.exit_code == EXIT_BAD_INPUT and "would open the workstations to the whole internet" in result.output


@pytest.mark.parametrize("subnet", ["0.0.0.0/0", "10.0.0.0/8", "10.0.255.0/27"])
def test_the_config_refuses_a_bastion_subnet_that_is_no_bastion_subnet(tmp_path: Path, subnet: str) -> None:
    access = {"mode": "bastion", "existing_bastion_resource_id": HUB_BASTION, "existing_bastion_subnet": subnet}
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project_with(tmp_path, access=access))])
    assert result.exit_code == EXIT_BAD_INPUT, result.output
    assert "dsvm:access.existing_bastion_subnet" in result.output and "is not an AzureBastionSubnet prefix" in (
        result.output)
    assert ("(the whole internet)" in result.output) is (subnet == "0.0.0.0/0")


def test_ssh_opened_to_the_internet_makes_plan_exit_1_naming_rule_and_resource(tmp_path: Path, open_nsg: None) -> None:
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ssh_open_to_the_internet(tmp_path))])
    assert result.exit_code == EXIT_POLICY == 1, result.output
    assert "Traceback" not in result.output
    violations = [x for x in result.output.splitlines() if x.startswith("policy violation")]
    assert violations == [
        "policy violation [nsg-no-vm-ports-from-internet] NetworkSecurityGroup dsvm-dev-nsg: securityRules[0] "
        f"(allow-ssh-in) allows SSH (22) in from 0.0.0.0/0. Fix: {NSG_FIX}",
        "policy violation [nsg-no-vm-ports-from-internet] NetworkSecurityGroup dsvm-dev-nsg: securityRules[1] "
        f"(allow-jupyterhub-in) allows JupyterHub (8000) in from 0.0.0.0/0. Fix: {NSG_FIX}",
    ]


def test_plan_json_keeps_stdout_a_document_and_still_fails(tmp_path: Path, open_nsg: None) -> None:
    project = ssh_open_to_the_internet(tmp_path)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project), "--json"])
    assert result.exit_code == EXIT_POLICY
    document = json.loads(result.stdout)
    finding = next(f for f in document["policy"] if f["enforcement"] == "mandatory")
    assert finding == {
        "policy": "nsg-no-vm-ports-from-internet", "urn": finding["urn"],
        "resource": "NetworkSecurityGroup dsvm-dev-nsg",
        "enforcement": "mandatory", "message": "securityRules[0] (allow-ssh-in) allows SSH (22) in from 0.0.0.0/0",
        "fix": NSG_FIX,
    }  # fmt: skip
    assert finding["urn"].endswith("azure-native:network:NetworkSecurityGroup::dsvm-dev-nsg")
    assert "policy violation [nsg-no-vm-ports-from-internet] NetworkSecurityGroup dsvm-dev-nsg" in result.stderr


def test_a_plan_document_with_an_open_rule_fails_the_same_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever produced it: a plan holding a standalone SecurityRule from `*` to 22 stops `dsvmctl plan`."""
    real = plan_module.Plan.to_json

    def with_open_rule(self: plan_module.Plan) -> dict[str, Any]:
        document = real(self)
        nsg = next(r for r in document["resources"] if r["type"].endswith(":NetworkSecurityGroup"))
        rule = copy.deepcopy(nsg) | {"type": "azure-native:network:SecurityRule", "name": "ssh-anywhere",
                                     "urn": nsg["urn"].replace("NetworkSecurityGroup::dsvm-dev-nsg",
                                                               "SecurityRule::ssh-anywhere")}  # fmt: skip
        rule["inputs"] = {"securityRuleName": "ssh-anywhere", "direction": "Inbound", "access": "Allow",
                          "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationPortRange": "22"}  # fmt: skip
        document["resources"].append(rule)
        from dsvmctl.policy_check import evaluate
        from policy.rules import StackInfo

        document["policy"] = evaluate(document["resources"], StackInfo(self.stack, self.kind))
        return document

    monkeypatch.setattr(plan_module.Plan, "to_json", with_open_rule)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ROOT)])
    assert result.exit_code == EXIT_POLICY
    assert (
        "policy violation [nsg-no-vm-ports-from-internet] SecurityRule ssh-anywhere: rule ssh-anywhere allows SSH "
        "(22) in from *." in result.output
    )


def test_diff_markdown_shows_the_findings_and_fails(tmp_path: Path, open_nsg: None) -> None:
    project = ssh_open_to_the_internet(tmp_path)
    result = runner.invoke(app, ["diff", "--stack", "dev", "--project-dir", str(project), "--markdown",
                                 "--state-dir", str(tmp_path / "state")])  # fmt: skip
    assert result.exit_code == EXIT_POLICY
    assert "policy finding(s)** (policy/" in result.stdout
    assert (
        "> - ⛔ [nsg-no-vm-ports-from-internet] NetworkSecurityGroup dsvm-dev-nsg: securityRules[0] (allow-ssh-in) "
        "allows SSH (22) in from 0.0.0.0/0" in result.stdout
    )


@pytest.fixture
def blank_cost_center(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program bug that blanks the cost-center tag (the config refuses `dsvm:tags` that would: a tag the stack
    sets itself): the policy pack's required-tags rule is what reports it."""
    import stacks.foundation

    real = stacks.foundation.stack_tags
    monkeypatch.setattr(
        stacks.foundation, "stack_tags", lambda config, stack: {**real(config, stack), "cost-center": ""}
    )


def test_advisory_findings_are_printed_and_exit_0(tmp_path: Path, blank_cost_center: None) -> None:
    """Required tags are advisory (the issue): a blanked cost-center tag is reported, the plan succeeds."""
    project = project_with(tmp_path, cost_cap_monthly=1)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    (tags,) = [x for x in lines if x.startswith("policy advice [required-tags] ")]  # one line for every resource
    assert tags.startswith("policy advice [required-tags] ResourceGroup rg-dsvm-dev, "
                           "ResourceGroup rg-dsvm-dev-snapshots, NetworkSecurityGroup dsvm-dev-nsg")
    assert " more: tag cost-center is missing or empty. Fix: set dsvm:owner and dsvm:cost_center" in tags
    (cap,) = [x for x in lines if x.startswith("policy advice [cost-cap]")]
    assert cap.startswith("policy advice [cost-cap] stack dev: the estimated cost $")
    assert "over the stack's cap of $1.00/month (dsvm:cost_cap_monthly)" in cap
    assert not [x for x in lines if x.startswith("policy violation")]


def test_a_clean_stack_plans_with_exit_0() -> None:
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "policy violation" not in result.output


def test_identical_findings_are_one_line_and_a_diff_shows_advice_on_what_changes(
    tmp_path: Path, blank_cost_center: None
) -> None:
    from dsvmctl.policy_check import grouped

    finding = {"policy": "p", "urn": "u", "enforcement": "advisory", "message": "m", "fix": "f"}
    many = [finding | {"urn": f"u{i}", "resource": f"VirtualMachine m{i}"} for i in range(5)]
    assert [f["resource"] for f in grouped([*many, finding | {"message": "other"}])] == [
        "VirtualMachine m0, VirtualMachine m1, VirtualMachine m2 +2 more", "u"]  # fmt: skip
    project = project_with(tmp_path)
    state = ["--project-dir", str(project), "--state-dir", str(tmp_path / "state")]
    assert runner.invoke(app, ["up", "--stack", "dev", *state]).exit_code == 0
    stack = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())
    stack["config"]["dsvm:members"][0]["vm_size"] = "Standard_D8s_v5"  # only alice's VM changes
    (project / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    short = runner.invoke(app, ["diff", "--stack", "dev", *state]).output
    full = runner.invoke(app, ["diff", "--stack", "dev", "--full", *state]).output
    (advice,) = [x for x in short.splitlines() if x.startswith("policy advice [required-tags]")]
    assert advice.startswith("policy advice [required-tags] VirtualMachine alice-vm: tag cost-center is missing")
    (advice,) = [x for x in full.splitlines() if x.startswith("policy advice [required-tags]")]
    assert advice.startswith("policy advice [required-tags] ResourceGroup rg-dsvm-dev, ") and " more: " in advice
