"""`python -m bench [--sizes 10,100,300]`: the team stack's plan cost against a bare replay.

For each team size, two fresh processes: the real program, and a bare replay
that registers the same Azure resources with the same inputs as untyped
``CustomResource`` calls under the same mocks (see bench/measure.py). Prints wall time, peak RSS,
resources per member, the longest dependency chain and the time ratio. Run it on
an otherwise idle machine and compare ratios from one run, not seconds across runs.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure(members: int, mode: str, replay: Path) -> dict[str, float]:
    command = [sys.executable, "-m", "bench.measure", "--members", str(members), "--mode", mode,
               "--replay", str(replay)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,100,300", help="comma-separated team sizes")
    args = parser.parse_args()
    header = f"{'members':>7} {'resources':>9} {'per member':>10} {'chain':>5} {'program s':>9} {'bare s':>7} " \
             f"{'ratio':>5} {'program MiB':>11} {'bare MiB':>8} {'import s':>8}"
    print(header)
    for size in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            replay = Path(tmp) / "replay.json"
            program, bare = measure(size, "program", replay), measure(size, "bare", replay)
        if bare["resources"] != program["resources"]:
            raise SystemExit(f"bare replay registered {bare['resources']} resources, not {program['resources']}")
        ratio = program["seconds"] / bare["seconds"] if bare["seconds"] else float("nan")
        print(f"{size:>7} {program['resources']:>9} {program['per_member']:>10} {program['longest_chain']:>5} "
              f"{program['seconds']:>9} {bare['seconds']:>7} {ratio:>5.2f} {program['peak_rss_mib']:>11} "
              f"{bare['peak_rss_mib']:>8} {program['import_seconds']:>8}")


if __name__ == "__main__":
    main()
