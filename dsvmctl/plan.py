"""The offline plan: run the real program against fakeazure and describe the result.

``make_plan`` returns the JSON document of DESIGN.md section 5 (``stack``,
``kind``, ``resources``, ``outputs``, ``cost``, ``policy``, ``changes``).
Against a fresh emulator every custom resource is a ``create``; ``cost`` is
the estimate of the ``costs`` package; ``policy`` the findings of the policy pack's
rules (``dsvmctl.policy_check``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dsvmctl.existing import ExistingFile, adopt_subscription, seed, seed_subscription_roles
from dsvmctl.project import StackFile, project_name, read_stack
from fakeazure import FakeAzure, Registration, run_program
from stacks.config.stack import BaseStackConfig


@dataclass
class Plan:
    """A plan: the validated config's kind, the run's registrations and outputs."""

    stack: str
    kind: str
    records: list[Registration]
    outputs: dict[str, Any]
    warnings: list[str] = field(default_factory=list)
    existing: list[dict[str, Any]] = field(default_factory=list)
    cost_cap_monthly: float | None = None  # the config's, for the policy pack's cost-cap rule

    def to_json(self) -> dict[str, Any]:
        from costs import estimate
        from dsvmctl.policy_check import evaluate
        from policy.rules import StackInfo

        custom = [r for r in self.records if r.custom]
        resources = [resource_json(r) for r in self.records]
        cost = estimate(resources)
        rigs = self.outputs.get("rigs") or {}
        if rigs:  # a GPU rig stack: what it costs in each mode
            from costs.modes import mode_costs

            sizes = {  # a rig without a CPU size runs on its GPU size in both
                mode: {str(rig["vm_id"]): str(rig[f"{mode}_size"] or rig["gpu_size"]) for rig in rigs.values()}
                for mode in ("cpu", "gpu")
            }
            cost["modes"] = mode_costs(resources, sizes)
        return {
            "stack": self.stack,
            "kind": self.kind,
            "resources": resources,
            "outputs": self.outputs,
            "cost": cost,
            "policy": evaluate(resources, StackInfo(self.stack, self.kind, self.cost_cap_monthly)),
            "warnings": self.warnings,
            "existing": self.existing,
            "changes": {"create": len(custom), "update": 0, "replace": 0, "delete": 0, "same": 0},
        }


def resource_json(record: Registration) -> dict[str, Any]:
    """One resource in the plan contract (camelCase keys, secrets as "[secret]").

    ``refused`` (only when not empty): the changes to this deployed resource Azure refuses,
    as the emulator answered them ({code, message, target, hint}). ``ignoreChanges`` (only when not
    empty): the resource's ``ignore_changes`` paths, which a diff never reports as changes.
    """
    document: dict[str, Any] = {
        "urn": record.urn,
        "type": record.type,
        "name": record.name,
        "id": record.id,
        "parent": record.parent,
        "inputs": record.inputs,
        "outputs": record.outputs,
        "dependsOn": record.depends_on,
        "protect": record.protect,
        "retainOnDelete": record.retain_on_delete,
        "replaceOnChanges": record.replace_on_changes,
        "deleteBeforeReplace": record.delete_before_replace,
        "secretFingerprints": record.secret_fingerprints,
    }
    if record.ignore_changes:  # only when set, so plans of resources without it stay as they were
        document["ignoreChanges"] = record.ignore_changes
    if record.refusals:
        document["refused"] = record.refusals
    return document


def make_plan(
    project_dir: Path,
    stack: str,
    backend: FakeAzure | None = None,
    stack_file: StackFile | None = None,
    existing: ExistingFile | None = None,
    jobs: int | None = None,
) -> Plan:
    """Validate the stack's config (``ConfigError``), then run the program (``ArmError``).

    What the stack uses without creating it (an existing resource group, disk, Bastion) is
    put into the emulator first: as ``existing`` describes it, or assumed to exist
    (``dsvmctl.existing``); the plan lists each under ``existing``. A stack of many
    independent units is planned in ``jobs`` processes (default: one per core from
    ``SHARD_THRESHOLD`` units; 1 plans in this process) with the same result
    (``dsvmctl.shard``); ``backend`` is left as the plan left it either way.
    """
    import stacks
    from dsvmctl.shard import canonical_order, default_jobs, plan_parts
    from stacks.cost_controls import subscription_roles
    from stacks.process import skip_unused_alias_urns

    stack_file = stack_file or read_stack(project_dir, stack)
    config = stacks.load_config(stack_file.config, project_dir=project_dir)  # before any resource is registered
    backend = backend or FakeAzure()
    adopt_subscription(backend, config.external_resources())
    check_quota(config, backend)  # before any resource is registered
    listed = seed(backend, config.external_resources(), config.location, existing)
    listed += seed_subscription_roles(backend, subscription_roles(config), existing)
    units = config.units()
    skip_unused_alias_urns()  # URNs nothing reads (stacks/process.py); before worker processes fork
    jobs = default_jobs(len(units)) if jobs is None else min(jobs, len(units))
    if jobs > 1:
        records, outputs, merged = plan_parts(
            config, stack, project_name(project_dir), stack_file.config, backend, jobs
        )
        backend.resources = merged.resources
        backend.generations = merged.generations
    else:
        run = run_program(
            lambda: stacks.build(config, stack),
            backend,
            project=project_name(project_dir),
            stack=stack,
            config=stack_file.config,
        )
        records, outputs = canonical_order(run.records, units), run.outputs
    return Plan(
        stack=stack,
        kind=config.kind,
        records=records,
        outputs=outputs,
        warnings=config.warnings(),
        existing=[e.to_json() for e in listed],
        cost_cap_monthly=config.cost_cap_monthly,
    )


def check_quota(config: BaseStackConfig, backend: FakeAzure) -> None:
    """Refuse, as Azure's QuotaExceeded, a stack whose VMs do not fit the subscription's quotas.

    The emulator checks each VM as it is created; this checks the whole stack first, so a
    plan that cannot fit stops before any resource is registered, with every shortfall.
    """
    from azurefacts.quotas import shortfalls
    from fakeazure import ArmError

    found = shortfalls(backend.quota, config.quota_needs())
    if found:
        keys = config.quota_keys({s.quota for s in found if s.headroom > 0})  # room left: fewer may fit
        lower = f"lower {', '.join(keys)}, " if keys else ""
        what = "what each mode needs" if len(config.modes()) > 1 else "what the stack needs"
        raise ArmError(
            "QuotaExceeded",
            " ".join(s.message(config.location) for s in found),
            "hardwareProfile.vmSize",
            hint=f"{lower}raise the quota (az quota / the portal), or plan with a profile that has it "
            f"(--quota-profile FILE from `az vm list-usage -o json`): `dsvmctl quota` shows {what} against "
            f"{backend.quota.name}",
        )


def diff_document(head: dict[str, Any], base: dict[str, Any] | None) -> dict[str, Any]:
    """``head`` (a plan document) with each resource's change against ``base`` (a plan
    document, or None for "nothing exists yet"), the counts, the refused changes and
    the cost delta."""
    from costs import delta
    from dsvmctl.diff import diff_plans, errors, summarize

    document = dict(head)
    document["cost"] = {**head["cost"], "delta": delta(base["cost"] if base else {}, head["cost"])}
    document["resources"] = diff_plans(base["resources"] if base else None, head["resources"])
    document["changes"] = summarize(document["resources"])
    document["errors"] = errors(document["resources"])
    return document


class BaseRefError(Exception):
    """The plan at the base git ref could not be made."""


def state_at_ref(
    project_dir: Path, stack: str, ref: str, quota_profile: str | None = None
) -> dict[str, Any] | None:
    """The saved state (plan document and emulator) of ``stack`` as the code and stack file at git ``ref``
    would leave a fresh subscription after ``up``.

    The ref is checked out into a temporary worktree and applied there by its own code (a
    subprocess running ``dsvmctl up`` into a temporary state directory), so a pull request is
    compared with what main has deployed, through the same emulator rules as a diff against
    saved state: what Azure would refuse is refused here too. None when the stack file does
    not exist at that ref (a new stack).
    """
    import json
    import subprocess
    import sys
    import tempfile

    def git(*args: str, cwd: Path = project_dir) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False)

    top = git("rev-parse", "--show-toplevel")
    if top.returncode != 0:
        raise BaseRefError(f"{project_dir} is not in a git repository: {top.stderr.strip()}")
    root = Path(top.stdout.strip())
    relative = project_dir.resolve().relative_to(root.resolve())
    with tempfile.TemporaryDirectory(prefix="dsvmctl-base-") as tmp:
        worktree = Path(tmp) / "base"
        added = git("worktree", "add", "--detach", str(worktree), ref, cwd=root)
        if added.returncode != 0:
            raise BaseRefError(f"cannot check out {ref}: {added.stderr.strip()}")
        try:
            base_project = worktree / relative
            if not (base_project / f"Pulumi.{stack}.yaml").is_file():
                return None
            state_dir = Path(tmp) / "state"
            done = subprocess.run(
                [sys.executable, "-m", "dsvmctl", "up", "--stack", stack, "--state-dir", str(state_dir),
                 "--quota-profile", quota_profile or "payg"],
                cwd=base_project, capture_output=True, text=True, check=False,
            )  # fmt: skip
            if done.returncode != 0:
                raise BaseRefError(f"the stack at {ref} cannot be applied: {done.stderr.strip()}")
            return json.loads((state_dir / f"{stack}.json").read_text())  # type: ignore[no-any-return]
        finally:
            git("worktree", "remove", "--force", str(worktree), cwd=root)
