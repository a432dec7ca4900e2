"""Subscription vCPU quotas: per VM family, in total, and for Spot, per region.

Profiles: ``free`` (Microsoft Learn, 'Azure free account FAQ': 4 vCPUs per
region, no GPU sizes) and ``payg`` (a pay-as-you-go subscription after typical
CPU quota requests; GPU families stay at 0, as on a new subscription, until
raised: Microsoft Learn, 'Increase VM-family vCPU quotas'). A profile can also be
read from what ``az vm list-usage --location REGION -o json`` prints
(``profile_from_usage``): each family's limit minus its current usage is what a
stack may still use. Family names are the usage API's (``name.value``), compared
ignoring case; ``cores`` is the regional total and ``lowPriorityCores`` the
Spot (low-priority) total.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from azurefacts.sizes import VM_SIZES

USAGE_SOURCE = "Microsoft Learn, 'Check vCPU quotas using the Azure CLI' (az vm list-usage)"


@dataclass(frozen=True)
class QuotaProfile:
    """vCPU quotas of a subscription: per VM family, in total, and for Spot, per region."""

    name: str
    total_regional_vcpus: int
    family_vcpus: dict[str, int] = field(default_factory=dict)
    default_family_vcpus: int = 0
    low_priority_vcpus: int = 0
    description: str = ""

    def family_limit(self, family: str) -> int:
        folded = {k.lower(): v for k, v in self.family_vcpus.items()}
        return folded.get(family.lower(), self.default_family_vcpus)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "totalRegionalVcpus": self.total_regional_vcpus,
            "familyVcpus": dict(sorted(self.family_vcpus.items())),
            "defaultFamilyVcpus": self.default_family_vcpus,
            "lowPriorityVcpus": self.low_priority_vcpus,
            "description": self.description,
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
        )


class UsageError(ValueError):
    """An ``az vm list-usage`` document that cannot be read."""


def profile_from_usage(name: str, items: Sequence[Mapping[str, Any]]) -> QuotaProfile:
    """A profile from ``az vm list-usage -o json``: what is left of each limit (limit - current usage).

    Families the document does not list have no quota (0), as in Azure.
    """
    left: dict[str, int] = {}
    for i, item in enumerate(items):
        raw = item.get("name")
        key = raw.get("value") if isinstance(raw, Mapping) else raw
        try:
            left[str(key)] = int(item["limit"]) - int(item.get("currentValue", 0))
        except (KeyError, TypeError, ValueError) as error:
            raise UsageError(f"item {i}: needs name.value, limit and currentValue as numbers ({error})") from None
    folded = {k.lower(): v for k, v in left.items()}
    if "cores" not in folded:
        raise UsageError("no 'cores' (Total Regional vCPUs) item: is this `az vm list-usage -o json` output?")
    families = {k: v for k, v in left.items() if k.lower() not in ("cores", "lowprioritycores")}
    return QuotaProfile(
        name=name,
        total_regional_vcpus=folded["cores"],
        family_vcpus=families,
        default_family_vcpus=0,
        low_priority_vcpus=folded.get("lowprioritycores", 0),
        description=f"read from {name} ({USAGE_SOURCE})",
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
    """A quota the needs exceed: which one, its limit, what is used already, what more is asked."""

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


def shortfalls(profile: QuotaProfile, needs: Sequence[Need], used: Sequence[Need] = ()) -> list[Shortfall]:
    """The quotas ``needs`` exceed on top of ``used``: regular VMs count against their family and
    the regional total, Spot VMs against the regional low-priority total (Microsoft Learn, 'Azure
    Spot Virtual Machines': Spot has its own regional vCPU quota)."""
    found = []
    families = sorted({VM_SIZES[n.size].quota_family for n in needs if not n.spot})
    for family in families:
        want = sum(n.vcpus for n in needs if not n.spot and VM_SIZES[n.size].quota_family == family)
        have = sum(n.vcpus for n in used if not n.spot and VM_SIZES[n.size].quota_family == family)
        if have + want > profile.family_limit(family):
            found.append(Shortfall(family, profile.family_limit(family), have, want))
    regular = sum(n.vcpus for n in needs if not n.spot)
    regular_used = sum(n.vcpus for n in used if not n.spot)
    if regular and regular_used + regular > profile.total_regional_vcpus:
        found.append(Shortfall("Total Regional", profile.total_regional_vcpus, regular_used, regular))
    spot = sum(n.vcpus for n in needs if n.spot)
    spot_used = sum(n.vcpus for n in used if n.spot)
    if spot and spot_used + spot > profile.low_priority_vcpus:
        found.append(Shortfall("Low-priority", profile.low_priority_vcpus, spot_used, spot))
    return found
