"""Subscription vCPU quotas: per VM family and the regional total, per region.

Profiles: ``free`` (Microsoft Learn, 'Azure free account FAQ': 4 vCPUs per
region, no GPU sizes), ``payg`` (a pay-as-you-go subscription after typical
quota requests; GPU families stay at what the profile lists). Family names are
the usage API's (``az vm list-usage``), compared ignoring case.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from azurefacts.sizes import VM_SIZES


@dataclass(frozen=True)
class QuotaProfile:
    """vCPU quotas of a subscription: per VM family and in total, per region."""

    name: str
    total_regional_vcpus: int
    family_vcpus: dict[str, int] = field(default_factory=dict)
    default_family_vcpus: int = 0
    low_priority_vcpus: int = 0
    description: str = ""

    def family_limit(self, family: str) -> int:
        folded = {k.lower(): v for k, v in self.family_vcpus.items()}
        return folded.get(family.lower(), self.default_family_vcpus)


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
        dict.fromkeys(_GPU_FAMILIES, 48),
        default_family_vcpus=1200,
        low_priority_vcpus=100,
        description="pay-as-you-go subscription with raised quotas (default for offline plans)",
    ),
}
