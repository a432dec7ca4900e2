"""The helpers the workflows call (docs/GITOPS.md): which stacks to deploy, what each stage deployed, drift, the Azure
preview's comment, and a promotion only of what its source runs. Synthetic inputs: the CLI's JSON, GitHub's
deployments, small git repositories."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from dsvmctl import deployments, drift, preview_comment
from dsvmctl.affected import affected, affected_since
from dsvmctl.promote import PromoteError
from dsvmctl.promote_source import check_source_deployed
from tests.helpers import ROOT, runner

STACKS = ["classroom", "dev", "gpu", "hackathon", "prod", "staging"]


# -- which stacks -----------------------------------------------------------------------------------------------------
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


def test_affected_reads_git_the_allowed_stacks_and_leaves_out_promotion_targets() -> None:
    def run(*extra: str) -> Any:
        done = subprocess.run([sys.executable, "-m", "dsvmctl.affected", "--base", "no-such-ref", "--project-dir",
                               str(ROOT), *extra], capture_output=True, text=True, check=True, cwd=ROOT)  # fmt: skip
        return json.loads(done.stdout)

    assert run("--only", '["prod", "dev", "qa"]') == ["dev", "prod"]  # an unknown base: every allowed stack, in order
    assert run("--only", '["prod", "dev", "staging"]', "--no-promotion-targets") == ["dev"]


def git(directory: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args], cwd=directory,
                          capture_output=True, text=True, check=True)  # fmt: skip
    return done.stdout.strip()


def repository(tmp_path: Path) -> Path:
    """A git repository holding a copy of the project's stack files and Pulumi.yaml, committed once."""
    directory = tmp_path / "repo"
    directory.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, directory / name)
    (directory / "components").mkdir()
    (directory / "components" / "x.py").write_text("x = 1\n")
    git(directory, "init", "-q", "-b", "main")
    git(directory, "add", "-A")
    git(directory, "commit", "-q", "-m", "first")
    return directory


def commit(directory: Path, path: str, text: str) -> str:
    (directory / path).write_text(text)
    git(directory, "commit", "-q", "-am", f"change {path}")
    return git(directory, "rev-parse", "HEAD")


def test_each_stack_is_compared_with_its_own_last_deployment(tmp_path: Path) -> None:
    """Issue 23 item 11: staging's deployment of the first commit was refused; the next push touches only dev, and
    staging is still deployed. A stack never deployed, or whose commit git does not know, is deployed too."""
    directory = repository(tmp_path)
    first = git(directory, "rev-parse", "HEAD")
    second = commit(directory, "Pulumi.staging.yaml", (directory / "Pulumi.staging.yaml").read_text() + "# x\n")
    head = commit(directory, "Pulumi.dev.yaml", (directory / "Pulumi.dev.yaml").read_text() + "# y\n")
    stacks = ["dev", "staging", "prod"]
    deployed = {"dev": second, "staging": first, "prod": head}
    assert affected_since(deployed, stacks, directory) == ["dev", "staging"]  # prod runs HEAD already
    assert affected_since({"dev": head, "staging": head, "prod": None}, stacks, directory) == ["prod"]
    assert affected_since({"dev": "0" * 40, "staging": head, "prod": head}, stacks, directory) == ["dev"]
    code = commit(directory, "components/x.py", "x = 2\n")  # the program: every stack not at this commit
    assert affected_since({"dev": code, "staging": head, "prod": head}, stacks, directory) == ["staging", "prod"]
    (tmp_path / "deployed.json").write_text(json.dumps({"dev": code, "staging": code, "prod": None}))
    done = subprocess.run([sys.executable, "-m", "dsvmctl.affected", "--deployed", str(tmp_path / "deployed.json"),
                           "--project-dir", str(directory)], capture_output=True, text=True, check=True, cwd=ROOT)
    assert json.loads(done.stdout) == ["prod"]


# -- what each stage deployed (GitHub's deployments) ------------------------------------------------------------------
def fake_api(history: dict[str, list[tuple[str, str, list[str]]]]) -> Any:
    """A GitHub API answering deployments per environment: (sha, created_at, [states oldest first])."""
    ids: dict[int, list[str]] = {}
    listing: dict[str, list[dict[str, Any]]] = {}
    for env, items in history.items():
        listing[env] = []
        for sha, created, states in items:
            number = len(ids) + 1
            ids[number] = states
            listing[env].append({"id": number, "sha": sha, "created_at": created})

    def api(path: str) -> Any:
        if "/statuses" in path:
            number = int(path.split("/deployments/")[1].split("/")[0])
            return [{"id": i, "state": s, "created_at": f"2026-12-01T00:00:0{i}Z"}
                    for i, s in reversed(list(enumerate(ids[number])))]  # fmt: skip
        env = path.split("environment=")[1].split("&")[0]
        return list(reversed(listing.get(env, [])))  # newest first

    return api


HISTORY = {
    "dev": [("a" * 40, "2026-11-01T00:00:00Z", ["in_progress", "success", "inactive"]),
            ("b" * 40, "2026-11-02T00:00:00Z", ["in_progress", "success"]),
            ("c" * 40, "2026-11-03T00:00:00Z", ["in_progress", "failure"])],
    "staging": [("a" * 40, "2026-11-01T00:00:00Z", ["in_progress", "success"])],
    "prod": [("a" * 40, "2026-11-01T00:00:00Z", ["waiting", "failure"])],
}  # fmt: skip


def test_the_last_successful_deployment_of_each_environment(capsys: pytest.CaptureFixture[str]) -> None:
    api = fake_api(HISTORY)
    assert deployments.last_successful(deployments.fetch("o/r", "dev", api)).sha == "b" * 40  # type: ignore[union-attr]
    assert deployments.main(["last-successful", "--repo", "o/r", "--environments", '["dev", "prod", "qa"]'], api) == 0
    assert json.loads(capsys.readouterr().out) == {"dev": "b" * 40, "prod": None, "qa": None}


def test_a_promotion_waits_for_its_sources_newest_deployment_to_succeed(capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23 item 9: dev's newest deployment failed: promoting from dev is refused, naming the state."""
    api = fake_api(HISTORY)
    assert deployments.main(["source", "--repo", "o/r", "--environment", "dev"], api) == 1
    assert "is failure, not success" in capsys.readouterr().err
    assert deployments.main(["source", "--repo", "o/r", "--environment", "qa"], api) == 1
    assert "has never been deployed" in capsys.readouterr().err
    assert deployments.main(["source", "--repo", "o/r", "--environment", "staging"], api) == 0
    assert capsys.readouterr().out.strip() == "a" * 40

    def broken(path: str) -> Any:
        raise deployments.DeploymentsError("gh api: HTTP 403")

    assert deployments.main(["source", "--repo", "o/r", "--environment", "dev"], broken) == 2


def test_promote_refuses_keys_its_source_has_not_deployed(tmp_path: Path) -> None:
    """Issue 23 item 9 in dsvmctl promote: dev's image pin changed after its last successful deployment."""
    directory = repository(tmp_path)
    deployed = git(directory, "rev-parse", "HEAD")
    check_source_deployed(directory, "dev", deployed)  # nothing changed since: fine
    config = yaml.safe_load((directory / "Pulumi.dev.yaml").read_text())
    config["config"]["dsvm:image"]["version"] = "25.09.15"
    commit(directory, "Pulumi.dev.yaml", yaml.safe_dump(config))
    with pytest.raises(PromoteError, match=r"dsvm:image\.version; deploy dev first"):
        check_source_deployed(directory, "dev", deployed)
    with pytest.raises(PromoteError, match="no successful deployment"):
        check_source_deployed(directory, "dev", "none")
    with pytest.raises(PromoteError, match="fetch-depth: 0"):
        check_source_deployed(directory, "dev", "0" * 40)
    from dsvmctl.cli import app

    result = runner.invoke(app, ["promote", "dev", "staging", "--check", "--source-deployed", deployed,
                                 "--project-dir", str(directory), "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 2 and "deploy dev first" in result.output
    head = git(directory, "rev-parse", "HEAD")
    result = runner.invoke(app, ["promote", "dev", "staging", "--check", "--source-deployed", head,
                                 "--project-dir", str(directory), "--state-dir", str(tmp_path / "state")])
    assert result.exit_code == 1 and "dsvm:image.version" in result.output  # staging is behind what dev runs


# -- drift -------------------------------------------------------------------------------------------------------------
REFRESH = {
    "steps": [
        {"op": "refresh", "urn": "urn:pulumi:dev::dsvm::azure-native:resources:ResourceGroup::rg-dsvm-dev"},
        {"op": "update", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Network$azure-native:network:"
         "NetworkSecurityGroup::dsvm-dev-nsg", "detailedDiff": {"securityRules[3]": {"kind": "add"}}},
        {"op": "delete", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Workstation$azure-native:devtestlab:"
         "GlobalSchedule::alice-shutdown"},
    ],
}  # fmt: skip
PREVIEW = {
    "steps": [
        {"op": "same", "urn": "urn:pulumi:dev::dsvm::azure-native:resources:ResourceGroup::rg-dsvm-dev"},
        {"op": "create-replacement", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Workstation$azure-native:compute:"
         "VirtualMachine::alice-vm", "replaceReasons": ["storageProfile"]},
        {"op": "replace", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Workstation$azure-native:compute:"
         "VirtualMachine::alice-vm"},
        {"op": "delete-replaced", "urn": "urn:pulumi:dev::dsvm::dsvm:components:Workstation$azure-native:compute:"
         "VirtualMachine::alice-vm"},
    ],
}  # fmt: skip
FAILED = {
    "steps": [],
    "diagnostics": [
        {"message": "refreshing the stack's resources", "severity": "info"},
        {"urn": "urn:pulumi:dev::dsvm::azure-native:compute:VirtualMachine::alice-vm", "severity": "error",
         "message": "AuthorizationFailed: The client 'x' does not have authorization to perform action "
                    "'Microsoft.Compute/virtualMachines/read'"},
    ],
}  # fmt: skip


def files(tmp_path: Path, **documents: Any) -> dict[str, Path]:
    paths = {}
    for name, document in documents.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(document if isinstance(document, str) else json.dumps(document))
    return paths


def test_drift_names_each_changed_resource_once_and_pending_changes_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = files(tmp_path, refresh=REFRESH, preview=PREVIEW)
    out = tmp_path / "github-output"
    code = drift.main(["dev", "--refresh", str(paths["refresh"]), "--preview", str(paths["preview"]),
                       "--github-output", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 1
    assert captured.out.splitlines()[:4] == [
        "**2 resource(s) of stack `dev` changed outside Pulumi (drift):**", "",
        "- `update` NetworkSecurityGroup `dsvm-dev-nsg` (securityRules[3])",
        "- `delete` GlobalSchedule `alice-shutdown`",
    ]  # fmt: skip
    assert "**1 resource(s) of stack `dev` wait for a deployment**" in captured.out
    assert "- `replace` VirtualMachine `alice-vm` (storageProfile)" in captured.out
    assert "::error title=drift in dev::update NetworkSecurityGroup dsvm-dev-nsg: securityRules[3]" in captured.err
    assert "::warning title=pending deployment of dev::replace VirtualMachine alice-vm" in captured.err
    assert out.read_text() == "drift=2\npending=1\nfailed=false\n"


def test_a_merged_change_waiting_for_approval_is_no_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23 item 7: the program differs from the state (a pending deployment) while Azure matches the state."""
    paths = files(tmp_path, refresh={"steps": REFRESH["steps"][:1]}, preview=PREVIEW)
    out = tmp_path / "github-output"
    code = drift.main(["dev", "--refresh", str(paths["refresh"]), "--preview", str(paths["preview"]),
                       "--github-output", str(out)])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 0 and "No drift in stack `dev`" in text and "wait for a deployment" in text
    assert out.read_text() == "drift=0\npending=1\nfailed=false\n"


def test_a_failed_check_is_never_no_drift(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 23 item 7: error diagnostics in the engine's JSON (or no JSON at all) fail the check with the error."""
    paths = files(tmp_path, refresh=FAILED, preview={"steps": []})
    out = tmp_path / "github-output"
    code = drift.main(["dev", "--refresh", str(paths["refresh"]), "--refresh-exit", "255", "--preview",
                       str(paths["preview"]), "--github-output", str(out)])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2 and "No drift" not in captured.out
    assert "**The check `pulumi refresh --preview-only` of stack `dev` failed: this is no verdict on drift.**" in (
        captured.out)
    assert "alice-vm: AuthorizationFailed" in captured.out
    assert "::error title=drift check failed in dev::" in captured.err
    assert "failed=true" in out.read_text()
    (tmp_path / "refresh.err").write_text("error: failed to log in: 401 Unauthorized\n")
    paths = files(tmp_path, refresh="")
    code = drift.main(["dev", "--refresh", str(paths["refresh"]), "--refresh-log", str(tmp_path / "refresh.err"),
                       "--refresh-exit", "1"])  # fmt: skip
    text = capsys.readouterr().out
    assert code == 2 and "wrote no JSON" in text and "401 Unauthorized" in text
    paths = files(tmp_path, refresh={"steps": []})  # JSON with nothing in it, but the command failed
    assert drift.main(["dev", "--refresh", str(paths["refresh"]), "--refresh-exit", "2"]) == 2
    assert "exited 2" in capsys.readouterr().out


# -- the Azure preview's comment ---------------------------------------------------------------------------------------
SUCCESS_LOG = """Previewing update (contoso/dev)
     Type                                  Name         Plan
     pulumi:pulumi:Stack                   dsvm-dev
 ~   └─ azure-native:network:NetworkSecurityGroup dsvm-dev-nsg update
Policies:
    ✅ dsvm-policy@v0.2.0 (local: policy)
Resources:
    ~ 1 to update
    29 unchanged
"""
POLICY_LOG = """Previewing update (contoso/dev)
Policies:
    ❌ dsvm-policy@v0.2.0 (local: policy)
        - [mandatory]  nsg-no-vm-ports-from-internet  (azure-native:network:NetworkSecurityGroup: dsvm-dev-nsg)
          securityRules[0] (allow-ssh-in) allows SSH (22) in from 0.0.0.0/0.
          Fix: choose access mode bastion or private

    error: preview failed
"""


def test_the_preview_comment_says_what_a_successful_preview_changes() -> None:
    text = preview_comment.render("dev", SUCCESS_LOG, 0)
    assert text.startswith("<!-- pulumi-preview:dev -->\n### ✅")
    assert "- ~ 1 to update\n- 29 unchanged" in text and "dsvm-dev-nsg update" in text


def test_the_preview_comment_says_what_stopped_a_failed_preview() -> None:
    """Issue 23 item 10: a preview stopped by a mandatory policy gets a comment that names the rule and the fix."""
    text = preview_comment.render("dev", "\x1b[31m" + POLICY_LOG + "\x1b[0m", 255)
    assert text.startswith("<!-- pulumi-preview:dev -->\n### ⛔") and "failed (exit 255)" in text
    stopped = text.split("What stopped it:")[1].split("```")[1]
    assert "[mandatory]  nsg-no-vm-ports-from-internet" in stopped and "Fix: choose access mode" in stopped
    assert "error: preview failed" in stopped and "\x1b[" not in text
    login = preview_comment.render("dev", "some output\nthat names nothing\n", 1)
    assert "The output names no policy violation or error line" in login and "that names nothing" in login
    huge = preview_comment.render("dev", "x\n" * 100000, 1)
    assert len(huge) < 65536 and "the start is in the job's log" in huge


def test_the_preview_comment_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "preview.log").write_text(POLICY_LOG)
    assert preview_comment.main(["dev", "--log", str(tmp_path / "preview.log"), "--exit", "1"]) == 0
    assert "nsg-no-vm-ports-from-internet" in capsys.readouterr().out
    assert preview_comment.main(["dev", "--log", str(tmp_path / "missing.log"), "--exit", "1"]) == 0
    assert "(no output:" in capsys.readouterr().out
