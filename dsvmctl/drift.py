"""What drifted, from ``pulumi preview --refresh --expect-no-changes --json``: ``python -m dsvmctl.drift FILE``.

The nightly drift workflow (.github/workflows/drift.yml) runs the preview after a refresh; a stack
whose resources were changed outside Pulumi (the portal, the az CLI, a deleted disk) shows steps
other than ``same``. This names each such resource with what would happen to it and the properties
that differ (the CLI's JSON: ``steps[].op``, ``urn``, ``diffReasons``), as Markdown for the job summary
and the drift issue, and as ``::error`` annotations for the run. Exit 1 when anything drifted, 0 when
nothing did, 2 when the file is not the CLI's JSON (the preview itself failed: its log says why).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

UNCHANGED = frozenset({"same", "read", "refresh"})
# The steps of one replacement (pkg/display/json.go's ops) are reported once, as a replace.
REPLACING = frozenset({"replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement",
                       "read-replacement"})  # fmt: skip


def drifted(preview: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(op, type, name, differing properties) of every resource a step would change, once per resource."""
    found: dict[str, tuple[str, str, str, list[str]]] = {}
    for step in preview.get("steps") or []:
        op = str(step.get("op") or "")
        if op in UNCHANGED:
            continue
        urn = str(step.get("urn") or "")
        parts = urn.split("::")
        kind = parts[-2].rsplit("$", 1)[-1].rsplit(":", 1)[-1] if len(parts) >= 3 else "?"
        reasons = [str(r) for r in step.get("replaceReasons") or step.get("diffReasons") or []]
        before = found.get(urn)
        found[urn] = ("replace" if op in REPLACING else op, kind, parts[-1], reasons or (before[3] if before else []))
    return list(found.values())


def report(stack: str, found: list[tuple[str, str, str, list[str]]]) -> str:
    """Markdown: one line per drifted resource."""
    if not found:
        return f"No drift in stack `{stack}`: Azure matches the program.\n"
    lines = [f"**{len(found)} resource(s) of stack `{stack}` drifted from the program:**", ""]
    for op, kind, name, reasons in found:
        detail = f" ({', '.join(reasons)})" if reasons else ""
        lines.append(f"- `{op}` {kind} `{name}`{detail}")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (1, 2):
        print("usage: python -m dsvmctl.drift PREVIEW_JSON [STACK]", file=sys.stderr)
        return 2
    stack = args[1] if len(args) == 2 else Path(args[0]).stem
    try:
        preview = json.loads(Path(args[0]).read_text())
    except (OSError, ValueError) as error:
        print(f"{args[0]}: not `pulumi preview --json` output ({error}); the preview's log says why", file=sys.stderr)
        return 2
    found = drifted(preview if isinstance(preview, dict) else {})
    sys.stdout.write(report(stack, found))
    for op, kind, name, reasons in found:
        detail = f": {', '.join(reasons)}" if reasons else ""
        print(f"::error title=drift in {stack}::{op} {kind} {name}{detail}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
