"""The hand mutants of ``bench/mutants.py`` follow the code: a refactor that moves a mutated line fails here,
not months later when someone re-measures (the run itself is a benchmark, never part of the suite)."""

from __future__ import annotations

import dataclasses

from bench.mutants import MUTANTS, markdown, stale_mutants


def test_every_mutant_applies_once_and_compiles() -> None:
    assert stale_mutants(MUTANTS) == []


def test_a_mutant_whose_text_moved_is_named_with_its_file() -> None:
    moved = dataclasses.replace(MUTANTS[0], old="text that is in no product file")
    broken = dataclasses.replace(MUTANTS[0], new="def (")
    problems = stale_mutants([moved, broken])
    assert len(problems) == 2
    assert f"{moved.id}: {moved.path} holds the original text 0 times" in problems[0]
    assert f"{broken.id}: {broken.path} does not compile once mutated" in problems[1]


def test_mutant_ids_are_unique() -> None:
    ids = [m.id for m in MUTANTS]
    assert len(ids) == len(set(ids))


def test_the_results_file_says_what_was_measured_and_where() -> None:
    row: dict[str, object] = {"id": "n01", "where": "a.py:1", "what": "w", "result": "survived"}
    row |= {"killer": "", "equivalent": ""}
    text = markdown([row], "killed 0 of 1 non-equivalent mutants (0.0%)")
    header, table = text.split("\n\n| id |", 1)
    assert "At commit " in header and "killed 0 of 1 non-equivalent mutants (0.0%)" in header
    assert table.splitlines()[-1] == "| n01 | a.py:1 | w | survived |  |"
