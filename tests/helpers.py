"""Helpers the tests share: well-formed keys, a small valid team config, plan lookups."""

from __future__ import annotations

import base64
import copy
import hashlib
import importlib.util
import json
import shutil
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml
from typer.testing import CliRunner

from azurefacts.quotas import QUOTA_PROFILES
from dsvmctl.cli import app
from fakeazure import ProgramRun, Registration

ROOT = Path(__file__).resolve().parent.parent
# The day every test runs on (tests/conftest.py sets the product's clock to it; azurefacts/clock.py).
TODAY = date(2026, 12, 5)
runner = CliRunner()
# A pay-as-you-go subscription whose GPU families were raised (payg itself has none, as a new one).
GPU_QUOTA = replace(
    QUOTA_PROFILES["payg"],
    name="payg-gpu",
    family_vcpus={family: 48 for family in QUOTA_PROFILES["payg"].family_vcpus},
    description="payg with 48 vCPUs in every GPU family",
)


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


class Project:
    """A temporary copy of the project's stack files, with its own state directory."""

    def __init__(self, tmp_path: Path, config: dict[str, Any] | None = None) -> None:
        self.dir = tmp_path / "project"
        self.dir.mkdir()
        shutil.copy(ROOT / "Pulumi.yaml", self.dir / "Pulumi.yaml")
        self.state = tmp_path / "state"
        self.config = config or yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
        self.write()

    def write(self) -> None:
        (self.dir / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": self.config}))

    def run(self, *args: str) -> tuple[int, str]:
        result = runner.invoke(app, [*args, "--stack", "dev", "--project-dir", str(self.dir),
                                     "--state-dir", str(self.state)])
        return result.exit_code, result.output

    def diff(self) -> tuple[int, dict[str, Any]]:
        code, output = self.run("diff", "--json")
        return code, json.loads(output)

    def up(self) -> dict[str, Any]:
        code, output = self.run("up", "--json")
        assert code == 0, output
        return json.loads(output)  # type: ignore[no-any-return]


def changed(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The resources of a diff document that change, by name."""
    return {r["name"]: r for r in document["resources"] if r["change"] != "same"}


def by_name(document: dict[str, Any], name: str) -> dict[str, Any]:
    """The one resource of a plan or diff document named ``name``."""
    (match,) = [r for r in document["resources"] if r["name"] == name]
    return match


def load_idle_watcher() -> ModuleType:
    """The idle watcher script, loaded by path as the VM runs it (it ships as one file, not a module)."""
    from components import idle_units

    spec = importlib.util.spec_from_file_location("dsvm_idle_watch", idle_units.SCRIPT_SOURCE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up while the class is built
    spec.loader.exec_module(module)
    return module
