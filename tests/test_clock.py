"""One clock for the product (azurefacts/clock.py): nothing else reads the wall clock, the tests set it,
and a plan made on another day differs only where the day matters."""

from __future__ import annotations

import ast
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from azurefacts import clock
from dsvmctl.cli import app
from dsvmctl.plan import make_plan
from tests.helpers import ROOT, TODAY, runner

PRODUCT = ("azurefacts", "costs", "components", "stacks", "fakeazure", "dsvmctl", "policy", "bench")
# The idle watcher runs on the VM, where the wall clock is the point (idle minutes), not a plan's day.
ON_THE_VM = ROOT / "components" / "scripts"
WALL_CLOCK = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}


def wall_clock_reads(path: Path) -> list[str]:
    """``date.today()``, ``datetime.now()`` and the like called in ``path`` (any import style)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            name = owner.attr if isinstance(owner, ast.Attribute) else getattr(owner, "id", "")
            if (name, node.func.attr) in WALL_CLOCK:
                found.append(f"{path.name}:{node.lineno} {name}.{node.func.attr}()")
    return found


def test_only_the_clock_reads_the_wall_clock() -> None:
    files = [f for package in PRODUCT for f in sorted((ROOT / package).rglob("*.py")) if ON_THE_VM not in f.parents]
    files.append(ROOT / "__main__.py")
    found = [hit for f in files if f != ROOT / "azurefacts" / "clock.py" for hit in wall_clock_reads(f)]
    assert found == [], "read azurefacts.clock.today() instead: " + ", ".join(found)
    assert wall_clock_reads(ROOT / "azurefacts" / "clock.py"), "the clock itself reads the wall clock"


def test_no_test_reads_the_wall_clock() -> None:
    found = [hit for f in sorted((ROOT / "tests").rglob("*.py")) for hit in wall_clock_reads(f)]
    assert found == [], "a test that reads the wall clock breaks next month: use tests.helpers.TODAY"


def test_the_scan_finds_every_import_style(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import datetime\nfrom datetime import date\nx = datetime.date.today()\ny = date.today()\n"
                      "z = datetime.datetime.now()\nw = date.fromisoformat('2026-01-01')\n")  # fmt: skip
    assert len(wall_clock_reads(sample)) == 3


def test_the_tests_run_on_one_pinned_day() -> None:
    assert clock.today() == TODAY


def test_the_variable_sets_the_day_and_bad_values_say_how(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, "2027-02-28")
    assert clock.today() == date(2027, 2, 28)
    monkeypatch.setenv(clock.ENV, " 2027-02-28\n")  # as `export DSVMCTL_TODAY="$(cat day.txt)"` may leave it
    assert clock.today() == date(2027, 2, 28)
    monkeypatch.setenv(clock.ENV, "   ")
    assert clock.today() != date(2027, 2, 28)  # blank: the real UTC day
    monkeypatch.setenv(clock.ENV, "28/02/2027")
    with pytest.raises(clock.ClockError, match=r"DSVMCTL_TODAY='28/02/2027' is not a date: set it as YYYY-MM-DD"):
        clock.today()


def test_the_cli_option_sets_the_day_and_refuses_a_bad_one(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--today", "2027-12-05", "images", "--json"])
    assert result.exit_code == 0, result.output
    ages = {(row["os"], row["version"]): row["ageMonths"] for row in json.loads(result.output)}
    assert ages[("ubuntu-2204", "25.05.20")] == 31  # May 2025 -> December 2027
    result = runner.invoke(app, ["--today", "2027-12-32", "images"])
    assert result.exit_code == 2 and "is not a date" in result.output


def _without_days(document: dict[str, Any]) -> dict[str, Any]:
    document = json.loads(json.dumps(document))
    document.pop("warnings")
    document.pop("policy")  # the advisory pin-age finding counts months too
    for resource in document["resources"]:
        if resource["type"] == "azure-native:consumption:Budget":
            for side in ("inputs", "outputs"):
                resource[side]["timePeriod"].pop("startDate")
        if resource["type"] == "azure-native:dataprotection:BackupInstance":
            resource["outputs"].pop("systemData")  # when protection began: the day it is created
        if resource["type"] == "azure-native:maintenance:MaintenanceConfiguration":
            for side in ("inputs", "outputs"):
                resource[side].pop("startDateTime")  # the patch window's first day: the day it is created
    return document


def test_a_plan_a_year_ahead_differs_only_where_the_day_matters(
    dev_plan: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    later = TODAY + timedelta(days=365)
    monkeypatch.setenv(clock.ENV, later.isoformat())
    ahead = make_plan(ROOT, "dev").to_json()
    assert _without_days(ahead) == _without_days(dev_plan)
    (budget,) = [r for r in ahead["resources"] if r["type"] == "azure-native:consumption:Budget"]
    assert budget["inputs"]["timePeriod"]["startDate"] == "2027-12-01T00:00:00Z"
    (window,) = [r for r in ahead["resources"] if r["type"] == "azure-native:maintenance:MaintenanceConfiguration"]
    assert window["inputs"]["startDateTime"] == f"{later.isoformat()} 02:00"
    assert any("was released 31 months ago" in w for w in ahead["warnings"])
    assert any("was released 19 months ago" in w for w in dev_plan["warnings"])


def test_a_day_may_carry_a_time_which_only_moment_reads(monkeypatch: pytest.MonkeyPatch) -> None:
    from datetime import UTC, datetime

    monkeypatch.setenv(clock.ENV, "2027-01-31T02:30")
    assert clock.today() == date(2027, 1, 31) and clock.moment() == datetime(2027, 1, 31, 2, 30, tzinfo=UTC)
    monkeypatch.setenv(clock.ENV, "2027-01-31T02:30+02:00")  # an offset is converted to UTC
    assert clock.moment() == datetime(2027, 1, 31, 0, 30, tzinfo=UTC)
    monkeypatch.setenv(clock.ENV, "2027-01-31")  # a day alone: its start
    assert clock.moment() == datetime(2027, 1, 31, tzinfo=UTC)
    monkeypatch.setenv(clock.ENV, "2027-01-31T25:00")
    with pytest.raises(clock.ClockError, match="YYYY-MM-DDTHH:MM in UTC"):
        clock.moment()
