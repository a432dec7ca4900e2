"""Command line: `python -m dsvmctl plan --stack dev [--json]`.

Exit codes: 0 ok; 1 mandatory policy violation (reserved for the policy pack);
2 bad config, missing stack file or an error Azure would return (ArmError),
with a one-paragraph message on stderr and no traceback; 3 the emulator cannot
answer (a resource type or invoke it does not emulate).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.tree import Tree

from dsvmctl.project import ProjectError, find_project_dir

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False, help="Run the DSVM program offline against fakeazure.")

EXIT_BAD_INPUT = 2
EXIT_EMULATOR = 3


@app.callback()
def _root() -> None:
    """Offline plans of the DSVM stacks on the built-in fake Azure."""


def _fail(code: int, message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@app.command()
def plan(
    stack: Annotated[str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan document (DESIGN.md section 5).")] = False,
    quota_profile: Annotated[
        str, typer.Option("--quota-profile", help="Subscription quota profile of the fake: payg or free.")
    ] = "payg",
    project_dir: Annotated[
        Path | None, typer.Option("--project-dir", help="Directory holding Pulumi.yaml (default: found from cwd).")
    ] = None,
) -> None:
    """Plan STACK on the fake Azure: resource tree and stack outputs."""
    from dsvmctl.plan import make_plan
    from fakeazure import ArmError, FakeAzure, FakeAzureError
    from stacks.config import ConfigError

    directory = project_dir or find_project_dir()
    try:
        backend = FakeAzure(quota_profile=quota_profile)
        result = make_plan(directory, stack, backend)
    except ProjectError as error:
        raise _fail(EXIT_BAD_INPUT, str(error)) from None
    except ConfigError as error:
        raise _fail(EXIT_BAD_INPUT, f"Pulumi.{stack}.yaml: {error}") from None
    except ArmError as error:
        raise _fail(EXIT_BAD_INPUT, f"Azure would reject this stack: {error}") from None
    except FakeAzureError as error:
        raise _fail(EXIT_EMULATOR, str(error)) from None
    document = result.to_json()
    if as_json:
        sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")
        return
    console = Console(soft_wrap=True)
    console.print(resource_tree(document))
    console.print_json(json.dumps(document["outputs"]))
    counts = document["changes"]
    console.print(f"[bold]{counts['create']} resources to create[/] (offline plan on fakeazure, quota profile {quota_profile})")


def resource_tree(document: dict[str, Any]) -> Tree:
    """The resources as a tree of parents and children, with their data-safety options."""
    root = Tree(f"[bold]stack {document['stack']}[/] ({document['kind']})")
    nodes: dict[str | None, Tree] = {}
    for resource in document["resources"]:
        marks = []
        if resource["protect"]:
            marks.append("[yellow]protected[/]")
        if resource["retainOnDelete"]:
            marks.append("[yellow]retained[/]")
        if resource["deleteBeforeReplace"]:
            marks.append("delete-before-replace")
        label = f"{resource['type']} [bold]{resource['name']}[/]" + (f"  ({', '.join(marks)})" if marks else "")
        parent = nodes.get(resource["parent"], root)
        nodes[resource["urn"]] = parent.add(label)
    return root


def main() -> None:
    """Entry point of `python -m dsvmctl`."""
    app()
