"""``dsvmctl bootstrap``: what an administrator sets up once so GitOps works on its first run (docs/GITOPS.md).

The output is one bash script (printed, or written with ``--output``), safe to run again: every
step looks before it creates, so a second run creates nothing and a run after adding a stack
adds only that stack. It runs as an Owner of the subscription (``az login``), an admin of the
repository (``gh auth login``) and a Pulumi user who may create stacks (``pulumi login``):

1. The subscription, once: encryption at host registered; the idle-stop custom roles
   (``azurefacts/subscription_roles.py``) PUT under the GUIDs the stacks already refer to.
2. Per stack: its resource group; a **deploy** identity (``dsvm-<stack>-deploy``, GitHub Environment
   ``<stack>``, main only) with Contributor and Role Based Access Control Administrator **on that
   group only**, the latter constrained by an ABAC condition to the roles the program assigns, each
   to its principal type; a **read** identity (``dsvm-<stack>-preview``, Environment
   ``<stack>-preview``) with Reader there. Existing resources the stack writes to (an AzureML
   workspace its rigs attach to, an existing data disk a VM attaches) get Contributor for the deploy
   identity and Reader for the read identity on that resource alone (whether attaching a disk needs
   more than ``disks/write`` on it is not confirmed). No identity holds anything on the subscription
   or on another stack's group. Each has one
   federated credential for its environment. The subscription-wide grants of the setup this
   replaces are removed from the same identities.
3. GitHub: the environments (staging and prod with required reviewers; deployments from ``main``
   only; a promotion target's ``-preview`` environment too, so no pull request reaches it), their
   ``ARM_*`` variables, and a ruleset on the default branch (pull requests, the checks, no force
   push, no deletion).
4. Pulumi: each stack created if it is missing (the workflows select existing stacks), and a stack
   whose program creates its own resource group adopts the group the bootstrap created
   (``pulumi import``: azure-native refuses to create a resource that exists).

The Pulumi Cloud side that has no CLI (the OIDC issuer, its policies, the teams whose tokens the
workflows ask for) is printed as the exact policy and console steps (``bootstrap_github.py``).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from azurefacts.subscription_roles import (
    ROLES_API_VERSION,
    SUBSCRIPTION_ROLES,
    assigned,
    role_body,
    role_guid,
    role_name,
)
from dsvmctl.options import ProjectOption

PROMOTION_TARGETS = ("staging", "prod")  # dsvmctl/affected.py deploys them last; reviewers; no PR preview
ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+$")


class BootstrapError(ValueError):
    """An argument or a stack the bootstrap cannot set up; the message names it and the fix."""


@dataclass(frozen=True)
class Stage:
    """One stack's place in the subscription: where it deploys, and what its identities may touch."""

    stack: str
    location: str
    group: str  # the stack's own resource group
    creates_group: bool  # the program creates it (then the first `up` must adopt the one made here)
    others: tuple[tuple[str, str], ...]  # (ARM id, why): existing resources the stack writes to

    @property
    def promotion_target(self) -> bool:
        return self.stack in PROMOTION_TARGETS


def stage_of(project_dir: Path, stack: str, subscription: str) -> Stage:
    """The stack's stage as its validated config says (a config error names the stack file)."""
    import stacks
    from dsvmctl.project import read_stack
    from stacks.config import PROJECT, ConfigError

    try:
        config = stacks.load_config(read_stack(project_dir, stack).config, project_dir=project_dir)
    except ConfigError as error:
        raise BootstrapError(f"Pulumi.{stack}.yaml: {error}") from None
    group = config.resource_group_name or f"rg-{PROJECT}-{stack}"
    others = []
    for kind, ref, path in config.external_resources():
        parts = ref.split("/")
        if kind not in ("disk", "azureml_workspace") or len(parts) < 5:
            continue
        if parts[2].lower() != subscription.lower():
            raise BootstrapError(
                f"Pulumi.{stack}.yaml: dsvm:{path} is in subscription {parts[2]}, not {subscription}: its deploy "
                "identity would need roles there; bootstrap that subscription's grant by hand or move the resource"
            )
        why = "attaches its AzureML compute there" if kind == "azureml_workspace" else "attaches an existing disk"
        others.append((ref, f"{why} (dsvm:{path})"))
    return Stage(stack, config.location, group, not config.resource_group_name, tuple(sorted(set(others))))


def check_arguments(repo: str, subscription: str) -> None:
    if not _REPO.match(repo):
        raise BootstrapError(f"--repo {repo!r} is not OWNER/REPO (e.g. contoso/dsvm)")
    if not _GUID.match(subscription):
        raise BootstrapError(f"--subscription {subscription!r} is not a subscription id (a GUID: az account show)")


def abac_condition(subscription: str) -> str:
    """The deploy identity's condition on Role Based Access Control Administrator: create and delete only
    assignments of the roles the program assigns, each to its principal type (Microsoft Learn, 'Examples to
    delegate Azure role assignment management with conditions': constrain roles, constrain principal types)."""
    by_type: dict[str, list[str]] = {}
    for guid, kind in assigned(subscription).items():
        by_type.setdefault(kind, []).append(guid)

    def allowed(source: str) -> str:
        return " OR ".join(
            f"(@{source}[{ASSIGNMENTS}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {{{', '.join(sorted(guids))}}}"
            f" AND @{source}[{ASSIGNMENTS}:PrincipalType] ForAnyOfAnyValues:StringEqualsIgnoreCase {{'{kind}'}})"
            for kind, guids in sorted(by_type.items())
        )

    return (f"((!(ActionMatches{{'{ASSIGNMENTS}/write'}})) OR {allowed('Request')}) AND "
            f"((!(ActionMatches{{'{ASSIGNMENTS}/delete'}})) OR {allowed('Resource')})")  # fmt: skip


HELPERS = r"""
# -- helpers: each looks before it creates ------------------------------------------------------------------
ensure_app() {  # NAME -> the application's appId
  local app
  app=$(az ad app list --display-name "$1" --query "[0].appId" -o tsv)
  [ -n "$app" ] || app=$(az ad app create --display-name "$1" --query appId -o tsv)
  az ad sp show --id "$app" --query id -o tsv >/dev/null 2>&1 || \
    az ad sp create --id "$app" --query id -o tsv >/dev/null
  echo "$app"
}
ensure_federated() {  # APP_ID NAME SUBJECT
  [ -n "$(az ad app federated-credential list --id "$1" --query "[?name=='$2'].name" -o tsv)" ] && return 0
  az ad app federated-credential create --id "$1" --parameters "{\"name\": \"$2\",
    \"issuer\": \"https://token.actions.githubusercontent.com\", \"subject\": \"$3\",
    \"audiences\": [\"api://AzureADTokenExchange\"]}" >/dev/null
}
ensure_group() {  # NAME LOCATION (an existing group is left as it is: its tags, its locks)
  az group show --name "$1" --query id -o tsv >/dev/null 2>&1 || az group create --name "$1" --location "$2" \
    --tags managed-by=pulumi --query id -o tsv >/dev/null
}
ensure_role() {  # OBJECT_ID ROLE SCOPE [CONDITION]: one assignment at exactly SCOPE, with exactly this condition
  local found id
  found=$(az role assignment list --assignee "$1" --role "$2" --scope "$3" \
    --query "[?scope=='$3'] | [0].[id, condition]" -o tsv)
  id=$(printf '%s' "$found" | cut -f1)
  if [ -n "$id" ] && [ "$(printf '%s' "$found" | cut -sf2)" = "${4:-}" ]; then return 0; fi
  [ -z "$id" ] || az role assignment delete --ids "$id"
  if [ -n "${4:-}" ]; then
    az role assignment create --assignee-object-id "$1" --assignee-principal-type ServicePrincipal --role "$2" \
      --scope "$3" --condition "$4" --condition-version 2.0 --query id -o tsv >/dev/null
  else
    az role assignment create --assignee-object-id "$1" --assignee-principal-type ServicePrincipal --role "$2" \
      --scope "$3" --query id -o tsv >/dev/null
  fi
}
drop_role() {  # OBJECT_ID ROLE SCOPE: an assignment at exactly SCOPE of the setup this replaces (none: nothing)
  local id
  for id in $(az role assignment list --assignee "$1" --role "$2" --scope "$3" --query "[?scope=='$3'].id" -o tsv); do
    az role assignment delete --ids "$id"
  done
}
"""


def subscription_section(subscription: str) -> list[str]:
    """The subscription, once: encryption at host, the idle-stop roles, the deploy identities' condition."""
    scope = f"/subscriptions/{subscription.lower()}"
    lines = [
        "# == 1. The subscription (once) ==========================================================================",
        "# The policy pack requires encryption at host: the feature must be registered.",
        f"az feature register --namespace Microsoft.Compute --name EncryptionAtHost --subscription {subscription} "
        "--query properties.state -o tsv >/dev/null",
        f"az provider register --namespace Microsoft.Compute --subscription {subscription}",
        "# The idle-stop roles, defined once per subscription under the GUIDs every stack already refers to",
        "# (azurefacts/subscription_roles.py). A PUT: creates the role, or sets it again as it should be.",
    ]
    for role in SUBSCRIPTION_ROLES:
        guid = role_guid(subscription, role)
        url = (f"https://management.azure.com{scope}/providers/Microsoft.Authorization/roleDefinitions/{guid}"
               f"?api-version={ROLES_API_VERSION}")  # fmt: skip
        body = json.dumps(role_body(subscription, role), indent=2)
        lines += [
            f"# {role_name(subscription, role)}",
            f"az rest --method put --url {shlex.quote(url)} --body @- --query id -o tsv <<'JSON'",
            body,
            "JSON",
        ]
    lines += [
        "",
        "# The deploy identities' condition: Role Based Access Control Administrator may create and delete only",
        "# assignments of these roles, each to this principal type (what the program assigns).",
        f"CONDITION={shlex.quote(abac_condition(subscription))}",
    ]
    return lines


def stage_lines(subscription: str, stage: Stage, repo: str) -> list[str]:
    """One stack's groups, identities, grants and federated credentials."""
    s, scope = stage.stack, f"/subscriptions/{subscription.lower()}"
    preview_env = f"{s}-preview"
    lines = [
        "",
        f"# == 2. Stack {s} ({stage.location}) =========================================================",
        f"ensure_group {shlex.quote(stage.group)} {stage.location}"
        + ("  # the program creates it too: adopted by `pulumi import` below" if stage.creates_group else ""),
    ]
    lines += [
        f"DEPLOY_APP=$(ensure_app dsvm-{s}-deploy)",
        'DEPLOY_SP=$(az ad sp show --id "$DEPLOY_APP" --query id -o tsv)',
        f"ensure_federated \"$DEPLOY_APP\" github-{s} repo:{repo}:environment:{s}",
        f"READ_APP=$(ensure_app dsvm-{s}-preview)",
        'READ_SP=$(az ad sp show --id "$READ_APP" --query id -o tsv)',
        f"ensure_federated \"$READ_APP\" github-{preview_env} repo:{repo}:environment:{preview_env}",
    ]
    group_scope = f"{scope}/resourceGroups/{stage.group}"
    lines += [
        f'ensure_role "$DEPLOY_SP" Contributor {group_scope}',
        f'ensure_role "$DEPLOY_SP" "Role Based Access Control Administrator" {group_scope} "$CONDITION"',
        f'ensure_role "$READ_SP" Reader {group_scope}',
    ]
    for arm_id, why in stage.others:  # an existing resource the stack writes to: that resource alone
        lines += [
            f"# {why}: it must exist already",
            f'ensure_role "$DEPLOY_SP" Contributor {shlex.quote(arm_id)}',
            f'ensure_role "$READ_SP" Reader {shlex.quote(arm_id)}',
        ]
    lines += [
        "# The setup this replaces granted these on the whole subscription: nothing of it stays.",
        f'drop_role "$DEPLOY_SP" Contributor {scope}',
        f'drop_role "$DEPLOY_SP" "Role Based Access Control Administrator" {scope}',
        f'drop_role "$READ_SP" Reader {scope}',
    ]
    return lines


def render(
    project_dir: Path, repo: str, subscription: str, stacks: list[str], pulumi_org: str | None,
    reviewers_team_id: int | None,
) -> str:  # fmt: skip
    """The whole bootstrap script."""
    from dsvmctl import bootstrap_github as github

    check_arguments(repo, subscription)
    stages = [stage_of(project_dir, s, subscription) for s in stacks]
    targets = [s.stack for s in stages if s.promotion_target]
    if targets and reviewers_team_id is None:
        raise BootstrapError(
            f"{', '.join(targets)} deploy only after a reviewer: give --reviewers-team-id (the GitHub team's id: "
            "gh api orgs/ORG/teams/NAME --jq .id)"
        )
    lines = [
        "#!/usr/bin/env bash",
        "# Generated by `dsvmctl bootstrap` (docs/GITOPS.md, 'Bootstrap'). Run it from the project directory as an",
        f"# Owner of subscription {subscription} (az login), an admin of {repo} (gh auth login) and a Pulumi user",
        "# who may create stacks (pulumi login). Idempotent: each step looks before it creates; run it again after",
        "# adding a stack. Stacks: " + ", ".join(stacks) + ".",
        "set -euo pipefail",
        '[ -f Pulumi.yaml ] || { echo "run this from the project directory (where Pulumi.yaml is)" >&2; exit 2; }',
        f"az account set --subscription {subscription}",
        f"TENANT=$(az account show --subscription {subscription} --query tenantId -o tsv)",
        *HELPERS.strip("\n").splitlines(),
        *github.github_helpers(repo),
        *subscription_section(subscription),
    ]
    for stage in stages:
        lines += stage_lines(subscription, stage, repo)
        lines += github.github_stage_lines(stage, subscription, reviewers_team_id)
        lines += github.pulumi_stage_lines(stage, subscription, pulumi_org)
    lines += github.repository_lines(stages, pulumi_org)
    lines += github.pulumi_cloud_lines(stages, repo, pulumi_org)
    return "\n".join(lines) + "\n"


def bootstrap(
    repo: Annotated[str, typer.Option("--repo", help="The GitHub repository, OWNER/REPO.")],
    subscription: Annotated[str, typer.Option("--subscription", help="The Azure subscription id the stacks use.")],
    stack: Annotated[
        list[str] | None, typer.Option("--stack", "-s", help="A stack to set up (repeat; default: every stack file).")
    ] = None,
    pulumi_org: Annotated[
        str | None, typer.Option("--pulumi-org", help="Pulumi Cloud organization (omit: a self-managed backend).")
    ] = None,
    reviewers_team_id: Annotated[
        int | None,
        typer.Option("--reviewers-team-id", help="GitHub team id whose approval staging and prod deployments need."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the script here (executable) instead of printing it.")
    ] = None,
    project_dir: ProjectOption = None,
) -> None:
    """Print the idempotent bash script an administrator runs once: the subscription's idle-stop roles, per stack
    a deploy and a read identity scoped to its resource groups (RBAC Administrator under an ABAC condition), GitHub
    environments (main only, reviewers), the ruleset on main, the Pulumi stacks. docs/GITOPS.md, 'Bootstrap'."""
    import sys

    from rich.markup import escape

    from dsvmctl.options import EXIT_BAD_INPUT, console_out, fail, handled
    from dsvmctl.project import find_project_dir, stack_names

    directory = project_dir or find_project_dir()
    stacks = stack or stack_names(directory)
    with handled(",".join(stacks)):
        try:
            script = render(directory, repo, subscription, list(stacks), pulumi_org, reviewers_team_id)
        except BootstrapError as error:
            raise fail(EXIT_BAD_INPUT, escape(str(error))) from None
    if output is None:
        sys.stdout.write(script)
        return
    try:
        output.write_text(script)
        output.chmod(0o755)
    except OSError as error:
        raise fail(EXIT_BAD_INPUT, escape(f"cannot write {output}: {error.strerror or error}")) from None
    console_out().print(f"wrote {output}: run it from the project directory as an Owner of {subscription}")
