"""Helpers the tests share: well-formed keys, a small valid team config, plan lookups."""

from __future__ import annotations

import base64
import copy
import hashlib
from pathlib import Path
from typing import Any

from fakeazure import ProgramRun, Registration

ROOT = Path(__file__).resolve().parent.parent


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


def of_type(run: ProgramRun, token: str) -> list[Registration]:
    """The run's registrations of one type token, in order."""
    return [r for r in run.records if r.type == token]


def one(run: ProgramRun, token: str, name: str) -> Registration:
    """The single registration of ``token`` named ``name``."""
    matches = [r for r in run.records if r.type == token and r.name == name]
    assert len(matches) == 1, f"{token} {name}: {len(matches)} found"
    return matches[0]
