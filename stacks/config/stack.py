"""What every stack kind has: where, who pays, how it is reached, which image."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import date

from pydantic import Field, field_validator, model_validator

from azurefacts import clock
from azurefacts.bastion import developer_region_problem, sessions
from azurefacts.quotas import Need
from azurefacts.size_series import NVME
from azurefacts.sizes import VM_SIZES
from stacks.config.access import AccessConfig, NetworkConfig
from stacks.config.base import PROMOTED, Model, PathError
from stacks.config.idle_stop import BudgetConfig, IdleStopConfig, check_cost_controls
from stacks.config.image import ImageConfig
from stacks.config.os_disk import DiskUse, OsDiskConfig, check_os_disks
from stacks.config.schedule import AutoShutdownConfig


@dataclass(frozen=True)
class Unit:
    """One independent part of a stack: its name, the names of its top-level resources (everything
    of the unit lives below them), and the logical name of the NIC it allocates an address for."""

    name: str
    top_level: tuple[str, ...]
    nic: str | None = None


MAX_TAG_VALUE = 256
# The tags the stack writes itself (stacks/foundation.py, stacks/gpu_rig.py), by lowercase name: where each comes from.
STACK_TAGS = {
    "owner": "dsvm:owner",
    "cost-center": "dsvm:cost_center",
    "stack": "the stack's name",
    "managed-by": "always pulumi",
    "expires-on": "a rig's expires_on",
}


class BaseStackConfig(Model):
    """What every stack kind has: where, who pays, how it is reached, which image."""

    kind: str = Field(description="Required. The stack kind: `team`.")
    location: str = Field(description="Required (as `azure-native:location`). Azure region name, e.g. `westeurope`.")
    owner: str = Field(
        min_length=1, max_length=MAX_TAG_VALUE, description="Required. Owner tag (team or e-mail); on every resource."
    )
    cost_center: str = Field(
        min_length=1, max_length=MAX_TAG_VALUE, description="Required. Cost-center tag; on every resource."
    )
    resource_group_name: str | None = Field(
        default=None,
        description=(
            "Optional. An existing resource group to deploy into. Default: the stack creates `rg-dsvm-<stack>`."
        ),
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Optional. Extra tags on every resource.")
    access: AccessConfig = Field(description="Required. Access mode (see AccessConfig).")
    network: NetworkConfig = Field(default_factory=NetworkConfig, description="Optional. Address plan.")
    image: ImageConfig = Field(description="Required. DSVM image and pinned version.")
    os_disk: OsDiskConfig = Field(
        default_factory=OsDiskConfig,
        description=(
            "Optional. The OS disk of every VM and scale-set instance (Premium SSD at the image's size; see "
            "OsDiskConfig); members, rigs and pools may override it."
        ),
    )
    auto_shutdown: AutoShutdownConfig = Field(
        default_factory=AutoShutdownConfig, description="Optional. Daily auto-shutdown (on at 19:00 UTC)."
    )
    rstudio_enabled: bool = Field(
        default=False,
        description=(
            "Optional. Open port 8787 (RStudio Server) to the allowed sources. Current DSVM images "
            "no longer preinstall RStudio Server: install it yourself."
        ),
        json_schema_extra=PROMOTED,
    )
    idle_stop: IdleStopConfig = Field(
        default_factory=IdleStopConfig,
        description="Optional. Each VM deallocates itself when idle (on; see IdleStopConfig, docs/COSTS.md).",
    )
    budget: BudgetConfig | None = Field(
        default=None, description="Optional. A monthly cost budget with e-mail alerts (see BudgetConfig)."
    )
    cost_cap_monthly: float | None = Field(
        default=None,
        gt=0,
        description=(
            "Optional. The most the stack may cost a month, USD, as the plan estimates it: above it the policy "
            "pack's `cost-cap` rule reports (advisory) in `dsvmctl plan`, the PR comment and `pulumi preview`."
        ),
    )

    @field_validator("location")
    @classmethod
    def _location(cls, value: str) -> str:
        normalized = value.replace(" ", "").lower()
        if not re.match(r"^[a-z]+[a-z0-9]*$", normalized):
            raise ValueError(f"'{value}' is not an Azure region name; use e.g. westeurope (az account list-locations)")
        return normalized

    @field_validator("resource_group_name")
    @classmethod
    def _rg(cls, value: str | None) -> str | None:
        if value is not None and (not re.match(r"^[-\w._()]{1,90}$", value) or value.endswith(".")):
            raise ValueError(f"'{value}' is not a resource group name: 1-90 letters, digits, . _ - ( )")
        return value

    @field_validator("tags")
    @classmethod
    def _tags(cls, value: dict[str, str]) -> dict[str, str]:
        # Microsoft Learn, 'Use tags to organize your Azure resources' (limitations): names up to 512 characters
        # without < > % & \ ? /, values up to 256 characters, names case-insensitive (two names that differ in
        # case are one tag, and which value wins is not defined).
        seen: dict[str, str] = {}
        for key, tag_value in value.items():
            if len(key) > 512 or any(c in key for c in "<>%&\\?/"):
                raise ValueError(f"tag name '{key}' is invalid: at most 512 characters, none of < > % & \\ ? /")
            if len(tag_value) > MAX_TAG_VALUE:
                raise ValueError(
                    f"the value of tag '{key}' has {len(tag_value)} characters; Azure allows {MAX_TAG_VALUE}: "
                    "shorten it"
                )
            if key.lower() in STACK_TAGS:
                raise ValueError(
                    f"tag '{key}' is set by the stack ({STACK_TAGS[key.lower()]}); remove it from dsvm:tags "
                    "(tag names are case-insensitive in Azure)"
                )
            if key.lower() in seen:
                raise ValueError(
                    f"tags '{seen[key.lower()]}' and '{key}' are one tag to Azure (names are case-insensitive); "
                    "keep one"
                )
            seen[key.lower()] = key
        if len(value) > 46:
            raise ValueError(
                "at most 46 extra tags (Azure allows 50 and the stack sets owner, cost-center, stack, managed-by)"
            )
        return value

    @model_validator(mode="after")
    def _cost_controls(self) -> BaseStackConfig:
        check_cost_controls(self.owner, self.idle_stop, self.budget, self.idle_stop_overrides())
        return self

    @model_validator(mode="after")
    def _bastion_region(self) -> BaseStackConfig:
        access = self.access
        if access.mode == "bastion" and not access.existing_bastion_resource_id and access.bastion_sku == "Developer":
            problem = developer_region_problem(self.location)
            if problem:
                raise PathError(
                    "access.bastion_sku",
                    f"{problem}; use Basic or Standard here, a shared hub Bastion (existing_bastion_resource_id), "
                    "or a region that offers Developer",
                )
        return self

    @model_validator(mode="after")
    def _hub_outside_vnet(self) -> BaseStackConfig:
        # Microsoft Learn, 'Virtual network peering': peered VNets must have address spaces that do not overlap,
        # and a hub Bastion reaches this VNet only through a peering; an overlap would also make the NSG admit
        # part of the stack's own network as if it were the Bastion.
        hub, space = self.access.existing_bastion_subnet, self.network.address_space
        if hub and ipaddress.IPv4Network(hub).overlaps(ipaddress.IPv4Network(space)):
            raise PathError(
                "access.existing_bastion_subnet",
                f"{hub} overlaps this stack's network.address_space {space}: the hub Bastion reaches the stack "
                "only through a VNet peering, and Azure peers only VNets whose address spaces do not overlap; give "
                "the hub's AzureBastionSubnet prefix, or move network.address_space out of the hub's range",
            )
        return self

    @model_validator(mode="after")
    def _generations(self) -> BaseStackConfig:
        # Microsoft Learn, 'Support for generation 2 VMs on Azure': a size boots only the Hyper-V generations it
        # offers (the v6 sizes Generation 2 only; windows-2019 is a Generation 1 image). Rigs check their two
        # sizes themselves (stacks/config/gpu_rig.py), with the GPU reason; a size without encryption at host is
        # refused by that security rule, with its own fix.
        generation = self.image.facts.hyperv_generation
        for use in self.disk_uses():
            for path, name in use.sizes:
                size = VM_SIZES.get(name)
                checked = size and size.encryption_at_host and not path.startswith("rigs[")
                if size and checked and generation not in size.generations:
                    raise PathError(
                        path,
                        f"{name} boots Generation {' or '.join(map(str, size.generations))} only, and the "
                        f"{self.image.os} DSVM image is Generation {generation}: Azure cannot create the VM; pick a "
                        "size that boots it (a v5 size such as Standard_D4s_v5), or a Generation 2 image (image.os)",
                    )
        return self

    @model_validator(mode="after")
    def _os_disks(self) -> BaseStackConfig:
        check_os_disks(self.os_disk, self.disk_uses(), self.image.facts, self.location)
        return self

    def idle_stop_overrides(self) -> list[tuple[str, object]]:
        """(config path, own ``idle_stop``) of each VM that may override the stack's (kinds override)."""
        return []

    def disk_uses(self) -> list[DiskUse]:
        """Each machine the stack builds, with its own OS disk, sizes and new data disk (kinds override)."""
        return []

    def ssh_service_tags(self) -> tuple[str, ...]:
        """Azure service tags the NSG must admit over SSH (kinds override: AzureML's attach)."""
        return ()

    @property
    def is_windows(self) -> bool:
        return self.image.is_windows

    def external_resources(self) -> list[tuple[str, str, str]]:
        """What the stack uses but does not create: (kind, ARM id or name, config path).

        Kinds: ``resource_group`` (a name, in the stack's subscription), ``disk``, ``bastion`` (ids).
        """
        found = []
        if self.resource_group_name:
            found.append(("resource_group", self.resource_group_name, "resource_group_name"))
        if self.access.existing_bastion_resource_id:
            found.append(("bastion", self.access.existing_bastion_resource_id, "access.existing_bastion_resource_id"))
        return found

    def vm_sizes(self) -> list[str]:
        """Every VM size the stack uses (kinds override)."""
        return []

    def units(self) -> list[Unit]:
        """The stack's independent parts (a team's members, a stack's rigs) in order; none when the
        stack cannot be planned in parts (kinds override)."""
        return []

    def modes(self) -> list[str]:
        """The ways the stack can run whose quota needs differ (``gpu_rig``: cpu and gpu)."""
        return ["current"]

    def quota_needs(self, mode: str = "current") -> list[Need]:
        """The vCPUs the stack's VMs need, per size and priority, in ``mode`` (sizes the facts know)."""
        return [Need(size) for size in self.vm_sizes() if size in VM_SIZES]

    def quota_keys(self, quotas: set[str]) -> list[str]:
        """The config keys that ask for these quotas (family names, ``Total Regional``), for the way out
        of a QuotaExceeded; none where the VM sizes say it (kinds override)."""
        return []

    def warnings(self, today: date | None = None) -> list[str]:
        """What deserves attention though the stack is valid: an old image pin, a size retiring soon,
        a Bastion without the native client."""
        today = today or clock.today()
        found = []
        advice = self.image.facts.pin_advice(self.image.version, today)
        if advice:
            found.append(f"dsvm:image.version {advice}")
        for name in sorted(set(self.vm_sizes())):
            size = VM_SIZES.get(name)
            if size and size.retired_on and not size.retired(today) and (size.retired_on - today).days <= 180:
                found.append(f"{name} ({size.series}) retires on {size.retired_on}: move to a current size before then")
        found += self._nvme_warnings()
        budget_start = self.budget.start_warning(today) if self.budget else None
        if budget_start:
            found.append(budget_start)
        found += self._bastion_warnings()
        return found

    def _nvme_warnings(self) -> list[str]:
        """NVMe-only sizes (v6): Azure creates them only from an image whose OS disk supports the NVMe controller
        ('Convert SCSI to NVMe'); that the DSVM images do is not confirmed (docs/WORKSTATION.md), so say so."""
        nvme = [n for n in sorted(set(self.vm_sizes())) if n in VM_SIZES and VM_SIZES[n].disk_controllers == (NVME,)]
        if not nvme:
            return []
        facts = self.image.facts
        urn = f"{facts.publisher}:{facts.offer}:{facts.sku}:{self.image.version}"
        return [
            f"{', '.join(nvme)} attach{'es' if len(nvme) == 1 else ''} disks over NVMe only, and Azure creates such "
            f"a VM only from an image tagged for the NVMe controller; whether the DSVM image {self.image.os} is tagged "
            f"so is not confirmed: check that `az vm image show --urn {urn} --query "
            f"\"features[?name=='DiskControllerTypes']\"` lists NVMe before the first up, or pick a SCSI size (v5)"
        ]

    def connections(self) -> int:
        """How many people may connect at once: one per unit (kinds override)."""
        return len(self.units())

    def _bastion_warnings(self) -> list[str]:
        sku = self.access.sku
        if sku is None:
            return []
        key = "existing_bastion_sku" if self.access.existing_bastion_resource_id else "bastion_sku"
        found = []
        people = self.connections()
        if not sku.concurrent:
            queue = f" ({people} people would take turns)" if people > 1 else ""
            found.append(
                f"dsvm:access.{key} {sku.name} serves one connection at a time for the whole stack{queue}, through "
                "the Azure portal only: no native client and no tunnels, so JupyterHub is not reachable from laptops; "
                "use Standard (or a shared hub Bastion) when people work at the same time"
            )
        elif not sku.native_client:
            found.append(
                f"dsvm:access.{key} {sku.name} has no native client and no tunnels: members connect through the "
                "Azure portal, and JupyterHub is not reachable from laptops; use Standard for az network bastion"
            )
        carried = None if self.access.existing_bastion_resource_id else sessions(
            sku.name, self.access.bastion_scale_units, self.is_windows)  # fmt: skip
        if carried is not None and people > carried:
            found.append(
                f"{people} people may connect at once and the Bastion carries about {carried} "
                f"{'RDP' if self.is_windows else 'SSH'} sessions: raise dsvm:access.bastion_scale_units"
                + ("" if sku.host_scaling else " (with bastion_sku Standard)")
            )
        return found
