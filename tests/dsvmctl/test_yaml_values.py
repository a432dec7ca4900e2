"""Stack-file scalars read as Pulumi's decoder (gopkg.in/yaml.v3) hands them to the program: unquoted dates
and date-times stay the text written, `19:00` is text, `0720` is the octal number 464 and refused with why."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from dsvmctl.cli import app
from dsvmctl.project import _parse_yaml, read_stack
from tests.helpers import ROOT, runner


@pytest.mark.parametrize(("text", "value"), [
    ("2027-01-31", "2027-01-31"),
    ("2027-03-13 08:00:00", "2027-03-13 08:00:00"),
    ("2027-03-13T08:00:00Z", "2027-03-13T08:00:00Z"),
    ("19:00", "19:00"),  # YAML 1.1 read 1140 (base 60); yaml.v3 has no sexagesimals
    ("1900", 1900),
    ("0720", 464),  # a leading 0 is octal in yaml.v3 (Go's ParseInt with base 0)
    ("09", 9.0),  # not octal: yaml.v3 falls through to a float
    ("-0720", -464),
    ("-1", -1),
    ("+7", 7),
    ("07", 7),
    ("0x1F", 31),
    ("0o17", 15),
    ("1_000", 1000),
    ("25.10", 25.1),
    ("yes", "yes"),  # yaml.v3: only true/false are booleans
    ("true", True),
    ("False", False),
    ("~", None),
    ("'0720'", "0720"),
])  # fmt: skip
def test_plain_scalars_read_as_yaml_v3_gives_them(text: str, value: Any) -> None:
    parsed = _parse_yaml(Path("x.yaml"), f"k: {text}\n")
    assert parsed == {"k": value} and type(parsed["k"]) is type(value)  # 9.0, not 9: JSON writes them apart


def _project(tmp_path: Path, stack: str, old: str, new: str) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copytree(ROOT / "rosters", tmp_path / "rosters")
    text = (ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert old in text, old
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(text.replace(old, new))
    return tmp_path


def test_an_unquoted_event_time_plans(tmp_path: Path) -> None:
    old, new = '        start: "2027-03-13 08:00"\n', "        start: 2027-03-13 08:00:00\n"
    project = _project(tmp_path, "hackathon", old, new)
    assert json.loads(read_stack(project, "hackathon").config["dsvm:schedule"])["events"][0]["start"] == (
        "2027-03-13 08:00:00")  # fmt: skip
    result = runner.invoke(app, ["plan", "--stack", "hackathon", "--json", "--project-dir", str(project)])
    assert result.exit_code == 0, result.output
    (autoscale,) = [r for r in json.loads(result.output)["resources"] if r["type"].endswith("AutoscaleSetting")]
    (event,) = [p for p in autoscale["inputs"]["profiles"] if p["name"] == "event-hackathon"]
    assert event["fixedDate"]["start"] == "2027-03-13T08:00:00"


def test_an_unquoted_expiry_date_plans(tmp_path: Path) -> None:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    text = (ROOT / "Pulumi.gpu.yaml").read_text()
    unquoted = text.replace("      gpu_size:", "      expires_on: 2027-01-31\n      gpu_size:")
    (tmp_path / "Pulumi.gpu.yaml").write_text(unquoted)
    result = runner.invoke(app, ["plan", "--stack", "gpu", "--json", "--project-dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    vms = [r for r in json.loads(result.output)["resources"] if r["type"] == "azure-native:compute:VirtualMachine"]
    assert vms and all(vm["inputs"]["tags"]["expires-on"] == "2027-01-31" for vm in vms)


def test_an_unquoted_octal_time_is_refused_with_why(tmp_path: Path) -> None:
    project = _project(tmp_path, "dev", '    time: "1900"\n', "    time: 0720\n")
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(project)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    text = " ".join(result.output.split())
    assert "dsvm:auto_shutdown.time: must be text (got 464)" in text
    assert "a leading 0 reads as octal, 0720 as 464" in text
