"""A plan that breaks a mandatory rule: ``dsvmctl plan`` and ``diff`` exit ``EXIT_POLICY`` (4), naming
the rule, the resource and the fix; the PR comment lists the findings."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from dsvmctl.options import EXIT_BAD_INPUT, EXIT_EMULATOR, EXIT_POLICY, EXIT_REFUSED
from tests.helpers import ROOT

runner = CliRunner()
FIX = "set dsvm:owner and dsvm:cost_center, and do not blank them out in dsvm:tags"


def project_with_blank_cost_center(tmp_path: Path) -> Path:
    """The dev stack with its cost-center tag blanked out through dsvm:tags (the config allows it)."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    stack: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())
    stack["config"]["dsvm:tags"] = {"cost-center": ""}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump(stack))
    return tmp_path


def test_exit_policy_is_distinct() -> None:
    assert EXIT_POLICY == 4
    assert EXIT_POLICY not in {0, 1, EXIT_BAD_INPUT, EXIT_REFUSED, EXIT_EMULATOR}


def test_plan_exits_with_the_policy_code_and_names_rule_resource_and_fix(tmp_path: Path) -> None:
    project = project_with_blank_cost_center(tmp_path)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project)])
    assert result.exit_code == EXIT_POLICY, result.output
    assert "Traceback" not in result.output
    line = next(x for x in result.output.splitlines() if x.startswith("policy violation") and "alice-vm" in x)
    assert line == (
        f"policy violation [required-tags] VirtualMachine alice-vm: tag cost-center is missing or empty. Fix: {FIX}"
    )


def test_plan_json_keeps_stdout_a_document_and_still_fails(tmp_path: Path) -> None:
    project = project_with_blank_cost_center(tmp_path)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project), "--json"])
    assert result.exit_code == EXIT_POLICY
    document = json.loads(result.stdout)
    finding = next(f for f in document["policy"] if f["resource"] == "ResourceGroup rg-dsvm-dev")
    assert finding == {
        "policy": "required-tags", "urn": finding["urn"], "resource": "ResourceGroup rg-dsvm-dev",
        "enforcement": "mandatory", "message": "tag cost-center is missing or empty", "fix": FIX,
    }  # fmt: skip
    assert finding["urn"].endswith("azure-native:resources:ResourceGroup::rg-dsvm-dev")
    assert "policy violation [required-tags] ResourceGroup rg-dsvm-dev" in result.stderr


def test_diff_markdown_shows_the_findings_and_fails(tmp_path: Path) -> None:
    project = project_with_blank_cost_center(tmp_path)
    result = runner.invoke(app, ["diff", "--stack", "dev", "--project-dir", str(project), "--markdown",
                                 "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == EXIT_POLICY
    assert "policy finding(s)** (policy/" in result.stdout
    assert f"> - ⛔ [required-tags] Disk alice-data-disk: tag cost-center is missing or empty. Fix: {FIX}" in (
        result.stdout
    )


def test_a_clean_stack_plans_with_exit_0() -> None:
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    assert "policy violation" not in result.output
