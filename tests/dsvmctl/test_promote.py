"""``dsvmctl promote SRC DST``: only the keys the config models mark promotable travel, the target file keeps
its comments and order, ``--check`` says whether the target is behind, secrets never travel, and every bad
input is refused with exit 2 and nothing written."""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field
from typer.testing import CliRunner

from dsvmctl.cli import app
from dsvmctl.options import EXIT_BAD_INPUT, EXIT_BEHIND
from dsvmctl.promote import _yaml, plan_promotion, promotable_paths
from stacks.config.base import PROMOTED, Model
from stacks.kinds import KINDS
from tests.helpers import ROOT

runner = CliRunner()
STACKS = ("dev", "staging", "prod", "gpu")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's Pulumi.yaml and example stack files."""
    directory = tmp_path / "project"
    directory.mkdir()
    for name in ("Pulumi.yaml", *(f"Pulumi.{s}.yaml" for s in STACKS)):
        shutil.copy(ROOT / name, directory / name)
    return directory


def promote(project: Path, *args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["promote", *args, "--project-dir", str(project),
                                 "--state-dir", str(project.parent / "state")])  # fmt: skip
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def files(project: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(project.iterdir()) if p.is_file()}


def config(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())["config"]  # type: ignore[no-any-return]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def changed_lines(before: str, after: str) -> list[str]:
    """The lines a unified diff shows as removed or added."""
    lines = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [x for x in lines if x[:1] in "+-" and not x.startswith(("+++", "---"))]


# -- which keys travel -----------------------------------------------------------------------------------------------
def test_the_promotable_keys_are_declared_on_the_models() -> None:
    paths = {".".join(p) for p in promotable_paths(KINDS["team"].config)}
    assert {"image.version", "vm_size", "auto_shutdown.enabled", "auto_shutdown.time", "idle_stop.idle_minutes",
            "idle_stop.warn_minutes", "rstudio_enabled", "storage.soft_delete_days"} <= paths  # fmt: skip
    per_environment = {"location", "owner", "cost_center", "resource_group_name", "tags", "members", "budget",
                       "cost_cap_monthly", "kind", "image.os", "auto_shutdown.time_zone",
                       "auto_shutdown.notification_email", "storage.account_name", "storage.sku",
                       "storage.hns_enabled", "idle_stop.active_hours_per_week"}  # fmt: skip
    assert not per_environment & paths
    assert not any(p.startswith(("access", "network", "members")) for p in paths)


# -- dev -> staging on copies of the example stacks -------------------------------------------------------------------
def test_check_is_1_before_and_0_after_and_only_the_pin_changes(project: Path) -> None:
    staging = project / "Pulumi.staging.yaml"
    before_files = files(project)
    code, output = promote(project, "dev", "staging", "--check")
    assert code == EXIT_BEHIND == 1, output
    assert "dsvm:image.version: 25.01.14 -> 25.05.20" in output
    assert files(project) == before_files  # --check writes nothing

    before = staging.read_text()
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    after = staging.read_text()
    assert changed_lines(before, after) == ['-    version: "25.01.14"', '+    version: "25.05.20"']
    old, new = config(ROOT / "Pulumi.staging.yaml"), config(staging)
    assert new == {**old, "dsvm:image": {"os": "ubuntu-2204", "version": "25.05.20"}}
    assert files(project) == {**before_files, staging.name: after.encode()}  # nothing else written

    assert promote(project, "dev", "staging", "--check")[0] == 0
    code, output = promote(project, "dev", "staging")
    assert code == 0 and "staging is level with dev" in output


def test_the_diff_after_promotion_is_the_diff_commands(project: Path) -> None:
    """Against the target's saved state: the pin replaces the VMs (data disks kept), printed as `dsvmctl diff`."""
    state = project.parent / "state"
    up = runner.invoke(app, ["up", "--stack", "staging", "--project-dir", str(project), "--state-dir", str(state)])
    assert up.exit_code == 0, up.output
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    assert "what staging would change now, against its saved state:" in output
    assert "± azure-native:compute:VirtualMachine carol-vm" in output
    assert "storageProfile.imageReference.version" in output
    diff = runner.invoke(app, ["diff", "--stack", "staging", "--project-dir", str(project), "--state-dir", str(state)])
    assert diff.output.strip() in output  # the same rendering, after the promotion's own lines


def test_every_promotable_key_travels_and_nothing_else(project: Path) -> None:
    dev, staging = project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml"
    edit(dev, "  dsvm:vm_size: Standard_D4s_v5\n", "  dsvm:vm_size: Standard_D8s_v5\n  dsvm:rstudio_enabled: true\n")
    edit(dev, '    time: "1900"\n', '    time: "2000"\n')
    edit(dev, "    idle_minutes: 60\n", "    idle_minutes: 90\n    warn_minutes: 15\n")
    edit(dev, "    hns_enabled: true\n", "    hns_enabled: true\n    soft_delete_days: 30\n")
    # staging writes keys dev leaves to their defaults: promotion removes them
    edit(staging, '    time: "1900"\n', '    enabled: false\n    time: "1900"\n')
    edit(staging, "  dsvm:budget:\n", "  dsvm:idle_stop:\n    cpu_percent: 20\n  dsvm:budget:\n")
    before = config(staging)
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    after = config(staging)
    assert after["dsvm:vm_size"] == "Standard_D8s_v5" and after["dsvm:rstudio_enabled"] is True
    assert after["dsvm:auto_shutdown"] == {"time": "2000", "time_zone": "W. Europe Standard Time"}
    assert after["dsvm:idle_stop"] == {"idle_minutes": 90, "warn_minutes": 15}  # cpu_percent: back to default
    assert after["dsvm:storage"] == {"hns_enabled": True, "soft_delete_days": 30}
    assert after["dsvm:image"]["version"] == "25.05.20"
    per_environment = {k: v for k, v in before.items() if k not in {
        "dsvm:vm_size", "dsvm:rstudio_enabled", "dsvm:auto_shutdown", "dsvm:idle_stop", "dsvm:storage", "dsvm:image"}}
    assert {k: after[k] for k in per_environment} == per_environment  # location, network, members, budget ...
    assert after["dsvm:members"] != config(dev)["dsvm:members"]
    assert list(after)[-1] == "dsvm:rstudio_enabled"  # a key the target lacked goes last
    text = staging.read_text()
    assert text.startswith(ROOT.joinpath("Pulumi.staging.yaml").read_text().split("config:")[0])  # header kept
    assert "  # One pin behind dev: promoted from dev once it has proved itself there (docs/GITOPS.md).\n" in text
    assert "  # The policy pack's cost-cap rule (advisory) reports a plan estimated above this.\n" in text


def test_a_mapping_left_empty_goes(project: Path) -> None:
    edit(project / "Pulumi.dev.yaml", "  dsvm:idle_stop:\n    idle_minutes: 60\n", "")
    staging = project / "Pulumi.staging.yaml"
    edit(staging, "  dsvm:budget:\n", "  dsvm:idle_stop:\n    cpu_percent: 20\n  dsvm:budget:\n")
    code, output = promote(project, "dev", "staging")
    assert code == 0 and "dsvm:idle_stop.cpu_percent: 20.0 -> 10" in output, output
    assert (project / "Pulumi.staging.yaml").read_text() == (ROOT / "Pulumi.staging.yaml").read_text().replace(
        '"25.01.14"', '"25.05.20"'
    )


def test_an_unchanged_file_dumps_back_byte_for_byte() -> None:
    """The round trip keeps every example stack file as written (comments, quotes, indentation, long lines)."""
    import io

    for path in sorted(ROOT.glob("Pulumi.*.yaml")):
        text = path.read_text()
        yaml_rt = _yaml(text)
        out = io.StringIO()
        yaml_rt.dump(yaml_rt.load(text), out)
        assert out.getvalue() == text, path.name


# -- secrets ---------------------------------------------------------------------------------------------------------
def test_secrets_are_never_copied(project: Path) -> None:
    dev, staging = project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml"
    edit(dev, "config:\n", "config:\n  azure-native:clientSecret:\n    secure: v1:c2VjcmV0IGNpcGhlcnRleHQ=\n")
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    assert "secure" not in staging.read_text() and "clientSecret" not in staging.read_text()


class _Settings(Model):
    size: str = Field(default="small", json_schema_extra=PROMOTED)
    note: str = Field(default="", json_schema_extra=PROMOTED)


class _Nested(Model):
    size: str = Field(default="small", json_schema_extra=PROMOTED)
    extra: dict[str, Any] = Field(default_factory=dict, json_schema_extra=PROMOTED)


def test_a_promotable_key_holding_a_secret_is_left_alone() -> None:
    source = _Settings(size="large", note="[secret]")
    target = _Settings(size="small", note="x")
    raw_source = {"dsvm:size": "large", "dsvm:note": {"secure": "v1:abc"}}
    changes, secrets = plan_promotion(_Settings, source, raw_source, target, {"dsvm:note": "x"}, "dsvm", Path("x"))
    assert [c.key for c in changes] == ["dsvm:size"] and secrets == ["dsvm:note"]
    # The target's secret is not overwritten by the source's plain value either.
    source, target = _Settings(size="large", note="plain"), _Settings(size="small", note="[secret]")
    raw_target = {"dsvm:note": {"secure": "v1:def"}}
    changes, secrets = plan_promotion(_Settings, source, {"dsvm:note": "plain"}, target, raw_target, "dsvm", Path("x"))
    assert [c.key for c in changes] == ["dsvm:size"] and secrets == ["dsvm:note"]


@pytest.mark.parametrize("written", [{"token": {"secure": "v1:abc"}}, {"tokens": [{"secure": "v1:abc"}]}])
def test_a_secret_nested_in_a_promotable_object_is_left_alone(written: dict[str, Any]) -> None:
    source, target = _Nested(size="large", extra={"token": "[secret]"}), _Nested()
    raw_source = {"dsvm:size": "large", "dsvm:extra": written}
    changes, secrets = plan_promotion(_Nested, source, raw_source, target, {}, "dsvm", Path("x"))
    assert [c.key for c in changes] == ["dsvm:size"] and secrets == ["dsvm:extra"]


# -- refusals: exit 2, nothing written --------------------------------------------------------------------------------
def _broken_yaml(project: Path) -> None:
    (project / "Pulumi.staging.yaml").write_text('config:\n  dsvm:kind: team\n  dsvm:image: {os: "ubuntu-2204"\n')


def _other_os(project: Path) -> None:
    """staging on the Ubuntu 20.04 image, which has no 25.05.20 (azurefacts/images.py): dev's pin fails there."""
    edit(project / "Pulumi.staging.yaml", "    os: ubuntu-2204\n", "    os: ubuntu-2004\n")


@pytest.mark.parametrize(
    ("args", "prepare", "message"),
    [
        (("qa", "staging"), None, "no stack file Pulumi.qa.yaml"),
        (("dev", "qa"), None, "no stack file Pulumi.qa.yaml"),
        (("dev", "dev"), None, "cannot promote dev onto itself"),
        (("gpu", "staging"), None, "gpu is a gpu_rig stack and staging a team one"),
        (("dev", "staging"), _broken_yaml, "Pulumi.staging.yaml line 4"),
        (("dev", "staging"), _other_os, "promoting dsvm:image.version from dev would make Pulumi.staging.yaml invalid"),
        (("dev", "no/such"), None, "Invalid value"),
    ],
    ids=["unknown-source", "unknown-target", "same-stack", "different-kinds", "target-yaml-error",
         "fails-validation-in-target", "bad-stack-name"],
)  # fmt: skip
def test_a_bad_promotion_is_refused_and_writes_nothing(
    project: Path, args: tuple[str, str], prepare: Any, message: str
) -> None:
    if prepare:
        prepare(project)
    before = files(project)
    for check in ((), ("--check",)):
        code, output = promote(project, *args, *check)
        assert code == EXIT_BAD_INPUT == 2, output
        assert message in " ".join(output.split()), output
    assert files(project) == before
    assert not (project.parent / "state").exists()


# -- the target file keeps every byte outside the promoted values -----------------------------------------------------
def test_an_edit_that_misses_the_promoted_values_is_refused(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The line edits are checked against the same changes made on the parsed file: a text edit that gets a
    value wrong (here: one that changes nothing) writes nothing."""
    import dsvmctl.promote

    monkeypatch.setattr(dsvmctl.promote, "set_value", lambda text, *args, **kwargs: text)
    before = files(project)
    code, output = promote(project, "dev", "staging")
    assert code == 2 and "editing it in place did not give the promoted values; nothing was written" in output
    assert files(project) == before


def test_a_target_with_a_byte_order_mark_keeps_it(project: Path) -> None:
    staging = project / "Pulumi.staging.yaml"
    staging.write_bytes(b"\xef\xbb\xbf" + staging.read_bytes())
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    after = staging.read_bytes()
    assert after.startswith(b"\xef\xbb\xbf") and not after[3:].startswith(b"\xef\xbb\xbf")
    assert config(staging)["dsvm:image"]["version"] == "25.05.20"


def test_a_key_left_to_its_default_goes_and_the_next_keys_comment_stays(project: Path) -> None:
    staging = project / "Pulumi.staging.yaml"
    comment = "  # The policy pack's cost-cap rule (advisory) reports a plan estimated above this.\n"
    edit(staging, comment, "  dsvm:rstudio_enabled: true  # explicit\n" + comment)  # dev leaves it to its default
    before = staging.read_text()
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    assert changed_lines(before, staging.read_text()) == [
        '-    version: "25.01.14"', '+    version: "25.05.20"', "-  dsvm:rstudio_enabled: true  # explicit"]
    assert comment in staging.read_text()


COMMENTED = """# head
config:
  # about kind
  dsvm:kind: team  # eol kind
  dsvm:vm_size: Standard_D4s_v5  # eol size
  # about network
  dsvm:network:
    address_space: 10.51.0.0/16
    # about subnet
    workstation_subnet: 10.51.1.0/24
  # about idle stop
  dsvm:idle_stop:
    idle_minutes: 60   # eol idle
    # about warn
    warn_minutes: 15
  dsvm:image:
    version: '25.01.14'  # pin
  # about last

  dsvm:last: 1
"""


@pytest.mark.parametrize(("path", "gone"), [
    (["dsvm:vm_size"], ["  dsvm:vm_size: Standard_D4s_v5  # eol size"]),
    (["dsvm:kind"], ["  # about kind", "  dsvm:kind: team  # eol kind"]),
    (["dsvm:idle_stop", "warn_minutes"], ["    # about warn", "    warn_minutes: 15"]),
    (["dsvm:idle_stop", "idle_minutes"], ["    idle_minutes: 60   # eol idle"]),
    (["dsvm:network"], ["  # about network", "  dsvm:network:", "    address_space: 10.51.0.0/16", "    # about subnet",
                        "    workstation_subnet: 10.51.1.0/24"]),
    (["dsvm:last"], ["  dsvm:last: 1"]),
    (["dsvm:image", "version"], ["  dsvm:image:", "    version: '25.01.14'  # pin"]),  # its mapping is left empty
    (["dsvm:nothing"], []),
])  # fmt: skip
def test_removing_a_key_takes_its_block_and_own_comments_only(path: list[str], gone: list[str]) -> None:
    from dsvmctl.yaml_edit import remove_key

    after = remove_key(COMMENTED, ["config", *path])
    assert [x[1:] for x in changed_lines(COMMENTED, after)] == gone
    assert all(x.startswith("-") for x in changed_lines(COMMENTED, after))


def test_a_comment_left_of_a_removed_key_is_not_its_own() -> None:
    """Only comment lines at the key's own column describe it; one further left (the margin) stays."""
    from dsvmctl.yaml_edit import remove_key

    text = "config:\n  dsvm:idle_stop:\n    idle_minutes: 60\n# margin note\n    warn_minutes: 15\n"
    after = remove_key(text, ["config", "dsvm:idle_stop", "warn_minutes"])
    assert changed_lines(text, after) == ["-    warn_minutes: 15"]


@pytest.mark.parametrize(("path", "value", "lines"), [
    (["dsvm:image", "version"], "25.05.20", ["-    version: '25.01.14'  # pin", "+    version: '25.05.20'  # pin"]),
    (["dsvm:vm_size"], "Standard_D8s_v5", ["-  dsvm:vm_size: Standard_D4s_v5  # eol size",
                                           "+  dsvm:vm_size: Standard_D8s_v5  # eol size"]),
    (["dsvm:idle_stop", "cpu_percent"], 20, ["+    cpu_percent: 20"]),
    (["dsvm:rstudio_enabled"], True, ["+  dsvm:rstudio_enabled: true"]),
    (["dsvm:auto_shutdown", "time"], "2000", ["+  dsvm:auto_shutdown:", "+    time: '2000'"]),
])  # fmt: skip
def test_setting_a_key_changes_its_value_or_adds_it_at_the_end_of_its_mapping(
    path: list[str], value: Any, lines: list[str]
) -> None:
    from dsvmctl.yaml_edit import set_value

    after = set_value(COMMENTED, ["config", *path], value, _yaml(COMMENTED))
    assert changed_lines(COMMENTED, after) == lines
    parsed = yaml.safe_load(after)["config"]
    node = parsed
    for key in path:
        node = node[key]
    assert node == value


def test_a_shutdown_time_is_not_copied_into_a_stack_without_a_time_zone(project: Path) -> None:
    dev, staging = project / "Pulumi.dev.yaml", project / "Pulumi.staging.yaml"
    edit(dev, '    time: "1900"\n', '    time: "2000"\n')
    edit(staging, "    time_zone: W. Europe Standard Time\n", "")
    before = files(project)
    code, output = promote(project, "dev", "staging")
    assert code == 2, output
    text = " ".join(output.split())
    assert "dsvm:auto_shutdown.time 2000 is a time in dev's time zone (W. Europe Standard Time)" in text
    assert "would shut down at 2000 UTC instead. Set dsvm:auto_shutdown.time_zone in Pulumi.staging.yaml" in text
    assert files(project) == before
    edit(staging, '    time: "1900"\n', '    time: "1900"\n    time_zone: Pacific Standard Time\n')
    code, output = promote(project, "dev", "staging")
    assert code == 0, output
    assert ("note: dsvm:auto_shutdown.time 2000 is local time in each stack: W. Europe Standard Time in dev, "
            "Pacific Standard Time in staging") in " ".join(output.split())  # fmt: skip
    assert config(staging)["dsvm:auto_shutdown"] == {"time": "2000", "time_zone": "Pacific Standard Time"}


def test_gitops_lists_every_promoted_key_of_every_kind() -> None:
    """docs/GITOPS.md's table of what travels is the models' PROMOTED markers, whole (patching and backup keys
    were missing from it): every promotable path of every kind, and nothing else."""
    import re

    from stacks.kinds import KINDS
    from tests.helpers import ROOT

    row = next(line for line in (ROOT / "docs/GITOPS.md").read_text().splitlines()
               if line.startswith("| `image.version`"))  # fmt: skip
    listed = set(re.findall(r"`([^`]+)`", row.split(" | ")[0]))
    promoted = {".".join(path) for spec in KINDS.values() for path in promotable_paths(spec.config)}
    assert listed == promoted
