"""Stack kinds: validate a stack's config, then compose its components.

``build(config, stack)`` dispatches on ``config.kind`` through the registry in
``stacks.kinds``; ``read_pulumi_config()`` collects the stack's namespaced
config as the Pulumi engine hands it over.
"""

from __future__ import annotations

from typing import Any

from stacks.config import ConfigError, StackConfig, load_config

__all__ = ["ConfigError", "build", "load_config", "load_from_pulumi", "read_pulumi_config"]


def build(config: StackConfig, stack: str, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Compose the stack of ``config.kind``; returns its outputs (not yet exported). ``only``: the
    shared resources and just these units (see ``StackKind.build``)."""
    from stacks.kinds import KINDS

    return KINDS[config.kind].build(config, stack, only)


def read_pulumi_config() -> dict[str, Any]:
    """Every config key of the running stack, as the engine passed them (``PULUMI_CONFIG``, then the
    engine's map: what ``pulumi.runtime.config.get_config`` reads).

    The engine has already namespaced the stack file's keys (a bare ``vm_size:`` arrives as
    ``dsvm:vm_size``; see ``dsvmctl/project.py``), so this is the map the offline reader builds.
    All keys are kept, not only ``dsvm:*`` and ``azure-native:location``: ``load_config``
    reads those, lets other providers' keys pass and refuses a misspelt namespace
    (``dvsm:vm_size``), the same rule offline and under the Pulumi CLI.
    """
    from pulumi.runtime import config as runtime_config

    merged: dict[str, Any] = dict(runtime_config.get_config_env())
    merged.update(runtime_config.CONFIG.get())
    return merged


def load_from_pulumi() -> StackConfig:
    """Read and validate the running stack's config (raises ``ConfigError``)."""
    return load_config(read_pulumi_config())
