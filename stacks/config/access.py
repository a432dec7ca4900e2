"""How people reach the workstations, and the stack's address plan."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from azurefacts.addresses import too_open
from azurefacts.bastion import BASTION_SKUS, INCLUDED_SCALE_UNITS, MAX_SCALE_UNITS, SKU_SOURCE, BastionSku
from stacks.config.base import Model, PathError

_BASTION_ID = r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Network/bastionHosts/[^/]+$"

# Sources no allowlist may contain: they mean "the whole internet".
OPEN_SOURCES = {"*", "0.0.0.0/0", "::/0", "internet", "any", "0.0.0.0"}
# The prefix lengths an existing Bastion's subnet may have (see AccessConfig._bastion_subnet).
MIN_BASTION_SUBNET_PREFIX, MAX_BASTION_SUBNET_PREFIX = 16, 26


class AccessConfig(Model):
    """How people reach the workstations: a forced decision, there is no default."""

    mode: Literal["allowlist", "bastion", "private"] = Field(
        description=(
            "Required. `allowlist`: inbound only from `allowed_cidrs`; `bastion`: an Azure "
            "Bastion host, no public IP on any VM; `private`: no inbound from outside the VNet "
            "(VPN/ExpressRoute users)."
        )
    )
    allowed_cidrs: tuple[str, ...] = Field(
        default=(),
        description=(
            "Conditional (required for `allowlist`, refused otherwise). Source CIDRs allowed in, "
            "e.g. `203.0.113.0/24`. `*`, `0.0.0.0/0`, `Internet` and `Any` are refused."
        ),
    )
    public_ip_enabled: bool = Field(
        default=False,
        description=(
            "Optional, `allowlist` only. Give each workstation a Standard static public IP. "
            "Default false: reach the VMs over VPN/peering."
        ),
    )
    bastion_sku: Literal["Developer", "Basic", "Standard", "Premium"] = Field(
        default="Standard",
        description=(
            "Optional, `bastion` only. SKU of the stack's own Bastion. `Standard` (default) and `Premium` "
            "support the native client (`az network bastion ssh/rdp`) and tunnels (JupyterHub on "
            "localhost); `Basic` is cheaper but connects through the Azure portal only; `Developer` is free "
            "and portal only, serves one connection at a time (the whole stack) from Azure's shared pool (no "
            "AzureBastionSubnet, no public IP), peers with nothing, and is offered in a few regions only "
            "(azurefacts/bastion.py). A SKU can be upgraded in place, never downgraded (docs/COSTS.md, "
            "docs/WORKSTATION.md)."
        ),
    )
    bastion_scale_units: int | None = Field(
        default=None,
        description=(
            "Optional, `bastion` with `Standard` or `Premium` only. Host instances, 2-50 (default 2, included "
            "in the hourly price; each one more is billed): each carries about 40 SSH or 20 RDP sessions."
        ),
    )
    existing_bastion_resource_id: str | None = Field(
        default=None,
        description=(
            "Optional, `bastion` only. ARM id of an existing Bastion (e.g. a shared one in a peered hub "
            "VNet) to use instead of creating one; the VNets must be peered. Needs `existing_bastion_subnet`."
        ),
    )
    existing_bastion_sku: Literal["Basic", "Standard", "Premium"] = Field(
        default="Standard",
        description=(
            "Optional, with `existing_bastion_resource_id`. That Bastion's SKU, which decides what `dsvmctl "
            "connect` prints: `Standard` (default) or `Premium` with tunneling enabled give the `az network "
            "bastion` commands, `Basic` the portal only. (A Developer Bastion reaches no peered VNet.)"
        ),
    )
    existing_bastion_subnet: str | None = Field(
        default=None,
        description=(
            "Conditional (required with `existing_bastion_resource_id`). The address prefix of that "
            "Bastion's `AzureBastionSubnet` (e.g. `10.0.255.0/26`): the only source the NSG admits; a /16 to "
            "/26 (Azure makes it /26 or larger)."
        ),
    )

    @field_validator("existing_bastion_resource_id")
    @classmethod
    def _bastion_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(_BASTION_ID, value, re.IGNORECASE):
            raise ValueError(
                f"'{value}' is not a Bastion id; copy it from `az network bastion show -n NAME -g GROUP --query id`"
            )
        return value

    @field_validator("existing_bastion_subnet")
    @classmethod
    def _bastion_subnet(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                network = ipaddress.IPv4Network(value, strict=True)
            except ValueError as exc:
                raise ValueError(f"'{value}' is not an IPv4 CIDR ({exc}); e.g. 10.0.255.0/26") from exc
            # Microsoft Learn, 'About Azure Bastion configuration settings': AzureBastionSubnet is /26 or larger.
            # Broader than /16 is no Bastion subnet: the NSG would admit far more than the Bastion.
            if not MIN_BASTION_SUBNET_PREFIX <= network.prefixlen <= MAX_BASTION_SUBNET_PREFIX:
                whole = " (the whole internet)" if network.prefixlen == 0 else ""
                raise ValueError(
                    f"'{value}' is not an AzureBastionSubnet prefix{whole}: Azure makes that subnet /26 or larger, "
                    f"and the NSG admits only it, so give a /{MIN_BASTION_SUBNET_PREFIX} to "
                    f"/{MAX_BASTION_SUBNET_PREFIX}: the hub's AzureBastionSubnet (`az network vnet subnet show -n "
                    "AzureBastionSubnet -g GROUP --vnet-name VNET --query addressPrefix`), e.g. 10.0.255.0/26"
                )
        return value

    @field_validator("allowed_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for cidr in value:
            if cidr.strip().lower() in OPEN_SOURCES:
                raise ValueError(
                    f"'{cidr}' would open the workstations to the whole internet; list the "
                    "office or VPN egress ranges instead (e.g. 203.0.113.0/24), or use mode: bastion"
                )
            try:
                network = ipaddress.ip_network(cidr, strict=True)
            except ValueError as exc:
                raise ValueError(
                    f"'{cidr}' is not a CIDR ({exc}); write it as address/prefix, e.g. 203.0.113.0/24"
                ) from exc
            if network.prefixlen == 0:
                raise ValueError(f"'{cidr}' is the whole internet; list narrower ranges")
        wide = too_open(value)
        if wide:
            raise ValueError(
                f"{', '.join(value)}: {wide} (docs/SECURITY.md); list the office or VPN egress ranges instead "
                "(e.g. 203.0.113.0/24), or use mode: bastion"
            )
        return value

    @model_validator(mode="after")
    def _mode_rules(self) -> AccessConfig:
        if self.mode == "allowlist" and not self.allowed_cidrs:
            raise ValueError("mode allowlist needs allowed_cidrs; add your office/VPN ranges, or choose mode bastion")
        if self.mode != "allowlist" and self.allowed_cidrs:
            raise ValueError(f"allowed_cidrs is only used with mode allowlist (mode is {self.mode}); remove it")
        if self.mode != "allowlist" and self.public_ip_enabled:
            raise ValueError(f"public_ip_enabled is only allowed with mode allowlist (mode is {self.mode}); remove it")
        bastion_keys = {"bastion_sku", "bastion_scale_units", "existing_bastion_resource_id", "existing_bastion_sku",
                        "existing_bastion_subnet"}  # fmt: skip
        if self.mode != "bastion" and bastion_keys & self.model_fields_set:
            raise ValueError(f"Bastion settings are only used with mode bastion (mode is {self.mode}); remove them")
        if bool(self.existing_bastion_resource_id) != bool(self.existing_bastion_subnet):
            raise ValueError(
                "existing_bastion_resource_id and existing_bastion_subnet go together: the NSG admits only the "
                "existing Bastion's subnet, so give both"
            )
        if self.existing_bastion_resource_id and {"bastion_sku", "bastion_scale_units"} & self.model_fields_set:
            raise ValueError(
                "bastion_sku and bastion_scale_units are settings of a Bastion the stack creates; with an existing "
                "one, remove them (existing_bastion_sku says what that one is)"
            )
        if "existing_bastion_sku" in self.model_fields_set and not self.existing_bastion_resource_id:
            raise PathError(
                "existing_bastion_sku",
                "it describes an existing Bastion; give existing_bastion_resource_id, or remove it",
            )
        self._scale_units()
        return self

    def _scale_units(self) -> None:
        units = self.bastion_scale_units
        if units is None:
            return
        if not BASTION_SKUS[self.bastion_sku].host_scaling:
            fixed = "has a fixed 2 instances" if self.bastion_sku == "Basic" else "runs in Azure's shared pool"
            raise PathError(
                "bastion_scale_units",
                f"host scaling needs bastion_sku Standard or Premium ({self.bastion_sku} {fixed}); remove "
                "bastion_scale_units or upgrade the SKU",
            )
        if not INCLUDED_SCALE_UNITS <= units <= MAX_SCALE_UNITS:
            raise PathError(
                "bastion_scale_units",
                f"{units} is not a number of Bastion instances: {INCLUDED_SCALE_UNITS}-{MAX_SCALE_UNITS} "
                f"({SKU_SOURCE})",
            )

    @property
    def sku(self) -> BastionSku | None:
        """The SKU of the Bastion members go through: the stack's own, or the existing one's (None: no Bastion)."""
        if self.mode != "bastion":
            return None
        return BASTION_SKUS[self.existing_bastion_sku if self.existing_bastion_resource_id else self.bastion_sku]

    @property
    def native_client(self) -> bool:
        """Whether `az network bastion ssh/rdp/tunnel` work (Standard and Premium; an existing Bastion as
        `existing_bastion_sku` says)."""
        return self.sku is not None and self.sku.native_client


class NetworkConfig(Model):
    """Address plan of the stack's virtual network."""

    address_space: str = Field(default="10.50.0.0/16", description="Optional. The VNet's address space (CIDR).")
    workstation_subnet: str = Field(
        default="10.50.1.0/24",
        description="Optional. Subnet of the workstations' NICs; must lie inside `address_space`.",
    )
    bastion_subnet: str = Field(
        default="10.50.255.0/26",
        description=(
            "Optional. `AzureBastionSubnet` prefix, used with access mode `bastion`; /26 or larger, "
            "inside `address_space`, not overlapping `workstation_subnet`."
        ),
    )

    @field_validator("address_space", "workstation_subnet", "bastion_subnet")
    @classmethod
    def _cidr(cls, value: str) -> str:
        try:
            ipaddress.IPv4Network(value, strict=True)
        except ValueError as exc:
            raise ValueError(f"'{value}' is not an IPv4 CIDR ({exc}); e.g. 10.50.1.0/24") from exc
        return value

    @model_validator(mode="after")
    def _plan(self) -> NetworkConfig:
        space = ipaddress.IPv4Network(self.address_space)
        work = ipaddress.IPv4Network(self.workstation_subnet)
        bastion = ipaddress.IPv4Network(self.bastion_subnet)
        for name, subnet in (("workstation_subnet", work), ("bastion_subnet", bastion)):
            if not subnet.subnet_of(space):
                raise ValueError(f"{name} {subnet} is outside address_space {space}; pick a range inside it")
        if work.overlaps(bastion):
            raise ValueError(f"workstation_subnet {work} overlaps bastion_subnet {bastion}; separate them")
        if bastion.prefixlen > 26:
            raise ValueError(f"bastion_subnet {bastion} is smaller than /26, which Azure Bastion needs")
        if work.prefixlen > 29:
            raise ValueError(f"workstation_subnet {work} is smaller than /29, which Azure allows")
        return self
