"""Every rule of the pack with its name, what it asks, how to fix a violation, and its enforcement.

The names are the policy names ``pulumi preview --policy-pack policy`` prints and the
``policy`` field of a plan document carries; docs/GITOPS.md tables them. Mandatory rules stop
``pulumi preview``/``up`` and make ``dsvmctl plan``/``diff`` exit 1; advisory ones are reported.
"""

from __future__ import annotations

from policy.backup_rules import check_disks_backed_up, check_disks_backed_up_in_production
from policy.rules import (
    ADVISORY,
    MANDATORY,
    OptionsRule,
    ResourceRule,
    StackRule,
    check_blob_public_access,
    check_data_protected,
    check_encryption_at_host,
    check_https_only,
    check_image_pin_age,
    check_linux_password_auth,
    check_minimum_tls,
    check_nsg_vm_ports,
    check_shared_key_access,
)
from policy.stack_rules import check_compute_stops, check_cost_cap, check_no_public_ip, check_required_tags

RESOURCE_RULES: tuple[ResourceRule, ...] = (
    ResourceRule(
        "nsg-no-vm-ports-from-internet",
        "NSG rules never admit SSH (22), RDP (3389), JupyterHub (8000) or RStudio Server (8787) from *, "
        "Internet or a /0 prefix (single ports, ranges and lists alike).",
        "choose access mode bastion or private, or list your office/VPN ranges in access.allowed_cidrs; with an "
        "existing Bastion, set access.existing_bastion_subnet to its AzureBastionSubnet prefix",
        MANDATORY,
        check_nsg_vm_ports,
    ),
    ResourceRule(
        "vm-linux-ssh-keys-only",
        "Linux VMs and scale sets disable SSH password authentication.",
        "set osProfile.linuxConfiguration.disablePasswordAuthentication: true (components/vm_profile.py)",
        MANDATORY,
        check_linux_password_auth,
    ),
    ResourceRule(
        "vm-encryption-at-host",
        "VMs and scale sets encrypt at host (temp disk and caches too).",
        "set securityProfile.encryptionAtHost: true (a scale set: virtualMachineProfile.securityProfile) and "
        "register the subscription feature Microsoft.Compute/EncryptionAtHost; pick a size that supports it",
        MANDATORY,
        check_encryption_at_host,
    ),
    ResourceRule(
        "storage-no-public-blob-access",
        "Storage accounts refuse anonymous blob access.",
        "set allowBlobPublicAccess: false on the storage account",
        MANDATORY,
        check_blob_public_access,
    ),
    ResourceRule(
        "storage-minimum-tls-1-2",
        "Storage accounts require TLS 1.2 or later.",
        "set minimumTlsVersion: TLS1_2 on the storage account",
        MANDATORY,
        check_minimum_tls,
    ),
    ResourceRule(
        "storage-https-only",
        "Storage accounts accept HTTPS only.",
        "set enableHttpsTrafficOnly: true on the storage account",
        MANDATORY,
        check_https_only,
    ),
    ResourceRule(
        "storage-no-shared-key",
        "Storage accounts refuse shared-key (account key and key-signed SAS) authorization; access is by "
        "Entra ID and RBAC.",
        "set allowSharedKeyAccess: false on the storage account and grant Storage Blob Data roles instead "
        "(components/storage.py)",
        MANDATORY,
        check_shared_key_access,
    ),
    ResourceRule(
        "image-pin-age",
        "The DSVM image version a VM or scale set pins is at most 10 months old (versions stay deployable "
        "for about 12).",
        "pin a version at most 10 months old in dsvm:image.version on dev (the finding names one, or how to "
        "find one when azurefacts knows none), then promote it (`dsvmctl promote dev staging`)",
        ADVISORY,
        check_image_pin_age,
    ),
)

OPTIONS_RULES: tuple[OptionsRule, ...] = (
    OptionsRule(
        "data-protected",
        "Data disks, storage accounts and blob containers are protected and retained on delete.",
        "register them with protect=True and retain_on_delete=True (components/data_disk.py, components/storage.py)",
        MANDATORY,
        check_data_protected,
    ),
)

STACK_RULES: tuple[StackRule, ...] = (
    StackRule(
        "no-public-ip-on-vm-nic",
        "No VM NIC (or scale set instance) has a public IP unless the stack's access mode is allowlist.",
        "use access mode bastion or private and drop the public IP; only mode allowlist takes public_ip_enabled",
        MANDATORY,
        check_no_public_ip,
    ),
    StackRule(
        "compute-stops-when-unused",
        "Every VM has an enabled auto-shutdown schedule (DevTest Labs GlobalSchedule targeting it) and every "
        "scale set an enabled autoscale setting targeting it.",
        "keep dsvm:auto_shutdown.enabled true (team, gpu_rig); give a scale_out stack its schedule "
        "(components/workstation.py and components/scale_set.py create them)",
        MANDATORY,
        check_compute_stops,
    ),
    StackRule(
        "required-tags",
        "Every resource that takes tags carries non-empty owner and cost-center tags; a gpu_rig stack's VMs "
        "also carry expires-on.",
        "set dsvm:owner and dsvm:cost_center (and do not blank them out in dsvm:tags); give each rig rigs[].expires_on",
        ADVISORY,
        check_required_tags,
    ),
    StackRule(
        "data-disks-backed-up",
        "Every data disk (one the stack creates, or one a VM attaches by id) is protected by an Azure Backup instance. "
        "Advisory; on production stacks data-disks-backed-up-in-production enforces the same.",
        "keep dsvm:backup.enabled (on by default) and each disk's data_disk.backup_enabled true (docs/RESTORE.md)",
        ADVISORY,
        check_disks_backed_up,
    ),
    StackRule(
        "data-disks-backed-up-in-production",
        "On a production stack (prod) every data disk is protected by an Azure Backup instance.",
        "keep dsvm:backup.enabled (on by default) and each disk's data_disk.backup_enabled true on prod "
        "(docs/RESTORE.md)",
        MANDATORY,
        check_disks_backed_up_in_production,
    ),
    StackRule(
        "cost-cap",
        "The stack's estimated monthly cost (the plan's estimate) stays within dsvm:cost_cap_monthly when the "
        "stack sets one.",
        "lower sizes or counts, shorten running hours (auto_shutdown, schedule), or raise dsvm:cost_cap_monthly "
        "with the budget owner's agreement",
        ADVISORY,
        check_cost_cap,
    ),
)

ALL_RULES: tuple[ResourceRule | OptionsRule | StackRule, ...] = (*RESOURCE_RULES, *OPTIONS_RULES, *STACK_RULES)
