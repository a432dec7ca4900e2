"""Each Bastion choice: what it builds, what the NSG admits, what it costs, what `dsvmctl connect` prints,
and what Azure refuses (config first, the emulator behind it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from azurefacts.bastion import DEVELOPER_REGIONS, developer_region_problem, portal_url, sessions
from dsvmctl.plan import resource_json
from fakeazure import FakeAzure, ProgramRun
from stacks.config import ConfigError, parse_config
from tests.fakeazure.test_rules import BASTION, PIP, SUBNET, make_network, rejected, subnet_inputs
from tests.helpers import ROOT, Project, of_type, ssh_key, team_values

HUB = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/" + (
    "bastionHosts/hub"
)
NSG = "azure-native:network:NetworkSecurityGroup"
DEVELOPER = {"mode": "bastion", "bastion_sku": "Developer"}


def problem(values: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ConfigError) as error:
        parse_config(values)
    (found,) = error.value.problems
    return found


def allowed(run: ProgramRun) -> dict[str, tuple[str, ...]]:
    (nsg,) = of_type(run, NSG)
    return {r["destinationPortRange"]: tuple(r["sourceAddressPrefixes"]) for r in nsg.inputs["securityRules"]
            if r["access"] == "Allow"}  # fmt: skip


# -- the facts ------------------------------------------------------------------------------------------------
def test_developer_regions_and_session_capacity() -> None:
    assert developer_region_problem("North Europe") is None and "northeurope" in DEVELOPER_REGIONS
    message = developer_region_problem("westeurope")
    assert message is not None and "not offered in westeurope" in message and "northeurope" in message
    assert sessions("Standard", None, windows=False) == 80 and sessions("Premium", 10, windows=True) == 200
    assert sessions("Basic", 10, windows=False) == 80  # fixed at 2 instances
    assert sessions("Developer", None, windows=False) is None


# -- Developer --------------------------------------------------------------------------------------------------
def test_developer_uses_the_shared_pool_no_subnet_no_public_ip(run_stack: Callable[..., ProgramRun]) -> None:
    run = run_stack(team_values(location="northeurope", access=DEVELOPER))
    (bastion,) = of_type(run, BASTION)
    assert bastion.inputs["sku"] == {"name": "Developer"} and "ipConfigurations" not in bastion.inputs
    assert bastion.inputs["virtualNetwork"]["id"].endswith("/virtualNetworks/dsvm-test-vnet")
    assert not bastion.inputs.get("enableTunneling") and "scaleUnits" not in bastion.inputs  # the SDK sends false
    assert not of_type(run, PIP) and [s.inputs["subnetName"] for s in of_type(run, SUBNET)] == ["workstations"]
    assert allowed(run) == {"22": ("168.63.129.16",)}  # SSH from Azure's platform address only; no 8000
    windows = run_stack(team_values(location="northeurope", access=DEVELOPER, members=[{"username": "alice"}],
                                    image={"os": "windows-2022", "version": "25.05.20"}))  # fmt: skip
    assert allowed(windows) == {"3389": ("168.63.129.16",)}


@pytest.mark.parametrize("region", ["northcentralus", "westus", "westcentralus"])
def test_developer_plans_in_each_region_the_refusal_names(region: str, run_stack: Callable[..., ProgramRun]) -> None:
    """The way out a refused region is given ("it is in northcentralus, ... westus") plans: the emulator models
    those regions, instead of refusing them as Azure would a region that does not exist."""
    message = developer_region_problem("westeurope")
    assert message is not None and region in message
    run = run_stack(team_values(location=region, access=DEVELOPER))
    assert [b.inputs["sku"] for b in of_type(run, BASTION)] == [{"name": "Developer"}]


def test_developer_is_refused_where_azure_does_not_offer_it() -> None:
    path, message = problem(team_values(location="westeurope", access=DEVELOPER))
    assert path == "dsvm:access.bastion_sku" and "not offered in westeurope" in message
    assert "northeurope" in message and "use Basic or Standard here" in message


def test_developer_warns_that_people_take_turns_in_the_portal() -> None:
    (warning,) = [w for w in parse_config(team_values(location="northeurope", access=DEVELOPER)).warnings()
                  if "Developer" in w]  # fmt: skip
    assert "one connection at a time for the whole stack (2 people would take turns)" in warning
    assert "Azure portal only" in warning and "JupyterHub is not reachable from laptops" in warning


# -- Basic, Standard, Premium, scale units -------------------------------------------------------------------
@pytest.mark.parametrize(("sku", "tunnels"), [("Basic", None), ("Standard", True), ("Premium", True)])
def test_dedicated_skus_keep_their_subnet_and_ip(run_stack: Callable[..., ProgramRun], sku: str,
                                                 tunnels: bool | None) -> None:  # fmt: skip
    run = run_stack(team_values(access={"mode": "bastion", "bastion_sku": sku}))
    (bastion,) = of_type(run, BASTION)
    assert bastion.inputs["sku"] == {"name": sku} and bool(bastion.inputs.get("enableTunneling")) is bool(tunnels)
    assert len(of_type(run, PIP)) == 1 and allowed(run)["22"] == ("10.50.255.0/26",)


def test_scale_units_only_on_standard_and_premium_within_2_to_50(run_stack: Callable[..., ProgramRun]) -> None:
    run = run_stack(team_values(access={"mode": "bastion", "bastion_sku": "Premium", "bastion_scale_units": 4}))
    assert of_type(run, BASTION)[0].inputs["scaleUnits"] == 4
    for sku in ("Basic", "Developer"):
        path, message = problem(team_values(location="northeurope", access={"mode": "bastion", "bastion_sku": sku,
                                                                             "bastion_scale_units": 3}))  # fmt: skip
        assert path == "dsvm:access.bastion_scale_units" and "Standard or Premium" in message
    assert "2-50" in problem(team_values(access={"mode": "bastion", "bastion_scale_units": 51}))[1]
    path, _ = problem(team_values(access={"mode": "bastion", "existing_bastion_resource_id": HUB,
                                          "existing_bastion_subnet": "10.0.255.0/26", "bastion_scale_units": 3}))
    assert path == "dsvm:access"


def test_a_team_larger_than_its_bastion_carries_is_warned() -> None:
    members = [{"username": f"m{i}", "ssh_public_key": ssh_key(f"m{i}")} for i in range(90)]
    warnings = parse_config(team_values(members=members)).warnings()
    assert any("90 people may connect at once and the Bastion carries about 80 SSH sessions" in w for w in warnings)
    more = parse_config(team_values(members=members, access={"mode": "bastion", "bastion_scale_units": 3}))
    assert not [w for w in more.warnings() if "people may connect" in w]


def test_an_existing_bastions_sku_is_said_with_it() -> None:
    path, _ = problem(team_values(access={"mode": "bastion", "existing_bastion_sku": "Basic"}))
    assert path == "dsvm:access.existing_bastion_sku"
    config = parse_config(team_values(access={"mode": "bastion", "existing_bastion_resource_id": HUB,
                                              "existing_bastion_subnet": "10.0.255.0/26",
                                              "existing_bastion_sku": "Basic"}))  # fmt: skip
    assert not config.access.native_client
    assert any("existing_bastion_sku Basic has no native client" in w for w in config.warnings())


@pytest.mark.parametrize("subnet", ["10.50.1.0/26", "10.50.255.0/26", "10.50.0.0/16"])
def test_a_hub_bastion_subnet_inside_the_stacks_vnet_is_refused(subnet: str) -> None:
    """A hub's AzureBastionSubnet in the stack's own address space cannot be peered (and the NSG would admit the
    workstations' own range as the Bastion): refused at config time, naming the path and the way out."""
    access = {"mode": "bastion", "existing_bastion_resource_id": HUB, "existing_bastion_subnet": subnet}
    path, message = problem(team_values(access=access))
    assert path == "dsvm:access.existing_bastion_subnet" and "overlaps this stack's network.address_space" in message
    assert "peer" in message and "move network.address_space" in message
    moved = team_values(access=access, network={"address_space": "172.16.0.0/16", "workstation_subnet": "172.16.1.0/24",
                                                "bastion_subnet": "172.16.255.0/26"})  # fmt: skip
    if subnet != "10.50.0.0/16":  # outside the moved address space: accepted
        assert parse_config(moved).access.existing_bastion_subnet == subnet


# -- what each costs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("access", "item", "monthly"),
    [
        (DEVELOPER, "Developer Bastion", 0.0),
        ({"mode": "bastion", "bastion_sku": "Basic"}, "Basic Bastion", 138.7),
        ({"mode": "bastion"}, "Standard Bastion", 211.7),
        ({"mode": "bastion", "bastion_sku": "Standard", "bastion_scale_units": 3},
         "Standard Bastion, 1 extra scale unit(s) at $0.14/h", 313.9),
        ({"mode": "bastion", "bastion_sku": "Premium"}, "Premium Bastion", 328.5),
        ({"mode": "bastion", "bastion_sku": "Premium", "bastion_scale_units": 4},
         "Premium Bastion, 2 extra scale unit(s) at $0.14/h", 532.9),
    ],
)
def test_each_sku_and_its_scale_units_are_priced(
    run_stack: Callable[..., ProgramRun], access: dict[str, Any], item: str, monthly: float
) -> None:
    from costs import estimate

    run = run_stack(team_values(location="northeurope", access=access))
    cost = estimate([resource_json(r) for r in run.records])
    (line,) = [line for line in cost["lines"] if line["type"] == BASTION]
    assert (line["item"], line["monthly"], line["alwaysOnMonthly"]) == (item, monthly, monthly)
    public_ips = [line for line in cost["lines"] if line["type"] == PIP]
    assert len(public_ips) == (0 if access == DEVELOPER else 1)


def test_premium_scale_units_without_their_own_price_are_assumed_at_standards() -> None:
    from tests.costs.test_estimate import estimate, res

    bastion = res(BASTION, "b", "Microsoft.Network/bastionHosts", {"sku": {"name": "Premium"}, "scaleUnits": 3})
    (line,) = estimate([bastion])["lines"]  # the test book: Premium's hourly price, no Premium scale unit price
    assert line["monthly"] == round((0.45 + 0.14) * 730, 2)
    assert "assumed: Standard's scale unit price; no Premium one in the snapshot" in line["item"]


# -- what Azure refuses (the emulator) -------------------------------------------------------------------------
def _vnet_id(az: FakeAzure) -> str:
    return f"{az.resource_group_id('rg-dsvm')}/providers/Microsoft.Network/virtualNetworks/vnet-dsvm"


def developer_inputs(az: FakeAzure, **extra: Any) -> dict[str, Any]:
    return {"bastionHostName": "b", "resourceGroupName": "rg-dsvm", "sku": {"name": "Developer"},
            "virtualNetwork": {"id": _vnet_id(az)}, **extra}  # fmt: skip


def test_the_emulator_refuses_a_developer_bastion_as_azure_does(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="northeurope")
    inputs = developer_inputs(fake_azure)
    no_vnet = {k: v for k, v in inputs.items() if k != "virtualNetwork"}
    assert rejected(fake_azure, BASTION, "b", no_vnet).code == "BastionHostVnetIdNotProvided"
    for feature, value in (("enableTunneling", True), ("scaleUnits", 2), ("ipConfigurations", [{"name": "x"}])):
        error = rejected(fake_azure, BASTION, "b", {**inputs, feature: value})
        assert error.code == "FeatureNotSupportedForDeveloperBastionSku" and error.target == feature
    fake_azure.create(BASTION, "b", inputs)


def test_the_emulator_refuses_developer_outside_its_regions(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="westeurope")
    error = rejected(fake_azure, BASTION, "b", developer_inputs(fake_azure))
    assert error.target == "location" and "not offered in westeurope" in error.message


def test_the_emulator_refuses_scaling_and_tunnels_on_basic_and_a_downgrade(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="northeurope")
    fake_azure.create(SUBNET, "bsn", subnet_inputs("10.0.255.0/26", name="AzureBastionSubnet"))
    pip = fake_azure.create(PIP, "pip", {"publicIpAddressName": "pip", "resourceGroupName": "rg-dsvm",
                                         "sku": {"name": "Standard"}}).id  # fmt: skip
    subnet = f"{_vnet_id(fake_azure)}/subnets/AzureBastionSubnet"
    basic = {"bastionHostName": "b", "resourceGroupName": "rg-dsvm", "sku": {"name": "Basic"}, "ipConfigurations": [
        {"name": "c", "subnet": {"id": subnet}, "publicIPAddress": {"id": pip}}]}  # fmt: skip
    for feature, value in (("scaleUnits", 3), ("enableTunneling", True)):
        assert rejected(fake_azure, BASTION, "b", {**basic, feature: value}).target == feature
    standard = {**basic, "sku": {"name": "Standard"}, "enableTunneling": True}
    assert rejected(fake_azure, BASTION, "b", {**standard, "scaleUnits": 51}).code == "InvalidParameter"
    bastion = fake_azure.create(BASTION, "b", {**standard, "scaleUnits": 4})
    fake_azure.begin_run()
    fake_azure.create(BASTION, "b", developer_inputs(fake_azure))  # Standard -> Developer
    (error,) = fake_azure.refusals[bastion.id.lower()]
    assert "cannot be downgraded from Standard to Developer" in error.message
    kept = fake_azure.get(bastion.id)
    assert kept is not None and kept.inputs["sku"] == {"name": "Standard"}  # kept as it was


def test_a_developer_bastion_upgrades_in_place(fake_azure: FakeAzure) -> None:
    make_network(fake_azure, location="northeurope")
    first = fake_azure.create(BASTION, "b", developer_inputs(fake_azure))
    fake_azure.create(SUBNET, "bsn", subnet_inputs("10.0.255.0/26", name="AzureBastionSubnet"))
    pip = fake_azure.create(PIP, "pip", {"publicIpAddressName": "pip", "resourceGroupName": "rg-dsvm",
                                         "sku": {"name": "Standard"}}).id  # fmt: skip
    fake_azure.begin_run()
    subnet = f"{_vnet_id(fake_azure)}/subnets/AzureBastionSubnet"
    upgraded = fake_azure.create(BASTION, "b", {"bastionHostName": "b", "resourceGroupName": "rg-dsvm",
                                                "sku": {"name": "Standard"}, "enableTunneling": True,
                                                "ipConfigurations": [{"name": "c", "subnet": {"id": subnet},
                                                                      "publicIPAddress": {"id": pip}}]})  # fmt: skip
    assert not fake_azure.refusals and upgraded.id == first.id


# -- what `dsvmctl connect` prints ------------------------------------------------------------------------------
def connect_output(tmp_path: Path, location: str, access: dict[str, Any], member: str = "alice") -> str:
    config = yaml.safe_load((ROOT / "Pulumi.dev.yaml").read_text())["config"]
    config["azure-native:location"] = location
    config["dsvm:access"] = access
    tmp_path.mkdir(parents=True, exist_ok=True)
    code, output = Project(tmp_path, config).run("connect", member)
    assert code == 0, output
    return " ".join(output.split())


@pytest.mark.parametrize("sku", ["Developer", "Basic"])
def test_connect_prints_the_portal_only_for_a_portal_only_sku(tmp_path: Path, sku: str) -> None:
    output = connect_output(tmp_path, "northeurope", {"mode": "bastion", "bastion_sku": sku})
    assert "portal: https://portal.azure.com/#@/resource/subscriptions/" in output
    assert "/virtualMachines/alice-vm/bastionHost" in output
    assert f"a {sku} Bastion has no native client and no tunnels" in output
    assert "az network bastion" not in output and "jupyterhub" not in output
    assert ("one connection at a time" in output) == (sku == "Developer")


def test_connect_prints_cli_commands_and_the_portal_for_standard(tmp_path: Path) -> None:
    output = connect_output(tmp_path, "westeurope", {"mode": "bastion", "bastion_sku": "Premium"})
    assert "ssh: az network bastion ssh --name dsvm-dev-bastion" in output
    assert "jupyterhub_tunnel: az network bastion tunnel" in output and "portal: https://portal.azure.com/" in output


def test_connect_follows_the_hub_bastions_sku(tmp_path: Path) -> None:
    hub = {"mode": "bastion", "existing_bastion_resource_id": HUB, "existing_bastion_subnet": "10.0.255.0/26"}
    assert "az network bastion ssh --name hub --resource-group rg-hub" in connect_output(tmp_path / "a", "westeurope",
                                                                                          hub)  # fmt: skip
    basic = connect_output(tmp_path / "b", "westeurope", {**hub, "existing_bastion_sku": "Basic"})
    assert "az network bastion" not in basic and "portal: https://portal.azure.com/" in basic


def test_connect_to_a_hub_in_another_subscription_names_that_subscription(tmp_path: Path) -> None:
    """A hub Bastion usually lives in a connectivity subscription: `az network bastion` finds it only with
    `--subscription` (the CLI looks in its default one); the stack's own Bastion needs none."""
    hub_sub = "22222222-3333-4444-5555-666666666666"
    hub = {"mode": "bastion", "existing_bastion_resource_id": HUB.replace(HUB.split("/")[2], hub_sub),
           "existing_bastion_subnet": "10.0.255.0/26"}  # fmt: skip
    output = connect_output(tmp_path / "hub", "westeurope", hub)
    assert f"ssh: az network bastion ssh --name hub --resource-group rg-hub --subscription {hub_sub} " in output
    tunnel = f"jupyterhub_tunnel: az network bastion tunnel --name hub --resource-group rg-hub --subscription {hub_sub}"
    assert tunnel in output
    own = connect_output(tmp_path / "own", "westeurope", {"mode": "bastion"})
    assert "ssh: az network bastion ssh" in own and "--subscription" not in own


def test_a_seat_reaches_a_hub_bastion_in_its_subscription() -> None:
    from stacks.scale_out.seats import Way, connect

    hub = connect(Way("bastion", "rg-dsvm-class", "hub", "rg-hub", "Standard", "sub-hub"), "dsvm-class-cpu", 0,
                  "ada", True)  # fmt: skip
    assert hub["ssh"].startswith("az network bastion ssh --name hub --resource-group rg-hub --subscription sub-hub ")
    assert " --subscription sub-hub --target-resource-id $(az vm list -g rg-dsvm-class " in hub["jupyterhub_tunnel"]
    own = connect(Way("bastion", "rg", "b", "rg", "Standard"), "s", 0, "ada", True)
    assert "--subscription" not in own["ssh"]


def test_connect_with_an_allowlist_and_public_ips_is_plain_ssh(tmp_path: Path) -> None:
    output = connect_output(tmp_path, "westeurope", {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"],
                                                     "public_ip_enabled": True})  # fmt: skip
    assert "ssh: ssh alice@20." in output and "portal" not in output and "az network bastion" not in output


def test_portal_url_is_the_vms_bastion_page() -> None:
    vm = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/alice-vm"
    assert portal_url(vm) == f"https://portal.azure.com/#@/resource{vm}/bastionHost"
