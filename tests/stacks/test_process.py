"""stacks/process.py: the collector thresholds every entry of a program run sets first, and
the alias URNs nobody reads, not computed, with the same requests to the engine."""

from __future__ import annotations

import ast
import gc
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pulumi
import pulumi.resource as sdk_resource
import pulumi_azure_native.compute as compute
import pulumi_azure_native.resources as resources
import pytest

import dsvmctl.cli
import stacks.process
from dsvmctl.plan import make_plan
from fakeazure import FakeAzure, run_program
from fakeazure.mocks import RecordingMonitor
from stacks.process import GC_THRESHOLDS, UNUSED_ALIAS_URN, VERIFIED_PULUMI_SDK, skip_unused_alias_urns, tune_gc
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
    assert names.index("skip_unused_alias_urns") < names.index("stacks.build")


@pytest.fixture
def sdk_collapse(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """The SDK's own ``collapse_alias_to_urn`` for the test; whatever was there is put back after."""
    collapse = sdk_resource.collapse_alias_to_urn
    original = getattr(collapse, "__wrapped__", collapse)
    monkeypatch.setattr(sdk_resource, "collapse_alias_to_urn", original)
    return original


def recorded(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """Every RegisterResource request the engine gets from now on, serialized as sent but for
    where in the source it was made (the call site of the test differs) and the order of
    dependencies (the SDK expands a component dependency through a set of its children,
    hashed by object identity: the order differs from run to run, the engine reads a set)."""
    requests: list[bytes] = []
    register = RecordingMonitor.RegisterResource

    def record(self: RecordingMonitor, request: Any) -> Any:
        sent = type(request)()
        sent.CopyFrom(request)
        for call_site in ("sourcePosition", "stackTrace", "parentStackTraceHandle"):
            sent.ClearField(call_site)
        sent.dependencies.sort()
        for dependencies in sent.propertyDependencies.values():
            dependencies.urns.sort()
        requests.append(sent.SerializeToString(deterministic=True))
        return register(self, request)

    monkeypatch.setattr(RecordingMonitor, "RegisterResource", record)
    return requests


@pytest.mark.parametrize("stack", ["dev", "gpu", "classroom"])
def test_a_plan_sends_the_engine_the_same_requests_without_the_unused_alias_urns(
    stack: str, sdk_collapse: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as sdk_as_shipped:
        sdk_as_shipped.setattr(stacks.process, "skip_unused_alias_urns", lambda: False)
        before = recorded(sdk_as_shipped)
        shipped = make_plan(ROOT, stack, FakeAzure(), jobs=1).to_json()
    assert sdk_resource.collapse_alias_to_urn is sdk_collapse
    after = recorded(monkeypatch)
    skipped = make_plan(ROOT, stack, FakeAzure(), jobs=1).to_json()
    assert getattr(sdk_resource.collapse_alias_to_urn, stacks.process.MARK)  # make_plan put it in place
    assert sdk_resource.collapse_alias_to_urn.__wrapped__ is sdk_collapse  # type: ignore[attr-defined]
    assert after == before and len(after) > 20
    assert json.dumps(skipped, sort_keys=True) == json.dumps(shipped, sort_keys=True)
    vm_type = b"azure-native:compute:VirtualMachine"
    assert any(vm_type in r and b"azure-native:compute/v2" in r for r in after)  # type aliases still sent, as specs


def disk_aliases() -> list[Any]:
    """The ``_aliases`` of a data disk registered in a run on fakeazure."""
    found: list[Any] = []

    def program() -> dict[str, Any]:
        group = resources.ResourceGroup("rg", resource_group_name="rg", location="westeurope")
        disk = compute.Disk(
            "d", resource_group_name=group.name, location="westeurope", disk_size_gb=8,
            creation_data=compute.CreationDataArgs(create_option="Empty"),
        )  # fmt: skip
        found.extend(disk._aliases)
        return {}

    run_program(program, FakeAzure())
    return found


def test_resources_hold_no_alias_urns_where_the_engine_reads_alias_specs(sdk_collapse: Callable[..., Any]) -> None:
    assert skip_unused_alias_urns()
    wrapper = sdk_resource.collapse_alias_to_urn
    assert skip_unused_alias_urns() and sdk_resource.collapse_alias_to_urn is wrapper  # wrapped once
    aliases = disk_aliases()
    assert len(aliases) > 5 and set(aliases) == {UNUSED_ALIAS_URN}


def test_where_the_engine_lacks_alias_specs_the_sdk_computes_the_urns(
    sdk_collapse: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert skip_unused_alias_urns()
    monkeypatch.setattr(pulumi.runtime.settings, "monitor_supports_feature", lambda feature: False)
    aliases = disk_aliases()
    assert aliases and all(isinstance(a, pulumi.Output) for a in aliases)


def test_an_sdk_version_not_checked_runs_as_shipped(
    sdk_collapse: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stacks.process, "pulumi_sdk_version", lambda: "3.999.0")
    assert skip_unused_alias_urns() is False
    assert sdk_resource.collapse_alias_to_urn is sdk_collapse


def test_the_pinned_pulumi_sdk_is_a_checked_one() -> None:
    """Raising the pin turns the skip off until the SDK's source is checked again (next test)."""
    pinned = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned and pinned.group(1) in VERIFIED_PULUMI_SDK
    assert stacks.process.pulumi_sdk_version() == pinned.group(1)


def enclosing_functions(tree: ast.AST) -> dict[ast.AST, list[str]]:
    """Each node of ``tree`` and the names of the functions it is in, outermost first."""
    where: dict[ast.AST, list[str]] = {}

    def visit(node: ast.AST, functions: list[str]) -> None:
        where[node] = functions
        inner = [*functions, node.name] if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) else functions
        for child in ast.iter_child_nodes(node):
            visit(child, inner)

    visit(tree, [])
    return where


def test_the_sdk_reads_alias_urns_only_where_the_engine_lacks_alias_specs() -> None:
    """What the skip relies on, in the installed SDK's source: ``_aliases`` is read only in
    ``all_aliases``, which only ``prepare_aliases`` calls, in its branch without alias specs;
    the wrapped ``collapse_alias_to_urn`` of ``pulumi.resource`` is called only to fill ``_aliases``."""
    package = Path(pulumi.__file__).parent
    reads: list[tuple[str, list[str]]] = []
    for path in sorted(package.rglob("*.py")):
        tree = ast.parse(path.read_text())
        where = enclosing_functions(tree)
        nodes = list(ast.walk(tree))
        appends = [n for n in nodes if isinstance(n, ast.Attribute) and ast.unparse(n) == "self._aliases.append"]
        filling = {id(n.value) for n in appends}
        for node in nodes:
            read = isinstance(node, ast.Attribute) and node.attr == "_aliases" and isinstance(node.ctx, ast.Load)
            if read and id(node) not in filling:
                reads.append((path.relative_to(package).as_posix(), where[node]))
    assert {(path, tuple(functions)) for path, functions in reads} == {("runtime/resource.py", ("all_aliases",))}

    runtime = ast.parse((package / "runtime" / "resource.py").read_text())
    calls = [n for n in ast.walk(runtime) if isinstance(n, ast.Call) and ast.unparse(n.func) == "all_aliases"]
    prepare = next(n for n in ast.walk(runtime) if isinstance(n, ast.AsyncFunctionDef) and n.name == "prepare_aliases")
    branch = next(
        n for n in ast.walk(prepare) if isinstance(n, ast.If) and ast.unparse(n.test) == "supports_alias_specs"
    )
    without_specs = {id(n) for statement in branch.orelse for n in ast.walk(statement)}
    assert calls and all(id(call) in without_specs for call in calls)

    resource = ast.parse((package / "resource.py").read_text())
    where = enclosing_functions(resource)
    uses = [n for n in ast.walk(resource) if isinstance(n, ast.Name) and n.id == "collapse_alias_to_urn"]
    assert [where[n] for n in uses] == [["__init__"]]  # the one call, in Resource.__init__
    appends = [n for n in ast.walk(resource) if isinstance(n, ast.Call) and "collapse_alias_to_urn(" in ast.unparse(n)
               and ast.unparse(n.func) == "self._aliases.append"]  # fmt: skip
    assert len(appends) == 1
