"""The ``gpu_rig`` stack kind: a researcher's DSVM that switches between a CPU and a GPU size in place.

A rig develops on a cheap CPU size and switches to a GPU size to train, keeping
the same VM, OS disk, data disk and identity: switching ``mode`` changes only
``hardwareProfile.vmSize``. Azure's resize rules are checked here, before
anything is planned (sources in ``azurefacts.sizes``): the two sizes must be
resizable into each other (both with a local temp disk, or both without), both
must boot the image's generation, and both must take the same security type
(the security profile is decided by the GPU size in both modes, so a switch never
changes it). Spot rigs keep their disks when evicted (``Deallocate``).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

from pydantic import Field, field_validator, model_validator

from azurefacts import clock
from azurefacts.quotas import Need
from azurefacts.sizes import VM_SIZES, VmSize, resize_problem
from stacks.config.base import Model, PathError
from stacks.config.idle_stop import OWN_IDLE_STOP_DESCRIPTION, IdleStopOverride
from stacks.config.image import check_vm_size
from stacks.config.members import check_ssh_public_key, check_username
from stacks.config.os_disk import OWN_OS_DISK_DESCRIPTION, DiskUse, OsDiskOverride
from stacks.config.patching import WorkstationStack
from stacks.config.stack import BaseStackConfig, Unit
from stacks.config.storage import DataDiskConfig, StorageConfig

MAX_RIGS = 10
AZUREML_SERVICE_TAG = "AzureMachineLearning"
# AzureML compute names (Microsoft Learn, 'Create an Azure Machine Learning compute cluster' naming rules, shared
# by attached computes): 3-24 characters, letters, digits and '-', starting with a letter; not ending in -<digits>.
COMPUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{2,23}$")


class SpotConfig(Model):
    """Azure Spot for a rig: cheaper, evicted when Azure needs the capacity back."""

    eviction_policy: Literal["Deallocate", "Delete"] = Field(
        default="Deallocate",
        description=(
            "Optional. `Deallocate` (default) stops the VM and keeps its disks (it still counts against "
            "quota); `Delete` deletes the VM and its OS disk (the data disk is detached and kept)."
        ),
    )
    max_price: float = Field(
        default=-1,
        description=(
            "Optional. The most you pay per hour, USD; `-1` (default): up to the pay-as-you-go price, "
            "never evicted for price."
        ),
    )

    @field_validator("max_price")
    @classmethod
    def _price(cls, value: float) -> float:
        if value != -1 and value <= 0:
            raise ValueError(f"{value} is not a price: give USD per hour (e.g. 0.25), or -1 for the pay-as-you-go cap")
        return value


class RigConfig(Model):
    """One rig: its user, its two sizes, the mode it runs in, its own data disk."""

    name: str = Field(
        description="Required. The rig's name (resource names derive from it): lowercase letters, digits, `-`."
    )
    username: str = Field(description="Required. Admin username and host name (same rules as a team member's).")
    ssh_public_key: str | None = Field(
        default=None, description="Conditional (required on Linux images, refused on Windows). OpenSSH public key."
    )
    cpu_size: str | None = Field(
        default=None,
        description=(
            "Optional. The size for development, without GPUs; must be resizable to `gpu_size` (both with a "
            "local temp disk, e.g. Standard_D4ads_v5 with Standard_NC4as_T4_v3, or both without). Without it "
            "the rig runs on `gpu_size` only (mode `gpu`)."
        ),
    )
    gpu_size: str = Field(description="Required. The size for training, with GPUs (e.g. Standard_NC4as_T4_v3).")
    mode: Literal["cpu", "gpu"] | None = Field(
        default=None,
        description=(
            "Optional. Which size the rig runs now: `cpu` or `gpu`. Switching restarts the VM. Default: `cpu`, "
            "or `gpu` for a rig without `cpu_size`."
        ),
    )
    standard_security: bool = Field(
        default=False,
        description=(
            "Optional. Pair a GPU size without Trusted Launch (ND, NC A100 v4, NCads H100 v5) with a `cpu_size`: "
            "both sizes then run with Standard security (no vTPM, no Secure Boot; encryption at host stays). "
            "Default false: such a GPU size is refused with a cpu_size, which all support Trusted Launch."
        ),
    )
    data_disk: DataDiskConfig = Field(
        default_factory=DataDiskConfig, description="Optional. The rig's data disk (new, or existing by id)."
    )
    os_disk: OsDiskOverride | None = Field(default=None, description=OWN_OS_DISK_DESCRIPTION)
    expires_on: date | None = Field(
        default=None,
        description=(
            "Optional. The day the experiment ends (`YYYY-MM-DD`): tagged `expires-on`, the plan warns in "
            "the week before; a date already past is refused (extend it, or destroy the rig)."
        ),
    )
    spot: SpotConfig | None = Field(
        default=None, description="Optional. Run as an Azure Spot VM (see SpotConfig). Changing it replaces the VM."
    )
    idle_stop: IdleStopOverride | None = Field(default=None, description=OWN_IDLE_STOP_DESCRIPTION)
    azureml_compute_name: str | None = Field(
        default=None,
        description=(
            "Optional, with `azureml`. The rig's compute name in the workspace (3-24 letters, digits and `-`, "
            "starting with a letter, not ending in `-<digits>`). Default: the rig's name."
        ),
    )

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9-]{0,14}$", value) or value.endswith("-"):
            raise ValueError(
                f"'{value}' is not a rig name: 1-15 lowercase letters, digits and '-', starting with a letter"
            )
        return value

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        return check_username(value)

    @field_validator("ssh_public_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return None if value is None else check_ssh_public_key(value)

    @field_validator("cpu_size", "gpu_size")
    @classmethod
    def _size(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_vm_size(value)
        if value not in VM_SIZES:
            raise ValueError(
                f"{value} is not in azurefacts/sizes.py, so Azure's resize rules cannot be checked for it; "
                "add its series there, or pick a known size (`python -c 'import azurefacts.sizes'`)"
            )
        return value

    @property
    def compute_name(self) -> str:
        """The rig's AzureML compute name."""
        return self.azureml_compute_name or self.name

    @property
    def running_mode(self) -> str:
        """The mode the rig runs in: as configured, else `cpu` (`gpu` for a rig without a CPU size)."""
        return self.mode or ("cpu" if self.cpu_size else "gpu")

    @property
    def active_size(self) -> str:
        return self.size_in(self.running_mode)

    def size_in(self, mode: str) -> str:
        """The size the rig runs in ``mode`` (a rig without a CPU size stays on its GPU size)."""
        return self.cpu_size if mode == "cpu" and self.cpu_size else self.gpu_size

    @property
    def container_name(self) -> str:
        return f"rig-{self.name}"

    @model_validator(mode="after")
    def _sizes(self) -> RigConfig:
        gpu = VM_SIZES[self.gpu_size]
        if not gpu.is_gpu:
            raise PathError("gpu_size", f"{gpu.name} has no GPU; pick an N-series size such as Standard_NC4as_T4_v3")
        if self.cpu_size is None:
            if self.mode == "cpu":
                raise PathError("mode", "a rig without cpu_size runs on its gpu_size only; add a cpu_size, or use gpu")
            if self.standard_security:
                raise PathError("standard_security", "it only pairs a cpu_size with the GPU size; remove it")
            return self._dates()
        cpu = VM_SIZES[self.cpu_size]
        if cpu.is_gpu:
            raise PathError("cpu_size", f"{cpu.name} has GPUs ({cpu.gpu_summary}); cpu_size is the size without")
        problem = resize_problem(cpu, gpu)
        if problem:
            raise PathError(
                "cpu_size",
                f"{problem}, so the rig could not switch modes in place; pick a CPU size "
                f"{'with' if gpu.local_temp_disk else 'without'} a local temp disk that boots Generation "
                f"{' or '.join(map(str, gpu.generations))} and attaches disks over {'/'.join(gpu.disk_controllers)}",
            )
        self._security(cpu, gpu)
        return self._dates()

    def _security(self, cpu: VmSize, gpu: VmSize) -> None:
        """One security type for both sizes: the GPU size's (components/vm_profile.py decides by it)."""
        if gpu.trusted_launch and not cpu.trusted_launch:
            raise PathError(
                "cpu_size",
                f"{gpu.name} runs with Trusted Launch and {cpu.name} does not support it: switching would change the "
                "security type, which replaces the VM and deletes its OS disk; pick a CPU size with Trusted Launch",
            )
        if not gpu.trusted_launch and cpu.trusted_launch and not self.standard_security:
            raise PathError(
                "gpu_size",
                f"{gpu.name} ({gpu.series}) has no Trusted Launch, and every CPU size with encryption at host has it, "
                f"so no cpu_size runs with the same security as {gpu.name}. Either leave out cpu_size (the rig runs "
                "on the GPU size only), or set standard_security: true to run both sizes with Standard security "
                "(no vTPM, no Secure Boot; encryption at host stays) (docs/GPU.md)",
            )
        if self.standard_security and gpu.trusted_launch:
            raise PathError(
                "standard_security",
                f"{gpu.name} supports Trusted Launch, so the rig runs with it in both modes; remove standard_security",
            )

    def _dates(self) -> RigConfig:
        if self.expires_on is not None and self.expires_on < clock.today():
            raise PathError(
                "expires_on",
                f"{self.expires_on} is past: extend it, or destroy the rig when the experiment is over",
            )
        return self


def spot_price_floor(size: str, region: str = "eastus") -> tuple[float, str] | None:
    """The Spot price of ``size`` from the price snapshot, else the assumed one (and which it is)."""
    from azurefacts.prices import SPOT_ASSUMED_FRACTION, PriceNotFoundError, shipped

    book = shipped()
    try:
        return book.price(region, "vm", size, "spot_linux").amount, "snapshot"
    except PriceNotFoundError:
        try:
            return book.price(region, "vm", size, "linux").amount * SPOT_ASSUMED_FRACTION, "assumed"
        except PriceNotFoundError:
            return None


class AzureMlConfig(Model):
    """Attach each rig to an existing AzureML workspace as a `virtualmachine` compute target."""

    workspace_id: str = Field(
        description="Required. ARM id of the AzureML workspace (Microsoft.MachineLearningServices/workspaces)."
    )

    @field_validator("workspace_id")
    @classmethod
    def _id(cls, value: str) -> str:
        pattern = (
            r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.MachineLearningServices/workspaces/[^/]+$"
        )
        if not re.match(pattern, value, re.IGNORECASE):
            raise ValueError(f"'{value}' is not a workspace id; copy it from `az ml workspace show --query id`")
        return value


class GpuRigStackConfig(WorkstationStack, BaseStackConfig):
    """`gpu_rig`: one or a few GPU experiment rigs that switch CPU <-> GPU in place, data kept."""

    kind: Literal["gpu_rig"] = Field(description="Required. `gpu_rig`.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Optional. Shared storage account.")
    rigs: tuple[RigConfig, ...] = Field(min_length=1, max_length=MAX_RIGS, description="Required. The rigs (1-10).")
    azureml: AzureMlConfig | None = Field(
        default=None, description="Optional. Attach the rigs to an existing AzureML workspace."
    )

    def vm_sizes(self) -> list[str]:
        return [rig.active_size for rig in self.rigs]

    def modes(self) -> list[str]:
        return ["cpu", "gpu"]

    def idle_stop_overrides(self) -> list[tuple[str, object]]:
        return [(f"rigs[{i}]", rig.idle_stop) for i, rig in enumerate(self.rigs)]

    def disk_uses(self) -> list[DiskUse]:
        """Each rig in both modes: a switch must never reach a size that refuses its disks."""
        return [DiskUse(
            f"rigs[{i}]", rig.os_disk,
            tuple((f"rigs[{i}].{key}", size) for key in ("cpu_size", "gpu_size") if (size := getattr(rig, key))),
            None if rig.data_disk.existing_disk_resource_id else (f"rigs[{i}].data_disk.sku", rig.data_disk.sku),
        ) for i, rig in enumerate(self.rigs)]  # fmt: skip

    def units(self) -> list[Unit]:
        return [Unit(r.name, (r.name, f"{r.name}-data", f"{r.name}-azureml-key"), f"{r.name}-nic") for r in self.rigs]

    def quota_needs(self, mode: str = "current") -> list[Need]:
        """Each rig's size in ``mode`` (``current``: the mode it is configured in); Spot counts apart."""
        return [
            Need(rig.active_size if mode == "current" else rig.size_in(mode), spot=rig.spot is not None)
            for rig in self.rigs
        ]  # fmt: skip

    def external_resources(self) -> list[tuple[str, str, str]]:
        found = super().external_resources()
        for i, rig in enumerate(self.rigs):
            if rig.data_disk.existing_disk_resource_id:
                found.append(
                    ("disk", rig.data_disk.existing_disk_resource_id, f"rigs[{i}].data_disk.existing_disk_resource_id")
                )
        if self.azureml:
            found.append(("azureml_workspace", self.azureml.workspace_id, "azureml.workspace_id"))
        return found

    def warnings(self, today: date | None = None) -> list[str]:
        today = today or clock.today()
        found = super().warnings(today)
        for rig in self.rigs:
            if rig.expires_on is not None and 0 <= (rig.expires_on - today).days <= 7:
                found.append(f"rig {rig.name} expires on {rig.expires_on}: extend expires_on or destroy it")
        return found

    @model_validator(mode="after")
    def _rigs(self) -> GpuRigStackConfig:
        seen: set[str] = set()
        for i, rig in enumerate(self.rigs):
            if rig.name in seen:
                raise PathError(f"rigs[{i}].name", f"'{rig.name}' appears twice; rig names must be unique")
            seen.add(rig.name)
            if self.image.facts.hyperv_generation != 2:
                raise PathError(
                    "image.os", f"{self.image.os} is a Generation 1 image; GPU rigs need a Generation 2 DSVM"
                )
            if self.is_windows and rig.ssh_public_key:
                raise PathError(f"rigs[{i}].ssh_public_key", "Windows images do not use SSH keys; remove it")
            if not self.is_windows and not rig.ssh_public_key:
                raise PathError(
                    f"rigs[{i}].ssh_public_key", "Linux rigs log in with SSH keys only; paste ~/.ssh/id_ed25519.pub"
                )
            self._check_azureml(i, rig)
            for which in ("cpu_size", "gpu_size"):
                name = getattr(rig, which)
                if name is None:
                    continue
                size = VM_SIZES[name]
                if self.image.facts.hyperv_generation not in size.generations:
                    raise PathError(f"rigs[{i}].{which}", f"{size.name} cannot boot the Generation 2 image")
                self._check_mode(i, rig, which, size)
        return self

    def ssh_service_tags(self) -> tuple[str, ...]:
        return (AZUREML_SERVICE_TAG,) if self.azureml else ()

    def _check_azureml(self, i: int, rig: RigConfig) -> None:
        """What an AzureML attach needs (Microsoft Learn, 'Attach a virtual machine' and 'Network isolation with
        Azure Machine Learning'): SSH to a Linux VM from the ``AzureMachineLearning`` service tag, which
        reaches a VM at its public IP (a workspace inside the stack's VNet is not modelled here), and a compute
        name of 3-24 characters that does not end in ``-<digits>``."""
        if not self.azureml:
            if rig.azureml_compute_name is not None:
                raise PathError(f"rigs[{i}].azureml_compute_name", "only used with dsvm:azureml; remove it")
            return
        if self.is_windows:
            raise PathError("azureml", "AzureML attaches a VM over SSH, so Linux images only; remove azureml")
        if self.access.mode != "allowlist" or not self.access.public_ip_enabled:
            raise PathError(
                "azureml",
                f"AzureML attaches a VM over SSH from the {AZUREML_SERVICE_TAG} service tag, which reaches a VM at "
                f"a public IP; in access mode {self.access.mode}"
                f"{'' if self.access.mode != 'allowlist' else ' without public_ip_enabled'} the rigs have none, so "
                "the attach would fail. Use access mode allowlist with public_ip_enabled: true (the NSG then also "
                f"admits SSH from {AZUREML_SERVICE_TAG}, and only it), or remove azureml (docs/GPU.md)",
            )
        name = rig.compute_name
        if not COMPUTE_NAME.match(name) or re.search(r"-\d+$", name):
            key = "azureml_compute_name" if rig.azureml_compute_name else "name"
            raise PathError(
                f"rigs[{i}].{key}",
                f"'{name}' cannot be an AzureML compute name: 3-24 letters, digits and '-', starting with a letter, "
                "not ending in '-<digits>'; set rigs[].azureml_compute_name (renaming the rig would replace its VM)",
            )

    def _check_mode(self, i: int, rig: RigConfig, which: str, size: VmSize) -> None:
        """Each mode must be able to run, whichever the rig runs now: its size offered in the region, and a
        Spot price cap at or above the size's Spot price (a switch to a mode that cannot run leaves the rig
        stopped)."""
        mode = which.split("_")[0]
        if not size.offered_in(self.location):
            offered = ", ".join(sorted(size.regions or ())[:8])
            raise PathError(
                f"rigs[{i}].{which}",
                f"{size.name} is not offered in {self.location}, so the rig could never run in {mode} mode "
                f"(SkuNotAvailable); pick a size offered there, or a region that offers it ({offered})",
            )
        if rig.spot and rig.spot.max_price != -1:
            floor = spot_price_floor(size.name, self.location)
            if floor is not None and rig.spot.max_price < floor[0]:
                raise PathError(
                    f"rigs[{i}].spot.max_price",
                    f"{rig.spot.max_price} USD/h is below {size.name}'s {floor[1]} Spot price ({floor[0]:.4f} USD/h), "
                    f"so the rig would not start in {mode} mode; raise it to at least that, or use -1",
                )
