"""TRANSITIONAL: the closure-style service shape, while services move to :mod:`qlcore.service.spec`.

A legacy service registers closures over a ``ServiceContext`` (a :class:`Runtime` with an untyped
``state`` bag) from one ``register(rpc, ctx)``. Issue 12 moves every service to typed
dependencies and an operation table; this module is deleted with the last one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from qlcore.projection import Projection
from qlcore.rpc import RpcServer
from qlcore.service.runtime import Runtime

__all__ = ["LegacySpec", "ServiceContext"]


@dataclass
class ServiceContext(Runtime):
    state: dict[str, object] = field(default_factory=dict)


Register = Callable[[RpcServer, ServiceContext], None]
Task = Callable[[ServiceContext], Coroutine[Any, Any, None]]


@dataclass
class LegacySpec:
    name: str
    projection: Callable[[], Projection] | None
    register: Register
    tasks: list[Task] = field(default_factory=list)
    pool_size: int = 8
    on_start: Callable[[ServiceContext], Awaitable[None]] | None = None
    on_stop: Callable[[ServiceContext], Awaitable[None]] | None = None
