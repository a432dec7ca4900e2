"""Pay only for work: idle stop on every VM (a member's or rig's own override) and the stack's budget.

Idle stop: a watcher on each VM (``components/scripts/dsvm_idle_watch.py``, every 5 minutes) deallocates
the VM once every sign of use (sessions, Jupyter kernels, CPU, GPU) has been quiet for ``idle_minutes``;
its settings reach the VM in ``userData``, which Azure updates in place, so tuning them never replaces a
VM. ``active_hours_per_week`` is no setting of the VM: it is the cost estimate's assumption of how long
the member really works on it (docs/COSTS.md).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from pydantic import Field, ValidationInfo, field_validator, model_validator

from azurefacts import clock
from stacks.config.base import PROMOTED, Model, PathError

MIN_IDLE_MINUTES = 15  # the watcher checks every 5 minutes, the first time 10 minutes after boot
MAX_IDLE_MINUTES = 24 * 60
DEFAULT_ACTIVE_HOURS_PER_WEEK = 25.0
MAX_MONTHS_AHEAD = 12  # Microsoft Learn, 'Budgets - Create Or Update': future start dates within twelve months
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
# How the offline plan sees a `secure:` value (dsvmctl/project.py): its text is unknown, so a secret
# owner counts as an address (under `pulumi up` the program sees the real value).
OPAQUE_SECRET = "[secret]"


def check_idle_minutes(value: int) -> int:
    if not MIN_IDLE_MINUTES <= value <= MAX_IDLE_MINUTES:
        raise ValueError(
            f"{value} minutes is outside {MIN_IDLE_MINUTES}-{MAX_IDLE_MINUTES} (24 hours): below "
            f"{MIN_IDLE_MINUTES} a VM would stop between two checks of a short pause, above a day it never "
            "stops; set idle_minutes to e.g. 60"
        )
    return value


def check_percent(value: float) -> float:
    if not 0 <= value <= 100:
        raise ValueError(f"{value:g} is not a percentage: give 0-100 (e.g. 10: busy from 10 % utilisation)")
    return value


def check_warn_minutes(value: int) -> int:
    if value < 0:
        raise ValueError(f"{value} minutes is negative; give 0 (no warning) or e.g. 10")
    return value


def check_active_hours(value: float) -> float:
    if not 0 < value <= 168:
        raise ValueError(f"{value:g} is not hours in a week: give more than 0 and at most 168 (e.g. 25)")
    return value


_RANGES: dict[str, Any] = {
    "idle_minutes": check_idle_minutes, "warn_minutes": check_warn_minutes, "active_hours_per_week": check_active_hours,
}  # fmt: skip


class IdleStopConfig(Model):
    """Idle stop: each VM deallocates itself once it has been idle for `idle_minutes` (on by default).

    Installed by a VM extension (Linux: CustomScript; Windows: CustomScriptExtension), so it needs
    `osProfile.allowExtensionOperations: true` on the VMs that have it (docs/SECURITY.md); the VM's
    own identity gets a custom role that may only read and deallocate that VM. A deallocated VM bills
    its disks only; members start it again (`az vm start`, the portal). Applies to `team` members,
    `gpu_rig` rigs and `scale_out` pools; there an idle instance leaves its pool (is deleted, work in
    `~/work` is kept) while the pool is above `min_capacity`, installed by the instances' cloud-config
    (no extension), and the pool's identity may only read its scale set and delete its instances.
    """

    enabled: bool = Field(
        default=True,
        description=(
            "Optional. Install the idle watcher on every VM (a member or rig may opt out). Default true. "
            "Turning it off on deployed VMs needs their extension deleted first (docs/COSTS.md)."
        ),
        json_schema_extra=PROMOTED,
    )
    idle_minutes: int = Field(
        default=60,
        description=(
            "Optional. Minutes every signal (sessions, Jupyter kernels, CPU, GPU) must be quiet before the VM "
            "deallocates itself, 15-1440. Default 60. Changing it updates the VMs' userData in place."
        ),
        json_schema_extra=PROMOTED,
    )
    warn_minutes: int = Field(
        default=10,
        description=(
            "Optional. Minutes before the stop that logged-in users are warned (`wall`; `msg` on Windows); "
            "0: no warning. Less than `idle_minutes`. Default 10."
        ),
        json_schema_extra=PROMOTED,
    )
    cpu_percent: float = Field(
        default=10,
        description="Optional. CPU use of the whole VM from which it counts as busy, 0-100. Default 10.",
        json_schema_extra=PROMOTED,
    )
    gpu_percent: float = Field(
        default=5,
        description="Optional. Utilisation of any GPU from which it counts as busy, 0-100. Default 5.",
        json_schema_extra=PROMOTED,
    )
    active_hours_per_week: float = Field(
        default=DEFAULT_ACTIVE_HOURS_PER_WEEK,
        description=(
            "Optional. Cost estimate only (never sent to Azure): the hours a week a member really works on "
            "the VM (logged in, a kernel busy, a job running). Default 25 (about 5 hours a workday); the "
            "estimate adds `idle_minutes` after each workday's session (docs/COSTS.md)."
        ),
    )

    @field_validator("idle_minutes", "warn_minutes", "cpu_percent", "gpu_percent", "active_hours_per_week")
    @classmethod
    def _ranges(cls, value: Any, info: ValidationInfo) -> Any:
        return _RANGES.get(str(info.field_name), check_percent)(value)

    @model_validator(mode="after")
    def _warn_before_stop(self) -> IdleStopConfig:
        problem = warn_problem(self.warn_minutes, self.idle_minutes)
        if problem:
            raise PathError("warn_minutes", problem)
        return self

    def merged(self, own: bool | IdleStopOverride | None) -> IdleStopConfig:
        """The settings of one VM: the stack's, switched off by ``false`` or overridden key by key."""
        if own is None:
            return self
        if isinstance(own, bool):
            return self.model_copy(update={"enabled": own})
        given = {k: v for k, v in own.model_dump().items() if v is not None}
        return self.model_copy(update=given)


def warn_problem(warn_minutes: int, idle_minutes: int) -> str | None:
    if warn_minutes >= idle_minutes:
        return (
            f"the warning ({warn_minutes} min) must come before the stop ({idle_minutes} idle minutes); "
            "set warn_minutes below idle_minutes, or 0 for no warning"
        )
    return None


class IdleStopOverride(Model):
    """A member's or rig's own idle stop settings: any key of `idle_stop`; the others are the stack's.
    `false` (or `true`) alone stands for `{enabled: false}` (or `true`)."""

    enabled: bool | None = Field(default=None, description="Optional. `false`: no idle stop on this VM.")
    idle_minutes: int | None = Field(default=None, description="Optional. 15-1440.")
    warn_minutes: int | None = Field(default=None, description="Optional. Less than `idle_minutes`; 0: none.")
    cpu_percent: float | None = Field(default=None, description="Optional. 0-100.")
    gpu_percent: float | None = Field(default=None, description="Optional. 0-100.")
    active_hours_per_week: float | None = Field(default=None, description="Optional. Cost estimate only; 0-168.")

    @model_validator(mode="before")
    @classmethod
    def _switch(cls, value: Any) -> Any:
        return {"enabled": value} if isinstance(value, bool) else value

    @field_validator("idle_minutes", "warn_minutes", "cpu_percent", "gpu_percent", "active_hours_per_week")
    @classmethod
    def _ranges(cls, value: Any, info: ValidationInfo) -> Any:
        return value if value is None else _RANGES.get(str(info.field_name), check_percent)(value)


OWN_IDLE_STOP_DESCRIPTION = (
    "Optional. This VM's idle stop: `false` opts out, `true` follows the stack's `idle_stop`, a block "
    "overrides some of its keys (e.g. `{idle_minutes: 120}`). Default: the stack's."
)


class BudgetConfig(Model):
    """A monthly cost budget on the stack's resource group (Azure Cost Management), free of charge.

    Alerts by e-mail at 80 % and 100 % of the amount actually spent and at 110 % forecast, to the
    stack's owner (when `dsvm:owner` is an e-mail address) and `contacts`. `dsvmctl plan` warns
    when the amount is below the cost estimate and suggests the estimate plus 30 %.
    """

    amount: float = Field(
        description=(
            "Required. The monthly amount, in the billing account's currency (the estimate is in USD). Start "
            "from `dsvmctl plan`'s estimate plus 30 % headroom."
        )
    )
    contacts: tuple[str, ...] = Field(
        default=(),
        description=(
            "Conditional (required when `dsvm:owner` is not an e-mail address). More e-mail addresses to alert."
        ),
    )
    start_date: date | None = Field(
        default=None,
        description=(
            "Optional. First day of the first budget month (`YYYY-MM-01`). Default: the first of the month the "
            "budget is created in, kept afterwards (Azure refuses a start in an earlier month)."
        ),
    )

    @field_validator("amount")
    @classmethod
    def _amount(cls, value: float) -> float:
        if value <= 0:
            raise ValueError(f"{value} is not an amount: give the monthly budget, more than 0 (e.g. 500)")
        return value

    @field_validator("contacts")
    @classmethod
    def _contacts(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if not _EMAIL.match(address):
                raise ValueError(f"'{address}' is not an e-mail address; give one address per entry")
        return value

    @field_validator("start_date")
    @classmethod
    def _start(cls, value: date | None) -> date | None:
        if value is not None and value.day != 1:
            raise ValueError(f"{value} is not the first of a month: Azure budgets start on one (e.g. "
                             f"{value.replace(day=1)})")  # fmt: skip
        today = clock.today()
        if value is not None and (value.year - today.year) * 12 + value.month - today.month > MAX_MONTHS_AHEAD:
            raise ValueError(
                f"{value} is more than {MAX_MONTHS_AHEAD} months ahead, which Azure refuses ('Budgets - Create Or "
                "Update': a future start is at most twelve months away); pick a nearer month, or leave it out"
            )
        return value

    def start_warning(self, today: date) -> str | None:
        """A pinned start before this month: Azure refuses it for a new budget (a deployed one keeps it)."""
        if self.start_date is None or self.start_date >= today.replace(day=1):
            return None
        return (
            f"dsvm:budget.start_date {self.start_date} is before this month: Azure refuses that start for a new "
            "budget (a deployed budget keeps its start); leave start_date out (a new budget then starts this month, "
            "a deployed one keeps its own) or set a month from this one on"
        )


def is_email(text: str) -> bool:
    return bool(_EMAIL.match(text)) or text == OPAQUE_SECRET


def budget_contacts(owner: str, budget: BudgetConfig) -> list[str]:
    """Who a budget alerts: the owner (an e-mail address) and the contacts, each once."""
    found: list[str] = []
    for address in ([owner] if is_email(owner) else []) + list(budget.contacts):
        if address.lower() not in (a.lower() for a in found):
            found.append(address)
    return found


def check_cost_controls(
    owner: str, idle_stop: IdleStopConfig, budget: BudgetConfig | None, own: list[tuple[str, Any]]
) -> None:
    """Raise ``PathError`` for a budget nobody hears of, or a VM whose merged settings warn after they stop."""
    if budget is not None and not budget_contacts(owner, budget):
        raise PathError(
            "budget.contacts",
            f"a budget alerts by e-mail and dsvm:owner '{owner}' is not an e-mail address; list at least one "
            "address in budget.contacts (e.g. [finops@contoso.com])",
        )
    for path, override in own:
        if isinstance(override, IdleStopOverride):
            merged = idle_stop.merged(override)
            problem = warn_problem(merged.warn_minutes, merged.idle_minutes)
            if problem:
                key = "warn_minutes" if override.warn_minutes is not None else "idle_minutes"
                raise PathError(f"{path}.idle_stop.{key}", problem)
