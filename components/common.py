"""Helpers shared by the components."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_azure_native.network as network

# ARM refuses to change an assignment's role in place (RoleAssignmentUpdateNotPermitted; the RoleAssignment row of
# azurefacts/resource_types.py): a new role is a new assignment, created before the old one goes.
ROLE_ASSIGNMENT_REPLACE = ["roleDefinitionId"]


def child_opts(parent: pulumi.Resource, **kwargs: Any) -> pulumi.ResourceOptions:
    """Options for a component's child: parented to the component, plus ``kwargs``."""
    return pulumi.ResourceOptions(parent=parent, **kwargs)


def standard_public_ip(
    name: str, resource_group_name: pulumi.Input[str], location: str, tags: dict[str, str], parent: pulumi.Resource
) -> network.PublicIPAddress:
    """A Standard, static public IP named ``name`` (Basic IPs are retired)."""
    return network.PublicIPAddress(
        name,
        public_ip_address_name=name,
        resource_group_name=resource_group_name,
        location=location,
        sku=network.PublicIPAddressSkuArgs(name="Standard"),
        public_ip_allocation_method="Static",
        tags=tags,
        opts=child_opts(parent),
    )
