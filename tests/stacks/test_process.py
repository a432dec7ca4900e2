"""stacks/process.py: the collector thresholds every entry of a program run sets first."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator

import pytest

import dsvmctl.cli
from stacks.process import GC_THRESHOLDS, tune_gc
from tests.helpers import ROOT


@pytest.fixture
def thresholds() -> Iterator[None]:
    saved = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*saved)


def test_tune_gc_sets_the_thresholds(thresholds: None) -> None:
    tune_gc()
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700 and gc.isenabled()  # fewer young collections, never none


def test_dsvmctl_tunes_the_collector_before_its_commands_run(
    thresholds: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, int, int]] = []
    monkeypatch.setattr(dsvmctl.cli, "app", lambda: seen.append(gc.get_threshold()))
    dsvmctl.cli.main()
    assert seen == [GC_THRESHOLDS]


def test_the_program_tunes_the_collector_before_it_builds_the_stack() -> None:
    tree = ast.parse((ROOT / "__main__.py").read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    names = [ast.unparse(c.func) for c in sorted(calls, key=lambda c: (c.lineno, c.col_offset))]
    assert names.index("tune_gc") < names.index("stacks.load_from_pulumi") < names.index("stacks.build")
