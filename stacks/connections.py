"""How a member gets in from a laptop: the exact commands and URLs, per access mode, Bastion SKU and OS.

- ``bastion``, Standard or Premium (the stack's, or an existing one said to be so): ``az network bastion
  ssh`` (``--auth-type AAD`` with Entra ID login, else the member's key) or ``rdp``, and ``az network
  bastion tunnel ... --resource-port 8000 --port 8000`` with JupyterHub at ``https://localhost:8000``
  (RStudio likewise on 8787); the portal works too.
- ``bastion``, Basic or Developer: the VM's Bastion page in the Azure portal and nothing else (no native
  client, no tunnels: never an ``az network bastion`` command they would refuse); Developer serves one
  connection at a time for the whole stack.
- ``allowlist`` with public IPs: ssh/RDP and the URLs on the public IP; without,
  and ``private``: on the private IP, over VPN or peering.
- JupyterHub (and RStudio) are offered on Linux only: JupyterHub ships on the
  Ubuntu DSVM, not on the Windows one (Microsoft Learn, 'Data Science Virtual
  Machine tools': JupyterHub is listed for Ubuntu only).

Sources: Microsoft Learn, 'Connect to a VM using Bastion and the native client'
(``az network bastion ssh|rdp|tunnel``, Standard SKU and tunneling required),
'Choose the right Azure Bastion SKU' (``azurefacts.bastion``) and 'Log in to a Linux VM in
Azure by using Microsoft Entra ID' (``az ssh vm``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi

from azurefacts.bastion import BASTION_SKUS, portal_url

JUPYTERHUB_PORT = 8000
RSTUDIO_PORT = 8787


@dataclass(frozen=True)
class Target:
    """One member's VM as the commands need it."""

    username: str
    windows: bool
    entra_login: bool
    rstudio: bool
    vm_id: pulumi.Input[str]
    resource_group: str
    private_ip: pulumi.Input[str | None]
    public_ip: pulumi.Input[str | None] | None = None


@dataclass(frozen=True)
class Bastion:
    """The Bastion the members go through (the stack's own, or an existing one) and its SKU."""

    name: pulumi.Input[str]
    resource_group: pulumi.Input[str]
    sku: str
    # An existing Bastion's subscription: a hub is often in another one than the stack (and than the az CLI's
    # default), and `az network bastion` looks the Bastion up in the CLI's subscription unless told.
    subscription: str | None = None

    @property
    def native_client(self) -> bool:
        return BASTION_SKUS[self.sku].native_client


def portal_only_note(sku: str, where: str = "the VM") -> str:
    """What a portal-only Bastion allows, in one sentence (``connect`` output, seats, docs)."""
    facts = BASTION_SKUS[sku]
    turns = "; one connection at a time for the whole stack" if not facts.concurrent else ""
    return (
        f"Azure portal only: {where}'s page > Connect > Bastion (a {sku} Bastion has no native client and no "
        f"tunnels: nothing to run from a terminal, and no JupyterHub from a laptop{turns})"
    )


def _bastion(verb: str, bastion: Bastion, target: Target, extra: str = "") -> pulumi.Output[str]:
    return pulumi.Output.concat(
        f"az network bastion {verb} --name ", bastion.name, " --resource-group ", bastion.resource_group,
        f" --subscription {bastion.subscription}" if bastion.subscription else "",
        " --target-resource-id ", target.vm_id, extra,
    )  # fmt: skip


def connection_info(target: Target, bastion: Bastion | None, local_password: pulumi.Output[str]) -> dict[str, Any]:
    """The member's stack outputs: addresses, the commands to get in, the URLs, the (secret) password."""
    info: dict[str, Any] = {"private_ip": target.private_ip}
    if target.public_ip is not None:
        info["public_ip"] = target.public_ip
    services = [] if target.windows else [("jupyterhub", JUPYTERHUB_PORT)]
    if target.rstudio and not target.windows:
        services.append(("rstudio", RSTUDIO_PORT))
    schemes = {"jupyterhub": "https", "rstudio": "http"}
    if bastion is not None:
        info["portal"] = pulumi.Output.from_input(target.vm_id).apply(portal_url)
    if bastion is not None and not bastion.native_client:
        info["connect"] = portal_only_note(bastion.sku)
    elif bastion is not None:
        if target.windows:
            info["rdp"] = _bastion("rdp", bastion, target)
        elif target.entra_login:
            info["ssh"] = _bastion("ssh", bastion, target, " --auth-type AAD")
        else:
            key = f" --auth-type ssh-key --username {target.username} --ssh-key ~/.ssh/id_ed25519"
            info["ssh"] = _bastion("ssh", bastion, target, key)
        for service, port in services:
            info[f"{service}_tunnel"] = _bastion("tunnel", bastion, target, f" --resource-port {port} --port {port}")
            info[f"{service}_url"] = f"{schemes[service]}://localhost:{port}"
    else:
        host = target.public_ip if target.public_ip is not None else target.private_ip
        if target.windows:
            info["rdp"] = pulumi.Output.concat("mstsc /v:", host)
        elif target.entra_login:
            info["ssh"] = pulumi.Output.concat("az ssh vm --ip ", host)
        else:
            info["ssh"] = pulumi.Output.concat(f"ssh {target.username}@", host)
        for service, port in services:
            info[f"{service}_url"] = pulumi.Output.concat(f"{schemes[service]}://", host, f":{port}")
    info["admin_password" if target.windows else "local_password"] = local_password
    return info
