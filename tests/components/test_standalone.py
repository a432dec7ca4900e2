"""The components used on their own, below no composition: plain typed inputs, no stack config."""

from __future__ import annotations

from typing import Any

import pulumi_azure_native.resources as resources
import pytest

from azurefacts.images import DSVM_IMAGES
from components import DataDisk, DataDiskArgs, Network, NetworkArgs, Storage, StorageArgs, Workstation, WorkstationArgs
from components.types import AccessPolicy, ImageReference, ShutdownSchedule
from fakeazure import FakeAzure, run_program
from tests.helpers import of_type, ssh_key

SUBSCRIPTION = "00000000-0000-4000-8000-000000000001"


def program(access: AccessPolicy, os: str = "ubuntu-2204") -> dict[str, Any]:
    rg = resources.ResourceGroup("rg", resource_group_name="rg-solo", location="eastus")
    windows = DSVM_IMAGES[os].is_windows
    net = Network(
        "solo",
        NetworkArgs(rg.name, "eastus", access, "10.9.0.0/16", "10.9.1.0/24", "10.9.255.0/26", windows=windows),
    )
    store = Storage("solo-st", StorageArgs(rg.name, "eastus", "solost0001", ["work"], [net.subnet_id]))
    disk = DataDisk("solo-data", DataDiskArgs(rg.name, "eastus", size_gb=64))
    ws = Workstation(
        "carol",
        WorkstationArgs(
            resource_group_name=rg.name,
            location="eastus",
            subscription_id=SUBSCRIPTION,
            username="carol",
            vm_size="Standard_D2s_v5",
            image=ImageReference.of(DSVM_IMAGES[os], DSVM_IMAGES[os].version_names[-1]),
            subnet_id=net.subnet_id,
            data_disk_id=disk.disk_id,
            data_disk_size_gb=64,
            storage_container_id=store.container_ids["work"],
            auto_shutdown=ShutdownSchedule(time="1800", time_zone="Eastern Standard Time"),
            ssh_public_key=None if windows else ssh_key("carol"),
            public_ip_enabled=access.mode == "allowlist",
        ),
    )
    return {"ip": ws.private_ip, "vm": ws.vm_id, "password": ws.local_password}


@pytest.mark.parametrize(
    ("access", "os"),
    [(AccessPolicy("bastion"), "ubuntu-2204"), (AccessPolicy("allowlist", ("203.0.113.0/24",)), "windows-2022"),
     (AccessPolicy("private"), "ubuntu-2204")],
    ids=["bastion-linux", "allowlist-windows", "private-linux"],
)
def test_components_plan_without_any_stack(access: AccessPolicy, os: str) -> None:
    run = run_program(lambda: program(access, os), FakeAzure())
    assert run.outputs["ip"] == "10.9.1.4"
    assert run.outputs["password"] == "[secret]"
    (vm,) = of_type(run, "azure-native:compute:VirtualMachine")
    assert vm.inputs["hardwareProfile"]["vmSize"] == "Standard_D2s_v5"
    (schedule,) = of_type(run, "azure-native:devtestlab:GlobalSchedule")
    assert schedule.inputs["timeZoneId"] == "Eastern Standard Time" and schedule.inputs["dailyRecurrence"] == {
        "time": "1800"
    }
    assert len(of_type(run, "azure-native:network:BastionHost")) == (access.mode == "bastion")
    ips = of_type(run, "azure-native:network:PublicIPAddress")
    assert len(ips) == (1 if access.mode in ("bastion", "allowlist") else 0)
    (rule,) = [r for r in of_type(run, "azure-native:network:NetworkSecurityGroup")[0].inputs["securityRules"]
               if r["name"].startswith(("allow-ssh", "allow-rdp"))]
    assert rule["destinationPortRange"] == ("3389" if os.startswith("windows") else "22")
