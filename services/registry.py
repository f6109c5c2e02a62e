"""The services of the stack, in start order (the gateway last). One list for the supervisor
(`make run`), the test fixtures, the gateway's health checks, compose.yaml's test and ops.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from qlcore.config import BACKEND_SERVICES, SERVICES
from qlcore.service import ServiceSpec

__all__ = ["BACKEND_SERVICES", "SERVICES", "SERVICE_MODULE", "load_spec"]

SERVICE_MODULE = "services.{}"  # each service runs as `python -m services.<name>`


def load_spec(name: str) -> ServiceSpec[Any]:
    if name not in SERVICES:
        raise KeyError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    factory: Callable[[], ServiceSpec[Any]] = importlib.import_module(f"services.{name}.bootstrap").spec
    return factory()
