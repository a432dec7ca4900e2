"""The product's monthly cost estimate of a plan (no typer, no rich, no emulator).

``estimate(resources)`` prices the resources of a plan document; the CLI, the
PR comment and the policy pack's cost cap all call it. Prices come from the
dated snapshot in ``azurefacts.prices``; billing rules are in
``costs.pricers`` and the running hours of a VM in ``costs.hours``.
"""

from costs.estimate import CURRENCY, Line, delta, estimate

__all__ = ["CURRENCY", "Line", "delta", "estimate"]
