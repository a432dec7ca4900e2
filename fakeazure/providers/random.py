"""pulumi-random: the ``RandomPassword`` resource.

Emulated: ``result`` honours length, the lower/upper/numeric/special switches,
their ``min*`` counts and ``overrideSpecial``; it is deterministic (derived from
the logical name and ``keepers``) so plans are reproducible, and it is a
secret output as in the real provider. ``keepers`` changing gives a new value.
Not emulated: ``bcryptHash`` is a stand-in string, not a bcrypt hash.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from typing import TYPE_CHECKING, Any

from fakeazure import errors
from fakeazure.providers.base import ResourceType

if TYPE_CHECKING:
    from fakeazure.backend import FakeAzure
    from fakeazure.resource import ArmResource

_DEFAULT_SPECIAL = "!@#$%&*()-_=+[]{}<>:?"


class RandomPassword(ResourceType):
    token = "random:index/randomPassword:RandomPassword"
    is_arm = False
    secret_outputs = frozenset({"result", "bcryptHash"})

    def resolve_name(self, logical_name: str, inputs: dict[str, Any]) -> str:
        return logical_name

    def arm_id(self, az: FakeAzure, rg: str | None, name: str, inputs: dict[str, Any]) -> str:
        return f"random:{name}"

    def validate(self, az: FakeAzure, resource: ArmResource) -> None:
        inputs = resource.inputs
        length = int(inputs.get("length", 0))
        wanted = sum(int(inputs.get(k, 0)) for k in ("minLower", "minUpper", "minNumeric", "minSpecial"))
        if length < 1 or wanted > length:
            raise errors.invalid_parameter("length must be positive and at least the sum of the min* counts.", "length")

    def compute(self, az: FakeAzure, resource: ArmResource) -> dict[str, Any]:
        inputs = resource.inputs
        seed = hashlib.sha256(
            (resource.logical_name + json.dumps(inputs.get("keepers") or {}, sort_keys=True)).encode()
        ).digest()
        rng = random.Random(seed)
        special = str(inputs.get("overrideSpecial") or _DEFAULT_SPECIAL)
        classes = [
            ("lower", "minLower", string.ascii_lowercase),
            ("upper", "minUpper", string.ascii_uppercase),
            ("numeric", "minNumeric", string.digits),
            ("special", "minSpecial", special),
        ]
        chars: list[str] = []
        pool = ""
        for switch, minimum, alphabet in classes:
            if inputs.get(switch, True) is not False:
                pool += alphabet
                chars += [rng.choice(alphabet) for _ in range(int(inputs.get(minimum, 0)))]
        length = int(inputs["length"])
        chars += [rng.choice(pool) for _ in range(length - len(chars))]
        rng.shuffle(chars)
        result = "".join(chars)
        return {
            "result": result,
            "bcryptHash": "$2a$10$fakeazure" + hashlib.sha256(result.encode()).hexdigest()[:44],
        }


TYPES: list[ResourceType] = [RandomPassword()]
