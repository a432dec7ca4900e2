"""The one registry of stack kinds: adding a kind is one ``StackKind`` row here.

A row names the kind's config model (a ``BaseStackConfig`` subclass whose
``kind`` field is a one-value ``Literal``) and its builder, as
``"module:function"`` imported only when a stack of that kind is built (the
builders import the azure-native SDK; validating a config does not need it).
The loader, ``stacks.build`` and the docs generator all read ``KINDS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_args

from stacks.config.gpu_rig import GpuRigStackConfig
from stacks.config.scale_out import ScaleOutStackConfig
from stacks.config.stack import BaseStackConfig
from stacks.config.team import TeamStackConfig

Builder = Callable[..., dict[str, Any]]


@dataclass(frozen=True)
class StackKind:
    """One stack kind: its config model and its builder (``"module:function"``)."""

    config: type[BaseStackConfig]
    builder: str

    @property
    def name(self) -> str:
        """The kind's name: the single value of its config model's ``kind`` literal."""
        (value,) = get_args(self.config.model_fields["kind"].annotation)
        return str(value)

    def build(self, config: BaseStackConfig, stack: str, only: frozenset[str] | None = None) -> dict[str, Any]:
        """Compose a stack of this kind; returns its outputs. ``only``: build the shared resources and
        only these of the config's units (``config.units()``), for a plan made in parts."""
        module, function = self.builder.split(":")
        builder: Builder = getattr(importlib.import_module(module), function)
        return builder(config, stack) if only is None else builder(config, stack, only=only)


KINDS: dict[str, StackKind] = {
    kind.name: kind
    for kind in (
        StackKind(TeamStackConfig, "stacks.team:build_team"),
        StackKind(GpuRigStackConfig, "stacks.gpu_rig:build_gpu_rig"),
        StackKind(ScaleOutStackConfig, "stacks.scale_out:build_scale_out"),
    )
}
