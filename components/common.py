"""Helpers shared by the components."""

from __future__ import annotations

from typing import Any

import pulumi


def child_opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a component's child: parented to the component, plus ``kwargs``."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)
