"""costs: the monthly estimate, checked against hand arithmetic on a literal price book.

The price book here is the test's own (``BOOK``), so these figures never move
when the shipped snapshot is refreshed; tests/costs/test_billing.py checks the
shipped snapshot's figures against Azure's price pages.
"""

from __future__ import annotations

from typing import Any

import pytest

from azurefacts.prices import PriceBook
from costs import delta
from costs import estimate as estimate_with
from costs.hours import workday_hours

RG = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-test"
VM = "azure-native:compute:VirtualMachine"
DISK = "azure-native:compute:Disk"
UBUNTU = {"publisher": "microsoft-dsvm", "offer": "ubuntu-2204", "sku": "2204-gen2", "version": "25.05.20"}
WINDOWS = {"publisher": "microsoft-dsvm", "offer": "dsvm-win-2022", "sku": "winserver-2022", "version": "25.05.20"}


# Literal list prices (eastus): D4s_v5 $0.192/h Linux, $0.376/h Windows; Premium SSD P10 $19.71,
# P15 $38.02 a month; Standard IP $0.005/h; hot LRS blob $0.0184/GiB-month; Standard Bastion $0.29/h, Premium
# $0.45/h, an extra scale unit $0.14/h.
BOOK = PriceBook(
    currency="USD",
    read_on={"test": "2026-01-02"},
    sources={"test": "literal prices of this test"},
    regions={
        "eastus": {
            "vm": {"Standard_D4s_v5": {"linux": 0.192, "windows": 0.376}},
            "disk": {"Premium_LRS": {"P10": 19.71, "P15": 38.02, "P20": 73.22}, "PremiumV2_LRS": {"GiB": 0.082}},
            "public_ip": {"Standard": 0.005},
            "bastion": {"Standard": 0.29, "Premium": 0.45, "scale_unit": 0.14},
            "blob_hot": {"Standard_LRS": 0.0184},
        },
        "westeurope": {"vm": {"Standard_D4s_v5": {"linux": 0.23, "windows": 0.414}}},
    },
)


def estimate(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return estimate_with(resources, BOOK)


def res(type_: str, name: str, arm_path: str, inputs: dict[str, Any], location: str = "eastus") -> dict[str, Any]:
    """One resource as the plan document lists it (only the keys the estimate reads, plus urn)."""
    return {
        "urn": f"urn:pulumi:test::dsvm::{type_}::{name}",
        "type": type_,
        "name": name,
        "id": f"{RG}/providers/{arm_path}/{name}",
        "inputs": {"location": location, **inputs},
    }


def vm(name: str = "alice-vm", image: dict[str, str] = UBUNTU, size: str = "Standard_D4s_v5",
       os_disk_gib: int | None = None, location: str = "eastus") -> dict[str, Any]:
    os_disk: dict[str, Any] = {"createOption": "FromImage", "managedDisk": {"storageAccountType": "Premium_LRS"}}
    if os_disk_gib is not None:
        os_disk["diskSizeGB"] = os_disk_gib
    return res(VM, name, "Microsoft.Compute/virtualMachines", {
        "hardwareProfile": {"vmSize": size},
        "storageProfile": {
            "imageReference": image,
            "osDisk": os_disk,
            "dataDisks": [{"lun": 0, "createOption": "Attach", "managedDisk": {"id": f"{RG}/disks/x"}}],
        },
    }, location)


def schedule(target: dict[str, Any], time: str = "1900", status: str | None = "Enabled") -> dict[str, Any]:
    """An auto-shutdown schedule of ``target``; ``status`` None: the input left out (ARM's default: Disabled)."""
    inputs = {"taskType": "ComputeVmShutdownTask", "dailyRecurrence": {"time": time}, "timeZoneId": "UTC",
              "status": status, "targetResourceId": target["id"]}
    return res("azure-native:devtestlab:GlobalSchedule", f"shutdown-computevm-{target['name']}",
               "Microsoft.DevTestLab/schedules", {k: v for k, v in inputs.items() if v is not None})


def disk(name: str = "alice-data-disk", size: int = 256, sku: str = "Premium_LRS") -> dict[str, Any]:
    return res(DISK, name, "Microsoft.Compute/disks",
               {"sku": {"name": sku}, "diskSizeGB": size, "creationData": {"createOption": "Empty"}})


def public_ip() -> dict[str, Any]:
    return res("azure-native:network:PublicIPAddress", "alice-pip", "Microsoft.Network/publicIPAddresses",
               {"sku": {"name": "Standard"}, "publicIPAllocationMethod": "Static"})


def storage_account() -> dict[str, Any]:
    return res("azure-native:storage:StorageAccount", "acct", "Microsoft.Storage/storageAccounts",
               {"kind": "StorageV2", "sku": {"name": "Standard_LRS"}})


def lines_of(cost: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [line for line in cost["lines"] if line["name"] == name]


def test_hand_computed_small_stack() -> None:
    machine = vm()
    cost = estimate([machine, schedule(machine), disk(), public_ip(), storage_account(),
                     res("azure-native:network:NetworkInterface", "alice-nic", "Microsoft.Network/networkInterfaces",
                         {})])
    # Disks bill by tier: the Ubuntu DSVM's 150 GiB OS disk and the 256 GiB data disk are both P15.
    vm_hours = (19 - 8) * 22  # auto-shutdown 19:00, started 08:00, 22 workdays = 242 h
    compute, compute_always = vm_hours * 0.192, 730 * 0.192  # 46.464, 140.16
    os_disk = 38.02  # P15 (150 GiB rounds up to 256)
    data_disk = 38.02  # P15
    ip = 730 * 0.005  # 3.65
    blob = 100 * 0.0184  # 1.84
    always_billed = os_disk + data_disk + ip + blob

    assert cost["currency"] == "USD"
    assert cost["monthly"] == pytest.approx(compute + always_billed, abs=0.005)  # 127.99
    assert cost["alwaysOnMonthly"] == pytest.approx(compute_always + always_billed, abs=0.005)  # 221.69
    by_item = {line["item"]: line for line in cost["lines"]}
    assert set(by_item) == {"Standard_D4s_v5 Linux VM", "150 GiB Premium_LRS OS disk", "256 GiB Premium_LRS disk",
                            "Standard public IP", "Standard_LRS storage account (hot blob)"}
    expected = {
        "Standard_D4s_v5 Linux VM": (compute, compute_always),
        "150 GiB Premium_LRS OS disk": (os_disk, os_disk),
        "256 GiB Premium_LRS disk": (data_disk, data_disk),
        "Standard public IP": (ip, ip),
        "Standard_LRS storage account (hot blob)": (blob, blob),
    }
    for item, (monthly, always_on) in expected.items():
        assert by_item[item]["monthly"] == pytest.approx(monthly, abs=0.005), item
        assert by_item[item]["alwaysOnMonthly"] == pytest.approx(always_on, abs=0.005), item
    assert "242 h/month" in by_item["Standard_D4s_v5 Linux VM"]["note"]
    assert "100 GiB" in by_item["Standard_LRS storage account (hot blob)"]["note"]
    assert "150 GiB billed as P15 (256 GiB)" in by_item["150 GiB Premium_LRS OS disk"]["note"]
    assert cost["prices"] == {"readOn": "2026-01-02", "source": "literal prices of this test", "confirmed": False}
    assert by_item["150 GiB Premium_LRS OS disk"]["urn"] == machine["urn"]  # billed on the VM
    for line in cost["lines"]:
        assert set(line) == {"urn", "name", "type", "item", "monthly", "alwaysOnMonthly", "note"}
        assert round(line["monthly"], 2) == line["monthly"]


@pytest.fixture
def dev_cost(dev_plan: dict[str, Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    resources = dev_plan["resources"]
    return resources, estimate_with(resources)


def test_dev_stack(dev_cost: tuple[list[dict[str, Any]], dict[str, Any]]) -> None:
    resources, cost = dev_cost
    assert 0 < cost["monthly"] < cost["alwaysOnMonthly"]
    names = {r["type"]: set() for r in resources}
    for r in resources:
        names[r["type"]].add(r["name"])
    vms, disks = names[VM], names[DISK]
    assert vms and disks
    for name in vms:
        items = [line["item"] for line in lines_of(cost, name)]
        assert any(item.endswith(" VM") for item in items), name
        assert any(item.endswith(" OS disk") for item in items), name
    for name in disks:
        assert [line["item"] for line in lines_of(cost, name)] == [f"{_size(resources, name)} GiB Premium_LRS disk"]
    (bastion,) = names["azure-native:network:BastionHost"]
    (account,) = names["azure-native:storage:StorageAccount"]
    assert lines_of(cost, bastion)[0]["item"] == "Standard Bastion"
    assert lines_of(cost, account)[0]["monthly"] > 0
    rounding = 0.005 * len(cost["lines"])
    assert sum(line["monthly"] for line in cost["lines"]) == pytest.approx(cost["monthly"], abs=rounding)
    assert not [line for line in cost["lines"] if line["note"].startswith("not priced")]


def _size(resources: list[dict[str, Any]], name: str) -> int:
    return next(int(r["inputs"]["diskSizeGB"]) for r in resources if r["name"] == name)


@pytest.mark.parametrize("schedules", [[], ["Disabled"], [None]], ids=["no-schedule", "disabled", "no-status"])
def test_vm_without_enabled_schedule_is_always_on(schedules: list[str | None]) -> None:
    machine = vm()
    cost = estimate([machine, *(schedule(machine, status=s) for s in schedules)])
    (compute,) = [line for line in cost["lines"] if line["item"] == "Standard_D4s_v5 Linux VM"]
    assert compute["monthly"] == compute["alwaysOnMonthly"] == pytest.approx(730 * 0.192)
    assert cost["monthly"] == cost["alwaysOnMonthly"]
    assert "always on" in compute["note"]


@pytest.mark.parametrize(("sku", "hourly"), [("Standard", 0.29), ("Premium", 0.45)])
def test_a_bastion_bills_the_scale_units_beyond_the_two_included(sku: str, hourly: float) -> None:
    def bastion(units: int) -> dict[str, Any]:
        return res("azure-native:network:BastionHost", "bastion", "Microsoft.Network/bastionHosts",
                   {"sku": {"name": sku}, "scaleUnits": units})

    (line,) = lines_of(estimate([bastion(5)]), "bastion")
    # Premium's own scale unit price is not in this book: Standard's, said to be assumed (test_bastion_skus.py).
    assert line["item"].startswith(f"{sku} Bastion, 3 extra scale unit(s) at $0.14/h")
    assert line["monthly"] == line["alwaysOnMonthly"] == pytest.approx(730 * (hourly + 3 * 0.14), abs=0.005)
    (line,) = lines_of(estimate([bastion(2)]), "bastion")
    assert line["item"] == f"{sku} Bastion" and line["monthly"] == pytest.approx(730 * hourly, abs=0.005)


def test_schedule_of_another_vm_does_not_count() -> None:
    alice, bob = vm("alice-vm"), vm("bob-vm")
    cost = estimate([alice, bob, schedule(bob)])
    (alice_vm,) = [line for line in lines_of(cost, "alice-vm") if line["item"].endswith(" VM")]
    (bob_vm,) = [line for line in lines_of(cost, "bob-vm") if line["item"].endswith(" VM")]
    assert alice_vm["monthly"] == pytest.approx(730 * 0.192)
    assert bob_vm["monthly"] == pytest.approx(242 * 0.192, abs=0.005)


@pytest.mark.parametrize(("time", "hours"), [("1900", 11), ("0830", 0.5), ("1730", 9.5), ("0200", 18), ("0800", 24),
                                             ("0000", 16), ("2359", 15 + 59 / 60)])
def test_workday_hours(time: str, hours: float) -> None:
    """Started at 08:00; a shutdown at or before 08:00 is the next morning's."""
    assert workday_hours(time) == pytest.approx(hours)


def test_windows_costs_the_licence_more() -> None:
    linux, windows = vm("lin-vm", UBUNTU, os_disk_gib=150), vm("win-vm", WINDOWS, os_disk_gib=150)
    lin = estimate([linux, schedule(linux)])
    win = estimate([windows, schedule(windows)])
    licence = 0.376 - 0.192  # the Windows price includes the licence
    assert win["monthly"] - lin["monthly"] == pytest.approx(242 * licence, abs=0.01)  # 44.53
    assert win["alwaysOnMonthly"] - lin["alwaysOnMonthly"] == pytest.approx(730 * licence, abs=0.01)  # 134.32
    (win_vm,) = [line for line in win["lines"] if line["item"] == "Standard_D4s_v5 Windows VM"]
    assert win_vm["monthly"] == pytest.approx(242 * 0.376, abs=0.005)
    assert "licence included" in win_vm["note"]


def test_a_region_without_prices_says_which_region_it_used() -> None:
    here, there = vm("eu-vm", location="westeurope"), vm("jp-vm", location="japaneast")
    cost = estimate([here, there])
    (eu,) = [line for line in lines_of(cost, "eu-vm") if line["item"].endswith(" VM")]
    (jp,) = [line for line in lines_of(cost, "jp-vm") if line["item"].endswith(" VM")]
    assert eu["monthly"] == pytest.approx(730 * 0.23) and "no westeurope price" not in eu["note"]
    assert jp["monthly"] == pytest.approx(730 * 0.192)
    assert "no japaneast price in the snapshot of 2026-01-02: eastus price used" in jp["note"]
    (eu_disk,) = [line for line in lines_of(cost, "eu-vm") if "OS disk" in line["item"]]
    assert "no westeurope price in the snapshot of 2026-01-02: eastus price used" in eu_disk["note"]


@pytest.mark.parametrize(
    ("size", "tier", "monthly"),
    [(128, "P10", 19.71), (129, "P15", 38.02), (150, "P15", 38.02), (256, "P15", 38.02), (257, "P20", 73.22)],
)
def test_disks_bill_by_the_tier_their_size_rounds_up_to(size: int, tier: str, monthly: float) -> None:
    (line,) = estimate([disk(size=size)])["lines"]
    assert line["monthly"] == line["alwaysOnMonthly"] == monthly
    assert tier in line["note"]


def test_premium_v2_bills_per_gib() -> None:
    (line,) = estimate([disk(size=150, sku="PremiumV2_LRS")])["lines"]
    assert line["monthly"] == pytest.approx(150 * 0.082)


def test_windows_image_default_os_disk() -> None:
    cost = estimate([vm("win-vm", WINDOWS)])
    assert [line["item"] for line in cost["lines"]][1] == "127 GiB Premium_LRS OS disk"


def test_unknown_size_and_sku_name_the_resource() -> None:
    with pytest.raises(ValueError, match=r"alice-vm .*Standard_Z99"):
        estimate([vm(size="Standard_Z99")])
    with pytest.raises(ValueError, match=r"odd-disk .*UltraSSD_LRS"):
        estimate([disk("odd-disk", sku="UltraSSD_LRS")])


def test_delta() -> None:
    base = {"currency": "USD", "monthly": 100.10, "alwaysOnMonthly": 200.20, "lines": []}
    head = {"currency": "USD", "monthly": 146.56, "alwaysOnMonthly": 340.36, "lines": []}
    assert delta(base, head) == {"monthly": 46.46, "alwaysOnMonthly": 140.16}
    assert delta(head, base) == {"monthly": -46.46, "alwaysOnMonthly": -140.16}
    assert delta({"monthly": None, "alwaysOnMonthly": None}, head) == {"monthly": 146.56, "alwaysOnMonthly": 340.36}
    # Adding a public IP to a stack: +730 h x $0.005 in both figures.
    machine = vm()
    before = estimate([machine, schedule(machine)])
    after = estimate([machine, schedule(machine), public_ip()])
    assert delta(before, after) == {"monthly": 3.65, "alwaysOnMonthly": 3.65}
