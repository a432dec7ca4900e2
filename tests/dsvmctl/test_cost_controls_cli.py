"""Idle stop and budget config mistakes through the CLI: exit 2, the key named, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from dsvmctl.cli import app
from tests.helpers import ROOT

runner = CliRunner()


def dev_config(**changes: Any) -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config.update(changes)
    return config


CASES = [
    ("idle minutes 10", {"dsvm:idle_stop": {"idle_minutes": 10}}, "dsvm:idle_stop.idle_minutes", "15-1440"),
    ("idle minutes 2000", {"dsvm:idle_stop": {"idle_minutes": 2000}}, "dsvm:idle_stop.idle_minutes", "15-1440"),
    ("threshold 120", {"dsvm:idle_stop": {"cpu_percent": 120}}, "dsvm:idle_stop.cpu_percent", "give 0-100"),
    ("budget without contact", {"dsvm:owner": "data-platform", "dsvm:budget": {"amount": 500}},
     "dsvm:budget.contacts", "list at least one address in budget.contacts"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "key", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
@pytest.mark.parametrize("command", ["plan", "diff"])
def test_config_error_exits_2_naming_the_key(
    tmp_path: Path, command: str, changes: dict[str, Any], key: str, fragment: str
) -> None:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": dev_config(**changes)}))
    state = ["--state-dir", str(tmp_path / "state")] if command == "diff" else []
    result = runner.invoke(app, [command, "--stack", "dev", "--project-dir", str(tmp_path), *state])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    flat = " ".join(result.output.split())
    assert key in flat and fragment in flat, flat
