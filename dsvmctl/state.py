"""Saved emulator state: one JSON file per stack.

``dsvmctl up`` writes it, ``diff`` compares against it, ``destroy`` shrinks it to
what is protected or retained. The directory defaults to ``.dsvmctl/state`` in
the project (git-ignored) and is set with ``--state-dir`` or
``DSVMCTL_STATE_DIR``. Secret values never reach the file: the plan's
resources carry ``"[secret]"`` plus a one-way fingerprint, the emulator's
resources their masked inputs and outputs.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fakeazure import FakeAzure

STATE_VERSION = 1
DEFAULT_STATE_DIR = Path(".dsvmctl") / "state"


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


class StateStore:
    """Reads and writes ``<dir>/<stack>.json``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, stack: str) -> Path:
        return self.directory / f"{stack}.json"

    def load(self, stack: str) -> SavedState | None:
        path = self.path(stack)
        if not path.is_file():
            return None
        data = json.loads(path.read_text())
        if data.get("version") != STATE_VERSION:
            raise ValueError(f"{path}: state version {data.get('version')} is not {STATE_VERSION}; run `up` again")
        return SavedState(stack=stack, plan=data["plan"], emulator=data["emulator"])

    def save(self, stack: str, plan: dict[str, Any], backend: FakeAzure) -> Path:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.path(stack)
        document = {"version": STATE_VERSION, "stack": stack, "plan": plan, "emulator": backend.to_json()}
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
        tmp.replace(path)  # atomic: a crash never leaves half a state
        return path
