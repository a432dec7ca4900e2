"""A diff as a pull-request comment: summary line, change table, Mermaid graph.

Readable at 300 workstations: rows that differ only by member (``alice-vm``,
``bob-vm`` ... with the same change) are grouped into one row with a count,
replacements and changes that touch data come first and are marked, unchanged
resources are only counted, and the graph draws one workstation and says how
many are like it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from costs.controls import summary_text
from dsvmctl.diff import error_text, touches_data
from dsvmctl.policy_check import finding_text

SYMBOLS = {"create": "+", "update": "~", "replace": "±", "delete": "-", "same": " "}
_ORDER = {"replace": 0, "delete": 1, "update": 2, "create": 3, "same": 4}
MAX_NAMES = 3


def summary_line(document: dict[str, Any]) -> str:
    """`+3 ~1 ±0 -0, cost +$412/month`."""
    counts = document["changes"]
    text = f"+{counts['create']} ~{counts['update']} ±{counts['replace']} -{counts['delete']}"
    delta = (document.get("cost") or {}).get("delta")
    if delta is not None:
        text += f", cost {_money(delta['monthly'], signed=True)}/month"
    return text


def _money(value: float, signed: bool = False) -> str:
    sign = ("+" if value >= 0 else "-") if signed else ("-" if value < 0 else "")
    return f"{sign}${abs(value):,.0f}"


def _members(document: dict[str, Any]) -> list[str]:
    return sorted({r["name"] for r in document["resources"] if r["type"] == "dsvm:components:Workstation"}
                  | {r["name"][: -len("-data")] for r in document["resources"]
                     if r["type"] == "dsvm:components:DataDisk"}, key=len, reverse=True)


def _pattern(name: str, members: list[str]) -> str:
    """The name with a member's username (a whole dash-separated part) replaced by `<member>`."""
    for member in members:
        replaced = re.sub(rf"(?<![a-z0-9]){re.escape(member)}(?![a-z0-9])", "<member>", name)
        if replaced != name:
            return replaced
    return name


@dataclass(frozen=True)
class Row:
    """One line of the change table: resources that differ only by member, grouped."""

    change: str
    type: str
    names: tuple[str, ...]
    details: str
    data: bool
    error: bool
    pattern: str

    def sort_key(self) -> tuple[bool, int, int, str, str]:
        # Refused changes first, then data-touching ones, then replace/delete/update/create.
        return (not self.error, -1 if self.data else _ORDER[self.change], _ORDER[self.change], self.type, self.pattern)

    def shown_names(self) -> str:
        shown = ", ".join(f"`{n}`" for n in self.names[:MAX_NAMES])
        extra = len(self.names) - MAX_NAMES
        return shown + (f" +{extra} more" if extra > 0 else "")


def _group_rows(document: dict[str, Any]) -> list[Row]:
    members = _members(document)
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for r in document["resources"]:
        if r["type"].startswith("dsvm:") or r.get("change", "create") == "same":
            continue
        reasons = r.get("replaceReasons", [])
        covered = {reason.split(" ", 1)[0] for reason in reasons}
        others = [p for p in r.get("changedProperties", []) if p not in covered]
        details = ", ".join(reasons) + (f"; also {', '.join(others)}" if reasons and others else "")
        key = (
            r["type"],
            _pattern(r["name"], members),
            r.get("change", "create"),
            ", ".join(others),
            details if reasons else "",
            " / ".join(f"{e['code']}: {e['message']}" for e in r.get("errors", [])),
        )
        groups[key].append(r)
    rows = [
        Row(
            change=change,
            type=rtype.split(":")[-1],
            names=tuple(sorted(i["name"] for i in items)),
            details="; ".join(x for x in (reasons or props, errs) if x),
            data=any(touches_data(i) for i in items),
            error=bool(errs),
            pattern=pattern,
        )
        for (rtype, pattern, change, props, reasons, errs), items in groups.items()
    ]
    return sorted(rows, key=Row.sort_key)


def render(document: dict[str, Any], title: str | None = None) -> str:
    """The whole PR comment."""
    stack = document["stack"]
    lines = [f"### {title or f'dsvm stack `{stack}`'}: {summary_line(document)}", ""]
    errs = document.get("errors") or []
    if errs:
        lines += [f"> **{len(errs)} change(s) would be refused:**"]
        lines += [f"> - {error_text(e)}" for e in errs[:10]]
        if len(errs) > 10:
            lines.append(f"> - ... and {len(errs) - 10} more")
        lines.append("")
    findings = document.get("policy") or []
    if findings:
        lines += [f"> **{len(findings)} policy finding(s)** (policy/: the rules `pulumi preview --policy-pack "
                  "policy` runs):"]
        lines += [f"> - {'⛔' if f.get('enforcement') == 'mandatory' else '⚠️'} {finding_text(f)}"
                  for f in findings[:10]]
        if len(findings) > 10:
            lines.append(f"> - ... and {len(findings) - 10} more")
        lines.append("")
    warnings = [*(document.get("warnings") or []), *((document.get("cost") or {}).get("warnings") or [])]
    if warnings:
        lines += [f"> ⚠️ {w}" for w in warnings] + [""]
    existing = document.get("existing") or []
    if existing:
        lines += ["Uses without creating: " + ", ".join(
            f"`{e['id'].rsplit('/', 1)[-1]}` ({e['kind']}, {e['source']})" for e in existing)]
        lines.append("")
    cost = document.get("cost") or {}
    if cost.get("monthly") is not None:
        line = (
            f"Estimated cost: **{_money(cost['monthly'])}/month** "
            f"(always-on: {_money(cost['alwaysOnMonthly'])}/month)"
        )
        if cost.get("delta"):
            line += f"; change {_money(cost['delta']['monthly'], signed=True)}/month"
        lines += [line, ""]
        sentences = summary_text(cost)
        lines += [f"- {sentence}" for sentence in sentences] + ([""] if sentences else [])
        seats = len((document.get("outputs") or {}).get("seats") or {})
        if seats:  # a scale_out stack: what a seat costs, scale sets billed for their scheduled hours
            lines += [f"Per seat: **${cost['monthly'] / seats:,.2f}/month** ({seats} seats).", ""]
        modes = cost.get("modes") or {}
        if "cpu" in modes and "gpu" in modes:
            lines += [
                f"By mode: cpu {_money(modes['cpu']['monthly'])}/month, gpu {_money(modes['gpu']['monthly'])}/month "
                f"(switching to gpu: {_money(modes['difference']['monthly'], signed=True)}/month for the expected "
                "hours)",
                "",
            ]
    rows = _group_rows(document)
    if rows:
        lines += ["| | change | resource | names | details |", "|---|---|---|---|---|"]
        for row in rows:
            mark = "⛔" if row.error else ("⚠️💾" if row.data else ("⚠️" if row.change == "replace" else ""))
            count = f" ×{len(row.names)}" if len(row.names) > 1 else ""
            lines.append(
                f"| {mark} | {SYMBOLS[row.change]} {row.change}{count} | {row.type} | {row.shown_names()} | "
                f"{row.details.replace('|', '/')} |"
            )
    else:
        lines.append("No changes.")
    kept = [r for r in document["resources"] if r.get("kept")]
    if kept:
        lines += ["", "💾 Data kept: " + ", ".join(f"`{r['name']}` ({r['kept']})" for r in kept[:MAX_NAMES])
                  + (f" +{len(kept) - MAX_NAMES} more" if len(kept) > MAX_NAMES else "")]
    same = document["changes"].get("same", 0)
    if same:
        lines += ["", f"{same} resource(s) unchanged."]
    effects = sorted({e for r in document["resources"] for e in r.get("effects") or []})
    if effects:
        lines += ["", "What it does to the machines:"] + [f"- {e}" for e in effects[:MAX_NAMES * 2]]
    if rows:  # a graph of nothing that changes helps no reviewer
        lines += ["", "<details><summary>Resource graph</summary>", "", "```mermaid", mermaid(document), "```", "",
                  "</details>"]
    lines.append("")
    return "\n".join(lines)


def mermaid(document: dict[str, Any]) -> str:
    """Components as subgraphs, resources as nodes, dependencies as edges; one workstation drawn."""
    members = _members(document)
    drawn_member = sorted(members)[0] if members else None
    skipped: set[str] = set()
    resources = []
    for r in document["resources"]:
        owner = next((m for m in members if _pattern(r["name"], [m]) != r["name"]), None)
        if owner is not None and owner != drawn_member:
            skipped.add(owner)
            continue
        resources.append(r)
    ids = {r["urn"]: f"n{i}" for i, r in enumerate(resources)}
    children: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
    for r in resources:
        children[r["parent"] if r["parent"] in ids else None].append(r)
    out = ["graph LR"]

    def label(r: dict[str, Any]) -> str:
        change = r.get("change")
        prefix = f"{SYMBOLS[change]} " if change and change != "same" else ""
        return f"{prefix}{r['type'].split(':')[-1]}<br/>{r['name']}"

    def emit(r: dict[str, Any], indent: str) -> None:
        node = ids[r["urn"]]
        if r["type"].startswith("dsvm:") and children.get(r["urn"]):
            out.append(f'{indent}subgraph {node}["{label(r)}"]')
            for child in children[r["urn"]]:
                emit(child, indent + "  ")
            out.append(f"{indent}end")
        else:
            out.append(f'{indent}{node}["{label(r)}"]')

    for r in children[None]:
        emit(r, "  ")
    for r in resources:
        for dep in r.get("dependsOn") or []:
            if dep in ids and not r["type"].startswith("dsvm:"):
                out.append(f"  {ids[r['urn']]} --> {ids[dep]}")
    others = len(skipped)
    if others:
        out.append(f'  more["… and {others} more workstation(s) like {drawn_member}"]')
    return "\n".join(out)
