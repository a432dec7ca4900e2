"""Blob protection in the emulator (fakeazure/providers/storage.py): what an ADLS Gen2 account refuses, and what
point-in-time restore needs."""

from __future__ import annotations

from typing import Any

import pytest

from fakeazure import FakeAzure
from tests.fakeazure.test_rules import STORAGE, changed, make_network, rejected, storage_inputs

BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"


@pytest.fixture
def az(fake_azure: FakeAzure) -> FakeAzure:
    make_network(fake_azure)
    return fake_azure


def protected(account: str, restore_days: int = 6, soft_days: int = 7) -> dict[str, Any]:
    return {
        "accountName": account, "resourceGroupName": "rg-dsvm", "blobServicesName": "default",
        "deleteRetentionPolicy": {"enabled": True, "days": soft_days},
        "containerDeleteRetentionPolicy": {"enabled": True, "days": soft_days},
        "isVersioningEnabled": True, "changeFeed": {"enabled": True, "retentionInDays": soft_days},
        "restorePolicy": {"enabled": True, "days": restore_days},
    }  # fmt: skip


def test_a_flat_namespace_account_takes_versioning_and_point_in_time_restore(az: FakeAzure) -> None:
    az.create(STORAGE, "flat", {**storage_inputs("dsvmflat01"), "isHnsEnabled": False})
    error = rejected(az, BLOB_SERVICE, "flat-blob", protected("dsvmflat01", restore_days=7))
    assert "less than deleteRetentionPolicy.days (7)" in error.message
    error = rejected(az, BLOB_SERVICE, "flat-blob", changed(protected("dsvmflat01"), "changeFeed.enabled", False))
    assert "requires blob versioning, change feed and blob soft delete" in error.message
    az.create(BLOB_SERVICE, "flat-blob", protected("dsvmflat01"))


def test_an_adls_gen2_account_refuses_versioning_change_feed_and_restore_but_keeps_soft_delete(az: FakeAzure) -> None:
    az.create(STORAGE, "lake", storage_inputs("dsvmlake01"))  # isHnsEnabled: true
    error = rejected(az, BLOB_SERVICE, "lake-blob", protected("dsvmlake01"))
    assert error.code == "FeatureNotSupportedForAccount" and "hierarchical namespace" in error.message
    soft_only = {k: v for k, v in protected("dsvmlake01").items()
                 if k not in ("isVersioningEnabled", "changeFeed", "restorePolicy")}  # fmt: skip
    az.create(BLOB_SERVICE, "lake-blob", soft_only)
