"""`os_disk` on the stack, members, rigs and pools: what reaches Azure, what is refused before, what it costs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dsvmctl.plan import resource_json
from fakeazure import ProgramRun
from stacks.config import ConfigError, parse_config
from tests.helpers import of_type, one, ssh_key, team_values
from tests.stacks.gpu_rig.test_gpu_rig import rig, rig_values
from tests.stacks.scale_out.test_scale_out_stack import values as scale_out_values

VM = "azure-native:compute:VirtualMachine"
VMSS = "azure-native:compute:VirtualMachineScaleSet"


def member(name: str, **changes: Any) -> dict[str, Any]:
    return {"username": name, "ssh_public_key": ssh_key(name), **changes}


def problem(values: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    (found,) = error.value.problems
    return found


def os_disk(run: ProgramRun, name: str) -> dict[str, Any]:
    return one(run, VM, name).inputs["storageProfile"]["osDisk"]  # type: ignore[no-any-return]


def test_the_default_is_a_premium_ssd_at_the_images_size(run_stack: Callable[..., ProgramRun]) -> None:
    disk = os_disk(run_stack(team_values()), "alice-vm")
    assert disk["managedDisk"] == {"storageAccountType": "Premium_LRS"} and "diskSizeGB" not in disk


def test_the_stack_default_and_a_members_override_key_by_key(run_stack: Callable[..., ProgramRun]) -> None:
    members = [member("alice"), member("bob", os_disk={"sku": "Standard_LRS"}),
               member("carol", os_disk={"size_gb": 512})]  # fmt: skip
    run = run_stack(team_values(os_disk={"sku": "StandardSSD_LRS", "size_gb": 256}, members=members))
    assert os_disk(run, "alice-vm")["managedDisk"]["storageAccountType"] == "StandardSSD_LRS"
    assert os_disk(run, "alice-vm")["diskSizeGB"] == 256
    assert (os_disk(run, "bob-vm")["managedDisk"]["storageAccountType"], os_disk(run, "bob-vm")["diskSizeGB"]) == (
        "Standard_LRS", 256)  # fmt: skip
    assert (os_disk(run, "carol-vm")["managedDisk"]["storageAccountType"], os_disk(run, "carol-vm")["diskSizeGB"]) == (
        "StandardSSD_LRS", 512)  # fmt: skip


def test_a_rig_and_a_pool_take_their_own(run_stack: Callable[..., ProgramRun], tmp_path: Path) -> None:
    run = run_stack(rig_values(rig(os_disk={"sku": "StandardSSD_LRS"})))
    assert os_disk(run, "vision-vm")["managedDisk"]["storageAccountType"] == "StandardSSD_LRS"
    pools = [{"name": "cpu", "capacity": 2, "data_disk_gb": 64, "os_disk": {"sku": "Standard_LRS", "size_gb": 200}}]
    run = run_stack(scale_out_values(tmp_path, pools=pools, os_disk={"sku": "StandardSSD_LRS"}), stack="lab")
    storage = one(run, VMSS, "dsvm-lab-cpu").inputs["virtualMachineProfile"]["storageProfile"]
    assert storage["osDisk"]["managedDisk"]["storageAccountType"] == "Standard_LRS"
    assert storage["osDisk"]["diskSizeGB"] == 200
    assert storage["dataDisks"][0]["managedDisk"]["storageAccountType"] == "Standard_LRS"  # the pool's SKU


@pytest.mark.parametrize(
    ("os_disk_value", "path", "words"),
    [
        ({"sku": "PremiumV2_LRS"}, "dsvm:os_disk.sku", "Premium SSD v2 can only be a data disk"),
        ({"sku": "UltraSSD_LRS"}, "dsvm:os_disk.sku", "Ultra Disks can only be data disks"),
        ({"sku": "standardssd_lrs"}, "dsvm:os_disk.sku", "did you mean StandardSSD_LRS"),
        ({"size_gb": 128}, "dsvm:os_disk.size_gb", "smaller than the ubuntu-2204 image's OS disk (150 GiB"),
        ({"size_gb": 4096}, "dsvm:os_disk.size_gb", "1 to 4,095 GiB"),
    ],
)
def test_what_azure_refuses_is_refused_before_planning(os_disk_value: dict[str, Any], path: str, words: str) -> None:
    found_path, message = problem(team_values(os_disk=os_disk_value))
    assert found_path == path and words in message


def test_a_members_override_is_checked_at_its_own_path() -> None:
    found = problem(team_values(members=[member("alice", os_disk={"size_gb": 100})]))
    assert found[0] == "dsvm:members[0].os_disk.size_gb"
    windows = team_values(image={"os": "windows-2022", "version": "25.05.20"}, members=[{"username": "alice"}],
                          os_disk={"size_gb": 127})  # fmt: skip
    assert parse_config(windows).os_disk.size_gb == 127  # the Windows image's 127 GiB


def test_zone_redundant_only_where_the_region_has_zones() -> None:
    path, message = problem(team_values(location="westcentralus", os_disk={"sku": "Premium_ZRS"}))
    assert path == "dsvm:os_disk.sku" and "availability zones" in message and "use Premium_LRS" in message
    parse_config(team_values(location="northeurope", os_disk={"sku": "Premium_ZRS"}))


def test_premium_storage_is_needed_only_by_premium_disks(run_stack: Callable[..., ProgramRun]) -> None:
    path, message = problem(team_values(vm_size="Standard_D4_v5"))  # Premium OS and data disks by default
    assert path == "dsvm:vm_size" and "has no premium storage" in message and "Standard_D4s_v5" in message
    assert "os_disk.sku" in message and "members[0].data_disk.sku" in message
    standard = {"sku": "StandardSSD_LRS"}
    path, message = problem(team_values(vm_size="Standard_D4_v5", os_disk=standard))
    assert path == "dsvm:vm_size" and "members[0].data_disk.sku is Premium_LRS" in message
    members = [member("alice", vm_size="Standard_D4_v5", data_disk=standard), member("bob")]
    run = run_stack(team_values(os_disk=standard, members=members))  # the emulator agrees: it plans
    assert one(run, VM, "alice-vm").inputs["hardwareProfile"]["vmSize"] == "Standard_D4_v5"


def test_a_rig_is_checked_in_both_modes() -> None:
    cpu_only = rig(cpu_size="Standard_D4d_v5", gpu_size="Standard_NC4as_T4_v3")  # Ddv5: no premium storage
    path, message = problem(rig_values(cpu_only))
    assert path == "dsvm:rigs[0].cpu_size" and "has no premium storage" in message
    standard = {"sku": "StandardSSD_LRS"}
    config = parse_config(rig_values({**cpu_only, "os_disk": standard, "data_disk": standard}))
    assert config.disk_uses()[0].sizes == (("rigs[0].cpu_size", "Standard_D4d_v5"),
                                           ("rigs[0].gpu_size", "Standard_NC4as_T4_v3"))  # fmt: skip


def test_each_tier_bills_the_tier_its_size_rounds_up_to(run_stack: Callable[..., ProgramRun]) -> None:
    from costs import estimate

    members = [member("alice", os_disk={"sku": "StandardSSD_LRS"}), member("bob", os_disk={"sku": "Standard_LRS"}),
               member("carol", os_disk={"size_gb": 300}), member("dave", os_disk={"sku": "Premium_ZRS"})]  # fmt: skip
    run = run_stack(team_values(location="northeurope", members=members))
    lines = {(line["name"], line["item"]): line for line in estimate([resource_json(r) for r in run.records])["lines"]}
    expected = {
        ("alice-vm", "150 GiB StandardSSD_LRS OS disk"): (19.2, "billed as E15 (256 GiB)"),
        ("bob-vm", "150 GiB Standard_LRS OS disk"): (11.33, "billed as S15 (256 GiB)"),
        ("carol-vm", "300 GiB Premium_LRS OS disk"): (73.22, "billed as P20 (512 GiB)"),
        ("dave-vm", "150 GiB Premium_ZRS OS disk"): (57.03, "billed as P15 (256 GiB)"),
    }
    for key, (monthly, note) in expected.items():
        assert lines[key]["monthly"] == monthly and lines[key]["alwaysOnMonthly"] == monthly
        assert note in lines[key]["note"]
    assert len(of_type(run, VM)) == 4


def test_a_zrs_tier_missing_from_the_snapshot_is_priced_as_lrs_and_said_so() -> None:
    from tests.costs.test_estimate import BOOK, estimate, vm

    machine = vm("alice-vm", os_disk_gib=150)  # BOOK has Premium_LRS tiers only
    machine["inputs"]["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] = "Premium_ZRS"
    (line,) = [line for line in estimate([machine])["lines"] if "OS disk" in line["item"]]
    assert line["item"] == "150 GiB Premium_ZRS OS disk" and line["monthly"] == 38.02  # P15 LRS
    assert "assumed: no Premium_ZRS price in the snapshot, priced as Premium_LRS; ZRS costs more" in line["note"]
    machine["inputs"]["storageProfile"]["osDisk"]["managedDisk"]["storageAccountType"] = "StandardSSD_LRS"
    with pytest.raises(ValueError, match="alice-vm"):  # an LRS tier is never guessed
        estimate([machine])
    assert "Premium_ZRS" not in BOOK.regions["eastus"]["disk"]


def test_the_diff_says_a_scale_sets_new_os_disk_reaches_new_instances_only() -> None:
    from dsvmctl.diff import classify

    def pool(sku: str, size: int | None) -> dict[str, Any]:
        disk: dict[str, Any] = {"createOption": "FromImage", "managedDisk": {"storageAccountType": sku}}
        if size:
            disk["diskSizeGB"] = size
        return {"urn": "urn:pulumi:lab::dsvm::pool", "type": VMSS, "name": "pool",
                "inputs": {"virtualMachineProfile": {"storageProfile": {"osDisk": disk}}}}  # fmt: skip

    change = classify(pool("Premium_LRS", None), pool("StandardSSD_LRS", 256))
    assert change.change == "update" and not change.errors
    assert change.effects == [
        "updates the scale set's model in place: instances created from now on get a StandardSSD_LRS OS disk of "
        "256 GiB; running instances keep their Premium_LRS OS disk until they leave the pool"
    ]


def test_dsvmctl_diff_refuses_an_os_disk_change_on_a_running_vm_with_the_way_out(project: Any) -> None:
    project.config["dsvm:os_disk"] = {"sku": "StandardSSD_LRS"}
    project.write()
    code, output = project.run("diff")
    assert code == 2 and "Traceback" not in output
    flat = " ".join(output.split())
    assert "OperationNotAllowed" in flat and "only while the VM is deallocated" in flat
    assert "az vm deallocate -g rg-dsvm-dev -n alice-vm" in flat and "az vm start -g rg-dsvm-dev -n alice-vm" in flat
