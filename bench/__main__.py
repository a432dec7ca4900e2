"""`python -m bench [--sizes 10,100,300] [--json]`: the team stack's plan against a flat program.

For each team size, whole processes, one after the other, in this run:
- ``plan``: ``dsvmctl plan --stack bench --json`` of a team of that size (a temporary
  project with the dev stack's settings), as a user runs it;
- ``flat``: ``python -m bench.flat``, the same Azure resources hand-written with the
  typed azure-native classes, no components, no validation, under the same mocks,
  with Python's default garbage collector settings (what a hand-written program has);
- ``flat_tuned``: the same with the process settings ``dsvmctl`` and the program use
  (``stacks/process.py``: the collector's thresholds, no alias URNs the engine does not
  read): what of the gain is our program's and what is the process settings';
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
        command = [sys.executable, "-m", "dsvmctl", "plan", "--stack", "bench", "--json", "--project-dir",
                   str(project(members, tmp_path))]  # fmt: skip
        plan_s, plan_mib, plan_out = run([*command, "--jobs", "1"], ROOT)
        sharded_s, sharded_mib, sharded_out = run(command, ROOT)  # the default: parts from 40 members
        if sharded_out != plan_out:
            raise SystemExit(f"{members} members: the plan in parts differs from the plan in one process")
        flat_s, flat_mib, flat_out = run([sys.executable, "-m", "bench.flat", "--members", str(members)], ROOT)
        flat_tuned_s, flat_tuned_mib, _ = run(
            [sys.executable, "-m", "bench.flat", "--members", str(members), "--tuned"], ROOT
        )
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
        "flat_tuned_seconds": round(flat_tuned_s, 2),
        "flat_tuned_peak_mib": flat_tuned_mib,
        "bare_seconds": round(bare_s, 2),
        "bare_peak_mib": bare_mib,
        "sharded_seconds": round(sharded_s, 2),
        "sharded_peak_mib": sharded_mib,
        "plan_over_flat": round(plan_s / flat_s, 2),
        "sharded_over_flat": round(sharded_s / flat_s, 2),
        "plan_over_flat_tuned": round(plan_s / flat_tuned_s, 2),
        "sharded_over_flat_tuned": round(sharded_s / flat_tuned_s, 2),
        "plan_over_bare": round(plan_s / bare_s, 2),
        "longest_chain": len(program["longest_chain"]),
        "longest_chain_path": program["longest_chain"],
        "import_seconds": program["import_seconds"],
    }


# The azure-native submodules a team plan uses (the SDK loads them lazily, on first use).
AZURE_SUBMODULES = ("authorization", "compute", "consumption", "devtestlab", "network", "resources", "storage")
ENTRY_MODULES = ("dsvmctl.cli", "dsvmctl.plan", "stacks.team", "components", "costs.pricers")


def loaded_submodules(project_dir: Path) -> list[str]:
    """The azure-native submodules a whole ``dsvmctl plan`` process loads (``python -X importtime``)."""
    with tempfile.TemporaryFile(mode="w+") as log:
        subprocess.run([sys.executable, "-X", "importtime", "-m", "dsvmctl", "plan", "--stack", "bench", "--json",
                        "--project-dir", str(project_dir)], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log,
                       check=True)  # fmt: skip
        log.seek(0)
        names = {line.rsplit("|", 1)[-1].strip() for line in log if "pulumi_azure_native." in line}
    return sorted({n.split(".")[1] for n in names if n.count(".") >= 1 and not n.split(".")[1].startswith("_")})


def imports(repeat: int = 3) -> dict[str, Any]:
    """Whole-process seconds (best of ``repeat``) to import the azure-native submodules a plan uses
    alone (with pulumi), and the same with the entry's own modules on top; and the check that a plan
    loads no other azure-native submodule."""
    forced = "import pulumi, " + ", ".join(f"pulumi_azure_native.{m}" for m in AZURE_SUBMODULES) + "; "
    forced += "; ".join(f"hasattr(pulumi_azure_native.{m}, '_load_')" for m in AZURE_SUBMODULES)  # loads it
    entry = f"import {', '.join(ENTRY_MODULES)}; " + forced
    with tempfile.TemporaryDirectory() as tmp:
        used = loaded_submodules(project(10, Path(tmp)))
    extra = sorted(set(used) - set(AZURE_SUBMODULES) - {"provider"})
    best = {name: min(run([sys.executable, "-c", code], ROOT)[0] for _ in range(repeat))
            for name, code in (("submodules_seconds", forced), ("entry_seconds", entry))}  # fmt: skip
    return {**{k: round(v, 2) for k, v in best.items()},
            "entry_over_submodules": round(best["entry_seconds"] / best["submodules_seconds"], 2),
            "plan_loads": used, "unexpected_submodules": extra}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", default="10,100,300", help="comma-separated team sizes")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    args = parser.parse_args()
    rows = [measure(int(size)) for size in args.sizes.split(",")]
    imported = imports()
    if args.json:
        print(json.dumps({"sizes": rows, "imports": imported}, indent=2))
        return
    columns = ("members", "resources_per_member", "plan_seconds", "sharded_seconds", "flat_seconds",
               "flat_tuned_seconds", "plan_over_flat", "sharded_over_flat", "plan_over_flat_tuned", "bare_seconds",
               "plan_peak_mib", "sharded_peak_mib", "flat_peak_mib", "flat_tuned_peak_mib",
               "longest_chain")  # fmt: skip
    print(" ".join(f"{c:>17}" for c in columns))
    for row in rows:
        print(" ".join(f"{row[c]!s:>17}" for c in columns))
    if len(rows) > 1:
        first, last = rows[0], rows[-1]
        growth = (last["plan_seconds"] / first["plan_seconds"]) / (last["members"] / first["members"])
        print(f"growth: time({last['members']})/time({first['members']}) = "
              f"{last['plan_seconds'] / first['plan_seconds']:.2f} (linear: {last['members'] / first['members']:.1f}; "
              f"per member {growth:.2f} of linear)")  # fmt: skip
    print(f"longest chain before a VM: {' -> '.join(rows[0]['longest_chain_path'])}")
    print(f"imports: {imported}")


if __name__ == "__main__":
    main()
