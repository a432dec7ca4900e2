"""The emulator's state: one subscription's resources, keyed by ARM id.

A ``FakeAzure`` is one subscription (moto keeps one backend per account and
region; Azure resources carry their region, so one per subscription is
enough). Tests build a fresh one per test; nothing is global.

What it does for every resource, before the type's own checks:
- resolves the Azure name: the path-parameter input (``vmName`` ...) or, as
  azure-native does when the program gives none, the logical name plus a
  suffix (deterministic here: derived from the logical name, not random);
- checks that the resource group exists (``ResourceGroupNotFound``);
- defaults ``location`` to the resource group's, as azure-native does, and
  rejects unknown regions (``LocationNotAvailableForResourceType``);
- builds the real ARM id and camelCase outputs (inputs + ``name``, ``type``,
  ``provisioningState`` + the type's computed outputs).

Fidelity gaps: no eventual consistency, no asynchronous operations, no
throttling; one subscription per instance (storage account names are global
only through ``taken_storage_account_names``); a repeated create of an id that
exists from an earlier run is an update, as an ARM PUT is.
"""

from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from azurefacts.paths import set_path
from azurefacts.quotas import QUOTA_PROFILES, QuotaProfile
from azurefacts.regions import REGIONS, normalize_location
from fakeazure import errors
from fakeazure.errors import FakeAzureError, UnknownInvoke, UnknownResourceType

SECRET_MASK = "[secret]"

if TYPE_CHECKING:
    from fakeazure.providers.base import ResourceType

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_TENANT_ID = "00000000-0000-4000-8000-0000000000aa"
DEFAULT_CLIENT_OBJECT_ID = "00000000-0000-4000-8000-0000000000c1"


@dataclass
class ArmResource:
    """One resource as the emulator holds it."""

    id: str
    token: str
    arm_type: str
    name: str
    logical_name: str
    resource_group: str | None
    location: str | None
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    seeded: bool = False
    # Dotted paths of secret values (inputs, and the outputs they flow to or that the
    # type declares secret): masked whenever the state is saved.
    secret_paths: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The resource with every secret path masked as ``"[secret]"``."""
        inputs, outputs = copy.deepcopy(self.inputs), copy.deepcopy(self.outputs)
        for path in self.secret_paths:
            set_path(inputs, path, SECRET_MASK)
            set_path(outputs, path, SECRET_MASK)
        return {
            "id": self.id,
            "token": self.token,
            "armType": self.arm_type,
            "name": self.name,
            "logicalName": self.logical_name,
            "resourceGroup": self.resource_group,
            "location": self.location,
            "inputs": inputs,
            "outputs": outputs,
            "seeded": self.seeded,
            "secretPaths": self.secret_paths,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ArmResource:
        return cls(
            id=data["id"],
            token=data["token"],
            arm_type=data["armType"],
            name=data["name"],
            logical_name=data["logicalName"],
            resource_group=data["resourceGroup"],
            location=data["location"],
            inputs=data["inputs"],
            outputs=data["outputs"],
            seeded=data.get("seeded", False),
            secret_paths=list(data.get("secretPaths", [])),
        )


def stable_suffix(*parts: str, length: int = 8) -> str:
    """A deterministic stand-in for azure-native's random auto-name suffix."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def stable_uuid(*parts: str) -> str:
    """A deterministic GUID (role assignment names, principal ids, vmId)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "fakeazure/" + "/".join(parts)))


class FakeAzure:
    """One emulated Azure subscription.

    ``quota_profile`` names a ``azurefacts.quotas.QUOTA_PROFILES`` entry (``free`` has zero
    GPU quota, ``payg`` is the offline plan's default).
    ``taken_storage_account_names`` are names other tenants already own
    (storage account names are global across Azure).
    """

    def __init__(
        self,
        subscription_id: str = DEFAULT_SUBSCRIPTION_ID,
        tenant_id: str = DEFAULT_TENANT_ID,
        quota_profile: str = "payg",
        taken_storage_account_names: frozenset[str] | set[str] = frozenset(),
        client_object_id: str = DEFAULT_CLIENT_OBJECT_ID,
    ) -> None:
        if quota_profile not in QUOTA_PROFILES:
            raise FakeAzureError(f"unknown quota profile '{quota_profile}'; known: {', '.join(sorted(QUOTA_PROFILES))}")
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.client_object_id = client_object_id
        self.quota: QuotaProfile = QUOTA_PROFILES[quota_profile]
        self.taken_storage_account_names = {n.lower() for n in taken_storage_account_names}
        self.resources: dict[str, ArmResource] = {}
        self._created_this_run: set[str] = set()
        self._lock = threading.RLock()

    # -- lookups ---------------------------------------------------------------------------
    def get(self, arm_id: str) -> ArmResource | None:
        """The resource with this ARM id (ids compare case-insensitively, as in ARM)."""
        return self.resources.get(arm_id.lower())

    def require(
        self,
        arm_id: Any,
        target: str,
        arm_type: str | None = None,
        code: errors.ErrorCode = errors.invalid_resource_reference,
    ) -> ArmResource:
        """The referenced resource, or ARM's error for a dangling reference."""
        found = self.get(str(arm_id)) if arm_id else None
        if found is None or (arm_type and found.arm_type.lower() != arm_type.lower()):
            raise code(f"Resource {arm_id} referenced by {target} was not found.", target)
        return found

    def of_type(self, arm_type: str) -> list[ArmResource]:
        """All resources of an ARM type, in id order (deterministic)."""
        return sorted(
            (r for r in self.resources.values() if r.arm_type.lower() == arm_type.lower()),
            key=lambda r: r.id.lower(),
        )

    def resource_group_id(self, name: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{name}"

    # -- writes ----------------------------------------------------------------------------
    def begin_run(self) -> None:
        """Start a new program run: ids created from now on must be unique in the run."""
        with self._lock:
            self._created_this_run.clear()

    def create(
        self, token: str, logical_name: str, inputs: dict[str, Any], secret_paths: list[str] | None = None
    ) -> ArmResource:
        """Create (or, for an id from an earlier run, update) a resource, as ARM's PUT would.

        ``secret_paths`` name the secret inputs (and outputs): kept out of saved state.
        """
        from fakeazure.providers import RESOURCE_TYPES

        rtype = RESOURCE_TYPES.get(token)
        if rtype is None:
            raise UnknownResourceType(token)
        with self._lock:
            resource = self._prepare(rtype, logical_name, copy.deepcopy(inputs))
            key = resource.id.lower()
            if key in self._created_this_run:
                raise FakeAzureError(
                    f"two resources of this program manage the same Azure resource {resource.id} "
                    f"(second one: '{logical_name}'); give each a distinct name"
                )
            rtype.validate(self, resource)
            resource.outputs = self._outputs(rtype, resource)
            resource.secret_paths = sorted(set(secret_paths or []) | rtype.secret_outputs)
            self.resources[key] = resource
            self._created_this_run.add(key)
            return resource

    def seed(self, token: str, name: str, inputs: dict[str, Any]) -> ArmResource:
        """Add a pre-existing resource (an existing disk, a resource group ...)."""
        resource = self.create(token, name, inputs)
        resource.seeded = True
        with self._lock:
            self._created_this_run.discard(resource.id.lower())
        return resource

    def created_this_run(self) -> set[str]:
        """Lower-cased ids the current run created or updated."""
        return set(self._created_this_run)

    def to_json(self) -> dict[str, Any]:
        """The subscription's state, secrets masked, in id order (deterministic)."""
        return {
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
            "quotaProfile": self.quota.name,
            "takenStorageAccountNames": sorted(self.taken_storage_account_names),
            "resources": [self.resources[k].to_json() for k in sorted(self.resources)],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FakeAzure:
        """A subscription restored from ``to_json`` (secret values stay masked)."""
        az = cls(
            subscription_id=data["subscriptionId"],
            tenant_id=data["tenantId"],
            quota_profile=data.get("quotaProfile", "payg"),
            taken_storage_account_names=set(data.get("takenStorageAccountNames", [])),
        )
        for item in data.get("resources", []):
            resource = ArmResource.from_json(item)
            az.resources[resource.id.lower()] = resource
        return az

    def delete(self, arm_id: str) -> None:
        """Remove a resource from the subscription."""
        with self._lock:
            self.resources.pop(arm_id.lower(), None)

    def invoke(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        """Answer a provider function (invoke); unknown tokens raise."""
        from fakeazure.providers import INVOKES

        handler = INVOKES.get(token)
        if handler is None:
            raise UnknownInvoke(token)
        return handler(self, args)

    # -- internals -------------------------------------------------------------------------
    def _prepare(self, rtype: ResourceType, logical_name: str, inputs: dict[str, Any]) -> ArmResource:
        name = rtype.resolve_name(logical_name, inputs)
        rg_name: str | None = inputs.get("resourceGroupName") if rtype.in_resource_group else None
        rg: ArmResource | None = None
        if rtype.in_resource_group:
            if not rg_name:
                raise errors.invalid_parameter("resourceGroupName is required.", "resourceGroupName")
            rg = self.get(self.resource_group_id(rg_name))
            if rg is None:
                raise errors.resource_group_not_found(f"Resource group '{rg_name}' could not be found.")
        location: str | None = None
        if rtype.has_location:
            raw = inputs.get("location") or (rg.location if rg else None)
            if not raw:
                raise errors.location_required("The location property is required for this definition.")
            location = normalize_location(str(raw))
            if location not in REGIONS and not rtype.in_resource_group:
                # ARM's code for a resource group (a subscription-level resource).
                raise errors.location_not_available_for_resource_group(
                    f"The provided location '{raw}' is not available for resource group. List of "
                    f"available regions is '{','.join(REGIONS)}'.",
                    "location",
                )
            if location not in REGIONS:
                raise errors.location_not_available_for_resource_type(
                    f"The provided location '{raw}' is not available for resource type "
                    f"'{rtype.arm_type}'. List of available regions for the resource type is "
                    f"'{','.join(REGIONS)}'.",
                    "location",
                )
        arm_id = rtype.arm_id(self, rg_name, name, inputs)
        return ArmResource(
            id=arm_id,
            token=rtype.token,
            arm_type=rtype.arm_type,
            name=name,
            logical_name=logical_name,
            resource_group=rg_name,
            location=location,
            inputs=inputs,
        )

    def _outputs(self, rtype: ResourceType, resource: ArmResource) -> dict[str, Any]:
        outputs = copy.deepcopy(resource.inputs)
        if rtype.is_arm:
            outputs.update({"name": resource.name, "type": resource.arm_type, "provisioningState": "Succeeded"})
            if resource.location is not None:
                outputs["location"] = resource.location
        outputs.update(rtype.compute(self, resource))
        return outputs
