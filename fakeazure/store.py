"""The subscription's resources by lower-cased id, with cached queries by type."""

from __future__ import annotations

from typing import Any

from fakeazure.resource import ArmResource


class ResourceStore(dict[str, ArmResource]):
    """A dict of resources that counts its changes, so ``of_type`` can be cached.

    The providers ask for all NICs or VMs of the subscription for every VM and NIC
    they create, which made big plans quadratic; the answer is cached until the
    next change. Every mutating dict method bumps ``version``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = 0
        self._by_type: dict[str, tuple[int, list[ArmResource]]] = {}

    def __setitem__(self, key: str, value: ArmResource) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.version += 1
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, ArmResource]:
        self.version += 1
        return super().popitem()

    def setdefault(self, key: str, default: ArmResource) -> ArmResource:
        self.version += 1
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.version += 1
        super().update(*args, **kwargs)

    def clear(self) -> None:
        self.version += 1
        super().clear()

    def of_type(self, arm_type: str) -> list[ArmResource]:
        """All resources of an ARM type (case-insensitive), in id order."""
        key = arm_type.lower()
        cached = self._by_type.get(key)
        if cached is None or cached[0] != self.version:
            found = sorted((r for r in self.values() if r.arm_type.lower() == key), key=lambda r: r.id.lower())
            cached = self._by_type[key] = (self.version, found)
        return list(cached[1])
