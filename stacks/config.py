"""A stack's whole configuration as one frozen pydantic model.

Stack files (``Pulumi.<stack>.yaml``) use namespaced keys: ``dsvm:<field>`` for
the fields below and ``azure-native:location`` for the region, so the same
files work with ``pulumi up`` and with the offline ``dsvmctl plan``.

Every check that needs no cloud happens here, before any resource is
registered. A bad value raises ``ConfigError``, whose message names the config
path (``dsvm:members[1].username``), the rule and the fix.

The field descriptions are the config reference: ``python -m stacks.docs``
renders them to docs/CONFIG.md, and a test keeps the ``config:`` block of
Pulumi.yaml in agreement with them.

New stack kinds (``gpu_rig``, ``scale_out``) subclass ``BaseStackConfig`` with
their own ``kind`` literal and are added to ``STACK_KINDS``; ``team`` is not
touched.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator, model_validator

PROJECT = "dsvm"
LOCATION_KEY = "azure-native:location"

# Sources no allowlist may contain: they mean "the whole internet".
OPEN_SOURCES = {"*", "0.0.0.0/0", "::/0", "internet", "any", "0.0.0.0"}

# Usernames Azure refuses as admin usernames (Microsoft Learn, 'FAQ for Linux VMs').
RESERVED_USERNAMES = frozenset(
    {
        "administrator", "admin", "user", "user1", "test", "user2", "test1", "user3", "admin1",
        "1", "123", "a", "actuser", "adm", "admin2", "aspnet", "backup", "console", "david",
        "guest", "john", "owner", "root", "server", "sql", "support", "support_388945a0",
        "sys", "test2", "test3", "user4", "user5",
    }
)

# Windows time zone ids accepted by the auto-shutdown schedule (a subset of `tzutil /l`).
TIME_ZONES = frozenset(
    {
        "UTC", "Pacific Standard Time", "Mountain Standard Time", "Central Standard Time",
        "Eastern Standard Time", "GMT Standard Time", "W. Europe Standard Time",
        "Central Europe Standard Time", "Romance Standard Time", "E. Europe Standard Time",
        "FLE Standard Time", "India Standard Time", "China Standard Time", "Tokyo Standard Time",
        "Singapore Standard Time", "AUS Eastern Standard Time", "E. South America Standard Time",
    }
)

_GUID = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_DISK_ID = (
    r"^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\.Compute/disks/[^/]+$"
)


class ConfigError(Exception):
    """A stack config that cannot be built; each problem names path, rule and fix."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = [f"{path}: {message}" for path, message in problems]
        super().__init__("invalid stack config:\n  " + "\n  ".join(lines))


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_attribute_docstrings=False)


class AccessConfig(_Model):
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
        return value

    @model_validator(mode="after")
    def _mode_rules(self) -> AccessConfig:
        if self.mode == "allowlist" and not self.allowed_cidrs:
            raise ValueError(
                "mode allowlist needs allowed_cidrs; add your office/VPN ranges, or choose mode bastion"
            )
        if self.mode != "allowlist" and self.allowed_cidrs:
            raise ValueError(
                f"allowed_cidrs is only used with mode allowlist (mode is {self.mode}); remove it"
            )
        if self.mode != "allowlist" and self.public_ip_enabled:
            raise ValueError(
                f"public_ip_enabled is only allowed with mode allowlist (mode is {self.mode}); remove it"
            )
        return self


class NetworkConfig(_Model):
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


OsImage = Literal["ubuntu-2204", "ubuntu-2004", "windows-2022", "windows-2019"]


class ImageConfig(_Model):
    """The DSVM marketplace image every workstation of the stack runs."""

    os: OsImage = Field(
        description="Required. DSVM image: `ubuntu-2204`, `ubuntu-2004`, `windows-2022` or `windows-2019`."
    )
    version: str = Field(
        description=(
            "Required. Pinned image version (e.g. `25.05.20`), the same for every member; promote "
            "the pin dev -> staging -> prod. `latest` is refused: it drifts between members."
        )
    )

    @field_validator("version")
    @classmethod
    def _pinned(cls, value: str) -> str:
        if not re.match(r"^\d+\.\d+\.\d+$", value):
            raise ValueError(
                f"'{value}' is not a pinned version; use a version such as 25.05.20 "
                "(az vm image list --publisher microsoft-dsvm --all)"
            )
        return value

    @property
    def is_windows(self) -> bool:
        return self.os.startswith("windows")


class AutoShutdownConfig(_Model):
    """The daily auto-shutdown schedule of every workstation (on by default)."""

    enabled: bool = Field(default=True, description="Optional. Shut the VMs down daily. Default true.")
    time: str = Field(default="1900", description="Optional. Daily time, `HHMM` 24-hour. Default `1900`.")
    time_zone: str = Field(
        default="UTC", description="Optional. Windows time zone id, e.g. `W. Europe Standard Time`. Default `UTC`."
    )
    notification_email: str | None = Field(
        default=None, description="Optional. Address warned 30 minutes before shutdown."
    )

    @field_validator("time")
    @classmethod
    def _time(cls, value: str) -> str:
        if not re.match(r"^([01]\d|2[0-3])[0-5]\d$", value):
            raise ValueError(f"'{value}' is not a time HHMM; write 19:00 as \"1900\" (quoted)")
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in TIME_ZONES:
            raise ValueError(
                f"'{value}' is not a supported Windows time zone id; use one of: {', '.join(sorted(TIME_ZONES))}"
            )
        return value


class StorageConfig(_Model):
    """The stack's shared storage account (StorageV2, HTTPS only, no keys, no public blobs)."""

    account_name: str | None = Field(
        default=None,
        description=(
            "Optional. Globally unique name, 3-24 lowercase letters and digits. Default: derived "
            "from project, stack and resource group (stable across runs)."
        ),
    )
    hns_enabled: bool = Field(
        default=False, description="Optional. Hierarchical namespace (ADLS Gen2). Cannot change later."
    )
    soft_delete_days: int = Field(
        default=14, ge=1, le=365, description="Optional. Blob and container soft-delete retention, 1-365 days."
    )
    sku: Literal["Standard_LRS", "Standard_ZRS", "Standard_GRS", "Standard_GZRS"] = Field(
        default="Standard_LRS", description="Optional. Replication SKU."
    )

    @field_validator("account_name")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^[a-z0-9]{3,24}$", value):
            raise ValueError(
                f"'{value}' is not a storage account name: use 3-24 lowercase letters and digits, "
                "no hyphens (e.g. dsvmteamdev01)"
            )
        return value


class DataDiskConfig(_Model):
    """A member's data disk: a new managed disk, or an existing one attached by id."""

    size_gb: int = Field(default=128, ge=4, le=32767, description="Optional. Size of a new disk, GiB (4-32767).")
    sku: Literal["Standard_LRS", "StandardSSD_LRS", "Premium_LRS", "StandardSSD_ZRS", "Premium_ZRS"] = Field(
        default="Premium_LRS", description="Optional. SKU of a new disk."
    )
    existing_disk_resource_id: str | None = Field(
        default=None,
        description=(
            "Optional. ARM id of an existing managed disk to attach instead of creating one "
            "(`/subscriptions/.../providers/Microsoft.Compute/disks/NAME`). It is never deleted."
        ),
    )

    @field_validator("existing_disk_resource_id")
    @classmethod
    def _disk_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(_DISK_ID, value, re.IGNORECASE):
            raise ValueError(
                f"'{value}' is not a managed disk id; copy it from `az disk show --query id`"
            )
        return value


def check_ssh_public_key(value: str) -> str:
    """An OpenSSH public key line, ssh-ed25519 or ssh-rsa, whose blob names its type."""
    fix = "paste the contents of ~/.ssh/id_ed25519.pub (one line starting with ssh-ed25519)"
    parts = value.strip().split()
    if len(parts) < 2 or parts[0] not in ("ssh-ed25519", "ssh-rsa"):
        raise ValueError(f"not an OpenSSH public key; {fix}")
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"the key's base64 part is damaged; {fix}") from exc
    length = int.from_bytes(blob[:4], "big") if len(blob) >= 4 else -1
    if blob[4 : 4 + length] != parts[0].encode():
        raise ValueError(f"the key's body does not match its type {parts[0]}; {fix}")
    if parts[0] == "ssh-rsa":
        # The body goes on with e and n as length-prefixed integers; Azure refuses RSA keys under 2048 bits.
        fields: list[bytes] = []
        offset = 4 + length
        while len(fields) < 2 and offset + 4 <= len(blob):
            size = int.from_bytes(blob[offset : offset + 4], "big")
            fields.append(blob[offset + 4 : offset + 4 + size])
            offset += 4 + size
        if len(fields) < 2 or offset > len(blob):
            raise ValueError(f"the ssh-rsa key is truncated; {fix}")
        bits = int.from_bytes(fields[1], "big").bit_length()
        if bits < 2048:
            raise ValueError(
                f"the ssh-rsa key has {bits} bits and Azure requires at least 2048; {fix}, "
                "or create one with ssh-keygen -t ed25519"
            )
    return value.strip()


class MemberConfig(_Model):
    """One team member: gets a workstation, a data disk and a storage container."""

    username: str = Field(
        description=(
            "Required. Linux/Windows admin username and VM host name: lowercase letters, digits and "
            "single `-` between them, starting with a letter (JupyterHub fails on capitals, host names "
            "refuse `_`); at most 15 characters on Windows images."
        )
    )
    ssh_public_key: str | None = Field(
        default=None,
        description="Conditional (required on Linux images, refused on Windows). OpenSSH public key line.",
    )
    vm_size: str | None = Field(default=None, description="Optional. Overrides the stack's `vm_size` for this member.")
    data_disk: DataDiskConfig = Field(
        default_factory=DataDiskConfig, description="Optional. The member's data disk (see DataDiskConfig)."
    )
    entra_login_enabled: bool = Field(
        default=False,
        description=(
            "Optional, Linux only. Entra ID SSH login (AADSSHLoginForLinux) with the Virtual Machine "
            "User Login role for `entra_object_id`."
        ),
    )
    entra_object_id: str | None = Field(
        default=None,
        description="Conditional (required with `entra_login_enabled`). The member's Entra ID object id (GUID).",
    )
    leaving: bool = Field(
        default=False,
        description=(
            "Optional. Offboarding: the member's VM, NIC, schedule and role assignments are deleted while "
            "the data disk and storage container stay (protected, reattachable by id). Deleting the "
            "member's entry instead is refused, because it would delete protected data."
        ),
    )

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if value != value.lower():
            raise ValueError(
                f"'{value}' has capital letters, which JupyterHub on the DSVM cannot log in with; "
                f"use '{value.lower()}'"
            )
        if not re.match(r"^[a-z](?:[a-z0-9]|[-_](?=[a-z0-9])){0,31}$", value):
            raise ValueError(
                f"'{value}' is not a valid username: start with a letter, then up to 31 lowercase "
                "letters, digits or single '-'/'_' between them (e.g. alice, j_doe)"
            )
        if value in RESERVED_USERNAMES:
            raise ValueError(f"'{value}' is a username Azure reserves; pick the member's own name (e.g. alice)")
        if "_" in value:
            raise ValueError(
                f"'{value}' contains '_', which Azure refuses in VM host names, and the username is also the "
                f"workstation's host name; use '{value.replace('_', '-')}'"
            )
        return value

    @field_validator("ssh_public_key")
    @classmethod
    def _key(cls, value: str | None) -> str | None:
        return None if value is None else check_ssh_public_key(value)

    @field_validator("entra_object_id")
    @classmethod
    def _object_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(_GUID, value):
            raise ValueError(f"'{value}' is not a GUID; use `az ad user show --id USER --query id`")
        return value

    @property
    def container_name(self) -> str:
        """The member's blob container: `home-<username>` ('_' becomes '-', as containers require)."""
        return "home-" + self.username.replace("_", "-")

    @model_validator(mode="after")
    def _entra(self) -> MemberConfig:
        if self.entra_login_enabled and not self.entra_object_id:
            raise ValueError("entra_login_enabled needs entra_object_id (the member's Entra ID object id)")
        return self


class BaseStackConfig(_Model):
    """What every stack kind has: where, who pays, how it is reached, which image."""

    kind: str = Field(description="Required. The stack kind: `team`.")
    location: str = Field(
        description="Required (as `azure-native:location`). Azure region name, e.g. `westeurope`."
    )
    owner: str = Field(min_length=1, description="Required. Owner tag (team or e-mail); on every resource.")
    cost_center: str = Field(min_length=1, description="Required. Cost-center tag; on every resource.")
    resource_group_name: str | None = Field(
        default=None,
        description=(
            "Optional. An existing resource group to deploy into. Default: the stack creates "
            "`rg-dsvm-<stack>`."
        ),
    )
    tags: dict[str, str] = Field(default_factory=dict, description="Optional. Extra tags on every resource.")
    access: AccessConfig = Field(description="Required. Access mode (see AccessConfig).")
    network: NetworkConfig = Field(default_factory=NetworkConfig, description="Optional. Address plan.")
    image: ImageConfig = Field(description="Required. DSVM image and pinned version.")
    auto_shutdown: AutoShutdownConfig = Field(
        default_factory=AutoShutdownConfig, description="Optional. Daily auto-shutdown (on at 19:00 UTC)."
    )
    rstudio_enabled: bool = Field(
        default=False,
        description=(
            "Optional. Open port 8787 (RStudio Server) to the allowed sources. Current DSVM images "
            "no longer preinstall RStudio Server: install it yourself."
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
        for key in value:
            if len(key) > 512 or any(c in key for c in "<>%&\\?/"):
                raise ValueError(f"tag name '{key}' is invalid: at most 512 characters, none of < > % & \\ ? /")
        if len(value) > 46:
            raise ValueError(
                "at most 46 extra tags (Azure allows 50 and the stack sets owner, cost-center, stack, managed-by)"
            )
        return value

    @property
    def is_windows(self) -> bool:
        return self.image.is_windows


class TeamStackConfig(BaseStackConfig):
    """`team`: one DSVM per member on one pinned image, shared network and storage."""

    kind: Literal["team"] = Field(description="Required. `team`.")
    vm_size: str = Field(
        default="Standard_D4s_v5",
        description="Optional. VM size of every workstation unless a member overrides it.",
    )
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Optional. Shared storage account.")
    members: tuple[MemberConfig, ...] = Field(min_length=1, description="Required. The team members (at least one).")

    @field_validator("vm_size")
    @classmethod
    def _size(cls, value: str) -> str:
        return _check_size(value)

    @model_validator(mode="after")
    def _members(self) -> TeamStackConfig:
        seen: set[str] = set()
        attached: dict[str, int] = {}
        for i, member in enumerate(self.members):
            where = f"members[{i}]"
            if member.container_name in seen:
                raise _PathError(
                    f"{where}.username",
                    f"'{member.username}' appears twice (or differs from another only by '_' vs '-', "
                    f"which share the container {member.container_name}); usernames must be unique",
                )
            seen.add(member.container_name)
            if member.vm_size is not None:
                _check_size(member.vm_size, f"{where}.vm_size")
            if self.is_windows:
                if member.entra_login_enabled:
                    raise _PathError(
                        f"{where}.entra_login_enabled",
                        "Entra ID login is not supported on Windows DSVMs (AADLoginForWindows does "
                        "not support their Windows Server 2019/2022 bases); remove it",
                    )
                if member.ssh_public_key:
                    raise _PathError(f"{where}.ssh_public_key", "Windows images do not use SSH keys; remove it")
                if len(member.username) > 15:
                    raise _PathError(
                        f"{where}.username",
                        f"'{member.username}' is longer than 15 characters, the Windows computer name limit; "
                        "shorten it",
                    )
            elif not member.ssh_public_key:
                raise _PathError(
                    f"{where}.ssh_public_key",
                    "Linux workstations log in with SSH keys only; paste the contents of ~/.ssh/id_ed25519.pub",
                )
            disk_id = member.data_disk.existing_disk_resource_id
            if disk_id is not None:
                other = attached.setdefault(disk_id.lower(), i)
                if other != i:
                    raise _PathError(
                        f"{where}.data_disk.existing_disk_resource_id",
                        f"the disk is already members[{other}]'s data disk, and a managed disk attaches to one "
                        "VM only; give each member their own disk",
                    )
        subnet = ipaddress.IPv4Network(self.network.workstation_subnet)
        room = subnet.num_addresses - 5  # Azure reserves 5 addresses of every subnet
        if len(self.members) > room:
            raise _PathError(
                "network.workstation_subnet",
                f"{subnet} has room for {room} workstations (Azure reserves 5 addresses per subnet) and the "
                f"stack has {len(self.members)} members; use a larger subnet, e.g. a /28 or /24",
            )
        return self


class _PathError(ValueError):
    """A model-level rule that points at a nested path."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path


def _check_size(value: str, path: str | None = None) -> str:
    from stacks.images import encryption_at_host_supported

    message = None
    if not re.match(r"^Standard_[A-Za-z0-9_]+$", value):
        message = f"'{value}' is not an Azure VM size name; use e.g. Standard_D4s_v5"
    elif not encryption_at_host_supported(value):
        message = (
            f"{value} does not support encryption at host, which every workstation uses; pick a "
            "current size such as Standard_D4s_v5 (CPU) or Standard_NC4as_T4_v3 (GPU)"
        )
    if message:
        raise _PathError(path, message) if path else ValueError(message)
    return value


# Add new kinds here; each is a BaseStackConfig subclass with its own `kind` literal.
STACK_KINDS: tuple[type[BaseStackConfig], ...] = (TeamStackConfig,)

StackConfig = TeamStackConfig  # becomes Union[TeamStackConfig, ...] with the next kind
_STACK_TYPE: Any = (
    Annotated[Union[STACK_KINDS], Field(discriminator="kind")]  # noqa: UP007 - a runtime union of the kinds
    if len(STACK_KINDS) > 1
    else STACK_KINDS[0]
)
_ADAPTER: TypeAdapter[Any] = TypeAdapter(_STACK_TYPE)


def config_path(loc: tuple[int | str, ...]) -> str:
    """`("members", 2, "username")` -> `dsvm:members[2].username`."""
    if loc and loc[0] == "location":
        return LOCATION_KEY
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return f"{PROJECT}:{text}"


_FIXES = {
    "missing": "required; add it to the stack file (see docs/CONFIG.md)",
    "extra_forbidden": "unknown key; remove it or fix its spelling (see docs/CONFIG.md)",
}


def parse_config(values: Mapping[str, Any]) -> StackConfig:
    """Validate plain values (field name -> value) into the stack's model, or raise ``ConfigError``."""
    kinds = {k.model_fields["kind"].annotation.__args__[0] for k in STACK_KINDS}  # type: ignore[union-attr]
    kind = values.get("kind")
    if not isinstance(kind, str) or kind not in kinds:
        raise ConfigError(
            [(f"{PROJECT}:kind", f"'{kind}' is not a stack kind; set dsvm:kind to one of: {', '.join(sorted(kinds))}")]
        )
    try:
        return _ADAPTER.validate_python(dict(values))  # type: ignore[no-any-return]
    except ValidationError as exc:
        problems: list[tuple[str, str]] = []
        errors = exc.errors()
        for error in errors:
            loc = tuple(error["loc"])
            if error["type"] == "too_short" and any(
                len(other["loc"]) > len(loc) and tuple(other["loc"][: len(loc)]) == loc for other in errors
            ):
                continue  # its items failed validation: they are the problems, not the length
            cause = (error.get("ctx") or {}).get("error")
            if isinstance(cause, _PathError) and cause.path:
                loc = loc + tuple(_split_path(cause.path))
            message = _FIXES.get(error["type"]) or str(error["msg"]).removeprefix("Value error, ")
            if error["type"] not in _FIXES and error["type"] not in ("value_error", "assertion_error"):
                message = f"{message} (got {error.get('input')!r})"
            problems.append((config_path(loc), message))
        raise ConfigError(problems) from None


def _split_path(path: str) -> list[int | str]:
    parts: list[int | str] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def decode_value(raw: Any) -> Any:
    """A config value as Pulumi hands it to a program: objects and lists arrive as JSON text."""
    if (isinstance(raw, str) and raw[:1] in ("{", "[")) or raw in ("true", "false"):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def from_namespaced(config: Mapping[str, Any]) -> dict[str, Any]:
    """`{"dsvm:owner": ..., "azure-native:location": ...}` -> model field values."""
    values: dict[str, Any] = {}
    for key, raw in config.items():
        if key == LOCATION_KEY:
            values["location"] = decode_value(raw)
        elif key.startswith(f"{PROJECT}:"):
            values[key.split(":", 1)[1]] = decode_value(raw)
    return values


def load_config(config: Mapping[str, Any]) -> StackConfig:
    """Validate a namespaced config map (what a stack file holds) into the model."""
    return parse_config(from_namespaced(config))
