"""The GitHub and Pulumi parts of ``dsvmctl bootstrap`` (``dsvmctl/bootstrap.py`` has the Azure part).

GitHub (REST through ``gh api``; GitHub Docs, 'REST API endpoints for deployment environments',
'... for deployment branch policies', '... for rules'): one environment per stack (``<stack>``:
deployments from ``main`` only, required reviewers on promotion targets) and one per read identity
(``<stack>-preview``: any branch for the stacks pull requests may preview, ``main`` only for
promotion targets, so no pull request ever gets a token for staging or prod); the ``ARM_*``
variables of each; the repository variables the workflows read; a ruleset on the default branch.

Pulumi: each stack is created when missing (``pulumi/actions`` selects an existing stack); a stack
whose program creates its resource group adopts the group the bootstrap made (azure-native
refuses to create a resource that exists: "cannot create already existing resource"). Pulumi
Cloud's OIDC trust has no CLI: the script writes the issuer's policy (team tokens, one team per
environment; Pulumi Cloud Enterprise) and says where it goes ('Configuring OIDC for GitHub'; the
token audience ``urn:pulumi:org:<org>`` is what pulumi/auth-actions asks for, not confirmed here).
"""

from __future__ import annotations

import json
import shlex
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dsvmctl.bootstrap import Stage

RULESET = "dsvm: main by pull request"
LABELS = (("drift", "B60205", "Azure changed outside Pulumi (drift.yml)"),
          ("pending-deployment", "FBCA04", "main differs from what a stack deployed (drift.yml)"))  # fmt: skip
# The checks a pull request must pass: pr.yml's job names.
REQUIRED_CHECKS = ("make test", "offline diff (dsvmctl on fakeazure)")

GITHUB_HELPERS = r"""
# -- GitHub helpers ---------------------------------------------------------------------------------------
ensure_environment() {  # NAME (settings on stdin): a PUT sets them, again on every run
  gh api -X PUT "repos/$REPO/environments/$1" --input - >/dev/null
}
ensure_main_only() {  # ENVIRONMENT: deployments from the main branch only
  gh api "repos/$REPO/environments/$1/deployment-branch-policies" --jq '.branch_policies[].name' | grep -qx main || \
    gh api -X POST "repos/$REPO/environments/$1/deployment-branch-policies" -f name=main -f type=branch >/dev/null
}
ensure_ruleset() {  # NAME (the ruleset on stdin): created once, then kept as it should be
  local id
  id=$(gh api "repos/$REPO/rulesets" --jq ".[] | select(.name == \"$1\") | .id")
  if [ -n "$id" ]; then
    gh api -X PUT "repos/$REPO/rulesets/$id" --input - >/dev/null
  else
    gh api -X POST "repos/$REPO/rulesets" --input - >/dev/null
  fi
}
"""


def environment(reviewers_team_id: int | None, main_only: bool) -> dict[str, Any]:
    """An environment's settings: reviewers (a team) and where it may deploy from."""
    settings: dict[str, Any] = {
        "deployment_branch_policy": {"protected_branches": False, "custom_branch_policies": True} if main_only
        else None,
    }  # fmt: skip
    if reviewers_team_id is not None:
        settings["reviewers"] = [{"type": "Team", "id": reviewers_team_id}]
        settings["prevent_self_review"] = True
    return settings


def ruleset() -> dict[str, Any]:
    """The default branch: changes by pull request only, after the checks, never force-pushed or deleted."""
    return {
        "name": RULESET,
        "target": "branch",
        "enforcement": "active",
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {"type": "pull_request", "parameters": {
                "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": True,
                "require_code_owner_review": False, "require_last_push_approval": True,
                "required_review_thread_resolution": False}},
            {"type": "required_status_checks", "parameters": {
                "strict_required_status_checks_policy": True,
                "required_status_checks": [{"context": check} for check in REQUIRED_CHECKS]}},
        ],
    }  # fmt: skip


def _stdin_json(command: str, document: dict[str, Any]) -> list[str]:
    return [f"{command} <<'JSON'", json.dumps(document, indent=2), "JSON"]


def github_stage_lines(stage: Stage, subscription: str, reviewers_team_id: int | None) -> list[str]:
    """One stack's two environments and their variables (after its identities exist)."""
    s = stage.stack
    reviewers = reviewers_team_id if stage.promotion_target else None
    lines = ["# GitHub environments: deploy from main only" + (", after a reviewer" if reviewers else "")]
    lines += _stdin_json(f"ensure_environment {s}", environment(reviewers, main_only=True))
    lines.append(f"ensure_main_only {s}")
    preview = f"{s}-preview"
    if stage.promotion_target:
        lines.append(f"# {preview}: drift and deploy previews run from main; no pull request may use it")
        lines += _stdin_json(f"ensure_environment {preview}", environment(None, main_only=True))
        lines.append(f"ensure_main_only {preview}")
    else:
        lines.append(f"# {preview}: pull requests preview {s} with it (read-only), so any branch may")
        lines += _stdin_json(f"ensure_environment {preview}", environment(None, main_only=False))
    for env, app in ((s, "$DEPLOY_APP"), (preview, "$READ_APP")):
        lines += [
            f'gh variable set ARM_CLIENT_ID --env {env} --body "{app}" --repo "$REPO"',
            f'gh variable set ARM_TENANT_ID --env {env} --body "$TENANT" --repo "$REPO"',
            f"gh variable set ARM_SUBSCRIPTION_ID --env {env} --body {subscription} --repo \"$REPO\"",
        ]
    return lines


def pulumi_stack_name(stack: str, pulumi_org: str | None) -> str:
    return f"{pulumi_org}/{stack}" if pulumi_org else stack


def pulumi_stage_lines(stage: Stage, subscription: str, pulumi_org: str | None) -> list[str]:
    """The Pulumi stack (created when missing) and, when its program creates its group, the group adopted."""
    name = shlex.quote(pulumi_stack_name(stage.stack, pulumi_org))
    lines = [
        "# The Pulumi stack: the workflows select it, so it must exist",
        f"pulumi stack select {name} >/dev/null 2>&1 || pulumi stack init {name} --non-interactive",
    ]
    if stage.creates_group:
        group_id = f"/subscriptions/{subscription.lower()}/resourceGroups/{stage.group}"
        urn_tail = f"azure-native:resources:ResourceGroup::{stage.group}"
        lines += [
            "# The program creates this group; it exists now (the deploy identity's grants are on it), and",
            "# azure-native refuses to create what exists: the stack adopts it, protected, before its first up.",
            f"pulumi stack export --stack {name} | grep -q {shlex.quote(urn_tail)} || \\",
            f"  pulumi import azure-native:resources:ResourceGroup {stage.group} {group_id} --stack {name} \\",
            "    --protect --generate-code=false --yes --non-interactive",
        ]
    return lines


def repository_lines(stages: list[Stage], pulumi_org: str | None) -> list[str]:
    """The repository variables the workflows read, and the default branch's ruleset."""
    from dsvmctl.affected import in_order

    deploy = in_order([s.stack for s in stages])
    previewable = [s.stack for s in stages if not s.promotion_target]
    lines = [
        "",
        "# == 3. The repository ================================================================================",
        f"gh variable set DEPLOY_STACKS --body {shlex.quote(json.dumps(deploy))} --repo \"$REPO\"",
        f"gh variable set AZURE_PREVIEW_STACKS --body {shlex.quote(json.dumps(previewable))} --repo \"$REPO\"",
    ]
    if pulumi_org:
        lines.append(f"gh variable set PULUMI_ORG --body {shlex.quote(pulumi_org)} --repo \"$REPO\"")
    lines += ["# the labels drift.yml files its issues under"]
    lines += [f"gh label create {name} --color {color} --description {shlex.quote(text)} --force --repo \"$REPO\""
              for name, color, text in LABELS]  # fmt: skip
    lines += ["# main changes only by pull request, after the checks; never force-pushed, never deleted"]
    lines += _stdin_json(f"ensure_ruleset {shlex.quote(RULESET)}", ruleset())
    return lines


def oidc_policy(stages: list[Stage], repo: str, pulumi_org: str) -> dict[str, Any]:
    """Pulumi Cloud's policy on the GitHub issuer: each environment's token is its own team's."""
    policies = []
    for stage in stages:
        for env, team in ((stage.stack, f"dsvm-{stage.stack}-deploy"), (f"{stage.stack}-preview",
                                                                         f"dsvm-{stage.stack}-preview")):
            policies.append({
                "decision": "allow", "tokenType": "team", "teamName": team, "authorizedPermissions": [],
                "rules": {"aud": f"urn:pulumi:org:{pulumi_org}", "sub": f"repo:{repo}:environment:{env}"},
            })  # fmt: skip
    return {"policies": policies}


def pulumi_cloud_lines(stages: list[Stage], repo: str, pulumi_org: str | None) -> list[str]:
    """The Pulumi Cloud trust the workflows' token exchange needs (console steps, and the policy as a file)."""
    if not pulumi_org:
        return ["", "# == 4. Self-managed backend: see docs/GITOPS.md, 'State backends' (per-stage containers) =="]
    teams = ", ".join(f"dsvm-{s.stack}-deploy (Stack Write on {s.stack}), dsvm-{s.stack}-preview (Stack Read on "
                      f"{s.stack})" for s in stages)  # fmt: skip
    return [
        "",
        "# == 4. Pulumi Cloud: short-lived tokens by OIDC, one team per environment (Enterprise edition) =========",
        "# Console (no CLI for these): Settings > Access Management > OIDC Issuers > Register issuer",
        "# https://token.actions.githubusercontent.com; Settings > Teams: " + teams + ";",
        "# then paste pulumi-oidc-policy.json as the issuer's policy. Without team tokens, see docs/GITOPS.md.",
        *_stdin_json("cat > pulumi-oidc-policy.json", oidc_policy(stages, repo, pulumi_org)),
        'echo "wrote pulumi-oidc-policy.json: the Pulumi Cloud OIDC issuer policy (docs/GITOPS.md, Bootstrap)"',
    ]


def github_helpers(repo: str) -> list[str]:
    return [f"REPO={shlex.quote(repo)}", *GITHUB_HELPERS.strip("\n").splitlines()]
