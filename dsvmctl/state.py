"""Saved emulator state: one JSON file per stack.

``dsvmctl up`` writes it, ``diff`` compares against it, ``destroy`` shrinks it to
what is protected or retained. The directory defaults to ``.dsvmctl/state`` in
the project (git-ignored) and is set with ``--state-dir`` or
``DSVMCTL_STATE_DIR``. Secret values never reach the file: the plan's
resources carry ``"[secret]"`` plus a one-way fingerprint, the emulator's
resources their masked inputs and outputs.

A file that cannot be used (empty, not JSON, the wrong shape, another version, another
stack's) raises ``StateError`` naming the file, what is wrong and the way out:
``dsvmctl state reset`` (``StateStore.set_aside``) moves it aside as
``<stack>.json.broken-<n>`` and the next ``up`` starts from an empty emulator.
"""

from __future__ import annotations

import json
import os
import shlex
import tempfile
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsvmctl.project import ProjectError, check_stack_name
from dsvmctl.state_lock import LockOwner, hold
from fakeazure import FakeAzure

STATE_VERSION = 1
DEFAULT_STATE_DIR = Path(".dsvmctl") / "state"


class StateError(Exception):
    """A saved state that cannot be read or written; the message names the file and the way out."""


def state_dir(project_dir: Path, override: Path | None = None) -> Path:
    """Where stack states live: ``override``, else $DSVMCTL_STATE_DIR, else the project's default."""
    if override is not None:
        return override
    env = os.environ.get("DSVMCTL_STATE_DIR")
    return Path(env) if env else project_dir / DEFAULT_STATE_DIR


@dataclass
class SavedState:
    """A stack as ``up`` left it: the plan document and the emulator's subscription."""

    stack: str
    plan: dict[str, Any]
    emulator: dict[str, Any]

    def backend(self) -> FakeAzure:
        """The emulator as it was after the last ``up`` (to plan changes against)."""
        return FakeAzure.from_json(self.emulator)


def reset_command(stack: str, directory: Path) -> str:
    """The command that sets ``stack``'s state in ``directory`` aside (``--state-dir`` only when needed)."""
    from dsvmctl.project import find_project_dir

    command = f"dsvmctl state reset --stack {stack}"
    if state_dir(find_project_dir()).resolve() != directory.resolve():
        command += f" --state-dir {shlex.quote(str(directory))}"
    return command


class StateStore:
    """Reads and writes ``<dir>/<stack>.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, stack: str) -> Path:
        """The state file of ``stack`` (its name checked: it becomes part of a path)."""
        try:
            check_stack_name(stack)
        except ProjectError as error:
            raise StateError(str(error)) from None
        return self.directory / f"{stack}.json"

    def load(self, stack: str) -> SavedState | None:
        """The saved state of ``stack``; None when there is none; ``StateError`` when it is unusable."""
        path = self.path(stack)
        if not path.is_file():
            if path.exists():
                raise StateError(f"state file {path} is not a file; move it away")
            return None
        problem, data = self.problem(stack)
        if problem:
            raise StateError(
                f"state file {path} {problem}. Way out: `{reset_command(stack, self.directory)}` moves it aside "
                f"(kept as {path.name}.broken-<n>) so the next `up` starts from an empty emulator, which then "
                "believes nothing of the stack exists yet"
            )
        return SavedState(stack=stack, plan=data["plan"], emulator=data["emulator"])

    def problem(self, stack: str) -> tuple[str | None, dict[str, Any]]:
        """What is wrong with the state file of ``stack`` (None if nothing), and its document."""
        path = self.path(stack)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            return f"is not UTF-8 text (byte {error.start})", {}
        except OSError as error:
            return f"cannot be read: {error.strerror or error}", {}
        if not text.strip():
            return "is empty", {}
        try:
            data = json.loads(text)
        except ValueError as error:
            return f"is not JSON ({error})", {}
        if not isinstance(data, dict):
            return f"holds a JSON {type(data).__name__}, not a state document", {}
        version = data.get("version")
        if version != STATE_VERSION:
            if isinstance(version, int) and version > STATE_VERSION:
                newer = f"written by a newer dsvmctl (this one reads {STATE_VERSION}; use that one)"
                return f"has state version {version}, {newer}", {}
            return f"has state version {version!r}, not {STATE_VERSION}", {}
        if data.get("stack", stack) != stack:
            return f"holds the state of stack {data['stack']!r}, not {stack!r}", {}
        shape = _shape_problem(data)
        return (shape, {}) if shape else (None, data)

    def lock(self, stack: str, command: str, wait: float = 0.0) -> AbstractContextManager[LockOwner]:
        """Hold ``stack``'s state lock (``dsvmctl.state_lock``) while reading and writing its state:
        ``StateLocked`` (exit 2, naming the holder) when another writer keeps it beyond ``wait`` seconds."""
        return hold(self.path(stack), stack, command, wait)

    def save(self, stack: str, plan: dict[str, Any], backend: FakeAzure) -> Path:
        """Write the state atomically; ``StateError`` names the path and the OS's reason when it cannot.

        Each writer writes its own temporary file (never a shared ``<stack>.json.tmp`` another writer
        could be renaming), then renames it over the state."""
        path = self.path(stack)
        document = {"version": STATE_VERSION, "stack": stack, "plan": plan, "emulator": backend.to_json()}
        tmp: Path | None = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.directory)
            tmp = Path(name)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(json.dumps(document, indent=2, sort_keys=True) + "\n")
            tmp.replace(path)  # atomic: a crash never leaves half a state
        except OSError as error:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
            raise StateError(
                f"cannot save the state of {stack} to {path}: {error.strerror or error}"
                f"{f' ({error.filename})' if error.filename and str(error.filename) != str(path) else ''}; "
                "choose a writable --state-dir"
            ) from None
        return path

    def set_aside(self, stack: str, label: str = "broken") -> Path:
        """Move the state file of ``stack`` to ``<stack>.json.<label>-<n>`` (n: the first free number)."""
        path = self.path(stack)
        n = 1
        while path.with_name(f"{path.name}.{label}-{n}").exists():
            n += 1
        target = path.with_name(f"{path.name}.{label}-{n}")
        try:
            path.replace(target)
        except OSError as error:
            raise StateError(f"cannot move {path} to {target}: {error.strerror or error}") from None
        return target


def _shape_problem(data: dict[str, Any]) -> str | None:
    """What a version-1 document lacks for ``up``, ``diff`` and ``destroy`` to read it (None: nothing)."""
    plan, emulator = data.get("plan"), data.get("emulator")
    if not isinstance(plan, dict):
        return "has no 'plan' mapping"
    resources = plan.get("resources")
    if not isinstance(resources, list):
        return "has no 'plan.resources' list"
    for i, resource in enumerate(resources):
        if not isinstance(resource, dict) or not all(isinstance(resource.get(k), str) for k in ("urn", "type", "name")):
            return f"has plan.resources[{i}] without its urn, type and name"
    if not isinstance(plan.get("cost"), dict):
        return "has no 'plan.cost' mapping"
    if not isinstance(emulator, dict):
        return "has no 'emulator' mapping"
    try:
        FakeAzure.from_json(emulator)
    except Exception as error:  # any failure to restore is a damaged file
        return f"has an 'emulator' part that cannot be restored ({type(error).__name__}: {error})"
    return None
