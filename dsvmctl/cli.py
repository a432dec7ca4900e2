"""Command line: plan, up, diff, destroy and promote of a stack on the fake Azure.

Exit codes: 0 ok; 1 (``plan``, ``diff``) a mandatory rule of the policy pack (policy/)
is violated: each violation names the rule, the resource and the fix (``promote --check``:
the target is behind its source); 2 bad config, missing stack file or state, an error Azure
would return (ArmError), or a change Pulumi would refuse (deleting or replacing a protected
resource), with a one-paragraph message on stderr and no traceback; 3 the emulator cannot
answer (a resource type or invoke it does not emulate).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from dsvmctl.bootstrap import bootstrap
from dsvmctl.diff_view import cost_text, print_diff
from dsvmctl.info_cli import connect, images, quota
from dsvmctl.options import (
    EXIT_BAD_INPUT,
    EXIT_POLICY,
    EXIT_REFUSED,
    ExistingOption,
    JobsOption,
    JsonOption,
    LockWaitOption,
    ProjectOption,
    QuotaOption,
    StackOption,
    StateOption,
    caller_option,
    console_out,
    existing_file,
    fail,
    handled,
    store_at,
    today_option,
)
from dsvmctl.policy_check import finding_text, mandatory, print_findings
from dsvmctl.project import find_project_dir
from dsvmctl.promote import promote
from dsvmctl.state_cli import state_app
from dsvmctl.text import cost_table, print_existing, print_modes, print_warnings, resource_tree

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Run the DSVM program offline against fakeazure.",
)
app.add_typer(state_app, name="state")
app.command()(connect)
app.command()(images)
app.command()(quota)
app.command()(promote)
app.command()(bootstrap)

@app.callback()
def _root(
    today: Annotated[
        str | None,
        typer.Option(
            "--today",
            envvar="DSVMCTL_TODAY",
            metavar="YYYY-MM-DD",
            help="Plan as if it were this day (image pin ages, expiries, events, budget months); default: "
            "today's UTC date.",
            callback=today_option,
        ),
    ] = None,
    caller: Annotated[
        str | None,
        typer.Option(
            "--as",
            envvar="DSVMCTL_AS",
            metavar="deploy|owner",
            help="Who the emulator's writes run as: the stage's deploy identity (default; no role definitions, "
            "role assignments only as its ABAC condition allows) or a subscription Owner (the bootstrap, a "
            "one-time move off a per-stack role). docs/GITOPS.md.",
            callback=caller_option,
        ),
    ] = None,
) -> None:
    """Offline plans of the DSVM stacks on the built-in fake Azure."""


def _stop_on_policy(document: dict[str, Any], on_stderr: bool) -> None:
    """Exit ``EXIT_POLICY`` when a mandatory rule is violated; with ``on_stderr`` (the JSON and
    markdown outputs, which stdout must carry alone) the violations are repeated on stderr."""
    violations = mandatory(document)
    if not violations:
        return
    if on_stderr:
        for finding in violations:
            sys.stderr.write(f"policy violation {finding_text(finding)}\n")
    raise typer.Exit(EXIT_POLICY)


def _fresh_plan(
    directory: Path, stack: str, quota_profile: str | None, existing: Path | None = None
) -> dict[str, Any]:
    """The plan document of ``stack`` on an empty fake Azure, errors handled."""
    from dsvmctl.plan import make_plan
    from fakeazure import FakeAzure

    with handled(stack):
        return make_plan(
            directory, stack, FakeAzure(quota_profile=quota_profile or "payg"), existing=existing_file(existing)
        ).to_json()


@app.command()
def plan(
    stack: StackOption,
    as_json: JsonOption = False,
    quota_profile: QuotaOption = None,
    existing: ExistingOption = None,
    jobs: JobsOption = None,
    project_dir: ProjectOption = None,
) -> None:
    """Plan STACK on an empty fake Azure: resource tree and stack outputs."""
    document = _fresh_plan(project_dir or find_project_dir(), stack, quota_profile, existing)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        _stop_on_policy(document, on_stderr=True)
        return
    console = console_out()
    console.print(resource_tree(document))
    console.print_json(json.dumps(document["outputs"]))
    console.print(cost_table(document["cost"]))
    print_modes(console, document)
    print_warnings(console, document)
    print_existing(console, document)
    print_findings(console, document)
    console.print(
        f"[bold]{document['changes']['create']} resources to create[/] "
        f"(offline plan on fakeazure, quota profile {quota_profile or 'payg'}); {cost_text(document['cost'])}"
    )
    _stop_on_policy(document, on_stderr=False)


@app.command()
def up(
    stack: StackOption,
    as_json: JsonOption = False,
    quota_profile: QuotaOption = None,
    existing: ExistingOption = None,
    jobs: JobsOption = None,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
    lock_wait: LockWaitOption = 0.0,
) -> None:
    """Apply STACK to the emulator's saved state (refused if Pulumi would refuse it)."""
    from dsvmctl import lifecycle

    directory = project_dir or find_project_dir()
    store = store_at(directory, state_dir)
    with handled(stack):
        document = lifecycle.up(directory, stack, store, quota_profile, existing_file(existing), lock_wait)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    counts = document["changes"]
    console_out().print(
        f"applied: +{counts['create']} ~{counts['update']} ±{counts['replace']} -{counts['delete']} "
        f"({counts['same']} unchanged); state saved to {store.path(stack)}"
    )


@app.command()
def diff(
    stack: StackOption,
    as_json: JsonOption = False,
    markdown: Annotated[bool, typer.Option("--markdown", help="Print a pull-request comment.")] = False,
    base_ref: Annotated[
        str | None, typer.Option("--base-ref", help="Compare with the plan at this git ref instead of saved state.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Show every resource, not only what changes.")] = False,
    quota_profile: QuotaOption = None,
    existing: ExistingOption = None,
    jobs: JobsOption = None,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """What applying STACK would change: against saved state, or the plan at --base-ref."""
    from dsvmctl import lifecycle

    directory = project_dir or find_project_dir()
    with handled(stack):
        described = existing_file(existing)
        if base_ref:
            document = lifecycle.preview_against_ref(directory, stack, base_ref, quota_profile, described)
        else:
            document = lifecycle.preview(directory, stack, store_at(directory, state_dir), quota_profile, described)
    if markdown:
        from dsvmctl.markdown import render

        sys.stdout.write(render(document))
    elif as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print_diff(console_out(), document, full)
    if document["errors"]:
        raise typer.Exit(EXIT_REFUSED)
    _stop_on_policy(document, on_stderr=markdown or as_json)


@app.command()
def destroy(
    stack: StackOption,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
    lock_wait: LockWaitOption = 0.0,
) -> None:
    """Delete STACK's resources (refused while any is protected); retained ones stay in Azure."""
    from dsvmctl import lifecycle

    directory = project_dir or find_project_dir()
    with handled(stack):
        report = lifecycle.destroy(stack, store_at(directory, state_dir), lock_wait)
    console = console_out()
    console.print(f"deleted {len(report.deleted)} resource(s)")
    for label in report.kept_in_azure:
        console.print(f"[yellow]kept in Azure (retained)[/]: {label}")


@app.command()
def arm(
    stack: StackOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the ARM template (JSON).")],
    quota_profile: QuotaOption = None,
    existing: ExistingOption = None,
    project_dir: ProjectOption = None,
) -> None:
    """Export STACK's plan as an ARM template (secrets become securestring parameters)."""
    from rich.markup import escape

    from dsvmctl.arm import ExportError, export_template, render

    document = _fresh_plan(project_dir or find_project_dir(), stack, quota_profile, existing)
    try:
        template = export_template(document)
    except ExportError as error:
        raise fail(EXIT_BAD_INPUT, f"cannot export {stack} as an ARM template: {error}") from None
    try:
        output.write_text(render(template))
    except OSError as error:
        missing = not output.parent.is_dir()
        reason = f"directory {output.parent} does not exist" if missing else error.strerror or str(error)
        raise fail(EXIT_BAD_INPUT, escape(f"cannot write the ARM template to {output}: {reason}")) from None
    console_out().print(f"wrote {len(template['resources'])} resources to {output}")


def main() -> None:
    """Entry point of `python -m dsvmctl`."""
    from stacks.process import tune_gc

    tune_gc()  # a plan is one program run: the collector's thresholds for it (stacks/process.py)
    app()
