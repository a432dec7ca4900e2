"""Errors raised by the emulator.

``ArmError`` carries the code Azure Resource Manager returns for the same
request (``InvalidParameter``, ``SkuNotAvailable``, ``QuotaExceeded`` ...), so a
test or a user reads the same code they would see from ``pulumi up``.
``FakeAzureError`` is the emulator's own complaint: something it does not
emulate, or a program bug that Azure would not report (two Pulumi resources
managing one ARM id). Neither is ever swallowed: a fake that silently accepts
anything is worse than none.
"""

from __future__ import annotations


class FakeAzureError(Exception):
    """The emulator cannot answer: unknown type or invoke, or a program bug."""


class UnknownResourceType(FakeAzureError):  # noqa: N818 - public name
    """A resource type token the emulator does not model."""

    def __init__(self, token: str) -> None:
        super().__init__(
            f"fakeazure does not emulate resource type '{token}'; add a provider in "
            "fakeazure/providers/ before using it"
        )
        self.token = token


class UnknownInvoke(FakeAzureError):  # noqa: N818 - public name
    """A function (invoke) token the emulator does not model."""

    def __init__(self, token: str) -> None:
        super().__init__(f"fakeazure does not emulate invoke '{token}'; add it to fakeazure/providers/")
        self.token = token


class UnknownFact(FakeAzureError):  # noqa: N818 - public name
    """A value (a VM size, an image) that Azure may well know but ``azurefacts`` does not."""


class ArmError(Exception):
    """An error Azure Resource Manager would return for the same request.

    ``code`` is ARM's error code, ``target`` the offending property (dotted,
    as ARM reports it) and ``message`` the explanation.
    """

    def __init__(self, code: str, message: str, target: str | None = None, hint: str | None = None) -> None:
        self.code = code
        self.message = message
        self.target = target
        self.hint = hint  # the way out, in this product's words (not part of Azure's answer)
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = f" (target: {self.target})" if self.target else ""
        return f"{self.code}: {self.message}{where}"

    def __reduce__(self) -> tuple[type[ArmError], tuple[str, str, str | None, str | None]]:
        return (ArmError, (self.code, self.message, self.target, self.hint))

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "target": self.target, "hint": self.hint}


class ErrorCode:
    """A named constructor of one ARM error code: ``invalid_parameter("message", "target")``.

    ``confirmed=False`` marks a code not confirmed from Azure's documentation or a real
    response: the emulator uses it where Azure refuses the request, but the exact code
    Azure returns may differ.
    """

    def __init__(self, code: str, confirmed: bool = True) -> None:
        self.code = code
        self.confirmed = confirmed
        ERROR_CODES.append(self)

    def __call__(self, message: str, target: str | None = None, hint: str | None = None) -> ArmError:
        return ArmError(self.code, message, target, hint)

    def __repr__(self) -> str:
        return f"ErrorCode({self.code!r}, confirmed={self.confirmed})"


ERROR_CODES: list[ErrorCode] = []

# Common to every type (ARM's request validation).
invalid_parameter = ErrorCode("InvalidParameter")
invalid_request_format = ErrorCode("InvalidRequestFormat")
bad_request = ErrorCode("BadRequest")
not_found = ErrorCode("NotFound")
operation_not_allowed = ErrorCode("OperationNotAllowed")
property_change_not_allowed = ErrorCode("PropertyChangeNotAllowed")
invalid_resource_reference = ErrorCode("InvalidResourceReference")
resource_not_found = ErrorCode("ResourceNotFound")
resource_group_not_found = ErrorCode("ResourceGroupNotFound")
invalid_resource_group_name = ErrorCode("InvalidResourceGroupName")
location_required = ErrorCode("LocationRequired")
invalid_resource_location = ErrorCode("InvalidResourceLocation")
invalid_resource_group_location = ErrorCode("InvalidResourceGroupLocation")
location_not_available_for_resource_group = ErrorCode("LocationNotAvailableForResourceGroup")
location_not_available_for_resource_type = ErrorCode("LocationNotAvailableForResourceType")
invalid_values_for_request_parameters = ErrorCode("InvalidValuesForRequestParameters")
# Microsoft.Compute
sku_not_available = ErrorCode("SkuNotAvailable")
platform_image_not_found = ErrorCode("PlatformImageNotFound")
quota_exceeded = ErrorCode("QuotaExceeded")
nic_in_use = ErrorCode("NicInUse")
# Host caching on a disk of 4 TiB or more: refused (Microsoft Learn, managed disks FAQ); the code is not
# confirmed.
disk_caching_not_supported = ErrorCode("InvalidParameter", confirmed=False)
# The message Azure returns for a smaller disk size is documented (MicrosoftDocs/azure-docs #57951:
# "cannot be resized down. Reducing disk/snapshot size is not supported in Azure to prevent data
# loss"); the error code with it is not.
disk_resize_down = ErrorCode("BadRequest", confirmed=False)
# Changing a disk's SKU needs it unattached or its VM deallocated; the code with that refusal is not confirmed
# (resizing an attached disk answers OperationNotAllowed, kubernetes/kubernetes #96706).
disk_change_while_attached = ErrorCode("OperationNotAllowed", confirmed=False)
# Microsoft.Network
invalid_address_prefix_format = ErrorCode("InvalidAddressPrefixFormat")
subnet_range_outside_vnet = ErrorCode("NetcfgSubnetRangeOutsideVnet")
subnet_ranges_overlap = ErrorCode("NetcfgSubnetRangesOverlap")
subnet_is_full = ErrorCode("SubnetIsFull")
in_use_subnet_cannot_be_updated = ErrorCode("InUseSubnetCannotBeUpdated")
security_rule_invalid_priority = ErrorCode("SecurityRuleInvalidPriority")
security_rule_conflict = ErrorCode("SecurityRuleConflict")
basic_public_ip_limit = ErrorCode("IPv4BasicSkuPublicIpCountLimitReached")
public_ip_in_use = ErrorCode("PublicIPAddressInUse")
bastion_subnet_name = ErrorCode("SubnetNameMustBeAzureBastionSubnet")
bastion_subnet_size = ErrorCode("BastionHostSubnetSizeInvalid", confirmed=False)
bastion_public_ip_sku = ErrorCode("BastionHostPublicIpSkuInvalid", confirmed=False)
# Downgrading a Bastion SKU is not supported (documented); the code Azure answers with is not confirmed.
bastion_sku_downgrade = ErrorCode("BadRequest", confirmed=False)
# A Developer Bastion without virtualNetwork.id: "Virtual Network Id is a mandatory field for Developer BastionHost
# SKU." (MicrosoftDocs/azure-docs #117532); a feature it lacks (ip configurations, tunneling, scale units):
# FeatureNotSupportedForDeveloperBastionSku (pulumi/pulumi-azure-native #4000; the message is not confirmed).
bastion_vnet_id_not_provided = ErrorCode("BastionHostVnetIdNotProvided")
bastion_developer_feature = ErrorCode("FeatureNotSupportedForDeveloperBastionSku")
# Developer outside its regions, host scaling or tunneling on a SKU without them: refused per Microsoft Learn
# ('Choose the right Azure Bastion SKU', the Developer quickstart); the codes are not confirmed.
bastion_developer_region = ErrorCode("BadRequest", confirmed=False)
bastion_feature_needs_sku = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Storage
account_name_invalid = ErrorCode("AccountNameInvalid")
storage_account_already_taken = ErrorCode("StorageAccountAlreadyTaken")
network_acls_validation_failure = ErrorCode("NetworkAclsValidationFailure")
public_access_not_permitted = ErrorCode("PublicAccessNotPermitted")
container_operation_failure = ErrorCode("ContainerOperationFailure")
# Microsoft.Authorization
invalid_role_assignment_id = ErrorCode("InvalidRoleAssignmentId")
role_definition_does_not_exist = ErrorCode("RoleDefinitionDoesNotExist")
invalid_principal_id = ErrorCode("InvalidPrincipalId")
role_assignment_exists = ErrorCode("RoleAssignmentExists")
# ARM's authorization answer before any provider sees the request (Microsoft Learn, 'Troubleshoot Azure RBAC':
# "The client ... does not have authorization to perform action ... over scope ..."): fakeazure/caller.py.
authorization_failed = ErrorCode("AuthorizationFailed")
# Microsoft.MachineLearningServices (codes not confirmed)
compute_name_invalid = ErrorCode("InvalidParameter", confirmed=False)
compute_ssh_failed = ErrorCode("BadRequest", confirmed=False)
# Microsoft.DevTestLab
invalid_schedule_name = ErrorCode("InvalidScheduleName", confirmed=False)
# Microsoft.Compute scale sets (Microsoft Learn, 'Orchestration modes for Virtual Machine Scale Sets'): Azure
# refuses these requests; the codes it answers with are not confirmed.
flexible_rule_violated = ErrorCode("InvalidParameter", confirmed=False)
scale_set_capacity_out_of_range = ErrorCode("InvalidParameter", confirmed=False)
zones_not_supported = ErrorCode("ZonesNotSupported", confirmed=False)
identity_not_found = ErrorCode("FailedIdentityOperation", confirmed=False)
# Microsoft.ManagedIdentity: name rules (Microsoft Learn, 'Naming rules and restrictions for Azure resources').
invalid_resource_name = ErrorCode("InvalidResourceName")
# Microsoft.Insights autoscale settings (limits: Microsoft Learn, 'Azure Monitor service limits' and the
# AutoscaleProfile reference); the codes Azure answers with are not confirmed.
autoscale_target_not_found = ErrorCode("TargetResourceNotFound", confirmed=False)
autoscale_setting_invalid = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Authorization custom roles. RoleDefinitionWithSameNameExists is a real answer ("A role definition
# cannot be updated with a name that already exists.", Azure/ARO-RP #1346); the codes of the other refusals
# (Microsoft Learn, 'Azure custom roles': at least one action, a role name, assignable scopes that exist,
# an assignment only within them) are not confirmed.
role_definition_with_same_name_exists = ErrorCode("RoleDefinitionWithSameNameExists")
role_definition_invalid = ErrorCode("BadRequest", confirmed=False)
role_not_assignable_at_scope = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Consumption budgets (Microsoft Learn, 'Budgets - Create Or Update', 2024-08-01): the rules are
# documented, the codes Azure answers with are not confirmed.
budget_invalid = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Compute userData ('User data for Azure Virtual Machine': base64, at most 64 KB) and
# osProfile.allowExtensionOperations ('may only be set to False when no extensions are present on the
# virtual machine', OSProfile reference): the codes are not confirmed.
user_data_invalid = ErrorCode("InvalidParameter", confirmed=False)
# A Premium SSD on a size without premium storage (Microsoft Learn, 'Azure managed disk types': Premium SSDs
# need a premium-storage-capable size, the series pages' "Premium Storage: Not Supported"); code not confirmed.
premium_storage_not_supported = ErrorCode("OperationNotAllowed", confirmed=False)
# OS disk rules (Microsoft Learn, 'Azure managed disk types', 'Deploy a ZRS managed disk', 'Expand virtual hard disks
# on a Linux VM', 'Change the disk type of an Azure managed disk'): the refusals are documented, the codes are not
# confirmed. Azure's answer to an OS disk smaller than its image reads "Disk size ... is smaller than the size of the
# corresponding disk in the VM image"; its code is reported as ResizeDiskError, not confirmed from Microsoft.
os_disk_sku_not_supported = ErrorCode("InvalidParameter", confirmed=False)
zrs_disk_not_available = ErrorCode("BadRequest", confirmed=False)
os_disk_smaller_than_image = ErrorCode("ResizeDiskError", confirmed=False)
os_disk_change_while_running = ErrorCode("OperationNotAllowed", confirmed=False)
extensions_present = ErrorCode("OperationNotAllowed", confirmed=False)
# Microsoft.DataProtection (azurefacts/backup.py has the rules and their sources). Documented messages: "Storage
# redundancy cannot be changed after protecting items to the vault", "Cannot delete the Backup vault as there are
# existing backup instances or backup policies in the vault"; the codes Azure answers with are not confirmed.
backup_request_invalid = ErrorCode("BadRequest", confirmed=False)
# Codes Microsoft Learn lists in 'Troubleshooting backup failures in Azure Disk Backup' (with their messages): that
# the configure-protection PUT answers with them, rather than a later backup job, is not confirmed.
backup_no_permission_on_disk = ErrorCode("UserErrorNotEnoughPermissionOnDisk", confirmed=False)
backup_no_permission_on_snapshot_group = ErrorCode("UserErrorNotEnoughPermissionOnSnapshotRG", confirmed=False)
backup_disk_not_found = ErrorCode("UserErrorManagedDiskNotFound", confirmed=False)
backup_snapshot_group_not_found = ErrorCode("UserErrorSnapshotRGNotFound", confirmed=False)
backup_snapshot_group_subscription = ErrorCode("UserErrorSnapshotRGSubscriptionMismatch", confirmed=False)
backup_disk_already_protected = ErrorCode("UserErrorDppDatasourceAlreadyProtected", confirmed=False)
backup_disk_type_not_supported = ErrorCode("UserErrorDiskBackupDiskTypeNotSupported", confirmed=False)
backup_vault_not_empty = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Storage blob service features an account with a hierarchical namespace does not have (Microsoft Learn,
# 'Blob Storage features available in Azure Data Lake Storage'); the code is not confirmed.
feature_not_supported_for_account = ErrorCode("FeatureNotSupportedForAccount", confirmed=False)
# Microsoft.Maintenance guest patching (azurefacts/patching.py): the rules are documented, the codes not confirmed.
maintenance_invalid = ErrorCode("InvalidParameter", confirmed=False)
maintenance_prerequisites = ErrorCode("BadRequest", confirmed=False)
# Microsoft.Logic workflows (azurefacts/logic_apps.py): Azure refuses an invalid definition at save time; the code it
# answers with for each rule is not confirmed (InvalidTemplate for definition errors, as the designer reports them).
workflow_invalid = ErrorCode("InvalidTemplate", confirmed=False)
