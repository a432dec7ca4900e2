"""The ``scale_out`` composition: foundation, one ScaleSet + AutoscaleSetting per pool, a seat per participant.

Per stack: the shared foundation (resource group, network, Bastion if any, storage
with the ``seats`` container), one ``RandomPassword``, the secret every seat's
password derives from. Per pool: a ``ScaleSet`` (scale set, identity, storage role, and with idle
stop an assignment of the subscription's scale-in role, ``stacks/cost_controls.py``) and its
``AutoscaleSetting``. With idle stop every instance runs the idle watcher (installed
by its cloud-config, settings in the pool's ``userData`` next to the roster) and
leaves the pool when idle, down to ``min_capacity``; the CPU scale-in rule is left
out (``stacks.scale_out.autoscale``). Per participant: nothing in Azure, only outputs (see
``stacks.scale_out.seats`` for why), so a plan's cost does not grow with the roster.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_random as random

from components import ScaleSet, ScaleSetArgs
from components.vm_profile import VmProfile
from stacks.config.scale_out import PoolConfig, ScaleOutStackConfig
from stacks.cost_controls import idle_role_id, idle_stop_of, wants_idle_role
from stacks.foundation import Foundation, build_foundation, os_disk_of
from stacks.scale_out.agent import derive_password, encode_roster
from stacks.scale_out.autoscale import autoscale_setting
from stacks.scale_out.schedule import describe, profiles
from stacks.scale_out.seats import SEATS_CONTAINER, Way, connect, custom_data, settings


def _way(config: ScaleOutStackConfig, base: Foundation) -> Way:
    """How the class reaches its instances (names as the Network component gives them)."""
    access = config.access
    if access.sku is not None and access.existing_bastion_resource_id:
        parts = access.existing_bastion_resource_id.split("/")
        return Way("bastion", base.rg_plain, parts[8], parts[4], access.sku.name, parts[2])
    if access.sku is not None:
        return Way("bastion", base.rg_plain, f"{base.prefix}-bastion", base.rg_plain, access.sku.name)
    return Way("public" if access.public_ip_enabled else "private", base.rg_plain)


def _pool(
    config: ScaleOutStackConfig,
    base: Foundation,
    pool: PoolConfig,
    master: random.RandomPassword,
    seats: list[dict[str, Any]],
    role: pulumi.Output[str] | None,
) -> dict[str, Any]:
    name = f"{base.prefix}-{pool.name}"
    idle = idle_stop_of(config, pool.idle_stop, role)
    leaves = idle is not None
    bounds = config.pool_bounds(pool)
    # The watcher's settings next to the roster: its identity is the scale set's one user-assigned identity
    # (IMDS gives its token without a client_id), and it leaves the pool only above the window's minimum.
    extra = {"idle_stop": {**idle.settings(), "leave_pool": True, "pool_minimum": bounds.minimum}} if idle else None
    user_data = encode_roster(seats, extra)

    def profile(client_id: pulumi.Output[str]) -> VmProfile:
        values = pulumi.Output.all(base.store.account_name, client_id, master.result).apply(
            lambda v: custom_data(settings(v[0], v[1], v[2], config.admin.username), idle_watcher=leaves,
                                  data_disk=pool.data_disk_gb is not None)
        )
        return VmProfile(
            admin_username=config.admin.username,
            image=base.image,
            security_size=pool.vm_size,
            ssh_public_keys=[config.admin.ssh_public_key],
            custom_data=pulumi.Output.secret(values),
            os_disk=os_disk_of(config, pool.os_disk),
        )

    scale_set = ScaleSet(
        name,
        ScaleSetArgs(
            resource_group_name=base.rg_name,
            location=config.location,
            subscription_id=base.subscription_id,
            vm_size=pool.vm_size,
            subnet_id=base.net.subnet_id,
            storage_scope_id=base.store.container_ids[SEATS_CONTAINER],
            profile=profile,
            computer_name_prefix=pool.name,
            data_disk_gb=pool.data_disk_gb,
            user_data=user_data,
            public_ip_per_instance=config.access.public_ip_enabled,
            idle_role_definition_id=role if leaves else None,
            tags=base.tags,
        ),
    )
    weekly, events = config.schedule.windows()
    found = profiles(weekly, events, config.schedule.time_zone, bounds)
    setting = autoscale_setting(
        f"{name}-autoscale", base.rg_name, config.location, scale_set.id, found, base.tags, scale_set,
        scale_in=not leaves,
    )
    how = (f"idle instances leave down to {bounds.minimum}, CPU adds up to {bounds.maximum}" if leaves
           else f"{bounds.minimum}-{bounds.maximum} on CPU")  # fmt: skip
    return {
        "scale_set": scale_set.name,
        "autoscale_setting": setting.name,
        "vm_size": pool.vm_size,
        "instances": f"{bounds.default} per window ({how}), 0 outside",
        "idle_stop": f"after {idle.idle_minutes} idle minutes an instance leaves the pool" if idle else "off",
        "profiles": [p.name for p in found],
    }


def build(config: ScaleOutStackConfig, stack: str) -> dict[str, Any]:
    """Compose the stack; returns its outputs."""
    base = build_foundation(config, stack, config.storage, [SEATS_CONTAINER])
    master = random.RandomPassword(f"{base.prefix}-seats-secret", length=32, special=False)
    participants = config.participants
    role = idle_role_id(base, scale_in=True) if wants_idle_role(config) else None
    records = [config.seat_record(p) for p in participants]
    pools = {pool.name: _pool(config, base, pool, master, records, role) for pool in config.pools}

    names = [p.username for p in participants]
    passwords = master.result.apply(lambda secret: {n: derive_password(secret, n) for n in names})
    way = _way(config, base)
    first = config.pools[0]
    scale_set = f"{base.prefix}-{first.name}"
    seats: dict[str, Any] = {}
    for i, participant in enumerate(participants):
        seat: dict[str, Any] = {
            "sign_in": "ssh key" if participant.ssh_public_key else "password",
            **connect(way, scale_set, i % first.capacity, participant.username, participant.ssh_public_key is not None),
            "work": f"/home/{participant.username}/work (kept in storage: {SEATS_CONTAINER}/{participant.username}/)",
            "password": pulumi.Output.secret(passwords.apply(lambda d, n=participant.username: d[n])),
        }
        if participant.email:
            seat["email"] = participant.email
        seats[participant.username] = seat
    weekly, events = config.schedule.windows()
    return {
        "resource_group_name": base.rg_name,
        "schedule": describe(weekly, events, str(config.schedule.time_zone)),
        "pools": pools,
        "seats": seats,
        "storage": {
            "account_name": base.store.account_name,
            "blob_endpoint": base.store.primary_endpoints.apply(lambda e: e.blob),
            "seats_container": SEATS_CONTAINER,
        },
    }
