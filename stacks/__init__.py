"""Stack kinds: validate a stack's config, then compose its components.

``build(config, stack)`` dispatches on ``config.kind`` through the registry in
``stacks.kinds``; ``read_pulumi_config()`` collects the stack's namespaced
config as the Pulumi engine hands it over.
"""

from __future__ import annotations

from typing import Any

from stacks.config import LOCATION_KEY, PROJECT, ConfigError, StackConfig, load_config

__all__ = ["ConfigError", "build", "load_config", "load_from_pulumi", "read_pulumi_config"]


def build(config: StackConfig, stack: str) -> dict[str, Any]:
    """Compose the stack of ``config.kind``; returns its outputs (not yet exported)."""
    from stacks.kinds import KINDS

    return KINDS[config.kind].build(config, stack)


def read_pulumi_config() -> dict[str, Any]:
    """The stack's ``dsvm:*`` keys and ``azure-native:location``, from the running engine."""
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return {k: v for k, v in merged.items() if k.startswith(f"{PROJECT}:") or k == LOCATION_KEY}


def load_from_pulumi() -> StackConfig:
    """Read and validate the running stack's config (raises ``ConfigError``)."""
    return load_config(read_pulumi_config())
