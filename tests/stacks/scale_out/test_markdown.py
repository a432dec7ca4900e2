"""The pull-request comment of a scale_out stack: one screen whatever the roster (seats are counted, not listed)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from tests.helpers import ROOT, runner

SCREEN = 60  # lines a reviewer sees without scrolling


def markdown(project: Path, state: Path, stack: str = "hackathon") -> list[str]:
    """``dsvmctl diff --markdown`` of ``stack`` against an empty state: every resource a create."""
    from dsvmctl.cli import app

    args = ["diff", "--stack", stack, "--markdown", "--project-dir", str(project), "--state-dir", str(state)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output.splitlines()


def shown(lines: list[str]) -> list[str]:
    """The lines GitHub shows before the collapsed ``<details>`` (the resource graph)."""
    return lines[: lines.index("<details><summary>Resource graph</summary>")] if lines else lines


def test_the_hackathon_comment_fits_one_screen_and_counts_its_seats(tmp_path: Path) -> None:
    lines = markdown(ROOT, tmp_path / "state")
    text = "\n".join(lines)
    assert len(shown(lines)) <= SCREEN, text
    assert sum("(200 seats)" in line for line in lines) == 1
    assert "ada_doe" not in text  # no row, name or node per seat
    (row,) = [line for line in lines if "| VirtualMachineScaleSet |" in line]  # one scale set, no VM per seat
    assert "`dsvm-hackathon-cpu`" in row and "×" not in row
    assert not [line for line in lines if "| VirtualMachine |" in line]


def test_the_comment_does_not_grow_with_the_roster(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "rosters").mkdir(parents=True)
    shutil.copy(ROOT / "Pulumi.yaml", project / "Pulumi.yaml")
    rows = (ROOT / "rosters" / "hackathon.csv").read_text().splitlines()
    (project / "rosters" / "small.csv").write_text("\n".join(rows[:31]) + "\n")  # the header and 30 participants
    stack = yaml.safe_load((ROOT / "Pulumi.hackathon.yaml").read_text())
    stack["config"]["dsvm:roster"] = {"file": "rosters/small.csv"}
    (project / "Pulumi.small.yaml").write_text(yaml.safe_dump(stack))
    small = markdown(project, tmp_path / "state", "small")
    big = markdown(ROOT, tmp_path / "state")
    assert any("(30 seats)" in line for line in small)
    assert len(small) == len(big)
