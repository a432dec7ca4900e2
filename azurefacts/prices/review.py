"""The price snapshot for a reviewer: what a refresh changes, and how old each file's figures are."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import Any

from azurefacts.prices import REFERENCE_REGION, SNAPSHOT_FILES, load

STALE_DAYS = 90
KEY_WORDS = {"vm": "sizes", "disk": "SKUs"}


def flatten(data: Mapping[str, Any]) -> dict[str, float]:
    """Every price of a snapshot file as ``region/section/key[/item]`` -> amount."""
    found: dict[str, float] = {}

    def walk(prefix: str, node: Mapping[str, Any]) -> None:
        for name, value in node.items():
            path = f"{prefix}/{name}" if prefix else str(name)
            if isinstance(value, Mapping):
                walk(path, value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                found[path] = float(value)

    walk("", data.get("regions", {}))
    return found


def _short(text: object, width: int = 110) -> str:
    text = str(text)
    return text if len(text) <= width else text[: width - 1] + "…"


def _change(old: float, new: float) -> str:
    return f" ({(new - old) / old:+.1%})" if old else ""


def diff_lines(
    name: str, old: Mapping[str, Any] | None, new: Mapping[str, Any], why_removed: Callable[[str], str]
) -> list[str]:
    """What writing ``new`` over ``old`` changes, per price (``~`` changed, ``+`` added, ``-`` removed)."""
    lines = [f"{name}: {'a new file' if old is None else 'changes'}"]
    if old is not None:
        for field in ("schema", "currency", "read_on", "confirmed"):
            if old.get(field) != new.get(field):
                lines.append(f"  {field}: {old.get(field)} -> {new.get(field)}")
        if old.get("source") != new.get("source"):
            lines += [f"  source was: {_short(old.get('source'))}", f"  source now: {_short(new.get('source'))}"]
    before, after = flatten(old or {}), flatten(new)
    counts = {"~": 0, "+": 0, "-": 0, "=": 0}
    for key in sorted(before.keys() | after.keys()):
        if key in before and key in after:
            if before[key] == after[key]:
                counts["="] += 1
                continue
            counts["~"] += 1
            lines.append(f"  ~ {key}: {before[key]:g} -> {after[key]:g}{_change(before[key], after[key])}")
        elif key in after:
            counts["+"] += 1
            lines.append(f"  + {key}: {after[key]:g}")
        else:
            counts["-"] += 1
            lines.append(f"  - {key}: {before[key]:g} -> removed ({why_removed(key)})")
    lines.append(
        f"  {name}: {counts['~']} changed, {counts['+']} added, {counts['-']} removed, {counts['=']} unchanged"
    )
    return lines


def _age(read_on: str, today: date) -> tuple[int | None, str]:
    try:
        days = (today - date.fromisoformat(read_on)).days
    except ValueError:
        return None, f"read_on {read_on!r} is not a date"
    if days < 0:
        return days, f"dated {-days} day(s) after today ({today})"
    return days, "read today" if days == 0 else f"{days} day(s) old"


def _count(name: str, section: Mapping[str, Any]) -> str:
    prices = len(flatten({"regions": {"_": section}}))
    nested = sum(isinstance(v, Mapping) for v in section.values())
    keys = f"{nested} {KEY_WORDS.get(name, 'keys')}, " if nested else ""
    return f"{name} {keys}{prices} price{'s' if prices != 1 else ''}"


def show_lines(directory: Path, today: date) -> list[str]:
    """Per snapshot file: its date and age, source, confirmation, regions and item counts; stale files warned."""
    book = load(directory)  # the files must load together (schema, currency)
    regions = ", ".join(f"{r} (reference)" if r == REFERENCE_REGION else r for r in sorted(book.regions))
    lines = [f"Price snapshot {directory}: {book.currency}, regions {regions}"]
    for name in SNAPSHOT_FILES:
        data = json.loads((directory / name).read_text(encoding="utf-8"))
        days, age = _age(str(data.get("read_on")), today)
        confirmed = "confirmed" if data.get("confirmed") else "not confirmed"
        lines.append(f"{name}: read on {data.get('read_on')}, {age}; {confirmed}")
        lines.append(f"  source: {data.get('source')}")
        for region, sections in sorted(data.get("regions", {}).items()):
            counts = "; ".join(_count(section, content) for section, content in sorted(sections.items()))
            lines.append(f"  {region}: {counts or 'no prices'}")
        if days is None or days > STALE_DAYS:
            lines.append(
                f"  WARNING: {name} is {'of unknown age' if days is None else f'{days} days old'} (over "
                f"{STALE_DAYS}): refresh it with `python -m azurefacts.prices refresh` (needs network access)"
            )
    return lines
