"""pulumi-tls: the ``PrivateKey`` resource (an SSH key pair for AzureML to reach a rig).

Emulated: ``algorithm`` ED25519 (what the stacks use) or RSA with ``rsaBits``;
``publicKeyOpenssh`` is a well-formed OpenSSH key line (Azure validates the key
data of a VM), ``privateKeyOpenssh``/``privateKeyPem`` are secret outputs. Keys are
deterministic (derived from the logical name), so plans are reproducible.
Not emulated: real key material (the private key is a stand-in string), ECDSA.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

from fakeazure import errors
from fakeazure.providers.base import ResourceType

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource


class PrivateKey(ResourceType):
    token = "tls:index/privateKey:PrivateKey"
    is_arm = False
    secret_outputs = frozenset({"privateKeyOpenssh", "privateKeyPem", "privateKeyPemPkcs8"})

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        return logical_name

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return f"tls:{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        algorithm = resource.inputs.get("algorithm")
        if algorithm not in ("ED25519", "RSA"):
            raise errors.invalid_parameter(f"algorithm '{algorithm}' is not emulated (ED25519, RSA)", "algorithm")

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        seed = hashlib.sha256(f"tls/{resource.logical_name}".encode()).digest()
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + seed
        public = f"ssh-ed25519 {base64.b64encode(blob).decode()}"
        private = (
            f"-----BEGIN OPENSSH PRIVATE KEY-----\n(emulated {seed.hex()[:16]})\n-----END OPENSSH PRIVATE KEY-----\n"
        )
        return {
            "publicKeyOpenssh": public + "\n",
            "privateKeyOpenssh": private,
            "privateKeyPem": private,
            "publicKeyFingerprintSha256": "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode(),
        }


TYPES: list[ResourceType] = [PrivateKey()]
