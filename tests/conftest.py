"""Shared fixtures: a fresh fake Azure per test, and helpers to run programs on it."""

from __future__ import annotations

import base64
import copy
import hashlib
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fakeazure import FakeAzure, ProgramRun, run_program  # noqa: E402


def ssh_key(name: str) -> str:
    """A well-formed ssh-ed25519 public key line, distinct per name."""
    blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + hashlib.sha256(name.encode()).digest()
    return f"ssh-ed25519 {base64.b64encode(blob).decode()} {name}@laptop"


def team_values(**overrides: Any) -> dict[str, Any]:
    """Plain (field name -> value) config of a small valid team stack; overrides replace keys."""
    values: dict[str, Any] = {
        "kind": "team",
        "location": "westeurope",
        "owner": "data-platform@contoso.com",
        "cost_center": "CC-1",
        "access": {"mode": "bastion"},
        "image": {"os": "ubuntu-2204", "version": "25.05.20"},
        "members": [
            {"username": "alice", "ssh_public_key": ssh_key("alice")},
            {"username": "bob", "ssh_public_key": ssh_key("bob")},
        ],
    }
    values.update(copy.deepcopy(overrides))
    return values


@pytest.fixture
def fake_azure() -> FakeAzure:
    """A fresh, empty subscription (payg quotas) for one test."""
    return FakeAzure()


@pytest.fixture
def run_stack(fake_azure: FakeAzure) -> Callable[..., ProgramRun]:
    """Validate plain config values and run the stack program against the test's fake Azure."""
    import stacks
    from stacks.config import parse_config

    def run(values: Mapping[str, Any], stack: str = "test", backend: FakeAzure | None = None) -> ProgramRun:
        config = parse_config(values)
        return run_program(lambda: stacks.build(config, stack), backend or fake_azure, stack=stack)

    return run
