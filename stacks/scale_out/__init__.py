"""The ``scale_out`` stack kind: classes and hackathons on Flexible scale sets that sleep at zero.

``build_scale_out`` is the builder ``stacks.kinds`` names; the composition itself is in
``stacks.scale_out.build`` (imported only when a stack is built: it needs the
azure-native SDK, which validating a config does not). The pure parts: ``schedule``
(autoscale profile arithmetic), ``roster`` (the participants file), ``agent`` (what
each instance runs at boot to seat them), ``seats`` (per-seat outputs, cloud-init).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stacks.config.scale_out import ScaleOutStackConfig


def build_scale_out(config: ScaleOutStackConfig, stack: str, only: frozenset[str] | None = None) -> dict[str, Any]:
    """Compose the scale_out stack; returns its outputs (``only`` is ignored: the stack has no units)."""
    from stacks.scale_out.build import build

    return build(config, stack)
