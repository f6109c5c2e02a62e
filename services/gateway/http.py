"""Serving the gateway app with uvicorn inside the service process (stops with it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import uvicorn
from qlcore.service import shared_socket

from services.gateway.app import create_app

if TYPE_CHECKING:
    from services.gateway.bootstrap import Deps
    from services.gateway.config import GatewayConfig

__all__ = ["proxy_options", "serve_http"]


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service process owns SIGINT/SIGTERM (qlcore.service.main)


def proxy_options(config: GatewayConfig) -> dict[str, Any]:
    """uvicorn's handling of ``X-Forwarded-For``: believed from the trusted proxies only, and by
    default from nobody (uvicorn's own default believes 127.0.0.1, and ``FORWARDED_ALLOW_IPS``)."""
    if not config.trusted_proxies:
        return {"proxy_headers": False, "forwarded_allow_ips": ""}
    return {"proxy_headers": True, "forwarded_allow_ips": list(config.trusted_proxies)}


async def serve_http(deps: Deps) -> None:
    """The service's task: serve the app until the service stops."""
    settings = deps.rt.settings
    config = uvicorn.Config(
        create_app(deps.http),
        host=settings.host,
        port=settings.port,
        log_config=None,
        http="httptools" if _has("httptools") else "h11",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=deps.config.http_graceful_seconds,
        limit_concurrency=deps.config.http_limit_concurrency,
        backlog=deps.config.http_backlog,
        **proxy_options(deps.config),
    )
    server = _Server(config)
    settings = deps.rt.settings
    serving = asyncio.create_task(server.serve(sockets=[shared_socket(settings)] if settings.http_reuse_port else None))
    stopping = asyncio.create_task(deps.rt.stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()
