"""The pack as the Pulumi CLI runs it: ``policy/__main__.py`` serves the analyzer protocol.

No Pulumi CLI here, so the test plays the engine: it starts the pack the way the CLI's Python
language host does for ``pulumi preview --policy-pack policy`` (the pack prints the port it
listens on), then sends ``Analyze`` and ``AnalyzeStack`` requests built from the dev stack's
offline plan over gRPC, as the engine does for each resource and for the whole stack.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.catalog import ALL_RULES
from tests.helpers import ROOT

UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7"  # pulumi_policy.proxy.UNKNOWN_BOOLEAN_VALUE


@pytest.fixture(scope="module")
def analyzer() -> Iterator[Any]:
    # What pulumi-language-python's RunPlugin runs for a policy pack (kind analyzer): `python -u -m
    # pulumi.policy <engine> <pack dir>` in the pack's directory; it runs the pack's __main__.py.
    proc = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", "."],
        cwd=ROOT / "policy", stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
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
    return list(stub.Analyze(request).diagnostics)


def test_the_pack_names_every_rule(analyzer: Any) -> None:
    info = analyzer.GetAnalyzerInfo(empty_pb2.Empty())
    assert info.name == "dsvm-security"
    assert sorted(p.name for p in info.policies) == sorted(r.name for r in ALL_RULES)
    assert {p.enforcementLevel for p in info.policies} == {analyzer_pb2.EnforcementLevel.MANDATORY}


def test_the_dev_plan_passes_resource_by_resource(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    for resource in dev_plan["resources"]:
        assert analyze(analyzer, resource) == [], resource["name"]


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


def test_the_stack_rule_sees_the_nsg_and_the_nic(analyzer: Any, dev_plan: dict[str, Any]) -> None:
    def request(resources: list[dict[str, Any]]) -> Any:
        return analyzer_pb2.AnalyzeStackRequest(resources=[
            analyzer_pb2.AnalyzerResource(type=r["type"], urn=r["urn"], name=r["name"], properties=struct(r["inputs"]))
            for r in resources
        ])  # fmt: skip

    assert list(analyzer.AnalyzeStack(request(dev_plan["resources"])).diagnostics) == []
    resources = copy.deepcopy(dev_plan["resources"])
    nic = next(r for r in resources if r["type"] == "azure-native:network:NetworkInterface")
    nic["inputs"]["ipConfigurations"][0]["publicIPAddress"] = {"id": "04da6b54-80e4-46f7-96ec-b56ff0331ba9"}
    (diagnostic,) = analyzer.AnalyzeStack(request(resources)).diagnostics
    assert diagnostic.policyName == "no-public-ip-on-vm-nic" and diagnostic.urn == nic["urn"]
