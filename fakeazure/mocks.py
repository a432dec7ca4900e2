"""Run a Pulumi program against fakeazure through ``pulumi.runtime`` mocks.

``FakeAzureMocks`` answers the engine's ``new_resource``/``call`` from a
``FakeAzure`` backend; ``RecordingMonitor`` records every registration with
the options the mocks API hides from ``new_resource`` (parent, dependsOn,
protect, retainOnDelete, replaceOnChanges, deleteBeforeReplace, ignoreChanges)
and with secrets masked as ``"[secret]"``. ``run_program`` is the one entry
point the tests and the CLI share.

Fidelity gaps: preview (unknown values) is not exercised, every run is an
apply against the backend's current state; provider resources and
transforms are not modelled.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.proto import resource_pb2

from azurefacts.paths import get_path, set_path
from fakeazure.backend import FakeAzure
from fakeazure.errors import FakeAzureError, UnknownResourceType
from fakeazure.providers import RESOURCE_TYPES
from fakeazure.resource import SECRET_MASK, fingerprint

SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE = "1b47061264138c4ac30d75fd1eb44270"

# Component (non-custom) resources of this project have tokens under this package.
COMPONENT_PACKAGE = "dsvm:"


@dataclass
class Registration:
    """One resource as the program registered it, with its options and outputs."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    id: str | None = None
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    depends_on: list[str] = field(default_factory=list)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    protect: bool = False
    retain_on_delete: bool = False
    replace_on_changes: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    ignore_changes: list[str] = field(default_factory=list)
    secret_paths: list[str] = field(default_factory=list)
    secret_fingerprints: dict[str, str] = field(default_factory=dict)
    # Changes Azure refused (ArmError.to_json()): the resource kept its previous state.
    refusals: list[dict[str, Any]] = field(default_factory=list)


def unwrap_secrets(
    value: Any,
    path: str = "",
    found: list[str] | None = None,
    sensitive: frozenset[str] = frozenset(),
    reveal: bool = False,
) -> Any:
    """Replace Pulumi's secret wrappers by ``"[secret]"`` (or their value, with ``reveal``).

    ``found`` collects the dotted paths of the secrets. When a secret wraps a whole
    object (the SDK lifts a nested secret to its enclosing input object) and the
    type names ``sensitive`` leaves below it, only those leaves are secret: the
    rest of the object (``osProfile.adminUsername``...) stays readable.
    """
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == SECRET_VALUE:
            inner = value.get("value")
            leaves = {s for s in sensitive if s.startswith(path + ".")} if path else set()
            if isinstance(inner, dict) and leaves and not reveal:
                plain = unwrap_secrets(inner, path, None, sensitive, reveal=True)
                for leaf in sorted(leaves):
                    parts = leaf[len(path) + 1 :].split(".")
                    node = plain
                    for part in parts[:-1]:
                        node = node.get(part) if isinstance(node, dict) else None
                    if isinstance(node, dict) and parts[-1] in node:
                        node[parts[-1]] = SECRET_MASK
                        if found is not None:
                            found.append(leaf)
                return plain
            if found is not None:
                found.append(path)
            return unwrap_secrets(inner, path, None, sensitive, reveal) if reveal else SECRET_MASK
        return {  # sorted: protobuf Struct maps have no stable order
            k: unwrap_secrets(v, f"{path}.{k}" if path else k, found, sensitive, reveal)
            for k, v in sorted(value.items())
        }
    if isinstance(value, list):
        return [unwrap_secrets(v, f"{path}[{i}]", found, sensitive, reveal) for i, v in enumerate(value)]
    if isinstance(value, float) and value.is_integer():
        return int(value)  # protobuf Struct numbers are doubles
    return value


def wrap_paths(value: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """A copy of ``value`` with each dotted path (``a.b[0].c``) wrapped as a Pulumi secret.

    The real engine marks as secret every output listed in
    ``additionalSecretOutputs`` and every output whose input was secret; under
    mocks nobody does, so the fake does it here.
    """
    result = copy.deepcopy(value)
    for path in paths:
        set_path(result, path, {SECRET_SIG: SECRET_VALUE, "value": get_path(result, path)})
    return result


def keep_ignored(old: dict[str, Any], new: dict[str, Any], paths: list[str] | tuple[str, ...]) -> None:
    """The engine's ``ignoreChanges``: each dotted path of ``new`` takes its value in ``old`` (and is dropped
    where ``old`` has none), so an ignored property never changes a resource that exists."""
    for path in paths:
        *parents, last = path.split(".")
        node: Any = new
        for part in parents:
            node = node.setdefault(part, {}) if isinstance(node, dict) else None
        value = get_path(old, path)
        if isinstance(node, dict) and value is None:
            node.pop(last, None)
        elif isinstance(node, dict):
            node[last] = copy.deepcopy(value)


class FakeAzureMocks(pulumi.runtime.Mocks):
    """The engine side of the mocks: resources and invokes go to the backend."""

    def __init__(self, backend: FakeAzure) -> None:
        self.backend = backend

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        return self.register(args, [])

    def register(
        self,
        args: pulumi_mocks.MockResourceArgs,
        secret_paths: list[str],
        replace_on_changes: list[str] | None = None,
        delete_before_replace: bool = False,
        ignore_changes: list[str] | None = None,
    ) -> tuple[str | None, dict[Any, Any]]:
        """Create the resource in the backend; outputs at ``secret_paths`` come back as secrets.

        ``replace_on_changes``, ``delete_before_replace`` and ``ignore_changes`` are the registration's
        options: the backend needs them to do what the engine does with an existing resource.
        """
        if not args.custom:
            if not args.typ.startswith(COMPONENT_PACKAGE):
                raise UnknownResourceType(args.typ)
            return None, {}
        # The backend sees plain values, as Azure does; secrets are re-marked on the outputs.
        resource = self.backend.create(
            args.typ,
            args.name,
            unwrap_secrets(args.inputs, reveal=True),
            secret_paths=secret_paths,
            replace_on_changes=replace_on_changes or [],
            delete_before_replace=delete_before_replace,
            ignore_changes=ignore_changes or [],
        )
        pulumi_id = resource.id if not resource.token.startswith("random:") else "none"
        return pulumi_id, wrap_paths(resource.outputs, secret_paths)

    def call(self, args: pulumi_mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]]]:
        return self.backend.invoke(args.token, args.args), []


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A MockMonitor that keeps every registration, in order, with its options.

    Two registrations with one URN raise: under mocks the second would
    silently overwrite the first.
    """

    def __init__(self, mocks: FakeAzureMocks) -> None:
        super().__init__(mocks)
        self.fake = mocks
        self.records: dict[str, Registration] = {}
        self._lock = threading.Lock()

    # The base class's RegisterResource and Invoke serialize their answers with
    # `_sync_await`, which pumps the event loop from inside the call; with the engine
    # calls run inline (see run_program) that nests one loop pump per pending
    # registration and overflows the stack on big teams. Our answers are plain JSON
    # values, so they are serialized synchronously here instead.

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            return resource_pb2.RegisterResourceResponse(urn=urn)
        with self._lock:
            if urn in self.records:
                raise FakeAzureError(f"two resources share the URN {urn}; give them distinct names")
            secret_paths: list[str] = []
            rtype = RESOURCE_TYPES.get(request.type)
            sensitive = rtype.secret_properties if rtype else frozenset()
            wire = json_format.MessageToDict(request.object)
            inputs = unwrap_secrets(wire, found=secret_paths, sensitive=sensitive)
            plain = unwrap_secrets(wire, reveal=True)
            record = Registration(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                inputs=inputs,
                depends_on=sorted(set(request.dependencies)),
                property_dependencies={k: sorted(set(v.urns)) for k, v in sorted(request.propertyDependencies.items())},
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                replace_on_changes=list(request.replaceOnChanges),
                delete_before_replace=bool(request.deleteBeforeReplace),
                ignore_changes=list(request.ignoreChanges),
                secret_paths=secret_paths,
                secret_fingerprints={p: fingerprint(get_path(plain, p)) for p in secret_paths},
            )
            self.records[urn] = record
        args = pulumi_mocks.MockResourceArgs(
            typ=request.type,
            name=request.name,
            inputs=rpc.deserialize_properties(request.object),
            provider=request.provider,
            resource_id=request.importId,
            custom=bool(request.custom),
        )
        id_, state = self.fake.register(
            args,
            secret_paths + list(request.additionalSecretOutputs),
            list(request.replaceOnChanges),
            bool(request.deleteBeforeReplace),
            list(request.ignoreChanges),
        )
        self.resources[urn] = pulumi_mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        record.id = id_
        record.outputs = unwrap_secrets(state)
        created = self.fake.backend.get(id_ or "") if request.ignoreChanges else None
        if created is not None:  # the inputs the engine sent: the existing values of ignored paths
            keep_ignored(created.inputs, record.inputs, list(request.ignoreChanges))
        record.refusals = [e.to_json() for e in self.fake.backend.refusals.get((id_ or "").lower(), [])]
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_ or "", object=_struct(state))

    def Invoke(self, request: Any) -> Any:  # noqa: N802 - the gRPC method name
        call = pulumi_mocks.MockCallArgs(
            token=request.tok, args=rpc.deserialize_properties(request.args), provider=request.provider
        )
        result, _ = self.fake.call(call)
        return resource_pb2.ResourceInvokeResponse(**{"return": _struct(result)})


def _struct(value: dict[str, Any]) -> struct_pb2.Struct:
    """A protobuf Struct of plain JSON values (Pulumi's secret wrappers are plain dicts too)."""
    message = struct_pb2.Struct()
    message.update(value)
    return message


class InlineExecutor(ThreadPoolExecutor):
    """Runs each submitted call at once in the caller's thread (the event loop's); asyncio
    accepts only ThreadPoolExecutor instances as default executor, hence the base class."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as error:
            future.set_exception(error)
        return future


@dataclass
class ProgramRun:
    """What one program run produced: registrations in order, and the resolved outputs."""

    records: list[Registration]
    outputs: dict[str, Any]
    backend: FakeAzure


def _resolve(value: Any) -> Any:
    """Plain values of a program's outputs; secrets become ``"[secret]"``."""

    async def go(v: Any) -> Any:
        if isinstance(v, pulumi.Output):
            if await v.is_secret():
                return SECRET_MASK
            return await go(await v.future())
        if isinstance(v, Mapping):
            return {k: await go(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [await go(x) for x in v]
        return v

    return go(value)


def run_program(
    program: Callable[[], Mapping[str, Any]],
    backend: FakeAzure,
    *,
    project: str = "dsvm",
    stack: str = "dev",
    config: Mapping[str, str] | None = None,
) -> ProgramRun:
    """Run ``program`` (which returns its stack outputs) against ``backend``.

    Each call sets fresh mocks (a new root stack) and a fresh event loop whose
    executor runs the engine calls inline, on the loop's own thread: with a
    thread pool, the order in which registrations reach the backend (and so
    which NIC gets which private IP) would depend on thread timing.
    """
    loop = asyncio.new_event_loop()
    executor = InlineExecutor()
    loop.set_default_executor(executor)
    # A failed run leaves sibling RPC futures holding the same error; the first one is
    # raised to the caller, so the "never retrieved" reports of the rest are noise.
    loop.set_exception_handler(
        lambda lp, ctx: None if "never retrieved" in str(ctx.get("message")) else lp.default_exception_handler(ctx)
    )
    asyncio.set_event_loop(loop)
    mocks = FakeAzureMocks(backend)
    monitor = RecordingMonitor(mocks)
    # set_mocks makes a new root Stack only when the context has none: a root left by an earlier
    # run in this thread (another stack's) would parent every resource of this run to it.
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor)
    pulumi.runtime.set_all_config(dict(config or {}))
    backend.begin_run()
    resolved: dict[str, Any] = {}

    @pulumi.runtime.test
    def body() -> Any:
        outputs = program()

        async def collect() -> None:
            resolved.update(await _resolve(dict(outputs)))

        return pulumi.Output.from_input(asyncio.ensure_future(collect()))

    try:
        body()
    finally:
        # A failed run leaves the program's other outputs pending: cancel them before closing
        # the loop, or asyncio reports each as "destroyed but pending".
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        executor.shutdown(wait=True)
        loop.close()
        asyncio.set_event_loop(None)
    return ProgramRun(records=list(monitor.records.values()), outputs=resolved, backend=backend)
