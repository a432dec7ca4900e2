"""What a stack costs in each of its modes: a GPU rig in cpu mode and in gpu mode.

``mode_costs(resources, sizes)`` re-prices the plan with each VM at the size a mode
gives it (``sizes[mode][vm id] = size``), everything else as planned, so the
difference between two modes is exactly the price difference of the sizes times
the hours the VMs are scheduled to run.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from azurefacts.prices import PriceBook
from costs.estimate import estimate

Resource = Mapping[str, Any]


def mode_costs(
    resources: Sequence[Resource], sizes: Mapping[str, Mapping[str, str]], prices: PriceBook | None = None
) -> dict[str, Any]:
    """``{mode: {"monthly", "alwaysOnMonthly"}}`` for each mode, and the ``difference`` of the last
    mode against the first (e.g. gpu - cpu)."""
    result: dict[str, Any] = {}
    for mode, by_vm in sizes.items():
        wanted = {vm_id.lower(): size for vm_id, size in by_vm.items()}
        repriced = []
        for resource in resources:
            size = wanted.get(str(resource.get("id") or "").lower())
            if size is None:
                repriced.append(resource)
                continue
            changed = copy.deepcopy(dict(resource))
            changed["inputs"]["hardwareProfile"]["vmSize"] = size
            repriced.append(changed)
        cost = estimate(repriced, prices)
        result[mode] = {"monthly": cost["monthly"], "alwaysOnMonthly": cost["alwaysOnMonthly"]}
    modes = list(sizes)
    if len(modes) >= 2:
        first, last = result[modes[0]], result[modes[-1]]
        result["difference"] = {
            "modes": f"{modes[-1]} - {modes[0]}",
            "monthly": round(last["monthly"] - first["monthly"], 2),
            "alwaysOnMonthly": round(last["alwaysOnMonthly"] - first["alwaysOnMonthly"], 2),
        }
    return result
