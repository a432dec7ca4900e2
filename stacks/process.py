"""Settings of the process a stack is planned or deployed in: the garbage collector's thresholds.

A Pulumi program allocates millions of short-lived objects that form reference cycles
(each ``Output`` is an asyncio task with callbacks pointing back at it), so CPython's
cyclic collector, at its default thresholds (700, 10, 10), runs a young collection
every 700 allocations and ever larger full collections as the heap grows: at 300
members it took about two thirds of a plan's time (docs/PERFORMANCE.md, measured
with ``python -m bench``). ``tune_gc`` collects the youngest generation every
100,000 allocations, the middle one every 50 of those, and leaves the oldest to the
end of the process (a plan or a ``pulumi up`` is one short program run). The
garbage is the same; only when it is found changes: the measured peak memory stayed
within a few MiB of the default's, and the plan's output does not depend on it.

Called by the program's entry (``__main__.py``, what ``pulumi up`` runs) and by
``dsvmctl``'s; worker processes of a plan in parts inherit it (they are forked).
"""

from __future__ import annotations

import gc

GC_THRESHOLDS = (100_000, 50, 100_000)


def tune_gc() -> None:
    """Set the collector's thresholds for a stack's program run (``GC_THRESHOLDS``)."""
    gc.set_threshold(*GC_THRESHOLDS)
