"""The services of the stack, in start order (the gateway last). One list for the supervisor
(`make run`), the test fixtures, the gateway's health checks, compose.yaml's test and ops.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from qlcore.service import ServiceSpec

__all__ = ["BACKEND_SERVICES", "SERVICES", "load_spec"]

BACKEND_SERVICES: tuple[str, ...] = ("ingest", "provenance", "leaderboard", "attestation", "card", "reproduce")
SERVICES: tuple[str, ...] = (*BACKEND_SERVICES, "gateway")


def load_spec(name: str) -> ServiceSpec:
    if name not in SERVICES:
        raise KeyError(f"unknown service {name!r}; one of {', '.join(SERVICES)}")
    factory: Callable[[], ServiceSpec] = importlib.import_module(f"services.{name}.bootstrap").spec
    return factory()
