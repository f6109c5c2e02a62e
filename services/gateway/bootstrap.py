"""Composition root of the gateway: identity read model, admin operations, the HTTP server."""

from qlcore.service import LegacySpec

from services.gateway.admin import on_start, register
from services.gateway.http import serve_http
from services.gateway.projection import IdentityProjection

__all__ = ["spec"]


def spec() -> LegacySpec:
    return LegacySpec(
        name="gateway",
        projection=IdentityProjection,
        register=register,
        tasks=[serve_http],
        pool_size=16,
        on_start=on_start,
    )
