"""`dsvmctl bootstrap`: the script an administrator runs once (docs/GITOPS.md, 'Bootstrap').

It is run under stand-ins for az, gh and pulumi (tests/dsvmctl/fake_cli.py) twice: the first run sets up the
subscription's roles, per stack identities scoped to its resource groups and GitHub environments, the ruleset and the
Pulumi stacks; the second changes nothing. The deploy identity's ABAC condition lists exactly the roles the program
assigns, each to the principal type it assigns them to.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from azurefacts.subscription_roles import SUBSCRIPTION_ROLES, assigned, role_body, role_guid
from dsvmctl.bootstrap import abac_condition
from dsvmctl.plan import make_plan
from tests.dsvmctl.fake_cli import EMPTY
from tests.helpers import ROOT, runner, ssh_key
from tests.stacks.gpu_rig.test_gpu_rig import REACHABLE

SUB = "11111111-2222-4333-8444-555555555555"
REPO = "contoso/dsvm"
FAKE = Path(__file__).with_name("fake_cli.py")
STACKS = ["dev", "gpu", "staging", "prod"]


def script(*extra: str, project: Path = ROOT) -> tuple[int, str]:
    from dsvmctl.cli import app

    args = ["bootstrap", "--repo", REPO, "--subscription", SUB, "--pulumi-org", "contoso", "--project-dir",
            str(project), *extra]  # fmt: skip
    result = runner.invoke(app, args)
    return result.exit_code, result.output


@pytest.fixture
def run(tmp_path: Path) -> Any:
    """Run the bootstrap script for STACKS under the fake CLIs; returns a function that runs it and the state."""
    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("az", "gh", "pulumi"):
        (tools / tool).write_text(f"#!/bin/sh\nexec {sys.executable} {FAKE} {tool} \"$@\"\n")
        (tools / tool).chmod(0o755)
    work = tmp_path / "work"  # the project directory the script runs in (it writes the Pulumi OIDC policy there)
    work.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", work / "Pulumi.yaml")
    state = tmp_path / "state.json"
    code, text = script(*[a for s in STACKS for a in ("--stack", s)], "--reviewers-team-id", "7")
    assert code == 0, text
    path = tmp_path / "bootstrap.sh"
    path.write_text(text)

    def go(seed: dict[str, Any] | None = None) -> dict[str, Any]:
        if seed is not None:
            state.write_text(json.dumps(seed))
        env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}", "FAKE_CLI_STATE": str(state)}
        done = subprocess.run(["bash", str(path)], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        return json.loads(state.read_text())  # type: ignore[no-any-return]

    return go


def changes(state: dict[str, Any], since: int = 0) -> list[str]:
    return [" ".join(e["call"][:4]) for e in state["log"][since:] if e["effect"] in ("create", "delete")]


def test_the_script_sets_everything_up_once_and_a_second_run_changes_nothing(run: Any, tmp_path: Path) -> None:
    first = run()
    assert changes(first)
    before = len(first["log"])
    second = run()
    assert changes(second, before) == []
    policy = json.loads((tmp_path / "work" / "pulumi-oidc-policy.json").read_text())
    teams = {p["teamName"]: p["rules"]["sub"] for p in policy["policies"]}
    assert teams["dsvm-prod-deploy"] == f"repo:{REPO}:environment:prod" and len(teams) == 2 * len(STACKS)


def test_the_subscription_gets_its_idle_roles_under_the_ids_the_stacks_use(run: Any) -> None:
    state = run()
    for role in SUBSCRIPTION_ROLES:
        url = f"https://management.azure.com/subscriptions/{SUB}/providers/Microsoft.Authorization/roleDefinitions/" \
              f"{role_guid(SUB, role)}"  # fmt: skip
        assert state["roles"][url] == role_body(SUB, role)


def test_each_identity_holds_its_roles_on_its_own_groups_only(run: Any) -> None:
    old = {"principal": "sp-app-0000", "role": "Contributor", "scope": f"/subscriptions/{SUB}", "condition": None,
           "id": "ra-old"}  # the setup this replaces: Contributor on the whole subscription  # fmt: skip
    seed = {"apps": {"dsvm-dev-deploy": {"appId": "app-0000", "sp": "sp-app-0000"}}, "assignments": [old]}
    state = run({**json.loads(json.dumps(EMPTY)), **seed})
    sp = {name: app["sp"] for name, app in state["apps"].items()}
    groups = {"dev": "rg-dsvm-dev", "gpu": "rg-dsvm-gpu", "staging": "rg-dsvm-staging", "prod": "rg-datascience-prod"}
    held = {(a["principal"], a["role"], a["scope"]): a["condition"] for a in state["assignments"]}
    expected = {}
    for stack, group in groups.items():
        scope = f"/subscriptions/{SUB}/resourceGroups/{group}"
        expected[(sp[f"dsvm-{stack}-deploy"], "Contributor", scope)] = None
        expected[(sp[f"dsvm-{stack}-deploy"], "Role Based Access Control Administrator", scope)] = abac_condition(SUB)
        expected[(sp[f"dsvm-{stack}-preview"], "Reader", scope)] = None
    assert held == expected  # nothing on the subscription (the old grant is gone), nothing on another stack's group
    assert state["groups"] == {g: loc for g, loc in zip(groups.values(), ["westeurope", "eastus", "northeurope",
                                                                            "swedencentral"], strict=True)}
    for stack in groups:
        app = state["apps"][f"dsvm-{stack}-deploy"]["appId"]
        (credential,) = state["credentials"][app].values()
        assert credential["subject"] == f"repo:{REPO}:environment:{stack}"
        assert credential["audiences"] == ["api://AzureADTokenExchange"]


def test_github_environments_deploy_from_main_and_promotion_targets_wait_for_a_reviewer(run: Any) -> None:
    state = run()
    envs, policies = state["environments"], state["branch_policies"]
    for stack in STACKS:
        assert envs[stack]["deployment_branch_policy"] == {"protected_branches": False, "custom_branch_policies": True}
        assert policies[stack] == ["main"]
    assert envs["prod"]["reviewers"] == [{"type": "Team", "id": 7}] and "reviewers" not in envs["dev"]
    # No pull request may use a promotion target's read identity; the others' previews run on any branch.
    assert policies["prod-preview"] == ["main"] and envs["dev-preview"]["deployment_branch_policy"] is None
    variables = state["variables"]
    assert variables["prod:ARM_CLIENT_ID"] == state["apps"]["dsvm-prod-deploy"]["appId"]
    assert variables["prod-preview:ARM_CLIENT_ID"] == state["apps"]["dsvm-prod-preview"]["appId"]
    assert json.loads(variables[":DEPLOY_STACKS"]) == ["dev", "gpu", "staging", "prod"]
    assert json.loads(variables[":AZURE_PREVIEW_STACKS"]) == ["dev", "gpu"]
    assert set(state["labels"]) == {"drift", "pending-deployment"}  # drift.yml files its issues under them
    (ruleset,) = state["rulesets"].values()
    rules = {r["type"]: r.get("parameters") for r in ruleset["rules"]}
    assert {"deletion", "non_fast_forward", "pull_request", "required_status_checks"} == set(rules)
    checks = [c["context"] for c in rules["required_status_checks"]["required_status_checks"]]
    pr = yaml.safe_load((ROOT / ".github" / "workflows" / "pr.yml").read_text())
    assert set(checks) <= {job["name"] for job in pr["jobs"].values()}  # real check names


def test_pulumi_stacks_exist_and_a_stack_that_creates_its_group_adopts_it(run: Any) -> None:
    state = run()
    assert set(state["stacks"]) == {f"contoso/{s}" for s in STACKS}
    assert state["stacks"]["contoso/dev"] == [["azure-native:resources:ResourceGroup", "rg-dsvm-dev"]]
    assert state["stacks"]["contoso/prod"] == []  # prod deploys into a group made outside the stack


def test_the_condition_lists_exactly_what_the_program_assigns(tmp_path: Path) -> None:
    """Every (role, principal type) a team (with Entra ID login), a rig and a scale-out stack assign is in the
    condition, and the condition allows nothing the program never assigns."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    dev = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    dev["dsvm:members"][0].update(entra_login_enabled=True, entra_object_id="0f0f0f0f-1111-4222-8333-444444444444")
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": dev}))
    for stack in ("gpu", "classroom"):
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    shutil.copytree(ROOT / "rosters", tmp_path / "rosters")
    used = set()
    for stack in ("dev", "gpu", "classroom"):
        for r in make_plan(tmp_path, stack).to_json()["resources"]:
            if r["type"] == "azure-native:authorization:RoleAssignment":
                used.add((r["inputs"]["roleDefinitionId"].rsplit("/", 1)[1], r["inputs"]["principalType"]))
    sub = "00000000-0000-4000-8000-000000000001"
    assert used == set(assigned(sub).items())
    condition = abac_condition(sub)
    for guid, kind in used:
        assert guid in condition and f"{{'{kind}'}}" in condition
    assert condition.count("ForAnyOfAnyValues:GuidEquals") == 4  # write and delete, per principal type


def test_bad_arguments_name_the_fix() -> None:
    assert script("--stack", "dev", project=ROOT)[0] == 0  # no promotion target: no reviewers needed
    code, text = script("--stack", "prod")
    assert code == 2 and "--reviewers-team-id" in text
    from dsvmctl.cli import app

    result = runner.invoke(app, ["bootstrap", "--repo", "not a repo", "--subscription", SUB])
    assert result.exit_code == 2 and "OWNER/REPO" in result.output
    result = runner.invoke(app, ["bootstrap", "--repo", REPO, "--subscription", "mine"])
    assert result.exit_code == 2 and "not a subscription id" in result.output


def test_an_invalid_stack_names_its_file(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    config = {"dsvm:kind": "team", "azure-native:location": "westeurope",
              "dsvm:members": [{"username": "Alice", "ssh_public_key": ssh_key("a")}]}  # fmt: skip
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": config}))
    code, text = script("--stack", "dev", project=tmp_path)
    assert code == 2 and "Pulumi.dev.yaml" in text and "Traceback" not in text


def test_the_script_is_written_executable(tmp_path: Path) -> None:
    code, _ = script("--stack", "dev", "--output", str(tmp_path / "b.sh"))
    assert code == 0 and os.access(tmp_path / "b.sh", os.X_OK)
    assert subprocess.run(["bash", "-n", str(tmp_path / "b.sh")], check=False).returncode == 0


def test_existing_resources_a_stack_writes_to_are_granted_alone(tmp_path: Path) -> None:
    """A rig attaching to a shared AzureML workspace gets Contributor on that workspace, not on its group; a workspace
    in another subscription is refused with what to do."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    gpu = yaml.safe_load((ROOT / "Pulumi.gpu.yaml").read_text())
    workspace = f"/subscriptions/{SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ml"
    gpu["config"]["dsvm:azureml"] = {"workspace_id": workspace}
    gpu["config"]["dsvm:access"] = REACHABLE  # AzureML reaches a rig over SSH at a public IP (docs/GPU.md)
    (tmp_path / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(gpu))
    code, text = script("--stack", "gpu", project=tmp_path)
    assert code == 0, text
    assert f'ensure_role "$DEPLOY_SP" Contributor {workspace}' in text
    assert f'ensure_role "$READ_SP" Reader {workspace}' in text
    assert f"/subscriptions/{SUB}/resourceGroups/rg-ml\n" not in text and "rg-ml " not in text
    gpu["config"]["dsvm:azureml"] = {"workspace_id": workspace.replace(SUB, "99999999-2222-4333-8444-555555555555")}
    (tmp_path / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(gpu))
    code, text = script("--stack", "gpu", project=tmp_path)
    assert code == 2 and "dsvm:azureml.workspace_id is in subscription 99999999" in " ".join(text.split())
