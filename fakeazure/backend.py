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
import threading
from typing import TYPE_CHECKING, Any

from azurefacts.paths import changed_paths, comparable_leaves, covers, get_path
from azurefacts.quotas import QuotaProfile, UsageError, load_profile
from azurefacts.regions import REGIONS, normalize_location
from fakeazure import errors
from fakeazure.caller import Caller
from fakeazure.errors import ArmError, FakeAzureError, UnknownInvoke, UnknownResourceType
from fakeazure.resource import ArmResource, fingerprint
from fakeazure.store import ResourceStore

REGION_MOVE_HINT = (
    "Azure does not move resources between regions; a region move is a new stack: create a stack file with the "
    "new location, copy the data across, then destroy the old stack"
)

if TYPE_CHECKING:
    from fakeazure.providers.base import ResourceType

DEFAULT_SUBSCRIPTION_ID = "00000000-0000-4000-8000-000000000001"
DEFAULT_TENANT_ID = "00000000-0000-4000-8000-0000000000aa"
DEFAULT_CLIENT_OBJECT_ID = "00000000-0000-4000-8000-0000000000c1"


class FakeAzure:
    """One emulated Azure subscription.

    ``quota_profile`` names a ``azurefacts.quotas.QUOTA_PROFILES`` entry (``free``; ``payg``,
    the offline plan's default, with no GPU quota), or an ``az vm list-usage -o json`` file,
    or is a ``QuotaProfile``.
    ``taken_storage_account_names`` are names other tenants already own
    (storage account names are global across Azure).
    """

    def __init__(
        self,
        subscription_id: str = DEFAULT_SUBSCRIPTION_ID,
        tenant_id: str = DEFAULT_TENANT_ID,
        quota_profile: str | QuotaProfile = "payg",
        taken_storage_account_names: frozenset[str] | set[str] = frozenset(),
        client_object_id: str = DEFAULT_CLIENT_OBJECT_ID,
        caller: Caller | None = None,
        bootstrapped: bool = True,
    ) -> None:
        if isinstance(quota_profile, str):
            try:
                quota_profile = load_profile(quota_profile)
            except UsageError as error:
                raise FakeAzureError(str(error)) from None
        self.subscription_id = subscription_id
        self.tenant_id = tenant_id
        self.client_object_id = client_object_id
        self.caller = caller  # None: as DSVMCTL_AS says (fakeazure/caller.py)
        # `dsvmctl bootstrap` ran: the subscription's custom roles exist (azurefacts/subscription_roles.py).
        self.bootstrapped = bootstrapped
        self.quota: QuotaProfile = quota_profile
        self.taken_storage_account_names = {n.lower() for n in taken_storage_account_names}
        self.resources: dict[str, ArmResource] = ResourceStore()
        # Planning a part of a stack (dsvmctl/shard.py): NICs take the free addresses after this many.
        self.allocation_skip = 0
        # How many times each id was replaced (deleted and created again): Azure gives the new
        # resource new computed values (a system identity's principalId, a VM's vmId).
        self.generations: dict[str, int] = {}
        # Updates Azure refused in the current run, by lower-cased id; the resource kept its state.
        self.refusals: dict[str, list[ArmError]] = {}
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

    def require_same_region(self, referenced: ArmResource, by: ArmResource, target: str) -> None:
        """ARM's answer when a resource references one in another region (a NIC's VNet, a VM's NIC)."""
        if referenced.location and by.location and referenced.location != by.location:
            raise errors.invalid_resource_reference(
                f"Resource {referenced.id} referenced by resource {by.id} was not found. Please make sure that the "
                "referenced resource exists, and that both resources are in the same region.",
                target,
            )

    def of_type(self, arm_type: str) -> list[ArmResource]:
        """All resources of an ARM type, in id order (deterministic; cached until the next change)."""
        resources = self.resources
        if isinstance(resources, ResourceStore):
            return resources.of_type(arm_type)
        key = arm_type.lower()
        return sorted((r for r in resources.values() if r.arm_type.lower() == key), key=lambda r: r.id.lower())

    def resource_group_id(self, name: str) -> str:
        return f"/subscriptions/{self.subscription_id}/resourceGroups/{name}"

    # -- writes ----------------------------------------------------------------------------
    def begin_run(self) -> None:
        """Start a new program run: ids created from now on must be unique in the run."""
        with self._lock:
            self._created_this_run.clear()
            self.refusals.clear()

    def generation(self, arm_id: str) -> int:
        """How many times the resource with this id was replaced (0: the first one)."""
        return self.generations.get(arm_id.lower(), 0)

    def create(
        self,
        token: str,
        logical_name: str,
        inputs: dict[str, Any],
        secret_paths: list[str] | None = None,
        *,
        replace_on_changes: tuple[str, ...] | list[str] = (),
        delete_before_replace: bool = False,
        ignore_changes: tuple[str, ...] | list[str] = (),
    ) -> ArmResource:
        """Create a resource as ARM's PUT would; for an id that exists already, what the engine does.

        ``secret_paths`` name the secret inputs (and outputs): kept out of saved state.
        For an existing id, the engine replaces the resource when a replace trigger
        changed (its path parameters, the type's create-only inputs, or
        ``replace_on_changes``): the old one is deleted and a new one created, with
        new computed values. Otherwise the PUT is an update, which Azure may refuse
        (``validate_update``, a region move): then the resource keeps its state and
        the refusal is kept in ``refusals`` for the plan to report. ``ignore_changes`` paths keep their old value.
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
            existing = self.resources.get(key)
            if ignore_changes and existing is not None and not existing.seeded:
                from fakeazure.mocks import keep_ignored  # what the engine sends: the old values

                keep_ignored(existing.inputs, resource.inputs, ignore_changes)
            resource.secret_paths = sorted(set(secret_paths or []) | rtype.secret_outputs)
            resource.secret_fingerprints = {
                p: fingerprint(get_path(resource.inputs, p))
                for p in resource.secret_paths
                if get_path(resource.inputs, p) is not None
            }
            previous = self.resources.get(key)
            if previous is not None and not previous.seeded:
                refusal = self._replace_or_refuse(rtype, previous, resource, replace_on_changes, delete_before_replace)
                if refusal is not None:
                    self.refusals.setdefault(key, []).append(refusal)
                    self._created_this_run.add(key)
                    return previous
            rtype.validate(self, resource)
            resource.outputs = self._outputs(rtype, resource)
            self.resources[key] = resource
            self._created_this_run.add(key)
            return resource

    def _replace_or_refuse(
        self,
        rtype: ResourceType,
        previous: ArmResource,
        resource: ArmResource,
        replace_on_changes: tuple[str, ...] | list[str],
        delete_before_replace: bool,
    ) -> ArmError | None:
        """Replace ``previous`` (delete it) when a replace trigger changed; else check the update.

        Returns the error Azure answers when it refuses the change; None when it goes ahead.
        """
        old = comparable_leaves(previous.inputs, previous.secret_paths, previous.secret_fingerprints)
        new = comparable_leaves(resource.inputs, resource.secret_paths, resource.secret_fingerprints)
        if rtype.has_location:  # the region it is in, given or defaulted from the resource group
            old["location"], new["location"] = previous.location, resource.location
        changed = changed_paths(old, new)
        if not changed:
            return None
        triggers = rtype.replace_triggers() | set(replace_on_changes)
        replaced = any(covers(trigger, path) for path in changed for trigger in triggers)
        if "location" in changed and rtype.has_location and not (replaced and delete_before_replace):
            # A PUT in another region for an existing name: ARM refuses it, and so it refuses the
            # engine's create-before-delete replacement, which re-uses the name.
            if not rtype.in_resource_group and rtype.arm_type == "Microsoft.Resources/resourceGroups":
                return errors.invalid_resource_group_location(
                    f"Invalid resource group location '{resource.location}'. The Resource group already exists "
                    f"in location '{previous.location}'.",
                    "location",
                    hint=REGION_MOVE_HINT,
                )
            return errors.invalid_resource_location(
                f"The resource '{previous.name}' already exists in location '{previous.location}' in resource "
                f"group '{previous.resource_group}'. A resource with the same name cannot be created in location "
                f"'{resource.location}'. Please select a new resource name.",
                "location",
                hint=REGION_MOVE_HINT,
            )
        if replaced:
            try:  # the engine deletes the old resource too (after creating the new one, or before)
                rtype.validate_delete(self, previous)
            except ArmError as error:
                return error
            self.delete(previous.id, replaced=True)
            return None
        try:
            rtype.validate_update(self, previous, resource, changed)
        except ArmError as error:
            return error
        return None

    def seed(self, token: str, name: str, inputs: dict[str, Any]) -> ArmResource:
        """Add a pre-existing resource (an existing disk, a resource group ...)."""
        resource = self.create(token, name, inputs)
        resource.seeded = True
        with self._lock:
            self._created_this_run.discard(resource.id.lower())
        return resource

    def seed_existing(
        self, token: str, arm_id: str, location: str | None, inputs: dict[str, Any], outputs: dict[str, Any]
    ) -> ArmResource:
        """Add a resource that exists outside the stack, as described (by ``--existing`` or assumed), under
        its own id (another subscription or resource group is fine). Not validated: Azure made it."""
        from fakeazure.providers import RESOURCE_TYPES

        rtype = RESOURCE_TYPES.get(token)
        if rtype is None:
            raise UnknownResourceType(token)
        name = arm_id.rstrip("/").rsplit("/", 1)[-1]
        parts = arm_id.split("/")
        group = parts[4] if len(parts) > 4 and parts[3].lower() == "resourcegroups" else None
        resource = ArmResource(
            id=arm_id,
            token=token,
            arm_type=rtype.arm_type,
            name=name,
            logical_name=name,
            resource_group=group,
            location=normalize_location(location) if location else None,
            inputs=inputs,
            outputs={**inputs, "name": name, "type": rtype.arm_type, "provisioningState": "Succeeded",
                     **({"location": normalize_location(location)} if location else {}), **outputs},
            seeded=True,
        )  # fmt: skip
        with self._lock:
            self.resources[arm_id.lower()] = resource
        return resource

    def created_this_run(self) -> set[str]:
        """Lower-cased ids the current run created or updated."""
        return set(self._created_this_run)

    def to_json(self) -> dict[str, Any]:
        """The subscription's state, secrets masked, in id order (deterministic)."""
        return {
            "subscriptionId": self.subscription_id,
            "tenantId": self.tenant_id,
            "quotaProfile": self.quota.to_json(),
            "takenStorageAccountNames": sorted(self.taken_storage_account_names),
            "resources": [self.resources[k].to_json() for k in sorted(self.resources)],
            "generations": dict(sorted(self.generations.items())),
            **({} if self.bootstrapped else {"bootstrapped": False}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FakeAzure:
        """A subscription restored from ``to_json`` (secret values stay masked)."""
        az = cls(
            subscription_id=data["subscriptionId"],
            tenant_id=data["tenantId"],
            quota_profile=(
                QuotaProfile.from_json(data["quotaProfile"])
                if isinstance(data.get("quotaProfile"), dict)
                else data.get("quotaProfile", "payg")
            ),
            taken_storage_account_names=set(data.get("takenStorageAccountNames", [])),
            bootstrapped=bool(data.get("bootstrapped", True)),
        )
        for item in data.get("resources", []):
            resource = ArmResource.from_json(item)
            az.resources[resource.id.lower()] = resource
        az.generations = {str(k): int(v) for k, v in data.get("generations", {}).items()}
        return az

    def delete(self, arm_id: str, replaced: bool = False) -> None:
        """Remove a resource from the subscription; a resource group takes everything in it along
        (ARM deletes a group's resources with it). ``replaced``: a new resource will take the id."""
        key = arm_id.lower()
        with self._lock:
            gone = self.resources.pop(key, None)
            if replaced:
                self.generations[key] = self.generations.get(key, 0) + 1
            if gone is not None and gone.arm_type == "Microsoft.Resources/resourceGroups" and not replaced:
                inside = key + "/"
                for other in [k for k in self.resources if k.startswith(inside)]:
                    self.resources.pop(other)

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
