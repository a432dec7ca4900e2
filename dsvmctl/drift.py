"""Drift, and what waits to be deployed, from the Pulumi CLI's JSON: ``python -m dsvmctl.drift STACK --refresh FILE``.

The nightly drift workflow (.github/workflows/drift.yml) asks two questions per stack, read-only:

- **drift**: does Azure still match the stack's *state*? ``pulumi refresh --preview-only --json``
  compares the state with the cloud; a resource changed outside Pulumi (the portal, the az CLI, a
  deleted disk) shows as a step ``update`` (with ``detailedDiff``) or ``delete``, an unchanged one as
  ``refresh`` (pulumi/pulumi ``pkg/backend/display/json.go`` rewrites refresh steps so);
- **pending**: does the *program* on main differ from the state? ``pulumi preview --json``: a change
  merged but not deployed yet (waiting for an approval, or its deployment failed). That is no drift,
  so it is reported on its own, never as drift.

Either command can fail (a login, a quota, a provider error): its JSON then carries ``diagnostics``
with severity ``error`` (``PreviewDigest``), or there is no JSON at all. A failed check is never
"no drift": it is reported with its errors (the JSON's, or the tail of the command's log) and exits 2.
Exit 1 when anything drifted, else 0 (pending changes alone exit 0; ``--github-output`` records
``drift``, ``pending`` and ``failed`` for the workflow, which files drift and pending deployments as
separate issues).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

UNCHANGED = frozenset({"same", "read", "refresh"})
# The steps of one replacement (pkg/display/json.go's ops) are reported once, as a replace.
REPLACING = frozenset({"replace", "create-replacement", "delete-replaced", "discard-replaced", "import-replacement",
                       "read-replacement"})  # fmt: skip
LOG_TAIL = 6000  # characters of a command's log kept when it wrote no JSON


@dataclass
class Check:
    """One command's answer: the resources it would change, or why it could not say."""

    name: str
    changes: list[tuple[str, str, str, list[str]]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def drifted(document: dict[str, Any]) -> list[tuple[str, str, str, list[str]]]:
    """(op, type, name, differing properties) of every resource a step would change, once per resource."""
    found: dict[str, tuple[str, str, str, list[str]]] = {}
    for step in document.get("steps") or []:
        op = str(step.get("op") or "")
        if op in UNCHANGED:
            continue
        urn = str(step.get("urn") or "")
        parts = urn.split("::")
        kind = parts[-2].rsplit("$", 1)[-1].rsplit(":", 1)[-1] if len(parts) >= 3 else "?"
        reasons = [str(r) for r in step.get("replaceReasons") or step.get("diffReasons") or
                   sorted(step.get("detailedDiff") or {})]  # fmt: skip
        before = found.get(urn)
        found[urn] = ("replace" if op in REPLACING else op, kind, parts[-1], reasons or (before[3] if before else []))
    return list(found.values())


def errors_of(document: dict[str, Any]) -> list[str]:
    """The error diagnostics of a run (what stopped it), each with its resource when it names one."""
    found = []
    for diagnostic in document.get("diagnostics") or []:
        if str(diagnostic.get("severity") or "").lower() != "error":
            continue
        message = str(diagnostic.get("message") or "").strip()
        urn = str(diagnostic.get("urn") or "")
        found.append(f"{urn.rsplit('::', 1)[-1]}: {message}" if urn else message)
    return found


def read_check(name: str, path: Path, log: Path | None, exit_code: int | None) -> Check:
    """A command's JSON (and its log and exit code when given) as a ``Check``."""
    check = Check(name)
    try:
        document = json.loads(path.read_text() or "null")
    except (OSError, ValueError) as error:
        document = None
        check.errors.append(f"`{name}` wrote no JSON ({error})")
    if isinstance(document, dict):
        check.changes = drifted(document)
        check.errors += errors_of(document)
    elif document is None and not check.errors:
        check.errors.append(f"`{name}` wrote no JSON")
    if exit_code not in (None, 0) and not check.errors:
        check.errors.append(f"`{name}` exited {exit_code}")
    if check.errors and log is not None:
        try:
            tail = log.read_text(errors="replace")[-LOG_TAIL:].strip()
        except OSError:
            tail = ""
        if tail:
            check.errors.append(f"its log ends:\n```\n{tail}\n```")
    return check


def _lines(changes: list[tuple[str, str, str, list[str]]]) -> list[str]:
    return [f"- `{op}` {kind} `{name}`" + (f" ({', '.join(reasons)})" if reasons else "")
            for op, kind, name, reasons in changes]  # fmt: skip


def report(stack: str, drift: Check, pending: Check | None) -> str:
    """Markdown for the job summary and the issues: failures first, then drift, then pending deployment."""
    lines: list[str] = []
    for check in (drift, pending):
        if check is not None and check.errors:
            lines += [f"**The check `{check.name}` of stack `{stack}` failed: this is no verdict on drift.**", ""]
            lines += [f"- {e}" if "\n" not in e else e for e in check.errors] + [""]
    if not drift.errors:
        if drift.changes:
            lines += [f"**{len(drift.changes)} resource(s) of stack `{stack}` changed outside Pulumi (drift):**", ""]
            lines += [*_lines(drift.changes), ""]
        else:
            lines += [f"No drift in stack `{stack}`: Azure matches its state.", ""]
    if pending is not None and not pending.errors and pending.changes:
        lines += [f"**{len(pending.changes)} resource(s) of stack `{stack}` wait for a deployment** (main's "
                  "program differs from the deployed state: an approval pending, or a failed deployment; not drift):",
                  ""]  # fmt: skip
        lines += [*_lines(pending.changes), ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dsvmctl.drift", description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument("--refresh", type=Path, required=True, help="`pulumi refresh --preview-only --json` output")
    parser.add_argument("--refresh-log", type=Path, help="its stderr")
    parser.add_argument("--refresh-exit", type=int, help="its exit code")
    parser.add_argument("--preview", type=Path, help="`pulumi preview --json` output (pending deployment)")
    parser.add_argument("--preview-log", type=Path)
    parser.add_argument("--preview-exit", type=int)
    parser.add_argument("--github-output", type=Path, help="append drift=, pending=, failed= here")
    args = parser.parse_args(argv)
    drift = read_check("pulumi refresh --preview-only", args.refresh, args.refresh_log, args.refresh_exit)
    pending = read_check("pulumi preview", args.preview, args.preview_log, args.preview_exit) if args.preview else None
    sys.stdout.write(report(args.stack, drift, pending))
    failed = bool(drift.errors or (pending and pending.errors))
    for check in (drift, pending):
        for error in check.errors if check else []:
            first = error.splitlines()[0]
            print(f"::error title=drift check failed in {args.stack}::{first}", file=sys.stderr)
    for op, kind, name, reasons in drift.changes:
        detail = f": {', '.join(reasons)}" if reasons else ""
        print(f"::error title=drift in {args.stack}::{op} {kind} {name}{detail}", file=sys.stderr)
    for op, kind, name, _ in pending.changes if pending else []:
        print(f"::warning title=pending deployment of {args.stack}::{op} {kind} {name}", file=sys.stderr)
    if args.github_output is not None:
        with args.github_output.open("a") as out:
            out.write(f"drift={len(drift.changes)}\npending={len(pending.changes) if pending else 0}\n"
                      f"failed={'true' if failed else 'false'}\n")  # fmt: skip
    return 2 if failed else 1 if drift.changes else 0


if __name__ == "__main__":
    sys.exit(main())
