"""How members get in: the commands and URLs in the stack outputs, per access mode and OS."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import team_values

HUB = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/" + (
    "bastionHosts/hub"
)


def member(run_stack: Any, name: str = "alice", **values: Any) -> dict[str, Any]:
    return run_stack(team_values(**values)).outputs["members"][name]  # type: ignore[no-any-return]


@pytest.mark.parametrize("sku", ["Standard", "Premium"])
def test_bastion_mode_gives_ssh_a_tunnel_and_a_localhost_url(run_stack: Any, sku: str) -> None:
    """Standard and Premium both have the native client (`az network bastion ssh|tunnel`)."""
    alice = member(run_stack, rstudio_enabled=True, access={"mode": "bastion", "bastion_sku": sku})
    assert alice["ssh"].startswith("az network bastion ssh --name dsvm-test-bastion --resource-group rg-dsvm-test ")
    assert alice["ssh"].endswith("--auth-type ssh-key --username alice --ssh-key ~/.ssh/id_ed25519")
    assert alice["jupyterhub_tunnel"].endswith("--resource-port 8000 --port 8000")
    assert alice["jupyterhub_url"] == "https://localhost:8000"
    assert alice["rstudio_tunnel"].endswith("--resource-port 8787 --port 8787")
    assert alice["rstudio_url"] == "http://localhost:8787"


def test_entra_login_uses_aad_not_a_key(run_stack: Any) -> None:
    values = team_values()
    values["members"][0].update(entra_login_enabled=True, entra_object_id="3f2504e0-4f89-41d3-9a0c-0305e82c3301")
    alice = run_stack(values).outputs["members"]["alice"]
    assert alice["ssh"].endswith(" --auth-type AAD") and "--ssh-key" not in alice["ssh"]


def test_allowlist_with_public_ips_connects_on_them(run_stack: Any) -> None:
    alice = member(run_stack, access={"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"],
                                      "public_ip_enabled": True})
    assert alice["ssh"] == f"ssh alice@{alice['public_ip']}"
    assert alice["jupyterhub_url"] == f"https://{alice['public_ip']}:8000"
    assert "jupyterhub_tunnel" not in alice


@pytest.mark.parametrize("mode", [{"mode": "private"}, {"mode": "allowlist", "allowed_cidrs": ["10.0.0.0/8"]}])
def test_without_public_ips_the_private_address_is_the_way(run_stack: Any, mode: dict[str, Any]) -> None:
    alice = member(run_stack, access=mode)
    assert alice["ssh"] == "ssh alice@10.50.1.4" and alice["jupyterhub_url"] == "https://10.50.1.4:8000"


def test_a_basic_bastion_points_to_the_portal(run_stack: Any) -> None:
    alice = member(run_stack, access={"mode": "bastion", "bastion_sku": "Basic"})
    assert "Azure portal" in alice["connect"] and "ssh" not in alice and "jupyterhub_url" not in alice


def test_an_existing_bastion_is_used_and_admits_its_subnet_only(run_stack: Any) -> None:
    run = run_stack(team_values(access={"mode": "bastion", "existing_bastion_resource_id": HUB,
                                        "existing_bastion_subnet": "10.0.255.0/26"}))
    alice = run.outputs["members"]["alice"]
    assert alice["ssh"].startswith("az network bastion ssh --name hub --resource-group rg-hub ")
    assert not [r for r in run.records if r.type == "azure-native:network:BastionHost"]
    (nsg,) = [r for r in run.records if r.type == "azure-native:network:NetworkSecurityGroup"]
    sources = {tuple(r["sourceAddressPrefixes"]) for r in nsg.inputs["securityRules"] if r["access"] == "Allow"}
    assert sources == {("10.0.255.0/26",)}


@pytest.mark.parametrize("access", [
    {"mode": "bastion", "bastion_sku": "Premium"},
    {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True},
], ids=["bastion", "public-ip"])  # fmt: skip
def test_rstudio_and_jupyterhub_are_never_offered_on_windows(run_stack: Any, access: dict[str, Any]) -> None:
    """Neither ships on the Windows DSVM: rstudio_enabled opens no port there and offers no URL or tunnel."""
    values = team_values(image={"os": "windows-2022", "version": "25.01.14"}, members=[{"username": "carol"}],
                         rstudio_enabled=True, access=access)
    run = run_stack(values)
    carol = run.outputs["members"]["carol"]
    assert carol["rdp"].startswith("az network bastion rdp ") or carol["rdp"] == f"mstsc /v:{carol['public_ip']}"
    assert not [k for k in carol if "rstudio" in k or "jupyterhub" in k]
    (nsg,) = [r for r in run.records if r.type == "azure-native:network:NetworkSecurityGroup"]
    assert {r["destinationPortRange"] for r in nsg.inputs["securityRules"] if r["access"] == "Allow"} == {"3389"}
