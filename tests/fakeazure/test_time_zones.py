"""The emulator's time zone rules: DevTest Labs schedules and autoscale profiles take every Windows id."""

from __future__ import annotations

import pytest

from fakeazure import FakeAzure
from tests.fakeazure.test_rules import VM, changed, linux_vm, make_network, make_nic, rejected, schedule_inputs
from tests.fakeazure.test_scale_sets import AUTOSCALE, VMSS, autoscale_inputs, vmss_inputs

SCHEDULE = "azure-native:devtestlab:GlobalSchedule"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


@pytest.mark.parametrize("zone", ["New Zealand Standard Time", "US Mountain Standard Time", "Arabian Standard Time"])
def test_schedule_accepts_any_windows_time_zone(az: FakeAzure, zone: str) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    schedule = az.create(SCHEDULE, "shutdown", changed(schedule_inputs(vm), "timeZoneId", zone))
    assert schedule.inputs["timeZoneId"] == zone


@pytest.mark.parametrize("zone", ["Middle Earth Standard Time", "Pacific/Auckland", "new zealand standard time"])
def test_schedule_refuses_an_unknown_time_zone(az: FakeAzure, zone: str) -> None:
    vm = az.create(VM, "vm1", linux_vm("vm1", make_nic(az, "nic-1")))
    err = rejected(az, SCHEDULE, "shutdown", changed(schedule_inputs(vm), "timeZoneId", zone))
    assert err.code == "InvalidParameter"
    assert err.target == "timeZoneId" and zone in err.message


def test_autoscale_recurrence_and_fixed_date_take_any_windows_time_zone(az: FakeAzure) -> None:
    target = az.create(VMSS, "pool", vmss_inputs(az)).id
    inputs = autoscale_inputs(target)
    nz = changed(changed(inputs, "profiles.1.recurrence.schedule.timeZone", "New Zealand Standard Time"),
                 "profiles.2.fixedDate.timeZone", "New Zealand Standard Time")  # fmt: skip
    bad = changed(inputs, "profiles.1.recurrence.schedule.timeZone", "Pacific/Auckland")
    assert rejected(az, AUTOSCALE, "a", bad).target == "profiles[1].recurrence.schedule.timeZone"
    az.create(AUTOSCALE, "a", nz)
