"""The cost table of docs/COSTS.md: monthly cost and always-on share per access profile and disk tier, for
teams of 2, 10 and 30 members, made by the real plan.

Each row (an access profile with one disk tier for the OS and data disks) is a team config generated from
the dev stack file (its size, image, schedule and idle stop; ``LOCATION``, where every profile is offered;
identical members with the default 128 GiB data disk). The row is planned twice, with one member and with
two (``make_plan``, as ``dsvmctl plan`` does), and its unrounded totals (``costs.estimate.totals``) split
into what the stack bills once (Bastion, its public IP, storage) and what each member adds (VM hours with
idle stop, OS and data disk, a public IP in the allow-list profile): identical members bill identically, so
a team of ``n`` costs ``once + n x each``. The tests plan real teams of 10 and 30 and compare, so the table
cannot drift from the plan; 30 plans of one or two members keep it a few seconds.

``python -m dsvmctl.cost_table`` rewrites the table between the markers in docs/COSTS.md
(``--check``: exit 1 when it is stale).
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dsvmctl.change_matrix import decoded, with_config
from dsvmctl.project import read_stack

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "docs" / "COSTS.md"
START, END = "<!-- cost-table:start -->", "<!-- cost-table:end -->"
BASE_STACK = "dev"
LOCATION = "northeurope"  # offers every profile, the Developer Bastion included (azurefacts/bastion.py)
TEAM_SIZES = (2, 10, 30)
HUB = "/subscriptions/00000000-0000-4000-8000-000000000001/resourceGroups/rg-hub/providers/Microsoft.Network/" + (
    "bastionHosts/hub"
)

Config = dict[str, Any]


@dataclass(frozen=True)
class Profile:
    """How members get in, as the table's first column names it, and its ``dsvm:access``."""

    label: str
    access: dict[str, Any]


PROFILES = (
    Profile("own Standard Bastion (native client, tunnels)", {"mode": "bastion"}),
    Profile("own Basic Bastion (portal only)", {"mode": "bastion", "bastion_sku": "Basic"}),
    Profile("own Developer Bastion (free; portal only, one connection at a time)",
            {"mode": "bastion", "bastion_sku": "Developer"}),
    Profile("shared hub Bastion (billed to the hub)",
            {"mode": "bastion", "existing_bastion_resource_id": HUB, "existing_bastion_subnet": "10.0.255.0/26"}),
    Profile("allow-list + a public IP per VM (no Bastion)",
            {"mode": "allowlist", "allowed_cidrs": ["203.0.113.0/24"], "public_ip_enabled": True}),
)  # fmt: skip
TIERS = (("Premium SSD", "Premium_LRS"), ("Standard SSD", "StandardSSD_LRS"), ("Standard HDD", "Standard_LRS"))


@dataclass(frozen=True)
class Row:
    """One profile and tier: what the stack bills once and per member (monthly and always-on, unrounded)."""

    profile: str
    tier: str
    once: tuple[float, float]
    each: tuple[float, float]

    def cost(self, members: int) -> tuple[float, float]:
        """(monthly, always-on) of a team of ``members``."""
        return self.once[0] + members * self.each[0], self.once[1] + members * self.each[1]

    def share(self, members: int) -> float:
        """``cost.idleStop.stackShareOfAlwaysOn`` of that team (as the plan rounds it)."""
        monthly, always_on = self.cost(members)
        return round(monthly / always_on, 4)


def team_config(base: Config, access: dict[str, Any], sku: str, members: int) -> Config:
    """The dev stack's config with this access profile, disk tier and ``members`` identical members."""
    config = copy.deepcopy(base)
    config.pop("dsvm:budget", None)  # the dev stack's amount is its own; a budget is free either way
    config["azure-native:location"] = LOCATION
    config["dsvm:access"] = copy.deepcopy(access)
    config["dsvm:os_disk"] = {"sku": sku}
    key = base["dsvm:members"][0]["ssh_public_key"]
    config["dsvm:members"] = [
        {"username": f"m{i:02d}", "ssh_public_key": key, "data_disk": {"sku": sku}} for i in range(1, members + 1)
    ]
    return config


def plan_totals(config: Config, project_dir: Path = ROOT) -> tuple[float, float]:
    """The unrounded (monthly, always-on) of ``config`` as ``dsvmctl plan`` estimates it."""
    from costs.estimate import totals
    from dsvmctl.plan import make_plan

    stack_file = with_config(read_stack(project_dir, BASE_STACK), config)
    return totals(make_plan(project_dir, BASE_STACK, stack_file=stack_file, jobs=1).to_json()["resources"])


def base_config(project_dir: Path = ROOT) -> Config:
    return decoded(read_stack(project_dir, BASE_STACK))


def rows(project_dir: Path = ROOT) -> list[Row]:
    """Every profile with every tier, each planned with one member and with two."""
    base = base_config(project_dir)
    found = []
    for profile in PROFILES:
        for tier, sku in TIERS:
            one = plan_totals(team_config(base, profile.access, sku, 1), project_dir)
            two = plan_totals(team_config(base, profile.access, sku, 2), project_dir)
            each = (two[0] - one[0], two[1] - one[1])
            found.append(Row(profile.label, tier, (one[0] - each[0], one[1] - each[1]), each))
    return found


def render(computed: Sequence[Row]) -> str:
    """The table, between its markers."""
    head = " | ".join(f"{n} members" for n in TEAM_SIZES)
    lines = [
        START,
        "<!-- Generated by `python -m dsvmctl.cost_table` from the plans of dsvmctl/cost_table.py: do not edit by",
        "     hand (a test fails when it is stale). -->",
        "",
        f"| access | OS and data disks | {head} |",
        "| --- | --- |" + " ---: |" * len(TEAM_SIZES),
    ]
    for r in computed:
        cells = " | ".join(f"${r.cost(n)[0]:,.0f} ({r.share(n):.0%})" for n in TEAM_SIZES)
        lines.append(f"| {r.profile} | {r.tier} | {cells} |")
    lines.append(END)
    return "\n".join(lines)


def updated(text: str, table: str) -> str:
    """``text`` (docs/COSTS.md) with the table between the markers replaced."""
    start, end = text.index(START), text.index(END) + len(END)
    return text[:start] + table + text[end:]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite the table in docs/COSTS.md, or with ``--check`` exit 1 when it is stale."""
    parser = argparse.ArgumentParser(prog="python -m dsvmctl.cost_table", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the table in docs/COSTS.md is out of date")
    args = parser.parse_args(argv)
    text = OUTPUT.read_text()
    new = updated(text, render(rows()))
    if args.check:
        if new != text:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date; run: python -m dsvmctl.cost_table", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(new)
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
