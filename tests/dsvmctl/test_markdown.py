"""The PR comment stays readable at 300 workstations: grouped rows, one drawn workstation."""

from __future__ import annotations

from typing import Any

from dsvmctl.diff import summarize
from dsvmctl.markdown import render, summary_line


def resource(urn: str, rtype: str, name: str, parent: str | None, change: str, **extra: Any) -> dict[str, Any]:
    return {"urn": urn, "type": rtype, "name": name, "parent": parent, "change": change, "dependsOn": [],
            "changedProperties": [], "protect": False, "retainOnDelete": False, **extra}


def team_document(members: int) -> dict[str, Any]:
    resources = [resource("net", "dsvm:components:Network", "dsvm-big", None, "same")]
    for i in range(members):
        name = f"user{i:03d}"
        ws, dd = f"ws-{name}", f"dd-{name}"
        resources += [
            resource(ws, "dsvm:components:Workstation", name, None, "same"),
            resource(f"{ws}-vm", "azure-native:compute:VirtualMachine", f"{name}-vm", ws, "replace",
                     changedProperties=["storageProfile.imageReference.version"],
                     replaceReasons=["storageProfile.imageReference.version (replaceOnChanges: "
                                     "storageProfile.imageReference)"], dependsOn=[f"{ws}-nic", f"{dd}-disk"]),
            resource(f"{ws}-nic", "azure-native:network:NetworkInterface", f"{name}-nic", ws, "same"),
            resource(dd, "dsvm:components:DataDisk", f"{name}-data", None, "same"),
            resource(f"{dd}-disk", "azure-native:compute:Disk", f"{name}-data-disk", dd, "update",
                     changedProperties=["diskSizeGB"], protect=True, retainOnDelete=True),
        ]
    resources.append(resource("nsg", "azure-native:network:NetworkSecurityGroup", "dsvm-big-nsg", "net", "update",
                              changedProperties=["securityRules[1].destinationPortRange"]))
    document = {"stack": "big", "kind": "team", "resources": resources, "errors": [],
                "cost": {"monthly": 40000.0, "alwaysOnMonthly": 90000.0, "delta": {"monthly": 412.4}}}
    document["changes"] = summarize(resources)
    return document


def test_summary_line() -> None:
    assert summary_line(team_document(3)) == "+0 ~4 ±3 -0, cost +$412/month"


def test_300_members_make_a_short_comment() -> None:
    text = render(team_document(300))
    table = [line for line in text.splitlines() if line.startswith("| ")]
    assert len(table) == 1 + 3  # header, then one row per kind of change
    disks, vms, nsg = table[1:]
    assert "update ×300" in disks and "⚠️💾" in disks and "diskSizeGB" in disks  # data first
    assert "replace ×300" in vms and "+297 more" in vms and "`user000-vm`" in vms
    assert "NetworkSecurityGroup" in nsg
    graph = text.split("```mermaid")[1]
    assert "user000-vm" in graph and "user001-vm" not in graph
    assert "and 299 more workstation(s) like user000" in graph
    assert len(text) < 6000
    assert "<details><summary>Resource graph</summary>" in text


def test_refused_changes_lead_the_comment() -> None:
    document = team_document(2)
    refusal = {"code": "Protected", "message": "user000-vm cannot be replaced because it is protected", "fix": None}
    document["resources"][2]["errors"] = [refusal]
    resource = document["resources"][2]
    document["errors"] = [{"urn": resource["urn"], "type": resource["type"], "name": resource["name"], **refusal}]
    text = render(document)
    assert "> **1 change(s) would be refused:**" in text
    first_row = [line for line in text.splitlines() if line.startswith("| ")][1]
    assert first_row.startswith("| ⛔ |") and "user000-vm" in first_row
