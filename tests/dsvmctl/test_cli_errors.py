"""Every failure a user can cause: one paragraph, exit 2, never a traceback (through the CLI)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from tests.helpers import ROOT, ssh_key

runner = CliRunner()


def make_project(tmp_path: Path, stack: str = "dev", config: dict[str, Any] | None = None) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    if config is None:
        shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path / f"Pulumi.{stack}.yaml")
    else:
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return tmp_path


def dev_config(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config.update(changes)
    return config


def flat(text: str) -> str:
    """The output with rich's box drawing removed and whitespace collapsed (usage errors come boxed)."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


def fails(args: list[str], *fragments: str, code: int = 2) -> str:
    result = runner.invoke(app, args)
    output = flat(result.output)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    for fragment in fragments:
        assert fragment in output, output
    return output


# -- B1: the ARM template's path ------------------------------------------------------------------


def test_arm_to_a_missing_directory_names_path_and_reason(tmp_path: Path) -> None:
    fails(
        ["arm", "--stack", "dev", "--project-dir", str(ROOT), "-o", "/nonexistent/dir/x.json"],
        "cannot write the ARM template to /nonexistent/dir/x.json: directory /nonexistent/dir does not exist",
    )


def test_arm_to_a_directory_names_path_and_reason(tmp_path: Path) -> None:
    fails(
        ["arm", "--stack", "dev", "--project-dir", str(ROOT), "-o", str(tmp_path)],
        f"cannot write the ARM template to {tmp_path}: Is a directory",
    )


# -- B2: broken state, and the way out -------------------------------------------------------------


BROKEN_STATES = {
    "empty": ("", "is empty"),
    "not JSON": ('{"version": 1,', "is not JSON"),
    "wrong shape": (json.dumps({"version": 1, "plan": [], "emulator": {}}), "has no 'plan' mapping"),
    "another version": (json.dumps({"version": 7, "plan": {}, "emulator": {}}), "has state version 7"),
}


@pytest.mark.parametrize("command", ["up", "diff", "destroy"])
@pytest.mark.parametrize("kind", sorted(BROKEN_STATES))
def test_a_broken_state_names_file_problem_and_way_out(tmp_path: Path, command: str, kind: str) -> None:
    content, problem = BROKEN_STATES[kind]
    project = make_project(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "dev.json").write_text(content)
    fails(
        [command, "--stack", "dev", "--project-dir", str(project), "--state-dir", str(state)],
        f"state file {state / 'dev.json'} {problem}",
        f"`dsvmctl state reset --stack dev --state-dir {state}`",
    )


def test_the_way_out_works_and_keeps_the_broken_file(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    state = tmp_path / "state"
    state.mkdir()
    (state / "dev.json").write_text('{"version": 1,')
    where = ["--stack", "dev", "--project-dir", str(project), "--state-dir", str(state)]
    fails(["state", "show", *where], "is not JSON")
    reset = runner.invoke(app, ["state", "reset", *where])
    assert reset.exit_code == 0, reset.output
    assert "dev.json.broken-1" in reset.output and "starts from an empty emulator" in reset.output
    assert (state / "dev.json.broken-1").read_text() == '{"version": 1,'
    up = runner.invoke(app, ["up", *where])
    assert up.exit_code == 0, up.output
    shown = runner.invoke(app, ["state", "show", *where])
    assert shown.exit_code == 0 and "resource(s) in the stack" in shown.output and "protected: " in shown.output
    fails(["state", "reset", *where], "is readable", "Pass --force")
    forced = runner.invoke(app, ["state", "reset", "--force", *where])
    assert forced.exit_code == 0 and (state / "dev.json.reset-1").is_file() and not (state / "dev.json").exists()


def test_reset_without_state_has_nothing_to_do(tmp_path: Path) -> None:
    result = runner.invoke(app, ["state", "reset", "--stack", "dev", "--state-dir", str(tmp_path)])
    assert result.exit_code == 0 and "nothing to reset" in result.output


def test_an_unwritable_state_dir_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "not-a-dir").write_text("")
    fails(
        ["up", "--stack", "dev", "--project-dir", str(ROOT), "--state-dir", str(tmp_path / "not-a-dir")],
        f"cannot lock the state of dev in {tmp_path / 'not-a-dir'} (lock file dev.json.lock): ",
        "choose a writable --state-dir",
    )


def test_unprotect_needs_urns_or_all(tmp_path: Path) -> None:
    fails(["state", "unprotect", "--stack", "dev", "--state-dir", str(tmp_path)], "name the URNs to unprotect")
    fails(["state", "unprotect", "--all", "--stack", "dev", "--state-dir", str(tmp_path)], "no saved state")


# -- B3: YAML errors ------------------------------------------------------------------------------


def test_a_yaml_error_in_the_stack_file_names_line_and_column(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    lines = (project / "Pulumi.dev.yaml").read_text().splitlines()
    lines[6] = "  dsvm:owner: data-platform: contoso"  # line 7
    (project / "Pulumi.dev.yaml").write_text("\n".join(lines) + "\n")
    fails(
        ["plan", "--stack", "dev", "--project-dir", str(project)],
        "Pulumi.dev.yaml line 7, column 28: mapping values are not allowed here",
    )


def test_a_yaml_error_in_pulumi_yaml_names_line_and_column(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    (project / "Pulumi.yaml").write_text("name: dsvm\nruntime:\n  name: python\n options: {}\n")
    fails(["plan", "--stack", "dev", "--project-dir", str(project)], "Pulumi.yaml line 4, column 2: ")


# -- B4, B5 and A through the CLI ---------------------------------------------------------------------


def test_no_members_is_said_in_words(tmp_path: Path) -> None:
    project = make_project(tmp_path, config=dev_config(**{"dsvm:members": []}))
    output = fails(
        ["plan", "--stack", "dev", "--project-dir", str(project)],
        "Pulumi.dev.yaml: invalid stack config: dsvm:members: a team stack needs at least one member; "
        "add an entry with username and ssh_public_key",
    )
    assert "after validation" not in output


def test_300_members_are_told_a_23(tmp_path: Path) -> None:
    team = [{"username": f"u{i}", "ssh_public_key": ssh_key(f"u{i}")} for i in range(300)]
    project = make_project(tmp_path, config=dev_config(**{"dsvm:members": team}))
    fails(
        ["plan", "--stack", "dev", "--project-dir", str(project)],
        "300 members need a /23 (507 workstations): set network.workstation_subnet to e.g. 10.50.0.0/23",
    )


def test_a_misspelt_namespace_is_refused_with_a_did_you_mean(tmp_path: Path) -> None:
    config = dev_config()
    config["dvsm:vm_size"] = config.pop("dsvm:vm_size")
    project = make_project(tmp_path, config=config)
    fails(
        ["plan", "--stack", "dev", "--project-dir", str(project)],
        "Pulumi.dev.yaml: invalid stack config: dvsm:vm_size: unknown namespace 'dvsm'; did you mean dsvm:vm_size?",
    )


def test_a_bare_key_is_the_projects_key(tmp_path: Path) -> None:
    config = dev_config()
    del config["dsvm:vm_size"]
    config["vm_size"] = "Standard_D8s_v5"
    project = make_project(tmp_path, config=config)
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project), "--json"])
    assert result.exit_code == 0, result.output
    vms = [r for r in json.loads(result.output)["resources"] if r["type"] == "azure-native:compute:VirtualMachine"]
    assert {vm["inputs"]["hardwareProfile"]["vmSize"] for vm in vms} == {"Standard_D8s_v5"}


# -- B6: usage errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "up", "diff", "arm"])
def test_an_unknown_quota_profile_is_a_usage_error_listing_the_known(command: str, tmp_path: Path) -> None:
    extra = ["-o", str(tmp_path / "x.json")] if command == "arm" else []
    fails(
        [command, "--stack", "dev", "--project-dir", str(ROOT), "--quota-profile", "bogus", *extra],
        "Invalid value for '--quota-profile': 'bogus' is neither a quota profile (free, payg) nor a file",
    )


@pytest.mark.parametrize(("usage", "words"), [
    (["a"], "item 0 is str 'a', not a quota (a mapping with name, limit and currentValue)"),
    ([{"name": {"value": "cores"}, "limit": "x"}],
     "item 0 (cores): needs name.value, limit and currentValue as whole numbers (limit 'x', currentValue 0)"),
])  # fmt: skip
def test_a_usage_file_that_is_not_az_output_says_which_item_in_words(
    usage: list[Any], words: str, tmp_path: Path
) -> None:
    """A hand-edited `az vm list-usage` file: a usage error naming the item and the way out, with no Python
    exception text (`invalid literal for int()`) and no traceback."""
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(usage))
    output = fails(["quota", "--stack", "gpu", "--project-dir", str(ROOT), "--quota-profile", str(path)], words,
                   "az vm list-usage --location REGION -o json")  # fmt: skip
    assert "invalid literal" not in output and "object has no attribute" not in output


# -- B7: other bad input ---------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["plan", "up", "diff", "destroy"])
def test_a_stack_name_with_a_slash_is_refused(command: str) -> None:
    fails(
        [command, "--stack", "acme/dsvm/dev", "--project-dir", str(ROOT)],
        "a stack name may only contain alphanumeric, hyphens, underscores, or periods",
        "--stack dev",
    )


def test_an_empty_stack_name_is_refused() -> None:
    fails(["plan", "--stack", "", "--project-dir", str(ROOT)], "a stack name may not be empty")


def test_a_directory_without_pulumi_yaml_says_so(tmp_path: Path) -> None:
    fails(["plan", "--stack", "dev", "--project-dir", str(tmp_path)], f"no Pulumi.yaml in {tmp_path}")


def test_a_missing_project_dir_is_a_usage_error(tmp_path: Path) -> None:
    fails(["plan", "--stack", "dev", "--project-dir", str(tmp_path / "nope")], "does not exist")


def test_a_base_ref_that_does_not_exist(tmp_path: Path) -> None:
    project = make_project(tmp_path)
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    fails(
        ["diff", "--stack", "dev", "--project-dir", str(project), "--base-ref", "no-such-ref"],
        "cannot check out no-such-ref",
    )


def test_a_message_quoting_the_input_is_printed_as_written(tmp_path: Path) -> None:
    project = make_project(tmp_path, config=dev_config(**{"dsvm:members": {"secure": "v1:abcdef"}}))
    output = fails(["plan", "--stack", "dev", "--project-dir", str(project)], "(got '[secret]')")
    assert "v1:abcdef" not in output
