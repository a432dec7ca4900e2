"""Big plans in parts: the shared resources once per part, the independent units split across processes.

A stack's units (``config.units()``: a team's members, a stack's rigs) depend on
the shared resources and never on each other. ``plan_parts`` runs the program in
``jobs`` forked worker processes, each with the shared resources and a contiguous
slice of the units, each against its own copy of the emulator, and merges the
results into what one process would have produced:

- records in the canonical order of ``canonical_order`` (shared resources first,
  then each unit's, in config order), the order a single-process plan uses too;
- the private IPs one process would give: a part's NICs take the subnet's free
  addresses after those the earlier units' new NICs take (``allocation_skip``);
- outputs keyed by unit (``members``, ``rigs``) merged in unit order;
- one emulator: the union of the parts' (their shared resources are identical).

So the plan JSON is byte-identical with and without parts (a test checks it).
The quota of the whole stack is checked before the parts start.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from fakeazure import FakeAzure, Registration, run_program
from stacks.config.stack import BaseStackConfig, Unit

# Below this many units a plan stays in one process: forking costs more than it saves.
SHARD_THRESHOLD = 40
# What ``--jobs`` (or $DSVMCTL_JOBS) asked for; None: the default.
_requested: int | None = None


def request_jobs(jobs: int | None) -> None:
    """Set the parts of every plan this process makes (``dsvmctl --jobs``): 0 or 1 plans in one
    process, N in N processes (at most one per unit); None restores the default."""
    global _requested
    _requested = jobs


def default_jobs(units: int) -> int:
    """Parts for a plan of ``units`` units: what ``--jobs`` asked for, else one per core from
    ``SHARD_THRESHOLD`` units on and 1 below it."""
    if _requested is not None:
        return max(1, min(_requested, units))
    return max(1, min(os.cpu_count() or 1, units)) if units >= SHARD_THRESHOLD else 1


def owners(records: Sequence[Registration], units: Sequence[Unit]) -> dict[str, int]:
    """Each record's unit index (by its top-level ancestor's name); shared records are absent."""
    by_urn = {r.urn: r for r in records}
    unit_of = {name: i for i, unit in enumerate(units) for name in unit.top_level}
    found: dict[str, int] = {}
    for record in records:
        top = record
        while top.parent in by_urn:
            top = by_urn[top.parent]
        if top.name in unit_of:
            found[record.urn] = unit_of[top.name]
    return found


def canonical_order(records: Sequence[Registration], units: Sequence[Unit]) -> list[Registration]:
    """Shared records first, then each unit's, in config order; registration order within each."""
    owner = owners(records, units)
    indexed = sorted(enumerate(records), key=lambda pair: (owner.get(pair[1].urn, -1), pair[0]))
    return [record for _, record in indexed]


@dataclass
class Part:
    """What one worker planned."""

    records: list[Registration]
    outputs: dict[str, Any]
    emulator: dict[str, Any]


@dataclass(frozen=True)
class _Job:
    config: BaseStackConfig
    stack: str
    project: str
    engine_config: dict[str, str]
    emulator: dict[str, Any]
    units: frozenset[str]
    allocation_skip: int


def _plan_part(job: _Job) -> Part:
    import stacks

    backend = FakeAzure.from_json(job.emulator)
    backend.allocation_skip = job.allocation_skip
    run = run_program(
        lambda: stacks.build(job.config, job.stack, only=job.units),
        backend,
        project=job.project,
        stack=job.stack,
        config=job.engine_config,
    )
    return Part(run.records, run.outputs, backend.to_json())


def split(units: Sequence[Unit], jobs: int) -> list[list[Unit]]:
    """``jobs`` contiguous slices of near-equal size."""
    size, extra = divmod(len(units), jobs)
    slices, start = [], 0
    for i in range(jobs):
        end = start + size + (1 if i < extra else 0)
        slices.append(list(units[start:end]))
        start = end
    return [s for s in slices if s]


def plan_parts(
    config: BaseStackConfig,
    stack: str,
    project: str,
    engine_config: dict[str, str],
    backend: FakeAzure,
    jobs: int,
) -> tuple[list[Registration], dict[str, Any], FakeAzure]:
    """Plan the stack in ``jobs`` processes and merge: records, outputs, and the emulator after it."""
    units = config.units()
    slices = split(units, jobs)
    emulator = backend.to_json()
    existing_nics = {r.logical_name for r in backend.resources.values() if r.arm_type.endswith("networkInterfaces")}
    skips, taken = [], 0
    for chunk in slices:
        skips.append(taken)
        taken += sum(1 for u in chunk if u.nic is not None and u.nic not in existing_nics)
    work = [
        _Job(config, stack, project, engine_config, emulator, frozenset(u.name for u in chunk), skip)
        for chunk, skip in zip(slices, skips, strict=True)
    ]
    with ProcessPoolExecutor(max_workers=len(work), mp_context=multiprocessing.get_context("fork")) as pool:
        parts = list(pool.map(_plan_part, work))
    return _merge(parts, units, backend)


def _merge(
    parts: list[Part], units: Sequence[Unit], backend: FakeAzure
) -> tuple[list[Registration], dict[str, Any], FakeAzure]:
    records: list[Registration] = []
    for i, part in enumerate(parts):
        owner = owners(part.records, units)
        records += [r for r in part.records if i == 0 or r.urn in owner]
    outputs = dict(parts[0].outputs)
    unit_names = [u.name for u in units]
    for key, value in parts[0].outputs.items():
        if isinstance(value, dict) and set(value) <= set(unit_names) and value:
            merged = {k: v for part in parts for k, v in (part.outputs.get(key) or {}).items()}
            outputs[key] = {name: merged[name] for name in unit_names if name in merged}
    merged_backend = FakeAzure.from_json(parts[0].emulator)
    for part in parts[1:]:
        other = FakeAzure.from_json(part.emulator)
        for key, resource in other.resources.items():
            merged_backend.resources.setdefault(key, resource)
        merged_backend.generations.update(other.generations)
    merged_backend.refusals = backend.refusals
    return canonical_order(records, units), outputs, merged_backend
