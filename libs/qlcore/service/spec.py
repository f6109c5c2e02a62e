"""How a service declares itself: its typed dependencies, its operations, its tasks.

Every service has the same shape (``docs/architecture.md``)::

    # services/<name>/bootstrap.py
    @dataclass(frozen=True)
    class Deps:                       # everything its handlers and tasks use, typed
        rt: Runtime
        config: NameConfig

    async def build(rt: Runtime) -> Deps: ...          # built once, at start
    def spec() -> ServiceSpec[Deps]:
        return ServiceSpec(name=..., build=build, projection=..., operations=OPERATIONS, tasks=...)

    # services/<name>/handlers.py: module-level functions, registered from one table
    async def list_runs(deps: Deps, req: RpcRequest) -> RpcReply: ...
    OPERATIONS = (Operation("runs.list", list_runs), ...)

A handler is a plain function of ``(deps, request)``: a test calls it with a ``Deps`` built from
fakes, without NATS.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from qlcore.projection import Projection
from qlcore.rpc import RpcReply, RpcRequest
from qlcore.service.runtime import Runtime

__all__ = ["Operation", "ServiceSpec"]

D = TypeVar("D")


@dataclass(frozen=True)
class Operation(Generic[D]):
    """One request/reply operation (``{ns}.rpc.{service}.{name}``) and its handler.

    ``broadcast``: every instance gets the request (not one of the queue group); an instance
    that should stay silent returns :data:`qlcore.service.NO_REPLY`.
    """

    name: str
    handler: Callable[[D, RpcRequest], Awaitable[RpcReply]]
    broadcast: bool = False


@dataclass(frozen=True)
class ServiceSpec(Generic[D]):
    """A service: ``build`` makes its dependencies once from the :class:`Runtime`; ``operations``
    are registered from that table; ``tasks`` run beside the projection until the service stops;
    ``status`` adds the service's own figures to ``ops.status`` (e.g. how far a task is behind);
    ``close`` releases what ``build`` opened."""

    name: str
    build: Callable[[Runtime], Awaitable[D]]
    projection: Callable[[], Projection] | None = None
    operations: Sequence[Operation[D]] = ()
    tasks: Sequence[Callable[[D], Coroutine[Any, Any, None]]] = field(default_factory=tuple)
    status: Callable[[D], Awaitable[dict[str, Any]]] | None = None
    close: Callable[[D], Awaitable[None]] | None = None
    pool_size: int = 8
