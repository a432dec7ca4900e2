"""Which stacks a change touches, for the workflows: ``python -m dsvmctl.affected --base REF`` (or ``--deployed``).

A stack is touched when its stack file changed, or when anything but stack files, docs, tests,
benchmarks and workflows changed (the program, its requirements, Pulumi.yaml, a roster: every
stack runs that). Prints a JSON list of stack names in deployment order: the other stacks first,
then ``staging``, then ``prod`` (promotion targets go last, so a sequential matrix reaches prod
only after everything else succeeded). With ``--only`` (a JSON list, e.g. the repository variable
of the stacks that have an Azure environment) the rest are left out; with ``--no-promotion-targets``
staging and prod are too (a pull request never previews them against Azure: docs/GITOPS.md).

``--deployed FILE`` (``python -m dsvmctl.deployments last-successful``: each stack's last successfully
deployed commit, or null) compares each stack with its own last deployment instead of one base: a stack
whose deployment failed, was cancelled or was refused stays touched until it deploys, whatever the later
pushes change; a stack never deployed (null) or whose commit git no longer has is touched.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

STACK_FILE = re.compile(r"Pulumi\.([^/]+)\.yaml")
NOT_PROGRAM = re.compile(r"Pulumi\.[^/]+\.yaml|[^/]*\.md|(docs|tests|bench|\.github)/.*")
LAST = ("staging", "prod")  # promotion targets, in promotion order


def affected(changed: Sequence[str], stacks: Sequence[str]) -> list[str]:
    """The stacks of ``stacks`` that the changed paths (relative to the project) touch, in deployment order."""
    program = any(not NOT_PROGRAM.fullmatch(path) for path in changed)
    files = {m.group(1) for path in changed if (m := STACK_FILE.fullmatch(path))}
    return in_order([s for s in stacks if program or s in files])


def in_order(stacks: Sequence[str]) -> list[str]:
    """Deployment order: the other stacks by name, then the promotion targets in promotion order."""
    return sorted(stacks, key=lambda s: (LAST.index(s) + 1 if s in LAST else 0, s))


def affected_since(deployed: dict[str, str | None], stacks: Sequence[str], project_dir: Path) -> list[str]:
    """The stacks whose stack file or program differs from what each last deployed, in deployment order."""
    touched = []
    for stack in stacks:
        commit = deployed.get(stack)
        changed = changed_paths(commit, project_dir) if commit else None
        if changed is None or affected(changed, [stack]):
            touched.append(stack)
    return in_order(touched)


def changed_paths(base: str, project_dir: Path) -> list[str] | None:
    """The paths (relative to ``project_dir``) that differ between ``base`` and HEAD; None when ``base`` cannot
    be compared (a first push, a ref that is gone): then every stack counts as touched."""
    done = subprocess.run(
        ["git", "diff", "--name-only", "--relative", f"{base}...HEAD"],
        cwd=project_dir, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return done.stdout.split() if done.returncode == 0 else None


def main(argv: Sequence[str] | None = None) -> int:
    from dsvmctl.project import find_project_dir, stack_names

    parser = argparse.ArgumentParser(prog="python -m dsvmctl.affected", description=(__doc__ or "").splitlines()[0])
    since = parser.add_mutually_exclusive_group(required=True)
    since.add_argument("--base", help="git ref to compare HEAD with (e.g. origin/main)")
    since.add_argument("--deployed", type=Path, help="JSON {stack: last deployed commit or null}")
    parser.add_argument("--only", default="", help="JSON list of stacks that may be named (default: all)")
    parser.add_argument("--no-promotion-targets", action="store_true", help=f"leave out {', '.join(LAST)}")
    parser.add_argument("--project-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    directory = args.project_dir or find_project_dir()
    stacks = stack_names(directory)
    if args.only:
        allowed = set(json.loads(args.only))
        stacks = [s for s in stacks if s in allowed]
    if args.no_promotion_targets:
        stacks = [s for s in stacks if s not in LAST]
    if args.deployed is not None:
        print(json.dumps(affected_since(json.loads(args.deployed.read_text()), stacks, directory)))
        return 0
    changed = changed_paths(args.base, directory)
    print(json.dumps(in_order(stacks) if changed is None else affected(changed, stacks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
