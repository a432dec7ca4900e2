"""Saved state: every unusable file is named with what is wrong and the way out; set_aside keeps it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dsvmctl.state import STATE_VERSION, StateError, StateStore
from fakeazure import FakeAzure


def good_document(stack: str = "dev") -> dict[str, Any]:
    plan = {"stack": stack, "resources": [{"urn": "urn:pulumi:dev::dsvm::t::n", "type": "t", "name": "n"}],
            "cost": {"monthly": 0}}  # fmt: skip
    return {"version": STATE_VERSION, "stack": stack, "plan": plan, "emulator": FakeAzure().to_json()}


def write(tmp_path: Path, content: str | dict[str, Any] | list[Any], stack: str = "dev") -> StateStore:
    store = StateStore(tmp_path / "state")
    store.directory.mkdir(parents=True, exist_ok=True)
    text = content if isinstance(content, str) else json.dumps(content)
    store.path(stack).write_text(text)
    return store


def broken(**changes: Any) -> dict[str, Any]:
    document = good_document()
    document.update(changes)
    return document


@pytest.mark.parametrize(("content", "problem"), [
    ("", "is empty"),
    ("  \n", "is empty"),
    ("{not json", "is not JSON (Expecting property name enclosed in double quotes: line 1 column 2 (char 1))"),
    ([1, 2], "holds a JSON list, not a state document"),
    ({"plan": {}}, "has state version None, not 1"),
    (broken(version=0), "has state version 0, not 1"),
    (broken(version=2), "has state version 2, written by a newer dsvmctl (this one reads 1; use that one)"),
    (broken(stack="prod"), "holds the state of stack 'prod', not 'dev'"),
    (broken(plan=[]), "has no 'plan' mapping"),
    (broken(plan={"cost": {}}), "has no 'plan.resources' list"),
    (broken(plan={"resources": [{"urn": "u"}], "cost": {}}), "has plan.resources[0] without its urn, type and name"),
    (broken(plan={"resources": []}), "has no 'plan.cost' mapping"),
    (broken(emulator=None), "has no 'emulator' mapping"),
    (broken(emulator={"resources": []}), "has an 'emulator' part that cannot be restored (KeyError: 'subscriptionId')"),
])  # fmt: skip
def test_an_unusable_state_names_file_problem_and_way_out(
    tmp_path: Path, content: str | dict[str, Any] | list[Any], problem: str
) -> None:
    store = write(tmp_path, content)
    with pytest.raises(StateError) as error:
        store.load("dev")
    text = str(error.value)
    assert text.startswith(f"state file {store.path('dev')} {problem}. Way out: `dsvmctl state reset --stack dev")
    assert "the next `up` starts from an empty emulator" in text


def test_the_way_out_names_the_state_dir_when_it_is_not_the_default(tmp_path: Path) -> None:
    store = write(tmp_path, "")
    with pytest.raises(StateError, match=r"state reset --stack dev --state-dir .*state`"):
        store.load("dev")


def test_a_good_state_loads_and_none_is_none(tmp_path: Path) -> None:
    store = write(tmp_path, good_document())
    saved = store.load("dev")
    assert saved is not None and saved.plan["resources"][0]["name"] == "n"
    assert saved.backend().to_json() == FakeAzure().to_json()
    assert store.load("other") is None


def test_set_aside_keeps_every_broken_file(tmp_path: Path) -> None:
    store = write(tmp_path, "")
    first = store.set_aside("dev")
    store.path("dev").write_text("{")
    second = store.set_aside("dev")
    assert (first.name, second.name) == ("dev.json.broken-1", "dev.json.broken-2")
    assert first.read_text() == "" and second.read_text() == "{"
    assert store.load("dev") is None


def test_save_to_an_unwritable_place_names_the_path(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a directory")
    store = StateStore(tmp_path / "file" / "state")
    with pytest.raises(StateError) as error:
        store.save("dev", good_document()["plan"], FakeAzure())
    assert f"cannot save the state of dev to {store.path('dev')}: Not a directory" in str(error.value)


def test_a_stack_name_cannot_escape_the_state_dir(tmp_path: Path) -> None:
    with pytest.raises(StateError, match="invalid character '/'"):
        StateStore(tmp_path).path("../dev")
