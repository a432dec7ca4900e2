"""`python -m bench [--sizes 10,100,300] [--json]`: the team stack's plan against a flat program.

For each team size, whole processes, one after the other, in this run:
- ``plan``: ``dsvmctl plan --stack bench --json`` of a team of that size (a temporary
  project with the dev stack's settings), as a user runs it;
- ``flat``: ``python -m bench.flat``, the same Azure resources hand-written with the
  typed azure-native classes, no components, no validation, under the same mocks;
- ``bare``: ``python -m bench.measure --mode bare``, the same registrations as untyped
  ``CustomResource`` calls: the floor of the engine plus the emulator.
Wall time and peak RSS are the whole process's (``os.wait4``). Prints the ratio
plan/flat per member, resources per member, the longest chain of dependent Azure
resources before a member's VM exists, and the import time. Compare ratios from
one run, never seconds across runs (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def run(command: list[str], cwd: Path) -> tuple[float, int, str]:
    """Wall seconds, peak RSS (MiB) and stdout of one whole process."""
    with tempfile.TemporaryFile(mode="w+") as errors:
        began = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, text=True)
        assert process.stdout is not None
        out = process.stdout.read()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage (communicate() would reap it)
        seconds = time.perf_counter() - began
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            errors.seek(0)
            raise SystemExit(f"{' '.join(command)} failed: {errors.read().strip()[-2000:]}")
    return seconds, usage.ru_maxrss // 1024, out


def project(members: int, directory: Path) -> Path:
    """A project whose stack `bench` is the dev stack with ``members`` members in a /22."""
    from bench.measure import team

    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    values = team(members)
    config = {("azure-native:location" if k == "location" else f"dsvm:{k}"): v for k, v in values.items()}
    (directory / "Pulumi.bench.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


def measure(members: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        plan_s, plan_mib, plan_out = run(
            [sys.executable, "-m", "dsvmctl", "plan", "--stack", "bench", "--json", "--project-dir",
             str(project(members, tmp_path))], ROOT,
        )  # fmt: skip
        flat_s, flat_mib, flat_out = run([sys.executable, "-m", "bench.flat", "--members", str(members)], ROOT)
        replay = tmp_path / "replay.json"
        _, _, program_out = run([sys.executable, "-m", "bench.measure", "--members", str(members), "--mode",
                                 "program", "--replay", str(replay)], ROOT)  # fmt: skip
        bare_s, bare_mib, bare_out = run([sys.executable, "-m", "bench.measure", "--members", str(members),
                                          "--mode", "bare", "--replay", str(replay)], ROOT)  # fmt: skip
    document = json.loads(plan_out)
    flat, program, bare = (json.loads(o.strip().splitlines()[-1]) for o in (flat_out, program_out, bare_out))
    if not flat["resources"] == bare["resources"] == program["resources"]:
        raise SystemExit(f"the baselines registered {flat['resources']}/{bare['resources']} resources, "
                         f"the program {program['resources']}")
    resources = len([r for r in document["resources"] if not r["type"].startswith("dsvm:")])
    return {
        "members": members,
        "resources": resources,
        "resources_per_member": round(resources / members, 2),
        "plan_seconds": round(plan_s, 2),
        "plan_peak_mib": plan_mib,
        "flat_seconds": round(flat_s, 2),
        "flat_peak_mib": flat_mib,
        "flat_resources": flat["resources"],
        "bare_seconds": round(bare_s, 2),
        "bare_peak_mib": bare_mib,
        "plan_over_flat": round(plan_s / flat_s, 2),
        "plan_over_bare": round(plan_s / bare_s, 2),
        "longest_chain": program["longest_chain"],
        "import_seconds": program["import_seconds"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,100,300", help="comma-separated team sizes")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    rows = [measure(int(size)) for size in args.sizes.split(",")]
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    columns = ("members", "resources", "resources_per_member", "plan_seconds", "flat_seconds", "plan_over_flat",
               "bare_seconds", "plan_peak_mib", "flat_peak_mib", "longest_chain", "import_seconds")  # fmt: skip
    print(" ".join(f"{c:>20}" for c in columns))
    for row in rows:
        print(" ".join(f"{row[c]!s:>20}" for c in columns))


if __name__ == "__main__":
    main()
