"""The subscription's resources by lower-cased id, with an index and cached queries by type."""

from __future__ import annotations

from typing import Any

from fakeazure.resource import ArmResource


class ResourceStore(dict[str, ArmResource]):
    """A dict of resources that keeps them indexed by ARM type, so ``of_type`` costs what one type holds.

    The providers ask for all NICs or VMs of the subscription for every VM and NIC
    they create. Scanning every resource for each question made big plans quadratic,
    and so did a cache every change threw away; the index is kept up to date by every
    mutating dict method, and each type's sorted answer is cached until a resource of
    that type changes.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._types: dict[str, dict[str, ArmResource]] = {}
        self._sorted: dict[str, list[ArmResource]] = {}
        for key, value in self.items():
            self._index(key, value)

    def _index(self, key: str, value: ArmResource) -> None:
        kind = value.arm_type.lower()
        self._types.setdefault(kind, {})[key] = value
        self._sorted.pop(kind, None)

    def _forget(self, key: str, value: ArmResource) -> None:
        kind = value.arm_type.lower()
        self._types.get(kind, {}).pop(key, None)
        self._sorted.pop(kind, None)

    def _unindex(self, key: str) -> None:
        old = dict.get(self, key)
        if old is not None:
            self._forget(key, old)

    def __setitem__(self, key: str, value: ArmResource) -> None:
        self._unindex(key)
        super().__setitem__(key, value)
        self._index(key, value)

    def __delitem__(self, key: str) -> None:
        self._unindex(key)
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self._unindex(key)
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, ArmResource]:
        key, value = super().popitem()
        self._forget(key, value)
        return key, value

    def setdefault(self, key: str, default: ArmResource) -> ArmResource:
        if key in self:
            return self[key]
        self[key] = default
        return default

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def clear(self) -> None:
        super().clear()
        self._types.clear()
        self._sorted.clear()

    def of_type(self, arm_type: str) -> list[ArmResource]:
        """All resources of an ARM type (case-insensitive), in id order."""
        kind = arm_type.lower()
        found = self._sorted.get(kind)
        if found is None:
            found = self._sorted[kind] = sorted(self._types.get(kind, {}).values(), key=lambda r: r.id.lower())
        return list(found)
