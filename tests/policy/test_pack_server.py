"""The pack as the Pulumi CLI runs it: ``policy/__main__.py`` serves the analyzer protocol.

No Pulumi CLI here, so the test plays the engine: it starts the pack the way the CLI's Python
language host does for ``pulumi preview --policy-pack policy`` (the pack prints the port it
listens on), then sends ``Analyze`` and ``AnalyzeStack`` requests built from the dev stack's
offline plan over gRPC, as the engine does for each resource and for the whole stack. The stack's
config reaches the pack as the CLI passes it (``PULUMI_CONFIG``), and the stack rules read it.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.catalog import ALL_RULES
from policy.rules import ADVISORY, MANDATORY
from tests.helpers import ROOT

UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"  # pulumi_policy.proxy.UNKNOWN_BOOLEAN_VALUE
LEVELS = {MANDATORY: analyzer_pb2.EnforcementLevel.MANDATORY, ADVISORY: analyzer_pb2.EnforcementLevel.ADVISORY}


def start_pack(config: dict[str, str]) -> Iterator[Any]:
    """The pack as pulumi-language-python's RunPlugin runs it for a policy pack (kind analyzer): `python -u -m
    pulumi.policy <engine> <pack dir>` in the pack's directory, with the stack's config in PULUMI_CONFIG."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PULUMI_CONFIG")}
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=ROOT / "policy", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**env, "PULUMI_CONFIG": json.dumps(config)},
    )  # fmt: skip
    try:
        port = (proc.stdout.readline() if proc.stdout else "").strip()
        assert port.isdigit(), proc.stderr.read() if proc.stderr else ""
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        yield analyzer_pb2_grpc.AnalyzerStub(channel)
        channel.close()
    finally:
        proc.kill()
        proc.wait()


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    yield from start_pack({"dsvm:kind": "team"})


@pytest.fixture(scope="module")
def capped_analyzer() -> Iterator[Any]:
    yield from start_pack({"dsvm:kind": "team", "dsvm:cost_cap_monthly": "1"})


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def analyze(stub: Any, resource: dict[str, Any], props: dict[str, Any] | None = None) -> list[Any]:
    request = analyzer_pb2.AnalyzeRequest(
        type=resource["type"], urn=resource["urn"], name=resource["name"],
        properties=struct(resource["inputs"] if props is None else props),
        options=analyzer_pb2.AnalyzerResourceOptions(protect=resource["protect"]),
    )  # fmt: skip
    # The pin's age depends on the day the pack runs (test_rules.py sets the day); test_the_pin_age_is_advisory.
    return [d for d in stub.Analyze(request).diagnostics if d.policyName != "image-pin-age"]


def test_the_pack_names_every_rule_with_its_enforcement(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "dsvm-security"
    assert {p.name: p.enforcementLevel for p in info.policies} == {r.name: LEVELS[r.enforcement] for r in ALL_RULES}


def test_the_dev_plan_passes_resource_by_resource(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    for resource in dev_plan["resources"]:
        assert analyze(analyzer, resource) == [], resource["name"]


def test_the_pin_age_is_advisory(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    vm = next(r for r in dev_plan["resources"] if r["type"] == "azure-native:compute:VirtualMachine")
    props = copy.deepcopy(vm["inputs"])
    props["storageProfile"]["imageReference"].update(offer="ubuntu-2004", sku="2004-gen2", version="24.06.10")
    request = analyzer_pb2.AnalyzeRequest(type=vm["type"], urn=vm["urn"], name=vm["name"], properties=struct(props))
    (diagnostic,) = [d for d in analyzer.Analyze(request).diagnostics if d.policyName == "image-pin-age"]
    assert diagnostic.enforcementLevel == analyzer_pb2.EnforcementLevel.ADVISORY
    assert "image ubuntu-2004 24.06.10 was released" in diagnostic.message


def test_a_violation_comes_back_mandatory_with_its_fix(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    vm = next(r for r in dev_plan["resources"] if r["type"] == "azure-native:compute:VirtualMachine")
    props = copy.deepcopy(vm["inputs"])
    props["securityProfile"]["encryptionAtHost"] = False
    (diagnostic,) = analyze(analyzer, vm, props)
    assert diagnostic.policyName == "vm-encryption-at-host"
    assert diagnostic.enforcementLevel == analyzer_pb2.EnforcementLevel.MANDATORY
    assert "encryptionAtHost is not true" in diagnostic.message and "Fix: set securityProfile" in diagnostic.message


def test_a_value_unknown_during_preview_is_advisory_not_a_crash(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    vm = next(r for r in dev_plan["resources"] if r["type"] == "azure-native:compute:VirtualMachine")
    props = copy.deepcopy(vm["inputs"])
    props["securityProfile"]["encryptionAtHost"] = UNKNOWN_BOOL
    (diagnostic,) = analyze(analyzer, vm, props)
    assert diagnostic.enforcementLevel == analyzer_pb2.EnforcementLevel.ADVISORY
    assert "can't be known during preview" in diagnostic.message


def stack_request(resources: list[dict[str, Any]]) -> Any:
    """An AnalyzeStack request as the engine sends it during a preview of a new stack: the ids of new
    resources are unknown, so a schedule's targetResourceId is too, and its property dependency names the VM."""
    by_id = {str(r["id"]).lower(): r["urn"] for r in resources if r.get("id")}
    sent = []
    for r in resources:
        inputs, links = copy.deepcopy(r["inputs"]), {}
        if r["type"] == "azure-native:devtestlab:GlobalSchedule":
            links["targetResourceId"] = analyzer_pb2.AnalyzerPropertyDependencies(
                urns=[by_id[inputs["targetResourceId"].lower()]])
            inputs["targetResourceId"] = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # UNKNOWN_STRING_VALUE
        sent.append(analyzer_pb2.AnalyzerResource(type=r["type"], urn=r["urn"], name=r["name"],
                                                  properties=struct(inputs), parent=r["parent"] or "",
                                                  propertyDependencies=links))  # fmt: skip
    return analyzer_pb2.AnalyzeStackRequest(resources=sent)


def test_the_stack_rules_see_the_nsg_the_nic_and_the_schedules(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    assert list(analyzer.AnalyzeStack(stack_request(dev_plan["resources"])).diagnostics) == []
    resources = copy.deepcopy(dev_plan["resources"])
    nic = next(r for r in resources if r["type"] == "azure-native:network:NetworkInterface")
    nic["inputs"]["ipConfigurations"][0]["publicIPAddress"] = {"id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    (diagnostic,) = analyzer.AnalyzeStack(stack_request(resources)).diagnostics
    assert diagnostic.policyName == "no-public-ip-on-vm-nic" and diagnostic.urn == nic["urn"]


def test_the_cost_cap_comes_from_the_stack_config(capped_analyzer: Any, dev_plan: dict[str, Any]) -> None:
    (diagnostic,) = [
        d for d in capped_analyzer.AnalyzeStack(stack_request(dev_plan["resources"])).diagnostics
        if d.policyName == "cost-cap"
    ]  # fmt: skip
    assert diagnostic.enforcementLevel == analyzer_pb2.EnforcementLevel.ADVISORY and diagnostic.urn == ""
    assert f"the estimated cost ${dev_plan['cost']['monthly']:,.2f}/month" in diagnostic.message
    assert "over the stack's cap of $1.00/month (dsvm:cost_cap_monthly)" in diagnostic.message
