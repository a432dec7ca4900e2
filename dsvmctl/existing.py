"""Plans over what already exists: resources a stack uses but does not create.

A stack may deploy into an existing resource group, attach an existing data disk
or use an existing Bastion. The emulator starts empty, so each such resource is
either **described** in a small YAML file the CLI takes (``--existing FILE``), and
then the emulator enforces Azure's rules on it (a disk in another region than its
VM, a disk already attached to another VM), or, when the file does not describe
it, **assumed to exist** in the stack's region, and listed as such in the plan,
the markdown and the JSON. Never a crash.

The file::

    resource_groups:
      - name: rg-shared          # in the stack's subscription
        location: westeurope
    disks:
      - id: /subscriptions/<sub>/resourceGroups/rg-data/providers/Microsoft.Compute/disks/alice-old
        location: westeurope
        size_gb: 512
        sku: Premium_LRS
        attached_to: null        # or the id of the VM it is attached to
    bastions:
      - id: /subscriptions/<sub>/resourceGroups/rg-hub/providers/Microsoft.Network/bastionHosts/hub
        location: westeurope
        sku: Standard
    azureml_workspaces:
      - id: /subscriptions/<sub>/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/ml
        location: westeurope
    subscription_roles: true     # false: `dsvmctl bootstrap` has not created the idle-stop roles yet

The subscription's idle-stop role (``azurefacts/subscription_roles.py``) is one of these
resources: an administrator creates it once per subscription (``dsvmctl bootstrap``), and a
stack with idle stop assigns it. The emulator is a subscription so prepared
(``FakeAzure.bootstrapped``) and the plan lists the role as assumed, unless the file says
``subscription_roles: false``; then an assignment of it fails as Azure fails it
(``RoleDefinitionDoesNotExist``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from azurefacts.resource_types import BASTION, DISK, RESOURCE_GROUP
from azurefacts.subscription_roles import SubscriptionRole, role_definition_id
from fakeazure import FakeAzure

TOKENS = {
    "resource_group": RESOURCE_GROUP,
    "disk": DISK,
    "bastion": BASTION,
    "azureml_workspace": "azure-native:machinelearningservices:Workspace",
}
BOOTSTRAP_PATH = "dsvmctl bootstrap"  # what makes the subscription's roles exist (the config path of others)


class ExistingError(Exception):
    """The ``--existing`` file cannot be read."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ExistingGroup(_Model):
    """A resource group that exists (in the stack's subscription)."""

    name: str
    location: str


class ExistingDisk(_Model):
    """A managed disk that exists: where, how big, which SKU, attached to which VM (if any)."""

    id: str
    location: str
    size_gb: int = Field(ge=1)
    sku: Literal["Standard_LRS", "StandardSSD_LRS", "StandardSSD_ZRS", "Premium_LRS", "Premium_ZRS"] = "Premium_LRS"
    attached_to: str | None = None


class ExistingBastion(_Model):
    """A Bastion that exists (e.g. a shared one in a hub VNet)."""

    id: str
    location: str
    sku: Literal["Basic", "Standard", "Premium"] = "Standard"


class ExistingWorkspace(_Model):
    """An AzureML workspace that exists (rigs attach to it as compute targets)."""

    id: str
    location: str


class ExistingFile(_Model):
    """The whole ``--existing`` file."""

    resource_groups: tuple[ExistingGroup, ...] = ()
    disks: tuple[ExistingDisk, ...] = ()
    bastions: tuple[ExistingBastion, ...] = ()
    azureml_workspaces: tuple[ExistingWorkspace, ...] = ()
    subscription_roles: bool = True  # whether `dsvmctl bootstrap` created the subscription's idle-stop roles


def read_existing(path: Path) -> ExistingFile:
    """Parse an ``--existing`` file; errors name the file, the entry and the rule."""
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as error:
        raise ExistingError(f"--existing {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ExistingError(f"--existing {path}{where}: not valid YAML ({getattr(error, 'problem', error)})") from None
    try:
        return ExistingFile.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)
        )
        raise ExistingError(f"--existing {path}: {problems}") from None


@dataclass(frozen=True)
class Existing:
    """One resource the plan relies on without creating it."""

    kind: str
    id: str
    config_path: str
    source: str  # "described" (--existing) or "assumed"
    location: str | None

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "configPath": self.config_path, "source": self.source,
                "location": self.location}  # fmt: skip


def seed(
    backend: FakeAzure, references: list[tuple[str, str, str]], location: str, described: ExistingFile | None
) -> list[Existing]:
    """Put each referenced resource the backend lacks into it, as described or assumed; returns the list.

    A resource already in the backend (from a saved state) is left as it is.
    """
    found: list[Existing] = []
    groups = {g.name.lower(): g for g in (described.resource_groups if described else ())}
    disks = {d.id.lower(): d for d in (described.disks if described else ())}
    bastions = {b.id.lower(): b for b in (described.bastions if described else ())}
    workspaces = {w.id.lower(): w for w in (described.azureml_workspaces if described else ())}
    described_by: dict[str, dict[str, Any]] = {
        "resource_group": groups, "disk": disks, "bastion": bastions, "azureml_workspace": workspaces,
    }  # fmt: skip
    for kind, ref, path in references:
        arm_id = backend.resource_group_id(ref) if kind == "resource_group" else ref
        described_one = described_by[kind].get(ref.lower())
        where = str(getattr(described_one, "location", location))
        found.append(Existing(kind, arm_id, path, "described" if described_one else "assumed", where))
        if backend.get(arm_id) is not None:
            continue
        if kind != "resource_group":
            _group(backend, arm_id, where)
        inputs: dict[str, Any] = {}
        outputs: dict[str, Any] = {}
        if kind == "disk":
            disk = described_one if isinstance(described_one, ExistingDisk) else None
            inputs = {"sku": {"name": disk.sku if disk else "Premium_LRS"}, "creationData": {"createOption": "Empty"}}
            if disk:
                inputs["diskSizeGB"] = disk.size_gb
                if disk.attached_to:
                    outputs["managedBy"] = disk.attached_to
        elif kind == "bastion":
            bastion = described_one if isinstance(described_one, ExistingBastion) else None
            inputs = {"sku": {"name": bastion.sku if bastion else "Standard"}}
        backend.seed_existing(TOKENS[kind], arm_id, where, inputs, outputs)
    return found


def adopt_subscription(backend: FakeAzure, references: list[tuple[str, str, str]]) -> None:
    """Play the subscription the stack's existing data disks are in, on an emulator that holds nothing yet.

    The emulator is a stand-in subscription (``DEFAULT_SUBSCRIPTION_ID``); a user's disk ids name their real
    one. A disk's backups go to a snapshot resource group of the disk's subscription (``azurefacts/backup.py``),
    which the stack creates in its own, and a VM attaches a managed disk of its own subscription (not confirmed
    on a source: the emulator does not check it), so a stack's existing disks say which subscription it deploys
    to; planned in the stand-in, their backups were refused as if Azure would refuse them. Left as it is
    when the disks disagree (Azure then refuses one, and so does the emulator). On an emulator that holds a
    saved state, a disk in another subscription than the state's is an ``ExistingError`` that says so (not
    Azure's refusal: the state cannot tell whether that is the stack's real subscription)."""
    disks = [(path, ref.split("/")[2]) for kind, ref, path in references if kind == "disk" and ref.count("/") > 2]
    if not backend.resources:
        named = {sub for _, sub in disks}
        if len({s.lower() for s in named}) == 1:
            backend.subscription_id = named.pop()
        return
    for path, sub in disks:
        if sub.lower() != backend.subscription_id.lower():
            # Not Azure's refusal: the saved state was planned in the emulator's subscription, and nothing says
            # whether the disk's is the stack's real one (a restore drill done for real names it).
            raise ExistingError(
                f"dsvm:{path} names subscription {sub}, and this stack's saved state was planned in subscription "
                f"{backend.subscription_id} (the emulator's stand-in for yours unless a first plan named one): "
                "Azure attaches and backs up only disks of the stack's own subscription, which the offline state "
                f"cannot tell apart. For the offline plan, write the id with {backend.subscription_id}; or move the "
                "state aside (`dsvmctl state reset`) and `up` again, which plans in the disks' subscription; a disk "
                "really in another subscription must be moved into the stack's first (`az resource move`)"
            )


def seed_subscription_roles(
    backend: FakeAzure, roles: Sequence[SubscriptionRole], described: ExistingFile | None
) -> list[Existing]:
    """The subscription's custom roles the stack assigns, as the plan lists them. The emulator is a subscription
    the bootstrap prepared (``FakeAzure.bootstrapped``) unless ``described`` says it is not."""
    if described is not None and not described.subscription_roles:
        backend.bootstrapped = False
    if not backend.bootstrapped:
        return []
    said = described is not None and "subscription_roles" in described.model_fields_set
    return [
        Existing("role_definition", role_definition_id(backend.subscription_id, role), BOOTSTRAP_PATH,
                 "described" if said else "assumed", None)
        for role in roles
    ]  # fmt: skip


def _group(backend: FakeAzure, arm_id: str, location: str) -> None:
    """The resource group of ``arm_id``, assumed in ``location`` when the backend lacks it."""
    parts = arm_id.split("/")
    group_id = "/".join(parts[:5])
    if backend.get(group_id) is None:
        backend.seed_existing(RESOURCE_GROUP, group_id, location, {}, {})
