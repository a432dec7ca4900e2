"""The backup rule on whole plans: advisory on dev, mandatory on prod (a disk without backups fails `dsvmctl plan`
with exit 1 there), silent when every disk is backed up."""

from __future__ import annotations

from pathlib import Path

import yaml

from dsvmctl.plan import make_plan
from tests.helpers import ROOT, runner


def _copy(tmp_path: Path, stack: str, **changes: object) -> Path:
    (tmp_path / "Pulumi.yaml").write_text((ROOT / "Pulumi.yaml").read_text())
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    config.update(changes)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def test_every_disk_backed_up_is_silent_and_an_opt_out_is_advice_on_dev(tmp_path: Path) -> None:
    findings = make_plan(ROOT, "dev").to_json()["policy"]
    assert not [f for f in findings if f["policy"].startswith("data-disks-backed-up")]
    project = _copy(tmp_path, "dev", **{"dsvm:backup": {"enabled": False}})
    findings = [f for f in make_plan(project, "dev").to_json()["policy"] if f["policy"].startswith("data-disks")]
    assert {(f["policy"], f["enforcement"], f["resource"]) for f in findings} == {
        ("data-disks-backed-up", "advisory", "Disk alice-data-disk"),
        ("data-disks-backed-up", "advisory", "Disk bob-data-disk")}


def test_on_prod_a_disk_without_backups_stops_the_plan(tmp_path: Path) -> None:
    from dsvmctl.cli import app

    assert not [f for f in make_plan(ROOT, "prod").to_json()["policy"] if f["policy"].startswith("data-disks")]
    members = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())["config"]["dsvm:members"]
    members[0]["data_disk"] = {**members[0].get("data_disk", {}), "backup_enabled": False}
    project = _copy(tmp_path, "prod", **{"dsvm:members": members})
    result = runner.invoke(app, ["plan", "--stack", "prod", "--project-dir", str(project)])
    assert result.exit_code == 1, result.output
    assert "policy violation [data-disks-backed-up-in-production]" in result.output
    assert f"Disk {members[0]['username']}-data-disk" in result.output
