"""What each stack last deployed, from GitHub's record of its environment: ``python -m dsvmctl.deployments``.

Every workflow job that names an environment leaves a GitHub deployment of its commit (``sha``) in that
environment, with statuses that follow the job; ``deploy.yml``'s ``pulumi up`` of a stack runs in the
environment named after the stack, so that environment's newest deployment whose newest status is
``success`` is the commit the stack last deployed (GitHub Docs, 'REST API endpoints for deployments',
'... for deployment statuses': lists newest first; a later success marks earlier ones ``inactive``).
A job that failed, was cancelled, or whose approval was refused leaves no ``success``; which status it
leaves instead is not confirmed here, and nothing below depends on it.

The workflows use it to:
- deploy what differs from each stack's last successful deployment (``last-successful``, read by
  ``python -m dsvmctl.affected --deployed``), not what one push changed: a stack whose deployment was
  cancelled or refused is deployed again by the next push, whatever that push touched;
- promote only from a source whose newest deployment succeeded (``source``), and diff the promotion
  against what the target last deployed.

Reads the API through the ``gh`` CLI (``GH_TOKEN``; the job needs ``deployments: read``). Exit 2 when
the API cannot be read, 1 when ``source`` refuses, 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

PAGE = 30  # the newest deployments read per environment; none successful among them counts as never deployed

Api = Callable[[str], Any]


class DeploymentsError(Exception):
    """The deployments API could not be read; the message says what ``gh`` answered."""


@dataclass(frozen=True)
class Deployment:
    """One deployment of an environment and its newest status (None: it has none yet)."""

    sha: str
    created_at: str
    state: str | None


def gh_api(path: str) -> Any:
    """``gh api PATH`` as JSON."""
    done = subprocess.run(["gh", "api", path], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DeploymentsError(f"gh api {path}: {done.stderr.strip() or f'exit {done.returncode}'}")
    return json.loads(done.stdout or "null")


def fetch(repo: str, environment: str, api: Api = gh_api) -> list[Deployment]:
    """The environment's newest deployments, newest first, each with its newest status."""
    found = []
    for item in api(f"repos/{repo}/deployments?environment={environment}&per_page={PAGE}") or []:
        statuses = api(f"repos/{repo}/deployments/{item['id']}/statuses?per_page=10") or []
        newest = max(statuses, key=lambda s: (str(s.get("created_at") or ""), int(s.get("id") or 0)), default=None)
        found.append(Deployment(str(item["sha"]), str(item.get("created_at") or ""),
                                str(newest["state"]) if newest else None))  # fmt: skip
    return sorted(found, key=lambda d: d.created_at, reverse=True)


def last_successful(deployments: Sequence[Deployment]) -> Deployment | None:
    """The newest deployment that succeeded (the commit the stack runs), or None."""
    return next((d for d in deployments if d.state == "success"), None)


def source_refusal(environment: str, deployments: Sequence[Deployment]) -> str | None:
    """Why a promotion from ``environment`` must wait (its newest deployment did not succeed); None: go ahead."""
    if not deployments:
        return f"{environment} has never been deployed: deploy it (deploy.yml) before promoting from it"
    newest = deployments[0]
    if newest.state != "success":
        return (f"the newest deployment of {environment} ({newest.sha[:12]}, {newest.created_at}) is "
                f"{newest.state or 'without a status'}, not success: promote only what {environment} runs; fix or "
                "re-run its deployment (deploy.yml) first")  # fmt: skip
    return None


def main(argv: Sequence[str] | None = None, api: Api = gh_api) -> int:
    parser = argparse.ArgumentParser(prog="python -m dsvmctl.deployments", description=(__doc__ or "").splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    every = commands.add_parser("last-successful", help="JSON {stack: commit or null} of each environment")
    every.add_argument("--repo", required=True)
    every.add_argument("--environments", required=True, help="JSON list of environments (stacks)")
    source = commands.add_parser("source", help="the commit a promotion source runs; exit 1 when it must wait")
    source.add_argument("--repo", required=True)
    source.add_argument("--environment", required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "last-successful":
            found = {env: last_successful(fetch(args.repo, env, api)) for env in json.loads(args.environments)}
            print(json.dumps({env: d.sha if d else None for env, d in found.items()}))
            return 0
        deployments = fetch(args.repo, args.environment, api)
    except DeploymentsError as error:
        print(f"::error title=deployments::{error}", file=sys.stderr)
        return 2
    refusal = source_refusal(args.environment, deployments)
    if refusal is not None:
        print(f"::error title=promotion from {args.environment} refused::{refusal}", file=sys.stderr)
        return 1
    print(deployments[0].sha)
    return 0


if __name__ == "__main__":
    sys.exit(main())
