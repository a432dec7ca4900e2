"""The emulated resource types and invokes, one module per Azure namespace.

``RESOURCE_TYPES`` maps a Pulumi type token to its emulation; ``INVOKES`` maps a
function token to its handler. A token in neither raises (see errors.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fakeazure.providers import (
    authorization,
    compute,
    consumption,
    dataprotection,
    devtestlab,
    extensions,
    identity,
    logic,
    maintenance,
    ml,
    monitor,
    network,
    random,
    resources,
    scale_sets,
    storage,
    tls,
)
from fakeazure.providers.base import ResourceType

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure

RESOURCE_TYPES: dict[str, ResourceType] = {
    t.token: t
    for module in (
        resources, network, storage, compute, extensions, authorization, devtestlab, random, tls, ml,
        identity, scale_sets, monitor, consumption, dataprotection, maintenance, logic,
    )
    for t in module.TYPES
}

INVOKES: dict[str, Callable[[FakeAzure, dict[str, Any]], dict[str, Any]]] = {
    **authorization.INVOKES,
}
