"""The caller (``/me``) and health."""

from __future__ import annotations

from typing import TypeVar

from quantumledger._calls import Call, Resource, decoded, endpoint
from quantumledger.models import Health, Me

__all__ = ["System"]

M = TypeVar("M")


class System(Resource[M]):
    @endpoint
    def me(self) -> Call[Me]:
        """The authenticated principal: account, org, workspace, role, plan and scopes."""
        return Call("GET", "/api/v1/me", decoded(Me))

    @endpoint
    def health(self) -> Call[Health]:
        """``up``, ``degraded`` or ``down``; a 503 that says ``down`` is an answer, not an error."""
        return Call("GET", "/api/v1/health", decoded(Health), ok_statuses=frozenset({503}))
