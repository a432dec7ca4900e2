"""``dsvmctl state``: look at a stack's saved emulator state, set a broken one aside, unprotect.

Mounted by ``dsvmctl/cli.py`` as ``app.add_typer(state_app, name="state")``.

Why ``reset`` (and not ``repair``): the command does not mend the file. A saved state is
the emulator's memory of what ``up`` created; once the file is damaged, rebuilding it
could only guess. Replaying the working tree's plan (``make_plan``) would record the
*current* code as deployed, so the next ``diff`` would hide exactly the changes made
since the last ``up``; replaying the saved plan's resources would need every masked
secret and computed value back. So ``reset`` says what it does: the file moves aside
(``<stack>.json.broken-<n>``, nothing is deleted) and the next ``up`` starts from an empty
emulator that believes nothing of the stack exists yet.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from dsvmctl.project import ProjectError, check_stack_name, find_project_dir

if TYPE_CHECKING:
    from dsvmctl.state import StateStore

state_app = typer.Typer(
    no_args_is_help=True,
    help="The saved emulator state of a stack (.dsvmctl/state/<stack>.json): show, reset, unprotect, unlock.",
)


def _stack_name(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return check_stack_name(value)
    except ProjectError as error:
        raise typer.BadParameter(str(error)) from None


StackOption = Annotated[
    str, typer.Option("--stack", "-s", help="Stack name (its state is <stack>.json).", callback=_stack_name)
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


def _store(project_dir: Path | None, state_dir: Path | None) -> StateStore:
    from dsvmctl.state import StateStore
    from dsvmctl.state import state_dir as resolve

    return StateStore(resolve(project_dir or find_project_dir(), state_dir))


@state_app.command()
def show(stack: StackOption, project_dir: ProjectOption = None, state_dir: StateOption = None) -> None:
    """Where STACK's saved state is and what it holds, or what is wrong with it (exit 2)."""
    from dsvmctl.options import handled as _handled

    store = _store(project_dir, state_dir)
    with _handled(stack):
        saved = store.load(stack)
    console = Console(soft_wrap=True, highlight=False, markup=False)
    if saved is None:
        console.print(f"no saved state for stack {stack} in {store.directory}; `dsvmctl up --stack {stack}` makes one")
        _print_lock(console, store, stack)
        return
    resources = saved.plan["resources"]
    custom = [r for r in resources if not str(r["type"]).startswith("dsvm:")]
    console.print(f"{store.path(stack)}: stack {stack}, {len(custom)} resource(s) in the stack")
    console.print(f"  protected: {sum(1 for r in resources if r.get('protect'))}")
    console.print(f"  retained on delete: {sum(1 for r in resources if r.get('retainOnDelete'))}")
    console.print(f"  in the emulator: {len(saved.emulator.get('resources', []))} (retained ones outlive the stack)")
    _print_lock(console, store, stack)


def _print_lock(console: Console, store: StateStore, stack: str) -> None:
    from dsvmctl.state_lock import lock_path, read_owner

    owner = read_owner(lock_path(store.path(stack)))
    if owner is not None:
        console.print(f"  locked by {owner.text()}")


RESET_HELP = (
    "Move STACK's saved state aside so the next `up` starts fresh: the way out of a broken state file.\n\n"
    "The file is kept next to itself as <stack>.json.broken-<n> (a readable state reset with --force: "
    "<stack>.json.reset-<n>); nothing is deleted.\n\n"
    "Consequence: the emulator then believes nothing of the stack exists. The next `diff` shows every resource "
    "as a create, and what Pulumi refuses against the old state (deleting or replacing a protected data disk) "
    "is not caught until the next `up` has saved a state again. Nothing is rebuilt from the broken file: a "
    "guess at what was deployed would make the next diff lie."
)


@state_app.command(help=RESET_HELP)
def reset(
    stack: StackOption,
    force: Annotated[bool, typer.Option("--force", help="Also set aside a state that is readable.")] = False,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Move STACK's saved state aside so the next `up` starts fresh (see ``RESET_HELP``)."""
    from rich.markup import escape

    from dsvmctl.options import EXIT_BAD_INPUT
    from dsvmctl.options import fail as _fail
    from dsvmctl.options import handled as _handled

    store = _store(project_dir, state_dir)
    console = Console(soft_wrap=True, highlight=False, markup=False)
    with _handled(stack), store.lock(stack, f"dsvmctl state reset --stack {stack}"):
        path = store.path(stack)
        if not path.exists():
            console.print(f"no saved state for stack {stack} in {store.directory}; nothing to reset")
            return
        problem = store.problem(stack)[0] if path.is_file() else "is not a file"
        if problem is None and not force:
            raise _fail(
                EXIT_BAD_INPUT,
                escape(
                    f"state file {path} is readable; resetting it makes the emulator forget the stack's resources "
                    "(the next `up` creates them all again). Pass --force to reset it anyway"
                ),
            )
        target = store.set_aside(stack, "broken" if problem else "reset")
    console.print(
        f"moved {path} to {target.name}; the next `up --stack {stack}` starts from an empty emulator "
        "(every resource is a create, and the old resources are forgotten)"
    )


@state_app.command()
def unlock(
    stack: StackOption,
    force: Annotated[
        bool, typer.Option("--force", help="Remove the lock even though its holder may still be running.")
    ] = False,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Remove STACK's state lock left by a dsvmctl that was killed (refused while its holder still runs).

    Like deleting a Pulumi self-managed backend's lock file: only when the process that took it is gone.
    A holder on this host is checked; one on another host cannot be, so that needs --force.
    """
    from dsvmctl.options import handled as _handled
    from dsvmctl.state_lock import unlock as _unlock

    store = _store(project_dir, state_dir)
    console = Console(soft_wrap=True, highlight=False, markup=False)
    with _handled(stack):
        owner = _unlock(store.path(stack), stack, force)
    if owner is None:
        console.print(f"stack {stack}'s state in {store.directory} is not locked; nothing to do")
        return
    console.print(f"removed the lock of stack {stack} held by {owner.text()}")


_URN_STACK = re.compile(r"^urn:pulumi:([^:]+)::")


@state_app.command()
def unprotect(
    urns: Annotated[list[str] | None, typer.Argument(help="URNs to unprotect (see `dsvmctl plan --json`).")] = None,
    stack: Annotated[
        str | None,
        typer.Option("--stack", "-s", help="Stack name (default: read from the URNs).", callback=_stack_name),
    ] = None,
    all_resources: Annotated[bool, typer.Option("--all", help="Unprotect every resource of the stack.")] = False,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Clear `protect` on resources of STACK's saved state, as `pulumi state unprotect` does.

    A deliberate step before destroying a stack or replacing a protected resource.

    The next `up` protects again whatever the program still protects.
    """
    from dsvmctl import lifecycle
    from dsvmctl.options import EXIT_BAD_INPUT
    from dsvmctl.options import fail as _fail
    from dsvmctl.options import handled as _handled

    if not urns and not all_resources:
        raise _fail(EXIT_BAD_INPUT, "name the URNs to unprotect, or pass --all")
    if urns and all_resources:
        raise _fail(EXIT_BAD_INPUT, "pass either URNs or --all, not both")
    stacks = {m.group(1) for m in (_URN_STACK.match(u) for u in urns or []) if m}
    if stack is None and len(stacks) != 1:
        raise _fail(EXIT_BAD_INPUT, "pass --stack (the URNs do not name exactly one stack)")
    stack = stack or next(iter(stacks))
    store = _store(project_dir, state_dir)
    with _handled(stack):
        done = lifecycle.unprotect(stack, store, list(urns) if urns else None)
    console = Console(soft_wrap=True, highlight=False, markup=False)
    console.print(f"unprotected {len(done)} resource(s) of stack {stack}")
    for urn in done:
        console.print(f"  {urn}")
