"""A pool's autoscale setting: the schedule's profiles (``schedule.profiles``) as an ``AutoscaleSetting``.

During a window the pool runs ``capacity`` instances; when its ``max_capacity`` is
above its ``min_capacity`` two CPU rules move it between them (average CPU over 10
minutes above 75%: one more instance, cooldown 5 minutes; below 25%: one fewer,
cooldown 10 minutes). Outside the windows every profile is 0, with no rules.
Source: Microsoft Learn, 'Get started with autoscale in Azure' (Percentage CPU rules).

A pool with idle stop has no CPU scale-in rule: autoscale would remove any instance, one a
participant is working on included, while low CPU says nothing about sessions. Its idle
instances leave by themselves (``components/scripts/dsvm_idle_watch.py``, ``leave_pool``)
down to the minimum, and the CPU rule adds instances back up to the maximum.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_azure_native.monitor as monitor

from stacks.scale_out.schedule import Profile

CPU_METRIC = "Percentage CPU"
SCALE_OUT_ABOVE = 75
SCALE_IN_BELOW = 25


def _rules(target: pulumi.Input[str], scale_in: bool) -> list[monitor.ScaleRuleArgs]:
    def rule(operator: str, threshold: float, direction: str, cooldown: str) -> monitor.ScaleRuleArgs:
        return monitor.ScaleRuleArgs(
            metric_trigger=monitor.MetricTriggerArgs(
                metric_name=CPU_METRIC, metric_resource_uri=target, time_grain="PT1M", statistic="Average",
                time_window="PT10M", time_aggregation="Average", operator=operator, threshold=threshold,
            ),
            scale_action=monitor.ScaleActionArgs(direction=direction, type="ChangeCount", value="1", cooldown=cooldown),
        )  # fmt: skip

    rules = [rule("GreaterThan", SCALE_OUT_ABOVE, "Increase", "PT5M")]
    return rules + ([rule("LessThan", SCALE_IN_BELOW, "Decrease", "PT10M")] if scale_in else [])


def profile_args(profile: Profile, target: pulumi.Input[str], scale_in: bool = True) -> monitor.AutoscaleProfileArgs:
    """One schedule profile as ARM takes it (capacities are strings); ``scale_in``: with the CPU scale-in rule."""
    recurrence = fixed = None
    if profile.kind == "recurrence":
        recurrence = monitor.RecurrenceArgs(
            frequency="Week",
            schedule=monitor.RecurrentScheduleArgs(
                time_zone=profile.time_zone, days=list(profile.days), hours=[profile.hour], minutes=[profile.minute]
            ),
        )
    elif profile.kind == "fixed":
        fixed = monitor.TimeWindowArgs(time_zone=profile.time_zone, start=profile.start, end=profile.end)
    capacity = profile.capacity
    return monitor.AutoscaleProfileArgs(
        name=profile.name,
        capacity=monitor.ScaleCapacityArgs(
            minimum=str(capacity.minimum), default=str(capacity.default), maximum=str(capacity.maximum)
        ),
        rules=_rules(target, scale_in) if profile.cpu_rules else [],
        recurrence=recurrence,
        fixed_date=fixed,
    )


def autoscale_setting(
    name: str,
    resource_group_name: pulumi.Input[str],
    location: str,
    target: pulumi.Input[str],
    profiles: list[Profile],
    tags: Mapping[str, str],
    parent: pulumi.Resource,
    scale_in: bool = True,
) -> monitor.AutoscaleSetting:
    """The pool's autoscale setting, parented to its scale set (``scale_in``: False when idle instances leave)."""
    return monitor.AutoscaleSetting(
        name,
        autoscale_setting_name=name,
        resource_group_name=resource_group_name,
        location=location,
        enabled=True,
        target_resource_uri=target,
        profiles=[profile_args(p, target, scale_in) for p in profiles],
        tags=dict(tags),
        opts=pulumi.ResourceOptions(parent=parent),
    )
