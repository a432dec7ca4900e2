"""What every ``dsvmctl`` command shares: exit codes, options, error handling, consoles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from dsvmctl.project import ProjectError, check_stack_name

EXIT_POLICY = 1  # a mandatory rule of the policy pack (policy/) is violated (DESIGN.md section 5)
EXIT_BEHIND = 1  # `promote --check`: the target stack is behind its source
EXIT_REFUSED = 2
EXIT_BAD_INPUT = 2
EXIT_EMULATOR = 3


def stack_name(value: str) -> str:
    """A usage error (exit 2) for a name Pulumi refuses (``tokens.ParseStackName``)."""
    try:
        return check_stack_name(value)
    except ProjectError as error:
        raise typer.BadParameter(str(error)) from None


def quota_profile(value: str | None) -> str | None:
    """A usage error (exit 2) for a profile that is neither known nor a readable usage file; a file
    becomes an absolute path (a base ref's plan runs in another directory). None: not given."""
    from pathlib import Path

    from azurefacts.quotas import QUOTA_PROFILES, UsageError, load_profile

    if value is None:
        return None
    try:
        load_profile(value)
    except UsageError as error:
        raise typer.BadParameter(f"{error}; known profiles: {', '.join(sorted(QUOTA_PROFILES))}") from None
    return value if value in QUOTA_PROFILES else str(Path(value).resolve())


def today_option(value: str | None) -> str | None:
    """A usage error (exit 2) for a day that is not ``YYYY-MM-DD``; a good one becomes the product's today
    (``azurefacts.clock``) for this command and every process it starts."""
    from azurefacts import clock

    if value is None or not value.strip():
        return None
    try:
        clock.set_today(clock.parse_day(value))
    except clock.ClockError as error:
        raise typer.BadParameter(str(error)) from None
    return value


def caller_option(value: str | None) -> str | None:
    """A usage error (exit 2) for an unknown caller; a known one becomes the emulator's caller for this command
    and every process it starts (``fakeazure/caller.py``)."""
    from fakeazure.caller import CallerError, set_current

    if value is None or not value.strip():
        return None
    try:
        set_current(value.strip().lower())
    except CallerError as error:
        raise typer.BadParameter(str(error)) from None
    return value


def jobs(value: int | None) -> int | None:
    """Plan in this many processes (``dsvmctl.shard``); 0 or 1: one process."""
    from dsvmctl.shard import request_jobs

    request_jobs(value)
    return value


StackOption = Annotated[
    str, typer.Option("--stack", "-s", help="Stack name: reads Pulumi.<stack>.yaml.", callback=stack_name)
]
JsonOption = Annotated[
    bool,
    typer.Option("--json", help="Print the plan document as JSON (fields: docs/ARCHITECTURE.md, The plan document)."),
]
QuotaOption = Annotated[
    str | None,
    typer.Option(
        "--quota-profile",
        help="Subscription quota profile of the fake: payg, free, or an `az vm list-usage -o json` file. "
        "Default: what the stack's last `up` used (its saved state), else payg. Given, it always wins.",
        callback=quota_profile,
    ),
]
ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project-dir", help="Directory holding Pulumi.yaml (default: found from cwd).", file_okay=False, exists=True
    ),
]
ExistingOption = Annotated[
    Path | None,
    typer.Option(
        "--existing",
        help="YAML file describing resources the stack uses but does not create (see dsvmctl/existing.py); "
        "without it they are assumed to exist.",
        dir_okay=False,
        exists=True,
    ),
]
JobsOption = Annotated[
    int | None,
    typer.Option(
        "--jobs",
        "-j",
        min=0,
        envvar="DSVMCTL_JOBS",
        help="Plan a big stack's members, rigs or seats in this many processes (default: one per core from "
        "40 of them; 0 or 1: one process). The plan is the same either way.",
        callback=jobs,
    ),
]
LockWaitOption = Annotated[
    float,
    typer.Option(
        "--lock-wait",
        min=0,
        metavar="SECONDS",
        help="When another dsvmctl holds the stack's state lock, wait this long for it before giving up (exit 2).",
    ),
]
StateOption = Annotated[
    Path | None,
    typer.Option("--state-dir", help="Saved states (default: $DSVMCTL_STATE_DIR or <project>/.dsvmctl/state)."),
]


def fail(code: int, message: str) -> typer.Exit:
    Console(stderr=True, soft_wrap=True).print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    return typer.Exit(code)


@contextmanager
def handled(stack: str) -> Iterator[None]:
    """Turn the errors a user can cause into one paragraph and an exit code.

    The text is escaped: a message quoting the user's input (``'[secret]'``, ``[bold]``)
    must reach the terminal as written, not as rich markup.
    """
    from rich.markup import escape

    from dsvmctl.existing import ExistingError
    from dsvmctl.lifecycle import RefusedChange, RefusedDestroy
    from dsvmctl.plan import BaseRefError
    from dsvmctl.state import StateError
    from dsvmctl.state_lock import StateLockError
    from fakeazure import ArmError, FakeAzureError
    from stacks.config import ConfigError

    try:
        yield
    except (
        ProjectError, StateError, StateLockError, BaseRefError, RefusedChange, RefusedDestroy, ExistingError
    ) as error:
        raise fail(EXIT_BAD_INPUT, escape(str(error))) from None
    except OSError as error:  # a missing state (lifecycle's FileNotFoundError), or a path the OS refuses
        text = f"{error.filename}: {error.strerror}" if error.filename and error.strerror else str(error)
        raise fail(EXIT_BAD_INPUT, escape(text)) from None
    except ConfigError as error:
        raise fail(EXIT_BAD_INPUT, escape(f"Pulumi.{stack}.yaml: {error}")) from None
    except ArmError as error:
        hint = f" Way out: {error.hint}." if error.hint else ""
        raise fail(EXIT_BAD_INPUT, escape(f"Azure would reject this stack: {error}{hint}")) from None
    except FakeAzureError as error:
        raise fail(EXIT_EMULATOR, escape(str(error))) from None


def console_out() -> Console:
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console.width = 200  # keep resource names whole in logs and CI output
    return console


def store_at(directory: Path, state_dir: Path | None) -> Any:
    from dsvmctl.state import StateStore
    from dsvmctl.state import state_dir as resolve

    return StateStore(resolve(directory, state_dir))


def existing_file(path: Path | None) -> Any:
    """The parsed ``--existing`` file (an ``ExistingFile``), or None."""
    from dsvmctl.existing import read_existing

    return read_existing(path) if path is not None else None
