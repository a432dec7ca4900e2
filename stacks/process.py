"""Settings of the process a stack is planned or deployed in.

Two settings, both measured with ``python -m bench`` (docs/PERFORMANCE.md), neither of
which changes what the program registers:

- ``tune_gc``: the garbage collector's thresholds. A Pulumi program allocates millions
  of short-lived objects that form reference cycles (each ``Output`` is an asyncio task
  with callbacks pointing back at it), so CPython's cyclic collector, at its default
  thresholds (700, 10, 10), runs a young collection every 700 allocations and ever
  larger full collections as the heap grows: at 300 members it took about two thirds of
  a plan's time. ``GC_THRESHOLDS`` collects the youngest generation every 100,000
  allocations, the middle one every 50 of those, and leaves the oldest to the end of
  the process (a plan or a ``pulumi up`` is one short program run). The garbage is the
  same; only when it is found changes.
- ``skip_unused_alias_urns``: the Python SDK's ``Resource.__init__`` turns every alias
  of a resource into a URN, eagerly, through ``Output`` applies; every azure-native
  resource carries dozens of type aliases (its older API versions), and a child of a
  component pays one more apply per alias for its parent's URN. Those URNs
  (``Resource._aliases``) are read in one place only: ``all_aliases``, which
  ``prepare_aliases`` calls when the engine does *not* support alias specs. Engines that
  do (every Pulumi CLI since alias specs landed, pulumi/pulumi#10819 and #11983; the
  SDK's own mock monitor too) get the aliases as specs built from the resource options,
  not from these URNs. So, where the engine supports alias specs, the URNs are not
  computed: about 60% of a plan's time and half its peak memory at 100 members. The
  RegisterResource requests, alias specs included, are the same
  (``tests/stacks/test_process.py`` compares them and the plan JSON, and checks the
  SDK's source for the one reader). Applied only to the SDK versions in
  ``VERIFIED_PULUMI_SDK``: another version runs as the SDK ships it until checked.

Called by the program's entry (``__main__.py``, what ``pulumi up`` runs), by ``dsvmctl``'s
(``tune_gc``) and by ``make_plan`` (``skip_unused_alias_urns``, so every plan, diff and
``up`` has it); worker processes of a plan in parts inherit both (they are forked).
"""

from __future__ import annotations

import functools
import gc
from typing import Any

GC_THRESHOLDS = (100_000, 50, 100_000)

# The pulumi SDK versions whose source was checked: ``Resource._aliases`` is read only by
# ``all_aliases``, which runs only when the engine lacks alias specs (see the module doc).
VERIFIED_PULUMI_SDK = ("3.272.0",)

# What ``Resource._aliases`` holds for each alias when the engine computes alias URNs
# itself: never read (see the module doc); a URN no engine would match if it ever were.
UNUSED_ALIAS_URN = "urn:pulumi:unused::alias-urns-are-computed-by-the-engine::from-alias-specs"
MARK = "_dsvm_skips_unused_alias_urns"  # on the wrapper, so a second call does not wrap it again


def tune_gc() -> None:
    """Set the collector's thresholds for a stack's program run (``GC_THRESHOLDS``)."""
    gc.set_threshold(*GC_THRESHOLDS)


def pulumi_sdk_version() -> str:
    """The installed pulumi SDK's version."""
    from importlib.metadata import version

    return version("pulumi")


def skip_unused_alias_urns() -> bool:
    """Stop ``Resource.__init__`` computing alias URNs the engine does not read.

    True when in effect: the SDK is a verified version (``VERIFIED_PULUMI_SDK``). Per
    resource, the wrapper asks whether the engine supports alias specs; where it does not,
    it computes the URNs as the SDK does. Idempotent.
    """
    import pulumi.resource as sdk_resource

    if getattr(sdk_resource.collapse_alias_to_urn, MARK, False):
        return True
    if pulumi_sdk_version() not in VERIFIED_PULUMI_SDK:
        return False
    from pulumi.runtime import settings
    from pulumi.runtime.proto import resource_pb2

    collapse = sdk_resource.collapse_alias_to_urn
    alias_specs = resource_pb2.RESOURCE_MONITOR_FEATURE_ALIAS_SPECS

    @functools.wraps(collapse)
    def collapse_where_read(alias: Any, name: str, type_: str, parent: Any) -> Any:
        if settings.monitor_supports_feature(alias_specs):
            return UNUSED_ALIAS_URN
        return collapse(alias, name, type_, parent)

    setattr(collapse_where_read, MARK, True)
    sdk_resource.collapse_alias_to_urn = collapse_where_read
    return True
