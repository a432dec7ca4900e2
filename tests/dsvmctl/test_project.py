"""Stack files read as the Pulumi CLI reads them (dsvmctl/project.py), and the program's engine path."""

from __future__ import annotations

import json
import runpy
import shutil
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from dsvmctl.project import ProjectError, check_stack_name, project_name, read_stack, stack_names
from fakeazure import FakeAzure, run_program
from stacks.config import ConfigError, load_config
from tests.helpers import ROOT


def dev_config() -> dict[str, Any]:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    assert isinstance(config, dict)
    return config


def project(tmp_path: Path, stack_text: str, stack: str = "s", pulumi_yaml: str | None = None) -> Path:
    if pulumi_yaml is None:
        shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    else:
        (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml)
    (tmp_path / f"Pulumi.{stack}.yaml").write_text(stack_text)
    return tmp_path


def stack_yaml(config: dict[str, Any]) -> str:
    return yaml.safe_dump({"config": config}, sort_keys=False)


def test_a_key_without_namespace_is_the_projects_own(tmp_path: Path) -> None:
    config = dev_config()
    config["vm_size"] = config.pop("dsvm:vm_size")
    config["owner"] = config.pop("dsvm:owner")
    read = read_stack(project(tmp_path, stack_yaml(config)), "s")
    assert read.config["dsvm:vm_size"] == "Standard_D4s_v5"
    assert "vm_size" not in read.config and "owner" not in read.config
    assert read.config == read_stack(ROOT, "dev").config  # the same map the engine would pass


def test_bare_keys_take_the_project_name_from_pulumi_yaml(tmp_path: Path) -> None:
    pulumi_yaml = (ROOT / "Pulumi.yaml").read_text().replace("name: dsvm", "name: dsvm-team", 1)
    directory = project(tmp_path, stack_yaml({"vm_size": "Standard_D8s_v5"}), pulumi_yaml=pulumi_yaml)
    assert project_name(directory) == "dsvm-team"
    with pytest.raises(
        ProjectError, match=r"Pulumi\.s\.yaml: Pulumi gives vm_size to the project's namespace 'dsvm-team'"
    ):
        read_stack(directory, "s")


def test_old_config_spelling_is_the_same_key(tmp_path: Path) -> None:
    read = read_stack(project(tmp_path, stack_yaml({"dsvm:config:vm_size": "Standard_D8s_v5"})), "s")
    assert read.config == {"dsvm:vm_size": "Standard_D8s_v5"}


def test_one_key_written_two_ways_is_refused(tmp_path: Path) -> None:
    directory = project(tmp_path, stack_yaml({"dsvm:vm_size": "Standard_D4s_v5", "vm_size": "Standard_D8s_v5"}))
    with pytest.raises(ProjectError) as error:
        read_stack(directory, "s")
    assert "Pulumi.s.yaml: dsvm:vm_size and vm_size are the same key dsvm:vm_size" in str(error.value)
    assert "keep one" in str(error.value)


def test_a_key_with_two_colons_is_refused_with_pulumis_message(tmp_path: Path) -> None:
    with pytest.raises(ProjectError) as error:
        read_stack(project(tmp_path, stack_yaml({"dsvm:network:address_space": "10.0.0.0/16"})), "s")
    assert str(error.value) == (
        "Pulumi.s.yaml: could not parse dsvm:network:address_space as a configuration key "
        "(configuration keys should be of the form `<namespace>:<name>`)"
    )


def test_a_yaml_key_written_twice_is_refused_as_yaml_v3_does(tmp_path: Path) -> None:
    text = "config:\n  dsvm:kind: team\n  dsvm:vm_size: Standard_D4s_v5\n  dsvm:vm_size: Standard_D8s_v5\n"
    with pytest.raises(ProjectError) as error:
        read_stack(project(tmp_path, text), "s")
    assert str(error.value).startswith(
        'Pulumi.s.yaml line 4, column 3: mapping key "dsvm:vm_size" already defined at line 3'
    )


def test_a_yaml_error_names_file_line_and_column(tmp_path: Path) -> None:
    text = "config:\n  dsvm:kind: team\n  dsvm:owner: a: b\n"
    with pytest.raises(ProjectError) as error:
        read_stack(project(tmp_path, text), "s")
    assert str(error.value) == "Pulumi.s.yaml line 3, column 16: mapping values are not allowed here"


def test_a_broken_pulumi_yaml_names_its_line(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"^Pulumi\.yaml line 3, column 1: "):
        read_stack(project(tmp_path, "config: {}\n", pulumi_yaml="name: dsvm\nruntime: [python\n"), "s")


def test_pulumi_yaml_without_name_gets_pulumis_message(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"Pulumi\.yaml: project is missing a 'name' attribute"):
        read_stack(project(tmp_path, "config: {}\n", pulumi_yaml="runtime: python\n"), "s")


def test_an_empty_stack_file_is_a_stack_without_config(tmp_path: Path) -> None:
    directory = project(tmp_path, "")
    assert read_stack(directory, "s").config == {}
    with pytest.raises(ConfigError, match=r"dsvm:kind: required"):
        load_config(read_stack(directory, "s").config)


def test_a_key_without_value_is_an_empty_string(tmp_path: Path) -> None:
    assert read_stack(project(tmp_path, "config:\n  dsvm:owner:\n"), "s").config == {"dsvm:owner": ""}


def test_an_unknown_top_level_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"unknown top-level key 'confg'.*did you mean config\?"):
        read_stack(project(tmp_path, "confg:\n  dsvm:kind: team\n"), "s")


def test_esc_environments_cannot_be_read_offline(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"imports Pulumi ESC environment"):
        read_stack(project(tmp_path, "environment:\n  - team/dev\nconfig:\n  dsvm:kind: team\n"), "s")


def test_stack_config_dir_is_where_pulumi_looks(tmp_path: Path) -> None:
    pulumi_yaml = (ROOT / "Pulumi.yaml").read_text() + "stackConfigDir: stacks-config\n"
    (tmp_path / "stacks-config").mkdir()
    (tmp_path / "stacks-config" / "Pulumi.s.yaml").write_text(stack_yaml({"dsvm:kind": "team"}))
    (tmp_path / "Pulumi.yaml").write_text(pulumi_yaml)
    assert read_stack(tmp_path, "s").config == {"dsvm:kind": "team"}
    assert stack_names(tmp_path) == ["s"]


def test_a_leading_byte_order_mark_is_dropped(tmp_path: Path) -> None:
    directory = project(tmp_path, "")
    (directory / "Pulumi.s.yaml").write_bytes(b"\xef\xbb\xbfconfig:\n  dsvm:kind: team\n")
    assert read_stack(directory, "s").config == {"dsvm:kind": "team"}


@pytest.mark.parametrize(("name", "fragment"), [
    ("", "may not be empty"),
    ("org/dev", "invalid character '/' at position 3; a qualified name org/project/stack"),
    ("../dev", "invalid character '/' at position 2"),
    ("d" * 101, "cannot exceed 100 characters"),
])  # fmt: skip
def test_stack_names_follow_pulumis_rule(name: str, fragment: str) -> None:
    with pytest.raises(ProjectError) as error:
        check_stack_name(name)
    assert fragment in str(error.value)


def test_a_directory_without_pulumi_yaml_says_so(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=r"no Pulumi\.yaml in .*: not a Pulumi project"):
        read_stack(tmp_path, "dev")


# -- the engine path: __main__.py sees what the offline reader sees -----------------------------


def run_main(config: dict[str, str]) -> Any:
    return run_program(lambda: runpy.run_path(str(ROOT / "__main__.py")) and {}, FakeAzure(), config=config)


def test_the_program_refuses_a_misspelt_namespace_under_the_engine_too() -> None:
    config = dict(read_stack(ROOT, "dev").config)
    config["dvsm:vm_size"] = config.pop("dsvm:vm_size")
    with pytest.raises(pulumi.RunError, match=r"dvsm:vm_size: unknown namespace 'dvsm'; did you mean dsvm:vm_size\?"):
        run_main(config)


def test_the_program_reads_a_bare_key_as_the_engine_namespaces_it(tmp_path: Path) -> None:
    config = dev_config()
    config["vm_size"] = "Standard_D8s_v5"
    del config["dsvm:vm_size"]
    engine = read_stack(project(tmp_path, stack_yaml(config)), "s").config
    engine["azure-native:subscriptionId"] = "another provider's key passes"
    run = run_main(engine)
    sizes = {json.dumps(r.inputs["hardwareProfile"]) for r in run.records
             if r.type == "azure-native:compute:VirtualMachine"}  # fmt: skip
    assert sizes == {json.dumps({"vmSize": "Standard_D8s_v5"})}


def test_nested_secure_values_stay_opaque_and_mark_the_key_secret(tmp_path: Path) -> None:
    config = {"dsvm:tags": {"team": "ds", "token": {"secure": "v1:abc"}}, "dsvm:owner": "me"}
    read = read_stack(project(tmp_path, stack_yaml(config)), "s")
    assert json.loads(read.config["dsvm:tags"]) == {"team": "ds", "token": "[secret]"}
    assert read.secret_keys == ["dsvm:tags"]
    assert "v1:abc" not in json.dumps(read.config)
