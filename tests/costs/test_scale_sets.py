"""costs/scale_sets.py: a scale set bills the instance-hours its autoscale profiles schedule (hand arithmetic)."""

from __future__ import annotations

from typing import Any

import pytest

from costs import estimate as estimate_with
from costs.hours import HOURS_PER_MONTH
from costs.scale_sets import capacity_at, monthly_instance_hours, weekly_starts
from tests.costs.test_estimate import BOOK, RG, UBUNTU

VMSS = "azure-native:compute:VirtualMachineScaleSet"
AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
VMSS_ID = f"{RG}/providers/Microsoft.Compute/virtualMachineScaleSets/pool"
WEEKS = HOURS_PER_MONTH / 168
ZONE = "W. Europe Standard Time"


def weekly(name: str, capacity: int, days: list[str], hour: int, maximum: int | None = None) -> dict[str, Any]:
    top = str(capacity if maximum is None else maximum)
    return {"name": name, "capacity": {"minimum": str(capacity), "default": str(capacity), "maximum": top},
            "rules": [], "recurrence": {"frequency": "Week", "schedule": {
                "timeZone": ZONE, "days": days, "hours": [hour], "minutes": [0]}}}  # fmt: skip


def fixed(capacity: int, start: str, end: str) -> dict[str, Any]:
    return {"name": "event", "capacity": {"minimum": str(capacity), "default": str(capacity), "maximum": str(capacity)},
            "rules": [], "fixedDate": {"timeZone": ZONE, "start": start, "end": end}}  # fmt: skip


OUTSIDE = {"name": "outside", "capacity": {"minimum": "0", "default": "0", "maximum": "0"}, "rules": []}
DAYS = ["Monday", "Wednesday"]
CLASS = [OUTSIDE, weekly("start", 15, DAYS, 9, maximum=20), weekly("end", 0, DAYS, 12)]


def test_a_weekly_window_runs_its_capacity_from_start_to_end() -> None:
    assert weekly_starts(CLASS) == [(540, 15), (720, 0), (2 * 1440 + 540, 15), (2 * 1440 + 720, 0)]
    assert monthly_instance_hours(CLASS) == pytest.approx(15 * 3 * 2 * WEEKS)  # 90 instance-hours a week


def test_the_last_profile_of_the_week_holds_until_the_first_of_the_next() -> None:
    starts = weekly_starts([weekly("sun", 2, ["Sunday"], 22), weekly("mon", 0, ["Monday"], 1)])
    assert capacity_at(starts, 0, 0) == 2  # Monday 00:00: still Sunday 22:00's
    assert monthly_instance_hours([weekly("sun", 2, ["Sunday"], 22), weekly("mon", 0, ["Monday"], 1)]) == (
        pytest.approx(2 * 3 * WEEKS)
    )


def test_without_recurrence_the_default_profile_holds() -> None:
    always = {**OUTSIDE, "capacity": {"minimum": "2", "default": "2", "maximum": "2"}}
    assert monthly_instance_hours([always]) == pytest.approx(2 * HOURS_PER_MONTH)


def test_an_event_counts_once_and_replaces_the_weekly_capacity_it_overlaps() -> None:
    # Saturday 2027-03-13 08:00 to Sunday 20:00: 36 h at 50, nothing weekly then.
    assert monthly_instance_hours([OUTSIDE, fixed(50, "2027-03-13T08:00:00", "2027-03-14T20:00:00")]) == 1800
    # Monday 2027-03-15 08:00-13:00 at 4 over the class (09:00-12:00 at 15): 5 h x 4, minus the 3 h x 15 it replaces.
    both = [*CLASS, fixed(4, "2027-03-15T08:00:00", "2027-03-15T13:00:00")]
    assert monthly_instance_hours(both) == pytest.approx(15 * 3 * 2 * WEEKS + 20 - 45)


def plan(capacity: int = 0, profiles: list[dict[str, Any]] | None = None, data_gb: int | None = None) -> list[dict]:  # type: ignore[type-arg]
    storage: dict[str, Any] = {"imageReference": UBUNTU, "osDisk": {"createOption": "FromImage", "diskSizeGB": 128,
                               "managedDisk": {"storageAccountType": "Premium_LRS"}}}  # fmt: skip
    if data_gb:
        storage["dataDisks"] = [{"lun": 0, "diskSizeGB": data_gb, "managedDisk": {"storageAccountType": "Premium_LRS"}}]
    vmss = {"urn": "urn:vmss", "type": VMSS, "name": "pool", "id": VMSS_ID, "inputs": {
        "location": "eastus", "sku": {"name": "Standard_D4s_v5", "capacity": capacity},
        "virtualMachineProfile": {"storageProfile": storage}}}  # fmt: skip
    inputs = {"location": "eastus", "targetResourceUri": VMSS_ID, "profiles": profiles or CLASS}
    setting = {"urn": "urn:autoscale", "type": AUTOSCALE, "name": "pool-a", "id": f"{VMSS_ID}-a", "inputs": inputs}
    return [vmss, setting]


def test_compute_and_per_instance_disks_follow_the_profiles() -> None:
    cost = estimate_with(plan(data_gb=256), BOOK)
    hours = 15 * 3 * 2 * WEEKS
    compute, os_disk, data_disk = cost["lines"]
    assert compute["name"] == "pool" and compute["item"] == "20 x Standard_D4s_v5 Linux VM"
    assert compute["monthly"] == round(0.192 * hours, 2) and compute["alwaysOnMonthly"] == round(0.192 * 20 * 730, 2)
    assert "instance-hours/month from the autoscale profiles" in compute["note"]
    assert os_disk["monthly"] == round(19.71 * hours / 730, 2) and os_disk["alwaysOnMonthly"] == round(19.71 * 20, 2)
    assert "scale-in deletes it" in os_disk["note"] and "always billed" not in os_disk["note"]
    assert data_disk["monthly"] == round(38.02 * hours / 730, 2)  # 256 GiB: P15


def test_autoscale_takes_back_a_declared_capacity() -> None:
    owned = estimate_with(plan(capacity=0), BOOK)
    declared = estimate_with(plan(capacity=3), BOOK)  # e.g. autoscale scaled out and a refresh recorded it
    assert declared["monthly"] == owned["monthly"] and declared["alwaysOnMonthly"] == owned["alwaysOnMonthly"]
    assert any("autoscale owns the capacity" in line["item"] for line in declared["lines"])


def test_a_scale_set_without_autoscale_bills_its_capacity_always_on() -> None:
    vmss, _ = plan(capacity=2)
    (compute, _os) = estimate_with([vmss], BOOK)["lines"]
    assert compute["monthly"] == round(0.192 * 2 * 730, 2)


def test_an_autoscale_setting_whose_scale_set_is_elsewhere_is_not_priced() -> None:
    _, setting = plan()
    (line,) = estimate_with([setting], BOOK)["lines"]
    assert line["monthly"] == 0 and "not in this plan" in line["note"]


def test_an_event_that_has_ended_bills_nothing() -> None:
    """The tests' day is 2026-12-05 (tests/helpers.py)."""
    past = fixed(50, "2026-03-13T08:00:00", "2026-03-14T20:00:00")
    assert monthly_instance_hours([OUTSIDE, past]) == 0
    assert monthly_instance_hours([*CLASS, past]) == pytest.approx(15 * 3 * 2 * WEEKS)


def test_an_event_under_way_bills_what_is_left_of_it() -> None:
    under_way = fixed(10, "2026-12-04T00:00:00", "2026-12-07T00:00:00")  # 72 h, 48 h of them from today on
    assert monthly_instance_hours([OUTSIDE, under_way]) == pytest.approx(10 * 48)


def test_a_year_long_event_bills_one_month_of_it_not_all_of_it() -> None:
    year = fixed(2, "2027-01-01T00:00:00", "2028-01-01T00:00:00")
    assert monthly_instance_hours([OUTSIDE, year]) == pytest.approx(2 * 31 * 24)  # its longest month: 31 days
    from costs.scale_sets import busiest_event_month, event_months

    assert len(event_months([OUTSIDE, year])) == 12 and busiest_event_month([OUTSIDE, year]) == "2027-01"


def test_events_in_two_months_bill_the_busier_month() -> None:
    march = fixed(50, "2027-03-13T08:00:00", "2027-03-14T20:00:00")  # 1,800 instance-hours
    april = fixed(10, "2027-04-10T08:00:00", "2027-04-10T20:00:00")  # 120
    assert monthly_instance_hours([OUTSIDE, march, april]) == pytest.approx(1800)
