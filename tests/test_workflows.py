"""The GitHub workflows (.github/workflows/, docs/GITOPS.md): valid, OIDC-only, pinned, and wired as documented.

Validation uses check-jsonschema's vendored GitHub workflow schema (offline); the rest reads
the YAML: Azure login by OIDC from ``vars.*`` with ``id-token: write`` and no Azure secret,
every action pinned to a full commit, CI running the README's ``make test``, one concurrency
group per stack around ``pulumi up``, the PR comment from ``dsvmctl diff --markdown``.
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
ARM_VARS = ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
PULUMI_ACTION = "pulumi/actions@"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(data, dict)
    if True in data:  # YAML 1.1 reads the key `on` as a boolean
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(job id, job, step) of every step."""
    return [(name, job, step) for name, job in workflow["jobs"].items() for step in job.get("steps", [])]


def azure_steps(workflow: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(n, j, s) for n, j, s in steps(workflow) if "ARM_USE_OIDC" in (s.get("env") or {})]


def test_the_four_workflows_exist() -> None:
    assert [f.name for f in FILES] == ["ci.yml", "drift.yml", "preview.yml", "promote.yml"]


def test_every_workflow_validates_against_the_github_schema() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (requirements-dev.txt)")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", ["preview.yml", "promote.yml", "drift.yml"])
def test_azure_login_is_oidc_from_variables(name: str) -> None:
    workflow = load(name)
    found = azure_steps(workflow)
    assert found, f"{name} never logs in to Azure"
    for job_name, job, step in found:
        env = step["env"]
        assert env["ARM_USE_OIDC"] == "true", (job_name, step.get("name"))
        for var in ARM_VARS:
            assert env[var] == f"${{{{ vars.{var} }}}}", (job_name, var)
        permissions = job.get("permissions", workflow.get("permissions"))
        assert permissions["id-token"] == "write" and permissions["contents"] == "read", job_name
        assert "environment" in job, f"{name}:{job_name} logs in to Azure outside a GitHub Environment"
    assert workflow["permissions"]["id-token"] == "write" and workflow["permissions"]["contents"] == "read"


@pytest.mark.parametrize("name", ["preview.yml", "promote.yml"])
def test_pull_request_and_promotion_workflows_may_comment(name: str) -> None:
    assert load(name)["permissions"]["pull-requests"] == "write"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_secret_is_an_azure_credential(path: Path) -> None:
    text = path.read_text()
    assert set(re.findall(r"secrets\.(\w+)", text)) <= {"PULUMI_ACCESS_TOKEN"}
    for credential in ("ARM_CLIENT_SECRET", "AZURE_CREDENTIALS", "AZURE_CLIENT_SECRET", "client-secret", "creds:"):
        assert credential not in text, credential


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    uses = [line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines() if "uses:" in line]
    assert uses
    for action in uses:
        assert PINNED.match(action), f"{path.name}: {action} (pin a full commit SHA with a `# vX.Y.Z` comment)"


def test_pulumi_actions_is_the_current_major() -> None:
    """DESIGN.md section 11: pulumi/actions is at v7 (v7.0.0 is commit 8e5e406f)."""
    found = {line.split("uses:", 1)[1].strip() for f in FILES for line in f.read_text().splitlines()
             if PULUMI_ACTION in line}
    assert found == {"pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0"}


def test_ci_runs_exactly_the_readme_test_command() -> None:
    assert "\nmake test\n" in (ROOT / "README.md").read_text()
    workflow = load("ci.yml")
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert [s["run"] for _, _, s in steps(workflow) if "run" in s] == ["make test"]


def test_preview_posts_the_offline_diff_and_runs_the_policy_pack_against_azure() -> None:
    workflow = load("preview.yml")
    assert list(workflow["on"]) == ["pull_request"]
    diff = next(s for _, _, s in steps(workflow) if s.get("id") == "diff")
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert '.venv/bin/dsvmctl diff --stack "$stack" --markdown --base-ref "origin/${BASE_REF}"' in diff["run"]
    (preview,) = [s for _, _, s in steps(workflow) if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert preview["with"]["command"] == "preview" and preview["with"]["policyPacks"] == "policy"
    assert workflow["jobs"]["azure"]["environment"] == "${{ matrix.stack }}-preview"


def test_promote_goes_dev_staging_prod_each_in_its_environment_and_concurrency_group() -> None:
    workflow = load("promote.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    ups = {name: job for name, job in jobs.items()
           if any(s.get("with", {}).get("command") == "up" for s in job.get("steps", []))}
    assert list(ups) == ["dev", "staging", "prod"]
    groups = set()
    for stack, job in ups.items():
        assert job["environment"] == stack
        assert job["concurrency"] == {"group": f"pulumi-up-{stack}", "cancel-in-progress": False}
        groups.add(job["concurrency"]["group"])
        (up,) = [s for s in job["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
        assert up["with"]["policyPacks"] == "policy" and stack in up["with"]["stack-name"]
        assert any(s.get("run") == f".venv/bin/dsvmctl plan --stack {stack}" for s in job["steps"])
    assert len(groups) == 3
    assert "dev" in jobs["staging"]["needs"] and "staging" in jobs["prod"]["needs"]


def test_drift_is_scheduled_and_opens_an_issue() -> None:
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"]
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["issues"] == "write"
    preview = next(s for s in job["steps"] if s.get("uses", "").startswith(PULUMI_ACTION))
    assert preview["with"]["expect-no-changes"] is True and preview["with"]["command"] == "preview"
    runs = "\n".join(s.get("run", "") for s in job["steps"])
    assert "pulumi refresh" in runs and "--preview-only" in runs and "--expect-no-changes" in runs
    assert "gh issue create" in runs
