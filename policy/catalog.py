"""Every rule of the pack with its name, what it asks, how to fix a violation, and its enforcement.

The names are the policy names ``pulumi preview --policy-pack policy`` prints and the
``policy`` field of a plan document carries; docs/GITOPS.md tables them.
"""

from __future__ import annotations

from policy.rules import (
    MANDATORY,
    OptionsRule,
    ResourceRule,
    StackRule,
    check_blob_public_access,
    check_data_protected,
    check_encryption_at_host,
    check_https_only,
    check_linux_password_auth,
    check_minimum_tls,
    check_no_public_ip,
    check_nsg_admin_ports,
    check_required_tags,
)

RESOURCE_RULES: tuple[ResourceRule, ...] = (
    ResourceRule(
        "nsg-no-ssh-rdp-from-internet",
        "NSG rules never admit SSH (22) or RDP (3389) from *, Internet or 0.0.0.0/0.",
        "choose access mode bastion or private, or list your office/VPN ranges in access.allowed_cidrs",
        MANDATORY,
        check_nsg_admin_ports,
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
        "set securityProfile.encryptionAtHost: true and register the subscription feature "
        "Microsoft.Compute/EncryptionAtHost; pick a size that supports it",
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
        "required-tags",
        "Every resource that takes tags carries non-empty owner and cost-center tags.",
        "set dsvm:owner and dsvm:cost_center, and do not blank them out in dsvm:tags",
        MANDATORY,
        check_required_tags,
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
)

ALL_RULES: tuple[ResourceRule | OptionsRule | StackRule, ...] = (*RESOURCE_RULES, *OPTIONS_RULES, *STACK_RULES)
