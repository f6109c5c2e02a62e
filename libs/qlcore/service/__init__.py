"""The service template: every service is a :class:`ServiceSpec` of typed dependencies built once
from the shared :class:`Runtime`, a table of :class:`Operation` handlers, optional tasks, and a
projection; :func:`main` runs one as a process (``docs/architecture.md``)."""

from qlcore.service.operations import NO_REPLY
from qlcore.service.process import main, run_service, tune_gc
from qlcore.service.runtime import Runtime
from qlcore.service.sockets import shared_socket
from qlcore.service.spec import Operation, ServiceSpec

__all__ = [
    "NO_REPLY",
    "Operation",
    "Runtime",
    "ServiceSpec",
    "main",
    "run_service",
    "shared_socket",
    "tune_gc",
]
