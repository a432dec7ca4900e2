"""`python -m dsvmctl plan`: the dev stack's plan, the JSON contract, exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from tests.helpers import ROOT, ssh_key

runner = CliRunner()


def make_project(tmp_path: Path, stack: str, config: dict[str, Any]) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def dev_config(**changes: Any) -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config.update(changes)
    return config


@pytest.fixture(scope="module")
def cli_dev_plan() -> dict[str, Any]:
    """The README's main job, as a new user runs it (a real subprocess of the installed command)."""
    done = subprocess.run([str(Path(sys.executable).parent / "dsvmctl"), "plan", "--stack", "dev", "--json"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_command_prints_the_library_plan(cli_dev_plan: dict[str, Any], dev_plan: dict[str, Any]) -> None:
    assert cli_dev_plan == json.loads(json.dumps(dev_plan))


def test_dev_plan_json_contract(cli_dev_plan: dict[str, Any]) -> None:
    assert set(cli_dev_plan) == {
        "stack", "kind", "resources", "outputs", "cost", "policy", "warnings", "existing", "changes"
    }
    assert (cli_dev_plan["stack"], cli_dev_plan["kind"]) == ("dev", "team")
    for resource in cli_dev_plan["resources"]:
        assert {"urn", "type", "name", "parent", "inputs", "outputs", "dependsOn", "protect", "retainOnDelete",
                "replaceOnChanges", "deleteBeforeReplace"} <= set(resource)
    custom = [r for r in cli_dev_plan["resources"] if not r["type"].startswith("dsvm:")]
    assert cli_dev_plan["changes"]["create"] == len(custom)


def test_dev_plan_has_per_member_resources_and_shared_ones(cli_dev_plan: dict[str, Any]) -> None:
    types = [r["type"] for r in cli_dev_plan["resources"]]
    members = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]["dsvm:members"]
    for token in ("azure-native:compute:VirtualMachine", "azure-native:network:NetworkInterface",
                  "azure-native:compute:Disk", "azure-native:devtestlab:GlobalSchedule"):
        assert types.count(token) == len(members), token
    for token in ("azure-native:network:VirtualNetwork", "azure-native:network:NetworkSecurityGroup",
                  "azure-native:storage:StorageAccount"):
        assert types.count(token) == 1, token
    assert set(cli_dev_plan["outputs"]["members"]) == {m["username"] for m in members}


def test_dev_plan_is_secure(cli_dev_plan: dict[str, Any]) -> None:
    for r in cli_dev_plan["resources"]:
        if r["type"] == "azure-native:network:NetworkSecurityGroup":
            for rule in r["inputs"]["securityRules"]:
                if rule["access"] == "Allow":
                    assert not {"*", "0.0.0.0/0", "Internet", "Any"} & set(rule["sourceAddressPrefixes"])
        if r["type"] == "azure-native:compute:VirtualMachine":
            assert r["inputs"]["securityProfile"]["encryptionAtHost"] is True
            assert r["inputs"]["osProfile"]["linuxConfiguration"]["disablePasswordAuthentication"] is True
            assert r["inputs"]["osProfile"]["customData"] == "[secret]"
        if r["type"] in ("azure-native:compute:Disk", "azure-native:storage:StorageAccount"):
            assert r["protect"] and r["retainOnDelete"], r["name"]


def test_plan_tree_output(cli_dev_plan: dict[str, Any]) -> None:
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "azure-native:compute:VirtualMachine alice-vm" in result.output
    assert "protected, retained" in result.output
    assert "resources to create" in result.output
    cost = cli_dev_plan["cost"]
    assert (
        f"estimated ${cost['monthly']:,.2f}/month (always-on ${cost['alwaysOnMonthly']:,.2f}), "
        f"list prices of {cost['prices']['readOn']}"
    ) in result.output


def test_config_error_exits_2_naming_the_path(tmp_path: Path) -> None:
    config = dev_config()
    config["dsvm:members"] = [{"username": "Alice", "ssh_public_key": ssh_key("alice")}]
    project = make_project(tmp_path, "bad", config)
    result = runner.invoke(app, ["plan", "--stack", "bad", "--project-dir", str(project)])
    assert result.exit_code == 2
    assert "dsvm:members[0].username" in result.output and "capital" in result.output
    assert "Traceback" not in result.output


def test_open_allowlist_is_refused(tmp_path: Path) -> None:
    project = make_project(tmp_path, "open", dev_config(**{"dsvm:access": {"mode": "allowlist",
                                                                           "allowed_cidrs": ["0.0.0.0/0"]}}))
    result = runner.invoke(app, ["plan", "--stack", "open", "--project-dir", str(project)])
    assert result.exit_code == 2 and "dsvm:access.allowed_cidrs" in result.output


def test_arm_error_exits_2_with_its_code(tmp_path: Path) -> None:
    project = make_project(tmp_path, "gpu", dev_config(**{"azure-native:location": "eastus",
                                                          "dsvm:vm_size": "Standard_NC4as_T4_v3"}))
    result = runner.invoke(app, ["plan", "--stack", "gpu", "--project-dir", str(project), "--quota-profile", "free"])
    assert result.exit_code == 2
    assert "QuotaExceeded" in result.output and "Traceback" not in result.output
    ok = runner.invoke(app, ["plan", "--stack", "gpu", "--project-dir", str(project), "--json",
                             "--quota-profile", str(ROOT / "quotas" / "example-gpu-usage.json")])
    assert ok.exit_code == 0, ok.output


def test_unknown_region_is_an_arm_error(tmp_path: Path) -> None:
    project = make_project(tmp_path, "mars", dev_config(**{"azure-native:location": "marsnorth"}))
    result = runner.invoke(app, ["plan", "--stack", "mars", "--project-dir", str(project)])
    assert result.exit_code == 2 and "LocationNotAvailableForResourceGroup" in result.output


def test_missing_stack_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", "--stack", "nope", "--project-dir", str(ROOT)])
    assert result.exit_code == 2 and "Pulumi.nope.yaml" in result.output and "dev" in result.output


def test_secure_values_stay_opaque(tmp_path: Path) -> None:
    project = make_project(tmp_path, "sec", dev_config(**{"dsvm:owner": {"secure": "v1:abcdef"}}))
    result = runner.invoke(app, ["plan", "--stack", "sec", "--project-dir", str(project), "--json"])
    assert result.exit_code == 0, result.output
    assert "v1:abcdef" not in result.output


def test_the_pulumi_entry_point_runs_the_same_program() -> None:
    """__main__.py, as `pulumi up` runs it: config from the engine, outputs exported."""
    import runpy

    import pulumi

    from dsvmctl.project import read_stack
    from fakeazure import FakeAzure, run_program

    config = read_stack(ROOT, "dev").config
    run = run_program(lambda: runpy.run_path(str(ROOT / "__main__.py")) and {}, FakeAzure(), config=config)
    assert len([r for r in run.records if r.type == "azure-native:compute:VirtualMachine"]) == 2
    bad = dict(config, **{"dsvm:members": json.dumps([{"username": "Alice"}])})
    with pytest.raises(pulumi.RunError, match=r"dsvm:members\[0\].username"):
        run_program(lambda: runpy.run_path(str(ROOT / "__main__.py")) and {}, FakeAzure(), config=bad)


def test_help_cites_only_documents_the_project_has() -> None:
    """`--help` once sent users to a DESIGN.md that is not in the project."""
    import re

    from tests.helpers import ROOT, runner

    for command in ([], ["plan"], ["diff"], ["up"], ["quota"], ["connect"], ["images"], ["arm"], ["promote"],
                    ["state", "reset"], ["state", "unlock"]):  # fmt: skip
        output = runner.invoke(app, [*command, "--help"]).output
        for cited in re.findall(r"([\w/]+\.md)", " ".join(output.split())):
            assert (ROOT / cited).is_file() or (ROOT / "docs" / cited).is_file(), (command, cited)
