"""The gpu_rig kind: Azure's resize rules checked first, CPU <-> GPU in place with the disks kept."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from stacks.config import ConfigError, parse_config
from tests.helpers import ROOT, TODAY, by_name, runner, ssh_key

USAGE = str(ROOT / "quotas" / "example-gpu-usage.json")


def rig(**changes: Any) -> dict[str, Any]:
    values = {"name": "vision", "username": "alice", "ssh_public_key": ssh_key("alice"),
              "cpu_size": "Standard_B4ms", "gpu_size": "Standard_NC4as_T4_v3"}
    values.update(changes)
    return values


def rig_values(*rigs: dict[str, Any], **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "kind": "gpu_rig", "location": "eastus", "owner": "ml@contoso.com", "cost_center": "CC-1",
        "access": {"mode": "bastion"}, "image": {"os": "ubuntu-2204", "version": "25.09.15"},
        "rigs": list(rigs) or [rig()],
    }
    values.update(changes)
    return values


def problems(values: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    return error.value.problems


def problem_at(values: dict[str, Any], path: str) -> str:
    found = [m for p, m in problems(values) if p == path]
    assert found, problems(values)
    return found[0]


# -- rule 3: Azure's resize rules, passing and failing ------------------------------------------
def test_a_resizable_pair_passes() -> None:
    config = parse_config(rig_values())
    assert config.rigs[0].active_size == "Standard_B4ms"  # type: ignore[attr-defined]


def test_a_size_without_temp_disk_cannot_pair_with_one_with() -> None:
    message = problem_at(rig_values(rig(cpu_size="Standard_D4s_v5")), "dsvm:rigs[0].cpu_size")
    assert "local temp disk" in message and "could not switch modes in place" in message


def test_the_gpu_size_needs_gpus_and_the_cpu_size_none() -> None:
    assert "has no GPU" in problem_at(rig_values(rig(gpu_size="Standard_B4ms")), "dsvm:rigs[0].gpu_size")
    assert "has GPUs" in problem_at(
        rig_values(rig(cpu_size="Standard_NC8as_T4_v3")), "dsvm:rigs[0].cpu_size"
    )


def test_a_gpu_size_without_trusted_launch_says_what_works(run_stack: Any) -> None:
    # B4ms supports Trusted Launch, NC A100 v4 does not; so does every CPU size with encryption at host.
    a100 = "Standard_NC24ads_A100_v4"
    message = problem_at(rig_values(rig(gpu_size=a100)), "dsvm:rigs[0].gpu_size")
    assert "has no Trusted Launch, and every CPU size with encryption at host has it" in message
    assert "leave out cpu_size (the rig runs on the GPU size only)" in message and "standard_security: true" in message
    gpu_only = parse_config(rig_values(rig(gpu_size=a100, cpu_size=None)))
    assert gpu_only.rigs[0].running_mode == "gpu"  # type: ignore[attr-defined]
    assert [n.size for n in gpu_only.quota_needs("cpu")] == [a100]  # it has no other mode
    assert "runs on its gpu_size only" in problem_at(rig_values(rig(gpu_size=a100, cpu_size=None, mode="cpu")),
                                                     "dsvm:rigs[0].mode")  # fmt: skip
    standard = run_stack(rig_values(rig(gpu_size=a100, standard_security=True)))
    (vm,) = [r for r in standard.records if r.type == "azure-native:compute:VirtualMachine"]
    assert vm.inputs["securityProfile"] == {"encryptionAtHost": True}  # Standard: no securityType, no UEFI
    assert "remove standard_security" in problem_at(rig_values(rig(standard_security=True)),
                                                    "dsvm:rigs[0].standard_security")  # fmt: skip


def test_a_cpu_size_without_trusted_launch_cannot_pair_with_one_that_has_it() -> None:
    """No CPU size in the facts lacks Trusted Launch and has encryption at host today; the rule stays for one."""
    from dataclasses import replace

    from azurefacts.sizes import VM_SIZES
    from stacks.config.base import PathError
    from stacks.config.gpu_rig import RigConfig

    config = RigConfig.model_validate(rig())
    without = replace(VM_SIZES["Standard_B4ms"], trusted_launch=False)
    with pytest.raises(PathError, match="does not support it: switching would change the security type") as error:
        config._security(without, VM_SIZES["Standard_NC4as_T4_v3"])
    assert error.value.path == "cpu_size"


def test_both_modes_must_be_able_to_run_whatever_the_mode_now() -> None:
    """A cpu-mode rig whose GPU size is not offered in the region never runs in gpu mode: refused now."""
    a100 = {"gpu_size": "Standard_NC24ads_A100_v4", "standard_security": True}
    message = problem_at(rig_values(rig(**a100), location="northeurope"), "dsvm:rigs[0].gpu_size")
    assert "is not offered in northeurope, so the rig could never run in gpu mode" in message
    # a Spot cap between the two sizes' Spot prices: fine in cpu mode today, gpu mode would never start
    between = {"max_price": 0.10}  # B4ms ~0.050, NC4as_T4_v3 ~0.158 USD/h (assumed Spot prices)
    for mode in ("cpu", "gpu"):
        message = problem_at(rig_values(rig(mode=mode, spot=between)), "dsvm:rigs[0].spot.max_price")
        assert "below Standard_NC4as_T4_v3's" in message and "would not start in gpu mode" in message


def test_a_gen1_image_is_refused() -> None:
    values = rig_values(rig(ssh_public_key=None), image={"os": "windows-2019", "version": "25.01.14"})
    assert "Generation 1" in problem_at(values, "dsvm:image.os")


def test_retired_and_unknown_sizes_are_refused() -> None:
    assert "retired" in problem_at(rig_values(rig(gpu_size="Standard_NC6s_v3")), "dsvm:rigs[0].gpu_size")
    assert "not in azurefacts" in problem_at(rig_values(rig(gpu_size="Standard_ND96amsr_A100_v9")),
                                             "dsvm:rigs[0].gpu_size")


def test_expiry_past_is_refused_and_near_is_warned() -> None:
    past = (TODAY - timedelta(days=1)).isoformat()
    assert "is past" in problem_at(rig_values(rig(expires_on=past)), "dsvm:rigs[0].expires_on")
    assert parse_config(rig_values(rig(expires_on=TODAY.isoformat())))  # the last day is not past
    soon = parse_config(rig_values(rig(expires_on=(TODAY + timedelta(days=3)).isoformat())))
    assert any("expires on" in w for w in soon.warnings())
    week = parse_config(rig_values(rig(expires_on=(TODAY + timedelta(days=7)).isoformat())))
    assert any("expires on" in w for w in week.warnings())  # a week ahead: the last warned day
    eight = parse_config(rig_values(rig(expires_on=(TODAY + timedelta(days=8)).isoformat())))
    assert not any("expires on" in w for w in eight.warnings())
    later = parse_config(rig_values(rig(expires_on=(TODAY + timedelta(days=30)).isoformat())))
    assert not any("expires on" in w for w in later.warnings())


def test_spot_max_price_below_the_spot_price_is_refused() -> None:
    message = problem_at(rig_values(rig(spot={"max_price": 0.001})), "dsvm:rigs[0].spot.max_price")
    assert "would not start" in message and "Standard_B4ms" in message
    parse_config(rig_values(rig(spot={"max_price": -1})))
    parse_config(rig_values(rig(spot={"max_price": 0.5})))
    from stacks.config.gpu_rig import spot_price_floor

    floor = max(spot_price_floor(s)[0] for s in ("Standard_B4ms", "Standard_NC4as_T4_v3"))  # type: ignore[index]
    parse_config(rig_values(rig(spot={"max_price": floor})))  # a cap at the Spot price runs


def test_windows_refuses_a_linux_only_option() -> None:
    values = rig_values(image={"os": "windows-2022", "version": "25.05.20"})
    assert "Windows images do not use SSH keys" in problem_at(values, "dsvm:rigs[0].ssh_public_key")


# -- the stack through the CLI -------------------------------------------------------------------
@pytest.fixture
def gpu_project(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    config = yaml.safe_load((ROOT / "Pulumi.gpu.yaml").read_text())["config"]
    (tmp_path / "Pulumi.gpu.yaml").write_text(yaml.safe_dump({"config": config}))
    return tmp_path


def cli(project: Path, *args: str) -> tuple[int, str]:
    from dsvmctl.cli import app

    result = runner.invoke(app, [*args, "--stack", "gpu", "--project-dir", str(project)])
    return result.exit_code, result.output


def set_mode(project: Path, mode: str) -> None:
    stack = yaml.safe_load((project / "Pulumi.gpu.yaml").read_text())
    stack["config"]["dsvm:rigs"][0]["mode"] = mode
    (project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))


def test_switching_modes_updates_only_the_vm_size_and_back(gpu_project: Path) -> None:
    state = ["--state-dir", str(gpu_project / "state"), "--quota-profile", USAGE]
    code, output = cli(gpu_project, "up", *state)
    assert code == 0, output
    before = json.loads(cli(gpu_project, "plan", "--json", "--quota-profile", USAGE)[1])
    for mode in ("gpu", "cpu"):
        set_mode(gpu_project, mode)
        code, output = cli(gpu_project, "diff", "--json", *state)
        assert code == 0, output
        document = json.loads(output)
        changed = {r["name"]: (r["change"], r["changedProperties"]) for r in document["resources"]
                   if r["change"] != "same"}
        assert changed == {"vision-vm": ("update", ["hardwareProfile.vmSize"])}
        assert "restarts the VM" in by_name(document, "vision-vm")["effects"][0]
        code, output = cli(gpu_project, "up", *state)
        assert code == 0, output
    modes = before["cost"]["modes"]
    rig_config = yaml.safe_load((ROOT / "Pulumi.gpu.yaml").read_text())["config"]["dsvm:rigs"][0]
    cpu, gpu = rig_config["cpu_size"], rig_config["gpu_size"]
    from azurefacts.prices import shipped

    book = shipped()
    hourly = book.price("eastus", "vm", gpu, "linux").amount - book.price("eastus", "vm", cpu, "linux").amount
    scheduled = (19 - 8) * 22  # the example's 19:00 auto-shutdown, 22 workdays
    billed = min(scheduled, 25 * 52 / 12 + 22 * (60 + 5) / 60)  # idle stop: 25 active h/week, 60 idle minutes
    billed += (210 + 60 + 5) / 60 * 52 / 12  # started 01:30 Saturday for the patch window, deallocated 65 min after
    assert modes["difference"]["monthly"] == pytest.approx(hourly * billed, abs=0.01)
    assert modes["gpu"]["monthly"] > modes["cpu"]["monthly"]


def test_gpu_mode_beyond_quota_stops_before_anything_is_registered(gpu_project: Path) -> None:
    set_mode(gpu_project, "gpu")
    code, output = cli(gpu_project, "plan")  # payg: no GPU quota until raised
    assert code == 2 and "QuotaExceeded" in output and "standardNCASv3_T4Family" in output
    assert "dsvmctl quota" in output
    code, output = cli(gpu_project, "plan", "--quota-profile", "free")
    assert code == 2 and "QuotaExceeded" in output
    code, output = cli(gpu_project, "plan", "--quota-profile", USAGE)
    assert code == 0, output


def test_the_quota_is_checked_before_any_registration(gpu_project: Path) -> None:
    from dsvmctl.plan import make_plan
    from fakeazure import ArmError, FakeAzure

    set_mode(gpu_project, "gpu")
    backend = FakeAzure()
    with pytest.raises(ArmError, match="QuotaExceeded"):
        make_plan(gpu_project, "gpu", backend)
    assert backend.resources == {}


def test_quota_shows_what_each_mode_needs(gpu_project: Path) -> None:
    code, output = cli(gpu_project, "quota", "--json")
    assert code == 0, output
    report = json.loads(output)
    assert report["fits"] == {"cpu": True, "gpu": False}
    t4 = next(r for r in report["quotas"] if r["quota"] == "standardNCASv3_T4Family")
    assert (t4["limit"], t4["cpu"], t4["gpu"]) == (0, 0, 4)


def test_spot_changes_replace_the_vm_and_keep_the_data_disk(gpu_project: Path) -> None:
    state = ["--state-dir", str(gpu_project / "state"), "--quota-profile", USAGE]
    assert cli(gpu_project, "up", *state)[0] == 0
    stack = yaml.safe_load((gpu_project / "Pulumi.gpu.yaml").read_text())
    stack["config"]["dsvm:rigs"][0]["spot"] = {"eviction_policy": "Deallocate", "max_price": -1}
    (gpu_project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))
    code, output = cli(gpu_project, "diff", "--json", *state)
    assert code == 0, output
    document = json.loads(output)
    vm = by_name(document, "vision-vm")
    assert vm["change"] == "replace" and any(r.startswith("priority") for r in vm["replaceReasons"])
    assert by_name(document, "vision-data-disk")["change"] == "same"
    spot_line = next(line for line in document["cost"]["lines"] if line["name"] == "vision-vm")
    assert "Spot" in spot_line["item"] and "assumed 30% of pay-as-you-go" in spot_line["note"]


def test_expires_on_is_tagged(run_stack: Any) -> None:
    values = rig_values(rig(expires_on=(TODAY + timedelta(days=30)).isoformat()))
    run = run_stack(copy.deepcopy(values))
    (vm,) = [r for r in run.records if r.type == "azure-native:compute:VirtualMachine"]
    assert vm.inputs["tags"]["expires-on"] == values["rigs"][0]["expires_on"]
    security = vm.inputs["securityProfile"]
    assert security["uefiSettings"]["secureBootEnabled"] is False  # decided by the GPU size, in cpu mode too


# -- AzureML ----------------------------------------------------------------------------------------
WORKSPACE = (
    "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-ml/providers/"
    "Microsoft.MachineLearningServices/workspaces/research"
)


REACHABLE = {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}


def with_azureml(project: Path, access: dict[str, Any] | None = None, **rig_changes: Any) -> None:
    stack = yaml.safe_load((project / "Pulumi.gpu.yaml").read_text())
    stack["config"]["dsvm:azureml"] = {"workspace_id": WORKSPACE}
    stack["config"]["dsvm:access"] = access or REACHABLE
    stack["config"]["dsvm:rigs"][0].update(rig_changes)
    (project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))


@pytest.mark.parametrize("access", [{"mode": "bastion"}, {"mode": "private"},
                                    {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"]}])  # fmt: skip
def test_an_attach_azureml_cannot_reach_is_refused_with_the_way_out(gpu_project: Path, access: dict[str, Any]) -> None:
    with_azureml(gpu_project, access)
    code, output = cli(gpu_project, "plan")
    text = " ".join(output.split())
    assert code == 2
    assert "dsvm:azureml: AzureML attaches a VM over SSH from the AzureMachineLearning service tag" in text
    assert "Use access mode allowlist with public_ip_enabled: true" in text


def test_azureml_does_not_attach_a_windows_rig() -> None:
    values = rig_values(rig(ssh_public_key=None), image={"os": "windows-2022", "version": "25.01.14"},
                        azureml={"workspace_id": WORKSPACE}, access=REACHABLE)  # fmt: skip
    assert "over SSH, so Linux images only; remove azureml" in problem_at(values, "dsvm:azureml")


def test_the_nsg_admits_ssh_from_azureml_only_when_attached(gpu_project: Path) -> None:
    with_azureml(gpu_project)
    document = json.loads(cli(gpu_project, "plan", "--json")[1])
    (nsg,) = [r for r in document["resources"] if r["type"] == "azure-native:network:NetworkSecurityGroup"]
    rules = {r["name"]: r for r in nsg["inputs"]["securityRules"]}
    ml = rules["allow-azuremachinelearning-ssh-in"]
    assert (ml["sourceAddressPrefixes"], ml["destinationPortRange"], ml["access"]) == (
        ["AzureMachineLearning"], "22", "Allow")  # fmt: skip
    assert rules["allow-ssh-in"]["sourceAddressPrefixes"] == ["203.0.113.0/24"]
    assert document["policy"] == [] or all(f["enforcement"] != "mandatory" for f in document["policy"])


@pytest.mark.parametrize(("name", "compute", "path"), [
    ("ab", None, "dsvm:rigs[0].name"),  # 2 characters
    ("vision-2", None, "dsvm:rigs[0].name"),  # ends in -<digits>
    ("vision", "run-01", "dsvm:rigs[0].azureml_compute_name"),
])  # fmt: skip
def test_compute_names_azureml_refuses_are_refused(
    gpu_project: Path, name: str, compute: str | None, path: str
) -> None:
    changes: dict[str, Any] = {"name": name}
    if compute:
        changes["azureml_compute_name"] = compute
    with_azureml(gpu_project, **changes)
    code, output = cli(gpu_project, "plan")
    text = " ".join(output.split())
    assert code == 2 and f"{path}: '{compute or name}' cannot be an AzureML compute name" in text
    assert "set rigs[].azureml_compute_name (renaming the rig would replace its VM)" in text


def test_a_compute_name_of_its_own_keeps_the_rig(gpu_project: Path) -> None:
    with_azureml(gpu_project, name="vision-2", azureml_compute_name="vision-two")
    code, output = cli(gpu_project, "plan", "--json")
    assert code == 0, output
    assert json.loads(output)["outputs"]["rigs"]["vision-2"]["azureml_compute"].endswith("/computes/vision-two")


def test_a_rig_attaches_to_an_existing_workspace_with_its_own_key(gpu_project: Path) -> None:
    with_azureml(gpu_project)
    code, output = cli(gpu_project, "plan", "--json")
    assert code == 0, output
    document = json.loads(output)
    compute = by_name(document, "vision-azureml")
    assert compute["inputs"]["workspaceName"] == "research" and compute["inputs"]["resourceGroupName"] == "rg-ml"
    account = compute["inputs"]["properties"]["properties"]["administratorAccount"]
    assert account["privateKeyData"] == "[secret]" and account["username"] == "alice"
    keys = by_name(document, "vision-vm")["inputs"]["osProfile"]["linuxConfiguration"]["ssh"]["publicKeys"]
    assert [k["keyData"] for k in keys][1] == account["publicKeyData"]  # the VM accepts AzureML's key
    assert {e["kind"]: e["source"] for e in document["existing"]} == {"azureml_workspace": "assumed",
                                                                     "role_definition": "assumed"}
    assert document["outputs"]["rigs"]["vision"]["azureml_compute"].endswith("/workspaces/research/computes/vision")


def test_a_workspace_described_elsewhere_must_exist_where_it_is_said(gpu_project: Path) -> None:
    with_azureml(gpu_project)
    (gpu_project / "existing.yaml").write_text(yaml.safe_dump(
        {"azureml_workspaces": [{"id": WORKSPACE, "location": "eastus"}]}))
    code, output = cli(gpu_project, "plan", "--existing", str(gpu_project / "existing.yaml"))
    assert code == 0, output
    assert "described in --existing; dsvm:azureml.workspace_id" in output


def test_the_emulator_refuses_an_attach_azureml_could_not_log_in_with(fake_azure: Any) -> None:
    from fakeazure import ArmError
    from tests.fakeazure.test_rules import VM, linux_vm, make_network, make_nic

    make_network(fake_azure)
    vm = fake_azure.create(VM, "vm1", linux_vm("vm1", make_nic(fake_azure, "nic-1")))
    group = WORKSPACE.split("/providers/")[0]
    fake_azure.seed_existing("azure-native:resources:ResourceGroup", group, "westeurope", {}, {})
    fake_azure.seed_existing("azure-native:machinelearningservices:Workspace", WORKSPACE, "westeurope", {}, {})
    inputs = {
        "computeName": "vm1", "workspaceName": "research", "resourceGroupName": "rg-ml",
        "properties": {"computeType": "VirtualMachine", "resourceId": vm.id, "properties": {
            "sshPort": 22, "administratorAccount": {"username": "azureuser", "publicKeyData": ssh_key("other")}}},
    }
    with pytest.raises(ArmError, match="Failed to connect to vm1 over SSH"):
        fake_azure.create("azure-native:machinelearningservices:Compute", "attach", inputs)
    inputs["properties"]["properties"]["administratorAccount"]["publicKeyData"] = ssh_key("alice")
    fake_azure.create("azure-native:machinelearningservices:Compute", "attach", inputs)


# -- quotas as Azure counts them, and which profile a plan uses ---------------------------------------------------
def _usage_file(tmp_path: Path, t4_limit: int, t4_used: int, spot_limit: int = 100) -> str:
    items = json.loads(Path(USAGE).read_text())
    for item in items:
        if item["name"]["value"] == "standardNCASv3_T4Family":
            item["limit"], item["currentValue"] = t4_limit, t4_used
        if item["name"]["value"] == "lowPriorityCores":
            item["limit"] = spot_limit
    path = tmp_path / "usage.json"
    path.write_text(json.dumps(items))
    return str(path)


def test_a_shortfall_reports_the_real_limit_and_usage(gpu_project: Path, tmp_path: Path) -> None:
    """With limit 6 and 4 vCPUs in use, the rig's 4 more need a limit of 8 = limit + required - headroom."""
    set_mode(gpu_project, "gpu")
    code, output = cli(gpu_project, "plan", "--quota-profile", _usage_file(tmp_path, 6, 4))
    text = " ".join(output.split())
    assert code == 2 and "standardNCASv3_T4Family Cores quota" in text
    assert "Current Limit: 6, Current Usage: 4, Additional Required: 4, (Minimum) New Limit Required: 8" in text
    code, output = cli(gpu_project, "quota", "--json", "--quota-profile", _usage_file(tmp_path, 6, 4))
    t4 = next(r for r in json.loads(output)["quotas"] if r["quota"] == "standardNCASv3_T4Family")
    assert (t4["limit"], t4["inUse"], t4["free"], t4["gpu"]) == (6, 4, 2, 4)
    assert json.loads(output)["fits"] == {"cpu": True, "gpu": False}


def test_a_spot_rig_counts_against_the_low_priority_quota_only(gpu_project: Path, tmp_path: Path) -> None:
    stack = yaml.safe_load((gpu_project / "Pulumi.gpu.yaml").read_text())
    stack["config"]["dsvm:rigs"][0].update(mode="gpu", spot={"max_price": -1})
    (gpu_project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))
    assert cli(gpu_project, "plan", "--quota-profile", _usage_file(tmp_path, 0, 0))[0] == 0  # no T4 quota needed
    code, output = cli(gpu_project, "plan", "--quota-profile", _usage_file(tmp_path, 0, 0, spot_limit=2))
    assert code == 2 and "Low-priority Cores quota" in " ".join(output.split())


def test_the_quota_profile_option_wins_over_the_saved_state(gpu_project: Path, tmp_path: Path) -> None:
    """The documented CPU -> GPU switch: up on payg (no GPU quota), then diff and up with the raised quota."""
    state = ["--state-dir", str(gpu_project / "state")]
    assert cli(gpu_project, "up", *state)[0] == 0  # payg, cpu mode
    set_mode(gpu_project, "gpu")
    code, output = cli(gpu_project, "diff", *state)
    assert code == 2 and "QuotaExceeded" in output  # no option: the saved profile (payg)
    code, output = cli(gpu_project, "diff", *state, "--quota-profile", USAGE)
    assert code == 0, output
    assert cli(gpu_project, "up", *state, "--quota-profile", USAGE)[0] == 0
    saved = json.loads((gpu_project / "state" / "gpu.json").read_text())
    assert saved["emulator"]["quotaProfile"]["name"] == USAGE  # the state records what the last up used
    assert cli(gpu_project, "diff", *state)[0] == 0  # ... and a diff without the option uses it
    code, output = cli(gpu_project, "diff", *state, "--quota-profile", "payg")
    assert code == 2 and "QuotaExceeded" in output  # given, the option wins


def test_the_quota_hint_names_modes_only_where_a_stack_has_them(tmp_path: Path) -> None:
    from dsvmctl.cli import app

    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(ROOT / "Pulumi.dev.yaml", tmp_path / "Pulumi.dev.yaml")
    result = runner.invoke(app, ["plan", "--stack", "dev", "--project-dir", str(tmp_path), "--quota-profile", "free"])
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "`dsvmctl quota` shows what the stack needs against free" in text
    assert "each mode" not in text


def test_connect_knows_a_rig_by_its_name_and_its_user(gpu_project: Path) -> None:
    for who in ("alice", "vision"):  # docs/GPU.md: `dsvmctl connect --stack gpu alice`
        code, output = cli(gpu_project, "connect", who)
        assert code == 0, output
        assert "  ssh: az network bastion ssh " in output and "--username alice" in output
        assert "local_password: secret: `pulumi stack output rigs --show-secrets`" in " ".join(output.split())
    code, output = cli(gpu_project, "connect", "bob")
    assert code == 2 and "no member, rig or seat 'bob' in stack gpu; rigs: vision (user alice)" in " ".join(
        output.split())  # fmt: skip


def _usage_edited(tmp_path: Path, **items: tuple[int, int]) -> str:
    """The example usage file with some quotas' (limit, currentValue) set; a name in other letter case renames
    the item whose name it matches ignoring case (the usage API's names are compared so)."""
    found = json.loads(Path(USAGE).read_text())
    for item in found:
        for name, (limit, used) in items.items():
            if item["name"]["value"].lower() == name.lower():
                item["name"]["value"], item["limit"], item["currentValue"] = name, limit, used
    path = tmp_path / "usage-edited.json"
    path.write_text(json.dumps(found))
    return str(path)


def test_a_need_that_fills_the_quota_exactly_fits(gpu_project: Path, tmp_path: Path) -> None:
    set_mode(gpu_project, "gpu")
    usage = _usage_edited(tmp_path, standardNCASv3_T4Family=(8, 4))  # 4 in use + the rig's 4 = the limit
    code, output = cli(gpu_project, "plan", "--quota-profile", usage)
    assert code == 0, output
    assert json.loads(cli(gpu_project, "quota", "--json", "--quota-profile", usage)[1])["fits"] == {
        "cpu": True, "gpu": True}  # fmt: skip


def test_a_usage_file_family_is_matched_ignoring_case(gpu_project: Path, tmp_path: Path) -> None:
    set_mode(gpu_project, "gpu")
    usage = _usage_edited(tmp_path, STANDARDNCASV3_T4FAMILY=(16, 0))
    code, output = cli(gpu_project, "plan", "--quota-profile", usage)
    assert code == 0, output


def test_the_regional_total_counts_what_the_subscription_uses(gpu_project: Path, tmp_path: Path) -> None:
    set_mode(gpu_project, "gpu")
    code, output = cli(gpu_project, "plan", "--quota-profile", _usage_edited(tmp_path, cores=(10, 8)))
    text = " ".join(output.split())
    assert code == 2 and "exceeding approved Total Regional Cores quota" in text
    assert "Current Limit: 10, Current Usage: 8, Additional Required: 4, (Minimum) New Limit Required: 12" in text


def test_quota_lists_the_spot_quota_of_a_spot_rig(gpu_project: Path) -> None:
    stack = yaml.safe_load((gpu_project / "Pulumi.gpu.yaml").read_text())
    stack["config"]["dsvm:rigs"][0]["spot"] = {"max_price": -1}
    (gpu_project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))
    report = json.loads(cli(gpu_project, "quota", "--json", "--quota-profile", USAGE)[1])
    assert [r["quota"] for r in report["quotas"]] == ["Low-priority"]
    (spot,) = report["quotas"]
    # D4ads_v5 and NC4as_T4_v3: 4 vCPUs each, counted against Spot's quota in both modes
    assert (spot["limit"], spot["inUse"], spot["free"], spot["cpu"], spot["gpu"]) == (100, 0, 100, 4, 4)


def test_a_diff_without_saved_state_uses_the_quota_profile_given(gpu_project: Path) -> None:
    set_mode(gpu_project, "gpu")
    state = ["--state-dir", str(gpu_project / "no-state")]
    assert cli(gpu_project, "diff", *state)[0] == 2  # payg: no GPU quota
    code, output = cli(gpu_project, "diff", *state, "--quota-profile", USAGE)
    assert code == 0, output


def test_connect_by_a_user_with_two_rigs_asks_for_the_rig(gpu_project: Path) -> None:
    stack = yaml.safe_load((gpu_project / "Pulumi.gpu.yaml").read_text())
    second = {**stack["config"]["dsvm:rigs"][0], "name": "speech"}
    stack["config"]["dsvm:rigs"].append(second)
    (gpu_project / "Pulumi.gpu.yaml").write_text(yaml.safe_dump(stack))
    code, output = cli(gpu_project, "connect", "alice")
    text = " ".join(output.split())
    assert code == 2 and "'alice' is the user of speech, vision in stack gpu; name the one to connect to" in text
    code, output = cli(gpu_project, "connect", "speech")
    assert code == 0 and "speech in stack gpu" in output


def test_gpu_md_shows_what_the_gpu_stack_plans() -> None:
    """docs/GPU.md's example output (the cost of each mode, what a switch leaves unchanged) is the plan's own:
    it went stale when backups and patching joined the stack."""
    import re

    from dsvmctl.cli import app
    from tests.helpers import ROOT, runner

    result = runner.invoke(app, ["plan", "--stack", "gpu", "--project-dir", str(ROOT)])
    assert result.exit_code == 0, result.output
    doc = (ROOT / "docs/GPU.md").read_text()
    (by_mode,) = [line for line in result.output.splitlines() if line.startswith("by mode:")]
    assert by_mode in doc.splitlines()
    created = int(re.search(r"(\d+) resources to create", result.output).group(1))  # type: ignore[union-attr]
    assert f"+0 ~1 ±0 -0 ({created - 1} unchanged)" in doc
