"""The idle-stop role is the subscription's (azurefacts/subscription_roles.py): two stacks never clash on it, and a
stack deployed with its own per-stack role moves to it once, as an Owner, while the deploy identity is refused.

The saved state in tests/data/dev-state-per-stack-role.json was written by `dsvmctl up` of the release before
(one member, a per-stack RoleDefinition at the resource group, each VM's assignment of it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from azurefacts.subscription_roles import VM_IDLE_STOP, role_definition_id
from dsvmctl.cli import app
from dsvmctl.plan import make_plan
from fakeazure import FakeAzure
from tests.helpers import ROOT, Project, by_name, changed, runner

OLD_STATE = ROOT / "tests" / "data" / "dev-state-per-stack-role.json"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"


def test_two_stacks_in_one_existing_group_share_the_subscriptions_role(tmp_path: Path) -> None:
    """Issue 21 item 5a: the per-stack role was named after the resource group, so a second stack in the same group
    was refused (RoleDefinitionWithSameNameExists). Both now assign the one role the subscription has."""
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    for stack, cidr in (("one", "10.61"), ("two", "10.62")):
        stack_config = {**config, "dsvm:resource_group_name": "rg-shared", "dsvm:network": {
            "address_space": f"{cidr}.0.0/16", "workstation_subnet": f"{cidr}.1.0/24",
            "bastion_subnet": f"{cidr}.255.0/26"}}  # fmt: skip
        if stack == "two":  # its members' disks are the same disks as one's (same names, same group): one backs them up
            stack_config["dsvm:backup"] = {"enabled": False}
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": stack_config}))
    subscription = FakeAzure()
    plans = [make_plan(tmp_path, stack, subscription).to_json() for stack in ("one", "two")]
    role = role_definition_id(subscription.subscription_id, VM_IDLE_STOP)
    for plan in plans:
        assert not [r for r in plan["resources"] if r["type"] == ROLE_DEFINITION]
        assignments = [r for r in plan["resources"] if r["name"].endswith("-idle-role")]
        assert len(assignments) == 2 and {r["inputs"]["roleDefinitionId"] for r in assignments} == {role}


def deployed_before(tmp_path: Path) -> Project:
    """A project whose saved state is the per-stack-role release's `up` of its config."""
    data = json.loads(OLD_STATE.read_text())
    project = Project(tmp_path, data["config"])
    project.state.mkdir()
    (project.state / "dev.json").write_text(json.dumps(data["state"]))
    return project


def as_owner(project: Project, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["--as", "owner", *args, "--stack", "dev", "--project-dir", str(project.dir),
                                 "--state-dir", str(project.state)])  # fmt: skip
    return result.exit_code, result.output


def moves(document: dict[str, Any]) -> dict[str, str]:
    """What changes in the idle-stop authorization (other changes of the program since that release may come along:
    the disk backups' role assignments are new creates)."""
    return {name: r["change"] for name, r in changed(document).items()
            if r["type"].startswith("azure-native:authorization:") and "-backup-" not in name
            and "-patch-start-" not in name}  # fmt: skip


def test_the_deploy_identity_may_not_move_a_stack_off_its_per_stack_role(tmp_path: Path) -> None:
    project = deployed_before(tmp_path)
    before = (project.state / "dev.json").read_text()
    code, document = project.diff()
    assert code == 2
    # Azure refuses an assignment's new role in place: a new assignment replaces the old one, then the old role goes.
    assert moves(document) == {"alice-idle-role": "replace", "dsvm-dev-idle-stop-role": "delete"}
    assert by_name(document, "alice-idle-role")["replaceReasons"] == ["roleDefinitionId (replaceOnChanges: "
                                                                      "roleDefinitionId)"]
    refused = {e["name"]: e for e in document["errors"]}
    assert set(refused) == {"alice-idle-role", "dsvm-dev-idle-stop-role"}
    assert all(e["code"] == "AuthorizationFailed" and "--as owner" in e["fix"] for e in refused.values())
    assert "'Microsoft.Authorization/roleAssignments/delete'" in refused["alice-idle-role"]["message"]
    assert "'Microsoft.Authorization/roleDefinitions/delete'" in refused["dsvm-dev-idle-stop-role"]["message"]
    code, output = project.run("up")
    assert code == 2 and "AuthorizationFailed" in output
    assert (project.state / "dev.json").read_text() == before  # nothing applied


def test_an_owner_moves_it_once_and_then_the_deploy_identity_sees_nothing_to_do(tmp_path: Path) -> None:
    project = deployed_before(tmp_path)
    code, output = as_owner(project, "diff", "--json")
    assert code == 0, output
    document = json.loads(output)
    assert moves(document) == {"alice-idle-role": "replace", "dsvm-dev-idle-stop-role": "delete"}
    subscription = by_name(document, "alice-vm")["id"].split("/")[2]
    new_role = role_definition_id(subscription, VM_IDLE_STOP)
    assert by_name(document, "alice-idle-role")["inputs"]["roleDefinitionId"] == new_role
    code, output = as_owner(project, "up")
    assert code == 0, output
    code, after = project.diff()  # back to the deploy identity
    assert code == 0 and not moves(after), after["errors"]
    saved = json.loads((project.state / "dev.json").read_text())
    emulated = {r["id"].lower(): r for r in saved["emulator"]["resources"]}
    assert not [r for r in emulated.values() if r["armType"] == "Microsoft.Authorization/roleDefinitions"]
    assignment = emulated[by_name(after, "alice-idle-role")["id"].lower()]
    assert assignment["inputs"]["roleDefinitionId"] == new_role
