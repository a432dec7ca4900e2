"""Per resource type: how ARM addresses it, what replaces it, what Azure refuses to change.

One row per Pulumi type token the stacks use. The components' replace lists,
the emulator's rules, the offline diff and the ARM export all read these rows.

- ``name_input`` / ``parent_inputs`` / ``in_resource_group``: the ARM path
  parameters. azure-native replaces a resource when one of them changes
  (pulumi-azure-native ``provider/pkg/provider/diff.go``: path parameters force
  a new resource).
- ``create_only``: further inputs whose change makes azure-native plan a
  replace (pulumi-azure-native ``provider/pkg/gen/replacement.go``; for
  pulumi-random, every argument).
- ``update_refused`` (in a stable order): inputs azure-native plans as an in-place update but
  Azure refuses to change on an existing resource (``PropertyChangeNotAllowed``
  and kin; pulumi-azure-native #577, #1117): a program must list them in
  ``replace_on_changes`` or the apply fails.
- ``secret_properties``: write-only inputs azure-native marks secret.
- ``api_version()``: the REST API version the pinned azure-native SDK sends for
  the type, read from the installed SDK's own documentation of the class, not
  from a hand table.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from dataclasses import dataclass
from pathlib import Path

AZURE_NATIVE_PACKAGE = "pulumi_azure_native"
DIFF_SOURCE = "pulumi-azure-native provider/pkg/provider/diff.go (path parameters replace)"
REPLACEMENT_SOURCE = "pulumi-azure-native provider/pkg/gen/replacement.go (forced replacements)"
REFUSED_SOURCE = "ARM PropertyChangeNotAllowed on PUT; pulumi-azure-native #577, #1117"


@dataclass(frozen=True)
class ResourceFacts:
    """What Azure and the provider do with one resource type."""

    token: str
    arm_type: str
    name_input: str | None = None
    parent_inputs: tuple[str, ...] = ()
    in_resource_group: bool = True
    has_location: bool = False
    create_only: frozenset[str] = frozenset()
    update_refused: tuple[str, ...] = ()
    secret_properties: frozenset[str] = frozenset()
    source: str = f"{DIFF_SOURCE}; {REPLACEMENT_SOURCE}"

    @property
    def is_azure(self) -> bool:
        return self.token.startswith("azure-native:")

    def path_parameters(self) -> frozenset[str]:
        """The inputs that are ARM path parameters: the name, the parents' names, the resource group."""
        path = {self.name_input} if self.name_input else set()
        path |= set(self.parent_inputs)
        if self.in_resource_group:
            path.add("resourceGroupName")
        return frozenset(path)

    def replace_triggers(self) -> frozenset[str]:
        """Inputs whose change makes the provider replace the resource."""
        return self.path_parameters() | self.create_only

    def api_version(self) -> str:
        """The REST API version the installed azure-native SDK sends for this type."""
        return sdk_api_version(self.token)


VM = "azure-native:compute:VirtualMachine"
DISK = "azure-native:compute:Disk"
VM_EXTENSION = "azure-native:compute:VirtualMachineExtension"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
VNET = "azure-native:network:VirtualNetwork"
SUBNET = "azure-native:network:Subnet"
NSG = "azure-native:network:NetworkSecurityGroup"
PUBLIC_IP = "azure-native:network:PublicIPAddress"
NIC = "azure-native:network:NetworkInterface"
BASTION = "azure-native:network:BastionHost"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
SCHEDULE = "azure-native:devtestlab:GlobalSchedule"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
TLS_PRIVATE_KEY = "tls:index/privateKey:PrivateKey"
ML_WORKSPACE = "azure-native:machinelearningservices:Workspace"
ML_COMPUTE = "azure-native:machinelearningservices:Compute"
VMSS = "azure-native:compute:VirtualMachineScaleSet"
USER_ASSIGNED_IDENTITY = "azure-native:managedidentity:UserAssignedIdentity"
AUTOSCALE_SETTING = "azure-native:monitor:AutoscaleSetting"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
BUDGET = "azure-native:consumption:Budget"
BACKUP_VAULT = "azure-native:dataprotection:BackupVault"
BACKUP_POLICY = "azure-native:dataprotection:BackupPolicy"
BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"
MAINTENANCE_CONFIGURATION = "azure-native:maintenance:MaintenanceConfiguration"
CONFIGURATION_ASSIGNMENT = "azure-native:maintenance:ConfigurationAssignment"
LOGIC_WORKFLOW = "azure-native:logic:Workflow"
BACKUP_SOURCE = (
    "Microsoft Learn, 'Create Azure Data Protection backup policies for disks using REST API' (a policy cannot be "
    "modified) and 'Back up Azure Managed Disks' (a backup instance's snapshot resource group cannot change)"
)

RESOURCE_TYPES: dict[str, ResourceFacts] = {
    f.token: f
    for f in [
        ResourceFacts(
            RESOURCE_GROUP, "Microsoft.Resources/resourceGroups", name_input="resourceGroupName",
            in_resource_group=False, has_location=True,
            # A resource group cannot move: azure-native replaces it on a location change.
            create_only=frozenset({"location"}),
        ),
        ResourceFacts(
            VNET, "Microsoft.Network/virtualNetworks", name_input="virtualNetworkName", has_location=True,
            create_only=frozenset({"location"}),
        ),
        ResourceFacts(
            SUBNET, "Microsoft.Network/virtualNetworks/subnets", name_input="subnetName",
            parent_inputs=("virtualNetworkName",),
        ),
        ResourceFacts(
            NSG, "Microsoft.Network/networkSecurityGroups", name_input="networkSecurityGroupName", has_location=True,
        ),
        ResourceFacts(
            PUBLIC_IP, "Microsoft.Network/publicIPAddresses", name_input="publicIpAddressName", has_location=True,
            # SKU, IP version and prefix are fixed at creation.
            create_only=frozenset({"location", "sku", "publicIPAddressVersion", "publicIPPrefix"}),
        ),
        ResourceFacts(
            NIC, "Microsoft.Network/networkInterfaces", name_input="networkInterfaceName", has_location=True,
        ),
        ResourceFacts(
            BASTION, "Microsoft.Network/bastionHosts", name_input="bastionHostName", has_location=True,
        ),
        ResourceFacts(
            STORAGE_ACCOUNT, "Microsoft.Storage/storageAccounts", name_input="accountName", has_location=True,
            # The hierarchical namespace cannot be switched in place (the ADLS Gen2 upgrade is a
            # separate one-way migration).
            create_only=frozenset({"location", "isHnsEnabled"}),
        ),
        ResourceFacts(
            BLOB_SERVICE, "Microsoft.Storage/storageAccounts/blobServices", name_input="blobServicesName",
            parent_inputs=("accountName",),
        ),
        ResourceFacts(
            BLOB_CONTAINER, "Microsoft.Storage/storageAccounts/blobServices/containers",
            name_input="containerName", parent_inputs=("accountName", "blobServicesName"),
        ),
        ResourceFacts(
            DISK, "Microsoft.Compute/disks", name_input="diskName", has_location=True,
            # How a disk was created (Empty, Copy, FromImage...) cannot change.
            update_refused=("creationData",),
        ),
        ResourceFacts(
            VM, "Microsoft.Compute/virtualMachines", name_input="vmName", has_location=True,
            update_refused=(
                "osProfile.computerName",
                "osProfile.adminUsername",
                "osProfile.adminPassword",
                "osProfile.customData",
                "storageProfile.imageReference",
                "storageProfile.osDisk.createOption",
                # "Changing property 'linuxConfiguration.ssh.publicKeys' is not allowed": keys and the
                # password switch are set once, at creation (rotate through a replacement or VMAccess).
                "osProfile.linuxConfiguration.ssh.publicKeys",
                "osProfile.linuxConfiguration.disablePasswordAuthentication",
                # Microsoft Learn, 'Azure Spot Virtual Machines': a regular VM cannot become Spot or back;
                # the eviction policy is set at creation too (that one is not confirmed).
                "priority",
                "evictionPolicy",
            ),
            # ARM never returns these (write-only) and azure-native marks them secret.
            secret_properties=frozenset({"osProfile.adminPassword", "osProfile.customData"}),
            source=f"{DIFF_SOURCE}; {REFUSED_SOURCE}",
        ),
        ResourceFacts(
            VM_EXTENSION, "Microsoft.Compute/virtualMachines/extensions", name_input="vmExtensionName",
            parent_inputs=("vmName",), has_location=True,
            # Write-only: ARM never returns protectedSettings (Microsoft Learn, 'Custom Script Extension v2').
            secret_properties=frozenset({"protectedSettings"}),
        ),
        ResourceFacts(SCHEDULE, "Microsoft.DevTestLab/schedules", name_input="name", has_location=True),
        ResourceFacts(
            ROLE_ASSIGNMENT, "Microsoft.Authorization/roleAssignments", name_input="roleAssignmentName",
            in_resource_group=False,
            # An assignment cannot change who or where: azure-native replaces on principal and scope.
            create_only=frozenset({"principalId", "scope"}),
            # ARM answers RoleAssignmentUpdateNotPermitted when the role of an assignment changes.
            update_refused=("roleDefinitionId",),
        ),
        ResourceFacts(
            RANDOM_PASSWORD, "random/passwords", in_resource_group=False,
            # pulumi-random forces a new value when any argument changes.
            create_only=frozenset({
                "length", "lower", "upper", "numeric", "special", "minLower", "minUpper", "minNumeric",
                "minSpecial", "overrideSpecial", "keepers",
            }),
            source="pulumi-random: every argument of RandomPassword forces a new resource",
        ),
        ResourceFacts(
            TLS_PRIVATE_KEY, "tls/privateKeys", in_resource_group=False,
            create_only=frozenset({"algorithm", "rsaBits", "ecdsaCurve"}),
            source="pulumi-tls: every argument of PrivateKey forces a new key",
        ),
        ResourceFacts(
            ML_WORKSPACE, "Microsoft.MachineLearningServices/workspaces", name_input="workspaceName",
            has_location=True, create_only=frozenset({"location"}),
        ),
        ResourceFacts(
            ML_COMPUTE, "Microsoft.MachineLearningServices/workspaces/computes", name_input="computeName",
            parent_inputs=("workspaceName",), has_location=True,
            # An attached compute's target and type are set when it is attached (detach and attach again).
            update_refused=("properties.computeType", "properties.resourceId"),
            secret_properties=frozenset({"properties.properties.administratorAccount.privateKeyData"}),
            source=f"{DIFF_SOURCE}; Microsoft Learn, 'Attach a VM as a compute target' (unconfirmed refusal)",
        ),
        # scale_out: Microsoft Learn, 'Orchestration modes for Virtual Machine Scale Sets' (the mode is set at
        # creation and cannot change; a Flexible scale set takes platformFaultDomainCount at creation) and
        # shared/DESIGN.md section 4 (azure-native plans a `zones` change as an update, which Azure refuses).
        ResourceFacts(
            VMSS, "Microsoft.Compute/virtualMachineScaleSets", name_input="vmScaleSetName", has_location=True,
            update_refused=("orchestrationMode", "platformFaultDomainCount", "zones"),
            # ARM never returns these (write-only) and azure-native marks them secret.
            secret_properties=frozenset({
                "virtualMachineProfile.osProfile.adminPassword", "virtualMachineProfile.osProfile.customData",
            }),
            source=f"{DIFF_SOURCE}; {REFUSED_SOURCE}; Microsoft Learn, 'Orchestration modes for Virtual Machine "
            "Scale Sets'",
        ),
        ResourceFacts(
            USER_ASSIGNED_IDENTITY, "Microsoft.ManagedIdentity/userAssignedIdentities", name_input="resourceName",
            has_location=True,
        ),
        # DESIGN.md section 4: azure-native replaces an AutoscaleSetting on a location change.
        ResourceFacts(
            AUTOSCALE_SETTING, "Microsoft.Insights/autoscalesettings", name_input="autoscaleSettingName",
            has_location=True, create_only=frozenset({"location"}),
        ),
        # Extension resources addressed by `scope` (a path parameter: azure-native replaces on a change).
        # A custom role's id, its name, is a GUID the provider generates when the program gives none.
        ResourceFacts(
            ROLE_DEFINITION, "Microsoft.Authorization/roleDefinitions", name_input="roleDefinitionId",
            in_resource_group=False, create_only=frozenset({"scope"}),
        ),
        ResourceFacts(
            BUDGET, "Microsoft.Consumption/budgets", name_input="budgetName", in_resource_group=False,
            create_only=frozenset({"scope"}),
            # Not confirmed by the API reference: users of the API and of Bicep modules report that an existing
            # budget's start date cannot be changed (they delete the budget to move it).
            update_refused=("timePeriod.startDate",),
        ),
        # Azure Backup of the data disks (azurefacts/backup.py). A policy is never modified in place: a new schedule
        # or retention is a new policy. A backup instance keeps its snapshot resource group, and (not confirmed) its
        # data source: another disk is another backup instance.
        ResourceFacts(BACKUP_VAULT, "Microsoft.DataProtection/backupVaults", name_input="vaultName", has_location=True),
        ResourceFacts(
            BACKUP_POLICY, "Microsoft.DataProtection/backupVaults/backupPolicies", name_input="backupPolicyName",
            parent_inputs=("vaultName",), update_refused=("properties",), source=f"{DIFF_SOURCE}; {BACKUP_SOURCE}",
        ),
        ResourceFacts(
            BACKUP_INSTANCE, "Microsoft.DataProtection/backupVaults/backupInstances", name_input="backupInstanceName",
            parent_inputs=("vaultName",),
            update_refused=("properties.dataSourceInfo.resourceID", "properties.policyInfo.policyParameters"),
            source=f"{DIFF_SOURCE}; {BACKUP_SOURCE}",
        ),
        # Scheduled patching (azurefacts/patching.py). An assignment is an extension resource of the VM it attaches a
        # configuration to: the VM's provider, type and name are path parameters.
        ResourceFacts(
            MAINTENANCE_CONFIGURATION, "Microsoft.Maintenance/maintenanceConfigurations", name_input="resourceName",
            has_location=True,
        ),
        ResourceFacts(
            CONFIGURATION_ASSIGNMENT, "Microsoft.Maintenance/configurationAssignments",
            name_input="configurationAssignmentName", parent_inputs=("providerName", "resourceType", "resourceName"),
            has_location=True,
        ),
        # The start workflow before the patch window (azurefacts/logic_apps.py): a Consumption Logic App.
        ResourceFacts(LOGIC_WORKFLOW, "Microsoft.Logic/workflows", name_input="workflowName", has_location=True),
    ]
}  # fmt: skip


class SdkNotFoundError(LookupError):
    """The azure-native SDK, or the module of a type, is not installed."""


def sdk_module_file(token: str) -> Path:
    """The SDK source file of an ``azure-native:<module>:<Class>`` type."""
    package, module, cls = token.split(":")
    if package != "azure-native":
        raise SdkNotFoundError(f"{token} is not an azure-native type")
    spec = importlib.util.find_spec(AZURE_NATIVE_PACKAGE)  # locates the package without importing it
    if spec is None or not spec.submodule_search_locations:
        raise SdkNotFoundError(f"the {AZURE_NATIVE_PACKAGE} package is not installed")
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", cls).lower()
    path = Path(next(iter(spec.submodule_search_locations))) / module / f"{snake}.py"
    if not path.is_file():
        raise SdkNotFoundError(f"no SDK module for {token} ({path})")
    return path


@functools.cache
def sdk_api_version(token: str) -> str:
    """The API version the SDK class documents as the one it uses ("Uses Azure REST API version X.")."""
    found = re.search(r"Uses Azure REST API version (\S+?)\.\s", sdk_module_file(token).read_text())
    if found is None:
        raise SdkNotFoundError(f"the SDK module of {token} does not state its API version")
    return found.group(1)
