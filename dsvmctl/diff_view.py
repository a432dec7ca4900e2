"""The terminal rendering of a diff document: what ``dsvmctl diff`` prints, and ``dsvmctl promote`` after it.

The tree of what changes (every resource with ``full``), the plan's warnings and the
resources it uses without creating them, the counts and the cost with its change, what
Azure or Pulumi would refuse, and the policy findings.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from dsvmctl.diff import error_text
from dsvmctl.policy_check import print_findings
from dsvmctl.text import print_existing, print_warnings, resource_tree


def cost_text(cost: dict[str, Any]) -> str:
    """`estimated $401.71/month (always-on $631.28), list prices of 2026-11-23, change +0.00/month`."""
    text = f"estimated ${cost['monthly']:,.2f}/month (always-on ${cost['alwaysOnMonthly']:,.2f})"
    prices = cost.get("prices")
    if prices:
        text += f", list prices of {prices['readOn']}"
    delta = cost.get("delta")
    if delta is not None:
        text += f", change {delta['monthly']:+,.2f}/month"
    return text


def print_diff(console: Console, document: dict[str, Any], full: bool = False) -> None:
    """A diff document as ``dsvmctl diff`` prints it."""
    console.print(resource_tree(document, full=full))
    print_warnings(console, document)
    print_existing(console, document)
    counts = document["changes"]
    console.print(
        f"[bold]+{counts['create']} ~{counts['update']} ±{counts['replace']} -{counts['delete']}[/] "
        f"({counts['same']} unchanged); {cost_text(document['cost'])}"
    )
    for error in document["errors"]:
        console.print(f"[bold red]would be refused:[/] {escape(error_text(error))}", highlight=False)
    print_findings(console, document, only_changed=not full)
