"""One resource as the emulator holds it, and the deterministic stand-ins for Azure's random values."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from azurefacts.paths import set_path

SECRET_MASK = "[secret]"


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
    # One-way fingerprints of the secret inputs: a later PUT compares secrets through these.
    secret_fingerprints: dict[str, str] = field(default_factory=dict)

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
            "secretFingerprints": self.secret_fingerprints,
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
            secret_fingerprints=dict(data.get("secretFingerprints", {})),
        )


def fingerprint(value: Any) -> str:
    """A one-way fingerprint of a secret value: lets a diff see that a secret changed
    without the plan or the saved state holding it."""
    return hashlib.sha256(("dsvm-secret:" + json.dumps(value, sort_keys=True)).encode()).hexdigest()[:16]


def stable_suffix(*parts: str, length: int = 8) -> str:
    """A deterministic stand-in for azure-native's random auto-name suffix."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def stable_uuid(*parts: str) -> str:
    """A deterministic GUID (role assignment names, principal ids, vmId)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "fakeazure/" + "/".join(parts)))
