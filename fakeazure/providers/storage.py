"""Microsoft.Storage: storage accounts, blob service properties, containers.

Emulated:
- StorageAccount: name 3-24 lowercase letters and digits (``AccountNameInvalid``),
  globally unique (``StorageAccountAlreadyTaken``: names in
  ``FakeAzure.taken_storage_account_names`` or used elsewhere in the
  subscription), SKU among the StorageV2 SKUs; computed ``primaryEndpoints``;
  network rules (``networkRuleSet``): default action Allow/Deny, bypass a
  combination of None/Logging/Metrics/AzureServices (``InvalidValuesForRequestParameters``),
  each virtual network rule's subnet must exist and have the ``Microsoft.Storage``
  service endpoint (``NetworkAclsValidationFailure``, ARM's
  ``SubnetsHaveNoServiceEndpointsConfigured``).
- BlobServiceProperties: the account must exist; soft-delete retention 1-365 days; on an account with a
  hierarchical namespace no versioning, change feed or point-in-time restore (``FeatureNotSupportedForAccount``,
  code not confirmed); a point-in-time restore needs versioning, change feed and blob soft delete, and keeps
  at least one day less than soft delete (``InvalidParameter``) (``azurefacts/backup.py``).
- BlobContainer: the account must exist; name 3-63 lowercase letters, digits
  and single hyphens, starting with a letter or digit.

Not emulated: data plane (blobs), evaluating network rules against callers, IP rules, keys (shared-key
access is expected to be off), ADLS Gen2 ACLs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, ClassVar

from azurefacts.disks import STORAGE_SKUS
from fakeazure import errors
from fakeazure.providers.base import ResourceType, dig

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_ACCOUNT_NAME = re.compile(r"^[a-z0-9]{3,24}$")
_CONTAINER_NAME = re.compile(r"^(?=.{3,63}$)[a-z0-9](?:-?[a-z0-9])*$")
_BYPASS = {"None", "Logging", "Metrics", "AzureServices"}


class StorageAccount(ResourceType):
    token = "azure-native:storage:StorageAccount"
    autoname = "lower"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        name = resource.name
        if not _ACCOUNT_NAME.match(name):
            raise errors.account_name_invalid(
                f"{name} is not a valid storage account name. Storage account name must be between "
                "3 and 24 characters in length and use numbers and lower-case letters only.",
                "accountName",
            )
        taken_here = any(
            other.name == name and other.id.lower() != resource.id.lower() for other in az.of_type(self.arm_type)
        )
        if name in az.taken_storage_account_names or taken_here:
            raise errors.storage_account_already_taken(
                f"The storage account named {name} is already taken.",
                "accountName",
            )
        sku = dig(resource.inputs, "sku.name")
        if sku not in STORAGE_SKUS:
            raise errors.invalid_request_format(f"SKU {sku} is not valid for StorageV2.", "sku.name")
        self._check_network_rules(az, resource.inputs.get("networkRuleSet"))

    @staticmethod
    def _check_network_rules(az: FakeAzure, rules: dict[str, Any] | None) -> None:
        if not rules:
            return
        if rules.get("defaultAction", "Allow") not in ("Allow", "Deny"):
            raise errors.invalid_values_for_request_parameters(
                "Values for request parameters are invalid: networkAcls.defaultAction.",
                "networkRuleSet.defaultAction",
            )
        bypass = {part.strip() for part in str(rules.get("bypass", "AzureServices")).split(",")}
        if not bypass <= _BYPASS or ("None" in bypass and len(bypass) > 1):
            raise errors.invalid_values_for_request_parameters(
                "Values for request parameters are invalid: networkAcls.bypass.",
                "networkRuleSet.bypass",
            )
        for i, rule in enumerate(rules.get("virtualNetworkRules") or []):
            target = f"networkRuleSet.virtualNetworkRules[{i}]"
            if rule.get("action", "Allow") != "Allow":
                raise errors.invalid_values_for_request_parameters(
                    "Values for request parameters are invalid: networkAcls.virtualNetworkRules[*].action.",
                    f"{target}.action",
                )
            subnet = az.require(
                rule.get("virtualNetworkResourceId"),
                f"{target}.virtualNetworkResourceId",
                "Microsoft.Network/virtualNetworks/subnets",
                code=errors.network_acls_validation_failure,
            )
            services = {str(e.get("service", "")) for e in subnet.inputs.get("serviceEndpoints") or []}
            if not services & {"Microsoft.Storage", "Microsoft.Storage.Global"}:
                vnet_id = subnet.id.rsplit("/subnets/", 1)[0]
                raise errors.network_acls_validation_failure(
                    "Validation of network acls failure: SubnetsHaveNoServiceEndpointsConfigured:Subnets "
                    f"{subnet.name} of virtual network {vnet_id} do not have ServiceEndpoints for "
                    "Microsoft.Storage resources configured. Add Microsoft.Storage to subnet's ServiceEndpoints "
                    "collection before trying to ACL Microsoft.Storage resources to these subnets.",
                    f"{target}.virtualNetworkResourceId",
                )

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        base = resource.name
        endpoints = {
            kind: f"https://{base}.{kind}.core.windows.net/"
            for kind in ("blob", "dfs", "file", "queue", "table", "web")
        }
        return {"primaryEndpoints": endpoints, "statusOfPrimary": "available", "primaryLocation": resource.location}


class BlobServiceProperties(ResourceType):
    token = "azure-native:storage:BlobServiceProperties"

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        return "default"  # ARM allows only 'default' here

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        account = az.require(resource.id.rsplit("/blobServices/", 1)[0], "accountName", StorageAccount.arm_type)
        inputs = resource.inputs
        for policy in ("deleteRetentionPolicy", "containerDeleteRetentionPolicy"):
            days = dig(inputs, f"{policy}.days")
            if dig(inputs, f"{policy}.enabled") and not (days and 1 <= int(days) <= 365):
                raise errors.invalid_parameter(f"{policy}.days must be between 1 and 365.", f"{policy}.days")
        versioning, feed = inputs.get("isVersioningEnabled") is True, dig(inputs, "changeFeed.enabled") is True
        restore = dig(inputs, "restorePolicy.enabled") is True
        if account.inputs.get("isHnsEnabled"):
            features = ((versioning, "Blob versioning", "isVersioningEnabled"), (feed, "Change feed", "changeFeed"),
                        (restore, "Point-in-time restore", "restorePolicy"))  # fmt: skip
            for on, what, key in features:
                if on:
                    raise errors.feature_not_supported_for_account(
                        f"{what} is not supported for an account with a hierarchical namespace.", key,
                        hint="on ADLS Gen2 accounts keep blob and container soft delete (what Azure offers there)",
                    )  # fmt: skip
        if restore:
            self._check_restore_policy(inputs, versioning, feed)

    @staticmethod
    def _check_restore_policy(inputs: dict[str, Any], versioning: bool, feed: bool) -> None:
        if not (versioning and feed and dig(inputs, "deleteRetentionPolicy.enabled")):
            raise errors.invalid_parameter(
                "Point-in-time restore requires blob versioning, change feed and blob soft delete enabled.",
                "restorePolicy",
            )
        days, soft = int(dig(inputs, "restorePolicy.days") or 0), int(dig(inputs, "deleteRetentionPolicy.days") or 0)
        if not 1 <= days < soft:
            raise errors.invalid_parameter(
                f"restorePolicy.days ({days}) must be at least 1 and less than deleteRetentionPolicy.days ({soft}).",
                "restorePolicy.days",
            )


class BlobContainer(ResourceType):
    token = "azure-native:storage:BlobContainer"
    parent_defaults: ClassVar[dict[str, str]] = {"blobServicesName": "default"}

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        az.require(resource.id.rsplit("/blobServices/", 1)[0], "accountName", StorageAccount.arm_type)
        if not _CONTAINER_NAME.match(resource.name):
            raise errors.container_operation_failure(
                f"The specified container name '{resource.name}' is invalid: use 3-63 lowercase "
                "letters, digits and single hyphens, starting with a letter or digit.",
                "containerName",
            )
        if resource.inputs.get("publicAccess", "None") != "None":
            account = az.get(resource.id.rsplit("/blobServices/", 1)[0])
            if account and account.inputs.get("allowBlobPublicAccess") is False:
                raise errors.public_access_not_permitted(
                    "Public access is not permitted on this storage account.",
                    "publicAccess",
                )


TYPES: list[ResourceType] = [StorageAccount(), BlobServiceProperties(), BlobContainer()]
