"""Storage: the stack's StorageV2 account, a shared container and one per member."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.storage as storage

from components.common import child_opts


@dataclass(frozen=True)
class StorageArgs:
    """Inputs of ``Storage``. ``containers`` are created in order (e.g. shared + members).

    ``allowed_subnet_ids``: the only networks the account admits (virtual network rules;
    each subnet needs the ``Microsoft.Storage`` service endpoint). Everything else is
    denied, trusted Azure services excepted.
    """

    resource_group_name: pulumi.Input[str]
    location: str
    account_name: str
    containers: Sequence[str]
    allowed_subnet_ids: Sequence[pulumi.Input[str]] = ()
    hns_enabled: bool = False
    soft_delete_days: int = 14
    # Blob versioning and change feed, point-in-time restore (days, 0: off): never on an ADLS Gen2 account.
    versioning: bool = False
    restore_days: int = 0
    sku: str = "Standard_LRS"
    tags: Mapping[str, str] = field(default_factory=dict)


class Storage(pulumi.ComponentResource):
    """A secure StorageV2 account: HTTPS only, TLS 1.2, no public blobs, no shared keys,
    reachable from the allowed subnets only (network rules: default Deny, trusted Azure
    services bypass), soft delete on blobs and containers, optional ADLS Gen2. Without
    the hierarchical namespace also blob versioning, a change feed (kept as long as soft
    delete) and point-in-time restore (``az storage blob restore``), which Azure does not
    offer on ADLS Gen2 accounts (``azurefacts/backup.py``).

    The account and its containers hold data: ``protect`` and ``retain_on_delete``
    keep them through ``pulumi destroy``.
    """

    def __init__(self, name: str, args: StorageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dsvm:components:Storage", name, None, opts)
        keep = {"protect": True, "retain_on_delete": True}
        self.account = storage.StorageAccount(
            f"{name}-account",
            account_name=args.account_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind="StorageV2",
            sku=storage.SkuArgs(name=args.sku),
            enable_https_traffic_only=True,
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            allow_shared_key_access=False,
            is_hns_enabled=args.hns_enabled,
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY,
                # Trusted Microsoft services (Backup, Monitor, Defender...) keep working.
                bypass=storage.Bypass.AZURE_SERVICES,
                virtual_network_rules=[
                    storage.VirtualNetworkRuleArgs(virtual_network_resource_id=subnet_id, action=storage.Action.ALLOW)
                    for subnet_id in args.allowed_subnet_ids
                ],
            ),
            tags=dict(args.tags),
            opts=child_opts(self, **keep),
        )
        self.blob_service = storage.BlobServiceProperties(
            f"{name}-blob",
            account_name=self.account.name,
            resource_group_name=args.resource_group_name,
            blob_services_name="default",
            delete_retention_policy=storage.DeleteRetentionPolicyArgs(enabled=True, days=args.soft_delete_days),
            container_delete_retention_policy=storage.DeleteRetentionPolicyArgs(
                enabled=True, days=args.soft_delete_days
            ),
            is_versioning_enabled=True if args.versioning else None,
            change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=args.soft_delete_days)
            if args.versioning
            else None,
            restore_policy=storage.RestorePolicyPropertiesArgs(enabled=True, days=args.restore_days)
            if args.restore_days
            else None,
            opts=child_opts(self),
        )
        self.containers: dict[str, storage.BlobContainer] = {
            container: storage.BlobContainer(
                f"{name}-{container}",
                account_name=self.account.name,
                resource_group_name=args.resource_group_name,
                container_name=container,
                public_access=storage.PublicAccess.NONE,
                opts=child_opts(self, depends_on=[self.blob_service], **keep),
            )
            for container in args.containers
        }
        self.account_name = self.account.name
        self.primary_endpoints = self.account.primary_endpoints
        self.container_ids = {k: v.id for k, v in self.containers.items()}
        self.register_outputs(
            {"account_id": self.account.id, "account_name": self.account.name, "container_ids": self.container_ids}
        )
