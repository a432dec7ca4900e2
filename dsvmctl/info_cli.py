"""``dsvmctl connect`` and ``dsvmctl images``: how to get in, and which images exist."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from azurefacts import clock
from dsvmctl.options import (
    EXIT_BAD_INPUT,
    JsonOption,
    ProjectOption,
    QuotaOption,
    StackOption,
    StateOption,
    console_out,
    fail,
    handled,
    store_at,
)
from dsvmctl.project import find_project_dir

SECRET = "[secret]"


TARGET_GROUPS = ("members", "rigs", "seats")  # team members by username, gpu_rig rigs, scale_out seats


def find_target(outputs: dict[str, Any], name: str) -> tuple[str, dict[str, Any] | None]:
    """Which output group holds ``name`` (a member's username, a rig's name or its user's, a seat), and its entry."""
    for group in TARGET_GROUPS:
        entries: dict[str, Any] = outputs.get(group) or {}
        if name in entries:
            return group, entries[name]
        by_user = [entry for entry in entries.values() if isinstance(entry, dict) and entry.get("username") == name]
        if len(by_user) == 1:
            return group, by_user[0]
    return "members", None


def known_targets(outputs: dict[str, Any]) -> str:
    """What the stack has to connect to, for the message that names none of them."""
    parts = []
    for group in TARGET_GROUPS:
        entries: dict[str, Any] = outputs.get(group) or {}
        if entries:
            names = [
                f"{key} (user {entry['username']})" if isinstance(entry, dict) and entry.get("username") not in
                (None, key) else key
                for key, entry in sorted(entries.items())
            ]  # fmt: skip
            parts.append(f"{group}: {', '.join(names)}")
    return "; ".join(parts) or "it has nothing to connect to"


def connect(
    member: Annotated[
        str,
        typer.Argument(help="A member's username (team), a rig's name or its user (gpu_rig), a seat (scale_out)."),
    ],
    stack: StackOption,
    quota_profile: QuotaOption = None,
    project_dir: ProjectOption = None,
    state_dir: StateOption = None,
) -> None:
    """Print the commands and URLs MEMBER uses to reach their workstation or seat (from the saved state)."""
    from dsvmctl.plan import make_plan
    from fakeazure import FakeAzure

    directory = project_dir or find_project_dir()
    with handled(stack):
        saved = store_at(directory, state_dir).load(stack)
        if saved is not None:
            outputs, source = saved.plan.get("outputs") or {}, "deployed (saved state)"
        else:
            outputs = make_plan(directory, stack, FakeAzure(quota_profile=quota_profile or "payg")).to_json()["outputs"]
            source = "not deployed yet: from the plan"
    group, info = find_target(outputs, member)
    if info is None:
        used = [key for g in TARGET_GROUPS for key, entry in sorted((outputs.get(g) or {}).items())
                if isinstance(entry, dict) and entry.get("username") == member]  # fmt: skip
        if used:  # one user, several rigs: which one is theirs to say
            raise fail(EXIT_BAD_INPUT, f"{member!r} is the user of {', '.join(used)} in stack {stack}; name the one "
                       f"to connect to (`dsvmctl connect --stack {stack} {used[0]}`)")  # fmt: skip
        raise fail(EXIT_BAD_INPUT, f"no member, rig or seat {member!r} in stack {stack}; {known_targets(outputs)}")
    console = console_out()
    console.print(f"[bold]{escape(member)}[/] in stack {escape(stack)} ({source})")
    if info.get("leaving"):
        console.print("offboarded (leaving: true): the workstation is gone; the data disk is kept")
        return
    for key, value in info.items():
        if value == SECRET:
            value = f"secret: `pulumi stack output {group} --show-secrets` on real Azure (never kept offline)"
        console.print(f"  {key}: {escape(str(value))}", highlight=False)
    if "jupyterhub_tunnel" in info:
        console.print("  (keep the tunnel running in one terminal, then open the URL)")


def images(as_json: JsonOption = False) -> None:
    """The DSVM images the facts know: OS keys, offers, skus, generations, versions newest first."""
    from azurefacts.images import DSVM_IMAGES, PIN_WARNING_MONTHS

    today = clock.today()
    rows: list[dict[str, Any]] = []
    for image in DSVM_IMAGES.values():
        for version in sorted(image.versions, key=lambda v: v.released, reverse=True):
            months = (today.year - version.released.year) * 12 + today.month - version.released.month
            rows.append({
                "os": image.key, "publisher": image.publisher, "offer": image.offer, "sku": image.sku,
                "generation": image.hyperv_generation, "version": version.version,
                "released": version.released.isoformat(), "ageMonths": months,
                "old": months > PIN_WARNING_MONTHS, "confirmed": image.confirmed,
            })  # fmt: skip
    if as_json:
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return
    table = Table(title="DSVM images (azurefacts/images.py)")
    for column in ("os", "offer", "sku", "gen", "version", "released", "age"):
        table.add_column(column)
    for row in rows:
        age = f"{row['ageMonths']} months" + (" (older than 10 months: promote a newer pin)" if row["old"] else "")
        table.add_row(
            row["os"], row["offer"], row["sku"], str(row["generation"]), row["version"], row["released"], age
        )
    console_out().print(table)


def quota(
    stack: StackOption,
    quota_profile: QuotaOption = None,
    project_dir: ProjectOption = None,
    as_json: JsonOption = False,
) -> None:
    """What STACK's VMs need of each vCPU quota, in each mode, against the quota profile: each quota's limit,
    what the subscription uses already (a usage file's currentValue), what is free, and the need per mode."""
    from azurefacts.quotas import LOW_PRIORITY, TOTAL, load_profile, per_quota
    from dsvmctl.project import read_stack
    from stacks.config import load_config

    directory = project_dir or find_project_dir()
    with handled(stack):
        config = load_config(read_stack(directory, stack).config, project_dir=directory)
    profile = load_profile(quota_profile or "payg")
    modes = {mode: per_quota(config.quota_needs(mode)) for mode in config.modes()}
    named = {name for needs in modes.values() for name in needs}
    quotas = [*sorted(named - {TOTAL, LOW_PRIORITY}), *[q for q in (TOTAL, LOW_PRIORITY) if q in named]]
    rows: list[dict[str, Any]] = [
        {"quota": name, "limit": profile.limit(name), "inUse": profile.usage(name),
         "free": max(profile.limit(name) - profile.usage(name), 0),
         **{mode: needs.get(name, 0) for mode, needs in modes.items()}}
        for name in quotas
    ]  # fmt: skip
    fits = {mode: all(row[mode] <= row["free"] for row in rows) for mode in modes}
    if as_json:
        sys.stdout.write(json.dumps({"profile": profile.name, "quotas": rows, "fits": fits}, indent=2) + "\n")
        return
    table = Table(title=f"vCPU quotas of {stack} against {profile.name} ({config.location})")
    table.add_column("quota")
    for column in ("limit", "in use", "free"):
        table.add_column(column, justify="right")
    for mode in modes:
        table.add_column(f"{mode} mode needs" if mode != "current" else "needs", justify="right")
    for row in rows:
        cells = [f"[red]{row[m]}[/]" if row[m] > row["free"] else str(row[m]) for m in modes]
        label = f"{row['quota']} (Spot)" if row["quota"] == LOW_PRIORITY else row["quota"]
        table.add_row(escape(label), str(row["limit"]), str(row["inUse"]), str(row["free"]), *cells)
    console = console_out()
    console.print(table)
    for mode, ok in fits.items():
        label = "the stack" if mode == "current" else f"{mode} mode"
        console.print(f"{label}: {'fits' if ok else '[red]does not fit[/]: request a quota increase first'}")
