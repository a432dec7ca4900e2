"""A promotion copies only what its source really runs: ``dsvmctl promote SRC DST --source-deployed COMMIT``.

``promote.yml`` asks GitHub for the commit the source stack last deployed successfully (and refuses
when the source's newest deployment did not succeed: ``python -m dsvmctl.deployments source``), then
passes it here. The promotable keys of the source's stack file now must equal those at that commit:
a pin merged into dev but not deployed there (waiting for its deployment, or failed) has proved
nothing yet, so it must not travel to staging. The check reads the stack file at the commit from git.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from dsvmctl.project import read_stack, stack_path
from dsvmctl.promote import PromoteError, promotable_paths, value_at

NONE = "none"  # what the workflow passes when the source has no successful deployment


def check_source_deployed(project_dir: Path, source: str, deployed: str) -> None:
    """``PromoteError`` unless the source's promotable keys are what it deployed at ``deployed``."""
    from stacks import load_config
    from stacks.config import ConfigError

    if deployed.strip().lower() in ("", NONE):
        raise PromoteError(f"{source} has no successful deployment: deploy it (deploy.yml) before promoting from it")
    path = stack_path(project_dir, source)
    shown = subprocess.run(
        ["git", "show", f"{deployed}:./{path.name}"], cwd=path.parent, capture_output=True, text=True, check=False
    )  # fmt: skip
    if shown.returncode != 0:
        raise PromoteError(
            f"cannot read {path.name} at {deployed}, the commit {source} last deployed ({shown.stderr.strip()}): "
            "fetch the full history (actions/checkout fetch-depth: 0)"
        )
    try:
        now = load_config(read_stack(project_dir, source).config, project_dir=project_dir)
        then = load_config(read_stack(project_dir, source, shown.stdout).config, project_dir=project_dir)
    except ConfigError as error:
        raise PromoteError(f"Pulumi.{source}.yaml is not a valid stack: {error}") from None
    differ = [".".join(p) for p in promotable_paths(type(now)) if value_at(now, p) != value_at(then, p)]
    if differ:
        raise PromoteError(
            f"{source}'s promotable keys changed since its last successful deployment ({deployed[:12]}): "
            f"{', '.join('dsvm:' + d for d in differ)}; deploy {source} first, then promote what it runs"
        )
