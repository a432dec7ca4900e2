"""Secrets as the monitor records them: masked in the plan, one-way fingerprints for the diff, and the paths
that mark outputs secret (so the saved state never holds the value)."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from fakeazure import FakeAzure, run_program
from fakeazure.mocks import FakeAzureMocks, Registration
from fakeazure.resource import fingerprint

VM = "azure-native:compute:VirtualMachine"


def registered(monkeypatch: pytest.MonkeyPatch, password: str) -> tuple[Registration, list[str]]:
    """A VM whose whole ``osProfile`` is one secret Output (how the SDK sends an input object built inside an
    ``apply`` of a secret), recorded by the monitor; the backend is bypassed (only the recording is tested)."""
    sent: list[str] = []

    def register(self: FakeAzureMocks, args: Any, secret_paths: list[str], *rest: Any) -> tuple[str, dict[str, Any]]:
        sent.extend(secret_paths)
        return "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1", {}

    monkeypatch.setattr(FakeAzureMocks, "register", register)

    def program() -> dict[str, Any]:
        profile = pulumi.Output.secret({"adminUsername": "azureuser", "adminPassword": password,
                                        "computerName": "vm1"})  # fmt: skip
        pulumi.CustomResource(VM, "vm1", {"osProfile": profile, "location": "westeurope"})
        return {}

    (record,) = [r for r in run_program(program, FakeAzure()).records if r.type == VM]
    return record, sent


def test_a_secret_leaf_of_a_wrapped_object_keeps_its_fingerprint(monkeypatch: pytest.MonkeyPatch) -> None:
    record, sent = registered(monkeypatch, "Pa55word-one")
    # Only the leaf the type names secret is masked; the rest of the object stays readable.
    assert record.inputs["osProfile"] == {"adminUsername": "azureuser", "adminPassword": "[secret]",
                                          "computerName": "vm1"}  # fmt: skip
    assert record.secret_paths == ["osProfile.adminPassword"] and "osProfile.adminPassword" in sent
    assert record.secret_fingerprints == {"osProfile.adminPassword": fingerprint("Pa55word-one")}
    other, _ = registered(monkeypatch, "Pa55word-two")
    assert other.secret_fingerprints["osProfile.adminPassword"] != record.secret_fingerprints["osProfile.adminPassword"]
