"""The GitHub workflows (.github/workflows/, docs/GITOPS.md): valid, OIDC-only, pinned, safe with forks, wired as
documented.

Validation uses check-jsonschema's vendored GitHub workflow schema (offline); the rest reads the YAML:
Azure login by OIDC from ``vars.*`` with ``id-token: write`` and no Azure secret, every action pinned to a
full commit, no ``pull_request_target``, no secret or OIDC token within reach of a fork's pull request, one
concurrency group per stack around ``pulumi up``, the PR comment from ``dsvmctl diff --markdown`` kept as one
comment, promotion by ``dsvmctl promote`` in a pull request, drift by ``pulumi preview --refresh
--expect-no-changes``. The helper modules the workflows call (``dsvmctl.affected``, ``dsvmctl.drift``) are
tested at the end.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsvmctl.affected import affected
from dsvmctl.drift import drifted, report
from dsvmctl.drift import main as drift_main
from tests.helpers import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"
FILES = sorted(WORKFLOWS.glob("*.yml"))
ARM_VARS = ("ARM_CLIENT_ID", "ARM_TENANT_ID", "ARM_SUBSCRIPTION_ID")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$")
PULUMI_ACTION = "pulumi/actions@"
SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository"


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


def runs(job: dict[str, Any]) -> str:
    return "\n".join(s["run"] for s in job.get("steps", []) if "run" in s)


def test_the_workflows_are_the_ones_the_issue_names() -> None:
    assert [f.name for f in FILES] == ["deploy.yml", "drift.yml", "pr-comment.yml", "pr.yml", "promote.yml"]


def test_every_workflow_validates_against_the_github_schema() -> None:
    if importlib.util.find_spec("check_jsonschema") is None:
        pytest.skip("check-jsonschema is not installed (requirements-dev.txt)")
    done = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", *map(str, FILES)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


# -- Azure: OIDC only ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["pr.yml", "deploy.yml", "drift.yml"])
def test_azure_login_is_oidc_from_variables_in_an_environment(name: str) -> None:
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


@pytest.mark.parametrize("name", ["pr.yml", "pr-comment.yml", "promote.yml"])
def test_workflows_without_azure_get_no_oidc_token(name: str) -> None:
    workflow = load(name)
    for job_name, job in workflow["jobs"].items():
        if not [s for s in job.get("steps", []) if "ARM_USE_OIDC" in (s.get("env") or {})]:
            permissions = job.get("permissions", workflow.get("permissions"))
            assert "id-token" not in permissions, f"{name}:{job_name}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_secret_is_an_azure_credential(path: Path) -> None:
    text = path.read_text()
    assert set(re.findall(r"secrets\.(\w+)", text)) <= {"PULUMI_ACCESS_TOKEN", "PROMOTE_TOKEN"}
    for credential in ("ARM_CLIENT_SECRET", "AZURE_CREDENTIALS", "AZURE_CLIENT_SECRET", "client-secret", "creds:"):
        assert credential not in text, credential


# -- forks ------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_pull_request_target(path: Path) -> None:
    workflow = load(path.name)
    assert "pull_request_target" not in workflow["on"]
    assert "pull_request_target" not in path.read_text()


def test_jobs_of_pull_requests_that_use_secrets_or_oidc_run_for_this_repository_only() -> None:
    workflow = load("pr.yml")
    assert list(workflow["on"]) == ["pull_request"]
    for name, job in workflow["jobs"].items():
        text = yaml.safe_dump(job)
        if "secrets." in text or job.get("permissions", {}).get("id-token") == "write":
            assert SAME_REPOSITORY in job.get("if", ""), f"pr.yml:{name} would hand a fork's code a secret"
        else:
            assert "secrets." not in text


def test_the_comment_poster_never_runs_pull_request_code() -> None:
    """pr-comment.yml runs with a token that may comment: it reads pr.yml's artifact as text, nothing else."""
    workflow = load("pr-comment.yml")
    assert workflow["on"] == {"workflow_run": {"workflows": ["pr"], "types": ["completed"]}}
    assert workflow["permissions"] == {"actions": "read", "pull-requests": "write"}
    (job,) = workflow["jobs"].values()
    uses = [s.get("uses", "").split("@")[0] for s in job["steps"]]
    assert uses == ["actions/download-artifact", "actions/github-script"]
    assert not any("run" in s for s in job["steps"])
    script = job["steps"][1]["with"]["script"]
    assert "pr.head.sha !== process.env.HEAD_SHA" in script  # only on the pull request the run was for
    assert "/^[0-9]+$/.test(text)" in script


def test_a_pull_requests_code_never_runs_with_write_access() -> None:
    for path in FILES:
        workflow = load(path.name)
        if "pull_request" not in workflow["on"]:
            continue
        for name, job in workflow["jobs"].items():
            permissions = job.get("permissions", workflow.get("permissions"))
            assert permissions.get("contents") == "read", f"{path.name}:{name}"
            assert permissions.get("pull-requests") != "write" or SAME_REPOSITORY in job.get("if", ""), name


# -- pins -------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit(path: Path) -> None:
    uses = [line.split("uses:", 1)[1].strip() for line in path.read_text().splitlines() if "uses:" in line]
    assert uses
    for action in uses:
        assert PINNED.match(action), f"{path.name}: {action} (pin a full commit SHA with a `# vX.Y.Z` comment)"


def test_each_action_has_one_pin_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for path in FILES:
        for line in path.read_text().splitlines():
            if "uses:" in line:
                action, _, pin = line.split("uses:", 1)[1].strip().partition("@")
                pins.setdefault(action, set()).add(pin)
    assert {a: p for a, p in pins.items() if len(p) > 1} == {}


def test_pulumi_actions_is_the_current_major() -> None:
    """DESIGN.md section 11: pulumi/actions is at v7 (v7.0.0 is commit 8e5e406f)."""
    found = {line.split("uses:", 1)[1].strip() for f in FILES for line in f.read_text().splitlines()
             if PULUMI_ACTION in line}  # fmt: skip
    assert found == {"pulumi/actions@8e5e406f4007fca908480587cb9893c07090f58d # v7.0.0"}


# -- what each workflow does ------------------------------------------------------------------------------------------
def test_tests_run_exactly_the_readme_command_on_pull_requests_and_before_deploying() -> None:
    assert "\nmake test\n" in (ROOT / "README.md").read_text()
    for name in ("pr.yml", "deploy.yml"):
        job = load(name)["jobs"]["test"]
        assert runs(job) == "make test"
    assert load("deploy.yml")["jobs"]["stacks"]["needs"] == "test"


def test_pr_posts_one_offline_comment_with_the_diff_policy_and_cost() -> None:
    workflow = load("pr.yml")
    offline = workflow["jobs"]["offline"]
    diff = next(s for s in offline["steps"] if s.get("id") == "diff")
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert '.venv/bin/dsvmctl diff --stack "$stack" --markdown --base-ref "origin/${BASE_REF}"' in diff["run"]
    assert "echo '<!-- dsvmctl-diff -->'" in diff["run"]  # the marker pr-comment.yml finds it by
    assert "-eq 1" in diff["run"]  # a mandatory policy violation (exit 1)
    assert "python -m dsvmctl.affected" in runs(offline)
    upload = next(s for s in offline["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "pr-comment" and upload["if"] == "always()"
    script = load("pr-comment.yml")["jobs"]["comment"]["steps"][1]["with"]["script"]
    assert "updateComment" in script and "createComment" in script and "const marker = '<!-- dsvmctl-diff -->'" in (
        script
    )


def test_pr_previews_against_azure_with_the_policy_pack_and_comments() -> None:
    workflow = load("pr.yml")
    azure = workflow["jobs"]["azure"]
    (preview,) = [s for s in azure["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert preview["with"]["command"] == "preview" and preview["with"]["policyPacks"] == "policy"
    assert preview["with"]["comment-on-pr"] is True and preview["with"]["edit-pr-comment"] is True
    assert azure["environment"] == "${{ matrix.stack }}-preview"
    assert SAME_REPOSITORY in azure["if"]


def test_deploy_ups_each_stack_in_its_own_concurrency_group_in_order() -> None:
    workflow = load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    up = workflow["jobs"]["up"]
    assert up["strategy"]["matrix"]["stack"] == "${{ fromJSON(needs.stacks.outputs.stacks) }}"
    assert up["strategy"]["max-parallel"] == 1 and up["strategy"]["fail-fast"] is True
    assert up["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}
    assert up["environment"] == "${{ matrix.stack }}"
    (pulumi,) = [s for s in up["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert pulumi["with"]["command"] == "up" and pulumi["with"]["policyPacks"] == "policy"
    assert '.venv/bin/dsvmctl plan --stack "$STACK"' in runs(up)
    assert "python -m dsvmctl.affected" in runs(workflow["jobs"]["stacks"])


def test_promote_opens_a_pull_request_per_promotion() -> None:
    workflow = load("promote.yml")
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    assert job["concurrency"] == {"group": "promote-${{ matrix.target }}", "cancel-in-progress": False}
    text = runs(job)
    assert '.venv/bin/dsvmctl promote "$SOURCE" "$TARGET" --check' in text
    assert '.venv/bin/dsvmctl promote "$SOURCE" "$TARGET" |' in text
    pr = next(s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pr["with"]["add-paths"] == "Pulumi.${{ matrix.target }}.yaml"
    assert pr["with"]["branch"] == "promote/${{ matrix.source }}-to-${{ matrix.target }}"
    include = job["strategy"]["matrix"]["include"]
    assert '{"source": "dev", "target": "staging"}, {"source": "staging", "target": "prod"}' in include


def test_drift_previews_with_refresh_expecting_no_changes_and_names_the_resources() -> None:
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"]
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "${{ matrix.stack }}-preview"
    assert job["concurrency"]["group"] == "drift-${{ matrix.stack }}"
    assert job["permissions"]["issues"] == "write"
    text = runs(job)
    assert 'pulumi preview --stack "$STACK" --refresh --expect-no-changes --json' in text
    assert ".venv/bin/python -m dsvmctl.drift preview.json" in text
    assert "gh issue create" in text and "exit 1" in text


# -- the helpers the workflows call -----------------------------------------------------------------------------------
STACKS = ["classroom", "dev", "gpu", "hackathon", "prod", "staging"]


@pytest.mark.parametrize(
    ("changed", "expected"),
    [
        (["Pulumi.staging.yaml"], ["staging"]),
        (["Pulumi.dev.yaml", "docs/GITOPS.md", "tests/test_x.py"], ["dev"]),
        (["README.md", ".github/workflows/pr.yml", "bench/run.py"], []),
        (["components/storage.py"], ["classroom", "dev", "gpu", "hackathon", "staging", "prod"]),
        (["rosters/classroom.csv", "Pulumi.prod.yaml"], ["classroom", "dev", "gpu", "hackathon", "staging", "prod"]),
        (["Pulumi.prod.yaml", "Pulumi.staging.yaml", "Pulumi.qa.yaml"], ["staging", "prod"]),
    ],
)
def test_affected_stacks_in_deployment_order(changed: list[str], expected: list[str]) -> None:
    assert affected(changed, STACKS) == expected


def test_affected_reads_git_and_the_allowed_stacks(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dsvmctl.affected", "--base", "no-such-ref", "--only", '["prod", "dev", "qa"]',
         "--project-dir", str(ROOT)],
        capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    assert json.loads(done.stdout) == ["dev", "prod"]  # an unknown base: every allowed stack, in order


PREVIEW = {
    "steps": [
        {"op": "same", "urn": "urn:pulumi:dev::dsvm::azure-native:resources:ResourceGroup::rg-dsvm-dev"},
        {"op": "update", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Network$azure-native:network:"
         "NetworkSecurityGroup::dsvm-dev-nsg", "diffReasons": ["securityRules"]},
        {"op": "create-replacement", "urn": "urn:pulumi:dev::dsvm::dsvm:components:DataDisk$azure-native:compute:"
         "Disk::alice-data-disk", "replaceReasons": ["diskSizeGB"]},
        {"op": "replace", "urn": "urn:pulumi:dev::dsvm::dsvm:components:DataDisk$azure-native:compute:"
         "Disk::alice-data-disk"},
        {"op": "delete-replaced", "urn": "urn:pulumi:dev::dsvm::dsvm:components:DataDisk$azure-native:compute:"
         "Disk::alice-data-disk"},
        {"op": "create", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Workstation$azure-native:devtestlab:"
         "GlobalSchedule::alice-shutdown"},
    ],
    "changeSummary": {"same": 1, "update": 1, "replace": 1, "create": 1},
}  # fmt: skip


def test_drift_names_each_resource_once() -> None:
    assert drifted(PREVIEW) == [
        ("update", "NetworkSecurityGroup", "dsvm-dev-nsg", ["securityRules"]),
        ("replace", "Disk", "alice-data-disk", ["diskSizeGB"]),
        ("create", "GlobalSchedule", "alice-shutdown", []),
    ]
    assert report("dev", drifted(PREVIEW)).splitlines() == [
        "**3 resource(s) of stack `dev` drifted from the program:**",
        "",
        "- `update` NetworkSecurityGroup `dsvm-dev-nsg` (securityRules)",
        "- `replace` Disk `alice-data-disk` (diskSizeGB)",
        "- `create` GlobalSchedule `alice-shutdown`",
    ]


def test_drift_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "preview.json"
    path.write_text(json.dumps(PREVIEW))
    assert drift_main([str(path), "dev"]) == 1
    assert "::error title=drift in dev::update NetworkSecurityGroup dsvm-dev-nsg: securityRules" in (
        capsys.readouterr().err
    )
    path.write_text(json.dumps({"steps": PREVIEW["steps"][:1]}))
    assert drift_main([str(path), "dev"]) == 0
    path.write_text("error: could not log in")
    assert drift_main([str(path), "dev"]) == 2
