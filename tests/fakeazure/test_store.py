"""fakeazure/store.py: the type index stays true through every way the dict changes (a property test)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from fakeazure.resource import ArmResource
from fakeazure.store import ResourceStore

TYPES = ("Microsoft.Compute/virtualMachines", "Microsoft.Network/networkInterfaces", "Microsoft.Compute/disks")


def resource(kind: int, name: str) -> ArmResource:
    arm_type = TYPES[kind]
    arm_id = f"/subscriptions/s/resourceGroups/rg/providers/{arm_type}/{name}"
    return ArmResource(id=arm_id, token="t", arm_type=arm_type, name=name, logical_name=name, resource_group="rg",
                       location="westeurope", inputs={})  # fmt: skip


operation = st.tuples(
    st.sampled_from(("set", "del", "pop", "popitem", "setdefault", "update", "clear", "ask")),
    st.integers(0, len(TYPES) - 1),
    st.sampled_from(("a", "B", "c", "d")),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(operation, max_size=40))
def test_of_type_always_answers_what_a_full_scan_does(operations: list[tuple[str, int, str]]) -> None:
    store = ResourceStore()
    for op, kind, name in operations:
        item = resource(kind, name)
        key = f"k-{name.lower()}"  # a name is one key: a later kind replaces the earlier one
        if op == "set":
            store[key] = item
        elif op == "del" and key in store:
            del store[key]
        elif op == "pop":
            store.pop(key, None)
        elif op == "popitem" and store:
            store.popitem()
        elif op == "setdefault":
            store.setdefault(key, item)
        elif op == "update":
            store.update({key: item})
        elif op == "clear":
            store.clear()
        for arm_type in TYPES:  # asked after every step, so stale caches show
            expected = sorted((r for r in store.values() if r.arm_type.lower() == arm_type.lower()),
                              key=lambda r: r.id.lower())  # fmt: skip
            assert store.of_type(arm_type.upper()) == expected


def test_a_built_store_indexes_what_it_was_given() -> None:
    vm = resource(0, "vm1")
    store = ResourceStore({"k": vm})
    assert store.of_type(TYPES[0]) == [vm] and store.of_type(TYPES[1]) == []
