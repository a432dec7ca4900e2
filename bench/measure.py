"""One measurement in its own process (peak RSS is per process): ``--members N --mode program|bare``.

``program`` plans the real team stack of N members on fakeazure. ``bare``
replays the same Azure resources, with the same inputs and dependencies, as
untyped ``pulumi.CustomResource`` registrations under the same mocks: no
components, no azure-native classes, no ``apply`` chains. It is the floor of
the engine plus the emulator for these registrations; the ratio program/bare is
what the typed SDK classes and the program's structure add on top. (Profiling
shows most of that in the azure-native classes, which create an Output per
declared property of every resource: a raw-SDK program without components pays
it too.) Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def team(members: int) -> dict[str, Any]:
    """The dev stack's config with ``members`` members (the first member's key for all) in a /22."""
    from dsvmctl.project import read_stack
    from stacks.config import from_namespaced

    values = from_namespaced(read_stack(ROOT, "dev").config)
    key = values["members"][0]["ssh_public_key"]
    values["members"] = [{"username": f"m{i:03d}", "ssh_public_key": key} for i in range(members)]
    values["network"] = {"workstation_subnet": "10.50.0.0/22"}
    return values


def longest_chain(records: list[Any]) -> list[str]:
    """The longest path of dependent Azure resources ending at a VM: the ARM round trips, one after
    the other, before a member's VM exists. Component resources and providers' own resources (random,
    tls) are not Azure calls: a dependency through them counts as a direct one."""
    import networkx as nx

    by_urn = {r.urn: r for r in records}

    def azure(urn: str) -> bool:
        return by_urn[urn].type.startswith("azure-native:")

    def azure_deps(urn: str, seen: set[str]) -> set[str]:
        found: set[str] = set()
        for dep in by_urn[urn].depends_on:
            if dep in by_urn and dep not in seen:
                seen.add(dep)
                found |= {dep} if azure(dep) else azure_deps(dep, seen)
        return found

    graph = nx.DiGraph()
    nodes = [urn for urn in by_urn if azure(urn)]
    graph.add_nodes_from(nodes)
    graph.add_edges_from((dep, urn) for urn in nodes for dep in sorted(azure_deps(urn, set())))  # one order, one path
    vms = [urn for urn in nodes if by_urn[urn].type == "azure-native:compute:VirtualMachine"]
    best: list[str] = []
    for vm in vms:
        path = nx.dag_longest_path(graph.subgraph(nx.ancestors(graph, vm) | {vm}))
        best = path if len(path) > len(best) else best
    return [by_urn[urn].name for urn in best]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--mode", choices=("program", "bare"), required=True)
    parser.add_argument("--replay", type=Path, required=True, help="program: writes it; bare: reads it")
    args = parser.parse_args()

    started = time.perf_counter()
    import pulumi

    import stacks
    from fakeazure import FakeAzure, run_program
    from stacks.config import parse_config

    imported = time.perf_counter() - started
    config = parse_config(team(args.members))
    reference = FakeAzure()
    if args.mode == "program":
        began = time.perf_counter()
        run = run_program(lambda: stacks.build(config, "bench"), reference, stack="bench")
        elapsed = time.perf_counter() - began
        records = run.records
        # What the bare replay replays: each custom registration with the plain inputs the backend saw.
        by_name = {(r.token, r.logical_name): r for r in reference.resources.values()}
        replay = [
            {"urn": r.urn, "type": r.type, "name": r.name, "dependsOn": r.depends_on,
             "inputs": by_name[(r.type, r.name)].inputs}
            for r in records if r.custom
        ]
        args.replay.write_text(json.dumps(replay))
    else:
        replay = json.loads(args.replay.read_text())

        def bare() -> dict[str, Any]:
            made: dict[str, pulumi.CustomResource] = {}
            for item in replay:
                depends = [made[d] for d in item["dependsOn"] if d in made]
                made[item["urn"]] = pulumi.CustomResource(
                    item["type"], item["name"], dict(item["inputs"]), pulumi.ResourceOptions(depends_on=depends)
                )
            return {}

        began = time.perf_counter()
        run = run_program(bare, reference, stack="bench")
        elapsed = time.perf_counter() - began
        records = run.records
    custom = [r for r in records if r.custom]
    print(json.dumps({
        "members": args.members,
        "mode": args.mode,
        "seconds": round(elapsed, 2),
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
        "resources": len(custom),
        "per_member": round(len(custom) / args.members, 2),
        "longest_chain": longest_chain(records),
        "import_seconds": round(imported, 2),
    }))


if __name__ == "__main__":
    main()
