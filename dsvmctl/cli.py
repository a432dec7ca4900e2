"""Command line: plan, up, diff and destroy of a stack on the fake Azure.

Exit codes: 0 ok; 1 mandatory policy violation (reserved for the policy pack);
2 bad config, missing stack file or state, an error Azure would return
(ArmError), or a change Pulumi would refuse (deleting or replacing a protected
resource), with a one-paragraph message on stderr and no traceback; 3 the
emulator cannot answer (a resource type or invoke it does not emulate).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from dsvmctl.project import ProjectError, check_stack_name, find_project_dir
from dsvmctl.state_cli import state_app
from dsvmctl.text import cost_table, resource_tree

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Run the DSVM program offline against fakeazure.",
)
app.add_typer(state_app, name="state")

EXIT_REFUSED = 2
EXIT_BAD_INPUT = 2
EXIT_EMULATOR = 3


def _stack_name(value: str) -> str:
    """A usage error (exit 2) for a name Pulumi refuses (``tokens.ParseStackName``)."""
    try:
        return check_stack_name(value)
    except ProjectError as error:
        raise typer.BadParameter(str(error)) from None


def _quota_profile(value: str) -> str:
    """A usage error (exit 2) listing the known profiles, for a profile the fake does not know."""
    from azurefacts.quotas import QUOTA_PROFILES

    if value not in QUOTA_PROFILES:
        raise typer.BadParameter(f"unknown quota profile {value!r}; known: {', '.join(sorted(QUOTA_PROFILES))}")
    return value


StackOption = Annotated[
    str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.", callback=_stack_name)
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the document (DESIGN.md section 5).")]
QuotaOption = Annotated[
    str,
    typer.Option(
        "--quota-profile", help="Subscription quota profile of the fake: payg or free.", callback=_quota_profile
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project-dir", help="Directory holding Pulumi.yaml (default: found from cwd).", file_okay=False, exists=True
    ),
]
StateOption = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Saved states (default: $DSVMCTL_STATE_DIR or <project>/.dsvmctl/state)."),
]


@app.callback()
def _root() -> None:
    """Offline plans of the DSVM stacks on the built-in fake Azure."""


def _fail(code: int, message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@contextmanager
def _handled(stack: str) -> Iterator[None]:
    """Turn the errors a user can cause into one paragraph and an exit code.

    The text is escaped: a message quoting the user's input (``'[secret]'``, ``[bold]``)
    must reach the terminal as written, not as rich markup.
    """
    from rich.markup import escape

    from dsvmctl.lifecycle import RefusedChange, RefusedDestroy
    from dsvmctl.plan import BaseRefError
    from dsvmctl.state import StateError
    from fakeazure import ArmError, FakeAzureError
    from stacks.config import ConfigError

    try:
        yield
    except (ProjectError, StateError, BaseRefError, RefusedChange, RefusedDestroy) as error:
        raise _fail(EXIT_BAD_INPUT, escape(str(error))) from None
    except OSError as error:  # a missing state (lifecycle's FileNotFoundError), or a path the OS refuses
        text = f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
        raise _fail(EXIT_BAD_INPUT, escape(text)) from None
    except ConfigError as error:
        raise _fail(EXIT_BAD_INPUT, escape(f"Pulumi.{stack}.yaml: {error}")) from None
    except ArmError as error:
        raise _fail(EXIT_BAD_INPUT, escape(f"Azure would reject this stack: {error}")) from None
    except FakeAzureError as error:
        raise _fail(EXIT_EMULATOR, escape(str(error))) from None


def _console() -> Console:
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 200  # keep resource names whole in logs and CI output
    return console


def _store(directory: Path, state_dir: Path | None) -> Any:
    from dsvmctl.state import StateStore
    from dsvmctl.state import state_dir as resolve

    return StateStore(resolve(directory, state_dir))


def _cost_text(cost: dict[str, Any]) -> str:
    text = f"estimated ${cost['monthly']:,.2f}/month (always-on ${cost['alwaysOnMonthly']:,.2f})"
    prices = cost.get("prices")
    if prices:
        text += f", list prices of {prices['readOn']}"
    delta = cost.get("delta")
    if delta is not None:
        text += f", change {delta['monthly']:+,.2f}/month"
    return text


def _fresh_plan(directory: Path, stack: str, quota_profile: str) -> dict[str, Any]:
    """The plan document of ``stack`` on an empty fake Azure, errors handled."""
    from dsvmctl.plan import make_plan
    from fakeazure import FakeAzure

    with _handled(stack):
        return make_plan(directory, stack, FakeAzure(quota_profile=quota_profile)).to_json()


@app.command()
def plan(
    stack: StackOption,
    as_json: JsonOption = False,
    quota_profile: QuotaOption = "payg",
    project_dir: ProjectOption = None,
) -> None:
    """Plan STACK on an empty fake Azure: resource tree and stack outputs."""
    document = _fresh_plan(project_dir or find_project_dir(), stack, quota_profile)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    console = _console()
    console.print(resource_tree(document))
    console.print_json(json.dumps(document["outputs"]))
    console.print(cost_table(document["cost"]))
    console.print(
        f"[bold]{document['changes']['create']} resources to create[/] "
        f"(offline plan on fakeazure, quota profile {quota_profile}); {_cost_text(document['cost'])}"
    )


@app.command()
def up(
    stack: StackOption,
    as_json: JsonOption = False,
    quota_profile: QuotaOption = "payg",
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Apply STACK to the emulator's saved state (refused if Pulumi would refuse it)."""
    from dsvmctl import lifecycle

    directory = project_dir or find_project_dir()
    store = _store(directory, state_dir)
    with _handled(stack):
        document = lifecycle.up(directory, stack, store, quota_profile)
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    counts = document["changes"]
    _console().print(
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
    quota_profile: QuotaOption = "payg",
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """What applying STACK would change: against saved state, or the plan at --base-ref."""
    from rich.markup import escape

    from dsvmctl import lifecycle
    from dsvmctl.diff import error_text

    directory = project_dir or find_project_dir()
    with _handled(stack):
        if base_ref:
            document = lifecycle.preview_against_ref(directory, stack, base_ref, quota_profile)
        else:
            document = lifecycle.preview(directory, stack, _store(directory, state_dir), quota_profile)
    if markdown:
        from dsvmctl.markdown import render

        sys.stdout.write(render(document))
    elif as_json:
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        console = _console()
        console.print(resource_tree(document, full=full))
        counts = document["changes"]
        console.print(
            f"[bold]+{counts['create']} ~{counts['update']} ±{counts['replace']} -{counts['delete']}[/] "
            f"({counts['same']} unchanged); {_cost_text(document['cost'])}"
        )
        for error in document["errors"]:
            console.print(f"[bold red]would be refused:[/] {escape(error_text(error))}", highlight=False)
    if document["errors"]:
        raise typer.Exit(EXIT_REFUSED)


@app.command()
def destroy(stack: StackOption, project_dir: ProjectOption = None, state_dir: StateOption = None) -> None:
    """Delete STACK's resources (refused while any is protected); retained ones stay in Azure."""
    from dsvmctl import lifecycle

    directory = project_dir or find_project_dir()
    with _handled(stack):
        report = lifecycle.destroy(stack, _store(directory, state_dir))
    console = _console()
    console.print(f"deleted {len(report.deleted)} resource(s)")
    for label in report.kept_in_azure:
        console.print(f"[yellow]kept in Azure (retained)[/]: {label}")


@app.command()
def arm(
    stack: StackOption,
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the ARM template (JSON).")],
    quota_profile: QuotaOption = "payg",
    project_dir: ProjectOption = None,
) -> None:
    """Export STACK's plan as an ARM template (secrets become securestring parameters)."""
    from rich.markup import escape

    from dsvmctl.arm import ExportError, export_template, render

    document = _fresh_plan(project_dir or find_project_dir(), stack, quota_profile)
    try:
        template = export_template(document)
    except ExportError as error:
        raise _fail(EXIT_BAD_INPUT, f"cannot export {stack} as an ARM template: {error}") from None
    try:
        output.write_text(render(template))
    except OSError as error:
        missing = not output.parent.is_dir()
        reason = f"directory {output.parent} does not exist" if missing else error.strerror or str(error)
        raise _fail(EXIT_BAD_INPUT, escape(f"cannot write the ARM template to {output}: {reason}")) from None
    _console().print(f"wrote {len(template['resources'])} resources to {output}")


def main() -> None:
    """Entry point of `python -m dsvmctl`."""
    app()
