"""Subscription vCPU quotas: per VM family, in total, and for Spot, per region.

Profiles: ``free`` (Microsoft Learn, 'Azure free account FAQ': 4 vCPUs per
region, no GPU sizes) and ``payg`` (a pay-as-you-go subscription after typical
CPU quota requests; GPU families stay at 0, as on a new subscription, until
raised: Microsoft Learn, 'Increase VM-family vCPU quotas'). A profile can also be
read from what ``az vm list-usage --location REGION -o json`` prints
(``profile_from_usage``): each quota's ``limit`` and its ``currentValue`` (what the
subscription already uses outside the stack), kept apart, so a shortfall reports the
real limit and usage as Azure's QuotaExceeded does. Family names are the usage API's (``name.value``), compared
ignoring case; ``cores`` is the regional total and ``lowPriorityCores`` the
Spot (low-priority) total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from azurefacts.sizes import VM_SIZES

USAGE_SOURCE = "Microsoft Learn, 'Check vCPU quotas using the Azure CLI' (az vm list-usage)"


TOTAL, LOW_PRIORITY = "Total Regional", "Low-priority"


@dataclass(frozen=True)
class QuotaProfile:
    """vCPU quotas of a subscription in a region: the limits per VM family, in total and for Spot, and
    what is in use already (``*_usage``: outside the stack being planned; 0 for the named profiles)."""

    name: str
    total_regional_vcpus: int
    family_vcpus: dict[str, int] = field(default_factory=dict)
    default_family_vcpus: int = 0
    low_priority_vcpus: int = 0
    description: str = ""
    family_usage: dict[str, int] = field(default_factory=dict)
    total_regional_usage: int = 0
    low_priority_usage: int = 0

    def family_limit(self, family: str) -> int:
        folded = {k.lower(): v for k, v in self.family_vcpus.items()}
        return folded.get(family.lower(), self.default_family_vcpus)

    def limit(self, quota: str) -> int:
        """The limit of a family, ``Total Regional`` or ``Low-priority``."""
        if quota == TOTAL:
            return self.total_regional_vcpus
        if quota == LOW_PRIORITY:
            return self.low_priority_vcpus
        return self.family_limit(quota)

    def usage(self, quota: str) -> int:
        """What the subscription uses of a quota already (the usage file's ``currentValue``)."""
        if quota == TOTAL:
            return self.total_regional_usage
        if quota == LOW_PRIORITY:
            return self.low_priority_usage
        return {k.lower(): v for k, v in self.family_usage.items()}.get(quota.lower(), 0)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "totalRegionalVcpus": self.total_regional_vcpus,
            "familyVcpus": dict(sorted(self.family_vcpus.items())),
            "defaultFamilyVcpus": self.default_family_vcpus,
            "lowPriorityVcpus": self.low_priority_vcpus,
            "description": self.description,
            "familyUsage": dict(sorted(self.family_usage.items())),
            "totalRegionalUsage": self.total_regional_usage,
            "lowPriorityUsage": self.low_priority_usage,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> QuotaProfile:
        return cls(
            name=str(data["name"]),
            total_regional_vcpus=int(data["totalRegionalVcpus"]),
            family_vcpus={str(k): int(v) for k, v in dict(data.get("familyVcpus") or {}).items()},
            default_family_vcpus=int(data.get("defaultFamilyVcpus", 0)),
            low_priority_vcpus=int(data.get("lowPriorityVcpus", 0)),
            description=str(data.get("description", "")),
            family_usage={str(k): int(v) for k, v in dict(data.get("familyUsage") or {}).items()},
            total_regional_usage=int(data.get("totalRegionalUsage", 0)),
            low_priority_usage=int(data.get("lowPriorityUsage", 0)),
        )


class UsageError(ValueError):
    """An ``az vm list-usage`` document that cannot be read."""


def profile_from_usage(name: str, items: Sequence[Mapping[str, Any]]) -> QuotaProfile:
    """A profile from ``az vm list-usage -o json``: each quota's ``limit`` and ``currentValue``.

    Families the document does not list have no quota (0), as in Azure.
    """
    limits: dict[str, int] = {}
    usage: dict[str, int] = {}
    for i, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise UsageError(
                f"item {i} is {type(item).__name__} {str(item)[:40]!r}, not a quota (a mapping with name, limit and "
                "currentValue); pass what `az vm list-usage --location REGION -o json` prints, unchanged"
            )
        raw = item.get("name")
        key = str(raw.get("value") if isinstance(raw, Mapping) else raw)
        try:
            limits[key], usage[key] = int(item["limit"]), int(item.get("currentValue", 0))
        except (KeyError, TypeError, ValueError):
            given = {"limit": item.get("limit", "missing"), "currentValue": item.get("currentValue", 0)}
            raise UsageError(
                f"item {i} ({key}): needs name.value, limit and currentValue as whole numbers (limit "
                f"{given['limit']!r}, currentValue {given['currentValue']!r}); pass what `az vm list-usage "
                "--location REGION -o json` prints, unchanged"
            ) from None
    folded = {k.lower(): k for k in limits}
    if "cores" not in folded:
        raise UsageError("no 'cores' (Total Regional vCPUs) item: is this `az vm list-usage -o json` output?")
    spot = folded.get("lowprioritycores")
    families = [k for k in limits if k.lower() not in ("cores", "lowprioritycores")]
    return QuotaProfile(
        name=name,
        total_regional_vcpus=limits[folded["cores"]],
        family_vcpus={k: limits[k] for k in families},
        default_family_vcpus=0,
        low_priority_vcpus=limits[spot] if spot else 0,
        description=f"read from {name} ({USAGE_SOURCE})",
        family_usage={k: usage[k] for k in families if usage[k]},
        total_regional_usage=usage[folded["cores"]],
        low_priority_usage=usage[spot] if spot else 0,
    )


_GPU_FAMILIES = sorted({s.quota_family for s in VM_SIZES.values() if s.is_gpu})

QUOTA_PROFILES: dict[str, QuotaProfile] = {
    "free": QuotaProfile(
        "free",
        4,
        dict.fromkeys(_GPU_FAMILIES, 0),
        default_family_vcpus=4,
        description="Azure free account: 4 vCPUs per region, no GPU sizes",
    ),
    "payg": QuotaProfile(
        "payg",
        1500,
        dict.fromkeys(_GPU_FAMILIES, 0),
        default_family_vcpus=1200,
        low_priority_vcpus=100,
        description="pay-as-you-go subscription with raised CPU quotas; GPU families at 0 until raised",
    ),
}


def load_profile(value: str) -> QuotaProfile:
    """A named profile (``free``, ``payg``), or one read from an ``az vm list-usage -o json`` file."""
    import json
    from pathlib import Path

    if value in QUOTA_PROFILES:
        return QUOTA_PROFILES[value]
    path = Path(value)
    if not path.is_file():
        raise UsageError(f"'{value}' is neither a quota profile ({', '.join(sorted(QUOTA_PROFILES))}) nor a file")
    try:
        items = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UsageError(f"{path}: not readable as JSON ({error})") from None
    if not isinstance(items, list):
        raise UsageError(f"{path}: expected the list `az vm list-usage -o json` prints")
    try:
        return profile_from_usage(str(path), items)
    except UsageError as error:
        raise UsageError(f"{path}: {error}") from None


@dataclass(frozen=True)
class Need:
    """vCPUs of one VM (or ``count`` instances of one size) a stack needs, regular or Spot."""

    size: str
    spot: bool = False
    count: int = 1

    @property
    def vcpus(self) -> int:
        return VM_SIZES[self.size].vcpus * self.count


@dataclass(frozen=True)
class Shortfall:
    """A quota the needs exceed: which one, its limit, what is used already (by the subscription and the
    VMs counted with it), what more is asked."""

    quota: str  # a family name, "Total Regional" or "Low-priority"
    limit: int
    usage: int
    required: int

    def message(self, location: str) -> str:
        """Azure's QuotaExceeded wording."""
        return (
            f"Operation could not be completed as it results in exceeding approved {self.quota} Cores quota. "
            f"Location: {location}, Current Limit: {self.limit}, Current Usage: {self.usage}, Additional "
            f"Required: {self.required}, (Minimum) New Limit Required: {self.usage + self.required}. Submit a "
            "request for Quota increase."
        )

    @property
    def headroom(self) -> int:
        """What is left of the limit before the request."""
        return max(self.limit - self.usage, 0)


def shortfalls(profile: QuotaProfile, needs: Sequence[Need], used: Sequence[Need] = ()) -> list[Shortfall]:
    """The quotas ``needs`` exceed on top of ``used``: regular VMs count against their family and
    the regional total, Spot VMs against the regional low-priority total (Microsoft Learn, 'Azure
    Spot Virtual Machines': Spot has its own regional vCPU quota)."""
    wanted, have = per_quota(needs), per_quota(used)
    found = []
    for quota in [*sorted(q for q in wanted if q not in (TOTAL, LOW_PRIORITY)), TOTAL, LOW_PRIORITY]:
        if not wanted.get(quota):
            continue
        usage = profile.usage(quota) + have.get(quota, 0)
        if usage + wanted[quota] > profile.limit(quota):
            found.append(Shortfall(quota, profile.limit(quota), usage, wanted[quota]))
    return found


def per_quota(needs: Sequence[Need]) -> dict[str, int]:
    """The vCPUs ``needs`` take of each quota: a regular VM of its family and of ``Total Regional``, a Spot VM of
    ``Low-priority`` only."""
    found: dict[str, int] = {}
    for need in needs:
        quotas = [LOW_PRIORITY] if need.spot else [VM_SIZES[need.size].quota_family, TOTAL]
        for quota in quotas:
            found[quota] = found.get(quota, 0) + need.vcpus
    return found
