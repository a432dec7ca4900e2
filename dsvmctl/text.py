"""The terminal renderings of plan and diff documents: a resource tree and a cost table.

A diff shows only what changes (with the components that hold it), each change with
its changed properties, what it does to the machine and, when refused, why; ``full``
shows every resource. The cost table groups the estimate's lines by item.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

MARKS = {"create": "[green]+[/]", "update": "[yellow]~[/]", "replace": "[magenta]±[/]", "delete": "[red]-[/]"}


def _label(resource: dict[str, Any]) -> str:
    marks = []
    if resource["protect"]:
        marks.append("[yellow]protected[/]")
    if resource["retainOnDelete"]:
        marks.append("[yellow]retained[/]")
    change = resource.get("change")
    if resource["deleteBeforeReplace"] and change in (None, "replace"):  # a plan's option, or what a replace does
        marks.append("delete-before-replace")
    prefix = MARKS.get(change or "", "") + " " if change and change != "same" else ""
    label = f"{prefix}{resource['type']} [bold]{escape(resource['name'])}[/]"
    if marks:
        label += f"  ({', '.join(marks)})"
    if resource.get("changedProperties") and change in ("update", "replace"):
        label += f"  [dim]{escape(', '.join(resource.get('replaceReasons') or resource['changedProperties']))}[/]"
    if resource.get("kept"):
        label += f"  [yellow]{escape(resource['kept'])}[/]"
    return label


def resource_tree(document: dict[str, Any], full: bool = True) -> Tree:
    """The resources as a tree of parents and children, with their change and data-safety options.

    With ``full`` false, only the resources that change (and the components above them).
    """
    root = Tree(f"[bold]stack {document['stack']}[/] ({document['kind']})")
    resources = document["resources"]
    shown = {r["urn"] for r in resources} if full else _changed_with_ancestors(resources)
    nodes: dict[str | None, Tree] = {}
    for resource in resources:
        if resource["urn"] not in shown:
            continue
        node = nodes.get(resource["parent"], root).add(_label(resource))
        nodes[resource["urn"]] = node
        for effect in resource.get("effects") or []:
            node.add(f"[cyan]{escape(effect)}[/]")
        for error in resource.get("errors") or []:
            node.add(f"[bold red]would be refused[/]: {escape(error['code'])} (below)")
    return root


def _changed_with_ancestors(resources: list[dict[str, Any]]) -> set[str]:
    parent = {r["urn"]: r.get("parent") for r in resources}
    shown: set[str] = set()
    for resource in resources:
        if resource.get("change", "create") != "same" or resource.get("errors") or resource.get("kept"):
            urn: str | None = resource["urn"]
            while urn is not None and urn not in shown:
                shown.add(urn)
                urn = parent.get(urn)
    return shown


def cost_table(cost: dict[str, Any]) -> Table:
    """The estimate by item: how many, monthly and always-on, and the prices' date."""
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in cost["lines"]:
        groups[line["item"]].append(line)
    from costs.controls import summary_text

    prices = cost.get("prices") or {}
    notes = ([f"list prices of {prices['readOn']}"] if prices.get("readOn") else []) + summary_text(cost)
    caption = "\n".join(escape(n) for n in notes) or None
    table = Table(title="Monthly cost estimate (USD)", caption=caption, show_footer=True)
    table.add_column("item", footer="total")
    table.add_column("count", justify="right")
    table.add_column("monthly", justify="right", footer=f"{cost['monthly']:,.2f}")
    table.add_column("always-on", justify="right", footer=f"{cost['alwaysOnMonthly']:,.2f}")
    for item, lines in sorted(groups.items(), key=lambda kv: -sum(line["monthly"] for line in kv[1])):
        table.add_row(
            escape(item),
            str(len(lines)),
            f"{sum(line['monthly'] for line in lines):,.2f}",
            f"{sum(line['alwaysOnMonthly'] for line in lines):,.2f}",
        )
    return table


def print_warnings(console: Console, document: dict[str, Any]) -> None:
    """The plan's warnings (valid, but worth acting on), one line each; the estimate's (a budget below it) too."""
    for warning in [*(document.get("warnings") or []), *((document.get("cost") or {}).get("warnings") or [])]:
        console.print(f"[yellow]warning:[/] {escape(warning)}", highlight=False)


def print_existing(console: Console, document: dict[str, Any]) -> None:
    """What the plan relies on without creating it, and whether it was described or assumed."""
    for item in document.get("existing") or []:
        how = "described in --existing" if item["source"] == "described" else "assumed to exist (no --existing)"
        path = str(item["configPath"])
        why = f"made by `{path}`" if path.startswith("dsvmctl ") else f"dsvm:{path}"  # the subscription's roles
        console.print(
            f"[cyan]existing {escape(item['kind'])}[/] {escape(item['id'])} ({how}; {escape(why)})",
            highlight=False,
        )


def print_modes(console: Console, document: dict[str, Any]) -> None:
    """A GPU rig's monthly cost in each mode, and what the switch costs."""
    modes = (document.get("cost") or {}).get("modes") or {}
    if "cpu" in modes and "gpu" in modes:
        console.print(
            f"by mode: cpu ${modes['cpu']['monthly']:,.2f}/month, gpu ${modes['gpu']['monthly']:,.2f}/month "
            f"(switching to gpu: {modes['difference']['monthly']:+,.2f}/month for the expected running hours)"
        )
