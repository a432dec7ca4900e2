"""Read a Pulumi project and its stack files the way the Pulumi CLI would (offline).

Secrets in stack files (``secure: v1:...``) are Pulumi ciphertext that only the
Pulumi CLI's secrets provider can decrypt: here they stay opaque, presented to
the program as ``"[secret]"`` and listed in ``secret_keys``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"


class ProjectError(Exception):
    """The project or stack file is missing or unreadable."""


@dataclass(frozen=True)
class StackFile:
    """A stack's config as the engine hands it to a program: namespaced keys, string values."""

    name: str
    path: Path
    config: dict[str, str]
    secret_keys: list[str] = field(default_factory=list)


def find_project_dir(start: Path | None = None) -> Path:
    """The directory holding Pulumi.yaml: the current one or a parent, else this package's parent."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if (candidate / "Pulumi.yaml").is_file():
            return candidate
    return Path(__file__).resolve().parent.parent


def project_name(project_dir: Path) -> str:
    data = _read_yaml(project_dir / "Pulumi.yaml")
    return str(data.get("name", ""))


def stack_names(project_dir: Path) -> list[str]:
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def read_stack(project_dir: Path, stack: str) -> StackFile:
    """Load ``Pulumi.<stack>.yaml`` into engine-style config (objects as JSON text)."""
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = ", ".join(stack_names(project_dir)) or "none"
        raise ProjectError(f"no stack file {path.name} in {project_dir}; known stacks: {known}")
    data = _read_yaml(path)
    raw = data.get("config") or {}
    if not isinstance(raw, dict):
        raise ProjectError(f"{path.name}: 'config' must be a mapping of keys to values")
    config: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in raw.items():
        if isinstance(value, dict) and set(value) == {"secure"}:
            secrets.append(str(key))
            config[str(key)] = SECRET_PLACEHOLDER
        elif isinstance(value, str):
            config[str(key)] = value
        else:
            config[str(key)] = json.dumps(value)
    return StackFile(stack, path, config, secrets)


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except FileNotFoundError as exc:
        raise ProjectError(f"{path} not found") from exc
    except yaml.YAMLError as exc:
        raise ProjectError(f"{path.name} is not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ProjectError(f"{path.name} must be a YAML mapping")
    return data
