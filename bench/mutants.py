"""`python -m bench.mutants [--only ID,...] [--group G] [--check] [--markdown FILE]`: hand-written mutants.

Each mutant replaces one exact piece of text, which must occur exactly once, in one product file
(an operator flipped, a bound moved by one, a condition or clause dropped, branches swapped) and
runs the test files that should catch it (``pytest -x -q -p no:randomly <files>``, one process per
mutant, bytecode not written so no stale ``.pyc`` of a mutant outlives it). The mutant is *killed*
when the tests fail, *survived* when they pass. The file is restored in a ``finally`` (Ctrl-C
too) with its bytes and its modification time, and the run ends by checking that ``git status``
shows no product file changed.

A mutant marked ``equivalent`` behaves like the original for every input (the reason is given);
it is run all the same and left out of the ratio: killed / (all - equivalent).

``--check`` only applies each mutant in memory and compiles it (no tests run). ``--baseline``
first runs every test file named once without a mutant: a kill means nothing if they fail anyway.
Not a test (pytest does not collect ``bench/``) and not timed: the machine is shared, the seconds
printed are only a hint of where the time goes.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class Mutant:
    """One hand-written change: ``old`` (exactly once in ``path``) becomes ``new``."""

    id: str
    group: str  # "item7": a mutant issue 21 named; "fresh": the measured set
    path: str
    old: str
    new: str
    tests: str  # pytest arguments: test files or node ids, space-separated
    what: str
    equivalent: str = ""  # why no input tells it from the original (left out of the ratio)

    def line(self) -> int:
        text = (ROOT / self.path).read_text(encoding="utf-8")
        return text[: text.index(self.old)].count("\n") + 1 + len(self.old) - len(self.old.lstrip("\n"))

    def mutated(self) -> str:
        text = (ROOT / self.path).read_text(encoding="utf-8")
        count = text.count(self.old)
        if count != 1:
            raise ValueError(f"{self.id}: {self.path} holds the original text {count} times, not once: {self.old!r}")
        result = text.replace(self.old, self.new)
        compile(result, self.path, "exec")
        return result


# Test files per area (narrow: the files that test the module).
GPU = "tests/stacks/gpu_rig/test_gpu_rig.py"
PROMOTE = "tests/dsvmctl/test_promote.py"
LOCK = "tests/dsvmctl/test_state_lock.py"
YAML_V3 = "tests/dsvmctl/test_yaml_values.py tests/dsvmctl/test_project.py"
SCHEDULE = "tests/stacks/scale_out/test_schedule.py"
POLICY = "tests/policy/test_rules.py tests/stacks/test_config.py"
CONFIG = "tests/stacks/test_config.py tests/stacks/test_config_messages.py"
BUDGET = "tests/fakeazure/test_cost_controls.py"
ARM = "tests/dsvmctl/test_arm_export.py"
POOL_COST = "tests/costs/test_scale_sets.py"
EFFECTS = "tests/dsvmctl/test_lifecycle.py tests/stacks/scale_out/test_scale_out_stack.py"
ROSTER = "tests/stacks/scale_out/test_roster.py"
IDLE = "tests/components/test_idle_watch.py"

M = Mutant
MUTANTS: list[Mutant] = [
    # --- issue 21 item 7: the mutants that survived before, each with the test that must kill it -------------
    M("n01", "item7", "stacks/config/gpu_rig.py",
      "            floor = spot_price_floor(size.name, self.location)",
      "            floor = spot_price_floor(rig.active_size, self.location)",
      GPU, "Spot floor checked against the size the rig runs now only"),
    M("n02", "item7", "azurefacts/quotas.py",
      "quotas = [LOW_PRIORITY] if need.spot else [VM_SIZES[need.size].quota_family, TOTAL]",
      "quotas = [VM_SIZES[need.size].quota_family, TOTAL]",
      GPU, "a Spot VM counts against its family and the regional total"),
    M("n03", "item7", "azurefacts/quotas.py",
      "New Limit Required: {self.usage + self.required}", "New Limit Required: {self.limit + self.required}",
      GPU, "New Limit Required = limit + required"),
    M("n04", "item7", "azurefacts/quotas.py",
      'int(item.get("currentValue", 0))', "0",
      GPU, "a usage file's currentValue ignored"),
    M("n05", "item7", "costs/hours.py",
      'get_path(schedule, "inputs.status", "Disabled") != "Enabled"',
      'get_path(schedule, "inputs.status", "Enabled") != "Enabled"',
      "tests/costs/test_estimate.py", "a schedule without status counts as Enabled"),
    M("n06", "item7", "costs/pricers.py",
      '    if sku in ("Standard", "Premium"):\n        asked', '    if sku == "Standard":\n        asked',
      "tests/costs/test_estimate.py", "Premium Bastion scale units not priced"),
    M("n07", "item7", "dsvmctl/diff.py",
      'if reasons and base.get("protect") and head.get("protect"):', 'if reasons and head.get("protect"):',
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py",
      "replace refused whatever the saved state says (Pulumi: only when state and program both protect)"),
    M("n07b", "item7", "dsvmctl/diff.py",
      'if reasons and base.get("protect") and head.get("protect"):', 'if reasons and base.get("protect"):',
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py",
      "replace refused whatever the program says (Pulumi: only when state and program both protect)"),
    M("n08", "item7", "dsvmctl/diff.py",
      'ignored = head.get("ignoreChanges") or []', "ignored = []",
      "tests/dsvmctl/test_classify.py tests/dsvmctl/test_lifecycle.py", "ignoreChanges not honoured by classify"),
    M("n09", "item7", "azurefacts/resource_types.py",
      'update_refused=("roleDefinitionId",),', "update_refused=(),",
      "tests/fakeazure/test_updates.py", "a role assignment's role change in place"),
    M("n10", "item7", "fakeazure/mocks.py",
      "                        if found is not None:\n                            found.append(leaf)",
      "                        pass",
      "tests/fakeazure/test_secrets.py tests/components/test_cloud_init.py",
      "a secret leaf of a wrapped object is not recorded (no fingerprint)"),
    M("n11", "item7", "stacks/connections.py",
      "if target.rstudio and not target.windows:", "if target.rstudio:",
      "tests/stacks/team/test_connections.py", "RStudio offered on Windows"),
    M("n12", "item7", "stacks/config/access.py",
      'return self.mode == "bastion" and (bool(self.existing_bastion_resource_id) or self.bastion_sku != "Basic")',
      'return self.mode == "bastion" and (bool(self.existing_bastion_resource_id) or self.bastion_sku == "Standard")',
      "tests/stacks/team/test_connections.py", "Premium Bastion gets no CLI tunnel commands"),
    M("n13", "item7", "dsvmctl/arm.py",
      "                if value.lower() in self.by_id:\n                    refs.add(value.lower())",
      "                pass",
      ARM, "ARM dependsOn without the ids in property values"),
    M("n14", "item7", "dsvmctl/arm.py",
      "        elif arm.resource_group.lower() == self.resource_group.lower():\n            expr = ",
      "        elif arm.resource_group == self.resource_group:\n            expr = ",
      ARM, "resource-group ids compared case-sensitively"),
    M("n15", "item7", "components/scripts/dsvm_idle_watch.py",
      '            reasons.append(f"{name} probe failed', '            log(f"{name} probe failed',
      IDLE, "a failing probe only logged, not counted as busy"),
]


def selected(only: str | None, group: str | None) -> list[Mutant]:
    wanted = set(only.split(",")) if only else None
    return [m for m in MUTANTS if (wanted is None or m.id in wanted) and (group is None or m.group == group)]


def run_tests(args: list[str], timeout: float) -> tuple[str, str, float]:
    """(result, first failing test, seconds): ``killed``, ``survived``, ``timeout`` or ``error`` (bad args)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:randomly", "-p", "no:cacheprovider", *args]
    started = time.monotonic()
    try:
        done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", "", time.monotonic() - started
    seconds = time.monotonic() - started
    failed = re.search(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    if done.returncode in (1, 2, 3):
        return "killed", failed.group(1) if failed else f"exit {done.returncode}", seconds
    if done.returncode == 0:
        return "survived", "", seconds
    return "error", f"pytest exit {done.returncode}: {done.stdout[-300:]}", seconds


def run_mutant(mutant: Mutant, timeout: float) -> dict[str, object]:
    path = ROOT / mutant.path
    mutated = mutant.mutated()
    original, stat = path.read_bytes(), path.stat()
    try:
        path.write_text(mutated, encoding="utf-8")
        result, killer, seconds = run_tests(mutant.tests.split(), timeout)
    finally:
        path.write_bytes(original)
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    return {"id": mutant.id, "group": mutant.group, "where": f"{mutant.path}:{mutant.line()}", "what": mutant.what,
            "result": result, "killer": killer, "seconds": round(seconds, 1), "equivalent": mutant.equivalent}


def product_changes() -> list[str]:
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    return [line for line in status.splitlines() if not line[3:].startswith(("tests/", "bench/", "CHANGELOG"))]


def markdown(rows: list[dict[str, object]]) -> str:
    lines = ["| id | where | change | result | killed by |", "|---|---|---|---|---|"]
    for row in rows:
        result = f"{row['result']} (equivalent: {row['equivalent']})" if row["equivalent"] else str(row["result"])
        lines.append(f"| {row['id']} | {row['where']} | {row['what']} | {result} | {row['killer']} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.mutants", description=__doc__.split("\n")[0])
    parser.add_argument("--only", help="comma-separated mutant ids")
    parser.add_argument("--group", choices=("item7", "fresh"))
    parser.add_argument("--check", action="store_true", help="apply and compile each mutant in memory only")
    parser.add_argument("--baseline", action="store_true", help="run the named test files unmutated first")
    parser.add_argument("--timeout", type=float, default=TIMEOUT_SECONDS)
    parser.add_argument("--markdown", type=Path, help="write the result table here")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    args = parser.parse_args()
    mutants = selected(args.only, args.group)
    for mutant in mutants:
        mutant.mutated()  # every mutant applies once and compiles, before anything runs
    if args.check:
        print(f"{len(mutants)} mutant(s) apply and compile")
        return 0
    if product_changes():
        print("refusing to run: product files have uncommitted changes:\n" + "\n".join(product_changes()))
        return 2
    if args.baseline:
        files = sorted({t for m in mutants for t in m.tests.split()})
        result, killer, seconds = run_tests(files, args.timeout * 4)
        print(f"baseline ({len(files)} file(s)): {result} {killer} in {seconds:.0f} s", flush=True)
        if result != "survived":
            return 2
    rows = []
    try:
        for mutant in mutants:
            row = run_mutant(mutant, args.timeout)
            rows.append(row)
            print(f"{row['id']} {row['where']}: {row['result']} {row['killer']} ({row['seconds']} s)", flush=True)
    finally:
        changed = product_changes()
        if changed:
            print("PRODUCT FILES CHANGED AFTER THE RUN (restore them):\n" + "\n".join(changed))
    counted = [r for r in rows if not r["equivalent"]]
    killed = [r for r in counted if r["result"] in ("killed", "timeout")]
    errors = [r for r in rows if r["result"] == "error"]
    ratio = len(killed) / len(counted) if counted else 1.0
    print(f"killed {len(killed)} of {len(counted)} non-equivalent mutants ({ratio:.1%}); "
          f"{len(rows) - len(counted)} equivalent; {len(errors)} error(s)")  # fmt: skip
    for row in counted:
        if row["result"] == "survived":
            print(f"  survived: {row['id']} {row['where']} {row['what']}")
    if args.markdown:
        args.markdown.write_text(markdown(rows), encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 1 if changed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
