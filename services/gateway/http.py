"""Serving the gateway app with uvicorn inside the service process (stops with it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator

import uvicorn
from qlcore.service import ServiceContext, shared_socket

from services.gateway.app import create_app
from services.gateway.deps import Gateway
from services.gateway.identity.runtime import identity_of

__all__ = ["serve_http"]


def _has(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield  # the service process owns SIGINT/SIGTERM (qlcore.service.main)


async def serve_http(ctx: ServiceContext) -> None:
    gw = Gateway(ctx.settings, ctx.bus.nc, ctx.pool, identity=identity_of(ctx), statements=ctx.statements)
    ctx.state["gateway"] = gw
    config = uvicorn.Config(
        create_app(gw),
        host=ctx.settings.host,
        port=ctx.settings.port,
        log_config=None,
        http="httptools" if _has("httptools") else "h11",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=5,
        limit_concurrency=2048,
        backlog=2048,
    )
    server = _Server(config)
    serving = asyncio.create_task(
        server.serve(sockets=[shared_socket(ctx.settings)] if ctx.settings.http_reuse_port else None)
    )
    stopping = asyncio.create_task(ctx.stop.wait())
    await asyncio.wait([serving, stopping], return_when=asyncio.FIRST_COMPLETED)
    server.should_exit = True
    await serving
    stopping.cancel()
