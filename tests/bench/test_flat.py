"""The benchmark's flat baseline registers what the program registers: like is compared with like."""

from __future__ import annotations

from bench.flat import flat_program
from bench.measure import team
from fakeazure import FakeAzure, run_program


def test_the_flat_program_registers_the_programs_azure_resources_with_the_same_inputs() -> None:
    import stacks
    from stacks.config import parse_config

    values = team(3)
    program = run_program(lambda: stacks.build(parse_config(values), "bench"), FakeAzure(), stack="bench")
    flat = run_program(lambda: flat_program(values, "bench"), FakeAzure(), stack="bench")
    ours = {(r.type, r.name): r.inputs for r in program.records if r.custom}
    theirs = {(r.type, r.name): r.inputs for r in flat.records if r.custom}
    assert set(ours) == set(theirs)
    for key, inputs in ours.items():
        assert theirs[key] == inputs, key
