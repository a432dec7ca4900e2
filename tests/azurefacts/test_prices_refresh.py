"""``python -m azurefacts.prices refresh|show`` against recorded Retail Prices API pages, offline.

The pages in tests/data/retail-prices/ have the real API's shape (one file per query
and ``$skip``: ``<region>--<productName or serviceName>--<skip>.json``); a local
``http.server`` on 127.0.0.1 answers them, rewriting the recorded ``NextPageLink``
host to itself, and an empty page for any query with no file (as the API answers a
region without the product). Nothing here reaches the network.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from azurefacts.disks import DISK_SKUS
from azurefacts.prices import SNAPSHOT_DIR, load, shipped
from azurefacts.prices.__main__ import main
from azurefacts.prices.refresh import Meter, all_meters, refresh
from costs import estimate
from tests.helpers import ROOT

DATA = ROOT / "tests" / "data" / "retail-prices"
RECORDED_BASE = "https://prices.azure.com:443/api/retail/prices"
PATH = "/api/retail/prices"
TODAY = date(2026, 11, 24)
SIZES = ["Standard_B2s", "Standard_D2s_v5", "Standard_D4s_v5", "Standard_NC4as_T4_v3"]  # the recorded ones
EMPTY = {"BillingCurrency": "USD", "CustomerEntityId": "Default", "CustomerEntityType": "Retail", "Items": [],
         "NextPageLink": None, "Count": 0}  # fmt: skip


class Api:
    """The recorded pages behind a local HTTP server; ``requests`` lists every path asked for."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.requests.append(self.path)
                status, body = api.answer(self.path)
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{PATH}"

    def answer(self, path: str) -> tuple[int, str]:
        parts = urlsplit(path)
        if parts.path != PATH:
            return 404, json.dumps({"Error": {"Code": "NotFound", "Message": "not found"}})
        query = parse_qs(parts.query)
        odata = query.get("$filter", [""])[0]
        region = re.search(r"armRegionName eq '([^']+)'", odata)
        what = re.search(r"productName eq '([^']+)'", odata) or re.search(r"serviceName eq '([^']+)'", odata)
        if region is None or what is None:
            return 400, json.dumps({"Error": {"Code": "BadRequest", "Message": "filter"}})
        name = f"{region[1]}--{what[1].lower().replace(' ', '-')}--{query.get('$skip', ['0'])[0]}.json"
        page = DATA / name
        return 200, page.read_text().replace(RECORDED_BASE, self.url) if page.exists() else json.dumps(EMPTY)

    def filters(self) -> list[str]:
        return [parse_qs(urlsplit(p).query).get("$filter", [""])[0] for p in self.requests]


@pytest.fixture
def api() -> Iterator[Api]:
    server = Api()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def meters() -> list[Meter]:
    return all_meters(sizes=SIZES)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv), today=TODAY)
    out, err = capsys.readouterr()
    return code, out, err


def shipped_copy(tmp_path: Path) -> Path:
    target = tmp_path / "snapshot"
    shutil.copytree(SNAPSHOT_DIR, target)
    return target


def test_the_query_string_has_the_filter_and_every_page_is_followed(api: Api) -> None:
    result = refresh(["westeurope"], today=TODAY, base_url=api.url, meters=meters())
    first = urlsplit(api.requests[0])
    assert parse_qs(first.query)["api-version"] == ["2023-01-01-preview"]
    assert "$filter=" in first.query
    assert (
        api.filters()[0]
        == "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption'"
    )
    assert ("serviceName eq 'Storage' and armRegionName eq 'eastus' and priceType eq 'Consumption' and "
            "productName eq 'Premium SSD Managed Disks'") in api.filters()  # fmt: skip
    assert "serviceName eq 'Azure Bastion' and armRegionName eq 'westeurope' and priceType eq 'Consumption'" in (
        api.filters()
    )
    vm_pages = [parse_qs(urlsplit(p).query).get("$skip", ["0"])[0] for p in api.requests
                if "Virtual Machines" in parse_qs(urlsplit(p).query)["$filter"][0] and "eastus" in p]  # fmt: skip
    assert vm_pages == ["0", "100", "200"]  # NextPageLink followed to the last page
    vms = result.files["vm.json"]["regions"]["eastus"]["vm"]
    assert vms["Standard_NC4as_T4_v3"] == {"linux": 0.526}  # only on the third page
    assert len(api.requests) == 2 * 8 + 2  # 8 queries per region, two more VM pages in eastus


def test_linux_windows_and_spot_are_split_and_low_priority_skipped(api: Api) -> None:
    result = refresh([], today=TODAY, base_url=api.url, meters=meters())
    vms = result.files["vm.json"]["regions"]["eastus"]["vm"]
    assert vms["Standard_D4s_v5"] == {"linux": 0.192, "windows": 0.376, "spot_linux": 0.0384, "spot_windows": 0.2224}
    assert vms["Standard_D2s_v5"] == {"linux": 0.096, "windows": 0.188, "spot_linux": 0.0192}
    assert vms["Standard_B2s"] == {"linux": 0.0416, "windows": 0.0496}  # the primary meter region's price, not 0.05
    assert "Standard_D4_v5" not in vms  # not a size of azurefacts
    assert set(result.files["vm.json"]["regions"]) == {"eastus"}


def test_disk_tiers_and_services_are_mapped(api: Api) -> None:
    result = refresh([], today=TODAY, base_url=api.url, meters=meters())
    east = result.files["services.json"]["regions"]["eastus"]
    assert east["disk"]["Premium_LRS"]["P10"] == 19.71  # not the 'P10 LRS Disk Mount' meter
    assert east["disk"]["Premium_LRS"]["P15"] == 38.41
    assert east["disk"]["Premium_ZRS"]["P80"] == 5406.48
    assert east["disk"]["StandardSSD_LRS"]["E10"] == 9.6  # not 'E10 LRS Disk Operations'
    assert east["disk"]["Standard_LRS"]["S4"] == 1.54
    assert east["disk"]["PremiumV2_LRS"] == {"GiB": 0.082}  # per GiB-hour x 730
    for sku in DISK_SKUS.values():
        assert set(east["disk"][sku.name]) == ({t for t, _ in sku.tiers} or {"GiB"})
    assert east["public_ip"] == {"Standard": 0.005}
    assert east["bastion"] == {"Basic": 0.19, "Standard": 0.29, "Premium": 0.45, "scale_unit": 0.14,
                               "premium_scale_unit": 0.14}  # fmt: skip
    assert east["blob_hot"]["Standard_LRS"] == 0.0184  # the first tier, not the 50 TB one
    assert east["blob_hot"]["Standard_RAGZRS"] == 0.0518
    # The recorded pages hold no snapshot meter: that price is optional (its name is not confirmed).
    assert [m for m in result.missing if m[0] == "eastus" and m[1][0] != "vm"] == [
        ("eastus", ("snapshot", "Incremental"), False)]


def test_missing_items_are_reported_never_invented(api: Api) -> None:
    result = refresh(["westeurope"], today=TODAY, base_url=api.url, meters=meters())
    assert ("eastus", ("vm", "Standard_NC4as_T4_v3", "windows"), True) in result.missing
    assert ("eastus", ("vm", "Standard_B2s", "spot_linux"), False) in result.missing
    assert result.blocking() == [("eastus", ("vm", "Standard_NC4as_T4_v3", "windows"), True)]
    assert "windows" not in result.files["vm.json"]["regions"]["eastus"]["vm"]["Standard_NC4as_T4_v3"]
    assert ("westeurope", ("public_ip", "Standard"), True) in result.missing  # reported, falls back to eastus
    assert "westeurope" not in result.files["services.json"]["regions"]
    assert result.files["vm.json"]["regions"]["westeurope"]["vm"] == {
        "Standard_D4s_v5": {"linux": 0.23, "windows": 0.414}
    }


def test_missing_reference_prices_refuse_the_write(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, stderr = run(capsys, "refresh", "--output", str(out), "--api-url", api.url)
    assert code == 1
    assert "Refused" in stderr and "--allow-missing" in stderr
    assert "eastus/vm/Standard_NC4as_T4_v3: windows" in stdout
    assert "eastus/vm/Standard_E8s_v5: linux, windows" in stdout  # a size of azurefacts the pages lack
    assert not out.exists()


def test_the_written_snapshot_loads_and_prices_a_d4s_v5_as_before(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run(capsys, "refresh", "--output", str(out), "--region", "West Europe", "--allow-missing",
                          "--api-url", api.url)  # fmt: skip
    assert code == 0, stdout
    assert sorted(p.name for p in out.iterdir()) == ["services.json", "vm.json"]  # no temporary file left
    for name in ("vm.json", "services.json"):
        data = json.loads((out / name).read_text())
        assert (data["schema"], data["currency"], data["read_on"], data["confirmed"]) == (1, "USD", "2026-11-24", True)
        assert f"{api.url}?api-version=2023-01-01-preview&$filter=" in data["source"]
        assert "priceType eq 'Consumption'" in data["source"] and "eastus, westeurope" in data["source"]
    book = load(out)
    assert book.price("eastus", "vm", "Standard_D4s_v5", "linux").amount == 0.192
    assert book.price("westeurope", "vm", "Standard_D4s_v5", "windows").amount == 0.414
    assert book.price("westeurope", "disk", "Premium_LRS", "P10").fallback_from == "westeurope"
    vm = {"urn": "urn:pulumi:test::dsvm::azure-native:compute:VirtualMachine::alice-vm", "name": "alice-vm",
          "type": "azure-native:compute:VirtualMachine", "inputs": {"location": "eastus",
          "hardwareProfile": {"vmSize": "Standard_D4s_v5"}, "storageProfile": {"imageReference": {
              "publisher": "microsoft-dsvm", "offer": "ubuntu-2204", "sku": "2204-gen2", "version": "25.05.20"},
              "osDisk": {"createOption": "FromImage", "diskSizeGB": 128,
                         "managedDisk": {"storageAccountType": "Premium_LRS"}}}}}  # fmt: skip
    before, after = estimate([vm], shipped()), estimate([vm], book)

    def figures(cost: dict[str, Any]) -> list[tuple[str, float]]:
        return [(line["item"], line["alwaysOnMonthly"]) for line in cost["lines"]]

    assert figures(after) == figures(before)
    assert after["lines"][0]["alwaysOnMonthly"] == round(730 * 0.192, 2)
    assert after["prices"]["confirmed"] is True


def test_dry_run_prints_the_diff_and_writes_nothing(
    api: Api, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    snapshot = shipped_copy(tmp_path)
    before = {p.name: p.read_bytes() for p in snapshot.iterdir()}
    code, stdout, _ = run(capsys, "refresh", "--output", str(snapshot), "--dry-run", "--allow-missing",
                          "--api-url", api.url)  # fmt: skip
    assert code == 0
    assert {p.name: p.read_bytes() for p in snapshot.iterdir()} == before
    assert "Dry run: nothing written" in stdout
    assert "  ~ eastus/disk/Premium_LRS/P15: 38.02 -> 38.41 (+1.0%)" in stdout
    assert "  + eastus/vm/Standard_D4s_v5/spot_linux: 0.0384" in stdout
    assert "  - eastus/bastion/Developer: 0 -> removed (not asked by the refresh)" in stdout
    assert "  - eastus/vm/Standard_E8s_v5/linux: 0.504 -> removed (not returned by the API)" in stdout
    assert "  read_on: 2026-11-23 -> 2026-11-24" in stdout
    assert "  confirmed: False -> True" in stdout


def test_a_region_left_out_is_reported_as_not_refreshed(api: Api, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "out"
    assert run(capsys, "refresh", "--output", str(out), "--region", "westeurope", "--allow-missing",
               "--api-url", api.url)[0] == 0  # fmt: skip
    code, stdout, _ = run(capsys, "refresh", "--output", str(out), "--allow-missing", "--api-url", api.url)
    assert code == 0
    assert "- westeurope/vm/Standard_D4s_v5/linux: 0.23 -> removed (region not refreshed: pass --region westeurope" in (
        stdout
    )


def test_an_unreadable_api_and_a_bad_region_write_nothing(api: Api, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    out = tmp_path / "out"
    code, _, stderr = run(capsys, "refresh", "--output", str(out), "--api-url", api.url.replace("prices", "nope"))
    assert code == 2
    assert "price refresh failed" in stderr and "HTTP 404" in stderr and "Nothing was written" in stderr
    code, _, stderr = run(capsys, "refresh", "--output", str(out), "--region", "atlantis", "--api-url", api.url)
    assert code == 2 and "unknown region(s) atlantis" in stderr
    assert not out.exists()


def page(*items: dict[str, Any]) -> dict[str, Any]:
    return {**EMPTY, "Items": list(items), "Count": len(items)}


def test_ambiguous_prices_and_wrong_units_are_noted_not_written() -> None:
    def item(price: float, unit: str = "1 Hour", start: str = "2024-01-01T00:00:00Z") -> dict[str, Any]:
        return {"currencyCode": "USD", "tierMinimumUnits": 0.0, "retailPrice": price, "armRegionName": "eastus",
                "effectiveStartDate": start, "meterName": "D4s v5", "productName": "Virtual Machines Dsv5 Series",
                "skuName": "D4s v5", "serviceName": "Virtual Machines", "unitOfMeasure": unit, "type": "Consumption",
                "isPrimaryMeterRegion": True, "armSkuName": "Standard_D4s_v5"}  # fmt: skip

    def get(url: str) -> dict[str, Any]:
        if "Virtual%20Machines" not in url:
            return page()
        windows = {**item(0.376), "productName": "Virtual Machines Dsv5 Series Windows"}
        old = item(0.1, start="2020-01-01T00:00:00Z")  # superseded by the newer item
        return page(item(0.192), item(0.2), old, windows, {**windows, "retailPrice": 9.0, "unitOfMeasure": "1/Month"})

    result = refresh([], today=TODAY, get=get, meters=all_meters(sizes=["Standard_D4s_v5"]))
    assert result.files["vm.json"]["regions"]["eastus"]["vm"] == {"Standard_D4s_v5": {"windows": 0.376}}
    assert any("eastus/vm/Standard_D4s_v5/linux: ambiguous" in n and "[0.192, 0.2]" in n for n in result.notes)
    assert any("eastus/vm/Standard_D4s_v5/windows: unit '1/Month'" in n for n in result.notes)
    assert ("eastus", ("vm", "Standard_D4s_v5", "linux"), True) in result.missing


def test_premiums_scale_unit_is_its_own_price_and_optional() -> None:
    def get(url: str) -> dict[str, Any]:
        if "Azure%20Bastion" not in url:
            return page()
        return page(*({"retailPrice": price, "meterName": meter, "productName": "Azure Bastion", "skuName": sku,
                       "serviceName": "Azure Bastion", "unitOfMeasure": "1 Hour", "tierMinimumUnits": 0.0}
                      for sku, meter, price in (("Standard", "Standard Additional Gateway", 0.14),
                                                ("Premium", "Premium Additional Gateway", 0.21))))  # fmt: skip

    result = refresh([], today=TODAY, get=get, meters=all_meters(sizes=[]))
    assert result.files["services.json"]["regions"]["eastus"]["bastion"] == {"scale_unit": 0.14,
                                                                            "premium_scale_unit": 0.21}  # fmt: skip
    without = refresh([], today=TODAY, get=lambda url: page(), meters=all_meters(sizes=[]))
    assert ("eastus", ("bastion", "premium_scale_unit"), False) in without.missing  # optional: not required


def write_snapshot_files(directory: Path, read_on: str) -> None:
    directory.mkdir()
    for name, sections in (("vm.json", {"vm": {"Standard_D4s_v5": {"linux": 0.192, "windows": 0.376}}}),
                           ("services.json", {"public_ip": {"Standard": 0.005}, "disk": {"Premium_LRS": {"P10": 19.71,
                            "P15": 38.02}}})):  # fmt: skip
        data = {"schema": 1, "currency": "USD", "read_on": read_on, "source": f"test source of {name}",
                "confirmed": True, "regions": {"eastus": sections, "westeurope": sections}}  # fmt: skip
        (directory / name).write_text(json.dumps(data))


def test_show_prints_dates_sources_regions_and_counts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_snapshot_files(tmp_path / "fresh", "2026-11-20")
    code, out, _ = run(capsys, "show", "--dir", str(tmp_path / "fresh"))
    assert code == 0
    assert "USD, regions eastus (reference), westeurope" in out
    assert "vm.json: read on 2026-11-20, 4 day(s) old; confirmed" in out
    assert "  source: test source of vm.json" in out
    assert "  westeurope: vm 1 sizes, 2 prices" in out
    assert "  eastus: disk 1 SKUs, 2 prices; public_ip 1 price" in out
    assert "WARNING" not in out


def test_show_warns_when_a_file_is_older_than_90_days(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_snapshot_files(tmp_path / "old", "2026-07-27")
    code, out, _ = run(capsys, "show", "--dir", str(tmp_path / "old"))
    assert code == 0
    assert "WARNING: vm.json is 120 days old (over 90)" in out
    assert "WARNING: services.json is 120 days old" in out
    code, _, err = run(capsys, "show", "--dir", str(tmp_path / "none"))
    assert code == 2 and "error:" in err


def test_the_module_runs_show_on_the_shipped_snapshot() -> None:
    done = subprocess.run([sys.executable, "-m", "azurefacts.prices", "show"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "vm.json: read on" in done.stdout and "services.json: read on" in done.stdout
    assert "eastus: vm " in done.stdout
