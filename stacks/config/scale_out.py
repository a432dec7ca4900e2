"""The ``scale_out`` stack kind: classes and hackathons on Flexible scale sets that sleep at zero.

Identical DSVMs for many people, for a few hours at a time: one scale set per pool,
at its capacity during the schedule's windows (class hours every week, dated events)
and at zero outside them. Everything that needs no cloud is checked here, before
anything is registered: capacities (``stacks.scale_out.schedule``), the schedule's
windows and time zone, the autoscale limits, the roster (``stacks.scale_out.roster``:
every bad row with its number and the fix, as ``dsvm:roster``), that the roster fits
the scale set's ``userData`` (64 KB), and that the subnet holds the pools at their
peak. The subscription's vCPU quota is checked where it is known (``dsvmctl plan``
and the emulator), against the pools' peak capacity (``quota_needs``).
"""

from __future__ import annotations

import ipaddress
import re
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from azurefacts import clock
from azurefacts.quotas import Need
from azurefacts.sizes import VM_SIZES
from stacks.config.base import PROJECT, PROJECT_DIR, ConfigError, Model, PathError
from stacks.config.idle_stop import IdleStopConfig, IdleStopOverride
from stacks.config.image import check_vm_size
from stacks.config.members import check_ssh_public_key, check_username
from stacks.config.os_disk import DiskUse, OsDiskOverride
from stacks.config.stack import BaseStackConfig
from stacks.config.storage import StorageConfig
from stacks.scale_out.agent import encode_roster
from stacks.scale_out.roster import Participant, RosterError, read_roster
from stacks.scale_out.schedule import Capacity, Event, ScheduleError, Weekly, profiles

MAX_POOLS = 5
USER_DATA_LIMIT = 65536  # base64 characters of a scale set's userData (Microsoft Learn, 'User data for Azure VMs')
# What the idle watcher's settings may add to the roster's userData: ~150 bytes of JSON, gzipped and base64-encoded
# (at most about 4/3 of it); kept free so a roster that fits still fits with them.
IDLE_SETTINGS_ROOM = 256


class AdminConfig(Model):
    """The teacher's account on every instance: sudo, SSH key only."""

    username: str = Field(description="Required. Admin user name on every instance (e.g. `teacher`).")
    ssh_public_key: str = Field(description="Required. The admin's OpenSSH public key.")

    @field_validator("username")
    @classmethod
    def _name(cls, value: str) -> str:
        return check_username(value)

    @field_validator("ssh_public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        return check_ssh_public_key(value)


class PoolConfig(Model):
    """One scale set: a size and how many instances run during the windows."""

    name: str = Field(description="Required. Pool name, 1-9 lowercase letters and digits (e.g. `cpu`, `gpu`).")
    vm_size: str = Field(default="Standard_D4s_v5", description="Optional. VM size of every instance.")
    capacity: int = Field(description="Required. Instances running from the start of each window (1-1000).")
    min_capacity: int | None = Field(
        default=None,
        description=(
            "Optional. Fewest instances during a window (idle instances leave, or CPU scale-in stops, here). "
            "Default: 1 with idle stop, else `capacity`."
        ),
    )
    max_capacity: int | None = Field(
        default=None,
        description="Optional. Most instances during a window (CPU scale-out stops here). Default: `capacity`.",
    )
    data_disk_gb: int | None = Field(
        default=None,
        ge=4,
        le=32767,
        description=(
            "Optional. An empty data disk per instance, GiB (deleted with it), of the pool's OS disk SKU "
            "(`os_disk.sku`)."
        ),
    )
    os_disk: OsDiskOverride | None = Field(
        default=None,
        description=(
            "Optional. The OS disk of this pool's instances: `sku` and/or `size_gb` (see OsDiskConfig); the keys "
            "left out are the stack's `os_disk`. A change updates the scale set's model: instances created from "
            "then on get it, running ones keep theirs."
        ),
    )
    idle_stop: IdleStopOverride | None = Field(
        default=None,
        description=(
            "Optional. This pool's idle stop: `false` opts out (CPU scale-in instead), a block overrides some keys "
            "of the stack's `idle_stop` (e.g. `{idle_minutes: 30}`). An idle instance leaves the pool (is "
            "deleted) while the pool is above `min_capacity`. Default: the stack's."
        ),
    )

    @field_validator("name")
    @classmethod
    def _pool_name(cls, value: str) -> str:
        if not re.match(r"^[a-z][a-z0-9]{0,8}$", value):
            raise ValueError(f"'{value}' is not a pool name: 1-9 lowercase letters and digits, starting with a letter")
        return value

    @field_validator("vm_size")
    @classmethod
    def _size(cls, value: str) -> str:
        return check_vm_size(value)

    def bounds(self, leaves_when_idle: bool) -> Capacity:
        """The pool's capacity during a window (minimum, default, maximum); without a ``min_capacity`` the
        minimum is 1 when idle instances leave the pool, else ``capacity``."""
        low = self.min_capacity if self.min_capacity is not None else (1 if leaves_when_idle else self.capacity)
        high = self.capacity if self.max_capacity is None else self.max_capacity
        return Capacity(low, self.capacity, high)


class ClassHoursConfig(Model):
    """A weekly window: the same hours on some days of every week."""

    days: tuple[str, ...] = Field(description="Required. Days of the week, e.g. `[Monday, Wednesday]`.")
    start: str = Field(description="Required. Start, `HH:MM` (24-hour), local to `schedule.time_zone`.")
    end: str = Field(
        description="Required. End, `HH:MM` (or `24:00`), after the start on the same day; a window that ends at "
        "`24:00` (or `23:59`) and one that starts at `00:00` the next day run as one."
    )


class EventConfig(Model):
    """A dated window, e.g. a hackathon weekend."""

    name: str = Field(description="Required. Event name: lowercase letters, digits, `-` (e.g. `hackathon`).")
    start: str = Field(description="Required. Start, `YYYY-MM-DD HH:MM`, local to `schedule.time_zone`.")
    end: str = Field(description="Required. End, `YYYY-MM-DD HH:MM`, after the start.")

    @field_validator("name")
    @classmethod
    def _event_name(cls, value: str) -> str:
        if not re.match(r"^[a-z0-9][a-z0-9-]{0,39}$", value):
            raise ValueError(f"'{value}' is not an event name: up to 40 lowercase letters, digits and '-'")
        return value


class ScheduleConfig(Model):
    """When the pools run; outside these windows they sleep at zero instances."""

    time_zone: str | None = Field(
        default=None,
        description="Required. Windows time zone id of every time below, e.g. `W. Europe Standard Time`.",
    )
    class_hours: tuple[ClassHoursConfig, ...] = Field(default=(), description="Optional. Weekly windows.")
    events: tuple[EventConfig, ...] = Field(default=(), description="Optional. Dated windows (at least one window).")

    def windows(self) -> tuple[list[Weekly], list[Event]]:
        """The windows as the profile arithmetic takes them."""
        return (
            [Weekly(tuple(w.days), w.start, w.end) for w in self.class_hours],
            [Event(e.name, e.start, e.end) for e in self.events],
        )


class RosterConfig(Model):
    """Who takes a seat: a CSV or YAML file of participants."""

    file: str = Field(
        description=(
            "Required. The roster, CSV (`username,ssh_public_key,email`) or YAML, relative to the project "
            "directory; 1-1,000 participants."
        )
    )
    passwords: bool = Field(
        default=False,
        description="Optional. Let participants without a key sign in over SSH with their generated password.",
    )


def project_dir(info: ValidationInfo | None = None) -> Path:
    """Where relative roster paths start: the project directory ``dsvmctl`` was given (``parse_config``'s
    ``project_dir``), else the nearest directory up from here with a Pulumi.yaml (where ``pulumi`` runs
    the program), else the current directory."""
    given = (info.context or {}).get(PROJECT_DIR) if info is not None else None
    if given is not None:
        return Path(given).resolve()
    here = Path.cwd().resolve()
    return next((d for d in (here, *here.parents) if (d / "Pulumi.yaml").is_file()), here)


class ScaleOutStackConfig(BaseStackConfig):
    """`scale_out`: classes and hackathons on Flexible scale sets that sleep at zero outside their windows."""

    kind: Literal["scale_out"] = Field(description="Required. `scale_out`.")
    storage: StorageConfig = Field(default_factory=StorageConfig, description="Optional. Shared storage account.")
    admin: AdminConfig = Field(description="Required. The teacher's admin account on every instance.")
    pools: tuple[PoolConfig, ...] = Field(
        min_length=1, max_length=MAX_POOLS, description="Required. The scale sets (1-5), e.g. a CPU and a GPU pool."
    )
    schedule: ScheduleConfig = Field(description="Required. Class hours and events; zero instances outside them.")
    roster: RosterConfig = Field(description="Required. The participants (see RosterConfig).")
    _participants: tuple[Participant, ...] = PrivateAttr(default=())

    @property
    def participants(self) -> tuple[Participant, ...]:
        """The roster's participants, in file order."""
        return self._participants

    def vm_sizes(self) -> list[str]:
        return [pool.vm_size for pool in self.pools]

    def idle_stop_overrides(self) -> list[tuple[str, object]]:
        return [(f"pools[{i}]", pool.idle_stop) for i, pool in enumerate(self.pools)]

    def connections(self) -> int:
        return len(self.participants)

    def disk_uses(self) -> list[DiskUse]:
        """Each pool (its per-instance data disk takes the pool's OS disk SKU: checked with it)."""
        return [DiskUse(f"pools[{i}]", p.os_disk, ((f"pools[{i}].vm_size", p.vm_size),))
                for i, p in enumerate(self.pools)]  # fmt: skip

    def pool_idle_stop(self, pool: PoolConfig) -> IdleStopConfig:
        """A pool's idle stop settings: the stack's merged with the pool's own."""
        return self.idle_stop.merged(pool.idle_stop)

    def pool_bounds(self, pool: PoolConfig) -> Capacity:
        """A pool's capacity during a window, with its idle stop settled (``PoolConfig.bounds``)."""
        return pool.bounds(self.pool_idle_stop(pool).enabled)

    def quota_needs(self, mode: str = "current") -> list[Need]:
        """Each pool at its peak (``max_capacity`` instances): what a window may take of the quotas."""
        return [Need(p.vm_size, count=self.pool_bounds(p).maximum) for p in self.pools if p.vm_size in VM_SIZES]

    def quota_keys(self, quotas: set[str]) -> list[str]:
        """Each pool whose peak counts against one of ``quotas``: its ``max_capacity`` (or ``capacity``)."""
        return [
            f"{PROJECT}:pools[{i}].{'capacity' if p.max_capacity is None else 'max_capacity'}"
            for i, p in enumerate(self.pools)
            if p.vm_size in VM_SIZES and ({"Total Regional", VM_SIZES[p.vm_size].quota_family} & quotas)
        ]

    def warnings(self, today: date | None = None) -> list[str]:
        today = today or clock.today()
        found = super().warnings(today)
        for event in self.schedule.events:
            if datetime.fromisoformat(event.end.replace(" ", "T")[:16]).date() < today:
                found.append(f"event {event.name} ended on {event.end[:10]}: remove it, or the pools never run for it")
        crowding = self.crowding()
        if crowding:
            found.append(crowding)
        return found

    def crowding(self) -> str | None:
        """A first pool (where the seats are) too small for its roster: more participants on an instance than it
        has vCPUs, as the window starts (the seats spread over ``capacity`` instances)."""
        pool = self.pools[0]
        size = VM_SIZES.get(pool.vm_size)
        if size is None or not self.participants:
            return None
        per_instance = -(-len(self.participants) // pool.capacity)  # ceiling
        if per_instance <= size.vcpus:
            return None
        wanted = -(-len(self.participants) // size.vcpus)
        return (
            f"pools[0] ({pool.name}) starts each window with {pool.capacity} x {pool.vm_size} ({size.vcpus} vCPUs) "
            f"for {len(self.participants)} participants: {per_instance} share an instance, more than one per vCPU; "
            f"raise dsvm:pools[0].capacity to {wanted} or more, or pick a larger size"
        )

    @model_validator(mode="after")
    def _scale_out(self, info: ValidationInfo) -> ScaleOutStackConfig:
        if self.is_windows:
            raise PathError("image.os", "scale_out seats participants with cloud-init: use an ubuntu image")
        if "auto_shutdown" in self.model_fields_set:
            raise PathError(
                "auto_shutdown",
                "scale sets sleep by their schedule (DevTest Labs shutdown schedules target VMs, not scale sets); "
                "remove auto_shutdown and set schedule",
            )
        names = [pool.name for pool in self.pools]
        for i, pool in enumerate(self.pools):
            if names.index(pool.name) != i:
                raise PathError(f"pools[{i}].name", f"'{pool.name}' appears twice; pool names must be unique")
        weekly, events = self.schedule.windows()
        try:
            for i, pool in enumerate(self.pools):
                profiles(weekly, events, self.schedule.time_zone, self.pool_bounds(pool), f"pools[{i}]")
        except ScheduleError as error:
            raise PathError(error.path, str(error)) from None
        self._check_subnet()
        self._participants = self._read_roster(project_dir(info))
        return self

    def _check_subnet(self) -> None:
        subnet = ipaddress.IPv4Network(self.network.workstation_subnet)
        room = subnet.num_addresses - 5  # Azure reserves 5 addresses of every subnet
        peak = sum(self.pool_bounds(pool).maximum for pool in self.pools)
        if peak > room:
            prefix = 32 - (peak + 5 - 1).bit_length()
            raise PathError(
                "network.workstation_subnet",
                f"{subnet} has room for {room} instances (Azure reserves 5 addresses) and the pools peak at {peak}; "
                f"use a /{prefix} or larger, or lower max_capacity",
            )

    def _read_roster(self, directory: Path) -> tuple[Participant, ...]:
        key = f"{PROJECT}:roster"
        given = Path(self.roster.file)
        path = given if given.is_absolute() else directory / given
        if path.is_dir():
            raise ConfigError([(
                f"{key}.file",
                f"{self.roster.file} is a directory ({path}); give the roster file in it (a .csv or .yaml file)",
            )])  # fmt: skip
        if not path.is_file():
            raise ConfigError([(
                f"{key}.file",
                f"{self.roster.file} does not exist (looked in {path.parent}); give the path of the roster "
                "(CSV or YAML) relative to the directory of Pulumi.yaml",
            )])  # fmt: skip
        try:
            participants = read_roster(path, self.roster.passwords, self.admin.username)
        except RosterError as error:
            raise ConfigError([(key, f"{self.roster.file} {problem}") for problem in error.problems]) from None
        except (OSError, UnicodeDecodeError) as error:
            reason = error.reason if isinstance(error, UnicodeDecodeError) else error.strerror or str(error)
            raise ConfigError([(f"{key}.file", f"{self.roster.file} cannot be read ({reason}); save it as UTF-8 "
                                               "text")]) from None  # fmt: skip
        size = len(encode_roster([self.seat_record(p) for p in participants])) + IDLE_SETTINGS_ROOM
        if size > USER_DATA_LIMIT:
            raise ConfigError([(
                key,
                f"{self.roster.file}: the roster takes {size:,} characters of the scale set's userData and Azure "
                f"allows {USER_DATA_LIMIT:,}: ask participants with RSA keys for ed25519 keys (ssh-keygen -t "
                "ed25519), or give them passwords (roster.passwords: true, key left empty), or split the roster",
            )])  # fmt: skip
        return participants

    def seat_record(self, participant: Participant) -> dict[str, object]:
        """A participant as the instances read them (``stacks.scale_out.agent.encode_roster``)."""
        return {
            "username": participant.username,
            "ssh_public_key": participant.ssh_public_key,
            "password_ssh": participant.ssh_public_key is None,
        }
